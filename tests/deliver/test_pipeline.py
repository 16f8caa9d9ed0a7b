"""run_report with real indicators and rendering, on a snapshot pulled once from the simulator."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from syncreport.config import config_from_dict, load_config
from syncreport.errors import ConfigError, DeliveryError
from syncreport.kinds import Health
from syncreport.pipeline import ReportRun, run_report
from syncreport.setup_wizard import render_toml
from syncreport.snapshot import Snapshot, save_snapshot
from tests.deliver.conftest import SmtpFactory

# slow: every run renders and writes a real PDF (./dev.sh test-fast leaves these out).
pytestmark = pytest.mark.slow


def _snapshot_file(snapshot: Snapshot, folder: Path, days_later: int = 0) -> Path:
    moved = replace(snapshot, taken_at=snapshot.taken_at + timedelta(days=days_later))
    return save_snapshot(moved, folder / f"snap-{days_later}.json.gz")


def test_offline_report_without_config_writes_dated_files_and_remembers_the_run(
    pulled: tuple[dict[str, Any], Snapshot], tmp_path: Path
) -> None:
    _, snapshot = pulled
    out = tmp_path / "out"
    run = run_report(
        None, snapshot_path=_snapshot_file(snapshot, tmp_path), out_dir=out, formats=["html", "json"]
    )

    day = snapshot.taken_at.astimezone().date().isoformat()
    assert [p.name for p in run.paths] == [f"orbit-art-{day}.html", f"orbit-art-{day}.json"]
    assert [p.name for p in run.latest_paths] == ["orbit-art-latest.html", "orbit-art-latest.json"]
    assert not list(out.glob("*.pdf"))
    # The simulator plants dependency cycles among unfinished issues; an open cycle makes the train red.
    assert run.health == "red"
    assert any("dependency cycle" in reason for reason in run.health_reasons)
    assert run.previous is None and not run.emailed
    document = json.loads(run.paths[1].read_text())
    schema = json.loads(files("syncreport").joinpath("schema/report.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["changes_since_last"]["available"] is False
    (remembered,) = (out / ".syncreport" / "orbit-art").glob("*.json")
    # the state is the report's JSON file as written (not encoded a second time), and reads as the same
    assert remembered.read_bytes() == run.paths[1].read_bytes()
    assert "<html" in run.paths[0].read_text().lower()


def test_the_next_run_compares_with_the_previous_one_and_old_days_are_dropped(
    pulled: tuple[dict[str, Any], Snapshot], tmp_path: Path
) -> None:
    _, snapshot = pulled
    out = tmp_path / "out"
    runs: list[ReportRun] = []
    for days_later in (0, 7, 14):  # three weekly runs, report.keep = 2
        config = config_from_dict({**pulled[0], "report": {"keep": 2}})
        runs.append(
            run_report(
                config,
                snapshot_path=_snapshot_file(snapshot, tmp_path, days_later),
                out_dir=out,
                formats=["json"],
            )
        )
    assert runs[1].previous is not None and runs[2].previous is not None
    assert runs[2].previous.name.startswith((snapshot.taken_at + timedelta(days=7)).strftime("%Y%m%dT"))
    latest = json.loads(runs[2].paths[0].read_text())["changes_since_last"]
    assert latest["available"] is True
    assert latest["previous_health"] == "red"
    # keep = 2: the first week's dated file is gone, the latest copy stays.
    assert sorted(p.name for p in out.glob("orbit-art-*.json")) == sorted(
        [runs[1].paths[0].name, runs[2].paths[0].name, "orbit-art-latest.json"]
    )


def test_relative_out_dir_in_a_config_file_is_relative_to_that_file(
    pulled: tuple[dict[str, Any], Snapshot], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, snapshot = pulled
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "orbit.toml").write_text(
        render_toml({**data, "report": {"out_dir": "reports", "formats": ["json"]}})
    )
    monkeypatch.chdir(tmp_path)  # cron's working directory is not the config's folder
    run = run_report(load_config(folder / "orbit.toml"), snapshot_path=_snapshot_file(snapshot, tmp_path))
    assert run.paths[0].parent == folder / "reports"


def test_a_failed_e_mail_keeps_the_files_says_where_and_does_not_advance_the_state(
    pulled: tuple[dict[str, Any], Snapshot], tmp_path: Path
) -> None:
    data, snapshot = pulled
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = config_from_dict(
        {
            **data,
            "email": {
                "smtp_host": "127.0.0.1",
                "smtp_port": closed_port,
                "security": "plain",
                "to": ["rte@orbit.test"],
            },
        }
    )
    out = tmp_path / "out"
    with pytest.raises(DeliveryError) as failed:
        run_report(
            config, snapshot_path=_snapshot_file(snapshot, tmp_path), out_dir=out, formats=["pdf"], email=True
        )
    assert f"(the report files are in {out})" in str(failed.value)
    assert {p.suffix for p in out.glob("orbit-art-*")} == {".pdf"}
    # Next week's report still compares with the last run whose report reached people.
    assert not (out / ".syncreport" / "orbit-art").exists()


def test_the_e_mail_body_uses_the_templates_dir_of_the_config(
    pulled: tuple[dict[str, Any], Snapshot], smtp_server: SmtpFactory, tmp_path: Path
) -> None:
    # report.templates_dir holds email/summary.txt: the mail's plain-text part is that template
    # (the pipeline rendered the body without the report settings, so the packaged one was sent)
    data, snapshot = pulled
    smtp = smtp_server(security="plain")
    templates = tmp_path / "my-templates"
    (templates / "email").mkdir(parents=True)
    (templates / "email" / "summary.txt").write_text("Our own summary for {{ results.train.name }}\n")
    config = config_from_dict(
        {
            **data,
            "report": {"templates_dir": str(templates)},
            "email": {
                "smtp_host": smtp.host,
                "smtp_port": smtp.port,
                "security": "plain",
                "to": ["rte@orbit.test"],
            },
        }
    )
    run = run_report(
        config,
        snapshot_path=_snapshot_file(snapshot, tmp_path),
        out_dir=tmp_path / "out",
        formats=["json"],
        email=True,
    )
    assert run.emailed and len(smtp.messages) == 1
    body = smtp.messages[0].message.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().strip() == "Our own summary for Orbit ART"


def test_e_mail_set_up_errors_stop_the_run_before_any_work(
    pulled: tuple[dict[str, Any], Snapshot], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, snapshot = pulled
    monkeypatch.delenv("ORBIT_SMTP_PW", raising=False)
    config = config_from_dict(
        {**data, "email": {"username": "reports", "password_env": "ORBIT_SMTP_PW", "to": ["rte@orbit.test"]}}
    )
    with pytest.raises(ConfigError, match="ORBIT_SMTP_PW"):
        run_report(
            config, snapshot_path=_snapshot_file(snapshot, tmp_path), out_dir=tmp_path / "out", email=True
        )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("health", "fail_on", "fails"),
    [
        ("green", None, False),
        ("red", None, False),
        ("amber", "red", False),
        ("red", "red", True),
        ("amber", "amber", True),
        ("red", "amber", True),
        ("green", "amber", False),
    ],
)
def test_fail_on_means_this_health_or_worse(
    health: str, fail_on: str | None, fails: bool, tmp_path: Path
) -> None:
    run = ReportRun(
        train="T",
        pi=None,
        taken_at=datetime(2026, 11, 26, tzinfo=UTC),
        health=Health(health),
        health_reasons=(),
        paths=(),
        latest_paths=(),
        removed=(),
        emailed=False,
        recipients=(),
        previous=None,
        fail_on=fail_on,
    )
    assert run.health_fails is fails
