"""The PDF in parts, so a warm run lays out only what changed: the front, the trends, the body and the margins.

WeasyPrint's cost is layout and drawing per box (about a millisecond a table cell on this machine): a
10,000-issue train's print document took 10 CPU seconds and more, every run. Yet most of it is the same
from run to run: what changes is the trends (one more run, one more point), the minutes the figures are
as of and compared with, and the page margins ("Generated ... from Jira", "Page N of M"). So the print
document is cut at the split marks ``base.html`` writes (``<!-- syncreport:print-split -->``, before the
trends and before the program board, each of which starts a page anyway) and laid out as:

- the **content parts**, in page order: the front (the header and the summary), the trends, the body (the
  program board to the appendix), each a document of its own with the same stylesheet. A part starts
  where the one document started a new page, so the pages are the same pages. In print the summary does
  not say the run's minutes (page 1's top margin does), so two runs on the same Jira data have the same
  front: only the trends' page changes;
- the **margins**: a tiny document of empty pages, one per page of the parts, sized like them, that
  carries only the page-margin boxes of the report's ``@page`` rules (running header, "Figures as of ...",
  "Generated ...", "Page N of M"); the content parts are laid out with those boxes blank.

:func:`join` lays each margin page over its content page and chains the pages with their bookmarks (qpdf,
through pikepdf: no re-encoding of the content). Each part is kept in the run's store by its own document,
so a warm run where nothing changed in Jira lays out the trends and the margins only, and the PDF's text
is what laying the whole document out at once writes (tested).

A document that does not have the expected shape (an overridden ``base.html`` without a split mark or
the running header, margin pages that come out another size) is laid out whole, as before: :func:`split`
returns None and the caller does that. A part with nothing in it (no trends on a first run) is left out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

import pikepdf

SPLIT_MARK = "<!-- syncreport:print-split -->"
_PAGE_RULE = re.compile(r"@page[^{;]*\{(?:[^{}]|\{[^{}]*\})*\}")
_MARGIN_BOX = re.compile(r"@[a-z-]+\s*\{[^{}]*\}")
_RUNNING_HEADER = re.compile(r'<p class="[^"]*\brunning-header\b[^"]*">.*?</p>', re.S)
_MARGIN_BOXES = ("top-left", "top-center", "top-right", "bottom-left", "bottom-center", "bottom-right")
# The content parts keep their pages' size and margins and lose every margin box (the margins part has them).
_BLANK_MARGINS = "<style>{}</style>".format(
    " ".join(
        f"@page{selector} {{ {' '.join(f'@{box} {{ content: none !important; }}' for box in _MARGIN_BOXES)} }}"
        for selector in ("", " :first", " board", " board:first")
    )
)
LANDSCAPE_PAGE = "board"  # base.html's named landscape page (the program board)


@dataclass(frozen=True, slots=True)
class PrintParts:
    """The print document cut at its split marks, and what the margins part is made from."""

    contents: tuple[str, ...]  # the content parts in page order: the front (with the header) first
    page_rules: str  # the document's @page rules (sizes, margins, margin boxes)
    running_header: str  # the element whose text the running header shows (string-set)

    @property
    def front(self) -> str:
        return self.contents[0]

    @property
    def body(self) -> str:
        return self.contents[-1]

    def margins(self, landscape: Sequence[bool]) -> str:
        """The margins part: one empty page per content page (``landscape``: which are the board's)."""
        pages = "".join(
            f'<div style="{"break-before: page;" if n else ""}{f" page: {LANDSCAPE_PAGE};" if wide else ""}">'
            f"{self.running_header if n == 0 else ''}</div>"
            for n, wide in enumerate(landscape)
        )
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>'
            f"{self.page_rules}\n.running-header {{ string-set: header content(); visibility: hidden; }}"
            f"</style></head><body>{pages}</body></html>"
        )


def split(document: str) -> PrintParts | None:
    """The print document's parts, or None when it is not of the shape this module knows (lay it out whole)."""
    body_open = document.find("<body>")
    cuts = [m.start() for m in re.finditer(re.escape(SPLIT_MARK), document)]
    header = _RUNNING_HEADER.search(document)
    rules = _PAGE_RULE.findall(document[:body_open])
    if not cuts or body_open < 0 or cuts[0] < body_open or header is None or not rules:
        return None
    # The content parts keep the pages' sizes and margins, not what the margins say (the minute, the page
    # numbers): two runs a minute apart have the same content parts.
    head = _PAGE_RULE.sub(lambda rule: _MARGIN_BOX.sub("", rule.group(0)), document[:body_open])
    head = head.replace("</head>", _BLANK_MARGINS + "</head>", 1)
    starts = [body_open, *(cut + len(SPLIT_MARK) for cut in cuts)]
    chunks = [document[start:end] for start, end in zip(starts, [*cuts, len(document)], strict=True)]
    middle = [
        head + "<body><main>" + chunk + "</main></body></html>" for chunk in chunks[1:-1] if chunk.strip()
    ]
    return PrintParts(
        contents=(
            head + chunks[0] + "</main></body></html>",
            *middle,
            head + "<body><main>" + chunks[-1],
        ),
        page_rules="\n".join(rules),
        running_header=header.group(0),
    )


def page_shapes(pdf: bytes) -> list[bool]:
    """For each page of ``pdf``: is it landscape (wider than tall)?"""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [_is_landscape(page) for page in document.pages]


def _is_landscape(page: pikepdf.Page) -> bool:
    box = [float(v) for v in page.mediabox]
    return box[2] - box[0] > box[3] - box[1]


def join(contents: Sequence[bytes], margins: bytes) -> bytes | None:
    """The PDF: the content parts' pages in order, each under its margins page, with every part's bookmarks
    and the first part's document information. None when the margins do not fit the pages (count or size)."""
    with ExitStack() as stack:
        parts = [stack.enter_context(pikepdf.open(io.BytesIO(part))) for part in contents]
        edges = stack.enter_context(pikepdf.open(io.BytesIO(margins)))
        content = [page for part in parts for page in part.pages]
        if len(content) != len(edges.pages) or any(
            [float(v) for v in page.mediabox] != [float(v) for v in edge.mediabox]
            for page, edge in zip(content, edges.pages, strict=True)
        ):
            return None
        out = pikepdf.new()
        for part in parts:
            out.pages.extend(part.pages)
        for page, edge in zip(out.pages, edges.pages, strict=True):
            page.add_overlay(edge, None)
        first = parts[0]
        info = out.copy_foreign(first.docinfo)  # title, subject, creator, producer
        if isinstance(info, pikepdf.Dictionary):
            out.docinfo = info
        if "/Lang" in first.Root:
            out.Root.Lang = first.Root.Lang
        with out.open_outline() as outline:
            offset = 0
            for part in parts:
                outline.root.extend(_bookmarks(part, out, offset))
                offset += len(part.pages)
        buffer = io.BytesIO()
        # object streams: the 10k train's PDF is 0.56 MB instead of 0.94, and written a quarter faster
        out.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return buffer.getvalue()


def _bookmarks(source: pikepdf.Pdf, out: pikepdf.Pdf, offset: int) -> list[pikepdf.OutlineItem]:
    """``source``'s bookmarks, pointing at the same spots of its pages in ``out`` (from page ``offset``)."""
    index = {page.obj.objgen: n for n, page in enumerate(source.pages)}

    def copy(items: Sequence[pikepdf.OutlineItem]) -> list[pikepdf.OutlineItem]:
        copied = []
        for item in items:
            where = item.destination
            target = None
            if isinstance(where, pikepdf.Array) and len(where) and where[0].objgen in index:
                # [page, /XYZ, left, top, zoom]: the same spot on the page's copy in ``out``
                target = pikepdf.Array([out.pages[offset + index[where[0].objgen]].obj, *list(where)[1:]])
            made = pikepdf.OutlineItem(item.title, target)
            made.children.extend(copy(item.children))
            copied.append(made)
        return copied

    with source.open_outline() as outline:
        return copy(outline.root)
