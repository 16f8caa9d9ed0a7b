"""The print-ready PDF: the report's HTML in print mode, laid out by WeasyPrint in parts.

WeasyPrint loads nothing from outside the package (:mod:`syncreport.render.fetcher`), and is imported only
when a part must be laid out: a run whose parts are all kept joins them with pikepdf alone.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
from pathlib import Path

from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.errors import SyncreportError
from syncreport.indicators.results import IndicatorResults
from syncreport.render import lean_print, print_parts
from syncreport.render.html import render_document
from syncreport.render.lean_print import merge_markers
from syncreport.snapshot import Snapshot

log = logging.getLogger(__name__)


def render_pdf(results: IndicatorResults, snapshot: Snapshot, settings: ReportSettings) -> bytes:
    """The PDF report (paper size from ``settings.paper``; long lists capped at ``settings.pdf_list_limit``).

    The print document is laid out in parts (:mod:`syncreport.render.print_parts`): the front (header,
    summary), the trends, the body (the board to the appendix) and the page margins. With a run's store
    (:mod:`syncreport.artifacts`), a part laid out before (same document, same WeasyPrint, same code) is the
    PDF made then instead of a second layout: a warm run lays out only the parts that changed.
    """
    document = merge_markers(render_document(results, snapshot, settings, for_print=True))
    parts = print_parts.split(document)
    if parts is not None:
        contents = [_laid_out("pdf-part", part) for part in parts.contents]
        shapes = [wide for part in contents for wide in print_parts.page_shapes(part)]
        constant, kinds = parts.constant_margins(shapes)
        joined = print_parts.join(
            contents,
            _laid_out("pdf-margins", parts.margins(shapes)),  # page numbers, running header: kept
            _laid_out("pdf-margins", constant),  # "Generated ... HH:MM": a page per kind of page
            kinds,
        )
        if joined is not None:
            return joined
        log.warning("the PDF's page margins did not fit its pages; laying the document out whole")
    return _laid_out("pdf", document)


def _laid_out(kind: str, document: str) -> bytes:
    """``document`` laid out, or the PDF laid out from it before (kept in the run's store, if any)."""
    store = artifacts.current()
    if store is None:
        return lay_out(document)
    name = artifacts.digest(kind, document, _weasyprint_version(), _pdf_code())
    return store.cached(name, lambda: lay_out(document))


@functools.cache
def _pdf_code() -> str:
    here = Path(__file__)
    sources = (here, here.with_name("fetcher.py"), Path(lean_print.__file__), Path(print_parts.__file__))
    return artifacts.digest(*(source.read_bytes() for source in sources))


@functools.cache
def _weasyprint_version() -> str:
    """WeasyPrint's version, from its metadata: naming a kept part does not import it."""
    return importlib.metadata.version("weasyprint")


def lay_out(document: str) -> bytes:
    try:
        import weasyprint  # imported here: a run whose parts are all kept never pays it

        from syncreport.render.fetcher import PackageAssetFetcher, package_assets_dir

        assets = package_assets_dir()
        return weasyprint.HTML(
            string=document, base_url=assets.as_uri() + "/", url_fetcher=PackageAssetFetcher(assets)
        ).write_pdf()
    except OSError as exc:  # fonts or Pango missing: say how to fix it
        raise SyncreportError(
            f"could not write the PDF ({exc}); install Pango and fonts (./dev.sh does) or drop 'pdf' "
            "from report.formats"
        ) from None
