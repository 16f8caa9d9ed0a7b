"""PDF without waste (issue 14 item 6): charts as tall as their content, every run named, line names beside
their lines' ends, and the thresholds where there is room."""

from __future__ import annotations

import itertools
import re
from types import ModuleType

from syncreport.config import ReportSettings
from syncreport.render import charts, plots
from syncreport.render.view import build_view


def _height_pt(svg: str) -> float:
    found = re.search(r'<svg[^>]* height="([\d.]+)pt"', svg)
    assert found, svg[:300]
    return float(found.group(1))


def test_the_off_cadence_chart_draws_only_the_teams_off_it_and_names_the_others(sample: ModuleType) -> None:
    results, _ = sample.train(issues=60, teams=6)
    # the sample's teams have 0, 2, 1, 0, 2, 1 sprints off cadence (conftest: late % 3 of 3, 2, 1, ...)
    assert [t.figures.off_cadence_sprints for t in results.teams] == [0, 2, 1, 0, 2, 1]
    svg = str(build_view(results, ReportSettings(), for_print=True).charts["off_cadence"])
    assert "(the other 2 teams: none)" in svg
    names = [t.team for t in results.teams]
    assert [name in svg for name in names] == [False, True, True, False, True, True]
    # four bars: 0.9 in of title and axis and 0.22 in a bar, at 72 points an inch (8 rows were 2.66 in)
    assert _height_pt(svg) == round((0.9 + 4 * 0.22) * 72, 6)


def test_a_chart_of_grouped_bars_is_as_tall_as_its_bars() -> None:
    series = [charts.Series(name, tuple(float(i % 4) for i in range(8))) for name in ("a", "b", "c")]
    svg = str(
        charts.horizontal_bars([f"T{i}" for i in range(8)], series, chart_id="g", title="G", axis_label="n")
    )
    # 8 groups of 3 bars, 0.11 in a bar: 0.9 + 8 * 0.33 = 3.54 in = 254.88 points (was 0.9 + 8 * 0.528 in,
    # scaled down to the PDF's 80 mm and its labels to 6 points)
    assert _height_pt(svg) == 254.88


def test_a_half_page_line_chart_of_four_runs_names_every_run() -> None:
    runs = ["10 Nov", "17 Nov", "24 Nov", "1 Dec"]
    lines = [
        plots.Line("Consumer unscheduled", (4.0, 4.0, 4.0, 4.0), "#777777"),
        plots.Line("Done", (8.0, 9.0, 11.0, 13.0), "#1f4e79"),
    ]
    svg = str(plots.line_chart(runs, lines, title="D", axis_label="dependencies", width=360.0, height=230.0))
    # the plot 26 + 13 (ticks "15") to 360 - 146 (the longest name and its leader): 175 wide, 43.7 a run;
    # "10 Nov" is estimated 39.1 wide: with a gap of 3 it fits, so no run's date is left out
    assert [run for run in runs if f">{run}</text>" in svg] == runs


def test_the_lines_names_stand_a_line_apart_next_to_their_ends() -> None:
    # 8 teams whose lines end 1 point apart at the top of a 0-105 axis: their names are pushed apart, one
    # line of their 6.8-point font (and a fifth) from the next, not 7.5% of the axis (13.9 points) as before
    series = [charts.Series(f"Team {i}", (50.0, 100.0 - i)) for i in range(8)]
    svg = str(
        charts.lines(["I1", "I2"], series, chart_id="r", title="R", axis_label="%", axis_range=(0.0, 105.0))
    )
    heights = sorted(
        float(y) for y in re.findall(r'text-anchor: start[^"]*"[^>]* y="([\d.]+)"[^>]*>Team', svg)
    )
    assert len(heights) == 8
    steps = [b - a for a, b in itertools.pairwise(heights)]
    assert all(abs(step - 6.8 * 1.2) < 0.05 for step in steps), steps
