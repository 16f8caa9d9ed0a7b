"""A small SVG builder for the pictures drawn by hand (the dependency map, the drawn program board), and
their print copies (:class:`PrintSketch`, :func:`print_copy` for matplotlib's charts).

Every attribute value and text goes through :func:`markupsafe.escape`, so a team name or a summary from
Jira can never become markup. Coordinates are rounded to one decimal: the SVG stays small and the same
figures give the same bytes. Line patterns for the dependency statuses live here too, so the map and the
board draw a status the same way (colour *and* dash pattern: a grayscale print still tells them apart).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from syncreport.kinds import DependencyStatus

# Approximate advance of DejaVu Sans per character, as a share of the font size (for sizing boxes).
CHAR_WIDTH = 0.6


@dataclass(frozen=True, slots=True)
class StringStyle:
    """How a dependency of one status is drawn: colour and dash pattern ("" solid); its words are the
    status's own label (:class:`~syncreport.kinds.DependencyStatus`)."""

    colour: str
    dash: str


STRING_STYLES: dict[DependencyStatus, StringStyle] = {
    DependencyStatus.LATE: StringStyle("#b00020", "7 3"),
    DependencyStatus.UNSCHEDULED: StringStyle("#6a1b9a", "1.5 2.5"),
    DependencyStatus.AT_RISK: StringStyle("#b07800", "9 3 2 3"),
    DependencyStatus.EXTERNAL: StringStyle("#555555", "4 2"),
    DependencyStatus.CONSUMER_UNSCHEDULED: StringStyle("#777777", "1 3"),
    DependencyStatus.ON_TRACK: StringStyle("#2e6b30", ""),
}


def status_word(status: str) -> str:
    """A status in running text and legends: its label, lower case ("provider unscheduled")."""
    return DependencyStatus(status).label.lower()


def number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def attributes(values: dict[str, object]) -> str:
    """` name="value"` pairs, escaped; None values are left out; a trailing underscore is dropped."""
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        shown = number(value) if isinstance(value, float) else str(value)
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(shown)}"')
    return "".join(parts)


def element(tag: str, content: str = "", **attrs: object) -> str:
    """One element; ``content`` must already be markup (use :func:`text` for text)."""
    if not content:
        return f"<{tag}{attributes(attrs)}/>"
    return f"<{tag}{attributes(attrs)}>{content}</{tag}>"


def text(value: str) -> str:
    return str(escape(value))


def shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def text_width(label: str, size: float) -> float:
    return len(label) * size * CHAR_WIDTH


def document(
    parts: Iterable[str], *, width: float, height: float, title: str, description: str, css: str
) -> Markup:
    """The whole ``<svg>``: sized in CSS pixels, scalable (viewBox), with a title and a description that
    screen readers announce (the text alternative)."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css)}" role="img"'
        f' width="{number(width)}" height="{number(height)}" viewBox="0 0 {number(width)} {number(height)}"'
        f' font-family="DejaVu Sans, sans-serif">'
    )
    body = element("title", text(title)) + element("desc", text(description)) + "".join(parts)
    return Markup(head + body + "</svg>")


# DejaVu Sans Mono's advance (1233 of 2048 units per em): the print copy places each letter of a label itself
MONO_ADVANCE = 0.602
MONO_FONT = "DejaVu Sans Mono, monospace"


class PrintSketch:
    """The print copy of a hand-drawn picture, as few elements as WeasyPrint can lay out fast.

    WeasyPrint lays out and draws an SVG element by element, and a ``<text>`` letter by letter: a big train's
    board was 2,000 elements and 7,000 letters, two seconds of the PDF. Here every shape of one style is a
    sub-path of one ``<path>``, and the labels of one font size and weight are the letters of one ``<text>``
    placed one by one in a monospaced font (``x``/``y`` lists), so a key still reads and is found by a
    PDF's search. A label that is not plain ASCII (CJK, right-to-left, combining marks) keeps its own
    ``<text>`` so it is shaped as one run. Shapes are painted in the order their styles first appear, all
    labels after them.
    """

    def __init__(self) -> None:
        self._paths: dict[tuple[tuple[str, object], ...], list[str]] = {}
        self._letters: dict[tuple[float, bool], tuple[list[str], list[str], list[str]]] = {}
        self._runs: list[str] = []

    def shape(self, d: str, **style: object) -> None:
        self._paths.setdefault(tuple(style.items()), []).append(d)

    def rect(self, x: float, y: float, width: float, height: float, **style: object) -> None:
        self.shape(f"M{number(x)},{number(y)}h{number(width)}v{number(height)}h{number(-width)}z", **style)

    def label(
        self, words: str, x: float, y: float, size: float, *, bold: bool = False, middle: bool = False
    ) -> None:
        if not all((c.isascii() and c.isprintable()) or 0x2000 <= ord(c) < 0x2C00 for c in words):
            self._runs.append(
                element(
                    "text",
                    text(words),
                    x=x,
                    y=y,
                    font_size=size,
                    font_weight="bold" if bold else None,
                    text_anchor="middle" if middle else None,
                )
            )
            return
        pitch = MONO_ADVANCE * size
        left = x - len(words) * pitch / 2 if middle else x
        xs, ys, letters = self._letters.setdefault((size, bold), ([], [], []))
        for k, letter in enumerate(words):
            if letter != " ":
                xs.append(number(left + k * pitch))
                ys.append(number(y))
                letters.append(letter)

    def parts(self) -> list[str]:
        shapes = [
            f"<path{attributes({'d': ''.join(ds), **dict(style)})}/>" for style, ds in self._paths.items()
        ]
        labels = [
            element(
                "text",
                text("".join(letters)),
                x=" ".join(xs),
                y=" ".join(ys),
                font_size=size,
                font_weight="bold" if bold else None,
                font_family=MONO_FONT,
            )
            for (size, bold), (xs, ys, letters) in self._letters.items()
        ]
        return [*shapes, *labels, *self._runs]


_GROUP = re.compile(r"<g\b[^>]*>|</g>")
_BARE_GROUP = re.compile(r'<g(?: id="[^"]*")?>')
_PATH = r'<path d="[^"]*"(?: [a-z-]+="[^"]*")*\s*/>'
_PATH_PARTS = re.compile(r'<path d="([^"]*)"((?: [a-z-]+="[^"]*")*)\s*/>')
_PATH_RUN = re.compile(rf"{_PATH}(?:\s*{_PATH})+")
_BETWEEN = re.compile(r">\s+<")


def print_copy(svg: Markup) -> Markup:
    """The same chart with fewer elements, for WeasyPrint (which lays out and draws an SVG element by
    element): matplotlib's groups that only carry an id are unwrapped, and each run of paths drawn with the
    same attributes (the bars of one series, the grid lines) becomes one path, so a hatch pattern is painted
    once per series instead of once per bar. A run with any opacity is left alone: merged, its overlaps
    would no longer read darker. The HTML keeps matplotlib's markup."""
    parts: list[str] = []
    kept: list[bool] = []
    last = 0
    for match in _GROUP.finditer(svg):
        tag = match.group(0)
        keep = kept.pop() if tag == "</g>" else _BARE_GROUP.fullmatch(tag) is None
        if tag != "</g>":
            kept.append(keep)
        parts.append(svg[last : match.start()])
        if keep:
            parts.append(tag)
        last = match.end()
    parts.append(svg[last:])

    def merge(run: re.Match[str]) -> str:
        paths = _PATH_PARTS.findall(run.group(0))
        merged: list[tuple[list[str], str]] = []
        for d, attributes in paths:
            if merged and merged[-1][1] == attributes and "opacity" not in attributes:
                merged[-1][0].append(d)
            else:
                merged.append(([d], attributes))
        return "".join(f'<path d="{" ".join(ds)}"{attributes}/>' for ds, attributes in merged)

    return Markup(_BETWEEN.sub("><", _PATH_RUN.sub(merge, "".join(parts))))
