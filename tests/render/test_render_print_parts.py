"""The PDF laid out in parts (front, body, margins) is the PDF laid out whole, and a warm run whose front or
minute changed lays out the front and the margins only."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pikepdf
import pytest

from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.indicators import compute_indicators
from syncreport.indicators.results import IndicatorResults
from syncreport.render import pdf, print_parts, render_pdf
from syncreport.render.html import render_document
from syncreport.render.lean_print import merge_markers
from tests.indicators.builders import blocks, issue, sprints_for, train

pytestmark = pytest.mark.slow  # real PDFs


def _text(data: bytes, folder: Path) -> str:
    path = folder / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _shape(data: bytes) -> tuple[list[list[float]], list[tuple[str, int]]]:
    """Each page's size, and each bookmark (all levels) with the page it points at."""
    with pikepdf.open(io.BytesIO(data)) as document:
        sizes = [[float(v) for v in page.mediabox] for page in document.pages]
        number = {page.obj.objgen: n for n, page in enumerate(document.pages)}
        marks: list[tuple[str, int]] = []
        with document.open_outline() as outline:
            stack = list(reversed(outline.root))
            while stack:
                item = stack.pop()
                assert isinstance(item.destination, pikepdf.Array)
                marks.append((item.title, number[item.destination[0].objgen]))
                stack.extend(reversed(item.children))
        return sizes, marks


def _minutes_later(results: IndicatorResults, minutes: int) -> IndicatorResults:
    train = dataclasses.replace(
        results.train, generated_at=results.train.generated_at + timedelta(minutes=minutes)
    )
    return dataclasses.replace(results, train=train)


def test_the_pdf_laid_out_in_parts_is_the_pdf_laid_out_whole(sample: ModuleType, tmp_path: Path) -> None:
    results, snapshot = sample.train(issues=120, teams=6)
    settings = ReportSettings()
    whole = pdf.lay_out(merge_markers(render_document(results, snapshot, settings, for_print=True)))
    parts = render_pdf(results, snapshot, settings)
    # The same words on the same pages (pdftotext separates pages with a form feed), the same page sizes
    # (the board's landscape pages where they were) and the same bookmarks on the same pages.
    assert _text(parts, tmp_path).split("\f") == _text(whole, tmp_path).split("\f")
    assert _shape(parts) == _shape(whole)
    with pikepdf.open(io.BytesIO(parts)) as document:
        assert str(document.docinfo["/Title"]).startswith("ART sync report: ")


def test_a_run_minutes_later_lays_out_the_front_and_the_margins_but_not_the_body(
    sample: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, snapshot = sample.train(issues=120, teams=6)
    settings = ReportSettings()
    laid_out: list[str] = []
    real = pdf.lay_out

    def counting(document: str) -> bytes:
        laid_out.append(
            "margins" if "<main>" not in document else "body" if "<header>" not in document else "front"
        )
        return real(document)

    monkeypatch.setattr(pdf, "lay_out", counting)
    with artifacts.using(artifacts.ArtifactStore(tmp_path / "store")):
        first = render_pdf(results, snapshot, settings)
        assert laid_out == ["front", "body", "margins"]
        later = render_pdf(_minutes_later(results, 7), snapshot, settings)
    # 7 minutes later: "Figures as of ... 07:07" on page 1 and "Generated ... 07:07" in every footer; the
    # board to the appendix (and the PI-slip chart's "today" line) are what they were.
    assert laid_out == ["front", "body", "margins", "front", "margins"]
    first_text = _text(first, tmp_path)
    pages = first_text.count("\f")
    assert first_text.count("Generated 25 Nov 2026, 07:00 UTC from Jira") == pages  # every page's footer
    expected = first_text.replace("Generated 25 Nov 2026, 07:00", "Generated 25 Nov 2026, 07:07").replace(
        "Figures as of 25 Nov 2026, 07:00", "Figures as of 25 Nov 2026, 07:07"
    )
    assert _text(later, tmp_path) == expected


def test_a_document_without_the_split_mark_is_laid_out_whole(sample: ModuleType) -> None:
    results, snapshot = sample.train(issues=30, teams=3)
    document = render_document(results, snapshot, ReportSettings(), for_print=True)
    assert print_parts.split(document) is not None
    assert print_parts.split(document.replace(print_parts.SPLIT_MARK, "")) is None  # e.g. an old base.html


def test_margins_that_do_not_fit_the_pages_are_refused(sample: ModuleType) -> None:
    results, snapshot = sample.train(issues=30, teams=3)
    parts = print_parts.split(render_document(results, snapshot, ReportSettings(), for_print=True))
    assert parts is not None
    front, body = pdf.lay_out(parts.front), pdf.lay_out(parts.body)
    shapes = print_parts.page_shapes(front) + print_parts.page_shapes(body)
    assert print_parts.join(front, body, pdf.lay_out(parts.margins(shapes))) is not None
    assert print_parts.join(front, body, pdf.lay_out(parts.margins(shapes[:-1]))) is None  # a page short


def test_the_print_document_leaves_out_the_map_table_print_hides() -> None:
    # The HTML has the dependency map and the same figures as a folded table; the PDF has the map only (the
    # table, hidden in print, still cost its cells' styles in WeasyPrint). B-1 blocks A-1: one team pair.
    snapshot = train(
        [issue("A-1", "A", (11,)), issue("B-1", "B", (22,))], sprints_for("A", "B"), [blocks("B-1", "A-1")]
    )
    results = compute_indicators(snapshot)
    assert results.team_map is not None and len(results.team_map.edges) == 1
    screen = render_document(results, snapshot, ReportSettings(), for_print=False)
    paper = render_document(results, snapshot, ReportSettings(), for_print=True)
    assert screen.count('<details class="map-table">') == 1
    assert "<details" not in paper and "The map as a table" not in paper
    assert "Who depends on whom" in paper
