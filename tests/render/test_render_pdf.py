"""The PDF, read back: sections and their bookmarks, page setup, running header, caps, hostile text."""

from __future__ import annotations

import io
import re
import subprocess
from types import ModuleType

import pytest
from pypdf import PdfReader
from pypdf.generic import Destination

from syncreport.config import ReportSettings
from syncreport.render import render_pdf
from tests.render.expected import PDF_SECTIONS

# slow: every test lays out a real PDF with WeasyPrint (./dev.sh test-fast leaves these out).
pytestmark = pytest.mark.slow


def _pages_text(reader: PdfReader) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


@pytest.fixture(scope="module")
def a4(sample: ModuleType) -> PdfReader:
    results, snapshot = sample.train(issues=120, teams=6)
    return PdfReader(io.BytesIO(render_pdf(results, snapshot, ReportSettings(pdf_list_limit=10))))


@pytest.fixture(scope="module")
def hostile_text(tmp_path_factory: pytest.TempPathFactory, sample: ModuleType) -> str:
    """The hostile report's text via poppler's pdftotext: with an emoji DejaVu lacks, WeasyPrint writes a
    custom CMap that pypdf cannot decode (it reads NULs), while poppler (what viewers use) reads it right."""
    results, snapshot = sample.train(issues=120, teams=6, hostile=True)
    pdf = tmp_path_factory.mktemp("hostile") / "report.pdf"
    pdf.write_bytes(render_pdf(results, snapshot, ReportSettings()))
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _top_level(reader: PdfReader) -> list[Destination]:
    """The outline's top-level bookmarks (pypdf lists a bookmark's children as a list after it)."""
    return [item for item in reader.outline if isinstance(item, Destination)]


def test_every_section_has_a_top_level_bookmark_in_order(a4: PdfReader) -> None:
    assert [item.title for item in _top_level(a4)] == PDF_SECTIONS
    nested = [
        entry.title
        for item in a4.outline
        if isinstance(item, list)
        for entry in item
        if isinstance(entry, Destination)
    ]
    assert "Needs attention now" in nested and "Sprint commitment reliability" in nested


def test_bookmarks_point_at_the_pages_that_hold_their_section(a4: PdfReader) -> None:
    texts = _pages_text(a4)
    for item in _top_level(a4):
        page = a4.get_destination_page_number(item)
        assert page is not None and item.title is not None, item
        assert item.title in texts[page], (item.title, page)


def test_executive_summary_is_one_page_and_the_board_is_landscape(a4: PdfReader) -> None:
    texts = _pages_text(a4)
    assert "Executive summary" in texts[0] and "Train health: RED" in texts[0]
    assert "Needs attention now" in texts[0] and "Changes since the last run" in texts[0]
    assert "Program board" in texts[1]
    board = a4.pages[1].mediabox
    assert board.width > board.height  # landscape
    first = a4.pages[0].mediabox
    assert (round(first.width), round(first.height)) == (595, 842)  # A4 portrait, in points


def test_every_page_has_the_running_header_and_page_x_of_y(a4: PdfReader) -> None:
    texts = _pages_text(a4)
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        # Page 1 has the same line under its title, so its running header is left out.
        assert text.count("Payments ART · PI 26.4 · 25 Nov 2026") == 1, number
        assert f"Page {number} of {total}" in text


def test_long_lists_are_capped_with_a_count_and_a_pointer_to_the_html(
    a4: PdfReader, sample: ModuleType
) -> None:
    results, _ = sample.train(issues=120, teams=6)
    text = " ".join(_pages_text(a4))
    hidden = len(results.dependencies) - 10
    assert hidden > 0
    assert (
        f"… and {hidden} more dependencies, see the HTML report (all {len(results.dependencies)} are listed"
        in text
    )


def test_hostile_text_is_printed_as_text_not_interpreted(hostile_text: str) -> None:
    assert '<script>alert("x")</script> Pay & ship <b>now</b>' in hostile_text
    assert "Team <i>Ω</i>" in hostile_text
    assert "Payments ART <b>&</b> · PI 26.4 · 25 Nov 2026" in hostile_text  # the running header


def test_issue_keys_are_links_to_jira_in_the_pdf(a4: PdfReader, sample: ModuleType) -> None:
    uris = {
        annotation.get_object()["/A"]["/URI"]
        for page in a4.pages
        for annotation in page.get("/Annots", []) or []
        if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]
    }
    assert uris, "no link annotations at all"
    assert all(uri.startswith(f"{sample.SITE}/browse/") for uri in uris), sorted(uris)[:5]


def test_letter_paper_is_used_when_configured(sample: ModuleType) -> None:
    results, snapshot = sample.train(issues=40, teams=4)
    reader = PdfReader(io.BytesIO(render_pdf(results, snapshot, ReportSettings(paper="Letter"))))
    first, board = reader.pages[0].mediabox, reader.pages[1].mediabox
    assert (round(first.width), round(first.height)) == (612, 792)
    assert (round(board.width), round(board.height)) == (792, 612)
