"""A warm run reuses the charts and the PDF it made before, and writes exactly what a cold run writes."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest

from syncreport import artifacts
from syncreport.config import config_from_dict
from syncreport.jira import pull_snapshot
from syncreport.pipeline import run_report
from syncreport.render import charts, pdf
from syncreport.simulator import SimulatorHandle, demo_config
from syncreport.snapshot import Snapshot, save_snapshot

pytestmark = pytest.mark.slow  # real PDFs

TOKEN_ENV = "WARM_RENDER_TEST_TOKEN"


@pytest.fixture(scope="module")
def pulled(
    cloud_sim: SimulatorHandle, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path, Snapshot]:
    data = demo_config(cloud_sim, token_env=TOKEN_ENV)
    data["cache"] = {"enabled": False}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TOKEN_ENV, cloud_sim.token)
        snapshot = pull_snapshot(config_from_dict(data))
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
