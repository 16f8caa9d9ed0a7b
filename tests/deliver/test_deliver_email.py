import io
import logging
import socket
from collections.abc import Sequence
from email.message import EmailMessage

import pytest
from pypdf import PdfReader

from syncreport.config import EmailSettings
from syncreport.deliver.email import (
    PdfAttachment,
    build_message,
    check_recipients,
    format_subject,
    send_message,
)
from syncreport.errors import ConfigError, DeliveryError
from tests.deliver.conftest import Certificate, Received, SmtpFactory

PASSWORD = "s3cret-smtp-passw0rd"


def _message(pdf: bytes, to: Sequence[str] = ("rte@example.com", "po@example.com")) -> EmailMessage:
    return build_message(
        sender="syncreport@example.com",
        to=list(to),
        subject="ART sync report: Phoenix PI 26.4 (2026-11-26)",
        html="<p>Train health: <b>amber</b></p>",
        text="Train health: amber",
        pdf=PdfAttachment("phoenix-2026-11-26.pdf", pdf),
    )


def _assert_complete_report(received: Received, pdf: bytes) -> None:
    message = received.message
    assert message["Subject"] == "ART sync report: Phoenix PI 26.4 (2026-11-26)"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == "Train health: amber"
    assert "<b>amber</b>" in html.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "phoenix-2026-11-26.pdf"
    assert attachment.get_content_type() == "application/pdf"
    content = attachment.get_content()
    assert content == pdf
    assert content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(content)).pages) == 1


def test_plain_relay_receives_the_whole_report(smtp_server: SmtpFactory, blank_pdf: bytes) -> None:
    server = smtp_server(security="plain")
    settings = EmailSettings(
        smtp_host=server.host, smtp_port=server.port, security="plain", sender="syncreport@example.com"
    )
    send_message(settings, _message(blank_pdf), ["rte@example.com", "po@example.com"])

    [received] = server.messages
    assert received.mail_from == "syncreport@example.com"
    assert received.rcpt_tos == ["rte@example.com", "po@example.com"]
    _assert_complete_report(received, blank_pdf)


def test_starttls_with_login_delivers_and_never_logs_the_password(
    smtp_server: SmtpFactory,
    self_signed_cert: Certificate,
    blank_pdf: bytes,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = smtp_server(security="starttls", cert=self_signed_cert, users={"reporter": PASSWORD})
    monkeypatch.setenv("SYNCREPORT_SMTP_PASSWORD", PASSWORD)
    settings = EmailSettings(
        smtp_host=server.host,
        smtp_port=server.port,
        security="starttls",
        username="reporter",
        password_env="SYNCREPORT_SMTP_PASSWORD",
        ca_bundle=self_signed_cert.cert,
        sender="syncreport@example.com",
    )
    with caplog.at_level(logging.DEBUG):
        send_message(settings, _message(blank_pdf), ["rte@example.com"])

    assert server.logins == [("reporter", PASSWORD)]
    [received] = server.messages
    _assert_complete_report(received, blank_pdf)
    assert "sending the report to 1 recipient(s)" in caplog.text
    assert PASSWORD not in caplog.text


def test_implicit_tls_with_login_delivers(
    smtp_server: SmtpFactory, self_signed_cert: Certificate, blank_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = smtp_server(security="tls", cert=self_signed_cert, users={"reporter": PASSWORD})
    monkeypatch.setenv("SMTP_PW", PASSWORD)
    settings = EmailSettings(
        smtp_host=server.host,
        smtp_port=server.port,
        security="tls",
        username="reporter",
        password_env="SMTP_PW",
        ca_bundle=self_signed_cert.cert,
    )
    send_message(settings, _message(blank_pdf), ["rte@example.com"])
    assert server.logins == [("reporter", PASSWORD)]
    _assert_complete_report(server.messages[0], blank_pdf)


def test_untrusted_certificate_is_one_line_error_and_nothing_is_sent(
    smtp_server: SmtpFactory, self_signed_cert: Certificate, blank_pdf: bytes
) -> None:
    server = smtp_server(security="starttls", cert=self_signed_cert)
    settings = EmailSettings(smtp_host=server.host, smtp_port=server.port, security="starttls")
    with pytest.raises(DeliveryError, match=r"certificate .* is not trusted .*set email.ca_bundle"):
        send_message(settings, _message(blank_pdf), ["rte@example.com"])
    assert server.messages == []


def test_wrong_password_names_the_env_var_not_the_value(
    smtp_server: SmtpFactory, self_signed_cert: Certificate, blank_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = smtp_server(security="starttls", cert=self_signed_cert, users={"reporter": PASSWORD})
    monkeypatch.setenv("SMTP_PW", "wrong-password")
    settings = EmailSettings(
        smtp_host=server.host,
        smtp_port=server.port,
        username="reporter",
        password_env="SMTP_PW",
        ca_bundle=self_signed_cert.cert,
    )
    with pytest.raises(DeliveryError) as refused:
        send_message(settings, _message(blank_pdf), ["rte@example.com"])
    assert "refused the login of reporter" in str(refused.value)
    assert "SMTP_PW" in str(refused.value)
    assert "wrong-password" not in str(refused.value)
    assert server.messages == []


def test_starttls_demanded_from_a_server_without_it_says_what_to_set(
    smtp_server: SmtpFactory, blank_pdf: bytes
) -> None:
    server = smtp_server(security="plain")
    settings = EmailSettings(smtp_host=server.host, smtp_port=server.port, security="starttls")
    with pytest.raises(DeliveryError, match=r'does not offer STARTTLS; set email.security = "tls"'):
        send_message(settings, _message(blank_pdf), ["rte@example.com"])
    assert server.messages == []


def test_unreachable_server_is_one_line_delivery_error(blank_pdf: bytes) -> None:
    with socket.socket() as probe:  # a port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = EmailSettings(smtp_host="127.0.0.1", smtp_port=port, security="plain", timeout_seconds=2)
    with pytest.raises(
        DeliveryError, match=r"cannot send the e-mail via 127.0.0.1:\d+ \(plain\): .*smtp_host"
    ):
        send_message(settings, _message(blank_pdf), ["rte@example.com"])


def test_missing_password_variable_is_a_config_error(
    blank_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTP_PW", raising=False)
    settings = EmailSettings(username="reporter", password_env="SMTP_PW")
    with pytest.raises(ConfigError, match=r"SMTP_PW .* is not set"):
        send_message(settings, _message(blank_pdf), ["rte@example.com"])


def test_an_incomplete_pdf_is_never_attached(blank_pdf: bytes) -> None:
    with pytest.raises(DeliveryError, match="incomplete; nothing was sent"):
        _message(blank_pdf[: len(blank_pdf) // 2])


def test_recipients_are_checked_before_anything_is_sent() -> None:
    assert check_recipients([" rte@example.com", "Ann <ann@example.com>"]) == [
        "rte@example.com",
        "Ann <ann@example.com>",
    ]
    with pytest.raises(ConfigError, match="no recipients"):
        check_recipients([])
    with pytest.raises(ConfigError, match="'rte-at-example' is not an e-mail address"):
        check_recipients(["rte-at-example"])


def test_subject_placeholders_are_filled_and_unknown_ones_are_named() -> None:
    values = {"train": "Phoenix", "pi": "PI 26.4", "date": "2026-11-26", "health": "red"}
    assert format_subject("[{health}] {train} {pi} ({date})", values) == "[red] Phoenix PI 26.4 (2026-11-26)"
    with pytest.raises(ConfigError, match=r"email.subject .*KeyError.*'team'.*\{train\}"):
        format_subject("{team} report", values)
