"""HTTP access to Jira: authentication, our retry policy, one-line errors.

Each attempt goes through a :class:`~syncreport.jira.transport.Transport` (the seam: a ``requests``
Session per worker thread in production, a function in unit tests; that module says why the ``jira``
library's client is not the transport), or, for the low-volume calls, through the ``jira`` library's public
API (:meth:`JiraClient.call`, :mod:`syncreport.jira.library`). Above both, *our* policy decides every retry:

- 429 and 503 wait what ``Retry-After`` says (seconds or an HTTP date; ``0`` means "now"), whatever the body
  (Jira's 429 bodies are often HTML pages);
- other 5xx answers, timeouts and dropped connections back off exponentially with full jitter;
- all waits of one request together stay within ``[jira].max_retry_seconds`` and at most
  :data:`MAX_ATTEMPTS` attempts; past that the request fails with one line.

Every failure the user can act on becomes a :class:`~syncreport.errors.JiraError` (or ``ConfigError``) with
one line naming the cause and the fix, and the HTTP status and endpoint when Jira answered. Exceptions of
the HTTP library are never chained (``from None``): their text may carry request headers, and so the token.

The module is over 400 lines on purpose: it is one class, and its parts (the attempt, the retry decision,
the waits, the deadline, the limiter's signals, the one-line explanations of each status) share that
client's state; split apart, they would reach into each other's private attributes. What needs none of
it lives beside it: :mod:`~syncreport.jira.answers` (reading headers and error bodies),
:mod:`~syncreport.jira.probe` (which kind of site), ``transport``, ``limiter`` and ``library``.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from syncreport.config import JiraSettings
from syncreport.errors import ConfigError, JiraError, RunTimeout
from syncreport.jira.answers import (
    advised_wait,
    jira_error_messages,
    load_signal,
    near_limit,
    parse_http_date,
)
from syncreport.jira.endpoints import CLOUD_BULK_ISSUES, Deployment
from syncreport.jira.library import JiraLibrary
from syncreport.jira.limiter import AdaptiveLimit, Signal
from syncreport.jira.transport import (
    Dropped,
    Failed,
    RequestsTransport,
    Response,
    TimedOut,
    TLSFailure,
    Transport,
    TransportError,
    Unreachable,
    UnusableAnswer,
)
from syncreport.jira.transport import Request as HttpRequest

log = logging.getLogger(__name__)
T = TypeVar("T")
Decode = Callable[[bytes], Any]  # an answer's body -> its JSON value (raises ValueError when it is not JSON)

MAX_ATTEMPTS = 10
MISSING_ATTEMPTS = 3  # issue/bulkfetch: asks for issues left out without a word, before the run fails
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
_RETRY_STATUSES = frozenset({500, 502, 503, 504, 429})
NEAR_LIMIT_PAUSE_SECONDS = 0.25  # after an answer with X-RateLimit-NearLimit: true


class _Transient(Exception):
    """One attempt failed in a way worth retrying; ``retry_after`` is Jira's own advice, if it gave one."""

    def __init__(self, reason: str, retry_after: float | None = None, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.status = status  # the HTTP status, when Jira answered


class _Cancelled(Exception):
    """The run is stopping (see :meth:`JiraClient.cancel`); never retried, never shown to the user."""


class JiraClient:
    """Authenticated JSON requests to one Jira site, safe to call from several threads at once.

    ``deployment=None`` makes an anonymous client (for the serverInfo probe only).
    ``sleep`` is injectable so tests of the retry policy run instantly; ``before_request`` is called with
    (method, path) before every attempt (tests use it to interrupt a run mid-way); ``transport`` replaces
    the real HTTP (:class:`~syncreport.jira.transport.MockTransport` in unit tests).
    """

    def __init__(
        self,
        settings: JiraSettings,
        deployment: Deployment | None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        before_request: Callable[[str, str], None] | None = None,
        config_name: str = "the config",
        deadline: float | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.settings = settings
        # time.monotonic() past which no request starts, no retry waits and no answer is awaited any longer
        # (the run's [jira].run_timeout_seconds); None: only the per-request limits apply.
        self.deadline = deadline
        self.deployment = deployment
        self.base_url = settings.api_base.rstrip("/")  # the site, or the API gateway ([jira].api_url)
        self._sleep = sleep
        self._before_request = before_request
        self._config_name = config_name
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self.request_counts: Counter[str] = Counter()
        self.auth = self.credentials() if deployment else None  # None: anonymous
        self.transport: Transport = transport or RequestsTransport(auth=self.auth, verify=self.tls_verify())
        # Jira's own clock: the earliest ``Date`` header of this client's answers (the watermark of what a
        # pull saw: syncreport.jira.since); None until an answer carried one
        self.earliest_server_time: datetime | None = None
        # requests in flight: adapted to the site's answers, at most [jira].concurrency (limiter.py)
        self.limit = AdaptiveLimit(settings.concurrency)
        # serverInfo, myself, fields, boards and sprints: the jira library's public API, under our policy
        self.library = JiraLibrary(self)

    # --- setup -------------------------------------------------------------------------------------------

    def credentials(self) -> tuple[str, str] | str:
        """Cloud's ``(e-mail, API token)`` for basic auth, or Data Center's personal access token."""
        settings = self.settings
        token = settings.token()
        if not token:
            kind = "API token" if self.deployment == "cloud" else "personal access token"
            raise ConfigError(
                f"the environment variable {settings.token_env} is empty or not set: export your Jira {kind} "
                f"in it (or name another variable in [jira].token_env of {self._config_name})"
            )
        if self.deployment == "cloud":
            if not settings.email:
                raise ConfigError(
                    f"{self._config_name}: [jira].email is required for Jira Cloud: the e-mail of the Atlassian "
                    "account that owns the API token"
                )
            return (settings.email, token)
        return token

    def tls_verify(self) -> bool | str:
        """requests' ``verify``: the CA bundle's path, or whether to verify TLS at all."""
        if self.settings.ca_bundle is not None:
            return str(self.settings.ca_bundle)
        return self.settings.verify_tls

    def cancel(self) -> None:
        """Make requests in flight in other threads stop at their next attempt or wait (Ctrl-C, a failure)."""
        self._cancelled.set()

    def _pause(self, seconds: float) -> None:
        remaining = self._remaining()
        if remaining is not None and seconds >= remaining:
            raise self._past_deadline()
        if self._sleep is time.sleep:
            self._cancelled.wait(seconds)
        else:
            self._sleep(seconds)
        if self._cancelled.is_set():
            raise _Cancelled

    def _remaining(self) -> float | None:
        """Seconds left before the run's deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def _past_deadline(self) -> JiraError:
        return RunTimeout(
            f"the pull from {self._host()} did not finish within {self.settings.run_timeout_seconds:g} s "
            "([jira].run_timeout_seconds): Jira or a proxy is too slow or not answering; try again later, or "
            f"raise [jira].run_timeout_seconds in {self._config_name} for a very large train"
        )

    def close(self) -> None:
        self.transport.close()
        self.library.close()

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests_made(self) -> int:
        with self._lock:
            return sum(self.request_counts.values())

    # --- requests ----------------------------------------------------------------------------------------

    def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        missing_ok: bool = False,
        decode: Decode | None = None,
    ) -> Any:
        return self.request("GET", path, params=params, missing_ok=missing_ok, decode=decode)

    def post(
        self, path: str, body: dict[str, Any], *, missing_ok: bool = False, decode: Decode | None = None
    ) -> Any:
        return self.request("POST", path, body=body, missing_ok=missing_ok, decode=decode)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        missing_ok: bool = False,
        decode: Decode | None = None,
    ) -> Any:
        """One JSON request under our retry policy; returns the decoded body.

        ``missing_ok``: a 404 (or a 403) answers ``None``: a board the account may not see must not stop the pull.
        ``decode``: the body's bytes -> the answer (``orjson.loads`` unless given; see
        :mod:`syncreport.jira.lean_json`); a ``ValueError`` from it is an answer that is not JSON.
        """
        return self._retried(
            method,
            path,
            lambda retried: self._attempt(method, path, params, body, missing_ok, decode, retried=retried),
        )

    def call(
        self, method: str, path: str, exchange: Callable[[], T], *, missing_ok: bool = False
    ) -> T | None:
        """One request made by another HTTP client (the ``jira`` library's public API), under this client's
        policy: the retries, waits, deadline, limit on requests in flight, counting and one-line errors of
        :meth:`request`. ``exchange`` returns the answer, raises
        :class:`~syncreport.jira.transport.UnusableAnswer` with Jira's answer when it cannot use it, or a
        :class:`~syncreport.jira.transport.TransportError` when none came. ``missing_ok`` as in :meth:`request`.
        """
        return self._retried(
            method,
            path,
            lambda retried: self._attempt_call(method, path, exchange, missing_ok, retried=retried),
        )

    def _retried(self, method: str, path: str, once: Callable[[bool], T]) -> T:
        """``once(retried)`` under our retry policy; failing past the budget is one line."""
        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            wait=self._wait,
            stop=self._stop,
            sleep=self._pause,
            reraise=True,
            before_sleep=lambda state: self._log_retry(method, path, state),
        )
        try:
            for attempt in retrying:
                with attempt:
                    answer = once(attempt.retry_state.attempt_number > 1)
            return answer
        except _Transient as exc:
            raise JiraError(
                f"Jira kept failing for {method} {path} ({exc.reason}) through {MAX_ATTEMPTS} attempts or "
                f"{self.settings.max_retry_seconds:g} s of retries ([jira].max_retry_seconds): try again later, "
                "or lower [jira].concurrency if Jira is rate-limiting you",
                status=exc.status,
                endpoint=_endpoint_name(path),
            ) from None

    def bulk_issues(
        self,
        ids_or_keys: list[str],
        fields: list[str],
        *,
        require_all: bool = False,
        recheck: Callable[[list[str]], set[str]] | None = None,
    ) -> list[dict[str, Any]]:
        """Cloud's POST issue/bulkfetch (at most 100), fetching again the issues it lists in ``issueErrors``.

        Jira leaves out issues the account may not see, and lists under ``issueErrors`` ({id, errorMessage})
        those it could not return this time (a timeout, a payload limit): those are asked again, with the
        same backoff and budget as any retry. With ``require_all`` (the train's own issues, which the same
        account just found with its search) an issue left out without an ``issueErrors`` entry is asked again
        too, at most :data:`MISSING_ATTEMPTS` times; then the request fails naming them.

        ``recheck`` (with ``require_all``) is asked first which of the left-out refs the search still lists
        when asked consistently (search is eventually consistent: an issue deleted a moment ago is still
        found): those it no longer lists are gone, not missing, and are dropped without a word.
        """
        found: list[dict[str, Any]] = []
        todo = list(ids_or_keys)
        waited = 0.0
        missing: list[str] = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            answer = self.post(CLOUD_BULK_ISSUES, {"issueIdsOrKeys": todo, "fields": fields})
            issues = [i for i in answer.get("issues") or () if isinstance(i, dict)]
            found.extend(issues)
            errors = [e for e in answer.get("issueErrors") or () if isinstance(e, dict) and e.get("id")]
            retry = [str(e["id"]) for e in errors]
            missing = []
            if require_all:
                got = {str(i.get(k)) for i in issues for k in ("id", "key") if i.get(k) is not None}
                missing = [ref for ref in todo if ref not in got and ref not in retry]
                if missing and recheck is not None:
                    listed = recheck(missing)
                    missing = [ref for ref in missing if ref in listed]
                    recheck = None  # once: what search says consistently does not change on asking again
                if missing and attempt >= MISSING_ATTEMPTS:
                    break
            if not retry and not missing:
                return found
            todo = retry + missing
            pause = random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)))
            if attempt == MAX_ATTEMPTS or waited + pause > self.settings.max_retry_seconds:
                break
            log.warning(
                "issue/bulkfetch: %d issue(s) not returned this time; again in %.1f s", len(todo), pause
            )
            waited += pause
            self._pause(pause)
        if missing:
            raise JiraError(
                f"Jira's issue/bulkfetch left out {_some(missing)} of the train's JQL without an issueErrors "
                f"entry, {attempt} times: the report would miss them; try again later, and if it persists "
                "check that the account may browse those issues"
            )
        said = str(errors[0].get("errorMessage") or "no reason given")
        raise JiraError(
            f"Jira could not return {len(todo)} issue(s) after {attempt} attempts (Jira says: {said}): "
            "try again later"
        )

    def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        missing_ok: bool,
        decode: Decode | None = None,
        *,
        retried: bool = False,
    ) -> Any:
        response = self._exchange(path, retried, lambda: self._send(method, path, params, body))
        return self._decode(method, path, response, missing_ok, decode)

    def _attempt_call(
        self, method: str, path: str, exchange: Callable[[], T], missing_ok: bool, *, retried: bool
    ) -> T | None:
        answers: list[T] = []

        def send() -> Response:
            try:
                answers.append(exchange())
            except UnusableAnswer as unusable:
                return unusable.response
            return Response(200)

        response = self._exchange(path, retried, lambda: self._guarded(method, path, send))
        if answers:
            return answers[0]
        decoded: None = self._decode(method, path, response, missing_ok)  # an error, or None (missing_ok)
        return decoded

    def _exchange(self, path: str, retried: bool, send: Callable[[], Response]) -> Response:
        """One attempt under the run's deadline and the limit on requests in flight, which the answer adapts."""
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            raise self._past_deadline()
        if self._cancelled.is_set():
            raise _Cancelled
        # a retry has waited out its own Retry-After already: it does not wait for the site-wide pause again
        ticket = self.limit.acquire(deadline=self.deadline, cancelled=self._cancelled, ignore_pause=retried)
        if ticket is None:
            if self._cancelled.is_set():
                raise _Cancelled
            raise self._past_deadline()
        name = _endpoint_name(path)
        started = time.monotonic()
        signal = Signal.FAILED
        try:
            response = send()
            signal = load_signal(response)
        finally:
            self.limit.release(ticket, signal, endpoint=name, seconds=time.monotonic() - started)
        self._note_server_time(response)
        if signal is Signal.THROTTLED:
            wait = advised_wait(response)
            if wait is not None:
                self.limit.pause(wait)
        return response

    def _note_server_time(self, response: Response) -> None:
        """Keep the earliest ``Date`` (RFC 9110: the time the origin server made the answer, whole seconds)."""
        when = parse_http_date(response.header("Date"))
        if when is None:
            return
        with self._lock:
            if self.earliest_server_time is None or when < self.earliest_server_time:
                self.earliest_server_time = when

    def _send(
        self, method: str, path: str, params: dict[str, Any] | None, body: dict[str, Any] | None
    ) -> Response:
        """One exchange through the transport; no answer becomes a retry or a one-line error."""
        remaining = self._remaining()
        timeout = (
            self.settings.timeout_seconds
            if remaining is None
            else min(self.settings.timeout_seconds, max(remaining, 0.001))
        )  # each connect and each read; the run's deadline bounds them too
        request = HttpRequest(
            method,
            self.base_url + path,
            params=params,
            body=orjson.dumps(body) if body is not None else None,
            timeout=timeout,
        )
        return self._guarded(method, path, lambda: self.transport.handle(request))

    def _guarded(self, method: str, path: str, send: Callable[[], Response]) -> Response:
        """``send()``, counted; a :class:`~syncreport.jira.transport.TransportError` becomes a retry or one line."""
        if self._before_request is not None:
            self._before_request(method, path)
        with self._lock:
            self.request_counts[_endpoint_name(path)] += 1
        try:
            response = send()
        except TLSFailure:
            raise JiraError(
                f"TLS verification failed for {self._host()}: if your company uses its own certificate "
                "authority, set [jira].ca_bundle to its PEM file (verify_tls = false only for a test site)",
                endpoint=_endpoint_name(path),
            ) from None
        except TimedOut:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise self._past_deadline() from None
            raise _Transient(f"no answer within {self.settings.timeout_seconds:g} s") from None
        except Dropped as exc:
            raise _Transient(str(exc)) from None
        except Unreachable:
            raise JiraError(
                f"cannot connect to {self._host()} (connection refused or host not found): check "
                f"[jira].url in {self._config_name}, your network, VPN or proxy",
                endpoint=_endpoint_name(path),
            ) from None
        except (Failed, TransportError) as exc:
            raise JiraError(
                f"request to {self._host()} failed: {exc}", endpoint=_endpoint_name(path)
            ) from None
        return response

    def _decode(
        self, method: str, path: str, response: Response, missing_ok: bool, decode: Decode | None = None
    ) -> Any:
        status = response.status
        if status < 400 and near_limit(response):
            # under 20% of the burst budget left: slow down before the 429, not after it (the limit on
            # requests in flight was halved too)
            self._pause(NEAR_LIMIT_PAUSE_SECONDS)
        if status in _RETRY_STATUSES:
            retry_after = advised_wait(response)
            raise _Transient(f"HTTP {status} {response.reason or ''}".strip(), retry_after, status=status)
        if status in (403, 404) and missing_ok:
            log.warning(
                "%s %s: HTTP %d, skipped (not there, or not visible to this account)", method, path, status
            )
            return None
        if status >= 400:
            raise JiraError(
                self._explain(method, path, response),
                status=status,
                endpoint=_endpoint_name(path),
                jira_messages=tuple(jira_error_messages(response)),
            ) from None
        if status == 204 or not response.content:
            return {}
        try:
            # orjson (the json module's answers in a third of the time), or the caller's leaner decoder
            return (decode or orjson.loads)(response.content)
        except ValueError:
            kind = (response.header("Content-Type") or "unknown content").split(";")[0]
            if kind.endswith("json"):
                raise _Transient("a JSON answer cut short") from None
            raise JiraError(
                f"{self._host()} answered {method} {path} with {kind}, not JSON (a login page, proxy or "
                f"another web site?): check that [jira].url in {self._config_name} is the Jira site's base URL"
            ) from None

    def _explain(self, method: str, path: str, response: Response) -> str:
        status = response.status
        jira_says = "; ".join(jira_error_messages(response))
        said = f" (Jira says: {jira_says})" if jira_says else ""
        if status == 401:
            return self._explain_401(path)
        if status == 403:
            denied = response.header("X-Authentication-Denied-Reason")
            if denied:
                return (
                    f"Jira denied the login ({denied.split(';')[0]}): log in once in a browser to clear the "
                    "CAPTCHA, then run again"
                )
            return (
                f"Jira refused {method} {path} (HTTP 403){said}: the account needs the 'Browse projects' "
                "permission on the train's projects (and board access for sprints)"
            )
        if status == 400 and "search" in path:
            return f"Jira rejected the train's JQL{said or ' (HTTP 400)'}: fix [train].jql in {self._config_name}"
        if status == 404:
            return (
                f"{self._host()} answered 404 for {path}{said}: is [jira].url in {self._config_name} the "
                "site's base URL (https://yourcompany.atlassian.net, or the Data Center base URL with its "
                "context path)?"
            )
        if status == 410:
            return (
                f'{self._host()} no longer offers {path} (HTTP 410): set [jira].deployment = "cloud" so the '
                "current search API is used"
            )
        return f"Jira answered HTTP {status} for {method} {path}{said}"

    def _explain_401(self, path: str) -> str:
        settings = self.settings
        if self.deployment == "cloud":
            scoped = (
                "; a scoped API token (a service account's) works only through the API gateway: set "
                '[jira].api_url = "https://api.atlassian.com/ex/jira/<cloudId>" (the cloud id is in '
                f"{settings.url}/_edge/tenant_info), or run 'syncreport init' to find it"
                if not settings.api_url
                else ""
            )
            return (
                f"Jira Cloud rejected the API token in ${settings.token_env} for {settings.email} "
                "(HTTP 401): check the e-mail in [jira].email and create a new token at "
                f"https://id.atlassian.com/manage-profile/security/api-tokens{scoped}"
            )
        if self.deployment == "datacenter":
            return (
                f"Jira rejected the personal access token in ${settings.token_env} (HTTP 401): create "
                'a new one under your Jira profile > Personal Access Tokens (or set deployment = "cloud" '
                "and [jira].email if this is a Cloud site)"
            )
        return f"{self._host()} requires authentication for {path} (HTTP 401)"

    # --- retry policy ------------------------------------------------------------------------------------

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After is a floor, never shortened; from the second retry on, a storm of "Retry-After: 0"
        answers also backs off (a sliding-window limiter keeps refusing clients that come straight back)."""
        exc = state.outcome.exception() if state.outcome else None
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (state.attempt_number - 1))
        backoff = random.uniform(0, ceiling)
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return exc.retry_after if state.attempt_number == 1 else max(exc.retry_after, backoff)
        return backoff

    def _stop(self, state: RetryCallState) -> bool:
        spent = max(state.idle_for, state.seconds_since_start or 0.0)
        return (
            state.attempt_number >= MAX_ATTEMPTS
            or spent + state.upcoming_sleep > self.settings.max_retry_seconds
        )

    def _log_retry(self, method: str, path: str, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        reason = exc.reason if isinstance(exc, _Transient) else "error"
        log.warning(
            "%s %s: %s; retry %d in %.1f s", method, path, reason, state.attempt_number, state.upcoming_sleep
        )

    def _host(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _some(refs: list[str], limit: int = 10) -> str:
    """ "issue(s) 10001, 10002 and 3 more" (ids or keys)."""
    shown = ", ".join(refs[:limit])
    more = f" and {len(refs) - limit} more" if len(refs) > limit else ""
    return f"{len(refs)} issue(s) ({shown}{more})"


def _endpoint_name(path: str) -> str:
    """A stable label for request counting: ``/rest/api/2/issue/ABC-1`` -> ``/rest/api/2/issue/{}``."""
    return _ID_SEGMENT.sub(r"/\1/{}", path)


_ID_SEGMENT = re.compile(r"/(issue|board|sprint|project)/(?!bulkfetch)[^/]+")
