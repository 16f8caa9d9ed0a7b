"""The PDF from its print document: split into parts, each part kept or laid out, the parts joined.

One function for both places a PDF is made: the run's own process, and the PDF layout worker
(:mod:`syncreport.render.layout`), which gets the print document and the run's store and does all of it
while the run renders its other formats. With a run's store (:mod:`syncreport.artifacts`), a part laid out
before (same document, same WeasyPrint, same code) is the PDF made then instead of a second layout.

Imports nothing heavy (the worker imports it): pikepdf with :mod:`~syncreport.render.print_parts`, and
WeasyPrint only through the ``lay_out`` it is handed.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from syncreport import artifacts
from syncreport.render import lean_print, print_parts

log = logging.getLogger(__name__)

LayOut = Callable[[str], bytes]


def assemble(document: str, lay_out: LayOut) -> bytes:
    """The PDF of the print ``document`` (see :mod:`syncreport.render.print_parts`): the front, the trends,
    the body and the two layers of page margins, each kept in the run's store or laid out by ``lay_out``."""
    parts = print_parts.split(document)
    if parts is None:
        return _kept_or_laid_out("pdf", document, lay_out)
    contents = [_kept_or_laid_out("pdf-part", part, lay_out, print_parts.pruned) for part in parts.contents]
    with print_parts.Joiner(contents) as joiner:  # each part opened once
        shapes = joiner.shapes
        constant, kinds = parts.constant_margins(shapes)
        joined = joiner.join(
            _kept_or_laid_out("pdf-margins", parts.margins(shapes), lay_out),  # page numbers, header: kept
            _kept_or_laid_out("pdf-margins", constant, lay_out),  # "Generated ... HH:MM": a page per kind
            kinds,
        )
    if joined is not None:
        return joined
    log.warning("the PDF's page margins did not fit its pages; laying the document out whole")
    return _kept_or_laid_out("pdf", document, lay_out)


def keep_front(document: str, lay_out: LayOut) -> bool:
    """The front part of the print ``document`` (the header and the summary) laid out by ``lay_out`` and
    kept in the run's store as :func:`assemble` keeps it, unless kept already; False when there is no store
    or the document is not in parts (nothing kept). For a run that knows the front a later run will lay out
    (:func:`syncreport.pipeline.run_report`'s first run of a series)."""
    parts = print_parts.split(document)
    if parts is None or artifacts.current() is None:
        return False
    _kept_or_laid_out("pdf-part", parts.contents[0], lay_out, print_parts.pruned)
    return True


def _kept_or_laid_out(
    kind: str, document: str, lay_out: LayOut, prepared: Callable[[str], str] = str
) -> bytes:
    """``document`` laid out (after ``prepared``: its stylesheets pruned, for a content part), or the PDF
    laid out from it before (kept in the run's store, if any, by the document and the code)."""
    store = artifacts.current()
    if store is None:
        return lay_out(prepared(document))
    name = artifacts.digest(kind, document, _weasyprint_version(), _pdf_code())
    return store.cached(name, lambda: lay_out(prepared(document)))


@functools.cache
def _pdf_code() -> str:
    here = Path(__file__)
    sources = (
        here,
        here.with_name("pdf.py"),
        here.with_name("fetcher.py"),
        here.with_name("layout.py"),
        Path(lean_print.__file__),
        Path(print_parts.__file__),
    )
    return artifacts.digest(*(source.read_bytes() for source in sources))


@functools.cache
def _weasyprint_version() -> str:
    """WeasyPrint's version: its own when it is imported (the layout worker: ``importlib.metadata``, 0.015 s
    of its start, is not imported), else from its metadata (naming a kept part does not import it)."""
    weasyprint = sys.modules.get("weasyprint")
    version = getattr(weasyprint, "__version__", None)
    if isinstance(version, str):
        return version
    import importlib.metadata

    return importlib.metadata.version("weasyprint")


__all__ = ["LayOut", "assemble", "keep_front"]
