"""CLI wiring of `report` and the global options: exit codes, one-line errors, help, no secret in output."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from syncreport import pipeline
from syncreport.cli import app
from syncreport.deliver.lock import run_lock
from syncreport.logs import reset_logging
from syncreport.simulator import SimulatorHandle
from syncreport.snapshot import Snapshot, save_snapshot

TOKEN = "ATATT3xFfGF0-cli-test-token-9876"


@pytest.fixture(autouse=True)
def _quiet_logging_after() -> Iterator[None]:
    yield
    reset_logging()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PHOENIX_JIRA_TOKEN", TOKEN)
    path = tmp_path / "phoenix.toml"
    path.write_text(
        '[jira]\nurl = "https://acme.atlassian.net"\nemail = "rte@acme.test"\ntoken_env = "PHOENIX_JIRA_TOKEN"\n'
        '[train]\nname = "Phoenix"\njql = "project = PHX"\n'
        f'[report]\nout_dir = "reports"\nstate_dir = "{tmp_path / "state"}"\n'
    )
    return path


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    snapshot = Snapshot(
        train="Phoenix", site_url="https://acme.atlassian.net", taken_at=datetime(2026, 11, 26, tzinfo=UTC)
    )
    return save_snapshot(snapshot, tmp_path / "phoenix.snapshot.json.gz")


def _one_line_error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("syncreport: error: ")
    assert result.stdout == ""
    line: str = lines[0]
    return line


def _commands() -> dict[str, Callable[..., Any]]:
    """Each command's name and its function (typer names a command after its function unless told)."""
    return {c.name or c.callback.__name__: c.callback for c in app.registered_commands if c.callback}


def test_every_command_has_help_text(runner: CliRunner) -> None:
    assert {"report", "init"} <= set(_commands())
    for name, callback in sorted(_commands().items()):
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert callback.__doc__ and callback.__doc__.strip(), f"{name} has no help text"
        assert callback.__doc__.strip().split("\n")[0][:40] in " ".join(result.stdout.split())


def test_top_level_help_lists_quiet_and_log_file(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "--quiet" in result.stdout and "--log-file" in result.stdout


def test_report_without_config_or_snapshot_is_a_usage_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SYNCREPORT_CONFIG", raising=False)
    line = _one_line_error(runner.invoke(app, ["report"]), 2)
    assert "--config FILE (or set SYNCREPORT_CONFIG)" in line


def test_missing_config_file_says_how_to_make_one(runner: CliRunner, tmp_path: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["report", "--config", str(tmp_path / "nope.toml")]), 2)
    assert "does not exist" in line and "syncreport init" in line


def test_unknown_format_is_a_usage_error(runner: CliRunner, config_file: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["report", "-c", str(config_file), "--format", "pdf,docx"]), 2)
    assert "unknown report format docx" in line


def test_email_without_recipients_fails_before_any_work(runner: CliRunner, config_file: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["report", "-c", str(config_file), "--email"]), 2)
    assert "no recipients" in line


def test_bad_fail_on_value_is_rejected_by_the_parser(runner: CliRunner, config_file: Path) -> None:
    result = runner.invoke(app, ["report", "-c", str(config_file), "--fail-on", "blue"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_second_run_while_the_lock_is_held_exits_0_without_output(
    runner: CliRunner, config_file: Path, snapshot_file: Path, tmp_path: Path
) -> None:
    with run_lock(tmp_path / "state" / "phoenix.lock"):
        result = runner.invoke(app, ["report", "-c", str(config_file), "--snapshot", str(snapshot_file)])
    assert result.exit_code == 0
    assert result.output == ""
    assert not (tmp_path / "reports").exists()


def test_debug_traceback_never_shows_the_token(runner: CliRunner, config_file: Path, tmp_path: Path) -> None:
    # A path that contains the token ends up in the error message; the traceback must redact it.
    missing = tmp_path / f"{TOKEN}.json.gz"
    args = ["report", "-c", str(config_file), "--snapshot", str(missing)]

    plain = runner.invoke(app, args)
    assert plain.exit_code == 2
    assert TOKEN not in plain.output and "***" in plain.stderr

    debug = runner.invoke(app, ["--debug", *args])
    assert debug.exit_code == 2
    assert "Traceback (most recent call last)" in debug.stderr
    assert "ConfigError" in debug.stderr
    assert TOKEN not in debug.output
    assert "***" in debug.stderr


def test_internal_error_is_one_line_and_its_traceback_only_under_debug(
    runner: CliRunner, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"bug while holding {TOKEN}")

    monkeypatch.setattr(pipeline, "run_report_from_files", broken)
    result = runner.invoke(app, ["report", "-c", str(config_file)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "syncreport: internal error: RuntimeError; run again with --debug for the traceback and report it"
    ]
    debug = runner.invoke(app, ["--debug", "report", "-c", str(config_file)])
    assert debug.exit_code == 1
    assert "RuntimeError: bug while holding ***" in debug.stderr
    assert TOKEN not in debug.output


def test_unwritable_log_file_is_a_usage_error(runner: CliRunner, tmp_path: Path, config_file: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["--log-file", str(blocker / "x.log"), "report", "-c", str(config_file)])
    _one_line_error(result, 2)


@pytest.mark.e2e
def test_offline_report_prints_paths_and_health_then_exits_3_on_fail_on(
    cloud_sim: SimulatorHandle, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syncreport.config import config_from_dict
    from syncreport.jira import pull_snapshot
    from syncreport.simulator import demo_config

    monkeypatch.setenv("CLI_SIM_TOKEN", cloud_sim.token)
    data = demo_config(cloud_sim, token_env="CLI_SIM_TOKEN")
    data["cache"] = {"enabled": False}
    snapshot_path = save_snapshot(pull_snapshot(config_from_dict(data)), tmp_path / "orbit.json.gz")
    out = tmp_path / "out"

    result = runner.invoke(
        app,
        [
            "report",
            "--snapshot",
            str(snapshot_path),
            "--out",
            str(out),
            "--format",
            "json",
            "--fail-on",
            "red",
        ],
    )

    # The simulator's train is red (open dependency cycles), so --fail-on red exits 3 after writing.
    assert result.exit_code == 3, result.output
    [dated] = [p for p in out.glob("orbit-art-*.json") if "latest" not in p.name]
    assert result.stdout.splitlines() == [str(dated)]
    health_line, fail_line = result.stderr.splitlines()
    assert health_line.startswith("Train health RED: ")
    assert fail_line == "syncreport: train health is red (--fail-on red); the report was delivered"
    assert "\x1b[" not in result.output  # not a terminal: no colour, no progress bar

    options = ["--snapshot", str(snapshot_path), "--out", str(out), "--format", "json", "--fail-on", "red"]
    for where in (["--quiet", "report"], ["report", "--quiet"]):  # before or after the command name
        quiet = runner.invoke(app, [*where, *options])
        assert quiet.exit_code == 3
        assert quiet.stdout == ""
        assert quiet.stderr.splitlines() == [fail_line]  # the one line cron must mail


def test_a_broken_config_file_is_logged_to_the_log_file_too(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[jira]\nurl = "ftp://nope"\n')
    log_file = tmp_path / "run.log"
    result = runner.invoke(app, ["report", "--quiet", "--log-file", str(log_file), "--config", str(config)])
    line = _one_line_error(result, 2)
    assert "jira.url" in line
    logged = log_file.read_text()
    assert "ERROR" in logged and "jira.url" in logged


def test_an_unwritable_output_folder_is_one_line_runtime_error(
    runner: CliRunner, snapshot_file: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = runner.invoke(
        app, ["report", "--snapshot", str(snapshot_file), "--out", str(blocker / "reports")]
    )
    line = _one_line_error(result, 1)
    assert "choose a writable --out" in line
