"""E-mail the finished report over SMTP: STARTTLS, implicit TLS, or plain for a local relay.

The whole message is built in memory from the finished bytes before a connection is opened, so a failure
anywhere before the final SMTP ``DATA`` sends nothing, and a recipient never gets half a report. The
password comes from the environment variable named by ``email.password_env`` and is registered for
redaction the moment it is read; it is never logged, and smtplib's debug output stays off.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from syncreport.config import EmailSettings
from syncreport.deliver.oauth import TokenSource
from syncreport.errors import ConfigError, DeliveryError
from syncreport.logs import read_secret_env

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "plain": 25}
SUBJECT_FIELDS = ("train", "pi", "date", "health")


@dataclass(frozen=True, slots=True)
class PdfAttachment:
    filename: str
    content: bytes


def check_recipients(addresses: Sequence[str]) -> list[str]:
    """Recipients as given, or a one-line :class:`ConfigError` naming the first address that is not one."""
    cleaned = [address.strip() for address in addresses if address.strip()]
    if not cleaned:
        raise ConfigError("e-mail is on but there are no recipients; set email.to in the config or pass --to")
    for address in cleaned:
        _, parsed = parseaddr(address)
        if "@" not in parsed or parsed.startswith("@") or parsed.endswith("@"):
            raise ConfigError(f"'{address}' is not an e-mail address; fix email.to or --to")
    return cleaned


def format_subject(template: str, values: dict[str, str]) -> str:
    """``email.subject`` with its ``{train}``, ``{pi}``, ``{date}``, ``{health}`` placeholders filled in."""
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"email.subject '{template}' cannot be filled ({type(exc).__name__}: {exc}); "
            f"use only the placeholders {', '.join('{' + f + '}' for f in SUBJECT_FIELDS)}"
        ) from None


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    html: str,
    text: str,
    pdf: PdfAttachment,
) -> EmailMessage:
    """A multipart message: a plain-text body with an HTML alternative, and the PDF attached."""
    if not (pdf.content.startswith(b"%PDF-") and b"%%EOF" in pdf.content[-1024:]):
        raise DeliveryError(f"the PDF for {pdf.filename} is incomplete; nothing was sent")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(pdf.content, maintype="application", subtype="pdf", filename=pdf.filename)
    return message


def smtp_password(settings: EmailSettings) -> str | None:
    """The SMTP password from the environment (or None when no password login is configured).

    With ``email.auth = "xoauth2"`` there is no password: the token source is checked instead (a missing
    variable fails here, before the pull) and None is returned.
    """
    if settings.auth == "xoauth2":
        from syncreport.deliver.oauth import token_source

        token_source(settings)
        return None
    if settings.username is None:
        return None
    if not settings.password_env:
        raise ConfigError(
            "email.username is set but email.password_env is not; name the environment variable that "
            "holds the SMTP password"
        )
    password = read_secret_env(settings.password_env)
    if password is None:
        raise ConfigError(
            f"the environment variable {settings.password_env} (email.password_env) is not set; "
            "export it with the SMTP password before running"
        )
    return password


def check_smtp_settings(settings: EmailSettings) -> None:
    """What can be checked about the SMTP settings without a connection: the password and the CA file."""
    smtp_password(settings)  # a missing password variable fails now, not after the pull
    if settings.security != "plain":
        _tls_context(settings)  # a CA file that is not PEM fails now


def _tls_context(settings: EmailSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=str(settings.ca_bundle) if settings.ca_bundle else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"email.ca_bundle {settings.ca_bundle} cannot be loaded: {exc}") from None


def _connect(settings: EmailSettings, port: int) -> smtplib.SMTP:
    host, timeout = settings.smtp_host, settings.timeout_seconds
    if settings.security == "tls":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=_tls_context(settings))
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if settings.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"the SMTP server {host}:{port} does not offer STARTTLS; set email.security = "
                    '"tls" (port 465) or "plain" for a local relay'
                )
            smtp.starttls(context=_tls_context(settings))
            smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def _login_xoauth2(smtp: smtplib.SMTP, settings: EmailSettings, source: TokenSource, where: str) -> None:
    """AUTH XOAUTH2 with a token from ``source``; a refused token is fetched afresh once (it may have expired)."""
    from syncreport.deliver.oauth import xoauth2_authobject

    assert settings.username is not None
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "XOAUTH2" not in offered:
        raise DeliveryError(
            f"the SMTP server {where} does not offer AUTH XOAUTH2 (it offers {' '.join(offered) or 'no login'}); "
            'use email.auth = "password" or the server\'s OAuth endpoint (smtp.office365.com, smtp.gmail.com)'
        )
    token = source.fetch(False)
    for attempt in (1, 2):
        try:
            smtp.auth("XOAUTH2", xoauth2_authobject(settings.username, token), initial_response_ok=True)
            return
        except smtplib.SMTPAuthenticationError as exc:
            if attempt == 1 and source.refreshable:
                log.info(
                    "the SMTP server refused the OAuth 2.0 token (%s); fetching a fresh one", exc.smtp_code
                )
                token = source.fetch(True)
                continue
            raise DeliveryError(
                f"the SMTP server {where} refused the OAuth 2.0 token of {settings.username} from {source.name} "
                f"({exc.smtp_code}); check that the token is current and grants SMTP.Send (Microsoft 365: "
                "SMTP AUTH must be on for the mailbox)"
            ) from None


def send_message(settings: EmailSettings, message: EmailMessage, recipients: Sequence[str]) -> None:
    """Deliver ``message`` to ``recipients``; raise :class:`DeliveryError` with one line on any failure."""
    password = smtp_password(settings)
    source = None
    if settings.auth == "xoauth2":
        from syncreport.deliver.oauth import token_source

        source = token_source(settings)
    port = settings.smtp_port or DEFAULT_PORTS[settings.security]
    where = f"{settings.smtp_host}:{port} ({settings.security})"
    log.info("sending the report to %d recipient(s) via %s", len(recipients), where)
    try:
        smtp = _connect(settings, port)
        try:
            if source is not None:
                _login_xoauth2(smtp, settings, source, where)
            elif settings.username is not None and password is not None:
                smtp.login(settings.username, password)
            refused = smtp.send_message(message, from_addr=settings.sender, to_addrs=list(recipients))
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"the SMTP server {where} refused the login of {settings.username} ({exc.smtp_code}); "
            f"check email.username and the password in {settings.password_env}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(
            f'the SMTP server {where} does not offer a login here; use email.security = "starttls" or '
            '"tls", or remove email.username for a relay that needs none'
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"the SMTP server {where} refused every recipient ({', '.join(exc.recipients)}); "
            "check email.to / --to"
        ) from None
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(
            f"the SMTP server {where} refused the sender {exc.sender} ({exc.smtp_code}); fix email.sender"
        ) from None
    except smtplib.SMTPResponseException as exc:
        reason = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        raise DeliveryError(
            f"the SMTP server {where} answered {exc.smtp_code} {reason}; nothing was sent"
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"the certificate of the SMTP server {where} is not trusted ({exc.verify_message}); "
            "set email.ca_bundle to your CA file"
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"TLS with the SMTP server {where} failed ({exc.reason}); check email.security and email.smtp_port"
        ) from None
    except TimeoutError:
        raise DeliveryError(
            f"the SMTP server {where} did not answer within {settings.timeout_seconds:g}s; "
            "check email.smtp_host and email.smtp_port"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise DeliveryError(
            f"cannot send the e-mail via {where}: {detail}; check email.smtp_host, email.smtp_port "
            "and email.security"
        ) from None
    if refused:
        raise DeliveryError(
            f"the report was sent, but {where} refused {', '.join(sorted(refused))}; fix email.to / --to"
        )
    log.info("the report was accepted for %s", ", ".join(recipients))
