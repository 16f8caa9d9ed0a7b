"""What reaches the terminal: usage errors in one line for cron mail, and no control text from Jira."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncreport.cli import app
from syncreport.logs import configure_logging, reset_logging
from syncreport.snapshot import save_snapshot
from syncreport.untrusted import for_terminal
from tests.indicators.builders import blocks, issue, sprints_for, train

OSC_TITLE = "\x1b]0;you have been pwned\x07"  # sets the terminal window's title
OSC_LINK = "\x1b]8;;https://evil.example/\x1b\\Rockets\x1b]8;;\x1b\\"  # a hyperlink hiding its target
CLEAR = "\x1b[2J\x1b[H"  # clears the screen
HOSTILE_TEAM = f"Comets{OSC_TITLE}{CLEAR}\u202e"  # ...and a right-to-left override at the end


@pytest.fixture(autouse=True)
def _quiet_logging_after() -> Iterator[None]:
    yield
    reset_logging()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["report", "--fo"],
            "Error: No such option: --fo (Possible options: --format, --out, --to) (try syncreport report --help)",
        ),
        (["repor"], "Error: No such command 'repor'. Did you mean 'report'? (try syncreport --help)"),
        (
            ["fetch", "--config", "x.toml"],
            "Error: Missing option '--snapshot' / '-s'. (try syncreport fetch --help)",
        ),
    ],
)
def test_a_usage_error_is_one_line_when_stderr_is_not_a_terminal(args: list[str], line: str) -> None:
    # CliRunner's stderr is not a terminal, like cron's
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


def test_a_usage_error_is_one_line_from_the_installed_command_too() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "syncreport"), "report", "--fail-on", "blue"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("Error: Invalid value for '--fail-on'")
    assert done.stderr.rstrip().endswith("(try syncreport report --help)")


def test_help_still_prints_in_full() -> None:
    result = CliRunner().invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "--fail-on" in result.stdout and len(result.stdout.splitlines()) > 10


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"team {OSC_TITLE}A", "team A"),
        (f"team {OSC_LINK}", "team Rockets"),
        (f"{CLEAR}team A", "team A"),
        ("team \x9b31mA\x9d0;title\x9c", "team A"),  # 8-bit C1 CSI and OSC
        ("team A\nok   token: fine", "team A ok   token: fine"),  # no line of its own
        ("team A\rok", "team A ok"),
        ("team \u202eA\u2066B\u2069\u200f", "team AB"),  # bidi controls
        ("bell\x07 nul\x00 del\x7f", "bell nul del"),
        ("Équipe 東京 🚀", "Équipe 東京 🚀"),  # ordinary text is left alone
    ],
)
def test_for_terminal_strips_escape_sequences_and_controls(text: str, shown: str) -> None:
    assert for_terminal(text) == shown


def test_for_terminal_can_keep_the_lines_of_a_traceback() -> None:
    assert for_terminal("line 1\x1b[31m\nline 2\r", keep_newlines=True) == "line 1\nline 2 "


def test_the_report_summary_line_carries_no_escape_from_a_team_name(tmp_path: Path) -> None:
    # B's three dependencies are late (B-n in sprint 23, I3; A-n need them in sprint 12, I2), so the team
    # delivering them, HOSTILE_TEAM, is red and the summary line names it: "1 team red: Comets".
    issues = [issue(f"A-{n}", "A", (12,), parent_key="F-1") for n in (1, 2, 3)]
    issues += [issue(f"B-{n}", HOSTILE_TEAM, (23,), parent_key="F-1") for n in (1, 2, 3)]
    issues.append(issue("F-1", "A", issue_type="Feature"))
    snapshot = train(issues, sprints_for("A", "B"), [blocks(f"B-{n}", f"A-{n}") for n in (1, 2, 3)])
    path = save_snapshot(snapshot, tmp_path / "hostile.json.gz")
    result = CliRunner().invoke(
        app, ["report", "--snapshot", str(path), "--format", "json", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith("Train health RED: 1 team red: Comets")
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output


def test_a_log_line_carries_no_escape_from_jira_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "run.log"
    configure_logging(log_file=log)
    logging.getLogger("syncreport.test").warning("sprint %s has no dates", f"S1{OSC_TITLE}")
    for text in (capsys.readouterr().err, log.read_text()):
        assert "sprint S1 has no dates" in text
        assert "\x1b" not in text and "\x07" not in text
