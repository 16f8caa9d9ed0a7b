"""CLI conventions: one way to find the config, check --json, report --format json --out -, shell completion."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncreport.cli import app
from syncreport.config_discovery import FoundConfig, find_config
from syncreport.logs import reset_logging
from syncreport.setup_wizard import render_toml
from syncreport.simulator import SimulatorHandle, demo_config
from syncreport.snapshot import Snapshot, save_snapshot

TOKEN_ENV = "CONVENTIONS_JIRA_TOKEN"


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No SYNCREPORT_CONFIG from the caller, a user config directory of our own, a clean working directory."""
    monkeypatch.delenv("SYNCREPORT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield
    reset_logging()


def _toml(path: Path, name: str = "Phoenix") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[jira]\nurl = "https://acme.atlassian.net"\nemail = "rte@acme.test"\ntoken_env = "{TOKEN_ENV}"\n'
        f'[train]\nname = "{name}"\njql = "project = PHX"\n'
    )
    return path


def test_discovery_order_is_option_then_variable_then_here_then_the_user_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _toml(tmp_path / "xdg" / "syncreport" / "syncreport.toml")
    assert (_found().path, _found().source) == (user, "the user config directory")
    here = _toml(Path.cwd() / "syncreport.toml")
    assert (_found().path, _found().source) == (here, "./syncreport.toml")
    monkeypatch.setenv("SYNCREPORT_CONFIG", str(tmp_path / "from-env.toml"))
    # A named file is used even when it does not exist (then loading it says so); it is never skipped.
    assert (_found().path, _found().source) == (tmp_path / "from-env.toml", "$SYNCREPORT_CONFIG")
    assert _found(tmp_path / "given.toml").source == "--config"


def _found(explicit: Path | None = None) -> FoundConfig:
    found = find_config(explicit)
    assert found is not None
    return found


def test_no_config_anywhere_is_one_line_naming_where_it_looked() -> None:
    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "syncreport: error: no config file found (looked at --config, $SYNCREPORT_CONFIG, "
    )
    assert "syncreport init" in line


@pytest.mark.e2e
def test_check_json_with_the_config_found_in_the_working_directory(
    cloud_sim: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, cloud_sim.token)
    data = demo_config(cloud_sim, token_env=TOKEN_ENV)
    data["cache"] = {"enabled": False}
    Path("syncreport.toml").write_text(render_toml(data))
    result = CliRunner().invoke(app, ["check", "--json"])
    document = json.loads(result.stdout)
    assert document["config"] == str(Path.cwd() / "syncreport.toml")
    assert document["config_source"] == "./syncreport.toml"
    assert result.exit_code == (0 if document["ok"] else 1)
    assert document["checks"] and all(
        set(c) == {"name", "ok", "warning", "detail", "fix"} for c in document["checks"]
    )
    assert document["ok"] is True, document
    assert cloud_sim.token not in result.stdout


def test_report_json_to_stdout_writes_the_document_and_no_file(tmp_path: Path) -> None:
    snapshot = Snapshot(
        train="Phoenix", site_url="https://acme.atlassian.net", taken_at=datetime(2026, 11, 26, tzinfo=UTC)
    )
    snap = save_snapshot(snapshot, tmp_path / "snap.json.gz")
    result = CliRunner().invoke(app, ["report", "--snapshot", str(snap), "--format", "json", "--out", "-"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["train"]["name"] == "Phoenix"
    assert list(Path.cwd().iterdir()) == []  # no reports folder, no "-" folder, no state


def test_stdout_is_for_json_only() -> None:
    result = CliRunner().invoke(app, ["report", "--snapshot", "x.json.gz", "--format", "html", "--out", "-"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "syncreport: error: --out - writes the JSON document to stdout; use it with --format json"
    )


def test_report_says_which_config_it_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _toml(tmp_path / "xdg" / "syncreport" / "syncreport.toml")
    snapshot = Snapshot(
        train="Phoenix", site_url="https://acme.atlassian.net", taken_at=datetime(2026, 11, 26, tzinfo=UTC)
    )
    snap = save_snapshot(snapshot, tmp_path / "snap.json.gz")
    result = CliRunner().invoke(
        app, ["report", "--snapshot", str(snap), "-f", "json", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code in (0, 3), result.stderr
    assert f"Config: {config} (from the user config directory)" in result.stderr.splitlines()


def test_shell_completion_is_on() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert result.exit_code == 0
    assert "_SYNCREPORT_COMPLETE" in result.stdout
    assert "--install-completion" in CliRunner().invoke(app, ["--help"]).stdout
