"""Slack and Teams cards: built from the results, posted once after delivery, to a real server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncreport.cli import app, exit_code_of
from syncreport.config import ChatSettings, config_from_dict
from syncreport.deliver.chat import (
    AttentionLine,
    ChatSummary,
    Link,
    Webhook,
    notify,
    post,
    slack_payload,
    summarize,
    teams_payload,
    webhooks,
)
from syncreport.errors import ConfigError, NotifyError
from syncreport.indicators import compute_indicators
from syncreport.logs import configure_logging, reset_logging
from syncreport.pipeline import run_report
from syncreport.setup_wizard import render_toml
from syncreport.snapshot import Snapshot, save_snapshot
from tests.deliver.conftest import HttpRecorder

SLACK_ENV = "CHAT_TEST_SLACK_WEBHOOK"
TEAMS_ENV = "CHAT_TEST_TEAMS_WEBHOOK"
# The secret parts of real webhook URLs: Slack's last path segment, a Teams workflow's sig= parameter.
SLACK_SECRET = "T0001/B0002/xoxSlackSecretPart42"
TEAMS_SECRET = "sig=TeamsSignatureSecret99"


def _summary(**changes: Any) -> ChatSummary:
    summary = ChatSummary(
        title="ART sync report: Phoenix · PI 26.4",
        as_of="2026-11-26 09:00 UTC",
        health="amber",
        reasons=("1 late dependency",),
        attention=(
            AttentionLine(
                1,
                "error",
                "ORB-7 <late> & blocking [ORB-3]",
                (Link("ORB-7", "https://acme.atlassian.net/browse/ORB-7"),),
            ),
        ),
        changes="Since the last run: 1 turned late.",
        report="https://wiki.acme.test/x/ART",
    )
    return dataclasses.replace(summary, **changes)


@pytest.fixture(autouse=True)
def _reset_logging_after() -> Iterator[None]:
    """The CLI configures syncreport's loggers; leave them as the next test expects (unconfigured)."""
    yield
    reset_logging()


def test_slack_card_escapes_jira_text_and_links_the_keys() -> None:
    payload = slack_payload(_summary())
    # Worked out by hand: Slack mrkdwn escapes only &, <, >; a key is <url|KEY>.
    assert payload["text"] == "ART sync report: Phoenix · PI 26.4: train health AMBER"
    attention = payload["blocks"][2]["text"]["text"]
    assert attention == (
        "*Needs attention now*\n1. [error] ORB-7 &lt;late&gt; &amp; blocking [ORB-3] "
        "(<https://acme.atlassian.net/browse/ORB-7|ORB-7>)"
    )
    assert payload["blocks"][-1]["elements"][0]["text"] == "<https://wiki.acme.test/x/ART|Full report>"


def test_a_long_slack_section_is_cut_at_a_line_end_within_slacks_limit() -> None:
    many = tuple(
        AttentionLine(n, "error", "x" * 700, (Link(f"ORB-{n}", f"https://acme.test/browse/ORB-{n}"),))
        for n in range(1, 6)
    )  # 5 lines of about 750 characters: about 3,760 in all, over Slack's 3,000
    text = slack_payload(_summary(attention=many))["blocks"][2]["text"]["text"]
    assert len(text) <= 3000
    assert text.endswith("\n… (more in the full report)")
    assert text.count("<https://acme.test/browse/") == 3  # whole lines only: 3 fit, no link cut in half


def test_teams_card_is_an_adaptive_card_in_a_workflow_message_with_markdown_links() -> None:
    payload = teams_payload(_summary(report="/srv/reports/phoenix-latest.html"))
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    texts = [block["text"] for block in card["body"]]
    # Only our link is a link: a "[text](url)" in Jira text is broken up (the card has no escape character).
    assert (
        "1. ERROR: ORB-7 <late> & blocking [ORB-3] ([ORB-7](https://acme.atlassian.net/browse/ORB-7))"
        in texts
    )
    injected = teams_payload(_summary(reasons=("see [here](https://evil.test)",)))
    assert "- see [here] (https://evil.test)" in [
        b["text"] for b in injected["attachments"][0]["content"]["body"]
    ]
    assert texts[-1] == "Full report: /srv/reports/phoenix-latest.html"
    assert "actions" not in card  # a path is not a URL to open


def test_a_missing_webhook_variable_is_a_config_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SLACK_ENV, raising=False)
    with pytest.raises(ConfigError, match=f"{SLACK_ENV} \\(chat.slack_webhook_env\\) is not set"):
        webhooks(ChatSettings(slack_webhook_env=SLACK_ENV))


def test_a_webhook_that_is_not_https_is_refused_without_printing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLACK_ENV, f"http://hooks.slack.example/services/{SLACK_SECRET}")
    with pytest.raises(ConfigError) as caught:
        webhooks(ChatSettings(slack_webhook_env=SLACK_ENV))
    assert "not an https:// URL" in caught.value.message
    assert SLACK_SECRET not in caught.value.message


def test_a_refused_card_is_one_line_without_the_url_and_is_not_retried(
    http_recorder: HttpRecorder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    http_recorder.answers["/services/"] = (404, "no_service", 0.0)
    monkeypatch.setenv(SLACK_ENV, f"{http_recorder.url}/services/{SLACK_SECRET}")
    log_file = tmp_path / "debug.log"
    configure_logging(log_file=log_file, debug=True, quiet=True)  # urllib3 logs each request's path
    try:
        [hook] = webhooks(ChatSettings(slack_webhook_env=SLACK_ENV))
        with pytest.raises(NotifyError) as caught:
            post(hook, slack_payload(_summary()), timeout=5)
    finally:
        reset_logging()
    assert caught.value.message == (
        f"the Slack webhook ({SLACK_ENV}) answered 404 no_service; check the URL in {SLACK_ENV} "
        "(re-create the webhook if it was revoked)"
    )
    assert exit_code_of(caught.value) == 4
    assert len(http_recorder.received) == 1
    logged = log_file.read_text()
    assert '"POST ***' in logged  # the request line was logged, its path redacted
    assert SLACK_SECRET not in logged


def test_a_webhook_that_does_not_answer_in_time_is_posted_once_and_says_so(
    http_recorder: HttpRecorder,
) -> None:
    http_recorder.answers["/slow"] = (200, "ok", 1.5)
    hook = Webhook("Teams", TEAMS_ENV, f"{http_recorder.url}/slow?{TEAMS_SECRET}")
    posted, error = notify([hook], _summary(), timeout=0.3)
    assert posted == []
    assert error is not None and "did not answer within 0.3s" in error and TEAMS_SECRET not in error
    assert len(http_recorder.received) == 1  # never retried: a second POST could duplicate the card


# --- end to end: the pipeline posts after writing, the CLI's exit code ----------------------------------------


def _chat_config(data: dict[str, Any], **chat: Any) -> dict[str, Any]:
    return {**data, "chat": {"slack_webhook_env": SLACK_ENV, "teams_webhook_env": TEAMS_ENV, **chat}}


@pytest.mark.e2e
def test_a_run_posts_one_slack_and_one_teams_card_with_the_reports_figures(
    pulled: tuple[dict[str, Any], Snapshot],
    http_recorder: HttpRecorder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, snapshot = pulled
    monkeypatch.setenv(SLACK_ENV, f"{http_recorder.url}/services/{SLACK_SECRET}")
    monkeypatch.setenv(TEAMS_ENV, f"{http_recorder.url}/workflows/run?{TEAMS_SECRET}")
    http_recorder.answers["/workflows/"] = (202, "", 0.0)  # a Teams workflow answers 202 Accepted
    snap = save_snapshot(snapshot, tmp_path / "snap.json.gz")
    out = tmp_path / "out"
    run = run_report(config_from_dict(_chat_config(data)), snapshot_path=snap, out_dir=out, formats=["html"])

    assert run.posted == ("Slack", "Teams") and run.notify_error is None
    slack, teams = http_recorder.received
    assert slack.path == f"/services/{SLACK_SECRET}" and teams.path == f"/workflows/run?{TEAMS_SECRET}"
    assert slack.headers["Content-Type"] == "application/json"
    # The same figures as the report: computed here from the same snapshot (a first run: no changes).
    results = compute_indicators(snapshot)
    slack_text = str(slack.json())
    card_text = str(teams.json()["attachments"][0]["content"])
    assert f"train health {results.train_health.health.upper()}" in slack.json()["text"]
    assert len(results.attention) == 5
    for item in results.attention:
        if not item.keys:  # a red team's item names a team, no issue (red teams have their places first)
            continue
        key = item.keys[0]
        assert f"<{snapshot.issue_url(key)}|{key}>" in slack_text
        assert f"[{key}]({snapshot.issue_url(key)})" in card_text
    assert "Changes since the last run are not available: " in slack_text
    latest_html = str(out / "orbit-art-latest.html")
    assert latest_html in slack_text and latest_html in card_text


@pytest.mark.e2e
def test_nothing_is_posted_when_the_files_cannot_be_written(
    pulled: tuple[dict[str, Any], Snapshot],
    http_recorder: HttpRecorder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, snapshot = pulled
    monkeypatch.setenv(SLACK_ENV, f"{http_recorder.url}/services/{SLACK_SECRET}")
    monkeypatch.setenv(TEAMS_ENV, f"{http_recorder.url}/workflows/run?{TEAMS_SECRET}")
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    snap = save_snapshot(snapshot, tmp_path / "snap.json.gz")
    with pytest.raises(Exception, match=r"output folder|cannot"):
        run_report(
            config_from_dict(_chat_config(data, report_url="https://wiki.acme.test/ART")),
            snapshot_path=snap,
            out_dir=blocker / "sub",
            formats=["html"],
        )
    assert http_recorder.received == []


def _args(config: Path, snap: Path, out: Path) -> list[str]:
    return ["report", "-c", str(config), "--snapshot", str(snap), "-o", str(out), "-f", "json"]


@pytest.mark.e2e
def test_cli_exits_4_with_one_line_when_a_webhook_refuses_and_never_shows_the_url(
    pulled: tuple[dict[str, Any], Snapshot],
    http_recorder: HttpRecorder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, snapshot = pulled
    monkeypatch.setenv(SLACK_ENV, f"{http_recorder.url}/services/{SLACK_SECRET}")
    monkeypatch.setenv(TEAMS_ENV, f"{http_recorder.url}/workflows/run?{TEAMS_SECRET}")
    http_recorder.answers["/services/"] = (403, "invalid_token", 0.0)
    http_recorder.answers["/workflows/"] = (202, "", 0.0)
    config = tmp_path / "orbit.toml"
    log_file = tmp_path / "run.log"
    config.write_text(render_toml(_chat_config(data, report_url="https://wiki.acme.test/ART")))
    snap = save_snapshot(snapshot, tmp_path / "snap.json.gz")
    result = CliRunner().invoke(
        app,
        [*_args(config, snap, tmp_path / "out"), "--log-file", str(log_file)],
    )
    assert result.exit_code == 4, result.output
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == [
        f"syncreport: error: the Slack webhook ({SLACK_ENV}) answered 403 invalid_token; check the URL in "
        f"{SLACK_ENV} (re-create the webhook if it was revoked) (Teams: posted); the report itself was delivered"
    ]
    assert (tmp_path / "out" / "orbit-art-latest.json").is_file()
    assert len(http_recorder.received) == 2
    everything = result.output + result.stderr + log_file.read_text()
    assert SLACK_SECRET not in everything and TEAMS_SECRET not in everything
    assert "answered 403 invalid_token" in log_file.read_text()
    # --no-chat: the same run posts nothing.
    again = CliRunner().invoke(
        app,
        [*_args(config, snap, tmp_path / "out2"), "--no-chat"],
    )
    assert again.exit_code == 0, again.output
    assert len(http_recorder.received) == 2


def test_summary_of_a_first_run_says_why_there_are_no_changes(
    pulled: tuple[dict[str, Any], Snapshot],
) -> None:
    _, snapshot = pulled
    results = compute_indicators(snapshot)
    summary = summarize(results, snapshot.issue_url, "/tmp/r.html")
    assert summary.changes.startswith("Changes since the last run are not available: ")
    assert summary.health == results.train_health.health
    assert summary.as_of == results.train.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert [line.rank for line in summary.attention] == [1, 2, 3, 4, 5]
