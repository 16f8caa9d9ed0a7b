"""The transport seam: one HTTP exchange, behind a small interface of our own (httpx's transport is the model).

:class:`~syncreport.jira.client.JiraClient` keeps the policy (retries, waits, the run's deadline, the
adaptive limit on requests in flight, one-line errors) and hands each attempt to a :class:`Transport`:
``handle(Request) -> Response``, or one of the :class:`TransportError` types below. Two transports ship:

- :class:`RequestsTransport`, the real one: a ``requests.Session`` per worker thread (a Session is not
  thread-safe), with the account's credentials, TLS settings and the environment's proxies;
- :class:`MockTransport`, a function from request to response, so the retry, rate-limit and paging logic
  runs in memory in unit tests (as ``httpx.MockTransport`` does).

Why the searches and bulk fetches do not go through the ``jira`` library's client: its answers drop the
response headers (the rate-limit signals the adaptive limit reads on every answer, X-RateLimit-NearLimit
included, and Retry-After), it decodes every answer with the json module into resource objects the pull does
not need, its own retry covers only 429/503 with waits capped at 60 s, its search pages Cloud's
``nextPageToken`` on its own terms, and it has no public seam for its session (the code once reached into
``JIRA()._session``). The bulk fetches (issue/bulkfetch, changelog/bulkfetch) have no method there at all.
So the high-volume requests go through this seam, several in flight; the low-volume ones (serverInfo,
myself, fields, boards, sprints) use the library's public API, under the same policy
(:mod:`syncreport.jira.library`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from requests.structures import CaseInsensitiveDict

from syncreport import __version__

USER_AGENT = f"syncreport/{__version__}"
# An answer's body is read in chunks of this size (requests reads 10 KB at a time by default: a 5 MB search
# page was 500 reads, each a Python-level step and a hand-over of the GIL while the pull normalizes)
READ_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request: ``url`` is absolute; ``body`` is JSON text already encoded (None: no body);
    ``timeout`` bounds the connect and each read, in seconds."""

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    body: bytes | None = None
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class Response:
    """What came back: status, headers (looked up case-insensitively) and the body's bytes."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""
    reason: str = ""

    def header(self, name: str) -> str | None:
        if isinstance(self.headers, CaseInsensitiveDict):
            value = self.headers.get(name)
            return None if value is None else str(value)
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return str(value)
        return None


class TransportError(Exception):
    """No answer came back. The subclass says why; the message never holds credentials."""


class Unreachable(TransportError):
    """Connection refused, host not found, no route: the URL or the network is wrong (not retried)."""


class TimedOut(TransportError):
    """No answer within the request's timeout (retried)."""


class Dropped(TransportError):
    """The connection dropped, or the answer was cut short (retried)."""


class TLSFailure(TransportError):
    """TLS verification failed (not retried: a CA bundle is missing)."""


class Failed(TransportError):
    """Any other failure of the HTTP library (not retried); the message names its type only."""


class UnusableAnswer(Exception):
    """An answer another HTTP client (the ``jira`` library, :mod:`syncreport.jira.library`) could not use
    (an error status, a body that is not JSON), for :meth:`~syncreport.jira.client.JiraClient.call` to read
    as it reads its own: the same retries and one-line errors."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


class Transport(Protocol):
    def handle(self, request: Request) -> Response:
        """Send one request; raise a :class:`TransportError` when no answer came back."""
        ...

    def close(self) -> None: ...


class MockTransport:
    """A transport answered by a function (tests): ``handler(request) -> Response`` (it may raise a
    :class:`TransportError`). Every request is kept in :attr:`requests`, in order."""

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
        return self.handler(request)

    def close(self) -> None:
        return None


class RequestsTransport:
    """The real transport: ``requests``, one Session per worker thread.

    ``auth``: ``(e-mail, API token)`` for Cloud's basic auth, a string for Data Center's bearer token, or
    None (the anonymous serverInfo probe). ``verify``: True, False or a CA bundle's path.
    """

    def __init__(self, *, auth: tuple[str, str] | str | None, verify: bool | str) -> None:
        self._auth = auth
        self._verify = verify
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.verify = self._verify
            session.headers.update(
                {
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                    "X-Atlassian-Token": "no-check",  # Jira's XSRF check on POSTs
                }
            )
            if isinstance(self._auth, tuple):
                session.auth = self._auth
            elif isinstance(self._auth, str):
                session.headers["Authorization"] = f"Bearer {self._auth}"
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def handle(self, request: Request) -> Response:
        headers = {"Content-Type": "application/json"} if request.body is not None else None
        try:
            answer = self._session().request(
                request.method,
                request.url,
                params=dict(request.params) if request.params is not None else None,
                data=request.body,
                headers=headers,
                timeout=request.timeout,
                stream=True,  # the body read below in large chunks
            )
            try:
                content = b"".join(answer.iter_content(READ_CHUNK_BYTES))
            finally:
                answer.close()  # the body is read: the connection goes back to the pool
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc) from None
        return Response(answer.status_code, answer.headers, content, answer.reason or "")

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()


def transport_error(exc: requests.exceptions.RequestException) -> TransportError:
    """What a failure of ``requests`` (ours, or the ``jira`` library's) means for the retry policy; the
    message never holds the request (its headers carry the credentials)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return TLSFailure("TLS verification failed")
    if isinstance(exc, requests.exceptions.Timeout):
        return TimedOut("no answer in time")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Dropped("the answer was cut short")
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _is_unreachable(exc):
            return Unreachable("connection refused or host not found")
        return Dropped("the connection dropped")
    return Failed(type(exc).__name__)


def _is_unreachable(exc: requests.exceptions.ConnectionError) -> bool:
    text = repr(exc.args[0]) if exc.args else repr(exc)
    return any(
        marker in text
        for marker in (
            "NewConnectionError",
            "Connection refused",
            "Name or service not known",
            "nodename nor servname",
            "getaddrinfo failed",
            "No route to host",
            "Failed to resolve",
        )
    )
