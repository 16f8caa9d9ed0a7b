"""The PDF laid out in parts (front, trends, body, margins) is the PDF laid out whole, and a warm run on the
same Jira data, minutes later, lays out the trends (one more point) and the margins only."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pikepdf
import pytest

from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.indicators import compute_indicators, to_json_document
from syncreport.indicators.results import IndicatorResults
from syncreport.indicators.trends import compute_trends, trend_summary
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


def _next_run(results: IndicatorResults, earlier: list[IndicatorResults], minutes: int) -> IndicatorResults:
    """The run ``minutes`` after ``earlier[-1]`` on the same Jira data: compared with that run, and with the
    earlier runs (and itself) as the trends' points."""
    later = _minutes_later(results, minutes)
    before = to_json_document(earlier[-1])
    changes = dataclasses.replace(later.changes, previous_generated_at=earlier[-1].train.generated_at)
    later = dataclasses.replace(later, changes=changes)
    trends = compute_trends(later, [trend_summary(to_json_document(run)) for run in earlier], previous=before)
    return dataclasses.replace(later, trends=trends)


def test_the_pdf_laid_out_in_parts_is_the_pdf_laid_out_whole(sample: ModuleType, tmp_path: Path) -> None:
    results, snapshot = sample.train(issues=120, teams=6)
    results = _next_run(results, [_minutes_later(results, -60)], 0)  # with trends: six parts
    settings = ReportSettings()
    document = merge_markers(render_document(results, snapshot, settings, for_print=True))
    parts = print_parts.split(document)
    # the front, the trends, the board, the features to the dependencies, the risks to the slips, the rest
    assert parts is not None and len(parts.contents) == 6
    whole = pdf.lay_out(document)
    in_parts = render_pdf(results, snapshot, settings)
    # The same words on the same pages (pdftotext separates pages with a form feed), the same page sizes
    # (the board's landscape pages where they were) and the same bookmarks on the same pages.
    assert _text(in_parts, tmp_path).split("\f") == _text(whole, tmp_path).split("\f")
    assert _shape(in_parts) == _shape(whole)
    with pikepdf.open(io.BytesIO(in_parts)) as laid_out:
        assert str(laid_out.docinfo["/Title"]).startswith("ART sync report: ")
    assert b"/ObjStm" in in_parts  # the joined PDF packs its small objects into object streams


def test_a_first_run_without_trends_has_no_trends_part(sample: ModuleType) -> None:
    results, snapshot = sample.train(issues=30, teams=3)  # no earlier run: no trends section
    parts = print_parts.split(render_document(results, snapshot, ReportSettings(), for_print=True))
    assert parts is not None and len(parts.contents) == 5
    assert '<section class="report-section summary"' in parts.front
    assert 'class="report-section board-section' in parts.contents[1]
    features, risks = parts.contents[2:4]
    assert 'id="features"' in features and 'id="dependencies"' in features and 'id="risks"' not in features
    assert 'id="risks"' in risks and 'id="slippage"' in risks and 'id="cadence"' not in risks
    assert 'id="cadence"' in parts.body and 'id="data-quality"' in parts.body


def test_a_run_minutes_later_lays_out_the_trends_and_the_margins_only(
    sample: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, snapshot = sample.train(issues=120, teams=6)
    first_run = _minutes_later(base, -60)
    second = _next_run(base, [first_run], 0)  # 07:00, compared with 06:00
    third = _next_run(base, [first_run, second], 7)  # 07:07, compared with 07:00: one more point
    settings = ReportSettings()
    laid_out: list[str] = []
    real = pdf.lay_out

    def counting(document: str) -> bytes:
        body = document[document.find("<body>") :]
        laid_out.append(
            "margins"
            if "<main>" not in body
            else "front"
            if "<header>" in body
            else "trends"
            if 'id="trends"' in body
            else "board"
            if 'id="board"' in body
            else "features"
            if 'id="features"' in body
            else "risks"
            if 'id="risks"' in body
            else "body"
        )
        return real(document)

    monkeypatch.setattr(pdf, "lay_out", counting)
    with artifacts.using(artifacts.ArtifactStore(tmp_path / "store")):
        first = render_pdf(second, snapshot, settings)
        # the margins in two: the page numbers and running header, and what every page of a kind says
        assert laid_out == ["front", "trends", "board", "features", "risks", "body", "margins", "margins"]
        later = render_pdf(third, snapshot, settings)
    # 7 minutes later: "Figures as of ... 07:07 · changes since the run of ... 07:00" at the top of page 1,
    # "Generated ... 07:07" in every footer, and the trends have a third point; the summary's pages (the
    # minutes are not in them), the board to the appendix (the PI-slip chart's "today" line included) and
    # the page numbers and running headers are what they were: laid out again are the trends and the three
    # pages of margins that say the minute (page 1, a portrait page, a landscape page).
    made = ["front", "trends", "board", "features", "risks", "body", "margins", "margins"]
    assert laid_out == [*made, "trends", "margins"]
    first_text, later_text = _text(first, tmp_path), _text(later, tmp_path)
    pages = first_text.count("\f")
    assert first_text.count("Generated 25 Nov 2026, 07:00 UTC from Jira") == pages  # every page's footer
    assert (
        "Figures as of 25 Nov 2026, 07:00 UTC · changes since the run of 25 Nov 2026, 06:00 UTC" in first_text
    )
    assert (
        "Figures as of 25 Nov 2026, 07:07 UTC · changes since the run of 25 Nov 2026, 07:00 UTC" in later_text
    )
    assert later_text.count("Generated 25 Nov 2026, 07:07 UTC from Jira") == pages
    parts = print_parts.split(render_document(second, snapshot, settings, for_print=True))
    assert parts is not None
    front_pages = len(print_parts.page_shapes(real(parts.front)))
    summary_first = _without_margins(first_text.split("\f")[:front_pages])
    summary_later = _without_margins(later_text.split("\f")[:front_pages])
    assert summary_later == summary_first
    assert "runs of this train" in later_text and ": 3, this one last" in later_text


def test_the_first_run_with_trends_keeps_the_body_of_the_run_without(
    sample: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, snapshot = sample.train(issues=120, teams=6)
    first_run = _minutes_later(base, -60)  # 06:00, the first run: no earlier run, no trends
    second = _next_run(base, [first_run], 0)  # 07:00: trends of two runs, changes since 06:00
    settings = ReportSettings()
    laid_out: list[str] = []
    real = pdf.lay_out

    def counting(document: str) -> bytes:
        body = document[document.find("<body>") :]
        laid_out.append("front" if "<header>" in body else "trends" if 'id="trends"' in body else "other")
        return real(document)

    monkeypatch.setattr(pdf, "lay_out", counting)
    with artifacts.using(artifacts.ArtifactStore(tmp_path / "store")):
        alone = render_pdf(first_run, snapshot, settings)
        # the front, the board, the three parts of the rest of the body, two layers of margins
        assert laid_out == ["front", *["other"] * 6]
        with_trends = render_pdf(second, snapshot, settings)
    # 07:00 has a front of its own (changes since 06:00), the trends' page (new) and margins for one more
    # page; the board to the appendix is what 06:00 showed: the same Jira data, the same day. The thresholds
    # stood at the summary's end at 06:00 and stand on the trends' page at 07:00, never in the body: today's
    # main put them in the body's appendix without trends, so 07:00 laid out the whole body again.
    assert laid_out[7:] == ["front", "trends", "other", "other"]
    alone_text, trends_text = _text(alone, tmp_path), _text(with_trends, tmp_path)
    assert alone_text.count("Thresholds used") == trends_text.count("Thresholds used") == 1
    assert trends_text.count("\f") == alone_text.count("\f") + 1  # the trends' page


def _without_margins(pages: list[str]) -> list[str]:
    return [
        "\n".join(
            line for line in page.splitlines() if "Figures as of" not in line and "Generated" not in line
        )
        for page in pages
    ]


def test_a_document_without_the_split_mark_is_laid_out_whole(sample: ModuleType) -> None:
    results, snapshot = sample.train(issues=30, teams=3)
    document = render_document(results, snapshot, ReportSettings(), for_print=True)
    assert print_parts.split(document) is not None
    assert print_parts.split(document.replace(print_parts.SPLIT_MARK, "")) is None  # e.g. an old base.html


def test_margins_that_do_not_fit_the_pages_are_refused(sample: ModuleType) -> None:
    results, snapshot = sample.train(issues=30, teams=3)
    parts = print_parts.split(render_document(results, snapshot, ReportSettings(), for_print=True))
    assert parts is not None
    contents = [pdf.lay_out(part) for part in parts.contents]
    shapes = [wide for part in contents for wide in print_parts.page_shapes(part)]
    assert print_parts.join(contents, pdf.lay_out(parts.margins(shapes))) is not None
    assert print_parts.join(contents, pdf.lay_out(parts.margins(shapes[:-1]))) is None  # a page short
    constant, kinds = parts.constant_margins(shapes)
    same = pdf.lay_out(constant)
    assert len(print_parts.page_shapes(same)) == len(set(kinds)) <= 3  # a page per kind, not per page
    margins = pdf.lay_out(parts.margins(shapes))
    assert print_parts.join(contents, margins, same, kinds) is not None
    assert print_parts.join(contents, margins, same, kinds[:-1]) is None  # a page without its kind
    assert print_parts.join(contents, margins, same, [len(set(kinds))] * len(kinds)) is None  # no such page


def _drawn_forms(page: pikepdf.Page) -> set[str]:
    """The names of the XObjects ``page``'s content draws itself (not those inside them)."""
    return {
        str(instruction.operands[0])
        for instruction in pikepdf.parse_content_stream(page)
        if isinstance(instruction, pikepdf.ContentStreamInstruction) and str(instruction.operator) == "Do"
    }


def test_the_join_keeps_each_pages_content_as_laid_out_and_shares_a_kinds_margins(sample: ModuleType) -> None:
    # pikepdf's add_overlay joins a page's content streams into one, which qpdf then decompresses and
    # compresses again on save (the join's main cost); the join puts the margins around the page's own
    # stream instead, and draws the margins every page of a kind shares from one form.
    results, snapshot = sample.train(issues=30, teams=3)
    parts = print_parts.split(render_document(results, snapshot, ReportSettings(), for_print=True))
    assert parts is not None
    contents = [pdf.lay_out(part) for part in parts.contents]
    shapes = [wide for part in contents for wide in print_parts.page_shapes(part)]
    constant, kinds = parts.constant_margins(shapes)
    joined = print_parts.join(contents, pdf.lay_out(parts.margins(shapes)), pdf.lay_out(constant), kinds)
    assert joined is not None
    laid_out: list[bytes] = []
    own_forms: list[set[str]] = []
    for part in contents:
        with pikepdf.open(io.BytesIO(part)) as source:
            laid_out.extend(page.obj.Contents.read_raw_bytes() for page in source.pages)
            own_forms.extend(_drawn_forms(page) for page in source.pages)
    with pikepdf.open(io.BytesIO(joined)) as out:
        assert len(out.pages) == len(laid_out) == len(kinds)
        forms: set[tuple[int, int]] = set()
        for page, own, names in zip(out.pages, laid_out, own_forms, strict=True):
            streams = page.obj.Contents
            assert isinstance(streams, pikepdf.Array)
            assert own in [stream.read_raw_bytes() for stream in streams]  # as WeasyPrint compressed it
            added = _drawn_forms(page) - names
            assert len(added) == 2  # the two layers of margins
            forms.update(page.resources.XObject[name].objgen for name in added)
    # a form per page for the page numbers, a form per kind of page for the minute
    assert len(forms) == len(kinds) + len(set(kinds))


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


_RENDER_ONCE = """
import sys
from pathlib import Path
from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.indicators import compute_indicators
from syncreport.render import render_pdf
from tests.indicators.builders import blocks, issue, sprints_for, train
snapshot = train([issue("A-1", "A", (11,)), issue("B-1", "B", (22,))], sprints_for("A", "B"), [blocks("B-1", "A-1")])
with artifacts.using(artifacts.ArtifactStore(Path(sys.argv[1]))):
    made = render_pdf(compute_indicators(snapshot), snapshot, ReportSettings())
print(made[:5].decode(), "weasyprint" in sys.modules)
"""


def test_a_pdf_whose_parts_are_all_kept_is_joined_without_importing_weasyprint(tmp_path: Path) -> None:
    def run() -> str:
        return subprocess.run(
            [sys.executable, "-c", _RENDER_ONCE, str(tmp_path / "store")],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        ).stdout.strip()

    assert run() == "%PDF- True"  # the first run lays the parts out
    assert run() == "%PDF- False"  # the same run again: every part kept, pikepdf joins them


_PRUNE_HEAD = """<!DOCTYPE html><html><head><style>
.gone { color: red; }
.kept, .absent { color: blue; }
.box .inner { margin: 1px; }
.box .missing { margin: 2px; }
#here { padding: 1px; }
#nowhere { padding: 2px; }
td:not(.absent) { border: 1px solid; }
td[class~="absent"] { border: 2px solid; }
p.Mixed { font-weight: bold; }
span.a\\&b { color: green; }
@page { size: A4; @top-left { content: "x"; } }
@font-face { font-family: "X"; src: local("X"); }
@media print { .gone { color: red; } .kept { color: navy; } }
@media screen { .gone { display: none; } }
</style></head>"""
_PRUNE_BODY = (
    '<body><p class="kept mixed" id="here">x</p><div class=box><span class="inner a&amp;b">y</span></div>'
    "<table><tr><td>z</td></tr></table><svg><style>.gone { fill: red; }</style></svg></body></html>"
)


def test_a_parts_stylesheet_is_cut_to_the_rules_that_can_match_in_it() -> None:
    pruned = print_parts.pruned(_PRUNE_HEAD + _PRUNE_BODY)
    head, body = pruned[: pruned.index("<body")], pruned[pruned.index("<body") :]
    assert body == _PRUNE_BODY  # the body (and an SVG's own style) as it was
    assert head == (
        "<!DOCTYPE html><html><head><style>"
        ".kept, .absent { color: blue; }\n"  # one selector of the list can match
        ".box .inner { margin: 1px; }\n"  # not .box .missing
        "#here { padding: 1px; }\n"  # not #nowhere
        "td:not(.absent) { border: 1px solid; }\n"  # a class inside :not() does not count
        'td[class~="absent"] { border: 2px solid; }\n'  # nor one in an attribute selector
        "p.Mixed { font-weight: bold; }\n"  # compared without case (a document in quirks mode does)
        "span.a\\&b { color: green; }\n"  # an escaped name against the attribute's unescaped value
        '@page { size: A4; @top-left { content: "x"; } }\n'
        '@font-face { font-family: "X"; src: local("X"); }\n'
        "@media print {.kept { color: navy; }}"  # its rules that can match; @media screen had none
        "</style></head>"
    )


def test_a_pruned_part_is_laid_out_as_the_part_with_its_whole_stylesheet(
    sample: ModuleType, tmp_path: Path
) -> None:
    results, snapshot = sample.train(issues=120, teams=6)
    results = _next_run(results, [_minutes_later(results, -60)], 0)  # with trends: six content parts
    parts = print_parts.split(
        merge_markers(render_document(results, snapshot, ReportSettings(), for_print=True))
    )
    assert parts is not None and len(parts.contents) == 6
    for n, part in enumerate(parts.contents):
        smaller = print_parts.pruned(part)
        assert len(smaller) < len(part)
        pictures = []
        for name, document in (("whole", part), ("pruned", smaller)):
            (tmp_path / f"{name}.pdf").write_bytes(pdf.lay_out(document))
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "40",
                    "-png",
                    str(tmp_path / f"{name}.pdf"),
                    str(tmp_path / f"{n}-{name}"),
                ],
                check=True,
            )
            pictures.append([p.read_bytes() for p in sorted(tmp_path.glob(f"{n}-{name}*.png"))])
        assert pictures[0] == pictures[1]  # the same pages, pixel for pixel


def test_the_next_days_run_keeps_the_boards_part_whose_pages_did_not_change(sample: ModuleType) -> None:
    # The day is in the document's title; the joined PDF takes its title from the front (tested above), so
    # the other parts carry none: a board unchanged since yesterday is the same part, kept in the store,
    # while the front (its header says the day) is a new one.
    results, snapshot = sample.train(issues=60, teams=4)
    today = merge_markers(render_document(results, snapshot, ReportSettings(), for_print=True))
    tomorrow = merge_markers(
        render_document(_minutes_later(results, 24 * 60), snapshot, ReportSettings(), for_print=True)
    )
    first, second = print_parts.split(today), print_parts.split(tomorrow)
    assert first is not None and second is not None
    assert "<title>ART sync report: " in first.front
    assert first.front != second.front
    board, board_tomorrow = first.contents[1], second.contents[1]
    assert 'id="board"' in board and "<title></title>" in board
    assert board == board_tomorrow
