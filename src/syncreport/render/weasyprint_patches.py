"""The charts' labels drawn by WeasyPrint 70 as whole strings: paid once per label, not once per letter.

WeasyPrint draws an SVG ``<text>`` node letter by letter: it lays out the whole string with Pango, then
every letter again on its own, and draws each letter as a text run of its own, so that each can take its
own position from ``x``/``y``/``dx``/``dy``/``rotate`` lists, ``letter-spacing`` or ``textLength``. The
report's charts never use those: every label has one ``x`` and one ``y``. A *plain* text node (at most one
value in each of ``x``, ``y``, ``dx``, ``dy``, no ``rotate``, ``letter-spacing`` or ``textLength``, one
line; :func:`is_plain`) is drawn from the one layout WeasyPrint already makes (:func:`_whole_text`): the
same place, the same advance of the text cursor, the same bounding box for ``text-anchor``, one text run.
Its letters are then shaped together, as a browser shapes them (kerning, joined Arabic script), rather
than one by one. Any other node is drawn by WeasyPrint's own function.

Installed (:func:`install`) only over the WeasyPrint version it was written against (70: the function's
module and name, the ``TAGS`` table); on any other version WeasyPrint is left as it is, and draws as it
always did. The PDF's text is the same with and without it (tests/render/test_weasyprint_patches.py).
"""

from __future__ import annotations

import sys
from math import inf
from typing import Any

_SUPPORTED_MAJORS = (70,)  # read against 70.0; 68 and older draw text with other calls (set_graphical_state)
_PER_LETTER_ATTRIBUTES = ("rotate", "letter-spacing", "textLength")
_INSTALLED = "_syncreport_patched"


def install() -> bool:
    """Install the whole-string labels in this process's WeasyPrint (idempotent). False when WeasyPrint is
    not imported or is not the version they were written against (it is then left as it is)."""
    weasyprint = sys.modules.get("weasyprint")
    svg_package = sys.modules.get("weasyprint.svg")
    if weasyprint is None or svg_package is None:
        return False
    if getattr(weasyprint, _INSTALLED, False):
        return True
    if not supported(weasyprint, svg_package):
        return False
    _install_whole_text(svg_package)
    setattr(weasyprint, _INSTALLED, True)
    return True


def supported(weasyprint: Any, svg_package: Any) -> bool:
    """Whether ``weasyprint`` (the package) and ``svg_package`` (its ``weasyprint.svg``) are the version the
    whole-string drawing was written against, with WeasyPrint's own text function still in ``TAGS``."""
    try:
        major = int(str(weasyprint.__version__).split(".")[0])
    except ValueError:
        return False
    tags = getattr(svg_package, "TAGS", None)
    drawer = getattr(svg_package, "text", None)
    return (
        major in _SUPPORTED_MAJORS
        and isinstance(tags, dict)
        and callable(drawer)
        and tags.get("text") is drawer
        and getattr(drawer, "__module__", "") == "weasyprint.svg.text"
    )


def _install_whole_text(svg_package: Any) -> None:
    per_letter = svg_package.text

    def text(svg: Any, node: Any, font_size: float) -> None:
        if is_plain(node):
            _whole_text(svg, node, font_size)
        else:
            per_letter(svg, node, font_size)

    for tag, drawer in list(svg_package.TAGS.items()):
        if drawer is per_letter:  # "text" and "tspan"
            svg_package.TAGS[tag] = text
    svg_package.text = text  # draw_node compares TAGS' entry with this name to find text nodes


def is_plain(node: Any) -> bool:
    """Whether ``node`` (a WeasyPrint SVG node) places its text as one run: at most one value in each of
    ``x``, ``y``, ``dx`` and ``dy``, none of the attributes that place letters apart, one line of text."""
    from weasyprint.svg.utils import normalize

    text = node.text
    if not text or "\n" in text or "\r" in text:
        return False  # nothing to draw (WeasyPrint's own function moves the cursor) or not one line
    attributes = node.attrib
    if any(name in attributes for name in _PER_LETTER_ATTRIBUTES):
        return False
    return all(
        len(normalize(attributes[name]).split()) <= 1 for name in ("x", "y", "dx", "dy") if name in attributes
    )


def _whole_text(svg: Any, node: Any, font_size: float) -> None:
    """WeasyPrint's ``weasyprint.svg.text.text`` for a plain node, with its letter loop done once for the
    whole string (the style, the vertical alignment, the cursor and the bounding box as it computes them)."""
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import TextBox
    from weasyprint.svg.utils import normalize, size
    from weasyprint.text.line_break import split_first_line

    style = _style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

    def first(name: str, extent: float) -> float | None:
        if name not in node.attrib:
            return None
        values = normalize(node.attrib[name]).strip().split(" ")
        return size(values[0], font_size, extent) if values and values[0] else None

    x, y = first("x", svg.inner_width), first("y", svg.inner_height)
    dx, dy = first("dx", svg.inner_width), first("dy", svg.inner_height)
    if x:  # WeasyPrint's test: a given x of 0 keeps the cursor's offset, as it does
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    svg.cursor_d_position[0] += dx or 0
    svg.cursor_d_position[1] += dy or 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _y_align(node, font_size, height)
    points = ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height))
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, points)

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(
        svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position)
    )
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


def _style(svg: Any, node: Any, font_size: float) -> Any:
    """The style WeasyPrint's SVG text function builds for ``node`` (its initial values and the node's font)."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.svg.text import Style

    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    weight = node.get("font-weight", 400)
    if weight == "normal":
        weight = 400
    elif weight == "bold":
        weight = 700
    else:
        try:
            weight = int(weight)
        except ValueError:
            weight = 400
    style["font_weight"] = weight
    return style


def _y_align(node: Any, font_size: float, height: float) -> float:
    """WeasyPrint's vertical alignment of a text node (its own approximations of ascent and descent)."""
    ascent, descent = font_size * 0.8, font_size * 0.2
    display_anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        return float(-height / 2)
    if display_anchor == "top":
        return 0.0
    if display_anchor == "bottom":
        return float(-height)
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0.0
