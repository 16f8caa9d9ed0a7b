"""WeasyPrint's layout of a print document, here or in a worker process started when the run starts.

Importing WeasyPrint costs about a second of CPU (cffi parses Pango's declarations, fonts are found,
``mimetypes`` reads the system's list), and a warm cron run lays out a part or two (the trends, the dated
margins) on every run. :class:`LayoutWorker` starts a process of its own at the beginning of a run (the CLI
asks for it): it imports WeasyPrint while the run pulls from Jira and computes, on the machine's other core,
then lays out the documents it is sent, in order, while the run renders the HTML and the JSON.

The worker gets print documents only (the report's HTML for print: no token, no config) and sends back PDF
bytes. It lays out with the same function, the same WeasyPrint and the same URL fetcher as the run itself
(:func:`lay_out_here`), so a part is the same either way. When the worker cannot lay a document out (it
failed to start, died, or WeasyPrint raised), :meth:`LayoutWorker.submit`'s result is None and the run lays
that document out itself: the error, if any, is then the one a run without a worker gives.

This module imports nothing heavy at import time (the worker process imports only it, the URL fetcher and
WeasyPrint).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)

_LAID_OUT = "pdf"
_FAILED = "failed"


def lay_out_here(document: str) -> bytes:
    """``document`` laid out by WeasyPrint in this process, fetching only the package's own assets."""
    import weasyprint  # imported here: a run whose parts are all kept never pays it

    from syncreport.render.fetcher import PackageAssetFetcher, package_assets_dir

    assets = package_assets_dir()
    pdf: bytes = weasyprint.HTML(
        string=document, base_url=assets.as_uri() + "/", url_fetcher=PackageAssetFetcher(assets)
    ).write_pdf()
    return pdf


def _serve(connection: Connection) -> None:
    """The worker: import WeasyPrint at once, then lay out each document it receives until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the run's to handle: it stops this process
    try:
        import weasyprint  # noqa: F401 - the point: paid while the run pulls and computes

        import syncreport.render.fetcher  # noqa: F401
    except Exception:  # the run lays its documents out itself, and says what is wrong
        pass
    while True:
        try:
            document = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[str, Any] = (_LAID_OUT, lay_out_here(document))
        except Exception:  # the run lays it out again itself, with its own error
            answer = (_FAILED, None)
        try:
            connection.send(answer)
        except (BrokenPipeError, OSError):
            return


class LayoutWorker:
    """A process that lays print documents out, in the order they are submitted (see the module docstring)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads, locks or state
        self._connection: Connection | None = None
        self._process: Any = None
        self._sent = 0
        self._answers: list[bytes | None] = []
        try:
            ours, theirs = context.Pipe()
            self._process = context.Process(
                target=_serve, args=(theirs,), name="syncreport-pdf-layout", daemon=True
            )
            self._process.start()
            theirs.close()
            self._connection = ours
        except (OSError, RuntimeError) as exc:
            log.debug("no PDF layout worker (%s); the run lays its PDF out itself", exc)
            self._connection = None

    def submit(self, document: str) -> Callable[[], bytes | None]:
        """Send ``document`` to be laid out; the returned function waits for its PDF (None: lay it out here)."""
        index = self._sent
        if self._connection is not None:
            try:
                self._connection.send(document)
            except (BrokenPipeError, OSError):
                self._lost()
        self._sent += 1
        return lambda: self._answer(index)

    def _answer(self, index: int) -> bytes | None:
        while len(self._answers) <= index:
            if self._connection is None:
                self._answers.append(None)
                continue
            try:
                kind, value = self._connection.recv()
            except (EOFError, OSError):
                self._lost()
                continue
            self._answers.append(value if kind == _LAID_OUT and isinstance(value, bytes) else None)
        return self._answers[index]

    def _lost(self) -> None:
        log.debug("the PDF layout worker stopped; the run lays the rest of its PDF out itself")
        self._connection = None

    def close(self) -> None:
        """Stop the worker (at once: what it was doing is no longer wanted)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.terminate()
            self._process.join(timeout=5)
            self._process = None


__all__ = ["LayoutWorker", "lay_out_here"]
