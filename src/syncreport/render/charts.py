"""Every chart of the report, drawn by matplotlib as inline SVG (the one place that draws).

Charts are built from plain, already-computed figures (labels and numbers from the indicators) and
returned as SVG markup ready to sit inside the HTML: no XML prolog, no metadata, no external reference,
text kept as text (``svg.fonttype = none``) so it is selectable and uses the report's font, ids prefixed
per chart so several charts can share one page, and a fixed hash salt so the same figures give the same
bytes. Series differ by hatch pattern and lightness as well as hue, so a grayscale print still tells them
apart; every bar carries its value as a text label.

Longer than 400 lines: every chart kind shares the style table, the figure context and the SVG cleaning
(:func:`_to_svg`); split by kind, the modules would import each other's private helpers.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from markupsafe import Markup

from syncreport.render.plots import label_width

if (
    TYPE_CHECKING
):  # matplotlib is imported when a chart is drawn: a run whose charts are all kept never pays it
    from matplotlib.container import BarContainer
    from matplotlib.figure import Figure

# Lightness steps so series stay distinct in grayscale; hatches make them distinct without any colour.
# Line hatches only: matplotlib writes dot hatches as thousands of circles (a 10x larger SVG, a slow PDF).
SERIES_STYLES: tuple[tuple[str, str], ...] = (
    ("#1f4e79", ""),
    ("#9dc3e6", "///"),
    ("#c55a11", "xx"),
    ("#f4b183", "---"),
    ("#548235", "\\\\\\"),
)
# Lines for the per-team series: marker shape and dash pattern, so they differ in grayscale too.
LINE_STYLES: tuple[tuple[str, str], ...] = (
    ("o", "-"),
    ("s", "--"),
    ("^", "-."),
    ("D", ":"),
    ("v", "-"),
    ("P", "--"),
)
LINE_COLOURS: tuple[str, ...] = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#555555", "#bf9000", "#2e75b6")
Formatter = Callable[[float], str]
LABEL_FONT = 6.8  # points: the lines' names at their ends
TICK_ROOM = 3.5 + 3.5  # points: a tick's length and its label's pad
_STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "syncreport",
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.titlesize": 9.0,
    "axes.titleweight": "bold",
    "hatch.color": "#222222",
    "hatch.linewidth": 0.6,
}


@dataclass(frozen=True, slots=True)
class Series:
    """One set of bars: a name for the legend and one value per category."""

    name: str
    values: tuple[float, ...]
    style: tuple[str, str] | None = None  # (colour, hatch); None: the next of SERIES_STYLES


@dataclass(frozen=True, slots=True)
class ReferenceLine:
    """A threshold line across the value axis with its label, e.g. the amber reliability threshold at 80 %."""

    at: float
    label: str
    style: str = "--"


def horizontal_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    axis_label: str,
    value_format: Formatter = lambda v: f"{v:g}",
    reference_lines: Sequence[ReferenceLine] = (),
    axis_max: float | None = None,
) -> Markup:
    """Grouped horizontal bars, one group per category (a team), one bar per series, values written on.

    ``chart_id`` (letters, digits, dashes) prefixes the SVG's ids so charts on one page never collide.
    An empty category list gives a short note instead of an empty frame.
    """
    if not categories or not series:
        return _empty(title)
    if _all_zero(series):
        return _empty(title, "none")
    group_height = 0.8
    # as tall as its bars: a category 0.22 in, or 0.11 in a bar in a group (a bar still as thick as its
    # 7-point value label), so a PDF's chart of 8 teams by 3 series is not scaled down to a 6-point text
    height_in = min(9.0, 0.9 + len(categories) * max(0.22, 0.11 * len(series)))
    with _figure(7.0, height_in) as figure:
        axes = figure.subplots()
        positions = range(len(categories))
        values = [v for s in series for v in s.values if not math.isnan(v)]
        largest, smallest = max(values, default=0.0), min(values, default=0.0)
        _grouped_bars(axes, positions, series, value_format, group_size=group_height, horizontal=True)
        for line in reference_lines:
            axes.axvline(line.at, color="#444444", linestyle=line.style, linewidth=0.9)
            axes.annotate(
                line.label,
                xy=(line.at, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, 2),
                textcoords="offset points",
                fontsize=7,
                color="#333333",
            )
        axes.set_yticks(list(positions), [_shorten(c) for c in categories])
        axes.invert_yaxis()
        _whole_ticks(axes.xaxis, series)
        axes.set_xlabel(axis_label)
        upper = axis_max if axis_max is not None else max(largest * 1.18, 1.0)
        axes.set_xlim(min(smallest * 1.3, 0.0), upper)
        if smallest < 0:
            axes.axvline(0, color="#222222", linewidth=0.8)
        axes.set_title(title, loc="left")
        if len(series) > 1:
            axes.legend(loc="lower right", fontsize=7, frameon=False)
        axes.grid(axis="x", color="#dddddd", linewidth=0.5)
        axes.set_axisbelow(True)
        return _to_svg(figure, chart_id=chart_id, title=title)


def _grouped_bars(
    axes: Any,
    positions: Sequence[int],
    series: Sequence[Series],
    value_format: Formatter,
    *,
    group_size: float,
    horizontal: bool,
) -> None:
    """One bar per series at each position, side by side, each with its value as a label."""
    bar_size = group_size / len(series)
    for index, one in enumerate(series):
        colour, hatch = one.style or SERIES_STYLES[index % len(SERIES_STYLES)]
        offsets = [p - group_size / 2 + bar_size * (index + 0.5) for p in positions]
        style = {"color": colour, "hatch": hatch, "edgecolor": "#222222", "linewidth": 0.4, "label": one.name}
        if horizontal:
            bars = axes.barh(offsets, one.values, height=bar_size * 0.92, **style)
        else:
            bars = axes.bar(offsets, one.values, width=bar_size * 0.92, **style)
        labels = _value_labels(one.values, value_format, len(series))
        axes.bar_label(bars, labels=labels, padding=2 if horizontal else 1, fontsize=7)


def columns(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    axis_label: str,
    value_format: Formatter = lambda v: f"{v:g}",
) -> Markup:
    """Grouped vertical columns over ordered categories (iterations: time runs left to right)."""
    if not categories or not series:
        return _empty(title)
    if _all_zero(series):
        return _empty(title, "none")
    group_width = 0.8
    with _figure(7.0, 2.8) as figure:
        axes = figure.subplots()
        positions = range(len(categories))
        _grouped_bars(axes, positions, series, value_format, group_size=group_width, horizontal=False)
        values = [v for s in series for v in s.values if not math.isnan(v)]
        axes.set_ylim(0, max(max(values, default=0.0) * 1.18, 1.0))
        _whole_ticks(axes.yaxis, series)
        axes.set_xticks(list(positions), [_shorten(c, 14) for c in categories])
        axes.set_ylabel(axis_label)
        axes.set_title(title, loc="left")
        axes.grid(axis="y", color="#dddddd", linewidth=0.5)
        axes.set_axisbelow(True)
        right = 14.0
        if len(series) > 1:
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
            # the legend right of the plot: its handles (2 em), their gap and padding, the longest name
            right += 7 * 3.6 + max(label_width(one.name, 7) for one in series)
        return _to_svg(figure, chart_id=chart_id, title=title, right=right)


def _value_labels(values: Sequence[float], value_format: Formatter, series_count: int) -> list[str]:
    """The number written on each bar; in a grouped chart a zero bar gets no "0" (it would clutter)."""
    return ["" if series_count > 1 and v == 0 else value_format(v) for v in values]


def lines(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    axis_label: str,
    reference_lines: Sequence[ReferenceLine] = (),
    axis_range: tuple[float, float] | None = None,
    styles: dict[str, tuple[str, str, str]] | None = None,
    height: float = 3.2,
) -> Markup:
    """One line per series across ordered categories (iterations, runs); NaN values leave a gap.

    Every line is named at its last point (direct labels, pushed apart where they would overlap) instead of
    a legend: with 8 or more teams a legend of similar markers cannot be read in grayscale. ``styles`` maps
    a series name to (colour, dash, marker); the others take LINE_STYLES in turn.
    """
    if not categories or not series:
        return _empty(title)
    with _figure(7.0, height) as figure:
        axes = figure.subplots()
        positions = list(range(len(categories)))
        ends: list[tuple[float, float, str, str]] = []
        for index, one in enumerate(series):
            marker, dash = LINE_STYLES[index % len(LINE_STYLES)]
            colour = LINE_COLOURS[index % len(LINE_COLOURS)]
            if styles and one.name in styles:
                colour, dash, marker = styles[one.name]
            axes.plot(
                positions,
                one.values,
                marker=marker,
                linestyle=dash,
                color=colour,
                linewidth=1.3,
                markersize=4.5,
            )
            last = next(
                (
                    (p, v)
                    for p, v in zip(reversed(positions), reversed(one.values), strict=True)
                    if not math.isnan(v)
                ),
                None,
            )
            if last is not None:
                ends.append((float(last[0]), last[1], _shorten(one.name, 22), colour))
        for line in reference_lines:
            axes.axhline(line.at, color="#444444", linestyle=line.style, linewidth=0.8)
            axes.annotate(
                line.label,
                xy=(0.0, line.at),
                xycoords=("axes fraction", "data"),
                xytext=(2, 2),
                textcoords="offset points",
                ha="left",
                fontsize=6.5,
                color="#333333",
            )
        axes.set_xticks(positions, [_shorten(c, 14) for c in categories])
        # the names sit just right of the furthest last point (lines that stop early keep short leaders)
        right = max((x for x, _, _, _ in ends), default=len(categories) - 1.0) + 0.2
        room = right + max(1.2, 0.28 * len(categories))
        axes.set_xlim(-0.3, max(room, len(categories) - 0.7))
        if axis_range:
            axes.set_ylim(*axis_range)
        else:
            values = [v for one in series for v in one.values if not math.isnan(v)]
            axes.set_ylim(0, max(max(values, default=0.0) * 1.15, 1.0))
            _whole_ticks(axes.yaxis, series)
        low, high = axes.get_ylim()
        axes.set_ylabel(axis_label)
        axes.set_title(title, loc="left")
        # the names a line apart (their font's size and a fifth), in data units of the plot's height
        plot_points = height * 72 - sum(_vertical_margins(axes))
        _direct_labels(axes, ends, x=right, gap=(high - low) * LABEL_FONT * 1.2 / plot_points)
        axes.grid(axis="y", color="#dddddd", linewidth=0.5)
        return _to_svg(figure, chart_id=chart_id, title=title)


def histogram(
    values: Sequence[float], *, chart_id: str, title: str, axis_label: str, bins: int = 12
) -> Markup:
    """How a per-issue figure is spread (e.g. days of due-date slip), counts written on the bars."""
    if not values:
        return _empty(title)
    from matplotlib.ticker import MaxNLocator

    with _figure(7.0, 2.6) as figure:
        axes = figure.subplots()
        counts, _, patches = axes.hist(
            values, bins=min(bins, max(1, len(set(values)))), color=SERIES_STYLES[0][0], edgecolor="#ffffff"
        )
        axes.bar_label(
            cast("BarContainer", patches),
            labels=[f"{c:.0f}" if c else "" for c in counts],
            padding=1,
            fontsize=7,
        )
        axes.set_xlabel(axis_label)
        axes.set_ylabel("issues")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(title, loc="left")
        axes.grid(axis="y", color="#dddddd", linewidth=0.5)
        axes.set_axisbelow(True)
        return _to_svg(figure, chart_id=chart_id, title=title)


def timeline(
    events: Sequence[tuple[datetime, str]],
    categories: Sequence[str],
    *,
    chart_id: str,
    title: str,
    reference: datetime | None = None,
    reference_label: str = "",
) -> Markup:
    """One mark per event at (when, category): e.g. each move of an issue to a later PI, by team.

    Marks are half-transparent, so where several fall on one day the spot is darker.
    """
    if not events or not categories:
        return _empty(title, "none")
    from matplotlib.dates import DateFormatter, date2num

    rows = {name: index for index, name in enumerate(categories)}
    with _figure(7.0, min(6.0, 0.9 + 0.24 * len(categories))) as figure:
        axes = figure.subplots()
        axes.xaxis_date()
        axes.scatter(
            date2num([when for when, _ in events]),
            [rows.get(name, len(categories)) for _, name in events],
            marker="D",
            s=22,
            color=SERIES_STYLES[0][0],
            edgecolors="#000000",
            linewidths=0.4,
            alpha=0.55,
        )
        if reference is not None:
            at = float(date2num(reference))
            axes.axvline(at, color="#444444", linestyle="--", linewidth=0.8)
            axes.annotate(
                reference_label,
                xy=(at, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, 2),
                textcoords="offset points",
                fontsize=7,
                color="#333333",
            )
        moments = [when for when, _ in events] + ([reference] if reference is not None else [])
        axes.set_xlim(date2num(min(moments) - timedelta(days=7)), date2num(max(moments) + timedelta(days=7)))
        labels = [_shorten(c) for c in categories]
        if any(name not in rows for _, name in events):
            labels.append("other")
        axes.set_yticks(range(len(labels)), labels)
        axes.set_ylim(len(labels) - 0.5, -0.5)
        axes.xaxis.set_major_formatter(DateFormatter("%-d %b"))
        axes.set_title(title, loc="left")
        axes.grid(axis="x", color="#dddddd", linewidth=0.5)
        axes.set_axisbelow(True)
        return _to_svg(figure, chart_id=chart_id, title=title)


def _whole_ticks(axis: Any, series: Sequence[Series]) -> None:
    """Count axes get whole-number ticks (no "2.5 issues"); other values keep matplotlib's choice."""
    from matplotlib.ticker import MaxNLocator

    values = [v for one in series for v in one.values if not math.isnan(v)]
    if values and all(float(v).is_integer() for v in values):
        axis.set_major_locator(MaxNLocator(integer=True))


def _direct_labels(axes: Any, ends: Sequence[tuple[float, float, str, str]], *, x: float, gap: float) -> None:
    """Each line's name written in a column at ``x``, level with the line's last point (no legend of
    look-alike markers), with a thin leader in its colour; ``ends`` = (last x, last y, label, colour).
    Labels closer than ``gap`` (data units) are pushed apart, and the stack is kept inside the axes."""
    if not ends:
        return
    low, high = axes.get_ylim()
    ordered = sorted(ends, key=lambda e: e[1])
    placed: list[float] = []
    for _, y, _, _ in ordered:
        placed.append(max(y, placed[-1] + gap) if placed else max(y, low + gap / 2))
    overflow = placed[-1] - (high - gap / 2)
    if overflow > 0:
        placed = [max(low + gap / 2 + i * gap, at - overflow) for i, at in enumerate(placed)]
    for (last_x, y, label, colour), at in zip(ordered, placed, strict=True):
        axes.annotate(
            label,
            xy=(last_x, y),
            xytext=(x, at),
            textcoords="data",
            xycoords="data",
            fontsize=LABEL_FONT,
            color=colour,
            ha="left",
            va="center",
            annotation_clip=False,
            arrowprops={
                "arrowstyle": "-",
                "color": colour,
                "linewidth": 0.5,
                "linestyle": ":",
                "shrinkA": 0,
                "shrinkB": 2,
            },
        )


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    """A figure of ``width`` x ``height`` inches in the report's chart style, without a layout engine: its
    margins are set by :func:`_fixed_margins` when it is drawn."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_STYLE):
        yield Figure(figsize=(width, height))


def _tick_labels_width(axis: Any) -> float:
    """About how wide (points) the widest tick label of ``axis`` is, from the labels its locator and
    formatter give (no text is laid out to know it)."""
    low, high = sorted(axis.get_view_interval())
    ticks = [t for t in axis.get_major_locator()() if low - 1e-9 <= t <= high + 1e-9]
    labels = axis.get_major_formatter().format_ticks(ticks) if ticks else []
    return max((label_width(str(label), _STYLE["font.size"]) for label in labels), default=0.0)


def _vertical_margins(axes: Any) -> tuple[float, float]:
    """The plot's bottom and top margins (points): one line of tick labels and the x axis's label below,
    the title above."""
    line = _STYLE["font.size"] * 1.25
    bottom = 5 + line + TICK_ROOM + (line + 4 if axes.get_xlabel() else 0)
    top = 6 + (_STYLE["axes.titlesize"] * 1.25 + 6 if axes.get_title(loc="left") else 0)
    return bottom, top


def _fixed_margins(figure: Figure, *, right: float = 14.0) -> None:
    """The plot's margins worked out from the lengths of its labels (points): the tick labels' widest on
    the left, one line of tick labels below, the axis labels' and the title's lines. A layout engine
    measures every text to find them, which was half of each chart's drawing time. ``right`` leaves room
    for what stands right of the plot (a legend outside it)."""
    (axes,) = figure.axes
    line = _STYLE["font.size"] * 1.25
    left = 5 + _tick_labels_width(axes.yaxis) + TICK_ROOM + (line + 4 if axes.get_ylabel() else 0)
    bottom, top = _vertical_margins(axes)
    width, height = (72 * v for v in figure.get_size_inches())
    figure.subplots_adjust(
        left=min(left / width, 0.45),
        right=1 - right / width,
        bottom=min(bottom / height, 0.45),
        top=max(1 - top / height, 0.55),
    )


def _empty(title: str, why: str = "nothing to chart") -> Markup:
    return Markup('<p class="chart-empty">{}: {}.</p>').format(title, why)


def _all_zero(series: Sequence[Series]) -> bool:
    return all(v == 0 or math.isnan(v) for one in series for v in one.values)


def _shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"')
_IDS = re.compile(r'(\bid="|url\(#|xlink:href="#|\bhref="#)')


def _to_svg(figure: Figure, *, chart_id: str, title: str, right: float = 14.0) -> Markup:
    """Serialize a figure to clean inline SVG markup (see the module docstring for what is removed), its
    margins fixed first (:func:`_fixed_margins`; ``right`` as there)."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    _fixed_margins(figure, right=right)
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # Text stays text in the SVG (the browser or WeasyPrint picks a font per glyph), so a glyph that
        # DejaVu lacks (an emoji in a team name) only affects matplotlib's width estimate: not worth a warning.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": None})
    svg = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1), count=1)
    prefix = f"{chart_id}-"
    svg = _IDS.sub(lambda m: m.group(1) + prefix, svg)
    svg = _SIZE.sub(
        lambda m: (
            f'<svg{m.group(1)} class="chart" role="img" width="{m.group(2)}pt" height="{m.group(3)}pt"'
            f' preserveAspectRatio="xMinYMin meet"'
        ),
        svg,
        count=1,
    )
    label = str(Markup("<title>{}</title>").format(title))
    svg = svg.replace(">", ">" + label, 1)
    # matplotlib's own output: every text in it (team names too) is XML-escaped by matplotlib's writer.
    return Markup(svg)
