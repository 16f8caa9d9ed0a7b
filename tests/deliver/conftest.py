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
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pypdf import PdfWriter

from syncreport.config import config_from_dict
from syncreport.jira import pull_snapshot
from syncreport.simulator import SimulatorHandle, demo_config
from syncreport.snapshot import Snapshot


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

    # aiosmtpd's hook name
    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        assert envelope.original_content is not None and envelope.mail_from is not None
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

    async def auth_XOAUTH2(self, smtp: SMTP, args: list[str]) -> AuthResult:  # aiosmtpd: auth_<MECHANISM>
        import base64
        import json

        raw = base64.b64decode(args[1]) if len(args) > 1 else await smtp.challenge_auth("")
        assert isinstance(raw, bytes), "the client gave up during AUTH"
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
def self_signed_cert(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
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
    ) -> SmtpServer:
        server = SmtpServer("127.0.0.1", _free_port())

        def authenticate(
            smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
        ) -> AuthResult:
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            login, password = auth_data.login.decode(), auth_data.password.decode()
            server.logins.append((login, password))
            return AuthResult(success=(users or {}).get(login) == password, handled=False)

        kwargs: dict[str, Any] = {"hostname": server.host, "port": server.port}
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

    def json(self) -> Any:
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

        def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder = HttpRecorder(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()


# --- a Confluence double: real HTTP on 127.0.0.1, held to Confluence's REST API as Atlassian documents it -----


@dataclass
class ConfluencePage:
    id: str
    space_id: str
    space_key: str
    title: str
    body: str
    version: int
    parent_id: str | None
    attachments: dict[str, list[bytes]] = field(default_factory=dict)  # file name -> every version


@dataclass
class ConfluenceDouble:
    """Cloud (``/wiki/api/v2`` pages, ``/wiki/rest/api`` attachments, Basic e-mail:token) or Data Center
    (``/rest/api/content``, Bearer PAT). Refuses what Confluence refuses: a wrong version number (409), a
    second page with the same title in a space (400), an attachment upload without ``X-Atlassian-Token``
    (403, the XSRF check), a storage body that is not well-formed XHTML (400)."""

    deployment: str
    base: str  # what confluence.url is: <host>/wiki on Cloud
    email: str
    token: str
    pages: dict[str, ConfluencePage] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) in order
    spaces: dict[str, str] = field(default_factory=lambda: {"ART": "98304"})  # key -> id
    fail_once: dict[str, int] = field(default_factory=dict)  # path suffix -> status, answered once


@pytest.fixture
def confluence_double() -> Iterator[Callable[..., ConfluenceDouble]]:
    import base64
    import json
    import threading
    import xml.etree.ElementTree as ET
    from email.parser import BytesParser
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    servers: list[ThreadingHTTPServer] = []

    def start(
        deployment: str = "cloud", email: str = "rte@acme.test", token: str = "conf-token-123"
    ) -> ConfluenceDouble:
        double: ConfluenceDouble

        def well_formed(storage: str) -> bool:
            wrapped = (
                '<root xmlns:ac="http://atlassian.com/content" xmlns:ri="http://atlassian.com/resource">'
                f"{storage}</root>"
            )
            try:
                ET.fromstring(wrapped)
            except ET.ParseError:
                return False
            return True

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _send(self, status: int, payload: object) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                header = self.headers.get("Authorization", "")
                if double.deployment == "cloud":
                    wanted = "Basic " + base64.b64encode(f"{double.email}:{double.token}".encode()).decode()
                else:
                    wanted = f"Bearer {double.token}"
                return header == wanted

            def _page_json(self, page: ConfluencePage) -> dict[str, Any]:
                host = double.base.removesuffix("/wiki")
                if double.deployment == "cloud":
                    return {
                        "id": page.id,
                        "status": "current",
                        "title": page.title,
                        "spaceId": page.space_id,
                        "parentId": page.parent_id,
                        "version": {"number": page.version, "message": ""},
                        "body": {"storage": {"representation": "storage", "value": page.body}},
                        "_links": {
                            "webui": f"/spaces/{page.space_key}/pages/{page.id}",
                            "base": f"{host}/wiki",
                        },
                    }
                return {
                    "id": page.id,
                    "type": "page",
                    "status": "current",
                    "title": page.title,
                    "space": {"key": page.space_key},
                    "version": {"number": page.version},
                    "_links": {"webui": f"/pages/viewpage.action?pageId={page.id}", "base": host},
                }

            def _route(self, method: str) -> None:
                parts = urlsplit(self.path)
                path, query = parts.path, parse_qs(parts.query)
                double.requests.append((method, path))
                for suffix, status in list(double.fail_once.items()):
                    if path.endswith(suffix):
                        del double.fail_once[suffix]
                        self._send(status, {"message": "simulated failure"})
                        return
                if not self._authorized():
                    self._send(401, {"message": "Unauthorized"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                prefix = "/wiki" if double.deployment == "cloud" else ""
                v1 = f"{prefix}/rest/api/content"
                if double.deployment == "cloud" and path.startswith("/wiki/api/v2/"):
                    self._cloud_v2(method, path[len("/wiki/api/v2") :], query, raw)
                elif path.startswith(v1):
                    self._v1(method, path[len(v1) :], query, raw)
                else:
                    self._send(404, {"message": f"No route for {path}"})

            def _cloud_v2(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> None:
                if method == "GET" and path == "/spaces":
                    keys = query.get("keys", [""])[0].split(",")
                    found = [{"id": double.spaces[k], "key": k} for k in keys if k in double.spaces]
                    self._send(200, {"results": found, "_links": {}})
                elif method == "GET" and path == "/pages":
                    space_id, title = query.get("space-id", [""])[0], query.get("title", [None])[0]
                    found = [
                        self._page_json(p)
                        for p in double.pages.values()
                        if p.space_id == space_id and (title is None or p.title == title)
                    ]
                    self._send(200, {"results": found, "_links": {}})
                elif method == "POST" and path == "/pages":
                    body = json.loads(raw)
                    self._create(body["spaceId"], body["title"], body["body"], body.get("parentId"))
                elif method == "PUT" and path.startswith("/pages/"):
                    self._update(path.split("/")[2], json.loads(raw), body_key="body")
                else:
                    self._send(404, {"message": "not found"})

            def _create(self, space_id: str, title: str, body: dict[str, Any], parent: str | None) -> None:
                key = next((k for k, v in double.spaces.items() if v == space_id), None)
                if key is None:
                    self._send(404, {"message": "space not found"})
                    return
                if any(p.space_id == space_id and p.title == title for p in double.pages.values()):
                    self._send(
                        400, {"errors": [{"status": 400, "title": "A page with this title already exists"}]}
                    )
                    return
                if body.get("representation") != "storage" or not well_formed(body.get("value", "")):
                    self._send(400, {"errors": [{"status": 400, "title": "Error parsing xhtml"}]})
                    return
                page = ConfluencePage(
                    str(65536 + len(double.pages)), space_id, key, title, body["value"], 1, parent
                )
                double.pages[page.id] = page
                self._send(200, self._page_json(page))

            def _update(self, page_id: str, body: dict[str, Any], body_key: str) -> None:
                page = double.pages.get(page_id)
                if page is None:
                    self._send(404, {"message": "page not found"})
                    return
                number = body.get("version", {}).get("number")
                if number != page.version + 1:
                    self._send(
                        409,
                        {
                            "message": f"Version must be incremented on update. Current version is: {page.version}"
                        },
                    )
                    return
                storage = body[body_key] if body_key == "body" else body["body"]["storage"]
                if storage.get("representation") != "storage" or not well_formed(storage.get("value", "")):
                    self._send(400, {"message": "Error parsing xhtml"})
                    return
                page.version, page.title, page.body = number, body["title"], storage["value"]
                self._send(200, self._page_json(page))

            def _v1(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> None:
                if path.endswith("/child/attachment") and method in ("PUT", "POST"):
                    if self.headers.get("X-Atlassian-Token") != "no-check":
                        self._send(403, {"message": "XSRF check failed"})
                        return
                    page = double.pages.get(path.split("/")[1])
                    if page is None:
                        self._send(404, {"message": "page not found"})
                        return
                    message = BytesParser(policy=policy.default).parsebytes(
                        f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + raw
                    )
                    for part in message.iter_parts():
                        name = part.get_filename()
                        if part.get_param("name", header="content-disposition") == "file" and name:
                            content = part.get_payload(decode=True)
                            assert isinstance(content, bytes)
                            page.attachments.setdefault(name, []).append(content)
                    self._send(200, {"results": [{"title": n} for n in page.attachments], "size": 1})
                    return
                if double.deployment == "cloud":
                    self._send(404, {"message": "use v2 for pages"})  # this double holds Cloud to v2 pages
                    return
                if method == "GET" and path == "":
                    title, key = query.get("title", [None])[0], query.get("spaceKey", [""])[0]
                    found = [
                        self._page_json(p)
                        for p in double.pages.values()
                        if p.space_key == key and (title is None or p.title == title)
                    ]
                    self._send(200, {"results": found, "size": len(found), "start": 0, "limit": 25})
                elif method == "POST" and path == "":
                    body = json.loads(raw)
                    ancestors = body.get("ancestors") or [{}]
                    space_id = double.spaces.get(body["space"]["key"], "")
                    self._create(space_id, body["title"], body["body"]["storage"], ancestors[0].get("id"))
                elif method == "PUT" and path.count("/") == 1:
                    self._update(path.split("/")[1], json.loads(raw), body_key="storage")
                else:
                    self._send(404, {"message": "not found"})

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def do_PUT(self) -> None:
                self._route("PUT")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        host = f"http://127.0.0.1:{server.server_address[1]}"
        double = ConfluenceDouble(deployment, f"{host}/wiki" if deployment == "cloud" else host, email, token)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return double

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


PULLED_TOKEN_ENV = "DELIVER_TEST_JIRA_TOKEN"


@pytest.fixture(scope="session")
def pulled(cloud_sim: SimulatorHandle) -> tuple[dict[str, Any], Snapshot]:
    """The demo config for the session's Cloud simulator (no cache) and one snapshot pulled from it, shared
    by the delivery tests that run the pipeline on a snapshot file."""
    data = demo_config(cloud_sim, token_env=PULLED_TOKEN_ENV)
    data["cache"] = {"enabled": False}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PULLED_TOKEN_ENV, cloud_sim.token)
        snapshot = pull_snapshot(config_from_dict(data))
    return data, snapshot
