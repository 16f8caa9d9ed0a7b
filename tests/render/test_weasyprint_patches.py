"""The charts' labels drawn by WeasyPrint as whole strings (render.weasyprint_patches), against WeasyPrint's
own letter-by-letter drawing of the same SVG: the same text, the same place, the same anchoring."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image, ImageOps
from pypdf import PdfReader

from syncreport.render import weasyprint_patches
from syncreport.render.layout import import_weasyprint

import_weasyprint()

import weasyprint  # noqa: E402  (imported the way the report imports it, patches installed)
import weasyprint.svg  # noqa: E402

LETTER_BY_LETTER: Callable[..., None] = sys.modules["weasyprint.svg.text"].text  # WeasyPrint's own function
BAND = 30  # each label of SVG_LABELS has a band of its own, 30 units high, its baseline 20 units down
SVG_LABELS = [  # (the label's markup, the text a reader of the PDF finds)
    (
        '<text x="10" y="{y}" font-size="12" font-weight="bold">Dependencies by status, run by run</text>',
        "Dependencies by status, run by run",
    ),
    ('<text x="200" y="{y}" font-size="10.5" text-anchor="end">AVATAR 150</text>', "AVATAR 150"),
    (
        '<text x="200" y="{y}" font-size="10.5" text-anchor="middle">Sprint 4 · PI 26.4</text>',
        "Sprint 4 · PI 26.4",
    ),
    ('<text x="20" y="{y}" dx="5" dy="3" font-size="9">Team Orion</text>', "Team Orion"),
    ('<text x="300" y="{y}" font-size="10" text-anchor="end">Команда Орион</text>', "Команда Орион"),
    (
        '<text x="20" y="{y}" font-size="9">Ab<tspan font-weight="bold"> bold</tspan> end</text>',
        "Ab bold end",
    ),
    ('<text x="20 30 40 50" y="{y}" font-size="9">WXYZ</text>', None),  # letters placed apart: not plain
    ('<text x="20" y="{y}" rotate="10" font-size="9">rotated</text>', "rotated"),
    ('<text x="10" y="{y}" font-size="10" dominant-baseline="central">Sprint 1</text>', "Sprint 1"),
]


def _svg() -> str:
    labels = "".join(markup.format(y=index * BAND + 20) for index, (markup, _) in enumerate(SVG_LABELS))
    height = BAND * len(SVG_LABELS)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="{height}" viewBox="0 0 400 {height}">'
        f"{labels}</svg>"
    )


@pytest.fixture
def letter_by_letter() -> Iterator[Callable[[], None]]:
    """A switch to WeasyPrint's own drawing of text nodes, put back after the test."""
    patched = dict(weasyprint.svg.TAGS), weasyprint.svg.text

    def switch() -> None:
        weasyprint.svg.TAGS["text"] = weasyprint.svg.TAGS["tspan"] = LETTER_BY_LETTER
        weasyprint.svg.text = LETTER_BY_LETTER

    yield switch
    weasyprint.svg.TAGS.update(patched[0])
    weasyprint.svg.text = patched[1]


def _pdf() -> bytes:
    document = f"<html><style>@page {{ margin: 0 }} body {{ margin: 0 }}</style><body>{_svg()}</body></html>"
    return bytes(weasyprint.HTML(string=document).write_pdf())


def _lines(pdf: bytes) -> list[str]:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()


def _ink_boxes(pdf: bytes, tmp_path: Path, name: str) -> list[tuple[int, int, int, int] | None]:
    """Each label's band's inked box (left, top, right, bottom) in pixels of a 96 dpi picture: one CSS
    pixel, so one unit of the SVG, a pixel."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "96", "-png", "-singlefile", str(path), str(tmp_path / name)], check=True
    )
    with Image.open(tmp_path / f"{name}.png") as picture:
        ink = ImageOps.invert(picture.convert("L"))
    boxes = []
    for index in range(len(SVG_LABELS)):
        box = ink.crop((0, index * BAND, 400, (index + 1) * BAND)).point(
            lambda value: 255 if value > 96 else 0
        )
        boxes.append(box.getbbox())
    return boxes


def test_weasyprint_70_draws_text_nodes_with_the_whole_string_drawer_once_installed() -> None:
    assert weasyprint.__version__.split(".")[0] == "70"  # the version pyproject.toml pins
    drawer = weasyprint.svg.TAGS["text"]
    assert drawer is not LETTER_BY_LETTER
    assert weasyprint.svg.TAGS["tspan"] is drawer and weasyprint.svg.text is drawer
    assert weasyprint_patches.install() is True  # again: nothing changes
    assert weasyprint.svg.TAGS["text"] is drawer and weasyprint.svg.text is drawer


@pytest.mark.parametrize(
    ("version", "supported"), [("70.0", True), ("70.2", True), ("69.1", False), ("71.0", False)]
)
def test_only_the_weasyprint_it_was_written_against_is_patched(version: str, supported: bool) -> None:
    package = SimpleNamespace(__version__=version)
    svg_package = SimpleNamespace(
        TAGS={"text": LETTER_BY_LETTER, "tspan": LETTER_BY_LETTER}, text=LETTER_BY_LETTER
    )
    assert weasyprint_patches.supported(package, svg_package) is supported


def test_a_table_whose_text_entry_is_not_weasyprints_function_is_left_alone() -> None:
    package = SimpleNamespace(__version__="70.0")
    moved = SimpleNamespace(TAGS={"text": print}, text=LETTER_BY_LETTER)
    assert weasyprint_patches.supported(package, moved) is False


@pytest.mark.parametrize(
    ("text", "attributes", "plain"),
    [
        ("Sprint 4", {"x": "10", "y": "20"}, True),
        ("Sprint 4", {"x": "10", "y": "20", "dx": "2", "dy": "-1", "text-anchor": "end"}, True),
        ("Sprint 4", {}, True),
        ("Sprint 4", {"x": "10 20", "y": "20"}, False),
        ("Sprint 4", {"x": "10", "y": "20,30"}, False),
        ("Sprint 4", {"x": "10", "dx": "1 2"}, False),
        ("Sprint 4", {"x": "10", "rotate": "5"}, False),
        ("Sprint 4", {"x": "10", "letter-spacing": "2"}, False),
        ("Sprint 4", {"x": "10", "textLength": "80"}, False),
        ("two\nlines", {"x": "10"}, False),
        ("", {"x": "10"}, False),
        (None, {"x": "10"}, False),
    ],
)
def test_a_plain_node_has_one_place_for_its_whole_text(
    text: str | None, attributes: dict[str, str], plain: bool
) -> None:
    node: Any = SimpleNamespace(text=text, attrib=attributes)
    assert weasyprint_patches.is_plain(node) is plain


def test_the_pdf_reads_the_same_text_as_weasyprints_own_drawing(
    letter_by_letter: Callable[[], None],
) -> None:
    whole = _lines(_pdf())
    letter_by_letter()
    letters = _lines(_pdf())
    expected = [text for _, text in SVG_LABELS if text is not None]
    assert [line for line in whole if "W" not in line or "Orion" in line] == expected
    assert [line for line in letters if "W" not in line or "Orion" in line] == expected


def test_each_label_is_inked_where_weasyprint_inks_it_within_a_pixel(
    letter_by_letter: Callable[[], None], tmp_path: Path
) -> None:
    whole = _ink_boxes(_pdf(), tmp_path, "whole")
    letter_by_letter()
    letters = _ink_boxes(_pdf(), tmp_path, "letters")
    for (markup, _), box, expected in zip(SVG_LABELS, whole, letters, strict=True):
        assert box is not None and expected is not None, markup
        left, top, right, bottom = box
        if "AVATAR" in markup or "Team" in markup:  # kerned pairs (AV, VA, TA, Te): shaped together, narrower
            assert right - left < expected[2] - expected[0], markup
            assert (top, bottom) == (expected[1], expected[3]), markup
            anchored = right if 'text-anchor="end"' in markup else left
            assert anchored == (expected[2] if 'text-anchor="end"' in markup else expected[0]), markup
        else:
            assert all(abs(a - b) <= 1 for a, b in zip(box, expected, strict=True)), (markup, box, expected)
    # worked out by hand: "AVATAR 150" ends on x = 200 (its last pixel column 199), "Sprint 4 · PI 26.4" is
    # centred on it; "Team Orion" starts at x + dx = 25 and "Sprint 1", centred on y = 8 * 30 + 20 = 260,
    # inks rows 255 to 264 (15 to 25 of its band)
    assert whole[1] is not None and whole[1][2] == 199
    assert whole[2] is not None and abs((whole[2][0] + whole[2][2]) / 2 - 200) <= 1
    assert whole[3] is not None and whole[3][0] == 25
    assert whole[8] is not None and (whole[8][1], whole[8][3]) == (15, 25)
