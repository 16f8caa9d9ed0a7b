"""The PDF renderer's URL fetcher: the package's own assets, nothing else.

WeasyPrint fetches every URL the document mentions (images, stylesheets, fonts) through a URL fetcher. Ours
refuses everything but files inside the package's own ``templates/assets`` folder: no ``http(s)://``, no
``file://`` elsewhere, no ``data:``. Issue text is escaped anyway, so this is the second wall: even a
template mistake cannot make the renderer read a local file into the PDF or call out to the network.

A module of its own so that :mod:`syncreport.render.pdf` imports WeasyPrint only when it lays a part out
(a run whose PDF parts are all kept needs pikepdf only).
"""

from __future__ import annotations

import logging
import mimetypes
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

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
