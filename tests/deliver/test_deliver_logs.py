import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncreport.errors import ConfigError
from syncreport.logs import configure_logging, redact, register_secret, register_secret_env, reset_logging

TOKEN = "ATATT3xFfGF0-jira-token-value"


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    yield
    reset_logging()


def test_log_file_gets_info_lines_with_the_token_redacted_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MY_JIRA_TOKEN", TOKEN)
    register_secret_env(["MY_JIRA_TOKEN"])
    log_file = tmp_path / "logs" / "syncreport.log"
    configure_logging(log_file=log_file, level="INFO")
    log = logging.getLogger("syncreport.test")

    log.info("calling Jira with %s", TOKEN)
    log.debug("not at INFO level")
    try:
        raise RuntimeError(f"Authorization: Bearer {TOKEN}")
    except RuntimeError:
        log.exception("request failed")
    log.warning("carry on")

    text = log_file.read_text()
    assert TOKEN not in text
    assert "calling Jira with ***" in text
    assert "RuntimeError: Authorization: Bearer ***" in text  # the traceback is redacted too
    assert "not at INFO level" not in text
    stderr = capsys.readouterr().err
    assert stderr.splitlines()[-1] == "syncreport: WARNING: carry on"
    assert TOKEN not in stderr


def test_quiet_console_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(quiet=True)
    logging.getLogger("syncreport.x").error("boom")
    assert capsys.readouterr().err == ""


def test_basic_auth_header_form_is_redacted_too() -> None:
    register_secret("another-token-1234", user="rte@example.com")
    header = base64.b64encode(b"rte@example.com:another-token-1234").decode()
    assert redact(f"Authorization: Basic {header}") == "Authorization: Basic ***"


def test_variables_named_like_secrets_are_redacted_without_being_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_SMTP_PASSWORD", "pa55-w0rd-acme")
    monkeypatch.setenv("ACME_COLOUR", "turquoise")
    register_secret_env()
    assert redact("pa55-w0rd-acme turquoise") == "*** turquoise"


def test_unwritable_log_file_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=r"cannot open the log file .*--log-file"):
        configure_logging(log_file=blocker / "run.log")


def test_quiet_without_log_file_prints_nothing_even_without_any_root_handler(tmp_path: Path) -> None:
    # pytest puts handlers on the root logger; a cron process has none, so check in a clean interpreter.
    import subprocess
    import sys

    code = (
        "import logging; from syncreport.logs import configure_logging; configure_logging(quiet=True); "
        "logging.getLogger('syncreport.pipeline').warning('would go to stderr via logging.lastResort')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (result.stdout, result.stderr) == ("", "")
