"""Config values that used to make Python raise (or were silently coerced) are one line and exit 2.

Each bad value goes through the CLI the way a user meets it (`report --config`, `check --config`):
one line on stderr naming the file and the key, exit code 2, no traceback, and nothing secret echoed.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncreport.cli import app
from syncreport.config import config_from_dict, is_env_name, load_config
from syncreport.errors import ConfigError
from syncreport.logs import redact, reset_logging

BASE = (
    '[jira]\nurl = "https://acme.atlassian.net"\nemail = "rte@acme.test"\n'
    '[train]\nname = "Phoenix"\njql = "project = PHX"\n'
)
PASTED_TOKEN = "ATATT3xFfGF0Tq9Zx8PastedToken4"  # letters and digits only: it passes a name's pattern


@pytest.fixture(autouse=True)
def _quiet_logging_after() -> Iterator[None]:
    yield
    reset_logging()


def _jira(extra: str) -> str:
    return BASE.replace('email = "rte@acme.test"\n', f'email = "rte@acme.test"\n{extra}\n')


BAD_VALUES = [
    # (what, config text (bytes allowed), words the one line must contain)
    ("invalid UTF-8", BASE.encode() + b'[report]\nout_dir = "r\xff\xfe"\n', ["line 8 is not UTF-8"]),
    ("inf timeout", _jira("timeout_seconds = inf"), ["jira.timeout_seconds", "finite"]),
    ("nan retry budget", _jira("max_retry_seconds = nan"), ["jira.max_retry_seconds", "finite"]),
    ("huge timeout", _jira("timeout_seconds = 1e300"), ["jira.timeout_seconds", "3600"]),
    ("missing ca_bundle", _jira('ca_bundle = "nope.pem"'), ["jira.ca_bundle", "does not exist"]),
    ("ca_bundle not PEM", _jira('ca_bundle = "bad.toml"'), ["jira.ca_bundle", "not a PEM file"]),
    ("cache path is a folder", BASE + '[cache]\npath = "."\n', ["cache.path", "is a folder"]),
    (
        "cache path under a file",
        BASE + '[cache]\npath = "bad.toml/c.sqlite"\n',
        ["cache.path", "which is a file"],
    ),
    ("huge count", BASE + "[iterations]\ncount = 100000000000\n", ["iterations.count", "52"]),
    ("huge length", BASE + "[iterations]\nlength_days = 9999999\n", ["iterations.length_days"]),
    (
        "huge board id",
        BASE.replace('jql = "project = PHX"', 'jql = "x"\nboards = [99999999999999999999]'),
        ["train.boards[0]"],
    ),
    ("huge days", BASE + "[report]\nchanges_since_days = 99999999999\n", ["report.changes_since_days"]),
    (
        "300-character train name",
        BASE.replace('"Phoenix"', '"' + "x" * 300 + '"'),
        ["train.name", "100 characters"],
    ),
    ("empty train name", BASE.replace('"Phoenix"', '"  "'), ["train.name"]),
    ("a string is not a boolean", _jira('verify_tls = "no"'), ["jira.verify_tls", "boolean"]),
    ("a string is not a number", _jira('concurrency = "4"'), ["jira.concurrency", "integer"]),
    ("port out of range", BASE + "[email]\nsmtp_port = 70000\n", ["email.smtp_port", "65535"]),
    ("port zero", BASE + "[email]\nsmtp_port = 0\n", ["email.smtp_port"]),
    ("SMTP host with a port", BASE + '[email]\nsmtp_host = "smtp.acme.com:587"\n', ["email.smtp_host"]),
    ("sender not an address", BASE + '[email]\nsender = "syncreport"\n', ["email.sender"]),
    ("missing email ca_bundle", BASE + '[email]\nca_bundle = "ca.pem"\n', ["email.ca_bundle"]),
    ("templates_dir missing", BASE + '[report]\ntemplates_dir = "brand"\n', ["report.templates_dir"]),
    ("log file under a file", BASE + '[logging]\nfile = "bad.toml/run.log"\n', ["logging.file"]),
]


@pytest.mark.parametrize("command", ["report", "check"])
@pytest.mark.parametrize(("what", "text", "words"), BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_a_bad_value_is_one_line_naming_the_key_and_exit_2(
    tmp_path: Path, command: str, what: str, text: str | bytes, words: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = CliRunner().invoke(app, [command, "--config", str(path)])
    assert result.exit_code == 2, (what, result.output)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"syncreport: error: {path}:"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]


def test_a_url_with_credentials_is_refused_and_the_token_is_never_shown(tmp_path: Path) -> None:
    path = tmp_path / "creds.toml"
    log = tmp_path / "run.log"
    path.write_text(
        BASE.replace("https://acme", "https://bob:s3cr3t-Tok3n-XYZ@acme")
        + '[report]\nout_dir = "reports"\n[cache]\npath = "cache.sqlite"\n'
    )
    result = CliRunner().invoke(app, ["--log-file", str(log), "report", "--config", str(path)])
    assert result.exit_code == 2
    # refused before anything is written: no report (HTML, PDF, JSON), no cache entry keyed by the URL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["creds.toml", "run.log"]
    assert "jira.url" in result.stderr and "must not contain a user name or token" in result.stderr
    assert "s3cr3t-Tok3n-XYZ" not in result.output
    assert "s3cr3t-Tok3n-XYZ" not in log.read_text()
    assert redact("leaked s3cr3t-Tok3n-XYZ") == "leaked ***"  # registered: no later log line can carry it


@pytest.mark.parametrize(
    "url",
    [
        "https://bob:tok@acme.atlassian.net",
        "https://tok@acme.atlassian.net",
        "https://:tok@acme.atlassian.net",
    ],
)
def test_every_form_of_credentials_in_the_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="must not contain a user name or token") as caught:
        config_from_dict({"jira": {"url": url}, "train": {"name": "x", "jql": "y"}})
    assert "tok" not in str(caught.value).replace("token", "")


@pytest.mark.parametrize("key", ["token_env", "password_env"])
def test_a_token_pasted_as_the_variable_name_is_refused_without_printing_it(tmp_path: Path, key: str) -> None:
    section = "[email]\n" if key == "password_env" else ""
    path = tmp_path / "pasted.toml"
    log = tmp_path / "run.log"
    body = (
        _jira(f'token_env = "{PASTED_TOKEN}"')
        if key == "token_env"
        else BASE + section + f'{key} = "{PASTED_TOKEN}"\n'
    )
    path.write_text(body)
    for command in (["report"], ["check"]):
        result = CliRunner().invoke(app, ["--log-file", str(log), *command, "--config", str(path)])
        assert result.exit_code == 2, result.output
        assert "did you paste the token?" in result.stderr
        assert PASTED_TOKEN not in result.output
    assert PASTED_TOKEN not in log.read_text()


@pytest.mark.parametrize(
    ("value", "is_name"),
    [
        ("JIRA_API_TOKEN", True),
        ("jira_token", True),
        ("MYJIRATOKENFORPAYMENTSTEAM", True),  # long, but a shouted name
        ("ATATT3xFfGF0Tq9Zx8PastedToken4", False),  # letters and digits in mixed case: a token
        ("ATATT3xFfGF0-T9Zx8=", False),
        ("NDc4MjQ1Njc4OTAxOkF+/x", False),
        ("", False),
    ],
)
def test_names_and_tokens_are_told_apart(value: str, is_name: bool) -> None:
    assert is_env_name(value) is is_name


def test_toml_dates_and_iso_strings_are_both_dates(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(BASE + "[iterations]\npi_start = 2026-01-05\n")
    assert str(load_config(path).iterations.pi_start) == "2026-01-05"
    assert (
        str(
            config_from_dict(
                {
                    "jira": {"url": "https://a.b"},
                    "train": {"name": "x", "jql": "y"},
                    "iterations": {"pi_start": "2026-01-05"},
                }
            ).iterations.pi_start
        )
        == "2026-01-05"
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[1, 2]", "a list, not an object"),
        (b'"text"', "a str, not an object"),
        (b'{"format": "syncreport-snapshot", "schema_version": 1, "issues": [1]}', "damaged"),
    ],
)
def test_a_snapshot_that_is_not_an_object_is_one_line_and_exit_2(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["report", "--snapshot", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output


def test_a_snapshot_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--snapshot", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1


def test_init_refuses_a_url_with_credentials_without_echoing_it(tmp_path: Path) -> None:
    url = "https://bob:Sekr1tT0kenValue@acme.atlassian.net"
    result = CliRunner().invoke(
        app, ["init", "--non-interactive", "--url", url, "--config", str(tmp_path / "new.toml")]
    )
    assert result.exit_code == 2, result.output
    assert "must not contain a user name or token" in result.stderr
    assert "Sekr1tT0kenValue" not in result.output
    assert not (tmp_path / "new.toml").exists()


UNREACHABLE = BASE.replace(
    "https://acme.atlassian.net", "http://127.0.0.1:9"
)  # a pull would fail with exit 1


@pytest.mark.parametrize(
    ("setup", "extra", "words"),
    [
        (
            lambda d: (d / "brand").mkdir() or (d / "brand" / "branding.html").write_text("{% if %}"),
            '[report]\ntemplates_dir = "brand"\n',
            "template",
        ),
        (
            lambda d: (
                (d / "brand").mkdir() or (d / "brand" / "branding.html").write_bytes(b"\xff\xfe{{ x }}")
            ),
            '[report]\ntemplates_dir = "brand"\n',
            "not UTF-8",
        ),
        (
            lambda d: (d / "ca.pem").write_text("not a certificate"),
            '[email]\nenabled = true\nto = ["rte@acme.test"]\nca_bundle = "ca.pem"\n',
            "email.ca_bundle",
        ),
        (
            lambda d: None,
            '[email]\nenabled = true\nto = ["rte@acme.test"]\nusername = "u"\npassword_env = "NO_SUCH_SMTP_PASSWORD_VAR"\n',
            "NO_SUCH_SMTP_PASSWORD_VAR",
        ),
    ],
    ids=["template syntax", "template not UTF-8", "CA file not PEM", "SMTP password unset"],
)
def test_templates_and_smtp_settings_fail_before_the_pull(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setup: Callable[[Path], None], extra: str, words: str
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "a-token-for-the-test")
    setup(tmp_path)
    path = tmp_path / "early.toml"
    path.write_text(UNREACHABLE + extra)
    result = CliRunner().invoke(app, ["report", "--config", str(path)])
    assert result.exit_code == 2, result.output  # not 1: Jira was never asked
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr


def test_a_huge_demo_train_is_a_usage_error_not_a_memory_blowup(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--issues", "1000000000000", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "--issues" in result.stderr
    assert not (tmp_path / "demo").exists()
