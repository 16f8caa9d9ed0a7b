"""benchmarks/render_benchmark.py measures what the pictures add to the PDF by laying out only the sections
of the print document that differ with and without them. It pairs the print document's content parts; when
the body was cut into more parts (the board, the risks and the cadence each a part) it still expected
front, trends, body and failed. This pins its pairing to the parts the print document really has; and
benchmarks/cron_benchmark.py's table to what it says of a naive pull that fails and of sizes with no bar."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from syncreport.config import ReportSettings
from syncreport.indicators.results import IndicatorResults
from syncreport.render import print_parts
from syncreport.render.html import render_document
from syncreport.render.lean_print import merge_markers
from tests.render.test_render_print_parts import _minutes_later, _next_run

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _benchmark(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` loaded as a module (not registered in sys.modules: nothing needs it)."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _train_with_trends(sample: ModuleType) -> tuple[IndicatorResults, Any]:
    """The sample train of 120 issues and 6 teams, with a run an hour before in its trends."""
    results, snapshot = sample.train(issues=120, teams=6)
    return _next_run(results, [_minutes_later(results, -60)], 0), snapshot


def test_the_pictures_figure_pairs_every_content_part_and_lays_out_the_trends_whole(
    sample: ModuleType,
) -> None:
    bench = _benchmark("render_benchmark")
    results, snapshot = _train_with_trends(sample)
    settings = ReportSettings()

    def parts(given: IndicatorResults) -> print_parts.PrintParts:
        split = print_parts.split(merge_markers(render_document(given, snapshot, settings, for_print=True)))
        assert split is not None
        return split

    stripped, patched = bench.without_pictures(results)
    with patched:
        bare = parts(stripped)
    full = parts(results)
    assert (len(full.contents), len(bare.contents)) == (6, 5)  # the trends' part has no counterpart

    pieces = bench.differing_pieces(full, bare)

    names = [name for name, _, _ in pieces]
    assert names[-1] == "trends part" and pieces[-1][1:] == (full.contents[1], "")
    # the drawn board, the third part, is a picture; the front's header and summary differ too
    assert names[:-1] == ["front: before the first section", "front: summary", "part 3: board"]
    for _, mine, theirs in pieces[:-1]:
        assert mine != theirs and mine.startswith("<!DOCTYPE html>") and theirs.startswith("<!DOCTYPE html>")


def test_the_labels_benchmark_lays_out_the_trends_part_both_ways_and_leaves_the_shipped_way(
    sample: ModuleType,
) -> None:
    import weasyprint.svg

    bench = _benchmark("labels_benchmark")
    results, snapshot = _train_with_trends(sample)
    document = merge_markers(render_document(results, snapshot, ReportSettings(), for_print=True))
    trends = bench.trends_part_of(document)
    assert 'id="trends"' in trends and "<text" in trends and 'id="board"' not in trends
    ways = bench.drawers()
    shipped = weasyprint.svg.TAGS["text"]
    assert list(ways) == ["WeasyPrint's own, letter by letter", "whole strings (shipped)"]
    assert (
        ways["whole strings (shipped)"] is shipped
        and ways["WeasyPrint's own, letter by letter"] is not shipped
    )
    times = bench.measure(trends, ways, 1)
    assert {name: len(values) for name, values in times.items()} == {name: 1 for name in ways}
    assert weasyprint.svg.TAGS["text"] is shipped and weasyprint.svg.text is shipped  # put back


def _run(wall: float, requests: int, **more: Any) -> dict[str, Any]:
    return {"wall_s": wall, "cpu_s": wall + 0.25, "requests": requests, "peak_mb": 200.0, "load": 0.5, **more}


def test_the_cron_table_says_a_naive_pull_that_fails_and_judges_only_the_barred_sizes(
    monkeypatch: Any,
) -> None:
    """Data Center answers a search past its 10,000th issue with "Search limit exceeded": the naive pull of a
    50k train fails there, and the table says so instead of stopping; 50k has no warm bar (issue 15's bars
    are for 1,000 and 10,000 issues)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # cron_benchmark imports machine_speed from its folder
    cron = _benchmark("cron_benchmark")
    monkeypatch.setattr(cron, "probe_line", lambda: "machine probe 0.300 CPU s")
    failed = "HTTP 500: Search limit exceeded."
    results = [
        {
            "dialect": "datacenter",
            "size": 10_000,
            "cold": _run(9.0, 127),
            "warm": _run(3.5, 3),
            "again": _run(1.6, 3),
            "naive": _run(14.4, 102, issues=10_000, truncated=94),
        },
        {
            "dialect": "datacenter",
            "size": 50_000,
            "cold": _run(30.0, 600),
            "warm": _run(6.5, 3),
            "again": _run(6.1, 3),
            "naive": _run(2.0, 101, failed=failed),
        },
    ]
    text = cron.table(results, 100)
    assert (
        "| datacenter | 50,000 | naive jira-library pull (fails: HTTP 500: Search limit exceeded.) | 2.00 |"
        in text
    )
    ten, fifty = (line for line in text.splitlines() if line.startswith("- "))
    # 9.0 s against the naive 14.4 s: 0.62x; warm 3.5 s over the 3 s bar
    assert ten.startswith(
        "- datacenter 10,000: the cold report took 0.62x the naive pull's wall time; warm 3.50 s"
    )
    assert "bar <= 3 s, 1 to 3 requests: OVER THE BAR" in ten
    assert "naive: 10000 issues, 94 with truncated changelogs" in ten
    assert fifty.startswith(
        "- datacenter 50,000: the cold report 30.00 s; the naive pull cannot list this train"
    )
    assert "(no bar at this size)" in fifty and f"naive: fails ({failed})" in fifty
