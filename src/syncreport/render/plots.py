"""The trend charts drawn by hand with svg.py's builder instead of matplotlib: lines over the runs and grouped
columns per week.

Every run adds a point to the trends, so these two charts are drawn again on every cron run (the other
charts are kept in the run's store): drawn here they cost a few milliseconds, never matplotlib's import or
its layout engine, and they are a few dozen SVG elements (one path per series and style, one text per
label) that WeasyPrint lays out fast, so the HTML and the PDF share one drawing. The conventions are
charts.py's: whole-number ticks on count axes; series told apart by dash pattern and marker (lines) or by
lightness (columns) as well as by hue, so a grayscale print still reads; every line named at its last point
(direct labels, no legend of look-alike markers); each column's value written on it; every figure in the
text alternative (``<desc>``); Jira's text escaped (svg.py).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from syncreport.render.svg import document, element, number, shorten, text

WIDTH = 672.0  # 7 inches at 96 px an inch, as matplotlib's charts
TICK_SIZE, LABEL_SIZE, TITLE_SIZE = 10.5, 10.0, 12.0
AXIS_COLOUR, GRID_COLOUR, INK = "#555555", "#dddddd", "#222222"
MARKER_RADIUS = 3.4


@dataclass(frozen=True, slots=True)
class Line:
    """One line: its name (written at its last point), one value per category (NaN: a gap), its look."""

    name: str
    values: tuple[float, ...]
    colour: str
    dash: str = ""  # an SVG dash array; "" solid
    marker: str = "o"  # o circle, s square, ^ v triangles, D diamond, X cross, P plus


@dataclass(frozen=True, slots=True)
class Columns:
    """One series of columns: its name (in the key above the plot), one count per category, its fill."""

    name: str
    values: tuple[int, ...]
    fill: str


def label_width(label: str, size: float) -> float:
    """About how wide ``label`` is set in DejaVu Sans (wide East Asian letters count twice)."""
    return sum(1.2 if unicodedata.east_asian_width(c) in "WF" else 0.62 for c in label) * size


def count_ticks(top: float, most: int = 6) -> tuple[int, ...]:
    """Whole-number ticks from 0 to the first tick at or above ``top`` (at least 1), in steps of 1, 2 or 5
    times a power of ten, at most ``most`` steps."""
    top = max(top, 1.0)
    exponent = 0
    while True:
        for factor in (1, 2, 5):
            step = factor * 10**exponent
            if math.ceil(top / step) <= most:
                return tuple(range(0, step * math.ceil(top / step) + 1, step))
        exponent += 1


@dataclass(frozen=True, slots=True)
class _Plot:
    """The plot area in the drawing's units and the value axis's scale."""

    left: float
    top: float
    right: float
    bottom: float
    ticks: tuple[int, ...]

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * value / self.ticks[-1]

    def x(self, index: int, count: int) -> float:
        return self.left + (self.right - self.left) * (index + 0.5) / count


def _frame(plot: _Plot, categories: Sequence[str], title: str, axis_label: str) -> list[str]:
    """The title, the grid, the two axes, the ticks and their labels."""
    parts = [element("text", text(title), x=2.0, y=14.0, font_size=TITLE_SIZE, font_weight="bold")]
    grid = "".join(f"M{number(plot.left)},{number(plot.y(t))}H{number(plot.right)}" for t in plot.ticks[1:])
    parts.append(element("path", d=grid, fill="none", stroke=GRID_COLOUR, stroke_width=0.7))
    axes = f"M{number(plot.left)},{number(plot.top)}V{number(plot.bottom)}H{number(plot.right)}"
    parts.append(element("path", d=axes, fill="none", stroke=AXIS_COLOUR, stroke_width=0.9))
    for tick in plot.ticks:
        at = plot.y(tick)
        parts.append(
            element(
                "text", text(str(tick)), x=plot.left - 6, y=at + 3.5, font_size=TICK_SIZE, text_anchor="end"
            )
        )
    middle = (plot.top + plot.bottom) / 2
    parts.append(
        element(
            "text",
            text(axis_label),
            x=12.0,
            y=middle,
            font_size=LABEL_SIZE,
            text_anchor="middle",
            transform=f"rotate(-90 12 {number(middle)})",
        )
    )
    slot = (plot.right - plot.left) / max(len(categories), 1)
    widest = max((label_width(c, TICK_SIZE) for c in categories), default=0.0)
    # labels that would touch: every k-th, the last one kept (the estimate is a little wide already, so a
    # gap of 3 is about 5 as set: a half-page chart of 4 runs still names every run)
    every = max(1, math.ceil((widest + 3) / slot))
    for index, category in enumerate(categories):
        if (len(categories) - 1 - index) % every == 0:
            parts.append(
                element(
                    "text",
                    text(category),
                    x=plot.x(index, len(categories)),
                    y=plot.bottom + 15,
                    font_size=TICK_SIZE,
                    text_anchor="middle",
                )
            )
    return parts


def _marker(shape: str, x: float, y: float, r: float = MARKER_RADIUS) -> str:
    """A marker as the data of a closed sub-path centred on (x, y)."""
    if shape == "s":
        corners = [(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)]
    elif shape == "^":
        corners = [(0, -1.1), (1, 0.75), (-1, 0.75)]
    elif shape == "v":
        corners = [(0, 1.1), (1, -0.75), (-1, -0.75)]
    elif shape == "D":
        corners = [(0, -1.15), (1, 0), (0, 1.15), (-1, 0)]
    elif shape == "X":
        w = 0.35  # a thick diagonal cross: the outline of two crossed bars
        corners = [
            (-1, -1 + w), (-1 + w, -1), (0, -w), (1 - w, -1), (1, -1 + w), (w, 0),
            (1, 1 - w), (1 - w, 1), (0, w), (-1 + w, 1), (-1, 1 - w), (-w, 0),
        ]  # fmt: skip
    elif shape == "P":
        w = 0.33  # a thick plus
        corners = [
            (-w, -1), (w, -1), (w, -w), (1, -w), (1, w), (w, w),
            (w, 1), (-w, 1), (-w, w), (-1, w), (-1, -w), (-w, -w),
        ]  # fmt: skip
    else:  # a circle
        return f"M{number(x - r)},{number(y)}a{number(r)},{number(r)} 0 1,0 {number(2 * r)},0a{number(r)},{number(r)} 0 1,0 {number(-2 * r)},0z"
    points = "L".join(f"{number(x + dx * r)},{number(y + dy * r)}" for dx, dy in corners)
    return f"M{points}z"


def _spread(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Heights for labels wanted at ``wanted`` (sorted, top to bottom in drawing units), pushed apart to at
    least ``gap`` and kept between ``low`` and ``high``."""
    placed: list[float] = []
    for at in wanted:
        placed.append(max(at, placed[-1] + gap) if placed else max(at, low))
    overflow = placed[-1] - high if placed else 0.0
    if overflow > 0:
        placed = [max(low + i * gap, at - overflow) for i, at in enumerate(placed)]
    return placed


def _series_text(categories: Sequence[str], name: str, values: Sequence[float]) -> str:
    shown = ", ".join(
        f"{c} {number(v)}" for c, v in zip(categories, values, strict=True) if not math.isnan(v)
    )
    return f"{name}: {shown}"


def line_chart(
    categories: Sequence[str],
    lines: Sequence[Line],
    *,
    title: str,
    axis_label: str,
    height: float = 280.0,
    width: float = WIDTH,
) -> Markup:
    """One line per series across ordered categories (runs), each named at its last point."""
    if not categories or not lines:
        return Markup('<p class="chart-empty">{}: nothing to chart.</p>').format(title)
    values = [v for line in lines for v in line.values if not math.isnan(v)]
    ticks = count_ticks(max(values, default=0.0) * 1.08)
    names = [shorten(line.name, 22) for line in lines]
    tick_room = max(label_width(str(t), TICK_SIZE) for t in ticks)
    name_room = max(label_width(name, LABEL_SIZE) for name in names) + 22
    plot = _Plot(left=26 + tick_room, top=28.0, right=width - name_room, bottom=height - 26, ticks=ticks)
    parts = _frame(plot, categories, title, axis_label)
    count = len(categories)
    ends: list[tuple[float, float, str, str]] = []
    for line, name in zip(lines, names, strict=True):
        path, markers, pen = [], [], "M"
        for index, value in enumerate(line.values):
            if math.isnan(value):
                pen = "M"
                continue
            x, y = plot.x(index, count), plot.y(value)
            path.append(f"{pen}{number(x)},{number(y)}")
            markers.append(_marker(line.marker, x, y))
            pen, last = "L", (x, y)
        if not path:
            continue
        parts.append(
            element(
                "path",
                d="".join(path),
                fill="none",
                stroke=line.colour,
                stroke_width=1.7,
                stroke_dasharray=line.dash or None,
                stroke_linejoin="round",
            )
        )
        parts.append(
            element("path", d="".join(markers), fill=line.colour, stroke="#ffffff", stroke_width=0.5)
        )
        ends.append((*last, name, line.colour))
    parts.extend(_direct_labels(ends, plot))
    description = "; ".join(_series_text(categories, line.name, line.values) for line in lines)
    return document(parts, width=width, height=height, title=title, description=description, css="chart")


def _direct_labels(ends: Sequence[tuple[float, float, str, str]], plot: _Plot) -> list[str]:
    """Each line's name in a column right of the last points, level with its line's end, pushed apart where
    they would overlap, with a thin dotted leader in the line's colour."""
    if not ends:
        return []
    column = max(x for x, _, _, _ in ends) + 16
    ordered = sorted(ends, key=lambda end: end[1])
    placed = _spread([y for _, y, _, _ in ordered], 12.0, plot.top + 4, plot.bottom - 2)
    parts = []
    for (x, y, name, colour), at in zip(ordered, placed, strict=True):
        leader = f"M{number(x + 4)},{number(y)}L{number(column - 3)},{number(at)}"
        parts.append(
            element("path", d=leader, fill="none", stroke=colour, stroke_width=0.7, stroke_dasharray="1 2")
        )
        parts.append(element("text", text(name), x=column, y=at + 3.5, font_size=LABEL_SIZE, fill=colour))
    return parts


KEY_ROW, COUNT_SIZE = 14.0, TICK_SIZE * 0.9  # a row of the key above the plot; a count written on a column


def _key(series: Sequence[Columns], *, left: float, right: float) -> tuple[list[str], int]:
    """The key above the plot, a swatch and a name a series, in rows that fit between ``left`` (the plot's
    left edge) and ``right``; its parts and its number of rows."""
    parts: list[str] = []
    x, row = left, 0
    for one in series:
        width = 16 + label_width(one.name, LABEL_SIZE)
        if x > left and x + width > right:  # a series that would run past the edge starts a row of its own
            x, row = left, row + 1
        y = 24 + KEY_ROW * row
        swatch = f"M{number(x)},{number(y)}h12v9h-12z"
        parts.append(element("path", d=swatch, fill=one.fill, stroke=INK, stroke_width=0.6))
        parts.append(element("text", text(one.name), x=x + 16, y=y + 8.5, font_size=LABEL_SIZE))
        x += width + 18
    return parts, row + 1


def column_chart(
    categories: Sequence[str],
    series: Sequence[Columns],
    *,
    title: str,
    axis_label: str,
    height: float = 260.0,
    width: float = WIDTH,
) -> Markup:
    """Grouped columns over ordered categories (weeks), each column's count written on it when every count
    fits its column, the series named in a key above the plot (in as many rows as it needs)."""
    if not categories or not series:
        return Markup('<p class="chart-empty">{}: nothing to chart.</p>').format(title)
    if all(v == 0 for one in series for v in one.values):
        return Markup('<p class="chart-empty">{}: none.</p>').format(title)
    ticks = count_ticks(max(v for one in series for v in one.values) * 1.12)
    tick_room = max(label_width(str(t), TICK_SIZE) for t in ticks)
    key, key_rows = _key(series, left=26 + tick_room, right=width - 8)
    plot_top = 44.0 + KEY_ROW * (key_rows - 1)
    plot = _Plot(left=26 + tick_room, top=plot_top, right=width - 8, bottom=height - 26, ticks=ticks)
    parts = _frame(plot, categories, title, axis_label)
    slot = (plot.right - plot.left) / len(categories)
    bar = slot * 0.8 / len(series)
    # a count wider than its column would run into its neighbour's: written only when every one fits (the
    # table under the chart, and the drawing's description, say every count in any case)
    counted = all(label_width(str(v), COUNT_SIZE) <= bar for one in series for v in one.values)
    labels: list[str] = []
    for number_of, one in enumerate(series):
        bars = []
        for index, value in enumerate(one.values):
            left = plot.x(index, len(categories)) - slot * 0.4 + number_of * bar
            top = plot.y(value)
            if value:  # a zero column is not drawn, and in a group its "0" is not written (it would clutter)
                bars.append(
                    f"M{number(left + 0.5)},{number(plot.bottom)}V{number(top)}"
                    f"H{number(left + bar - 0.5)}V{number(plot.bottom)}z"
                )
            if counted and (value or len(series) == 1):
                labels.append(
                    element(
                        "text",
                        text(str(value)),
                        x=left + bar / 2,
                        y=top - 3,
                        font_size=COUNT_SIZE,
                        text_anchor="middle",
                    )
                )
        parts.append(element("path", d="".join(bars), fill=one.fill, stroke=INK, stroke_width=0.6))
    parts.extend(key)
    parts.extend(labels)
    description = "; ".join(_series_text(categories, one.name, one.values) for one in series)
    return document(parts, width=width, height=height, title=title, description=description, css="chart")


BAR, GROUP_GAP = 9.0, 8.0  # a bar's thickness and the gap between two categories' groups


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Columns],
    *,
    title: str,
    axis_label: str,
    width: float = WIDTH,
) -> Markup:
    """Grouped horizontal bars, a group per category (a team) top to bottom, a bar per series, each bar's
    count written at its end (a zero in a group is not), the series named in a key above the plot; as
    tall as its bars."""
    if not categories or not series:
        return Markup('<p class="chart-empty">{}: nothing to chart.</p>').format(title)
    if all(v == 0 for one in series for v in one.values):
        return Markup('<p class="chart-empty">{}: none.</p>').format(title)
    names = [shorten(c, 24) for c in categories]
    ticks = count_ticks(max(v for one in series for v in one.values) * 1.08)
    left = 8 + max(label_width(name, TICK_SIZE) for name in names)
    group = BAR * len(series) + GROUP_GAP
    key, key_rows = _key(series, left=left, right=width - 8)
    top = 44.0 + KEY_ROW * (key_rows - 1)
    bottom = top + group * len(categories)
    right = width - 8 - label_width(str(ticks[-1]), TICK_SIZE * 0.9)
    scale = (right - left) / ticks[-1]
    parts = [element("text", text(title), x=2.0, y=14.0, font_size=TITLE_SIZE, font_weight="bold")]
    grid = "".join(f"M{number(left + t * scale)},{number(top)}V{number(bottom)}" for t in ticks[1:])
    parts.append(element("path", d=grid, fill="none", stroke=GRID_COLOUR, stroke_width=0.7))
    axes = f"M{number(left)},{number(top)}V{number(bottom)}H{number(right)}"
    parts.append(element("path", d=axes, fill="none", stroke=AXIS_COLOUR, stroke_width=0.9))
    for tick in ticks:
        x = left + tick * scale
        parts.append(
            element("text", text(str(tick)), x=x, y=bottom + 14, font_size=TICK_SIZE, text_anchor="middle")
        )
    parts.append(
        element(
            "text",
            text(axis_label),
            x=(left + right) / 2,
            y=bottom + 30,
            font_size=LABEL_SIZE,
            text_anchor="middle",
        )
    )
    for index, name in enumerate(names):
        middle = top + group * index + group / 2
        parts.append(
            element("text", text(name), x=left - 5, y=middle + 3.5, font_size=TICK_SIZE, text_anchor="end")
        )
    labels: list[str] = []
    for number_of, one in enumerate(series):
        bars = []
        for index, value in enumerate(one.values):
            y = top + group * index + GROUP_GAP / 2 + number_of * BAR
            if value:
                end = left + value * scale
                bars.append(
                    f"M{number(left)},{number(y + 0.5)}H{number(end)}V{number(y + BAR - 0.5)}H{number(left)}z"
                )
            if value or len(series) == 1:
                labels.append(
                    element(
                        "text",
                        text(str(value)),
                        x=left + value * scale + 3,
                        y=y + BAR - 1.5,
                        font_size=TICK_SIZE * 0.8,
                    )
                )
        parts.append(element("path", d="".join(bars), fill=one.fill, stroke=INK, stroke_width=0.6))
    parts.extend(key)
    parts.extend(labels)
    description = "; ".join(_series_text(categories, one.name, one.values) for one in series)
    return document(parts, width=width, height=bottom + 38, title=title, description=description, css="chart")
