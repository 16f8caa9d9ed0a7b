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
