"""The print-ready PDF: the report's HTML in print mode, laid out by WeasyPrint.

WeasyPrint fetches every URL the document mentions (images, stylesheets, fonts) through a URL fetcher. Ours
refuses everything but files inside the package's own ``templates/assets`` folder: no ``http(s)://``, no
``file://`` elsewhere, no ``data:``. Issue text is escaped anyway, so this is the second wall: even a
template mistake cannot make the renderer read a local file into the PDF or call out to the network.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.errors import SyncreportError
from syncreport.indicators.results import IndicatorResults
from syncreport.render import lean_print, print_parts
from syncreport.render.html import render_document
from syncreport.render.lean_print import merge_markers
from syncreport.snapshot import Snapshot

log = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A URL the PDF renderer will not fetch (WeasyPrint skips the resource and logs a warning)."""


def package_assets_dir() -> Path:
    return Path(str(resources.files("syncreport") / "templates" / "assets")).resolve()


class PackageAssetFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the package's own assets and refuses everything else."""

    def __init__(self, assets_dir: Path | None = None) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.assets_dir = (assets_dir or package_assets_dir()).resolve()

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:  # noqa: ARG002 - WeasyPrint's signature; no request is made
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def resolve(self, url: str) -> Path:
        """The asset file ``url`` names, or :class:`RefusedURL` when it is anything else."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            log.warning(
                "PDF renderer refused to fetch %s: only the package's own assets are loaded", url[:80]
            )
            raise RefusedURL(
                f"refused {parts.scheme or 'relative'} URL: only the package's assets are loaded"
            )
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.assets_dir) or not path.is_file():
            log.warning("PDF renderer refused to read %s: it is not one of the package's assets", path)
            raise RefusedURL(f"refused {path}: not one of the package's assets")
        return path


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
        joined = print_parts.join(contents, _laid_out("pdf-margins", parts.margins(shapes)))
        if joined is not None:
            return joined
        log.warning("the PDF's page margins did not fit its pages; laying the document out whole")
    return _laid_out("pdf", document)


def _laid_out(kind: str, document: str) -> bytes:
    """``document`` laid out, or the PDF laid out from it before (kept in the run's store, if any)."""
    store = artifacts.current()
    if store is None:
        return lay_out(document)
    name = artifacts.digest(kind, document, weasyprint.__version__, _pdf_code())
    return store.cached(name, lambda: lay_out(document))


@functools.cache
def _pdf_code() -> str:
    sources = (Path(__file__), Path(lean_print.__file__), Path(print_parts.__file__))
    return artifacts.digest(*(source.read_bytes() for source in sources))


def lay_out(document: str) -> bytes:
    assets = package_assets_dir()
    try:
        return weasyprint.HTML(
            string=document, base_url=assets.as_uri() + "/", url_fetcher=PackageAssetFetcher(assets)
        ).write_pdf()
    except OSError as exc:  # fonts or Pango missing: say how to fix it
        raise SyncreportError(
            f"could not write the PDF ({exc}); install Pango and fonts (./dev.sh does) or drop 'pdf' "
            "from report.formats"
        ) from None
