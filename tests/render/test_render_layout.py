"""The PDF laid out by the worker process (render/layout.py) is the PDF laid out in the run's own process,
and a worker that cannot lay out leaves the run to do it itself: same report, never a missing page."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.pipeline import _layout_worker
from syncreport.render import pdf, render_pdf
from syncreport.render.layout import LayoutWorker

pytestmark = pytest.mark.slow  # real PDFs, a process of its own


def _text(data: bytes, folder: Path) -> str:
    path = folder / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def worker() -> Iterator[LayoutWorker]:
    started = LayoutWorker()
    try:
        yield started
    finally:
        started.close()


def test_the_worker_makes_the_pdf_and_the_run_lays_out_nothing(
    sample: ModuleType, worker: LayoutWorker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, snapshot = sample.train(issues=60, teams=4)
    here = render_pdf(results, snapshot, ReportSettings())

    def refuse(document: str) -> NoReturn:
        raise AssertionError("the run laid a part out itself although the worker could")

    monkeypatch.setattr(pdf, "lay_out", refuse)
    apart = render_pdf(results, snapshot, ReportSettings(), worker=worker)
    # The front, the body and the two layers of margins, joined by the worker: the same pages and text.
    assert _text(apart, tmp_path) == _text(here, tmp_path)


def test_a_worker_that_stopped_leaves_the_layout_to_the_run(
    sample: ModuleType, worker: LayoutWorker, tmp_path: Path
) -> None:
    results, snapshot = sample.train(issues=40, teams=4)
    here = render_pdf(results, snapshot, ReportSettings())
    worker.close()  # as if it died: its pipe is closed
    apart = render_pdf(results, snapshot, ReportSettings(), worker=worker)
    assert _text(apart, tmp_path) == _text(here, tmp_path)


def test_a_worker_killed_while_laying_out_leaves_the_rest_to_the_run(
    sample: ModuleType, worker: LayoutWorker, tmp_path: Path
) -> None:
    results, snapshot = sample.train(issues=40, teams=4)
    here = render_pdf(results, snapshot, ReportSettings())
    pending = worker.submit("<p>one</p>", None)
    process = worker._process  # noqa: SLF001 - the test kills the worker itself
    assert process is not None
    process.kill()
    process.wait()
    assert pending() is None  # no answer: the run lays that document out itself
    apart = render_pdf(results, snapshot, ReportSettings(), worker=worker)
    assert _text(apart, tmp_path) == _text(here, tmp_path)


def test_the_worker_keeps_the_parts_in_the_runs_store_and_takes_them_from_it(
    sample: ModuleType, worker: LayoutWorker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, snapshot = sample.train(issues=40, teams=4)
    store = artifacts.ArtifactStore(tmp_path / "store")
    with artifacts.using(store):
        first = render_pdf(results, snapshot, ReportSettings(), worker=worker)
    kept = sorted(p.name for p in store.folder.iterdir())
    assert len(kept) >= 4  # front, body and the two layers of margins (the sample has no trends)

    def refuse(document: str) -> NoReturn:
        raise AssertionError("the run laid a part out although the store keeps every one")

    monkeypatch.setattr(pdf, "lay_out", refuse)  # the run's own process, without the worker: all kept
    with artifacts.using(store):
        again = render_pdf(results, snapshot, ReportSettings())
    assert sorted(p.name for p in store.folder.iterdir()) == kept
    assert _text(again, tmp_path) == _text(first, tmp_path)


def test_a_damaged_part_in_the_store_is_laid_out_again_by_the_worker_never_used(
    sample: ModuleType, worker: LayoutWorker, tmp_path: Path
) -> None:
    results, snapshot = sample.train(issues=40, teams=4)
    store = artifacts.ArtifactStore(tmp_path / "store")
    with artifacts.using(store):
        first = render_pdf(results, snapshot, ReportSettings(), worker=worker)
    entries = [e for e in sorted(store.folder.iterdir()) if (store.get(e.name) or b"")[:5] == b"%PDF-"]
    assert len(entries) >= 4  # the PDF's parts (the store keeps the charts too)
    for entry in entries:  # one byte of each kept part flipped: a torn write, a bad disk
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0xFF
        entry.write_bytes(bytes(data))
    with artifacts.using(store):
        again = render_pdf(results, snapshot, ReportSettings(), worker=worker)
    assert _text(again, tmp_path) == _text(first, tmp_path)
    check = artifacts.ArtifactStore(store.folder)
    assert all(check.get(entry.name) is not None for entry in entries)  # made again, whole


def test_a_run_starts_a_worker_only_when_it_makes_a_pdf_and_weasyprint_is_not_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _layout_worker(wanted=False) as none:
        assert none is None
    monkeypatch.setitem(sys.modules, "weasyprint", sys.modules.get("weasyprint") or ModuleType("weasyprint"))
    with _layout_worker(wanted=True) as loaded:
        assert loaded is None  # laying out here is cheaper then
    monkeypatch.delitem(sys.modules, "weasyprint")
    with _layout_worker(wanted=True) as started:
        assert isinstance(started, LayoutWorker)
        process = started._process  # noqa: SLF001
        assert process is not None
        assert process.poll() is None  # running
    assert process.poll() is not None  # stopped with the run


def test_the_worker_starts_without_the_runs_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    # It lays out print documents only: the Jira token's variable (a name that looks like a secret), a
    # secret registered under an ordinary name (the config's token_env), and nothing else goes missing.
    from syncreport.logs import register_secret_env

    monkeypatch.setenv("SYNCREPORT_TEST_JIRA_TOKEN", "tok-123456")
    monkeypatch.setenv("SYNCREPORT_TEST_CREDENTIAL", "cred-654321")
    monkeypatch.setenv("SYNCREPORT_TEST_PLAIN", "kept")
    register_secret_env(["SYNCREPORT_TEST_CREDENTIAL"])
    started = LayoutWorker()
    try:
        process = started._process  # noqa: SLF001 - the test reads the worker's own environment
        assert process is not None
        environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
    finally:
        started.close()
    assert b"SYNCREPORT_TEST_PLAIN=kept" in environ
    assert not [
        v for v in environ if v.startswith((b"SYNCREPORT_TEST_JIRA_TOKEN=", b"SYNCREPORT_TEST_CREDENTIAL="))
    ]


# Counts the calls to ctypes.util.find_library while WeasyPrint is imported and a page laid out (in a process
# of its own: this one has imported WeasyPrint already). argv[1] "quick-fails": the dynamic loader is made
# to refuse what the first try opens (as on a platform whose library files WeasyPrint's list does not name).
_IMPORT_COUNTING = """
import ctypes.util, sys
import cffi
usual, calls = ctypes.util.find_library, []
def counted(name):
    calls.append(name)
    return usual(name)
ctypes.util.find_library = counted
if sys.argv[1] == "quick-fails":
    dlopen = cffi.FFI.dlopen
    def refusing(self, name, *args):
        if ctypes.util.find_library is not counted:  # the first try, which answers every lookup itself
            raise OSError("cannot open " + str(name))
        return dlopen(self, name, *args)
    cffi.FFI.dlopen = refusing
from syncreport.render.layout import lay_out_here
pdf = lay_out_here("<p>one page</p>")
print(pdf[:5].decode(), len(calls), ctypes.util.find_library is counted)
"""


def _lookups_while_importing(case: str) -> tuple[str, int, bool]:
    made = subprocess.run(
        [sys.executable, "-c", _IMPORT_COUNTING, case],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    head, calls, restored = (
        made.stdout.split()
    )  # nothing else: WeasyPrint's notice of the first try is not said
    return head, int(calls), restored == "True"


def test_weasyprint_is_imported_without_a_library_lookup() -> None:
    # on main: 22 lookups (about 60 processes: ldconfig, gcc, ld), 0.15 to 0.18 CPU s of every PDF's run
    assert _lookups_while_importing("usual") == ("%PDF-", 0, True)


def test_when_the_quick_import_cannot_open_a_library_weasyprint_looks_them_up_as_usual() -> None:
    head, calls, restored = _lookups_while_importing("quick-fails")
    assert head == "%PDF-" and calls > 0 and restored  # its own lookups, and find_library left as it was


# WeasyPrint imported and a page laid out in a process of its own; then what fontTools' two modules are, and
# whether WeasyPrint's fallbacks still reach them (its fontTools subsetter, its variable-font instancer).
_FONT_TOOLS = """
import sys
from syncreport.render.layout import lay_out_here
pdf = lay_out_here("<p>one page</p>")
subset = sys.modules["fontTools.subset"]
print(pdf[:5].decode(), type(subset).__name__, "fontTools.varLib.instancer" in sys.modules)
from weasyprint.pdf import fonts
print(callable(subset.Options), type(subset).__name__)  # first use: it loads itself
try:
    fonts.instantiateVariableFont(None, {})  # first call: the real one, imported now (refuses None)
except Exception as exc:
    print(type(exc).__name__, sys.modules["fontTools.varLib.instancer"].__file__.endswith("instancer/__init__.py"))
"""


def test_weasyprint_loads_fonttools_subsetter_and_instancer_only_when_they_are_used() -> None:
    made = subprocess.run(
        [sys.executable, "-c", _FONT_TOOLS],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    laid_out, used, called = made.stdout.splitlines()
    # on main: "%PDF- module True" (both imported with WeasyPrint: 0.1 to 0.15 CPU s of every PDF's run)
    assert laid_out == "%PDF- _LazyModule False"  # a page laid out (HarfBuzz subsets its font) without them
    assert used == "True module"
    assert called.endswith(" True") and not called.startswith("NameError")


_VERSION_PROBE = """
import sys
from syncreport.render import assemble
before = assemble._weasyprint_version()
assemble._weasyprint_version.cache_clear()
from syncreport.render.layout import import_weasyprint
import_weasyprint()
print(before, assemble._weasyprint_version(), "importlib.metadata" in sys.modules)
"""


def test_a_kept_part_has_the_same_name_whether_weasyprint_is_imported_or_not() -> None:
    # the run's own process names kept parts from WeasyPrint's metadata; the worker, which has imported
    # WeasyPrint, from the module: the same version either way, so either finds what the other kept
    done = subprocess.run([sys.executable, "-c", _VERSION_PROBE], capture_output=True, text=True, check=True)
    before, after, _ = done.stdout.split()
    assert before == after != ""


def test_the_workers_warm_up_page_changes_no_pdf_laid_out_after_it(sample: ModuleType) -> None:
    # The worker lays the warm-up page out while it waits for the run (fonts loaded, glyphs shaped): what it
    # lays out next is byte for byte what it would have been, and the page names nothing to fetch.
    from syncreport.render import layout
    from syncreport.render.html import render_document

    results, snapshot = sample.train(issues=20, teams=3)
    document = render_document(results, snapshot, ReportSettings(), for_print=True)
    before = layout.lay_out_here(document)
    assert not any(word in layout.WARM_UP_DOCUMENT for word in ("url(", "src=", "href=", "@import"))
    assert layout.warm_up() is True
    assert layout.lay_out_here(document) == before


def test_a_warm_up_that_fails_is_only_a_head_start_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    from syncreport.render import layout

    def no_pango(document: str) -> NoReturn:
        raise OSError("cannot load library 'pango-1.0-0'")

    monkeypatch.setattr(layout, "lay_out_here", no_pango)
    assert layout.warm_up() is False  # the run's own layouts then say what is wrong
