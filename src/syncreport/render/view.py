"""The presenter: turns computed :class:`IndicatorResults` into what the templates show.

It only formats and arranges: labels and symbols for statuses and health, the program board laid out as a
grid, long lists capped for print (the PDF says "and N more, see the HTML"; the HTML carries everything),
and the charts drawn from the figures the indicators already produced. It computes no indicator.

A little over 400 lines: every arrangement the templates get (board grid, caps, charts) in one presenter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, Literal, TypeVar

from markupsafe import Markup, escape

from syncreport.config import ReportSettings
from syncreport.indicators.results import (
    BoardCard,
    BoardDependencyEnd,
    Chart,
    IndicatorResults,
    Iteration,
    IterationLoad,
    SprintReliability,
    TeamHealth,
)
from syncreport.kinds import DependencyStatus, Health, Mark
from syncreport.render import charts
from syncreport.render.drawn import drawn
from syncreport.render.pictures import Pictures, TrendView, draw_pictures, trend_view
from syncreport.untrusted import FSI, ISOLATED_RUN, isolate

T = TypeVar("T")


# The templates look marks up by status (a member or its string, as a previous run's document names it).
STATUS_MARKS: dict[str, Mark] = {status: status.mark for status in DependencyStatus}
HEALTH_MARKS: dict[str, Mark] = {health: health.mark for health in Health}
# feature forecasts (indicators/features.py): a symbol and a word each, so cards read in grayscale too
FEATURE_MARKS: dict[str, Mark] = {
    "will_not_finish": Mark("✗", "WILL NOT FINISH", "ft-will-not-finish"),
    "no_plan": Mark("?", "NO PLAN", "ft-no-plan"),
    "no_stories": Mark("∅", "NO STORIES", "ft-no-stories"),
    "at_risk": Mark("⚠", "AT RISK", "ft-at-risk"),
    "on_track": Mark("✓", "ON TRACK", "ft-on-track"),
    "done": Mark("✔", "DONE", "ft-done"),
}
FEATURE_PHRASES: dict[str, str] = {  # the forecasts in a sentence (the summary's counts)
    "will_not_finish": "will not finish in the PI",
    "no_plan": "with no plan",
    "no_stories": "with no stories",
    "at_risk": "at risk",
    "on_track": "on track",
    "done": "done",
}
SEVERITY_MARKS: dict[str, Mark] = {
    "error": Mark("✗", "Critical", "sev-error"),
    "warning": Mark("⚠", "Warning", "sev-warning"),
    "info": Mark("ℹ", "Info", "sev-info"),
}
# features and dependency ends shown per board cell in print (most severe ends first); the cell says how many
# more there are and the HTML shows them all. 2, not 3: the board was the PDF's most expensive part.
BOARD_CELL_LIMIT = 2
BOARD_CELL_UNFOLDED = 6  # in the HTML, a cell shows this many and folds the rest (no JavaScript: <details>)
BOARD_PRINT_COLUMNS = 7  # iteration columns per printed board table; a longer calendar is split across tables


@dataclass(frozen=True, slots=True)
class Capped(Generic[T]):
    """A list as shown: ``items`` are displayed and ``hidden`` more exist (the PDF says how many)."""

    items: tuple[T, ...]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)


def cap(items: Sequence[T], limit: int | None) -> Capped[T]:
    """Keep the first ``limit`` items (None: all of them); the list is already in display order."""
    shown = tuple(items) if limit is None else tuple(items[:limit])
    return Capped(shown, len(items))


@dataclass(frozen=True, slots=True)
class BoardColumn:
    index: int | None  # None: the unscheduled column
    name: str
    dates: str
    current: bool


@dataclass(frozen=True, slots=True)
class BoardGridCell:
    """What a board cell shows first, and (HTML only) the rest, folded in a <details> element."""

    features: Capped[BoardCard]
    ends: Capped[BoardDependencyEnd]
    folded_features: tuple[BoardCard, ...] = ()
    folded_ends: tuple[BoardDependencyEnd, ...] = ()
    load: IterationLoad | None = None  # the team's planned work against its velocity


@dataclass(frozen=True, slots=True)
class BoardRow:
    team: str
    cells: tuple[BoardGridCell, ...]  # aligned with the board's columns


@dataclass(frozen=True, slots=True)
class BoardPart:
    """Some of the board's columns with every team's cells for them (the print splits long calendars)."""

    title: str  # "" when the board is one part
    columns: tuple[BoardColumn, ...]
    rows: tuple[BoardRow, ...]


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    team: str
    cells: tuple[tuple[SprintReliability, ...], ...]  # aligned with the reliability columns
    overall: float | None  # the team's reliability over the PI's closed sprints (from its health figures)


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    """One health rule of the thresholds appendix, worded like the health reasons ("red from 30%")."""

    rule: str
    amber: str
    red: str


# (key prefix, the rule in words, how its value reads): the order of the health table in docs/indicators.md
_THRESHOLD_RULES: tuple[tuple[str, str, str], ...] = (
    ("late_dependencies", "late dependencies the team provides", "count"),
    ("unscheduled_dependencies", "dependencies the team provides that are in no sprint", "count"),
    ("carry_over_share", "share of sprinted issues carried over", "share"),
    ("reliability", "sprint commitment reliability", "below"),
    ("orphan_share", "share of PI work with no feature in the train", "share"),
    ("ageing_days", "oldest flagged or blocked issue", "days"),
    ("off_cadence_sprints", "sprints off the train's cadence", "count"),
)


def _threshold_value(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "count":
        return "off" if value == 0 else f"from {value:g}"
    if kind == "share":
        return f"from {format_percent(value)}"
    if kind == "below":
        return f"below {format_percent(value)}"
    return f"from {format_days(value)}"


def threshold_rows(thresholds: dict[str, float]) -> tuple[ThresholdRow, ...]:
    """The health rules with their amber and red thresholds: shares in percent, days in days, 0 counts "off"."""
    return tuple(
        ThresholdRow(
            rule,
            _threshold_value(thresholds.get(f"{key}_amber"), kind),
            _threshold_value(thresholds.get(f"{key}_red"), kind),
        )
        for key, rule, kind in _THRESHOLD_RULES
        if f"{key}_amber" in thresholds or f"{key}_red" in thresholds
    )


def other_thresholds(thresholds: dict[str, float]) -> tuple[tuple[str, float], ...]:
    """Thresholds that are not an amber/red pair of the health table (e.g. the cadence tolerance)."""
    paired = {f"{key}_{level}" for key, _, _ in _THRESHOLD_RULES for level in ("amber", "red")}
    return tuple((name, value) for name, value in sorted(thresholds.items()) if name not in paired)


ThresholdsPlace = Literal["appendix", "front", "trends"]


@dataclass(frozen=True, slots=True)
class ReportView:
    for_print: bool
    paper: str
    list_limit: int | None  # None in the HTML: every list complete
    header: str  # "train · PI · date", the PDF's running header
    board_columns: tuple[BoardColumn, ...]  # every column (the HTML's one wide table)
    board_parts: tuple[BoardPart, ...]  # the board as printed tables (the HTML: one part, all columns)
    board_cell_limit: int | None
    iteration_names: dict[int | None, str]
    reliability_columns: tuple[str, ...]
    reliability_rows: tuple[ReliabilityRow, ...]
    summary_teams: tuple[TeamHealth, ...]  # the summary's team table (print: red and amber teams only)
    folded_green_teams: tuple[str, ...]  # print: green teams named on one line instead of a row each
    charts: dict[str, Markup]
    thresholds: tuple[ThresholdRow, ...] = ()  # the appendix's health rules
    other_thresholds: tuple[tuple[str, float], ...] = ()  # the rest (cadence tolerance), by name
    pictures: Pictures | None = None  # the dependency map, the drawn board, trends and slippage charts
    trends: TrendView | None = None  # the trend strip and page 1's deltas
    thresholds_at: ThresholdsPlace = "appendix"  # where the thresholds stand (see thresholds_place)


def build_view(results: IndicatorResults, settings: ReportSettings, *, for_print: bool) -> ReportView:
    limit = settings.pdf_list_limit if for_print else None
    cell_limit = BOARD_CELL_LIMIT if for_print else None
    columns, rows = _board_grid(results, cell_limit)
    reliability_columns, reliability_rows = _reliability_grid(results)
    header = " · ".join(
        part
        for part in (
            isolate(results.train.name),
            isolate(results.train.pi) if results.train.pi else "",
            format_date(results.train.generated_at),
        )
        if part
    )
    return ReportView(
        for_print=for_print,
        paper=settings.paper,
        list_limit=limit,
        header=header,
        board_columns=columns,
        board_parts=_board_parts(columns, rows, BOARD_PRINT_COLUMNS if for_print else None),
        board_cell_limit=cell_limit,
        iteration_names={it.index: it.name for it in results.calendar.iterations},
        reliability_columns=reliability_columns,
        reliability_rows=reliability_rows,
        summary_teams=tuple(t for t in results.teams if not for_print or t.health != "green"),
        folded_green_teams=tuple(t.team for t in results.teams if for_print and t.health == "green"),
        charts=_charts_once(results),
        thresholds=threshold_rows(results.thresholds),
        other_thresholds=other_thresholds(results.thresholds),
        pictures=draw_pictures(results, for_print=for_print),
        trends=trend_view(results, for_print=for_print),
        thresholds_at=thresholds_place(results, for_print=for_print),
    )


def thresholds_place(results: IndicatorResults, *, for_print: bool) -> ThresholdsPlace:
    """Where the thresholds stand: in the HTML, in the appendix; in print, on the trends' page beside the
    health strip they colour, or at the end of the summary when there are no trends. Never in the PDF's
    body (the board to the appendix, :mod:`~syncreport.render.print_parts`): the body is the same with
    trends or without, so the first run with trends keeps the body a run without them laid out."""
    if not for_print:
        return "appendix"
    return "trends" if results.trends is not None and results.trends.available else "front"


def _board_grid(
    results: IndicatorResults, cell_limit: int | None
) -> tuple[tuple[BoardColumn, ...], tuple[BoardRow, ...]]:
    board = results.board
    columns = [
        BoardColumn(it.index, it.name, format_span(it), it.index == results.calendar.current_index)
        for it in board.iterations
    ]
    if board.has_unscheduled:
        columns.append(BoardColumn(None, "Unscheduled", "no sprint", False))
    cells = {(cell.team, cell.iteration_index): cell for cell in board.cells}
    rows = []
    for team in board.teams:
        grid = []
        for column in columns:
            cell = cells.get((team, column.index))
            features = cell.features if cell else ()
            ends = (
                sorted(cell.dependency_ends, key=lambda e: DependencyStatus(e.status).severity)
                if cell
                else []
            )
            if cell_limit is None:
                shown = BOARD_CELL_UNFOLDED
                grid.append(
                    BoardGridCell(
                        cap(features, shown),
                        cap(ends, shown),
                        tuple(features[shown:]),
                        tuple(ends[shown:]),
                        load=cell.load if cell else None,
                    )
                )
            else:
                grid.append(
                    BoardGridCell(
                        cap(features, cell_limit), cap(ends, cell_limit), load=cell.load if cell else None
                    )
                )
        rows.append(BoardRow(team, tuple(grid)))
    return tuple(columns), tuple(rows)


def _board_parts(
    columns: tuple[BoardColumn, ...], rows: tuple[BoardRow, ...], per_part: int | None
) -> tuple[BoardPart, ...]:
    """Split the board into tables of at most ``per_part`` iteration columns (None: one table)."""
    if per_part is None or len(columns) <= per_part + 1:
        return (BoardPart("", columns, rows),)
    parts = []
    for first in range(0, len(columns), per_part):
        last = min(first + per_part, len(columns))
        if len(columns) - last == 1 and columns[-1].index is None:
            last += 1  # keep the unscheduled column with the last iterations rather than alone
        chosen = columns[first:last]
        named = [c for c in chosen if c.index is not None]
        title = f"{named[0].name} to {named[-1].name}" if named else chosen[0].name
        parts.append(BoardPart(title, chosen, tuple(BoardRow(r.team, r.cells[first:last]) for r in rows)))
        if last == len(columns):
            break
    return tuple(parts)


def _reliability_grid(
    results: IndicatorResults,
) -> tuple[tuple[str, ...], tuple[ReliabilityRow, ...]]:
    """Closed sprints laid out team x iteration (a sprint outside every iteration goes to "other")."""
    rows = results.sprint_reliability
    if not rows:
        return (), ()
    indexes = sorted({r.iteration_index for r in rows if r.iteration_index is not None})
    names = {r.iteration_index: r.iteration_name or f"I{r.iteration_index}" for r in rows}
    has_other = any(r.iteration_index is None for r in rows)
    slots: list[int | None] = [*indexes, *([None] if has_other else [])]
    overall = {t.team: t.figures.reliability for t in results.teams}
    teams = [t for t in dict.fromkeys(r.team for r in rows)]
    grid = tuple(
        ReliabilityRow(
            team=team,
            cells=tuple(
                tuple(r for r in rows if r.team == team and r.iteration_index == slot) for slot in slots
            ),
            overall=overall.get(team),
        )
        for team in teams
    )
    return tuple(names[i] if i is not None else "Outside the PI's iterations" for i in slots), grid


_last_charts: list[tuple[IndicatorResults, dict[str, Markup]]] = []


def _charts_once(results: IndicatorResults) -> dict[str, Markup]:
    """The charts of these results, drawn once: a run renders the HTML and then the PDF of the same results,
    and drawing is most of the HTML's cost. Only the last results are kept (by identity, never by value)."""
    if _last_charts and _last_charts[0][0] is results:
        return _last_charts[0][1]
    drawn = _charts(results)
    _last_charts[:] = [(results, drawn)]
    return drawn


def _charts(results: IndicatorResults) -> dict[str, Markup]:
    """Every chart of the report, keyed by the name the templates use."""
    return {
        "dependency_status": _bars(results.charts.dependency_status, "dep-status", fmt_count),
        "dependencies_by_iteration": drawn(
            charts.columns,
            results.charts.dependencies_by_iteration.labels,
            chart_series(results.charts.dependencies_by_iteration),
            chart_id="dep-iter",
            title=results.charts.dependencies_by_iteration.title,
            axis_label=results.charts.dependencies_by_iteration.unit,
            value_format=fmt_count,
        ),
        # replaced by the slippage-by-team chart (render/pictures.py) when the results have its figures
        "carry_over_by_team": Markup("")
        if results.slippage_by_team
        else _bars(results.charts.carry_over_by_team, "carry", fmt_count),
        "reliability": drawn(
            charts.lines,
            results.charts.reliability_by_iteration.labels,
            chart_series(results.charts.reliability_by_iteration),
            chart_id="reliability",
            title=results.charts.reliability_by_iteration.title,
            axis_label="committed work done by the sprint's end (%)",
            reference_lines=_reliability_lines(results),
            axis_range=(0.0, 105.0),
        ),
        "due_date_slips": drawn(
            charts.histogram,
            [r.due_date_slip_days for r in results.slipped_issues if r.due_date_slip_days],
            chart_id="due-slips",
            title="Due-date slips: days between the first due date and the current one",
            axis_label="days pushed (negative: pulled in)",
        ),
        "pi_slips": drawn(
            charts.timeline,
            [(r.pi_slip.at, r.team) for r in results.slipped_issues if r.pi_slip],
            [team.team for team in results.teams],
            chart_id="pi-slips",
            title="Moves to a later PI: when, and whose work",
            # the day the figures are as of, not their minute: the line moves once a day, so the chart
            # (and the PDF page it is on) is the same for every run of a day with the same figures
            reference=_start_of_day(results.train.generated_at),
            reference_label="today",
        ),
        "off_cadence": _off_cadence_chart(results),
    }


def _off_cadence_chart(results: IndicatorResults) -> Markup:
    """The teams with sprints off the cadence, one bar each (a chart as tall as its bars: the other teams
    are named in its title, not drawn as rows of zeros); every team when none is off (the chart says none)."""
    off = [t for t in results.teams if t.figures.off_cadence_sprints] or list(results.teams)
    others = len(results.teams) - len(off)
    return drawn(
        charts.horizontal_bars,
        [team.team for team in off],
        [charts.Series("off-cadence sprints", tuple(float(t.figures.off_cadence_sprints) for t in off))],
        chart_id="cadence",
        title="Sprints off the train's cadence, by team"
        + (
            f" (the other {others} teams: none)"
            if others > 1
            else " (the other team: none)"
            if others
            else ""
        ),
        axis_label="sprints",
        value_format=fmt_count,
    )


def _start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _reliability_lines(results: IndicatorResults) -> list[charts.ReferenceLine]:
    lines = []
    for key, label in (("reliability_amber", "amber"), ("reliability_red", "red")):
        if key in results.thresholds:
            at = 100 * results.thresholds[key]
            lines.append(
                charts.ReferenceLine(at, f"{label} below {at:.0f}%", style="--" if label == "amber" else ":")
            )
    return lines


def _bars(chart: Chart, chart_id: str, value_format: charts.Formatter) -> Markup:
    return drawn(
        charts.horizontal_bars,
        chart.labels,
        chart_series(chart),
        chart_id=chart_id,
        title=chart.title,
        axis_label=chart.unit,
        value_format=value_format,
    )


# Status series look like the status marks: late is red and striped, at risk amber and dashed.
STATUS_SERIES_STYLES: dict[DependencyStatus, tuple[str, str]] = {
    DependencyStatus.LATE: ("#b00020", "///"),
    DependencyStatus.AT_RISK: ("#e0a000", "--"),
    DependencyStatus.ON_TRACK: ("#2e6b30", ""),
}


def chart_series(chart: Chart) -> list[charts.Series]:
    """The chart's series; one of a dependency status is styled as that status."""
    return [
        charts.Series(
            s.name,
            tuple(_nan(v) for v in s.values),
            STATUS_SERIES_STYLES.get(s.status) if s.status is not None else None,
        )
        for s in chart.series
    ]


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


# --- formatting, also registered as Jinja filters ----------------------------------------------------------


def bdi(value: object) -> Markup:
    """HTML for a sentence with isolated Jira names in it: each isolated run becomes a ``<bdi>`` element."""
    escaped = str(escape(value))
    if FSI not in escaped:  # most sentences name nothing from Jira
        return Markup(escaped)
    return Markup(ISOLATED_RUN.sub(r"<bdi>\1</bdi>", escaped))


def fmt_count(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0f}"


def format_percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return f"{value.day} {value:%b %Y}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


def format_span(iteration: Iteration) -> str:
    return f"{iteration.start.day} {iteration.start:%b} – {iteration.end.day} {iteration.end:%b}"


def format_days(value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    number = f"{value:+g}" if signed else f"{value:g}"
    return f"{number} day" if abs(value) == 1 else f"{number} days"


def format_number(value: float | None) -> str:
    """A count or points as people write them: 20, 2.5, 19.7 (a velocity is a mean: never 19.6667)."""
    return "—" if value is None else f"{round(value, 1):g}"
