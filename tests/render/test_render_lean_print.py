"""The PDF costs what it shows: repeated SVG markers drawn as one path, lists and board cells summarised."""

from __future__ import annotations

import io
import re
from types import ModuleType

from pypdf import PdfReader

from syncreport.config import ReportSettings
from syncreport.render import render_html, render_pdf
from syncreport.render.lean_print import merge_markers

SCATTER = (  # matplotlib's markup of a scatter (its path data spreads over lines, each ending in a space)
    '<svg><defs>\n     <path id="c-m1" d="M -0 3 \nL 3 0 \nL 0 -3 \nz\n" style="stroke: #000000; stroke-width: 0.4"/>\n'
    '    </defs>\n    <g clip-path="url(#c-p1)">\n'
    '     <use xlink:href="#c-m1" x="10" y="20" style="fill: #1f4e79; fill-opacity: 0.55"/>\n'
    '     <use xlink:href="#c-m1" x="100.5" y="20" style="fill: #1f4e79; fill-opacity: 0.55"/>\n'
    '     <use xlink:href="#c-m1" x="10" y="20" style="fill: #1f4e79; fill-opacity: 0.55"/>\n'
    "    </g></svg>"
)


def test_a_run_of_markers_becomes_one_path_per_layer_at_their_places() -> None:
    merged = merge_markers(SCATTER)
    # Worked out by hand: the shape M 0 3 L 3 0 L 0 -3 z moved to (10, 20) is M 10 23 L 13 20 L 10 17 z and
    # to (100.5, 20) M 100.5 23 L 103.5 20 L 100.5 17 z. The copy at (10, 20) twice stays stacked: a second
    # layer holds it, so the semi-transparent marker still reads darker there.
    paths = re.findall(r'<path d="([^"]*)" style="([^"]*)"/>', merged)
    assert paths == [
        (
            "M 10 23 L 13 20 L 10 17 z M 100.5 23 L 103.5 20 L 100.5 17 z",
            "fill: #1f4e79; fill-opacity: 0.55; stroke: #000000; stroke-width: 0.4",
        ),
        (
            "M 10 23 L 13 20 L 10 17 z",
            "fill: #1f4e79; fill-opacity: 0.55; stroke: #000000; stroke-width: 0.4",
        ),
    ]
    assert "<use" not in merged
    assert 'clip-path="url(#c-p1)"' in merged  # the markers stay inside the plot's clip


def test_markup_of_another_shape_is_left_as_it_was() -> None:
    lone = '<svg><path id="m" d="M 0 0 z"/><use xlink:href="#m" x="1" y="2"/></svg>'
    unknown = (
        '<svg><use xlink:href="#elsewhere" x="1" y="2"/><use xlink:href="#elsewhere" x="3" y="4"/></svg>'
    )
    assert merge_markers(lone) == lone  # one marker: nothing to merge
    assert merge_markers(unknown) == unknown  # a shape not defined in the document: not ours to move


def test_the_pdf_shows_ten_rows_a_list_by_default_and_says_how_many_are_in_the_html(
    sample: ModuleType,
) -> None:
    results, snapshot = sample.train(issues=120, teams=6)
    assert len(results.dependencies) > 10
    text = " ".join(
        re.sub(r"\s+", " ", page.extract_text())
        for page in PdfReader(io.BytesIO(render_pdf(results, snapshot, ReportSettings()))).pages
    )
    hidden = len(results.dependencies) - 10
    assert f"… and {hidden} more dependencies, see the HTML report (all {len(results.dependencies)}" in text
    html = render_html(results, snapshot, ReportSettings())
    assert "more dependencies, see the HTML report" not in html  # the HTML lists every one


def test_a_printed_board_cell_shows_two_features_and_two_ends(sample: ModuleType) -> None:
    from syncreport.render.html import render_document

    results, snapshot = sample.train(issues=120, teams=6)
    printed = render_document(results, snapshot, ReportSettings(), for_print=True)
    board = printed[printed.index('id="board"') : printed.index('id="dependencies"')]
    cells = re.findall(r"<td>\n(.*?)</td>", board, re.DOTALL)
    assert cells
    assert max(cell.count('<div class="card') for cell in cells) == 2
    assert max(cell.count('<div class="end"') for cell in cells) == 2
    assert "more features</div>" in board or "more dependency ends</div>" in board
