"""WeasyPrint's layout of a print document, here or in a worker process started when the run starts.

Importing WeasyPrint costs about a second of CPU (cffi parses Pango's declarations, fonts are found,
``mimetypes`` reads the system's list), and a warm cron run lays out a part or two (the trends, the dated
margins) on every run. :class:`LayoutWorker` starts a process of its own at the beginning of a run (the CLI
asks for it): it imports WeasyPrint while the run pulls from Jira and computes, on the machine's other core,
then makes the PDF of each print document it is sent (:func:`~syncreport.render.assemble.assemble`: the
parts kept in the run's store or laid out, then joined) while the run renders the HTML and the JSON.

The worker gets print documents only (the report's HTML for print: no token, no config) and the folder of
the run's store, and sends back PDF bytes. It makes them with the same function, the same WeasyPrint and the
same URL fetcher as the run itself (:func:`lay_out_here`), so the PDF is the same either way. When the
worker cannot (it failed to start, died, or raised), :meth:`LayoutWorker.submit`'s result is None and the
run makes that PDF itself: the error, if any, is then the one a run without a worker gives.

This module imports nothing heavy at import time (the worker process imports only it, the assembly, the URL
fetcher, pikepdf and WeasyPrint).
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any

from syncreport.artifacts import ArtifactStore, using
from syncreport.logs import environment_without_secrets

log = logging.getLogger(__name__)

_LAID_OUT = "pdf"
_FAILED = "failed"


def import_weasyprint() -> None:
    """Import WeasyPrint (once) without asking ``ctypes.util.find_library`` for its libraries first.

    WeasyPrint opens Pango, HarfBuzz, fontconfig and GLib by trying a list of names each (``pango-1.0``,
    ..., ``libpango-1.0.so.0``); for a name that is not a file's, cffi asks ``ctypes.util.find_library``,
    which on Linux runs ``ldconfig -p``, then ``gcc`` and ``ld`` when that fails: 22 lookups and about 60
    processes, 0.15 to 0.18 CPU s and 0.3 s of a run (more than WeasyPrint's own import of 0.5 CPU s
    spends on anything but cffi and its stylesheets). The first try answers every lookup "not found", so
    WeasyPrint goes on to the names of the libraries' files, which the dynamic loader finds where it finds
    any library (its cache, ``LD_LIBRARY_PATH``). Where that is not enough (another platform's names), the
    import is tried again the usual way: the same libraries, and the same error and message if they are
    missing.

    Two fontTools modules WeasyPrint imports for what a report's fonts do not need are loaded when first
    used instead (:func:`_font_tools_deferred`): 0.1 to 0.15 CPU s of the import.

    Every call, WeasyPrint imported already or not, also installs :mod:`syncreport.render.weasyprint_patches`
    (the charts' labels drawn as whole strings, not letter by letter), so every PDF of a process is made
    the same way."""
    if "weasyprint" not in sys.modules:
        _import_weasyprint_quickly()
    from syncreport.render import weasyprint_patches

    weasyprint_patches.install()


def _import_weasyprint_quickly() -> None:
    import ctypes.util

    usual = ctypes.util.find_library
    ctypes.util.find_library = _not_found
    try:
        with contextlib.redirect_stdout(io.StringIO()), _font_tools_deferred():  # the notice: said below
            import weasyprint
        return
    except OSError:
        for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
            del sys.modules[name]
    finally:
        ctypes.util.find_library = usual
    import weasyprint  # noqa: F401


def _not_found(name: str) -> str | None:  # noqa: ARG001 - find_library's signature
    return None


_INSTANCER = "fontTools.varLib.instancer"


@contextlib.contextmanager
def _font_tools_deferred() -> Iterator[None]:
    """While WeasyPrint is imported: ``fontTools.subset`` (its subsetter when HarfBuzz's is missing or
    fails) is a module that loads itself when first used (:class:`importlib.util.LazyLoader`, the
    standard library's recipe), and ``fontTools.varLib.instancer`` (for variable fonts; its package imports
    most of fontTools) gives a function that imports it when first called. Both are then what they were
    for everything else (the instancer is imported as usual by the next ``import``)."""
    import importlib.util

    import fontTools

    if "fontTools.subset" not in sys.modules:
        spec = importlib.util.find_spec("fontTools.subset")
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
            lazy = importlib.util.module_from_spec(spec)
            sys.modules["fontTools.subset"] = lazy
            spec.loader.exec_module(lazy)
            fontTools.subset = lazy  # "from fontTools import subset": not loaded
    stub = None
    if _INSTANCER not in sys.modules:
        stub = ModuleType(_INSTANCER)
        stub.instantiateVariableFont = _instantiate_variable_font  # type: ignore[attr-defined]
        sys.modules[_INSTANCER] = stub
    try:
        yield
    finally:
        if stub is not None and sys.modules.get(_INSTANCER) is stub:
            del sys.modules[_INSTANCER]


def _instantiate_variable_font(*args: Any, **kwargs: Any) -> Any:
    from fontTools.varLib.instancer import instantiateVariableFont

    return instantiateVariableFont(*args, **kwargs)


def lay_out_here(document: str) -> bytes:
    """``document`` laid out by WeasyPrint in this process, fetching only the package's own assets."""
    import_weasyprint()  # imported here: a run whose parts are all kept never pays it
    import weasyprint

    from syncreport.render.fetcher import PackageAssetFetcher, package_assets_dir

    assets = package_assets_dir()
    pdf: bytes = weasyprint.HTML(
        string=document, base_url=assets.as_uri() + "/", url_fetcher=PackageAssetFetcher(assets)
    ).write_pdf()
    return pdf


# A page with what a report's parts use (its fonts in their styles, a table, an SVG with a path and text),
# laid out once while the worker waits for the run: Pango, HarfBuzz and fontconfig load the fonts and shape
# their first glyphs then, which a process's first layout otherwise pays (the trends' part: 0.32 to 0.45
# CPU s first in a process, 0.23 to 0.28 after this page, which costs 0.11; docs/performance.md, round eight).
WARM_UP_DOCUMENT = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>'
    'html{font-family:"DejaVu Sans","Noto Sans","Droid Sans Fallback",Arial,sans-serif;font-size:14px}'
    'code{font-family:"DejaVu Sans Mono",monospace} @page{size:A4;margin:10mm}</style></head><body>'
    "<h2>Trends</h2><p>Team <b>bold</b> <i>italic</i> <code>PROJ-1</code> \u00b7 \u2014 \u2713</p>"
    "<table><tr><th>a</th><td>1</td></tr></table>"
    '<svg width="40" height="20" viewBox="0 0 40 20"><path d="M0 0L10 10" stroke="black"/>'
    '<text x="1" y="15" font-size="8">7 %</text></svg></body></html>'
)


def warm_up() -> bool:
    """Lay out :data:`WARM_UP_DOCUMENT` and throw the PDF away (False when that failed: the run's own
    layouts then say what is wrong, as they would have)."""
    try:
        lay_out_here(WARM_UP_DOCUMENT)
    except Exception:  # only a head start: a real layout reports the error
        return False
    return True


def _serve(connection: Connection) -> None:
    """The worker: import WeasyPrint at once, then make the PDF of each print document it receives (with
    the run's store, when it has one) until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the run's to handle: it stops this process
    try:
        import_weasyprint()  # the point: paid while the run pulls and computes

        import syncreport.render.fetcher  # noqa: F401
        from syncreport.render.assemble import assemble
    except Exception:  # the run makes its PDFs itself, and says what is wrong
        _refuse_all(connection)
        return
    if not connection.poll(0):  # idle until the run's print document comes: warm up meanwhile
        warm_up()
    while True:
        try:
            document, folder, now = connection.recv()
        except (EOFError, OSError):
            return
        try:
            store = ArtifactStore(Path(folder), clock=functools.partial(float, now)) if folder else None
            with using(store):
                answer: tuple[str, Any] = (_LAID_OUT, assemble(document, lay_out_here))
        except Exception:  # the run makes it again itself, with its own error
            answer = (_FAILED, None)
        try:
            connection.send(answer)
        except (BrokenPipeError, OSError):
            return


def _refuse_all(connection: Connection) -> None:
    while True:
        try:
            connection.recv()
            connection.send((_FAILED, None))
        except (EOFError, OSError):
            return


class LayoutWorker:
    """A process that makes the PDFs of print documents, in the order they are submitted (see the module
    docstring): ``python -P -m syncreport.render.layout FD``, talking over a socket pair."""

    def __init__(self) -> None:
        self._connection: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._sent = 0
        self._answers: list[bytes | None] = []
        try:
            ours, theirs = socket.socketpair()
            with ours, theirs:
                self._process = subprocess.Popen(  # -P: not the working folder's modules
                    [sys.executable, "-P", "-m", __name__, str(theirs.fileno())],
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    env=environment_without_secrets(),  # it lays out print documents: no token needed
                )
                self._connection = Connection(ours.detach())
        except OSError as exc:
            log.debug("no PDF layout worker (%s); the run lays its PDF out itself", exc)
            self._connection = None

    def submit(self, document: str, store: ArtifactStore | None) -> Callable[[], bytes | None]:
        """Send the print ``document`` (and where the run's ``store`` is); the returned function waits for
        its PDF (None: the worker could not, make it here)."""
        index = self._sent
        if self._connection is not None:
            try:
                where = (str(store.folder), store.now()) if store is not None else (None, 0.0)
                self._connection.send((document, *where))
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
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))


__all__ = ["LayoutWorker", "import_weasyprint", "lay_out_here"]
