"""The print-ready PDF: the report's HTML in print mode, laid out by WeasyPrint in parts.

WeasyPrint loads nothing from outside the package (:mod:`syncreport.render.fetcher`), and is imported only
when a part must be laid out: a run whose parts are all kept joins them with pikepdf alone. A CLI run lays
its parts out in a worker process started with the run (:mod:`syncreport.render.layout`), which has
imported WeasyPrint by the time the run gets here and lays out while the run renders its other formats.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
from collections.abc import Callable
from pathlib import Path

from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.errors import SyncreportError
from syncreport.indicators.results import IndicatorResults
from syncreport.render import lean_print, print_parts
from syncreport.render.html import render_document
from syncreport.render.layout import LayoutWorker, lay_out_here
from syncreport.render.lean_print import merge_markers
from syncreport.snapshot import Snapshot

log = logging.getLogger(__name__)


def render_pdf(
    results: IndicatorResults,
    snapshot: Snapshot,
    settings: ReportSettings,
    *,
    worker: LayoutWorker | None = None,
) -> bytes:
    """The PDF report (paper size from ``settings.paper``; long lists capped at ``settings.pdf_list_limit``).

    The print document is laid out in parts (:mod:`syncreport.render.print_parts`): the front (header,
    summary), the trends, the body (the board to the appendix) and the page margins. With a run's store
    (:mod:`syncreport.artifacts`), a part laid out before (same document, same WeasyPrint, same code) is the
    PDF made then instead of a second layout: a warm run lays out only the parts that changed.
    """
    return start_pdf(results, snapshot, settings, worker=worker)()


def start_pdf(
    results: IndicatorResults,
    snapshot: Snapshot,
    settings: ReportSettings,
    *,
    worker: LayoutWorker | None = None,
) -> Callable[[], bytes]:
    """:func:`render_pdf` in two steps: the print document is made and its parts not kept are sent to
    ``worker`` now; the function returned waits for them and joins the PDF (the run renders its other
    formats meanwhile). Without a worker, the parts are laid out in this process when it is called."""
    document = merge_markers(render_document(results, snapshot, settings, for_print=True))
    parts = print_parts.split(document)
    if parts is None:
        return _laid_out("pdf", document, worker)
    contents = [_laid_out("pdf-part", part, worker) for part in parts.contents]

    def joined() -> bytes:
        laid = [content() for content in contents]
        shapes = [wide for part in laid for wide in print_parts.page_shapes(part)]
        constant, kinds = parts.constant_margins(shapes)
        numbered = _laid_out("pdf-margins", parts.margins(shapes), worker)  # page numbers, header: kept
        dated = _laid_out("pdf-margins", constant, worker)  # "Generated ... HH:MM": a page per kind of page
        whole = print_parts.join(laid, numbered(), dated(), kinds)
        if whole is not None:
            return whole
        log.warning("the PDF's page margins did not fit its pages; laying the document out whole")
        return _laid_out("pdf", document, worker)()

    return joined


def _laid_out(kind: str, document: str, worker: LayoutWorker | None) -> Callable[[], bytes]:
    """``document`` laid out (by ``worker`` when given), or the PDF laid out from it before (kept in the
    run's store, if any); the function returned waits for it."""
    store = artifacts.current()
    name = artifacts.digest(kind, document, _weasyprint_version(), _pdf_code()) if store else ""
    kept = store.get(name) if store is not None else None
    if kept is not None:
        return lambda: kept
    pending = worker.submit(document) if worker is not None else None

    def made() -> bytes:
        value = pending() if pending is not None else None
        if value is None:  # no worker, or it could not: laid out here
            value = lay_out(document)
        if store is not None:
            store.put(name, value)
        return value

    return made


@functools.cache
def _pdf_code() -> str:
    here = Path(__file__)
    sources = (
        here,
        here.with_name("fetcher.py"),
        here.with_name("layout.py"),
        Path(lean_print.__file__),
        Path(print_parts.__file__),
    )
    return artifacts.digest(*(source.read_bytes() for source in sources))


@functools.cache
def _weasyprint_version() -> str:
    """WeasyPrint's version, from its metadata: naming a kept part does not import it."""
    return importlib.metadata.version("weasyprint")


def lay_out(document: str) -> bytes:
    """``document`` laid out in this process (:func:`syncreport.render.layout.lay_out_here`)."""
    try:
        return lay_out_here(document)
    except OSError as exc:  # fonts or Pango missing: say how to fix it
        raise SyncreportError(
            f"could not write the PDF ({exc}); install Pango and fonts (./dev.sh does) or drop 'pdf' "
            "from report.formats"
        ) from None
