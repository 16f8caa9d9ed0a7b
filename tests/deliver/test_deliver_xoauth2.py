"""SMTP AUTH XOAUTH2 against a real SMTP server on 127.0.0.1 (aiosmtpd with an XOAUTH2 mechanism added)."""

from __future__ import annotations

import re
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import responses

from syncreport.config import EmailSettings
from syncreport.deliver.email import PdfAttachment, build_message, send_message, smtp_password
from syncreport.deliver.oauth import token_source
from syncreport.errors import ConfigError, DeliveryError
from syncreport.logs import configure_logging, reset_logging
from tests.deliver.conftest import Certificate, SmtpFactory, SmtpServer

MAILBOX = "reports@acme.test"
TOKEN = "ya29.current-access-token-123"
TOKEN_ENV = "XOAUTH2_TEST_SMTP_TOKEN"


def _message(pdf: bytes) -> EmailMessage:
    return build_message(
        sender=MAILBOX,
        to=["rte@acme.test"],
        subject="ART sync report",
        html="<p>amber</p>",
        text="amber",
        pdf=PdfAttachment("orbit.pdf", pdf),
    )


def _settings(server: SmtpServer, **auth: object) -> EmailSettings:
    values: dict[str, object] = {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "security": "plain",
        "username": MAILBOX,
        "sender": MAILBOX,
        "auth": "xoauth2",
    }
    values.update(auth)
    return EmailSettings.model_validate(values)


def test_starttls_xoauth2_sends_the_sasl_string_and_delivers(
    smtp_server: SmtpFactory,
    self_signed_cert: Certificate,
    blank_pdf: bytes,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server = smtp_server(security="starttls", cert=self_signed_cert, oauth_tokens={MAILBOX: TOKEN})
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    settings = _settings(server, security="starttls", ca_bundle=self_signed_cert.cert, token_env=TOKEN_ENV)
    log_file = tmp_path / "run.log"
    configure_logging(log_file=log_file, debug=True, quiet=True)
    try:
        send_message(settings, _message(blank_pdf), ["rte@acme.test"])
    finally:
        reset_logging()
    # By hand: "user=" mailbox ^A "auth=Bearer " token ^A ^A (the XOAUTH2 SASL string).
    assert server.oauth_attempts == [f"user={MAILBOX}\x01auth=Bearer {TOKEN}\x01\x01"]
    [received] = server.messages
    assert received.mail_from == MAILBOX and received.rcpt_tos == ["rte@acme.test"]
    assert TOKEN not in log_file.read_text()


def test_a_refused_token_from_a_variable_is_one_line_and_not_retried(
    smtp_server: SmtpFactory, blank_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = smtp_server(oauth_tokens={MAILBOX: "some-other-token"})
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with pytest.raises(DeliveryError) as caught:
        send_message(_settings(server, token_env=TOKEN_ENV), _message(blank_pdf), ["rte@acme.test"])
    assert caught.value.message == (
        f"the SMTP server 127.0.0.1:{server.port} (plain) refused the OAuth 2.0 token of {MAILBOX} from "
        f"email.token_env {TOKEN_ENV} (535); check that the token is current and grants SMTP.Send "
        "(Microsoft 365: SMTP AUTH must be on for the mailbox)"
    )
    assert len(server.oauth_attempts) == 1  # a variable cannot be refreshed: asking again would not help
    assert server.messages == []


def test_an_expired_token_from_a_command_is_fetched_afresh_once(
    smtp_server: SmtpFactory, blank_pdf: bytes, tmp_path: Path
) -> None:
    # The helper prints "expired-token" the first time and "fresh-token" after, counting in a file.
    counter = tmp_path / "count"
    helper = tmp_path / "helper.py"
    helper.write_text(
        "import pathlib, sys\n"
        f"c = pathlib.Path({str(counter)!r})\n"
        "n = int(c.read_text()) if c.exists() else 0\n"
        "c.write_text(str(n + 1))\n"
        "print('expired-token' if n == 0 else 'fresh-token')\n"
    )
    server = smtp_server(oauth_tokens={MAILBOX: "fresh-token"})
    settings = _settings(server, token_command=[sys.executable, str(helper)])
    send_message(settings, _message(blank_pdf), ["rte@acme.test"])
    assert [a.split("\x01")[1] for a in server.oauth_attempts] == [
        "auth=Bearer expired-token",
        "auth=Bearer fresh-token",
    ]
    assert counter.read_text() == "2"
    assert len(server.messages) == 1


def test_a_failing_token_command_is_one_line_with_its_last_error_line(
    smtp_server: SmtpFactory, blank_pdf: bytes, tmp_path: Path
) -> None:
    helper = tmp_path / "helper.py"
    helper.write_text("import sys\nsys.stderr.write('oauth2l: refresh token revoked\\n')\nsys.exit(3)\n")
    server = smtp_server(oauth_tokens={MAILBOX: TOKEN})
    with pytest.raises(DeliveryError, match=r"exited 3 without a token: oauth2l: refresh token revoked$"):
        send_message(
            _settings(server, token_command=[sys.executable, str(helper)]),
            _message(blank_pdf),
            ["x@acme.test"],
        )
    assert server.messages == []


def test_a_server_without_xoauth2_says_so(
    smtp_server: SmtpFactory, blank_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = smtp_server(users={"someone": "pw"})  # LOGIN and PLAIN only
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with pytest.raises(DeliveryError, match=r"does not offer AUTH XOAUTH2 \(it offers LOGIN PLAIN\)"):
        send_message(_settings(server, token_env=TOKEN_ENV), _message(blank_pdf), ["rte@acme.test"])


def test_token_source_config_is_checked_before_the_pull(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    base = {"auth": "xoauth2", "username": MAILBOX}
    with pytest.raises(ConfigError, match=r"needs exactly one of .* none is set"):
        smtp_password(EmailSettings.model_validate(base))
    with pytest.raises(ConfigError, match="found token_env and token_command"):
        smtp_password(EmailSettings.model_validate({**base, "token_env": TOKEN_ENV, "token_command": ["x"]}))
    with pytest.raises(ConfigError, match=f"{TOKEN_ENV} \\(email.token_env\\) is not set"):
        smtp_password(EmailSettings.model_validate({**base, "token_env": TOKEN_ENV}))
    with pytest.raises(ConfigError, match=r"needs email\.username"):
        smtp_password(EmailSettings(auth="xoauth2", token_env=TOKEN_ENV))


# --- Microsoft 365: msal's client-credentials flow (its HTTP mocked with responses; SMTP is real) ------------

TENANT = "contoso-tenant-id"
AUTHORITY = f"https://login.microsoftonline.com/{TENANT}"
SECRET_ENV = "XOAUTH2_TEST_M365_SECRET"


def _m365(rs: responses.RequestsMock, *tokens: dict[str, str | int]) -> None:
    rs.add(
        responses.GET,
        f"{AUTHORITY}/v2.0/.well-known/openid-configuration",
        json={
            "token_endpoint": f"{AUTHORITY}/oauth2/v2.0/token",
            "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize",
            "issuer": f"{AUTHORITY}/v2.0",
        },
    )
    # After an error answer msal asks the instance-discovery endpoint (Microsoft's documented shape).
    rs.add(
        responses.GET,
        re.compile(r"https://login\.microsoftonline\.com/common/discovery/instance\?.*"),
        json={
            "tenant_discovery_endpoint": f"{AUTHORITY}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [
                {
                    "preferred_network": "login.microsoftonline.com",
                    "preferred_cache": "login.windows.net",
                    "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com"],
                }
            ],
        },
    )
    for answer in tokens:
        status = 400 if "error" in answer else 200
        rs.add(responses.POST, f"{AUTHORITY}/oauth2/v2.0/token", json=answer, status=status)


def _form(body: bytes | str | None) -> str:
    """A recorded request's form body as text (requests encodes msal's form data to str)."""
    assert body is not None
    return body.decode() if isinstance(body, bytes) else body


def _m365_settings(server: SmtpServer) -> EmailSettings:
    return _settings(
        server, oauth_tenant=TENANT, oauth_client_id="app-client-id", oauth_client_secret_env=SECRET_ENV
    )


def test_m365_client_credentials_token_signs_in_and_is_fetched_afresh_when_refused(
    smtp_server: SmtpFactory, blank_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "client-secret-value")
    server = smtp_server(oauth_tokens={MAILBOX: "m365-fresh"})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        _m365(
            rs,
            {"token_type": "Bearer", "expires_in": 3599, "access_token": "m365-stale"},
            {"token_type": "Bearer", "expires_in": 3599, "access_token": "m365-fresh"},
        )
        send_message(_m365_settings(server), _message(blank_pdf), ["rte@acme.test"])
        posts = [_form(c.request.body) for c in rs.calls if c.request.method == "POST"]
    assert len(posts) == 2
    assert "grant_type=client_credentials" in posts[0]
    assert "scope=https%3A%2F%2Foutlook.office365.com%2F.default" in posts[0]
    assert [a.split("\x01")[1] for a in server.oauth_attempts] == [
        "auth=Bearer m365-stale",
        "auth=Bearer m365-fresh",
    ]
    assert len(server.messages) == 1


def test_m365_refusing_the_client_is_one_line_without_the_secret(
    smtp_server: SmtpFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "client-secret-value")
    server = smtp_server(oauth_tokens={MAILBOX: TOKEN})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        _m365(
            rs,
            {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1",
            },
        )
        source = token_source(_m365_settings(server))
        with pytest.raises(DeliveryError) as caught:
            source.fetch(False)
    assert caught.value.message == (
        f"Microsoft 365 refused a token for client app-client-id in tenant {TENANT}: invalid_client: "
        f"AADSTS7000215: Invalid client secret provided.; check email.oauth_client_id and the secret in {SECRET_ENV}"
    )
    assert "client-secret-value" not in caught.value.message


def test_m365_without_its_secret_variable_fails_before_the_pull(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    settings = EmailSettings(
        auth="xoauth2",
        username=MAILBOX,
        oauth_tenant=TENANT,
        oauth_client_id="app-client-id",
        oauth_client_secret_env=SECRET_ENV,
    )
    with pytest.raises(ConfigError, match=f"{SECRET_ENV} \\(email.oauth_client_secret_env\\) is not set"):
        smtp_password(settings)
