"""What the print document can drop before WeasyPrint lays it out: work that costs and does not show.

matplotlib draws every marker of a scatter (and every axis tick) as its own ``<use>`` of one shape, with
its own copy of the style. WeasyPrint then draws each as a separate graphic, with a separate transparency
state in the PDF: the PI-slip timeline of a big train alone is hundreds of them, and drawing them was a
good part of the PDF's cost. :func:`merge_markers` turns each run of ``<use>`` elements of one shape and
one style into one ``<path>`` holding every copy, moved to its place: the same picture in one graphic.
Copies at the same spot (a team that slipped several issues on one day) stay stacked, one path per layer,
so a semi-transparent marker still reads darker where it repeats.

The HTML keeps matplotlib's markup as it is; only the PDF's copy of the document goes through here.
"""

from __future__ import annotations

import re
from collections import Counter

_SHAPE = re.compile(r'<path id="([^"]+)" d="([^"]*)"(?: style="([^"]*)")?\s*/>')
_USE = re.compile(r'<use xlink:href="#([^"]+)" x="([-\d.e+]+)" y="([-\d.e+]+)"(?: style="([^"]*)")?\s*/>')
_RUN = re.compile(r"<use [^>]*/>(?:\s*<use [^>]*/>)*")
_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _moved(d: str, dx: float, dy: float) -> str:
    """The path data ``d`` (matplotlib writes absolute commands: M, L, Q, C, z) moved by (dx, dy)."""
    out: list[str] = []
    x_next = True
    for token in _TOKEN.findall(d):
        if token.isalpha():
            out.append(token)
            x_next = True
            continue
        value = float(token) + (dx if x_next else dy)
        out.append(f"{value:.6g}")
        x_next = not x_next
    return " ".join(out)


def merge_markers(document: str) -> str:
    """The document with each run of same-shape, same-style ``<use>`` elements drawn as one path per layer."""
    shapes = {m.group(1): (m.group(2), m.group(3) or "") for m in _SHAPE.finditer(document)}
    if not shapes:
        return document

    def merge(run: re.Match[str]) -> str:
        uses = list(_USE.finditer(run.group(0)))
        if (
            len(uses) < 2
            or len(uses) != run.group(0).count("<use ")
            or any(u.group(1) not in shapes for u in uses)
        ):
            return run.group(0)  # not the shape of markup we know: leave it as matplotlib wrote it
        groups: dict[tuple[str, str], list[list[str]]] = {}  # (shape, style) -> layers of moved copies
        depth: Counter[tuple[str, str, str, str]] = Counter()  # copies already placed at a spot
        for use in uses:
            href, x, y, style = use.group(1), use.group(2), use.group(3), use.group(4) or ""
            layers = groups.setdefault((href, style), [])
            at = depth[href, style, x, y]
            depth[href, style, x, y] += 1
            if at == len(layers):
                layers.append([])
            layers[at].append(_moved(shapes[href][0], float(x), float(y)))
        paths: list[str] = []
        for (href, style), layers in groups.items():
            own = shapes[href][1]
            merged_style = "; ".join(part for part in (style, own) if part)  # the shape's own style wins
            paths.extend(f'<path d="{" ".join(copies)}" style="{merged_style}"/>' for copies in layers)
        return "\n".join(paths)

    return _RUN.sub(merge, document)
