"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, plain, STARTTLS or implicit TLS."""

from __future__ import annotations

import io
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pypdf import PdfWriter


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    oauth_attempts: list[str] = field(default_factory=list)  # the decoded XOAUTH2 initial responses


class _Sink:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):  # aiosmtpd's hook name
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


class _OAuthSink(_Sink):
    """Also speaks AUTH XOAUTH2 as Gmail and Exchange Online do: a bad token gets a 334 with a JSON error,
    the client answers with an empty line, and the server says 535."""

    def __init__(self, server: SmtpServer, tokens: dict[str, str]) -> None:
        super().__init__(server)
        self.tokens = tokens  # mailbox -> the one token accepted for it

    async def auth_XOAUTH2(self, smtp, args):  # aiosmtpd finds auth_<MECHANISM> methods on the handler
        import base64
        import json

        raw = base64.b64decode(args[1]) if len(args) > 1 else await smtp.challenge_auth("")
        text = raw.decode()
        self.server.oauth_attempts.append(text)
        fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
        user, bearer = fields.get("user"), fields.get("auth", "")
        if user in self.tokens and bearer == f"Bearer {self.tokens[user]}":
            return AuthResult(success=True, auth_data=user)
        error = json.dumps({"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"})
        await smtp.challenge_auth(error)  # the client's answer is an empty line
        return AuthResult(
            success=False, handled=False, message="535 5.7.8 Username and Password not accepted"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def self_signed_cert(tmp_path_factory) -> Certificate:
    """A self-signed certificate for 127.0.0.1/localhost, made with the openssl command line tool."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: the TLS tests need it to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


SmtpFactory = Callable[..., SmtpServer]


@pytest.fixture
def smtp_server() -> Iterator[SmtpFactory]:
    """Start a loopback SMTP server: ``smtp_server(security="plain"|"starttls"|"tls", cert=..., users=...)``."""
    controllers: list[Controller] = []

    def start(
        *,
        security: str = "plain",
        cert: Certificate | None = None,
        users: dict[str, str] | None = None,
        oauth_tokens: dict[str, str] | None = None,
    ):
        server = SmtpServer("127.0.0.1", _free_port())

        def authenticate(smtp, session, envelope, mechanism, auth_data):
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            login, password = auth_data.login.decode(), auth_data.password.decode()
            server.logins.append((login, password))
            return AuthResult(success=(users or {}).get(login) == password, handled=False)

        kwargs: dict = {"hostname": server.host, "port": server.port}
        if users is not None:
            kwargs["authenticator"] = authenticate
        if security == "starttls":
            assert cert is not None
            kwargs.update(tls_context=cert.server_context(), require_starttls=True)
            if users is not None:
                kwargs.update(auth_required=True, auth_require_tls=True)
        elif security == "tls":
            assert cert is not None
            # aiosmtpd only counts STARTTLS as "TLS" for auth_require_tls; the socket itself is TLS here.
            kwargs.update(ssl_context=cert.server_context(), auth_require_tls=False)
        else:
            kwargs.update(auth_require_tls=False)
        sink = _OAuthSink(server, oauth_tokens) if oauth_tokens is not None else _Sink(server)
        if oauth_tokens is not None and security == "starttls":
            kwargs.update(auth_required=True, auth_require_tls=True)
        controller = Controller(sink, **kwargs)
        controller.start()
        controllers.append(controller)
        return server

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def blank_pdf() -> bytes:
    """A small but real PDF (one blank page), made with pypdf."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- a real HTTP server on 127.0.0.1 that records what it receives (chat webhooks) ---------------------------


@dataclass
class Recorded:
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes

    def json(self):
        import json

        return json.loads(self.body)


@dataclass
class HttpRecorder:
    """What the server received, and what it answers (``answers[path prefix] = (status, body, delay)``)."""

    url: str
    received: list[Recorded] = field(default_factory=list)
    answers: dict[str, tuple[int, str, float]] = field(default_factory=dict)

    def answer_for(self, path: str) -> tuple[int, str, float]:
        for prefix, answer in self.answers.items():
            if path.startswith(prefix):
                return answer
        return (200, "ok", 0.0)


@pytest.fixture
def http_recorder() -> Iterator[HttpRecorder]:
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    recorder: HttpRecorder

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            recorder.received.append(Recorded("POST", self.path, dict(self.headers.items()), body))
            status, text, delay = recorder.answer_for(self.path)
            if delay:
                time.sleep(delay)
            payload = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format, *args) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder = HttpRecorder(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()
