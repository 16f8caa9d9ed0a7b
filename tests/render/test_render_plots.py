"""The trend charts drawn by hand (render/plots.py), the print copy of the weeks' table, and the matplotlib
charts' fixed margins (render/charts.py)."""

from __future__ import annotations

import re
import sys
from datetime import date
from typing import Any

import pytest

from syncreport.indicators.results import WeekFigures
from syncreport.render import charts, plots
from syncreport.render.pictures import _weeks_drawing


def test_count_ticks_are_whole_numbers_in_steps_of_1_2_or_5() -> None:
    # worked out by hand: 7 in steps of 1 is 7 steps (> 6), in steps of 2 it is 4: 0, 2, 4, 6, 8;
    # 1210 needs steps of 500 (200 would be 7 steps): 0, 500, 1000, 1500; nothing to count still gets 0, 1
    assert plots.count_ticks(7) == (0, 2, 4, 6, 8)
    assert plots.count_ticks(1210) == (0, 500, 1000, 1500)
    assert plots.count_ticks(0) == (0, 1)
    assert plots.count_ticks(6) == (0, 1, 2, 3, 4, 5, 6)


def _lines() -> list[plots.Line]:
    return [
        plots.Line("Late", (3.0, 5.0, 4.0), "#b00020", "7 3", "X"),
        plots.Line("On <b>track</b>", (10.0, float("nan"), 12.0), "#2e6b30", "", "o"),
    ]


def test_the_trend_lines_are_drawn_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    # a warm run draws the trends on every run: they must not pay matplotlib's import
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # importing it now raises ImportError
    svg = str(plots.line_chart(["1 Dec", "8 Dec", "15 Dec"], _lines(), title="By status", axis_label="deps"))
    weeks = plots.column_chart(
        ["1 Dec", "8 Dec"],
        [plots.Columns("carried over", (2, 0), "#1f4e79"), plots.Columns("slipped", (1, 3), "#c9dcef")],
        title="Weeks",
        axis_label="issues",
    )
    assert svg.startswith("<svg ") and str(weeks).startswith("<svg ")


def test_a_line_chart_names_each_line_at_its_end_and_says_every_value() -> None:
    svg = str(plots.line_chart(["1 Dec", "8 Dec", "15 Dec"], _lines(), title="By status", axis_label="deps"))
    # direct labels instead of a legend, Jira's text escaped; the on-track gap (NaN) splits its line in two
    assert ">Late</text>" in svg and ">On &lt;b&gt;track&lt;/b&gt;</text>" in svg and "<b>" not in svg
    on_track = re.search(r'<path d="(M[^"]*)" fill="none" stroke="#2e6b30"', svg)
    assert on_track and on_track.group(1).count("M") == 2 and "L" not in on_track.group(1)
    assert 'stroke-dasharray="7 3"' in svg  # late is dashed, as its string on the map
    # the markers of a line are one path: 3 late points, 2 on-track points
    assert re.search(r'<path d="([^"]*)" fill="#b00020"', svg).group(1).count("z") == 3  # type: ignore[union-attr]
    assert re.search(r'<path d="([^"]*)" fill="#2e6b30"', svg).group(1).count("z") == 2  # type: ignore[union-attr]
    assert (
        "<desc>Late: 1 Dec 3, 8 Dec 5, 15 Dec 4; On &lt;b&gt;track&lt;/b&gt;: 1 Dec 10, 15 Dec 12</desc>"
        in svg
    )
    # whole-number ticks: 12 * 1.08 = 12.96 -> steps of 5 up to 15
    ticks = re.findall(r'text-anchor="end">(\d+)</text>', svg)
    assert ticks == ["0", "5", "10", "15"]


def test_a_column_chart_writes_each_count_and_leaves_a_zero_column_out() -> None:
    svg = str(
        plots.column_chart(
            ["1 Dec", "8 Dec"],
            [plots.Columns("carried over", (2, 0), "#1f4e79"), plots.Columns("slipped", (1, 3), "#c9dcef")],
            title="Weeks",
            axis_label="issues",
        )
    )
    carried = re.search(r'<path d="([^"]*)" fill="#1f4e79"', svg)
    assert carried and carried.group(1).count("z") == 1  # the zero column of 8 Dec is not drawn
    written = re.findall(r'text-anchor="middle">(\d+)</text>', svg)
    assert sorted(written) == ["1", "2", "3"]  # and its "0" is not written
    assert ">carried over</text>" in svg and ">slipped</text>" in svg  # the key
    assert "nothing to chart" in plots.column_chart([], [], title="Weeks", axis_label="issues")


def test_the_print_copy_of_the_weeks_table_keeps_every_figure() -> None:
    weeks = (
        WeekFigures(date(2026, 11, 23), 5, None, 2, None),
        WeekFigures(date(2026, 11, 30), 7, 2, 1, -1),
    )
    svg = str(_weeks_drawing(weeks))
    assert "<table" not in svg and 'class="chart weeks-drawing"' in svg
    assert "<desc>Week of, carried over, change, slipped, change: 23 Nov 2026, 5, —, 2, —; " in svg
    assert "30 Nov 2026, 7, +2, 1, -1</desc>" in svg
    # the plain labels are lines of HTML text over the drawing (svg.PrintSketch.layered), a row a line
    lines = re.findall(r'<div style="left:[\d.]+mm;top:[\d.]+mm">([^<]*)</div>', svg)
    assert any(re.fullmatch(r"Week of +Carried over +Change +Slipped +Change", line) for line in lines)
    assert any(re.fullmatch(r"30 Nov 2026 +7 +\+2 +1 +-1", line) for line in lines)
    assert ["23", "Nov", "2026", "5", "2"] in [line.split() for line in lines]  # its changes: dashes
    letters = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert letters.count("—") == 2  # 23 Nov's two changes: a dash, not plain ASCII, placed as SVG letters


def _axes_left(svg: str) -> float:
    """The x of the plot's left edge: the axes' background patch (matplotlib's patch_2) starts there."""
    found = re.search(r'id="[a-z-]+-patch_2">\s*<path d="M ([\d.]+) ', svg)
    assert found, svg[:400]
    return float(found.group(1))


@pytest.mark.parametrize(
    "names",
    [
        ["Aquila", "Cygnus", "Draco"],
        ["Platform and Payments Team", "Données", "数据平台团队"],
    ],
)
def test_the_fixed_margins_leave_room_for_the_labels_as_matplotlib_measures_them(
    names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Constrained layout measures every text to place the plot; the fixed margins estimate the labels'
    widths instead. The plot must start no further left than matplotlib's own measure (nothing clipped),
    and not much further right (no wasted width)."""
    series = [charts.Series("late", (1.0, 12.0, 3.0)), charts.Series("at risk", (3.0, 0.0, 140.0))]

    def draw() -> str:
        return str(charts.horizontal_bars(names, series, chart_id="m", title="Late", axis_label="deps"))

    fixed = _axes_left(draw())
    import matplotlib.figure

    real_figure = matplotlib.figure.Figure

    def constrained(*args: Any, **kwargs: Any) -> Any:
        return real_figure(*args, **{**kwargs, "layout": "constrained"})

    monkeypatch.setattr(matplotlib.figure, "Figure", constrained)
    monkeypatch.setattr(charts, "_fixed_margins", lambda figure, right=0.0: None)
    measured = _axes_left(draw())
    assert measured - 2 <= fixed <= measured + 30, (fixed, measured)


def test_a_narrow_chart_keeps_its_width_and_its_columns_inside_it() -> None:
    # print draws the trend charts 360 wide (side by side); the column chart's bar width once shadowed the
    # drawing's width, which came out 9.6 wide
    svg = str(
        plots.column_chart(
            ["1 Dec", "8 Dec", "15 Dec"],
            [
                plots.Columns("carried over", (2, 4, 1), "#1f4e79"),
                plots.Columns("slipped", (1, 3, 5), "#c9dcef"),
            ],
            title="Weeks",
            axis_label="issues",
            width=360.0,
            height=180.0,
        )
    )
    assert 'width="360" height="180" viewBox="0 0 360 180"' in svg
    bars = re.search(r'<path d="([^"]*)" fill="#c9dcef"', svg)
    assert bars
    xs = [float(x) for x in re.findall(r"H([\d.]+)", bars.group(1))]
    assert len(xs) == 3 and max(xs) <= 360 - 8  # inside the plot's right edge


def test_the_grouped_bars_by_team_are_drawn_by_hand_in_the_tables_order_with_their_counts() -> None:
    svg = str(
        plots.bar_chart(
            ["Vega", "Orion <b>"],
            [
                plots.Columns("carried over", (3, 0), "#1f4e79"),
                plots.Columns("due date pushed", (1, 2), "#c55a11"),
            ],
            title="Slippage by team",
            axis_label="issues",
        )
    )
    assert "<use" not in svg and "<pattern" not in svg  # matplotlib's hatches and markers
    # one path a series (Vega 3 and 0: one bar; Vega 1, Orion 2: two), the teams top to bottom as given
    carried = re.search(r'<path d="([^"]*)" fill="#1f4e79"', svg)
    pushed = re.search(r'<path d="([^"]*)" fill="#c55a11"', svg)
    assert carried and carried.group(1).count("z") == 1 and pushed and pushed.group(1).count("z") == 2
    assert svg.index(">Vega</text>") < svg.index(">Orion &lt;b&gt;</text>")
    # each bar's count at its end; Orion's zero carry-over is not written in its group
    assert sorted(re.findall(r'font-size="8.4">(\d+)</text>', svg)) == ["1", "2", "3"]
    # whole-number ticks from 0 to the first step at or above 3 x 1.08: 0, 1, 2, 3, 4
    assert re.findall(r'text-anchor="middle">(\d+)</text>', svg) == ["0", "1", "2", "3", "4"]
    # as tall as its bars: the key's 44, 2 groups of (2 bars of 9 and a gap of 8), the axis's 38
    assert 'height="134"' in svg
    assert (
        "<desc>carried over: Vega 3, Orion &lt;b&gt; 0; due date pushed: Vega 1, Orion &lt;b&gt; 2</desc>"
        in svg
    )
    assert "none" in plots.bar_chart(["A"], [plots.Columns("c", (0,), "#000")], title="S", axis_label="n")


def _weeks(carried: int, slipped: int, width: float) -> str:
    return str(
        plots.column_chart(
            [f"{day} Sep" for day in range(1, 14)],
            [
                plots.Columns("issues carried over", (carried,) * 13, "#1f4e79"),
                plots.Columns("issues slipped (due date or PI)", (slipped,) * 13, "#c9dcef"),
            ],
            title="Weeks",
            axis_label="issues",
            width=width,
        )
    )


def test_counts_are_written_on_their_columns_only_when_every_one_fits() -> None:
    # worked out by hand, 13 weeks: the top count times 1.12 gives ticks 0 to 1200 in steps of 200 for both
    # 999 and 1048, so the ticks take 4 * 0.62 * 10.5 = 26.04 and the plot runs from 52.04 to width - 8;
    # 672 wide: a week's slot (664 - 52.04) / 13 = 47.07, a column 0.8 of it over 2 = 18.83; a count of 3
    # digits is 3 * 0.62 * 9.45 = 17.58 wide (fits), of 4 digits 23.44 (does not); 360 wide: columns 9.23
    counts = re.compile(r'text-anchor="middle">(\d+)</text>')
    assert sorted(set(counts.findall(_weeks(638, 999, 672.0)))) == ["638", "999"]
    assert len(counts.findall(_weeks(638, 999, 672.0))) == 26
    assert counts.findall(_weeks(638, 1048, 672.0)) == []  # 1048 would run into its neighbour
    assert counts.findall(_weeks(63, 99, 360.0)) == []  # 2 digits are 11.72 wide, the columns 9.36
    svg = _weeks(638, 1048, 672.0)
    assert "issues slipped (due date or PI): 1 Sep 1048," in svg  # the description still says every count


def test_a_key_too_wide_for_the_chart_goes_on_in_a_second_row_and_the_plot_below_it() -> None:
    # worked out by hand, 360 wide: the key starts at the plot's left, 52.04; "issues carried over" takes
    # 16 + 19 * 6.2 = 133.8 and a gap of 18, so the next name would start at 203.84 and end at
    # 203.84 + 16 + 31 * 6.2 = 412.04, past 352: it starts a second row 14 lower (swatch at y 38), and the
    # plot's top goes from 44 to 58 (the drawing's numbers are written to a tenth)
    narrow = _weeks(638, 1048, 360.0)
    assert 'd="M52,24h12v9h-12z"' in narrow and 'd="M52,38h12v9h-12z"' in narrow
    assert 'd="M52,58V' in narrow  # the value axis
    wide = _weeks(638, 1048, 672.0)  # 672 wide, both names fit one row: the second starts at 203.84
    assert 'd="M52,24h12v9h-12z"' in wide and 'd="M203.8,24h12v9h-12z"' in wide
    assert 'd="M52,44V' in wide
