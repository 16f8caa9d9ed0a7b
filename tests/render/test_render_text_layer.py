"""The print copies' text layer (svg.PrintSketch.layered): labels as lines of HTML text over the drawing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from syncreport.render.pdf import lay_out
from syncreport.render.svg import CSS_PX_MM, PrintSketch

PX = CSS_PX_MM  # a drawing that fits its box is drawn at its own size: a unit is a CSS pixel


def _lines(markup: str) -> list[tuple[float, float, str]]:
    return [
        (float(left), float(top), words)
        for left, top, words in re.findall(
            r'<div style="left:([\d.]+)mm;top:([\d.]+)mm">([^<]*)</div>', markup
        )
    ]


def test_labels_on_one_baseline_share_a_line_spaced_to_their_columns() -> None:
    sketch = PrintSketch(text_layer=True)
    pitch = 0.602 * 10  # DejaVu Sans Mono's advance at size 10
    sketch.label("A-1", 10.0, 20.0, 10.0)
    sketch.label("B-22", 10.0 + 5 * pitch, 20.0, 10.0)  # column 5: two spaces after "A-1"
    sketch.label("C-3", 12.0, 40.0, 10.0, bold=True)
    markup = str(
        sketch.layered([], width=100.0, height=50.0, fit=(500.0, 500.0), title="t", description="d", css="c")
    )
    # worked out by hand: left 10 units = 2.65 mm; the line's top 8.46 units (0.846 of the size) above the
    # baseline: (20 - 8.46) * 0.2646 = 3.05 mm, (40 - 8.46) * 0.2646 = 8.34 mm; the box 26.46 x 13.23 mm
    assert _lines(markup) == [(2.65, 3.05, "A-1  B-22"), (3.17, 8.34, "C-3")]
    assert 'style="width:26.46mm;height:13.23mm"' in markup
    assert '<div class="sketch-text bold" style="font-size:2.646mm">' in markup
    assert "<text" not in markup  # every label was plain ASCII: none left as SVG letters


def test_a_label_that_would_touch_the_last_starts_a_line_of_its_own() -> None:
    sketch = PrintSketch(text_layer=True)
    sketch.label("ABCDEF", 0.0, 10.0, 10.0)
    sketch.label("XY", 3 * 0.602 * 10, 10.0, 10.0)  # column 3, inside "ABCDEF"
    markup = str(
        sketch.layered([], width=100.0, height=50.0, fit=(500.0, 500.0), title="t", description="d", css="c")
    )
    assert [words for _, _, words in _lines(markup)] == ["ABCDEF", "XY"]


def test_labels_that_are_not_plain_ascii_stay_svg_text_and_markup_is_escaped() -> None:
    sketch = PrintSketch(text_layer=True)
    sketch.label("Team ✓", 0.0, 10.0, 10.0)  # a symbol: its advance may not be the monospaced one
    sketch.label("Орион", 0.0, 30.0, 10.0)  # shaped as one run
    sketch.label("<b>&", 0.0, 45.0, 10.0)
    markup = str(
        sketch.layered([], width=100.0, height=50.0, fit=(500.0, 500.0), title="t", description="d", css="c")
    )
    assert "Team ✓" not in markup and ">Team✓</text>" in markup  # the letters of the SVG's text
    assert ">Орион</text>" in markup
    assert "&lt;b&gt;&amp;" in markup and "<b>" not in markup


def _ink_box(pdf: bytes, tmp_path: Path, name: str) -> tuple[int, int, int, int] | None:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", str(path), str(tmp_path / name)], check=True
    )
    image = Image.open(tmp_path / f"{name}.png").convert("L")
    return ImageOps.invert(image).point(lambda v: 255 if v > 128 else 0).getbbox()


@pytest.mark.parametrize("bold", [False, True])
def test_the_text_layer_puts_the_letters_where_the_drawing_would(tmp_path: Path, bold: bool) -> None:
    sketch = PrintSketch()
    layered = PrintSketch(text_layer=True)
    for one in (sketch, layered):
        one.label("ATL-123 gjq", 20.0, 30.0, 16.0, bold=bold)
        one.label("NOVA-7", 150.0, 30.0, 16.0, bold=bold, middle=True)
    css = (Path(__file__).parents[2] / "src/syncreport/templates/assets/pictures.css").read_text()
    page = '<!DOCTYPE html><html><head><meta charset="utf-8"><style>@page {{ size: 90mm 30mm; margin: 5mm }} {}</style></head><body>{}</body></html>'
    drawn = sketch.parts()
    assert drawn and all(part.startswith("<text") for part in drawn)
    svg_only = page.format(css, f'<svg width="200" height="60" viewBox="0 0 200 60">{"".join(drawn)}</svg>')
    text_only = page.format(
        css,
        str(
            layered.layered(
                [], width=200.0, height=60.0, fit=(80.0, 20.0), title="t", description="d", css="c"
            )
        ),
    )
    assert "<text" not in text_only
    svg_box = _ink_box(lay_out(svg_only), tmp_path, "svg")
    text_box = _ink_box(lay_out(text_only), tmp_path, "text")
    assert svg_box is not None and text_box is not None
    # the same ink, within a pixel at 300 dpi (0.085 mm)
    assert all(abs(a - b) <= 1 for a, b in zip(svg_box, text_box, strict=True)), (svg_box, text_box)
