"""A warm run reuses the charts and the PDF it made before, and writes exactly what a cold run writes."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import pytest

from syncreport import artifacts, pipeline
from syncreport.clock import fixed_clock
from syncreport.config import config_from_dict
from syncreport.jira import pull_snapshot
from syncreport.pipeline import run_report
from syncreport.render import assemble, charts, pdf
from syncreport.render.layout import LayoutWorker
from syncreport.simulator import SimulatorHandle, demo_config
from syncreport.snapshot import Snapshot, save_snapshot

pytestmark = pytest.mark.slow  # real PDFs

TOKEN_ENV = "WARM_RENDER_TEST_TOKEN"
PULLED_AT = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # the simulators' day (conftest.SIM_TODAY), 08:00


@pytest.fixture(scope="module")
def pulled(
    cloud_sim: SimulatorHandle, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path, Snapshot]:
    data = demo_config(cloud_sim, token_env=TOKEN_ENV)
    data["cache"] = {"enabled": False}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TOKEN_ENV, cloud_sim.token)
        # a pinned moment: on the wall clock, an age that rolls over in the five minutes the next-front test
        # adds made its predicted front another (failed at 20:32 UTC, passed minutes later)
        snapshot = pull_snapshot(config_from_dict(data), now=fixed_clock(PULLED_AT))
    path = save_snapshot(snapshot, tmp_path_factory.mktemp("warm") / "train.json.gz")
    return data, path, snapshot


def _run(
    data: dict[str, Any],
    snapshot_path: Path,
    out: Path,
    cache: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, bytes]:
    monkeypatch.setenv(TOKEN_ENV, "not-used-offline")
    config = config_from_dict({**data, "cache": cache})
    run = run_report(config, snapshot_path=snapshot_path, out_dir=out, formats=["html", "pdf", "json"])
    return {p.suffix.lstrip("."): p.read_bytes() for p in run.paths}


def _pdf_text(data: bytes, folder: Path) -> str:
    path = folder / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_a_warm_run_writes_what_a_cold_run_writes_without_drawing_or_laying_out_again(
    pulled: tuple[dict[str, Any], Path, Snapshot], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, snapshot_path, _ = pulled
    store = {"enabled": True, "path": str(tmp_path / "cache" / "jira.sqlite3")}
    cold = _run(data, snapshot_path, tmp_path / "cold", {"enabled": False}, monkeypatch)
    first = _run(data, snapshot_path, tmp_path / "first", store, monkeypatch)  # fills the store
    kept = sorted((tmp_path / "cache" / "jira.sqlite3.rendered").iterdir())
    assert len(kept) >= 2  # the charts and the PDF

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("a warm run drew a chart or laid the PDF out again")

    monkeypatch.setattr(charts, "_to_svg", refuse)
    monkeypatch.setattr(pdf, "lay_out", refuse)
    warm = _run(data, snapshot_path, tmp_path / "warm", store, monkeypatch)  # a fresh series: same inputs

    # Same snapshot, same settings, no previous run in either folder: the same report, byte for byte.
    assert warm["html"] == first["html"] == cold["html"]
    assert warm["json"] == first["json"] == cold["json"]
    assert _pdf_text(warm["pdf"], tmp_path) == _pdf_text(cold["pdf"], tmp_path)


def test_the_store_holds_no_secret(
    pulled: tuple[dict[str, Any], Path, Snapshot], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, snapshot_path, _ = pulled
    store = {"enabled": True, "path": str(tmp_path / "jira.sqlite3")}
    _run(data, snapshot_path, tmp_path / "out", store, monkeypatch)
    kept = list((tmp_path / "jira.sqlite3.rendered").iterdir())
    assert kept
    for entry in kept:
        assert b"not-used-offline" not in entry.read_bytes()


def test_a_damaged_entry_is_ignored_and_made_again(tmp_path: Path) -> None:
    store = artifacts.ArtifactStore(tmp_path)
    name = artifacts.digest("chart", "columns", "(1, 2)")
    store.put(name, b"<svg>good</svg>")
    entry = tmp_path / name
    entry.write_bytes(entry.read_bytes()[:-3] + b"bad")  # torn or flipped bytes: the SHA-256 no longer fits
    made: list[int] = []

    def make() -> bytes:
        made.append(1)
        return b"<svg>made again</svg>"

    assert store.cached(name, make) == b"<svg>made again</svg>"
    assert made == [1]
    assert store.get(name) == b"<svg>made again</svg>"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temp file left beside it


def test_entries_unused_for_two_weeks_are_dropped_when_new_ones_are_kept(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    store = artifacts.ArtifactStore(tmp_path, clock=lambda: now[0])
    store.put("old", b"a")
    store.put("used", b"b")
    now[0] += 10 * 86400
    assert store.get("used") == b"b"  # used on day 10: kept 14 days from then
    now[0] += 5 * 86400  # day 15: "old" was last used 15 days ago, "used" 5 days ago
    store.put("new", b"c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "used"]


def test_names_tell_their_parts_apart() -> None:
    assert artifacts.digest("ab", "c") != artifacts.digest("a", "bc")
    assert artifacts.digest("pdf", "x") == artifacts.digest("pdf", b"x")


@pytest.fixture
def apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run with ``lay_out_apart`` gets its layout worker even when this process has imported WeasyPrint
    (an earlier test laid a PDF out here), as a CLI run does."""

    @contextmanager
    def started(wanted: bool) -> Iterator[LayoutWorker | None]:
        worker = LayoutWorker() if wanted else None
        try:
            yield worker
        finally:
            if worker is not None:
                worker.close()

    monkeypatch.setattr(pipeline, "_layout_worker", started)


def _saved_pair(snapshot: Snapshot, directory: Path, later: timedelta) -> tuple[Path, Path]:
    """The snapshot saved as taken, and again as if taken ``later`` (nothing changed in Jira)."""
    first = save_snapshot(snapshot, directory / "first.json.gz")
    second = save_snapshot(
        dataclasses.replace(snapshot, taken_at=snapshot.taken_at + later), directory / "second.json.gz"
    )
    return first, second


def _counted_layouts(monkeypatch: pytest.MonkeyPatch, classify: Callable[[str], str]) -> list[str]:
    """The parts (named by ``classify``) that this process's PDF layouts are of, in order."""
    laid_out: list[str] = []
    real = pdf.lay_out

    def counting(document: str) -> bytes:
        laid_out.append(classify(document))
        return real(document)

    monkeypatch.setattr(pdf, "lay_out", counting)
    return laid_out


def _part(document: str) -> str:
    body = document[document.find("<body>") :]
    return "front" if "<header>" in body else "trends" if 'id="trends"' in body else "other"


@pytest.mark.usefixtures("apart")
def test_the_first_run_lays_out_the_next_runs_front_and_the_next_run_writes_what_it_would_have(
    pulled: tuple[dict[str, Any], Path, Snapshot], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The next run compares with the first and has trends, so its front (header and summary) is not the
    # first run's: the first run lays it out meanwhile (its PDF is laid out by the worker process), and the
    # next run, Jira unchanged, lays out only its trends and margins; main laid its front out there too.
    data, _, snapshot = pulled
    monkeypatch.setenv(TOKEN_ENV, "not-used-offline")
    first_path, next_path = _saved_pair(snapshot, tmp_path, timedelta(minutes=5))
    config = config_from_dict(
        {**data, "cache": {"enabled": True, "path": str(tmp_path / "cache" / "jira.sqlite3")}}
    )
    laid_out = _counted_layouts(monkeypatch, _part)
    formats = ["html", "pdf", "json"]
    run_report(
        config, snapshot_path=first_path, out_dir=tmp_path / "out", formats=formats, lay_out_apart=True
    )
    assert laid_out == ["front"]  # here; this run's own PDF in the worker
    shutil.copytree(tmp_path / "out", tmp_path / "out-without-store")
    laid_out.clear()
    warm = run_report(config, snapshot_path=next_path, out_dir=tmp_path / "out", formats=formats)
    assert laid_out == ["trends", "other", "other"]  # not the front: the first run kept it
    assert warm.previous is not None  # it compared with the first run

    without_store = config_from_dict({**data, "cache": {"enabled": False}})
    laid_out.clear()
    afresh = run_report(
        without_store, snapshot_path=next_path, out_dir=tmp_path / "out-without-store", formats=formats
    )
    assert laid_out[0] == "front"
    mine = {p.suffix: p.read_bytes() for p in warm.paths}
    theirs = {p.suffix: p.read_bytes() for p in afresh.paths}
    assert mine[".html"] == theirs[".html"]
    assert mine[".json"] == theirs[".json"]
    assert _pdf_text(mine[".pdf"], tmp_path) == _pdf_text(theirs[".pdf"], tmp_path)


def _section(document: str) -> str:
    """Which content part of the print document ``document`` is (the first section it holds), or
    "margins" for a page-margins layer."""
    for part in ("summary", "trends", "board", "features", "risks", "cadence"):
        if f'id="{part}"' in document:
            return part
    return "margins"


def test_the_next_days_run_lays_out_again_only_the_parts_whose_ages_moved(
    pulled: tuple[dict[str, Any], Path, Snapshot], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing changed in Jira, a day has passed: the risks' and the slips' ages moved (they start a page,
    # as do the cadence after them), the front says the day; the board, the features to the dependencies
    # and the cadence to the end are the parts the run before kept. And the PDF says what a run without a
    # store writes.
    data, _, snapshot = pulled
    monkeypatch.setenv(TOKEN_ENV, "not-used-offline")
    today, tomorrow = _saved_pair(snapshot, tmp_path, timedelta(days=1))
    config = config_from_dict(
        {**data, "cache": {"enabled": True, "path": str(tmp_path / "cache" / "jira.sqlite3")}}
    )
    laid_out = _counted_layouts(monkeypatch, _section)
    formats = ["html", "pdf", "json"]
    run_report(config, snapshot_path=today, out_dir=tmp_path / "out", formats=formats)
    assert {"board", "features", "risks", "cadence"} <= set(laid_out)  # the report has those parts
    shutil.copytree(tmp_path / "out", tmp_path / "out-without-store")
    laid_out.clear()
    next_day = run_report(config, snapshot_path=tomorrow, out_dir=tmp_path / "out", formats=formats)
    assert sorted(set(laid_out)) == ["margins", "risks", "summary", "trends"]

    without_store = config_from_dict({**data, "cache": {"enabled": False}})
    afresh = run_report(
        without_store, snapshot_path=tomorrow, out_dir=tmp_path / "out-without-store", formats=["pdf"]
    )
    assert _pdf_text(next_day.paths[1].read_bytes(), tmp_path) == _pdf_text(
        afresh.paths[0].read_bytes(), tmp_path
    )


@pytest.mark.usefixtures("apart")
def test_a_first_run_whose_head_start_fails_still_delivers_its_report(
    pulled: tuple[dict[str, Any], Path, Snapshot],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data, snapshot_path, _ = pulled
    monkeypatch.setenv(TOKEN_ENV, "not-used-offline")
    config = config_from_dict({**data, "cache": {"enabled": True, "path": str(tmp_path / "jira.sqlite3")}})

    def broken(document: str, lay_out: object) -> bool:
        raise RuntimeError("no room for the next run's front")

    monkeypatch.setattr(assemble, "keep_front", broken)
    run = run_report(
        config, snapshot_path=snapshot_path, out_dir=tmp_path / "out", formats=["pdf"], lay_out_apart=True
    )
    assert run.paths[0].read_bytes().startswith(b"%PDF-")
    assert "no room for the next run's front" in caplog.text


@pytest.mark.usefixtures("apart")
def test_the_worker_gets_the_print_document_before_the_json_document_is_made(
    pulled: tuple[dict[str, Any], Path, Snapshot], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's layout is what the run waits for last: it starts as soon as the figures are in
    from syncreport.indicators import export

    data, snapshot_path, _ = pulled
    monkeypatch.setenv(TOKEN_ENV, "not-used-offline")
    events: list[str] = []
    submit, document = LayoutWorker.submit, export.to_json_document

    def sending(self: LayoutWorker, *args: Any, **kwargs: Any) -> Any:
        events.append("print document sent")
        return submit(self, *args, **kwargs)

    def making(*args: Any, **kwargs: Any) -> Any:
        events.append("JSON document")
        return document(*args, **kwargs)

    monkeypatch.setattr(LayoutWorker, "submit", sending)
    monkeypatch.setattr(export, "to_json_document", making)
    config = config_from_dict({**data, "cache": {"enabled": False}})
    run_report(
        config, snapshot_path=snapshot_path, out_dir=tmp_path, formats=["pdf", "json"], lay_out_apart=True
    )
    assert events == ["print document sent", "JSON document"]


RUN_PROBE = """
import sys
from pathlib import Path
from syncreport.pipeline import run_report
run = run_report(None, snapshot_path=Path(sys.argv[1]), out_dir=Path(sys.argv[2]), formats=["pdf"], lay_out_apart=True)
assert run.paths[0].read_bytes().startswith(b"%PDF-")
print(sorted(m for m in ("pikepdf", "weasyprint") if m in sys.modules))
"""


def test_a_run_whose_worker_makes_the_pdf_imports_neither_pikepdf_nor_weasyprint(
    pulled: tuple[dict[str, Any], Path, Snapshot], tmp_path: Path
) -> None:
    # the worker lays out and joins the parts; the run's own process only renders and sends the document
    _, snapshot_path, _ = pulled
    done = subprocess.run(
        [sys.executable, "-c", RUN_PROBE, str(snapshot_path), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
