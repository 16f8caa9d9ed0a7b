"""The presenter of the pictures and of time: the dependency map, the drawn board, trends, slippage by team.

Like view.py it arranges and formats what the indicators computed (``results.team_map``,
``results.trends``, ``results.slippage_by_team``, the board) and draws the charts; it counts nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from syncreport.indicators.results import (
    Health,
    IndicatorResults,
    WeekFigures,
)
from syncreport.kinds import COUNTED_STATUSES, DependencyStatus
from syncreport.render import plots
from syncreport.render.boardsvg import DrawnBoard, drawn_board
from syncreport.render.depmap import dependency_map
from syncreport.render.drawn import drawn
from syncreport.render.svg import (
    MONO_ADVANCE,
    STRING_STYLES,
    PrintSketch,
    StringStyle,
    shorten,
)

STATUS_LABELS: dict[str, str] = {s.value: s.label for s in DependencyStatus}

NOTHING = Markup("")
STRIP_PRINT_RUNS = 26  # the health strip's columns in print (the latest runs); the HTML has every run


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
    weeks_table: Markup = NOTHING  # print: the weeks' table drawn (the HTML has it as a table)
    thresholds_table: Markup = NOTHING  # print: drawn (on the trends' page, or the summary's end)


def short_date(moment: date) -> str:
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


# The trend lines look like the map's and the board's strings of a status (colour and dash, svg.py), each
# with its own marker, so they differ in grayscale too.
TREND_MARKERS: dict[DependencyStatus, str] = {
    DependencyStatus.LATE: "X",
    DependencyStatus.UNSCHEDULED: "s",
    DependencyStatus.AT_RISK: "^",
    DependencyStatus.EXTERNAL: "D",
    DependencyStatus.CONSUMER_UNSCHEDULED: "v",
    DependencyStatus.ON_TRACK: "o",
}
# the delivered statuses have no string on the map or the board: their own looks
DELIVERED_LOOKS: dict[DependencyStatus, StringStyle] = {
    DependencyStatus.DONE: StringStyle("#1f4e79", "3 2"),
    DependencyStatus.CONSUMER_DONE: StringStyle("#7f7f7f", "5 2 1 2"),
}
DELIVERED_MARKERS: dict[DependencyStatus, str] = {
    DependencyStatus.DONE: "P",
    DependencyStatus.CONSUMER_DONE: "o",
}
# carried over dark, slipped light: told apart in grayscale by their lightness
WEEK_FILLS = ("#1f4e79", "#c9dcef")


PRINT_CHART = {
    "width": 360.0,
    "height": 230.0,
}  # print: the two trend charts side by side, half a page wide (the trends start a page of their own)


def _trend_dependencies(results: IndicatorResults, size: dict[str, float] | None = None) -> Markup:
    trends = results.trends
    if trends is None or not trends.available:
        return Markup("")
    lines = []
    for index, name in enumerate(COUNTED_STATUSES):
        status = DependencyStatus(name)
        values = tuple(float(p.dependency_counts[index][1]) for p in trends.points)
        if any(values):
            style = STRING_STYLES.get(status) or DELIVERED_LOOKS[status]
            marker = TREND_MARKERS.get(status) or DELIVERED_MARKERS[status]
            lines.append(plots.Line(status.label, values, style.colour, style.dash, marker))
    return drawn(
        plots.line_chart,
        [short_date(p.generated_at) for p in trends.points],
        lines,
        title="Dependencies by status, run by run",
        axis_label="dependencies",
        **(size or {}),
    )


def _trend_weeks(results: IndicatorResults, size: dict[str, float] | None = None) -> Markup:
    trends = results.trends
    if trends is None or not trends.available:
        return Markup("")
    weeks = trends.weeks
    return drawn(
        plots.column_chart,
        [short_date(w.week_start) for w in weeks],
        [
            plots.Columns("issues carried over", tuple(w.carried_over for w in weeks), WEEK_FILLS[0]),
            plots.Columns("issues slipped (due date or PI)", tuple(w.slipped for w in weeks), WEEK_FILLS[1]),
        ],
        title="Carry-over and slips, week by week (Mondays)",
        axis_label="issues",
        **(size or {}),
    )


# carried over dark, due dates mid, later PI light: told apart in grayscale by their lightness
SLIP_FILLS = ("#1f4e79", "#c55a11", "#c9dcef")


def _slippage_by_team(results: IndicatorResults) -> Markup:
    """Drawn by hand (render/plots.py) like the trends: a few dozen elements, no matplotlib, its bars in
    the order of the table below it."""
    rows = results.slippage_by_team
    return drawn(
        plots.bar_chart,
        [r.team for r in rows],
        [
            plots.Columns("carried over", tuple(r.carried_over for r in rows), SLIP_FILLS[0]),
            plots.Columns("due date pushed", tuple(r.due_date_slips for r in rows), SLIP_FILLS[1]),
            plots.Columns("moved to a later PI", tuple(r.pi_slips for r in rows), SLIP_FILLS[2]),
        ],
        title="Slippage by team: issues carried over, due dates pushed, moved to a later PI",
        axis_label="issues",
    )


_last: list[tuple[IndicatorResults, bool, Pictures]] = []


def draw_pictures(results: IndicatorResults, *, for_print: bool = False) -> Pictures:
    """The pictures of these results, drawn once for the HTML and once for the PDF of one run (like view's
    charts: only the last results are kept, by identity). The print copy is the same pictures made for
    WeasyPrint's speed: the map, the board, the strip and the tables drawn as
    :class:`~syncreport.render.svg.PrintSketch`es (their plain labels as lines of text over the drawing);
    the charts are drawn by hand (render/plots.py) for both."""
    for kept, printed, pictures in _last:
        if kept is results and printed == for_print:
            return pictures
    pictures = _draw(results, for_print=for_print)
    _last[:] = [*(entry for entry in _last if entry[0] is results), (results, for_print, pictures)]
    return pictures


def _draw(results: IndicatorResults, *, for_print: bool) -> Pictures:
    team_map = results.team_map
    charts_of_run = _charts(results)
    return Pictures(
        # kept in the run's store like the charts: its layout (networkx) is the same while the map is
        dependency_map=drawn(dependency_map, team_map, for_print=for_print) if team_map else Markup(""),
        board=drawn_board(
            results.board, results.dependencies, current=results.calendar.current_index, for_print=for_print
        ),
        slippage_by_team=charts_of_run[0],  # drawn lean already (render/plots.py)
        # drawn lean already (render/plots.py); print: half as wide, to stand side by side
        trend_dependencies=_trend_dependencies(results, PRINT_CHART) if for_print else charts_of_run[1],
        trend_weeks=_trend_weeks(results, PRINT_CHART) if for_print else charts_of_run[2],
        health_strip=_strip_drawing(trend_view(results, for_print=True)) if for_print else Markup(""),
        weeks_table=_weeks_drawing(results.trends.weeks) if for_print and results.trends else Markup(""),
        thresholds_table=_thresholds_drawing(results) if for_print else Markup(""),
    )


STRIP_CELL_W, STRIP_CELL_H, STRIP_NAME_W, STRIP_HEAD_H = 30.0, 15.0, 120.0, 16.0
TREND_DRAWING_FIT = (86.0, 50.0)  # print, millimetres: the strip and the weeks' table, each in half a page
STRIP_FILLS: dict[str, str] = {"red": "#fde0e0", "amber": "#fff1cc", "green": "#ffffff"}


def _strip_drawing(view: TrendView) -> Markup:
    """The health strip of the print copy: the table's cells as one drawing (a table of a PI of runs is a
    few hundred boxes for WeasyPrint to lay out). Each cell keeps its symbol, so it reads in grayscale."""
    if not view.available or not view.strip:
        return Markup("")
    sketch = PrintSketch(text_layer=True)
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
    return sketch.layered(
        [],
        width=width,
        height=height,
        fit=TREND_DRAWING_FIT,
        title="Train and team health per run",
        description=f"Runs {', '.join(view.runs)}. {rows}",
        css="chart health-drawing",
    )


WEEKS_COLUMNS = (
    ("Week of", 2.0),
    ("Carried over", 170.0),
    ("Change", 232.0),
    ("Slipped", 300.0),
    ("Change", 362.0),
)
WEEKS_ROW_H, WEEKS_SIZE = 14.0, 9.0


def change_text(change: int | None) -> str:
    return "—" if change is None else f"{change:+d}"


def _weeks_drawing(weeks: Sequence[WeekFigures]) -> Markup:
    """The weeks' table of the print copy, drawn like the health strip: the same rows and columns (week,
    carried over and its change, slipped and its change), a drawing WeasyPrint lays out at once instead of a
    table of a few dozen boxes. The numbers are right-aligned under their headings."""
    if not weeks:
        return Markup("")
    sketch = PrintSketch(text_layer=True)
    pitch = MONO_ADVANCE * WEEKS_SIZE
    for index, (heading, x) in enumerate(WEEKS_COLUMNS):
        left = x if index == 0 else x - len(heading) * MONO_ADVANCE * 8.0
        sketch.label(heading, left, 11.0, 8.0, bold=True)
    sketch.shape(
        f"M0,{STRIP_HEAD_H}H{WEEKS_COLUMNS[-1][1] + 4}", fill="none", stroke="#888888", stroke_width=0.6
    )
    rows = []
    for row, week in enumerate(weeks):
        y = STRIP_HEAD_H + (row + 1) * WEEKS_ROW_H - 3
        cells = (
            f"{week.week_start.day} {week.week_start:%b %Y}",
            str(week.carried_over),
            change_text(week.carried_over_change),
            str(week.slipped),
            change_text(week.slipped_change),
        )
        for index, (cell, (_, x)) in enumerate(zip(cells, WEEKS_COLUMNS, strict=True)):
            sketch.label(cell, x if index == 0 else x - len(cell) * pitch, y, WEEKS_SIZE)
        rows.append(", ".join(cells))
    return sketch.layered(
        [],
        width=WEEKS_COLUMNS[-1][1] + 6,
        fit=TREND_DRAWING_FIT,
        height=STRIP_HEAD_H + WEEKS_ROW_H * len(weeks) + 3,
        title="Issues carried over and slipped at each week's last run",
        description="Week of, carried over, change, slipped, change: " + "; ".join(rows),
        css="chart weeks-drawing",
    )


THRESHOLD_COLUMNS = (("Health rule", 2.0), ("Amber", 262.0), ("Red", 332.0))


def _thresholds_drawing(results: IndicatorResults) -> Markup:
    """The thresholds table of the trends' page in print, drawn like the weeks' table (a table of the
    trends' part is laid out again on every warm run, and a table's cells cost WeasyPrint far more than
    a few lines of text): each health rule with its amber and red thresholds, as the appendix words them."""
    from syncreport.render.view import threshold_rows  # view imports this module

    rows = threshold_rows(results.thresholds)
    if not rows:
        return Markup("")
    sketch = PrintSketch(text_layer=True)
    for heading, x in THRESHOLD_COLUMNS:
        sketch.label(heading, x, 11.0, 8.0, bold=True)
    right = THRESHOLD_COLUMNS[-1][1] + 70.0
    sketch.shape(f"M0,{STRIP_HEAD_H}H{right}", fill="none", stroke="#888888", stroke_width=0.6)
    for index, row in enumerate(rows):
        y = STRIP_HEAD_H + (index + 1) * WEEKS_ROW_H - 3
        for cell, (_, x) in zip((row.rule, row.amber, row.red), THRESHOLD_COLUMNS, strict=True):
            sketch.prose(cell, x, y, WEEKS_SIZE)
    return sketch.layered(
        [],
        width=right,
        height=STRIP_HEAD_H + WEEKS_ROW_H * len(rows) + 3,
        fit=TREND_DRAWING_FIT,
        title="The health thresholds used",
        description="Health rule, amber, red: " + "; ".join(f"{r.rule}, {r.amber}, {r.red}" for r in rows),
        css="chart thresholds-drawing",
    )


_charts_kept: list[tuple[IndicatorResults, tuple[Markup, Markup, Markup]]] = []


def _charts(results: IndicatorResults) -> tuple[Markup, Markup, Markup]:
    """The slippage-by-team and trend charts, drawn once for both copies of a run."""
    if _charts_kept and _charts_kept[0][0] is results:
        return _charts_kept[0][1]
    drawn_charts = (_slippage_by_team(results), _trend_dependencies(results), _trend_weeks(results))
    _charts_kept[:] = [(results, drawn_charts)]
    return drawn_charts
