"""The pictures: the dependency map, the drawn board with its strings, and where they land in the PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from syncreport.config import ReportSettings
from syncreport.indicators import compute_indicators, to_json_document
from syncreport.indicators.results import TeamMap, TeamMapEdge
from syncreport.indicators.trends import trend_summary
from syncreport.kinds import DependencyStatus
from syncreport.render import render_html, render_pdf
from syncreport.render.boardsvg import drawn_board
from syncreport.render.depmap import dependency_map
from syncreport.snapshot import Snapshot
from tests.indicators.builders import blocks, issue, sprints_for, train

LATE, ON_TRACK = DependencyStatus.LATE, DependencyStatus.ON_TRACK


def _snapshot() -> Snapshot:
    # B-1 (B, I2) -> A-1 (A, I1): late; C-1 (C, I3) -> B-1: late; B-2 (B, I1) -> C-1 (C, I3): on track;
    # C-2 (C, no sprint) -> A-2 (A, I3): provider unscheduled; A-2 (A, I3) -> C-1 (C, I3): at risk
    return train(
        [
            issue("A-1", "A", (11,)),
            issue("A-2", "A", (13,)),
            issue("B-1", "B", (22,)),
            issue("B-2", "B", (21,)),
            issue("C-1", "C", (33,)),
            issue("C-2", "C", ()),
        ],
        sprints_for("A", "B", "C"),
        [
            blocks("B-1", "A-1"),
            blocks("C-1", "B-1"),
            blocks("B-2", "C-1"),
            blocks("C-2", "A-2"),
            blocks("A-2", "C-1"),
        ],
    )


def test_the_map_draws_one_arrow_per_team_pair_in_its_worst_status_with_the_count() -> None:
    team_map = TeamMap(
        teams=("Orion <b>", "Vega"),
        edges=(
            TeamMapEdge("Orion <b>", "Vega", 3, LATE, ((LATE, 2), (ON_TRACK, 1)), in_cycle=True),
            TeamMapEdge("Vega", "Orion <b>", 1, ON_TRACK, ((ON_TRACK, 1),), in_cycle=False),
        ),
        team_cycles=(("Orion <b>", "Vega"),),
    )
    svg = str(dependency_map(team_map))
    edges = re.findall(r'<path[^>]*class="map-edge ([^"]*)"[^>]*>', svg)
    assert edges == ["st-on-track", "st-late"]  # the most severe drawn last, on top
    late = re.search(r'<path[^>]*stroke="#b00020"[^>]*>', svg)
    assert late and 'stroke-dasharray="7 3"' in late.group(0)  # red and dashed: late reads in grayscale too
    widths = [float(w) for w in re.findall(r'class="map-edge[^"]*"[^>]*stroke-width="([\d.]+)"', svg)] or [
        float(w) for w in re.findall(r'stroke-width="([\d.]+)"[^>]*class="map-edge', svg)
    ]
    assert len(widths) == 2 and widths[1] > widths[0]  # 3 dependencies draw wider than 1
    assert ">3⟳<" in svg and ">1<" in svg  # the counts, the cycle marked
    assert 'stroke="#000000"' in svg  # the cycle's halo
    assert "Orion &lt;b&gt;" in svg and "Orion <b>" not in svg  # team names are escaped
    assert (
        "<desc>Orion &lt;b&gt; provides to Vega: 3: 2 late, 1 on track · cycle" in svg
    )  # the text alternative


def test_a_train_without_open_dependencies_gets_a_sentence_instead_of_a_map() -> None:
    assert "no open cross-team dependency" in str(dependency_map(TeamMap((), ())))


def test_the_drawn_board_draws_every_late_at_risk_and_unscheduled_string_and_counts_the_rest() -> None:
    results = compute_indicators(_snapshot())
    drawn = drawn_board(results.board, results.dependencies, current=results.calendar.current_index)
    strings = re.findall(
        r'class="board-string st-([a-z-]+)" data-provider="([^"]+)" data-consumer="([^"]+)"', str(drawn.svg)
    )
    assert sorted(strings) == [
        ("at-risk", "A-2", "C-1"),
        ("late", "B-1", "A-1"),
        ("late", "C-1", "B-1"),
        ("unscheduled", "C-2", "A-2"),
    ]
    assert drawn.drawn == 4 and drawn.not_drawn == (("on_track", 1),)
    assert ">Unscheduled<" in str(drawn.svg)  # C-2's pin has a column to sit in


@pytest.mark.e2e
@pytest.mark.slow
def test_the_drawn_board_of_a_5000_issue_train_shows_every_late_string(tmp_path: Path) -> None:
    import os

    from syncreport.config import config_from_dict
    from syncreport.jira import pull_snapshot
    from syncreport.simulator import demo_config, start_simulator

    with start_simulator(issues=5000, seed=7, today=datetime(2026, 11, 25, tzinfo=UTC).date()) as sim:
        data = demo_config(sim, token_env="SYNCREPORT_BOARD_5000_TOKEN")
        data["cache"] = {"enabled": False}
        os.environ["SYNCREPORT_BOARD_5000_TOKEN"] = sim.token
        try:
            snapshot = pull_snapshot(config_from_dict(data, source="<test>"))
        finally:
            os.environ.pop("SYNCREPORT_BOARD_5000_TOKEN")
    results = compute_indicators(snapshot)
    late = {(d.provider.key, d.consumer.key) for d in results.dependencies if d.status == "late"}
    assert len(late) >= 5
    svg = str(drawn_board(results.board, results.dependencies, current=results.calendar.current_index).svg)
    drawn = set(
        re.findall(r'class="board-string st-late" data-provider="([^"]+)" data-consumer="([^"]+)"', svg)
    )
    assert drawn == late  # every late string, none hidden behind a count
    assert "more dependency ends" not in svg


def test_the_pdf_has_the_map_in_the_summary_and_the_drawn_board_on_a_landscape_page() -> None:
    snapshot = _snapshot()
    first = compute_indicators(snapshot)
    summary = trend_summary(to_json_document(first))
    summary["generated_at"] = "2026-01-19T07:00:00Z"
    results = compute_indicators(snapshot, history=[summary])
    reader = PdfReader(io.BytesIO(render_pdf(results, snapshot, ReportSettings())))
    texts = [page.extract_text() for page in reader.pages]
    map_page = next(i for i, t in enumerate(texts) if "Who depends on whom" in t)
    assert map_page <= 1  # the summary's first or second page
    board_page = next(i for i, t in enumerate(texts) if "The program board as drawn" in t)
    box = reader.pages[board_page].mediabox
    assert box.width > box.height  # landscape
    trends_page = next(i for i, t in enumerate(texts) if "Health, run by run" in t)
    assert reader.pages[trends_page].mediabox.width < reader.pages[trends_page].mediabox.height
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[:3] == ["Executive summary", "Trends", "Program board"]


def test_the_html_has_a_text_alternative_for_every_chart_and_captions_and_scoped_headers() -> None:
    snapshot = _snapshot()
    results = compute_indicators(snapshot)
    html = render_html(results, snapshot, ReportSettings())
    for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL):
        assert 'role="img"' in svg[:400] and "<title>" in svg, svg[:200]
    assert "The map as a table" in html  # the map's figures as a table, too
    tables = re.findall(r"<table\b.*?</table>", html, flags=re.DOTALL)
    assert tables and all("<caption" in t for t in tables if "<thead>" in t and 'class="board"' not in t)
    assert html.count("<thead>") == html.count("</thead>") >= 8  # every table's header row intact
    headers = re.findall(r"<thead>.*?</thead>", html, flags=re.DOTALL)
    assert all('scope="col"' in h for h in headers)
    # page 1's deltas: the first run has none, and says that trends start next time
    assert "trends start with the next run" in html


def _elements(svg: str) -> int:
    return len(re.findall(r"<(?!/)(?:path|rect|text|line|circle|polygon|title)\b", svg))


def test_the_print_copy_of_the_board_draws_each_style_once_and_keeps_every_key_and_string() -> None:
    # the train above: 4 strings (2 late, 1 at risk, 1 unscheduled) between the pins of, B-1, C-1, C-2
    results = compute_indicators(_snapshot())
    current = results.calendar.current_index
    screen = str(drawn_board(results.board, results.dependencies, current=current).svg)
    printed = str(drawn_board(results.board, results.dependencies, current=current, for_print=True).svg)
    assert _elements(printed) < _elements(screen) / 2  # WeasyPrint lays out and draws element by element
    assert "<title>The program board" in printed and "data-provider" not in printed  # no tooltips or classes
    # the late strings are two sub-paths of one path (one C curve each) in the late style
    late = re.findall(r'<path d="([^"]*)" fill="none" stroke="#b00020"', printed)
    assert len(late) == 1 and late[0].count("C") == 2
    # every pin's key and the keys of the feature cards are lines of the text laid over the drawing
    # (svg.PrintSketch.layered: HTML text, one layout a line, where the SVG's letters would be)
    assert "<text" not in printed.split("</svg>")[1]  # the layer is HTML, after the drawing
    lines = " ".join(re.findall(r'<div style="left:[\d.]+mm;top:[\d.]+mm">([^<]*)</div>', printed))
    for key in ("A-1", "A-2", "B-1", "C-1", "C-2"):
        assert re.search(rf"\b{key}\b", lines)


def test_the_print_copy_of_the_map_keeps_its_arrows_counts_and_teams_in_fewer_elements() -> None:
    LATE, ON_TRACK, AT_RISK = DependencyStatus.LATE, DependencyStatus.ON_TRACK, DependencyStatus.AT_RISK
    team_map = TeamMap(
        teams=("Orion", "Vega", "Lyra"),
        edges=(
            TeamMapEdge("Orion", "Vega", 3, LATE, ((LATE, 2), (ON_TRACK, 1)), in_cycle=True),
            TeamMapEdge("Vega", "Orion", 1, ON_TRACK, ((ON_TRACK, 1),), in_cycle=True),
            TeamMapEdge("Lyra", "Vega", 2, AT_RISK, ((AT_RISK, 2),), in_cycle=False),
        ),
        team_cycles=(("Orion", "Vega"),),
    )
    screen, printed = str(dependency_map(team_map)), str(dependency_map(team_map, for_print=True))
    assert _elements(printed) < _elements(screen)
    assert 'stroke="#000000"' in printed  # the cycle's halo
    assert "<desc>Orion provides to Vega: 3: 2 late, 1 on track · cycle" in printed  # same text alternative
    letters = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", printed))
    assert "3⟳" in letters and "1⟳" in letters and "2" in letters  # the counts, the cycle's pairs marked
    assert all(team in letters for team in ("Orion", "Vega", "Lyra"))


def test_a_charts_print_copy_unwraps_bare_groups_and_merges_runs_of_same_style_paths() -> None:
    from markupsafe import Markup

    from syncreport.render.svg import print_copy

    svg = Markup(
        '<svg><g id="c-figure_1"><g id="c-patch_1"><path d="M 0 0 L 1 1" style="fill: #fff"/></g>'
        '<g id="c-bar_1"><path d="M 1 1 L 2 2" style="fill: #fff"/></g>'
        '<path d="M 5 5 L 6 6" style="fill: #000; opacity: 0.5"/><path d="M 7 7" style="fill: #000; opacity: 0.5"/>'
        '<g clip-path="url(#c-p1)"><text x="1" y="2">a</text></g></g></svg>'
    )
    lean = str(print_copy(svg))
    # the two white paths were in bare groups: one path now; the semi-transparent two stay apart
    assert '<path d="M 0 0 L 1 1 M 1 1 L 2 2" style="fill: #fff"/>' in lean
    assert lean.count("opacity: 0.5") == 2
    assert (
        '<g clip-path="url(#c-p1)"><text x="1" y="2">a</text></g>' in lean
    )  # a group that does something stays
    assert "<g id=" not in lean


def test_the_pdf_draws_the_health_strip_and_keeps_the_boards_keys_searchable() -> None:
    # two earlier runs (12 and 19 Jan), then this one: the strip has 3 runs for the train and A, B, C
    snapshot = _snapshot()
    document = to_json_document(compute_indicators(snapshot))
    history = []
    for moment in ("2026-01-12T07:00:00Z", "2026-01-19T07:00:00Z"):
        summary = trend_summary(document)
        summary["generated_at"] = moment
        history.append(summary)
    previous = {**document, "train": {**document["train"], "generated_at": "2026-01-19T07:00:00Z"}}
    results = compute_indicators(snapshot, history=history, previous=previous)
    pdf = render_pdf(results, snapshot, ReportSettings())
    reader = PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    trends_page = next(t for t in texts if "Health, run by run" in t)
    assert "12 Jan" in trends_page and "19 Jan" in trends_page  # the strip's runs, as text
    board_page = next(t for t in texts if "The program board as drawn" in t)
    assert all(key in board_page for key in ("A-1", "B-1", "C-1"))  # the pins' keys, found by a search
    from syncreport.render.html import render_document

    printed = render_document(results, snapshot, ReportSettings(), for_print=True)
    assert 'class="chart health-drawing"' in printed and '<table class="health-strip">' not in printed
    # page 1's counts in print: "7 (+2)", and "since 19 Jan" once, in the column's heading
    assert "(change since 19 Jan)" in printed and "since 19 Jan)</span></td>" not in printed
    html = render_html(results, snapshot, ReportSettings())
    assert '<table class="health-strip">' in html  # the HTML keeps the strip as a table


def _section(document: str, section_id: str) -> str:
    start = document.index(f'id="{section_id}"')
    end = document.find("<section", start)
    return document[start : end if end > 0 else len(document)]


def test_in_print_the_thresholds_stand_on_the_trends_page_beside_the_strip_they_colour() -> None:
    from syncreport.render.html import render_document

    snapshot = _snapshot()
    first = compute_indicators(snapshot)
    summary = trend_summary(to_json_document(first))
    summary["generated_at"] = "2026-01-19T07:00:00Z"
    with_trends = compute_indicators(snapshot, history=[summary])
    printed = render_document(with_trends, snapshot, ReportSettings(), for_print=True)
    # the trends' page is half empty under its four pictures, the appendix's last page was mostly empty
    assert "Thresholds used" in _section(printed, "trends")
    assert "Thresholds used" not in _section(printed, "data-quality")
    assert "late dependencies the team provides" in _section(printed, "trends")
    # drawn, not a table: the trends' part is laid out again on every warm run, and a table's cells cost
    # WeasyPrint far more than lines of text
    assert '<table class="thresholds">' not in printed and 'class="chart thresholds-drawing"' in printed
    # the HTML keeps them in the appendix
    screen = render_html(with_trends, snapshot, ReportSettings())
    assert "Thresholds used" in _section(screen, "data-quality") and screen.count("Thresholds used") == 1
    # a first run's PDF (no trends: no trends' page) has them drawn at the summary's end, not in the
    # appendix: the PDF's body (the board to the appendix) is then the same with trends or without, and
    # the first run with trends keeps it (tests/render/test_render_print_parts.py)
    alone = render_document(first, snapshot, ReportSettings(), for_print=True)
    assert "Thresholds used" in _section(alone, "summary") and alone.count("Thresholds used") == 1
    assert "Thresholds used" not in _section(alone, "data-quality")
    assert 'class="chart thresholds-drawing"' in alone
