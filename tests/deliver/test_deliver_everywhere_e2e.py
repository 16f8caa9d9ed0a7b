"""One `syncreport report` run from the simulator delivers everywhere: the PDF by XOAUTH2 SMTP, the Slack and
Teams cards, the Confluence page and the spreadsheets, each received by a real server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from syncreport.cli import app
from syncreport.logs import reset_logging
from syncreport.setup_wizard import render_toml
from syncreport.simulator import SimulatorHandle, demo_config
from tests.deliver.conftest import ConfluenceDouble, HttpRecorder, SmtpFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _reset_logging_after() -> Iterator[None]:
    """The CLI configures syncreport's loggers; leave them as the next test expects (unconfigured)."""
    yield
    reset_logging()


# The secrets the test makes up; the Jira token is the simulator's, the webhook URLs the recorder's (below).
SMTP_TOKEN = "ya29.every-smtp-access-token"
CONFLUENCE_TOKEN = "confluence-every-token"


def test_one_run_delivers_mail_cards_page_and_spreadsheets(
    cloud_sim: SimulatorHandle,
    smtp_server: SmtpFactory,
    http_recorder: HttpRecorder,
    confluence_double: Callable[..., ConfluenceDouble],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mailbox = "reports@orbit.test"
    smtp = smtp_server(oauth_tokens={mailbox: SMTP_TOKEN})
    wiki = confluence_double("cloud", email="rte@orbit.test", token=CONFLUENCE_TOKEN)
    http_recorder.answers["/workflows/"] = (202, "", 0.0)
    env = {
        "EVERY_JIRA_TOKEN": cloud_sim.token,
        "EVERY_SMTP_TOKEN": SMTP_TOKEN,
        "EVERY_SLACK": f"{http_recorder.url}/services/T1/B2/slacksecret",
        "EVERY_TEAMS": f"{http_recorder.url}/workflows/w1/invoke?sig=teamssecret",
        "EVERY_CONFLUENCE": CONFLUENCE_TOKEN,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    data = demo_config(cloud_sim, token_env="EVERY_JIRA_TOKEN")
    data["cache"] = {"enabled": False}
    data["report"] = {"formats": ["html", "pdf", "csv", "xlsx"], "out_dir": str(tmp_path / "out")}
    data["email"] = {
        "enabled": True,
        "smtp_host": smtp.host,
        "smtp_port": smtp.port,
        "security": "plain",
        "username": mailbox,
        "sender": mailbox,
        "to": ["rte@orbit.test"],
        "auth": "xoauth2",
        "token_env": "EVERY_SMTP_TOKEN",
    }
    data["chat"] = {"slack_webhook_env": "EVERY_SLACK", "teams_webhook_env": "EVERY_TEAMS"}
    data["confluence"] = {
        "url": wiki.base,
        "email": wiki.email,
        "space": "ART",
        "token_env": "EVERY_CONFLUENCE",
    }
    config = tmp_path / "orbit.toml"
    config.write_text(render_toml(data))
    log_file = tmp_path / "run.log"

    result = CliRunner().invoke(app, ["report", "-c", str(config), "--log-file", str(log_file)])
    assert result.exit_code in (0, 3), result.output + result.stderr

    # E-mail: signed in with the token, the PDF attached.
    assert smtp.oauth_attempts == [f"user={mailbox}\x01auth=Bearer {env['EVERY_SMTP_TOKEN']}\x01\x01"]
    [mail] = smtp.messages
    [pdf] = list(mail.message.iter_attachments())
    assert pdf.get_content().startswith(b"%PDF-")
    # Confluence: one page, the PDF and HTML attached, the body in storage format.
    [page] = wiki.pages.values()
    assert page.title == "ART sync report: Orbit ART" and page.version == 1
    assert sorted(page.attachments) == ["orbit-art-latest.html", "orbit-art-latest.pdf"]
    assert page.attachments["orbit-art-latest.pdf"][0] == pdf.get_content()
    # The cards: one each, pointing at the Confluence page.
    slack, teams = http_recorder.received
    page_url = f"{wiki.base}/spaces/ART/pages/{page.id}"
    assert f"<{page_url}|Full report>" in str(slack.json())
    card = teams.json()["attachments"][0]["content"]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Full report", "url": page_url}]
    # The spreadsheets.
    out = tmp_path / "out"
    workbook = openpyxl.load_workbook(out / "orbit-art-latest.xlsx")
    assert workbook.sheetnames == ["Dependencies", "Slips", "Sprints", "Data quality"]
    rows = list(
        csv.DictReader(io.StringIO((out / "orbit-art-latest.dependencies.csv").read_text("utf-8-sig")))
    )
    assert len(rows) == workbook["Dependencies"].max_row - 1 > 0
    # No secret anywhere the run wrote to.
    everything = result.output + result.stderr + log_file.read_text()
    for secret in (
        "slacksecret",
        "teamssecret",
        env["EVERY_SMTP_TOKEN"],
        env["EVERY_CONFLUENCE"],
        cloud_sim.token,
    ):
        assert secret not in everything
    assert "posted to Slack and Teams" in result.stderr
