"""A small SVG builder for the pictures drawn by hand (the dependency map, the drawn program board), and
their print copies (:class:`PrintSketch`, :func:`print_copy` for matplotlib's charts).

Every attribute value and text goes through :func:`markupsafe.escape`, so a team name or a summary from
Jira can never become markup. Coordinates are rounded to one decimal: the SVG stays small and the same
figures give the same bytes. Line patterns for the dependency statuses live here too, so the map and the
board draw a status the same way (colour *and* dash pattern: a grayscale print still tells them apart).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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

    def __init__(self, *, text_layer: bool = False) -> None:
        self._paths: dict[tuple[tuple[str, object], ...], list[str]] = {}
        self._letters: dict[tuple[float, bool], tuple[list[str], list[str], list[str]]] = {}
        self._runs: list[str] = []
        self._text_layer = text_layer
        self._lines: list[_Label] = []  # text_layer: the plain ASCII labels, set as lines of HTML text

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
        if self._text_layer and words.isascii() and words.isprintable():
            self._lines.append(_Label(size, bold, left, y, words))
            return
        xs, ys, letters = self._letters.setdefault((size, bold), ([], [], []))
        for k, letter in enumerate(words):
            if letter != " ":
                xs.append(number(left + k * pitch))
                ys.append(number(y))
                letters.append(letter)

    def prose(self, words: str, x: float, y: float, size: float) -> None:
        """A line of running text in the report's font (DejaVu Sans) from (x, y): in the text layer when it
        is plain ASCII, else a ``<text>`` of its own (shaped as one run)."""
        if self._text_layer and words.isascii() and words.isprintable():
            self._lines.append(_Label(size, False, x, y, words, mono=False))
        else:
            self._runs.append(element("text", text(words), x=x, y=y, font_size=size))

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

    def layered(
        self,
        parts: Iterable[str],
        *,
        width: float,
        height: float,
        fit: tuple[float, float],
        title: str,
        description: str,
        css: str,
    ) -> Markup:
        """The sketch (and ``parts`` drawn over it) at the largest size that fits ``fit`` (millimetres; at
        most its own size), its plain ASCII labels as HTML text laid over the drawing (``text_layer``):
        WeasyPrint lays an SVG
        ``<text>`` out letter by letter (a Pango layout each, about 0.15 ms), a line of HTML text in one
        go, so a board's few thousand letters cost a tenth. Each label is placed where the drawing would
        put its letters (the same font, the baseline at the same height: checked pixel by pixel); labels
        of one size and height share one line, spaced to their columns (a label lands within half a
        letter of its place)."""
        # millimetres per unit of the drawing: never larger than the drawing's own size (a unit a CSS pixel)
        scale = min(fit[0] / width, fit[1] / height, CSS_PX_MM)
        svg = document(
            [*self.parts(), *parts], width=width, height=height, title=title, description=description, css=css
        )
        size = f"width:{scale * width:.2f}mm;height:{scale * height:.2f}mm"
        layers = "".join(_text_layer(self._lines, scale))
        return Markup(f'<div class="sketch-layers" style="{size}">{svg}{layers}</div>')


CSS_PX_MM = 25.4 / 96


@dataclass(frozen=True, slots=True)
class _Label:
    size: float
    bold: bool
    left: float
    baseline: float
    words: str  # plain printable ASCII
    mono: bool = True  # DejaVu Sans Mono (else DejaVu Sans, a line of its own)


# The top of a DejaVu line box (line-height 1) above its baseline, as a share of the font size: the ascent,
# less half of what ascent and descent exceed the em by ((1901 - (1901 + 483 - 2048) / 2) / 2048); the same
# in DejaVu Sans and DejaVu Sans Mono.
BASELINE = 0.846


def _text_layer(labels: Sequence[_Label], scale: float) -> Iterable[str]:
    """One absolutely placed block per font (size and weight), in it one line per run of labels on one
    baseline: each label put at its column (spaces between them), a new line where it would touch the last."""
    fonts: dict[tuple[float, bool, bool], dict[float, list[_Label]]] = {}
    for label in labels:
        font = (label.size, label.bold, label.mono)
        fonts.setdefault(font, {}).setdefault(label.baseline, []).append(label)
    for (size, bold, mono), rows in fonts.items():
        pitch = MONO_ADVANCE * size
        lines: list[str] = []
        for baseline, row in rows.items():
            top = (baseline - BASELINE * size) * scale
            start, line = 0.0, ""
            for label in sorted(row, key=lambda one: one.left):
                column = round((label.left - start) / pitch)
                if mono and line and column > len(line):
                    line += " " * (column - len(line)) + label.words
                    continue
                if line:
                    lines.append(_line(start * scale, top, line))
                start, line = label.left, label.words
            lines.append(_line(start * scale, top, line))
        kind = ("" if mono else " prose") + (" bold" if bold else "")
        yield f'<div class="sketch-text{kind}" style="font-size:{size * scale:.3f}mm">{"".join(lines)}</div>'


def _line(left: float, top: float, words: str) -> str:
    return f'<div style="left:{left:.2f}mm;top:{top:.2f}mm">{escape(words)}</div>'


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
