"""A small SVG builder for the pictures drawn by hand (the dependency map, the drawn program board).

Every attribute value and text goes through :func:`markupsafe.escape`, so a team name or a summary from
Jira can never become markup. Coordinates are rounded to one decimal: the SVG stays small and the same
figures give the same bytes. Line patterns for the dependency statuses live here too, so the map and the
board draw a status the same way (colour *and* dash pattern: a grayscale print still tells them apart).
"""

from __future__ import annotations

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
