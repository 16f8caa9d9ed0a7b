"""The presenter of the pictures and of time: the dependency map, the drawn board, trends, slippage by team.

Like view.py it arranges and formats what the indicators computed (``results.team_map``,
``results.trends``, ``results.slippage_by_team``, the board) and draws the charts; it counts nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from syncreport.indicators.results import (
    Health,
    IndicatorResults,
    WeekFigures,
)
from syncreport.kinds import COUNTED_STATUSES, DependencyStatus
from syncreport.render import charts
from syncreport.render.boardsvg import DrawnBoard, drawn_board
from syncreport.render.depmap import dependency_map
from syncreport.render.drawn import drawn
from syncreport.render.svg import PrintSketch, document, print_copy, shorten

STATUS_LABELS: dict[str, str] = {s.value: s.label for s in DependencyStatus}

NOTHING = Markup("")
STRIP_PRINT_RUNS = 26  # the health strip's columns in print (the latest runs); the HTML has every run
# Trend lines look like the status marks: late red and dashed, at risk amber dash-dot, on track green solid.
TREND_STYLES: dict[str, tuple[str, str, str]] = {
    STATUS_LABELS["late"]: ("#b00020", "--", "X"),
    STATUS_LABELS["unscheduled"]: ("#6a1b9a", ":", "s"),
    STATUS_LABELS["at_risk"]: ("#b07800", "-.", "^"),
    STATUS_LABELS["external"]: ("#555555", "--", "D"),
    STATUS_LABELS["consumer_unscheduled"]: ("#777777", ":", "v"),
    STATUS_LABELS["on_track"]: ("#2e6b30", "-", "o"),
}


@dataclass(frozen=True, slots=True)
class StripRow:
    name: str  # the train's name or a team's
    is_train: bool
    cells: tuple[Health | None, ...]  # one per shown run; None: the team was not in that run


@dataclass(frozen=True, slots=True)
class TrendView:
    available: bool
    reason: str | None
    runs: tuple[str, ...]  # the shown runs' dates ("24 Nov"), oldest first
    hidden_runs: int  # print: older runs left out of the strip
    strip: tuple[StripRow, ...]
    weeks: tuple[WeekFigures, ...]
    deltas: dict[str, str]  # status -> "+2 since 24 Nov" (page 1; print: "+2"); empty without a compared run
    since: str = ""  # print: the compared run's date, said once in the column's heading ("24 Nov")


@dataclass(frozen=True, slots=True)
class Pictures:
    dependency_map: Markup
    board: DrawnBoard
    slippage_by_team: Markup
    trend_dependencies: Markup
    trend_weeks: Markup
    health_strip: Markup = NOTHING  # print: the strip drawn (the HTML has it as a table)


def short_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%b}"


def signed(value: int) -> str:
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "±0"


def trend_view(results: IndicatorResults, *, for_print: bool) -> TrendView:
    trends = results.trends
    if trends is None:
        return TrendView(False, None, (), 0, (), (), {})
    points = trends.points
    shown = points[-STRIP_PRINT_RUNS:] if for_print else points
    runs = tuple(short_date(p.generated_at) for p in shown)
    strip = [StripRow(results.train.name, True, tuple(p.health for p in shown))]
    for team in trends.teams:
        strip.append(StripRow(team, False, tuple(dict(p.teams).get(team) for p in shown)))
    deltas: dict[str, str] = {}
    since = short_date(trends.since) if trends.since is not None else ""
    if since:
        # print: page 1's narrow count column says "since 24 Nov" once, in its heading
        tail = "" if for_print else f" since {since}"
        deltas = {d.status: f"{signed(d.change)}{tail}" for d in trends.deltas if d.change is not None}
    return TrendView(
        available=trends.available,
        reason=trends.reason,
        runs=runs,
        hidden_runs=len(points) - len(shown),
        strip=tuple(strip),
        weeks=trends.weeks,
        deltas=deltas,
        since=since if for_print else "",
    )


def _run_labels(results: IndicatorResults) -> list[str]:
    assert results.trends is not None
    labels = [short_date(p.generated_at) for p in results.trends.points]
    if len(labels) > 12:  # a PI of daily runs: every k-th date written, the rest ticks without a label
        step = math.ceil(len(labels) / 12)
        labels = [label if (len(labels) - 1 - i) % step == 0 else "" for i, label in enumerate(labels)]
    return labels


def _trend_dependencies(results: IndicatorResults) -> Markup:
    title = "Cross-team dependencies by status, run by run"
    trends = results.trends
    if trends is None or not trends.available:
        return Markup("")
    series = []
    for index, status in enumerate(COUNTED_STATUSES):
        values = tuple(float(p.dependency_counts[index][1]) for p in trends.points)
        if any(values):
            series.append(charts.Series(STATUS_LABELS[status], values))
    return drawn(
        charts.lines,
        _run_labels(results),
        series,
        chart_id="trend-deps",
        title=title,
        axis_label="dependencies",
        styles=TREND_STYLES,
        height=3.0,
    )


def _trend_weeks(results: IndicatorResults) -> Markup:
    trends = results.trends
    if trends is None or not trends.available:
        return Markup("")
    weeks = trends.weeks
    return drawn(
        charts.columns,
        [f"week of {w.week_start.day} {w.week_start:%b}" for w in weeks],
        [
            charts.Series("issues carried over", tuple(float(w.carried_over) for w in weeks)),
            charts.Series("issues slipped (due date or PI)", tuple(float(w.slipped) for w in weeks)),
        ],
        chart_id="trend-weeks",
        title="Carry-over and slips at the end of each week",
        axis_label="issues",
        value_format=lambda v: f"{v:.0f}",
    )


def _slippage_by_team(results: IndicatorResults) -> Markup:
    rows = results.slippage_by_team
    return drawn(
        charts.horizontal_bars,
        [r.team for r in rows],
        [
            charts.Series("carried over", tuple(float(r.carried_over) for r in rows)),
            charts.Series("due date pushed", tuple(float(r.due_date_slips) for r in rows)),
            charts.Series("moved to a later PI", tuple(float(r.pi_slips) for r in rows)),
        ],
        chart_id="slip-teams",
        title="Slippage by team: issues carried over, due dates pushed, moved to a later PI",
        axis_label="issues",
        value_format=lambda v: f"{v:.0f}",
    )


_last: list[tuple[IndicatorResults, bool, Pictures]] = []


def draw_pictures(results: IndicatorResults, *, for_print: bool = False) -> Pictures:
    """The pictures of these results, drawn once for the HTML and once for the PDF of one run (like view's
    charts: only the last results are kept, by identity). The print copy is the same pictures made for
    WeasyPrint's speed: the map and the board drawn as :class:`~syncreport.render.svg.PrintSketch`es, the
    charts through :func:`~syncreport.render.svg.print_copy`."""
    for kept, printed, pictures in _last:
        if kept is results and printed == for_print:
            return pictures
    pictures = _draw(results, for_print=for_print)
    _last[:] = [*(entry for entry in _last if entry[0] is results), (results, for_print, pictures)]
    return pictures


def _draw(results: IndicatorResults, *, for_print: bool) -> Pictures:
    team_map = results.team_map
    charts_of_run = _charts(results)
    lean = print_copy if for_print else Markup
    return Pictures(
        dependency_map=dependency_map(team_map, for_print=for_print) if team_map else Markup(""),
        board=drawn_board(
            results.board, results.dependencies, current=results.calendar.current_index, for_print=for_print
        ),
        slippage_by_team=lean(charts_of_run[0]),
        trend_dependencies=lean(charts_of_run[1]),
        trend_weeks=lean(charts_of_run[2]),
        health_strip=_strip_drawing(trend_view(results, for_print=True)) if for_print else Markup(""),
    )


STRIP_CELL_W, STRIP_CELL_H, STRIP_NAME_W, STRIP_HEAD_H = 30.0, 15.0, 120.0, 16.0
STRIP_FILLS: dict[str, str] = {"red": "#fde0e0", "amber": "#fff1cc", "green": "#ffffff"}


def _strip_drawing(view: TrendView) -> Markup:
    """The health strip of the print copy: the table's cells as one drawing (a table of a PI of runs is a
    few hundred boxes for WeasyPrint to lay out). Each cell keeps its symbol, so it reads in grayscale."""
    if not view.available or not view.strip:
        return Markup("")
    sketch = PrintSketch()
    width = STRIP_NAME_W + STRIP_CELL_W * len(view.runs)
    height = STRIP_HEAD_H + STRIP_CELL_H * len(view.strip)
    for column, run in enumerate(view.runs):
        sketch.label(run, STRIP_NAME_W + (column + 0.5) * STRIP_CELL_W, 11.0, 7.0, middle=True)
    for row, strip_row in enumerate(view.strip):
        top = STRIP_HEAD_H + row * STRIP_CELL_H
        name = f"Train {strip_row.name}" if strip_row.is_train else strip_row.name
        sketch.label(shorten(name, 24), 2.0, top + 10.5, 8.0, bold=strip_row.is_train)
        for column, health in enumerate(strip_row.cells):
            x = STRIP_NAME_W + column * STRIP_CELL_W
            fill = STRIP_FILLS[health] if health is not None else "#ffffff"
            sketch.rect(x, top, STRIP_CELL_W, STRIP_CELL_H, fill=fill, stroke="#c8c8c8", stroke_width=0.6)
            symbol = health.mark.symbol if health is not None else "·"
            sketch.label(symbol, x + STRIP_CELL_W / 2, top + 11.0, 9.0, bold=True, middle=True)
    rows = "; ".join(
        f"{row.name}: " + ", ".join(h.mark.word.lower() if h else "not in that run" for h in row.cells)
        for row in view.strip
    )
    return document(
        sketch.parts(),
        width=width,
        height=height,
        title="Train and team health per run",
        description=f"Runs {', '.join(view.runs)}. {rows}",
        css="chart health-drawing",
    )


_charts_kept: list[tuple[IndicatorResults, tuple[Markup, Markup, Markup]]] = []


def _charts(results: IndicatorResults) -> tuple[Markup, Markup, Markup]:
    """The slippage-by-team and trend charts, drawn once for both copies of a run."""
    if _charts_kept and _charts_kept[0][0] is results:
        return _charts_kept[0][1]
    drawn_charts = (_slippage_by_team(results), _trend_dependencies(results), _trend_weeks(results))
    _charts_kept[:] = [(results, drawn_charts)]
    return drawn_charts
