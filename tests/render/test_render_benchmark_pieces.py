"""benchmarks/render_benchmark.py measures what the pictures add to the PDF by laying out only the sections
of the print document that differ with and without them. It pairs the print document's content parts; when
the body was cut into more parts (the board, the risks and the cadence each a part) it still expected
front, trends, body and failed. This pins its pairing to the parts the print document really has."""

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
