"""The PDF in parts, so a warm run lays out only what changed: the front, the trends, the body and the margins.

WeasyPrint's cost is layout and drawing per box (about a millisecond a table cell on this machine): a
10,000-issue train's print document took 10 CPU seconds and more, every run. Yet most of it is the same
from run to run: what changes is the trends (one more run, one more point), the minutes the figures are
as of and compared with, and the page margins ("Generated ... from Jira", "Page N of M"). So the print
document is cut at the split marks ``base.html`` writes (``<!-- syncreport:print-split -->``, before the
trends, before the program board and after it, before the risks and before the cadence, each of which
starts a page anyway: the board's pages are landscape, the others break before them in report.css) and
laid out as:

- the **content parts**, in page order: the front (the header and the summary), the trends, the board,
  the features to the dependencies, the risks to the slips, the cadence to the appendix (the body), each
  a document of its own with the same stylesheet. A part starts where the one document started a new
  page, so the pages are the same pages. In print the summary does not say the run's minutes (page 1's
  top margin does), so two runs on the same Jira data have the same front: only the trends' page changes.
  The day is in the document's title, which only the front keeps (the joined PDF's title is the front's):
  the next day, the issues' ages have moved in the risks and the slips (their part is laid out again),
  while the board, the features to the dependencies and the cadence to the end, if their Jira data did
  not change, are the parts kept yesterday (two thirds of the body's layout at 1k, half at 10k);
- the **margins**, in two layers of empty pages sized like the content's, carrying only the page-margin
  boxes of the report's ``@page`` rules (the content parts are laid out with those boxes blank): the
  boxes whose text differs page by page ("Page N of M", the running header: a counter or a running
  string), one page per content page, the same from run to run; and the boxes whose text is the same on
  every page of a kind ("Generated ... HH:MM from Jira", page 1's "Figures as of ..."), one page per kind
  (page 1, a portrait page, a landscape page) laid over every page of that kind: the minute costs the
  layout of three pages, not twenty.

:func:`join` lays the margin pages over their content pages and chains the pages with their bookmarks (qpdf,
through pikepdf: no re-encoding of the content). Each part is kept in the run's store by its own document,
so a warm run where nothing changed in Jira lays out the trends and the dated margins only, and the PDF's text
is what laying the whole document out at once writes (tested).

A document that does not have the expected shape (an overridden ``base.html`` without a split mark or
the running header, margin pages that come out another size) is laid out whole, as before: :func:`split`
returns None and the caller does that. A part with nothing in it (no trends on a first run) is left out.
"""

from __future__ import annotations

import functools
import html
import io
import re
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pikepdf

SPLIT_MARK = "<!-- syncreport:print-split -->"
_PAGE_RULE = re.compile(r"@page[^{;]*\{(?:[^{}]|\{[^{}]*\})*\}")
_MARGIN_BOX = re.compile(r"@[a-z-]+\s*\{[^{}]*\}")
_TITLE = re.compile(r"<title>.*?</title>", re.S)
_RUNNING_HEADER = re.compile(r'<p class="[^"]*\brunning-header\b[^"]*">.*?</p>', re.S)
_CONTENT = re.compile(r"""\bcontent\s*:(?:"[^"]*"|'[^']*'|[^;}"'])*""")
_PER_PAGE = re.compile(r"\b(?:counters?|string|element)\(")
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
        """The margin boxes whose text differs page by page (a page counter, the running header): one empty
        page per content page (``landscape``: which are the board's). Nothing dated: kept from run to run."""
        return _margins_document(_layer(self.page_rules, per_page=True), self.running_header, landscape)

    def constant_margins(self, landscape: Sequence[bool]) -> tuple[str, list[int]]:
        """The margin boxes whose text is the same on every page of a kind ("Generated ... from Jira", page
        1's "Figures as of ..."): one page per kind of page (the first, a portrait one, a landscape one),
        and for each content page the page of this document that goes over it. Laid out every minute: a
        few pages, not one per page of the report."""
        kinds = [(n == 0, wide) for n, wide in enumerate(landscape)]
        distinct = list(dict.fromkeys(kinds))
        document = _margins_document(
            _layer(self.page_rules, per_page=False), "", [wide for _, wide in distinct]
        )
        return document, [distinct.index(kind) for kind in kinds]


def _margins_document(page_rules: str, running_header: str, landscape: Sequence[bool]) -> str:
    pages = "".join(
        f'<div style="{"break-before: page;" if n else ""}{f" page: {LANDSCAPE_PAGE};" if wide else ""}">'
        f"{running_header if n == 0 else ''}</div>"
        for n, wide in enumerate(landscape)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>'
        f"{page_rules}\n.running-header {{ string-set: header content(); visibility: hidden; }}"
        f"</style></head><body>{pages}</body></html>"
    )


def _layer(page_rules: str, *, per_page: bool) -> str:
    """``page_rules`` with the margin boxes of the other layer emptied in place (their ``content`` made
    ``none`` in the same rule, their other declarations kept: which rule wins for a page and a box, and the
    font a later rule's box inherits, are what they were; only the text is left to the other layer). A box is per page when its content names a counter, a running string or a running element."""

    def box(match: re.Match[str]) -> str:
        text = match.group(0)
        if (_PER_PAGE.search(text) is not None) == per_page:
            return text
        return _CONTENT.sub("content: none", text)  # its font and colour stay: a rule below may inherit them

    return _PAGE_RULE.sub(lambda rule: _MARGIN_BOX.sub(box, rule.group(0)), page_rules)


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
    # The joined PDF's title is the front's (Joiner.join); the other parts' title (the day in it) is left
    # out, so a part whose pages did not change is kept the next day too (the board's, a day later).
    undated = _TITLE.sub("<title></title>", head, count=1)
    middle = [
        undated + "<body><main>" + chunk + "</main></body></html>" for chunk in chunks[1:-1] if chunk.strip()
    ]
    return PrintParts(
        contents=(
            head + chunks[0] + "</main></body></html>",
            *middle,
            undated + "<body><main>" + chunks[-1],
        ),
        page_rules="\n".join(rules),
        running_header=header.group(0),
    )


_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.S | re.I)
_NAMES = re.compile(r"""\b(?:class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)


def pruned(document: str) -> str:
    """A content part with the stylesheets of its head cut to the rules that can match in it: a rule whose
    every selector names a class or an id that no element of the part has is left out (it styles nothing
    there). WeasyPrint parses a part's whole stylesheet (report.css and pictures.css, 17 KB) and matches
    every rule for each element; the trends' part has the classes of a sixth of it. Rules are kept when in
    doubt (a class inside ``:not()`` or ``:is()``, an attribute selector): only classes and ids every
    element the selector matches must carry count, compared without case. At-rules other than ``@media``
    and ``@supports`` (``@page``, ``@font-face``) are kept whole. The body, with its SVGs' own styles, is
    not touched."""
    body_at = document.find("<body")
    if body_at < 0:
        return document
    names = frozenset(
        name
        for match in _NAMES.finditer(document)
        for value in match.groups()
        if value
        for name in html.unescape(value).lower().split()
    )
    head = _STYLE.sub(
        lambda style: style.group(1) + _pruned_style(style.group(2), names) + style.group(3),
        document[:body_at],
    )
    return head + document[body_at:]


_Indexed = tuple["_Rule", ...]
_Rule = tuple[tuple[frozenset[str], ...] | None, str, "_Indexed | None"]


def _pruned_style(css: str, names: frozenset[str]) -> str:
    return _kept(_indexed_rules(css), names)


def _kept(rules: _Indexed, names: frozenset[str]) -> str:
    kept = []
    for needs, text, inner in rules:
        if inner is not None:  # @media, @supports: their rules that can match, if any
            block = _kept(inner, names)
            if block:
                kept.append(f"{text}{{{block}}}")
        elif needs is None or any(need <= names for need in needs):
            kept.append(text)
    return "\n".join(kept)


@functools.lru_cache(maxsize=8)
def _indexed_rules(css: str) -> _Indexed:
    """``css``'s rules in order, each with the names each of its selectors needs (None: kept whatever the
    part holds), a conditional group with its own rules. Parsed once a process for the parts of one head
    (the same in every part)."""
    import tinycss2  # WeasyPrint's own CSS parser

    return _index(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def _index(rules: list[Any]) -> _Indexed:
    import tinycss2

    indexed: list[_Rule] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            indexed.append((_needs(rule.prelude), rule.serialize(), None))
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
            inner = _index(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))
            indexed.append((None, f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}", inner))
        elif rule.type not in ("whitespace", "comment"):
            indexed.append((None, rule.serialize(), None))
    return tuple(indexed)


def _needs(prelude: list[Any]) -> tuple[frozenset[str], ...]:
    """For each selector of a rule's selector list: the classes and ids an element it matches, or one of
    that element's ancestors or siblings, must have (outside functional pseudo-classes and brackets)."""
    selectors: list[frozenset[str]] = []
    names: set[str] = set()
    after_dot = False
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append(frozenset(names))
            names = set()
        elif (after_dot and token.type == "ident") or token.type == "hash":
            names.add(token.value.lower())
        after_dot = token.type == "literal" and token.value == "."
    selectors.append(frozenset(names))
    return tuple(selectors)


def page_shapes(pdf: bytes) -> list[bool]:
    """For each page of ``pdf``: is it landscape (wider than tall)?"""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [_is_landscape(page) for page in document.pages]


def _box(page: pikepdf.Page) -> list[float]:
    return [float(v) for v in page.mediabox]


def _is_landscape(page: pikepdf.Page) -> bool:
    box = [float(v) for v in page.mediabox]
    return box[2] - box[0] > box[3] - box[1]


class Joiner:
    """The content parts, opened once (a context manager): their pages' shapes (:attr:`shapes`, what the
    margins are made for), then :meth:`join` with the margins."""

    def __init__(self, contents: Sequence[bytes]) -> None:
        self._stack = ExitStack()
        self._parts = [self._stack.enter_context(pikepdf.open(io.BytesIO(part))) for part in contents]
        self.shapes = [_is_landscape(page) for part in self._parts for page in part.pages]

    def __enter__(self) -> Joiner:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def join(self, margins: bytes, constant: bytes | None = None, kinds: Sequence[int] = ()) -> bytes | None:
        """See :func:`join`."""
        with ExitStack() as stack:
            parts = self._parts
            edges = stack.enter_context(pikepdf.open(io.BytesIO(margins)))
            same = stack.enter_context(pikepdf.open(io.BytesIO(constant))) if constant is not None else None
            content = [page for part in parts for page in part.pages]
            layers = [list(edges.pages)]
            if same is not None:
                if len(kinds) != len(content) or any(not 0 <= kind < len(same.pages) for kind in kinds):
                    return None
                layers.append([same.pages[kind] for kind in kinds])
            if any(
                len(layer) != len(content)
                or any(_box(page) != _box(edge) for page, edge in zip(content, layer, strict=True))
                for layer in layers
            ):
                return None
            out = pikepdf.new()
            for part in parts:
                out.pages.extend(part.pages)
            forms = [_forms(out, edges)]
            if same is not None:
                kind_forms = _forms(out, same)  # one form per kind of page, shared by its pages
                forms.append([kind_forms[kind] for kind in kinds])
            for n, page in enumerate(out.pages):
                _overlay(page, [layer[n] for layer in forms])
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


def _forms(out: pikepdf.Pdf, source: pikepdf.Pdf) -> list[pikepdf.Object]:
    """Each page of ``source`` as a form XObject of ``out``."""
    return [out.copy_foreign(page.as_form_xobject()) for page in source.pages]


def _overlay(page: pikepdf.Page, forms: Sequence[pikepdf.Object]) -> None:
    """``forms`` drawn over ``page``, in order, as :meth:`pikepdf.Page.add_overlay` draws one (the page's
    own content in ``q``/``Q``, then each form placed on its trim box), without joining the page's content
    streams into one: ``add_overlay`` does (``contents_coalesce``), which makes qpdf decompress every page's
    content and compress it again when the PDF is saved (0.08 CPU s of a 10k report's join). The page's
    content is a list of streams instead, as PDF allows (ISO 32000-1, 7.7.3.3)."""
    rect = pikepdf.Rectangle(page.trimbox)
    placed = b"".join(
        page.calc_form_xobject_placement(
            form, page.add_resource(form, pikepdf.Name.XObject), rect, allow_shrink=True, allow_expand=True
        )
        for form in forms
    )
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n" + placed, prepend=False)


def join(
    contents: Sequence[bytes],
    margins: bytes,
    constant: bytes | None = None,
    kinds: Sequence[int] = (),
) -> bytes | None:
    """The PDF: the content parts' pages in order, each under its margins page (and its kind's page of
    ``constant``, the margins that are the same on every page of a kind: ``kinds[n]`` for page ``n``), with
    every part's bookmarks and the first part's document information. None when the margins do not fit the
    pages (count or size)."""
    with Joiner(contents) as joiner:
        return joiner.join(margins, constant, kinds)


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
