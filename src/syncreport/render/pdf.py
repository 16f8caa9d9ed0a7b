"""The print-ready PDF: the report's HTML in print mode, laid out by WeasyPrint in parts.

WeasyPrint loads nothing from outside the package (:mod:`syncreport.render.fetcher`), and is imported only
when a part must be laid out: a run whose parts are all kept joins them with pikepdf alone. A CLI run lays
its parts out in a worker process started with the run (:mod:`syncreport.render.layout`), which has
imported WeasyPrint by the time the run gets here and lays out while the run renders its other formats.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.errors import SyncreportError
from syncreport.indicators.results import IndicatorResults
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
    """:func:`render_pdf` in two steps: the print document is made now, and sent to ``worker``, which
    makes the PDF from it (:func:`~syncreport.render.assemble.assemble`) while the run renders its other
    formats; the function returned waits for it. Without a worker, or when the worker could not, the PDF
    is made in this process when the function is called."""
    document = merge_markers(render_document(results, snapshot, settings, for_print=True))
    store = artifacts.current()
    pending = worker.submit(document, store) if worker is not None else None

    def made() -> bytes:
        pdf = pending() if pending is not None else None
        if pdf is not None:
            return pdf
        # imported here: pikepdf (30 ms and more) is the worker's, not the run's, when the worker makes the PDF
        from syncreport.render.assemble import assemble

        return assemble(document, _lay_out_here)

    return made


def _lay_out_here(document: str) -> bytes:
    return lay_out(document)  # looked up when called: tests replace it


def lay_out(document: str) -> bytes:
    """``document`` laid out in this process (:func:`syncreport.render.layout.lay_out_here`)."""
    try:
        return lay_out_here(document)
    except OSError as exc:  # fonts or Pango missing: say how to fix it
        raise SyncreportError(
            f"could not write the PDF ({exc}); install Pango and fonts (./dev.sh does) or drop 'pdf' "
            "from report.formats"
        ) from None
