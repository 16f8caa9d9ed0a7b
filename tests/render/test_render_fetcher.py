"""The PDF renderer's URL fetcher: the package's own assets, nothing else (no file://, no http://)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import pytest
from pypdf import PdfReader

from syncreport.config import ReportSettings
from syncreport.render import render_pdf
from syncreport.render.fetcher import PackageAssetFetcher, RefusedURL, package_assets_dir


@pytest.fixture
def fetcher() -> PackageAssetFetcher:
    return PackageAssetFetcher()


def test_the_packaged_stylesheet_is_served(fetcher: PackageAssetFetcher) -> None:
    url = (package_assets_dir() / "report.css").as_uri()
    response = fetcher.fetch(url)
    assert response.read().startswith(b"/* syncreport")
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/secret",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        "file://remotehost/share/x.png",
    ],
)
def test_anything_but_package_assets_is_refused(fetcher: PackageAssetFetcher, url: str) -> None:
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_a_path_that_climbs_out_of_the_assets_folder_is_refused(fetcher: PackageAssetFetcher) -> None:
    climbing = package_assets_dir().as_uri() + "/../base.html"
    with pytest.raises(RefusedURL, match="not one of the package's assets"):
        fetcher.fetch(climbing)


class _CountingHandler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    _CountingHandler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow  # renders a real PDF
def test_a_template_that_points_outside_makes_the_pdf_fetch_nothing(
    tmp_path: Path, listener: tuple[str, list[str]], caplog: pytest.LogCaptureFixture, sample: ModuleType
) -> None:
    url, hits = listener
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=do-not-print")
    (tmp_path / "branding.html").write_text(
        f'<img src="{url}/beacon.png"><img src="{secret.as_uri()}">'
        f'<link rel="stylesheet" href="{url}/x.css"><style>@import url("{url}/y.css");</style>'
        f'<object data="{secret.as_uri()}"></object>'
    )
    results, snapshot = sample.train(issues=30, teams=3)
    pdf = render_pdf(results, snapshot, ReportSettings(templates_dir=tmp_path))
    assert hits == []
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "do-not-print" not in text
    assert "Executive summary" in text
    assert any("refused" in record.getMessage() for record in caplog.records)
