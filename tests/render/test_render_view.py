"""The presenter and the charts: arranging and drawing only, with the figures the indicators gave."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from types import ModuleType

from syncreport.config import ReportSettings
from syncreport.indicators.results import Iteration
from syncreport.render import charts
from syncreport.render.view import build_view, cap, format_number, other_thresholds, threshold_rows


def test_cap_keeps_the_first_items_and_counts_the_rest() -> None:
    capped = cap(list(range(30)), 25)
    assert capped.items == tuple(range(25)) and capped.hidden == 5 and capped.total == 30
    assert cap([1, 2], None).hidden == 0


def test_a_long_calendar_prints_as_several_board_tables(sample: ModuleType) -> None:
    results, _ = sample.train(issues=60, teams=3)
    first = results.calendar.iterations[0]
    eighteen = tuple(
        Iteration(
            i,
            f"I{i}",
            first.start + timedelta(days=14 * (i - 1)),
            first.end + timedelta(days=14 * (i - 1)),
            "future",
        )
        for i in range(1, 19)
    )
    results = replace(results, board=replace(results.board, iterations=eighteen))
    printed = build_view(results, ReportSettings(), for_print=True)
    # Worked out by hand: 18 iterations + the unscheduled column, 7 iteration columns a table; the
    # unscheduled column stays with the last iterations.
    assert [p.title for p in printed.board_parts] == ["I1 to I7", "I8 to I14", "I15 to I18"]
    assert [len(p.columns) for p in printed.board_parts] == [7, 7, 5]
    assert printed.board_parts[-1].columns[-1].name == "Unscheduled"
    assert all(len(row.cells) == len(part.columns) for part in printed.board_parts for row in part.rows)
    on_screen = build_view(results, ReportSettings(), for_print=False)
    assert len(on_screen.board_parts) == 1 and len(on_screen.board_parts[0].columns) == 19


def test_board_cells_show_the_most_severe_dependency_ends_first_in_print(sample: ModuleType) -> None:
    results, _ = sample.train(issues=400, teams=4)
    printed = build_view(results, ReportSettings(), for_print=True)
    order = ["late", "unscheduled", "at_risk", "external", "consumer_unscheduled", "on_track", "done"]
    for part in printed.board_parts:
        for row in part.rows:
            for cell in row.cells:
                ranks = [order.index(e.status) for e in cell.ends.items]
                assert ranks == sorted(ranks) and len(cell.ends.items) <= 3


def test_chart_svg_is_clean_escaped_prefixed_and_repeatable() -> None:
    def draw() -> str:
        return charts.horizontal_bars(
            ["Team <script>x</script>", "Büro 🚀", "فريق"],
            [charts.Series("late", (1.0, 2.0, 0.0)), charts.Series("at risk", (3.0, 0.0, 1.0))],
            chart_id="probe",
            title="Late & at risk",
            axis_label="dependencies",
        )

    svg = draw()
    assert svg == draw()  # fixed hash salt, no date: the same figures give the same bytes
    assert svg.startswith("<svg ") and "<?xml" not in svg and "<metadata" not in svg
    assert "<script" not in svg and "Team &lt;script&gt;x&lt;/script&gt;" in svg
    assert "<title>Late &amp; at risk</title>" in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("probe-") for i in ids)
    assert all(ref.startswith("probe-") for ref in re.findall(r"url\(#([^)]+)\)", svg))


def test_an_empty_chart_is_a_sentence_not_an_empty_frame() -> None:
    assert "nothing to chart" in charts.histogram([], chart_id="x", title="Due-date slips", axis_label="days")


def test_a_series_with_its_own_style_is_drawn_in_it_and_the_others_take_the_palette() -> None:
    svg = str(
        charts.columns(
            ["I1", "I2"],
            [charts.Series("Late", (1.0, 2.0), ("#b00020", "///")), charts.Series("On track", (2.0, 1.0))],
            chart_id="styled",
            title="Dependencies by iteration",
            axis_label="dependencies",
        )
    )
    assert "#b00020" in svg  # the late bars wear the late mark's red
    assert charts.SERIES_STYLES[1][0] in svg  # the second series keeps its palette colour


def test_thresholds_read_like_the_health_reasons_and_none_is_lost() -> None:
    # shares in percent, days in days, a 0 count "off", a missing half "—"; a key that is no amber/red pair
    # of the health table (the cadence tolerance, or one we do not know yet) is kept apart, never dropped
    thresholds = {
        "carry_over_share_amber": 0.15,
        "carry_over_share_red": 0.3,
        "reliability_red": 0.6,
        "ageing_days_amber": 5.0,
        "ageing_days_red": 10.0,
        "off_cadence_sprints_amber": 1.0,
        "off_cadence_sprints_red": 0.0,
        "cadence_tolerance_days": 1.0,
        "something_new": 2.0,
    }
    assert [(r.rule, r.amber, r.red) for r in threshold_rows(thresholds)] == [
        ("share of sprinted issues carried over", "from 15%", "from 30%"),
        ("sprint commitment reliability", "—", "below 60%"),
        ("oldest flagged or blocked issue", "from 5 days", "from 10 days"),
        ("sprints off the train's cadence", "from 1", "off"),
    ]
    assert other_thresholds(thresholds) == (("cadence_tolerance_days", 1.0), ("something_new", 2.0))


def test_a_status_series_is_styled_by_its_status_not_its_label(sample: ModuleType) -> None:
    """The chart of dependencies by iteration styles each series as its status (late: red, striped), even
    when the legend says something else: the style used to be looked up by the lower-cased label."""
    from syncreport.indicators.results import ChartSeries
    from syncreport.kinds import DependencyStatus
    from syncreport.render.view import STATUS_SERIES_STYLES, chart_series

    results, _ = sample.train(issues=60, teams=3)
    chart = results.charts.dependencies_by_iteration
    assert [s.status for s in chart.series] == [
        DependencyStatus.LATE,
        DependencyStatus.AT_RISK,
        DependencyStatus.ON_TRACK,
    ]
    renamed = replace(chart, series=(ChartSeries("Verspätet", (1.0,), status=DependencyStatus.LATE),))
    (series,) = chart_series(renamed)
    assert series.style == STATUS_SERIES_STYLES[DependencyStatus.LATE] == ("#b00020", "///")
    (plain,) = chart_series(replace(chart, series=(ChartSeries("Late", (1.0,)),)))
    assert plain.style is None  # no status: the next of the chart's own styles


def test_the_pi_slip_chart_marks_today_and_draws_the_same_all_day(sample: ModuleType) -> None:
    # TAKEN_AT is 25 Nov 2026 07:00 UTC: at 07:00 and at 17:30 the line is at the start of 25 Nov, so the
    # chart (and the PDF page under it) is the same; the next day it moves.
    results, _ = sample.train(issues=120, teams=6)

    def chart_at(hours: float) -> str:
        train = replace(results.train, generated_at=results.train.generated_at + timedelta(hours=hours))
        return str(
            build_view(replace(results, train=train), ReportSettings(), for_print=True).charts["pi_slips"]
        )

    morning = chart_at(0)
    assert "today" in morning and "now" not in morning
    assert chart_at(10.5) == morning
    assert chart_at(24) != morning


def test_numbers_read_as_people_write_them() -> None:
    # a velocity is a mean of sprints: (18 + 20 + 21) / 3 = 19.666.. reads "19.7"; whole points stay whole,
    # a half point stays a half, nothing is "—"
    assert [format_number(v) for v in (59 / 3, 20.0, 2.5, 0.0, None)] == ["19.7", "20", "2.5", "0", "—"]
