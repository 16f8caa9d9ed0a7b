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

STATUS_LABELS: dict[str, str] = {s.value: s.label for s in DependencyStatus}

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
    deltas: dict[str, str]  # status -> "+2 since 24 Nov" (page 1); empty without a compared run


@dataclass(frozen=True, slots=True)
class Pictures:
    dependency_map: Markup
    board: DrawnBoard
    slippage_by_team: Markup
    trend_dependencies: Markup
    trend_weeks: Markup


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
    if trends.since is not None:
        since = short_date(trends.since)
        deltas = {
            d.status: f"{signed(d.change)} since {since}" for d in trends.deltas if d.change is not None
        }
    return TrendView(
        available=trends.available,
        reason=trends.reason,
        runs=runs,
        hidden_runs=len(points) - len(shown),
        strip=tuple(strip),
        weeks=trends.weeks,
        deltas=deltas,
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


_last: list[tuple[IndicatorResults, Pictures]] = []


def draw_pictures(results: IndicatorResults) -> Pictures:
    """The pictures of these results, drawn once for the HTML and the PDF of one run (like view's charts:
    only the last results are kept, by identity)."""
    if _last and _last[0][0] is results:
        return _last[0][1]
    drawn = _draw(results)
    _last[:] = [(results, drawn)]
    return drawn


def _draw(results: IndicatorResults) -> Pictures:
    return Pictures(
        dependency_map=dependency_map(results.team_map) if results.team_map else Markup(""),
        board=drawn_board(results.board, results.dependencies, current=results.calendar.current_index),
        slippage_by_team=_slippage_by_team(results),
        trend_dependencies=_trend_dependencies(results),
        trend_weeks=_trend_weeks(results),
    )
