"""The simulator's HTTP side: a real ThreadingHTTPServer on 127.0.0.1, auth, knobs, faults and stats.

Knobs (``SimulatorHandle.configure`` or ``POST /_simulator/config`` with the same keys as JSON):
- ``latency_ms``: added before every answer.
- ``rate_limit``: at most this many requests per ``rate_window_s`` seconds (default 1) *per endpoint and
  HTTP method* (Cloud's burst limit: "one tenant, one endpoint, one HTTP method"); beyond it 429 with
  ``Retry-After: rate_retry_after`` (0 allowed; ``None``: no Retry-After, as "429 responses may be
  accompanied by Retry-After and X-RateLimit-Reset headers"), X-RateLimit-Limit/-Remaining, X-RateLimit-Reset
  as the docs write it (``yyyy-MM-ddTHH:mmZ``), RateLimit-Reason "jira-burst-based" and an HTML body, as
  Cloud answers. Answers under the limit carry X-RateLimit-Limit/-Remaining and, with under 20% of the
  budget left, ``X-RateLimit-NearLimit: true``. ``None`` turns it off.
- ``rate_limit_every``: answer every N-th API request with that same 429, whatever the timing: a
  deterministic 429 storm for tests (``rate_limit`` depends on how fast the client and the machine are).
- ``faults``: a list of {"path": glob on the path (e.g. "*/search/jql"), "kind": "500"|"503"|"429"|"slow"|
  "truncated"|"cut_json"|"issue_errors", "count": how many requests, "delay_s": for slow, "retry_after":
  for 503/429}. "truncated" sends a Content-Length bigger than the body and closes; "cut_json" sends half a
  JSON body; "issue_errors" (issue/bulkfetch) moves the second half of the found issues to ``issueErrors``
  as {"id", "errorMessage"}: Jira's "retriable error", which a client must fetch again.
  Paging faults (what broken proxies and server bugs do): "repeat_token" (search/jql, changelog/bulkfetch:
  the answer's nextPageToken is the one the request sent, or one for the same page, with isLast false);
  "never_last" (search/jql and changelog/bulkfetch always give a next token, past the end too; agile lists
  ignore startAt and answer their first page with isLast false).
  "omit_issues" (issue/bulkfetch): the last found issue is left out silently, with no issueErrors entry.
  "malformed" with "variant" and "key": the issue ``key`` in the answer (issue/bulkfetch, the searches,
  changelog/bulkfetch) is made odd: "status_string", "project_string", "link_without_key",
  "history_not_object", "created_out_of_range".
- ``anonymous_server_info``: False makes serverInfo refuse anonymous callers (401), as some sites do.
- ``search_lag_s``: Cloud search's eventual consistency (:mod:`syncreport.simulator.consistency`): edits and
  deletions made through the handle reach search/jql and approximate-count this many seconds later (on the
  simulator's clock) unless reconciled (``reconcileIssues``); the issue resources see them at once. 0: off.

Cloud also answers as the platform's API gateway does for scoped API tokens and service accounts: the same
API under ``/ex/jira/{cloudId}`` (``https://api.atlassian.com/ex/jira/{cloudId}`` on a real site), with the
cloud id from the site's anonymous ``GET /_edge/tenant_info`` (``{"cloudId": ...}``). A scoped token
(``SCOPED_TOKEN``) is refused on the site's own URL with 401, as Atlassian's KB "401 Unauthorized error when
service account accesses Jira or Confluence API" describes, and accepted through the gateway.
Control endpoints (no auth, not counted): GET /_simulator/stats, POST /_simulator/reset, POST /_simulator/config.
"""

from __future__ import annotations

import base64
import fnmatch
import gc
import hashlib
import json
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from syncreport.simulator.api import Api, ApiError, find_route
from syncreport.simulator.generator import generate_site
from syncreport.simulator.model import History, Issue, Item, Link, Site
from syncreport.simulator.render import Json, dump

CLOUD_EMAIL = "rte@example.com"
CLOUD_TOKEN = "ATATT3xSimulatorDemoToken-not-a-secret-0000"  # demo credentials of a local fake
DC_TOKEN = "NjM4NDk1MjIwOTk2OlNpbXVsYXRvckRlbW9QQVQtbm90LWEtc2VjcmV0"
SCOPED_TOKEN = "ATATT3xSimulatorScopedToken-not-a-secret-0000"  # works only through the gateway path
GATEWAY_PREFIX = "/ex/jira/"

RATE_LIMIT_PAGE = (
    "<!DOCTYPE html><html><head><title>429 Too Many Requests</title></head><body>"
    "<h1>Too Many Requests</h1><p>Rate limit exceeded. Please wait before retrying.</p></body></html>"
)


@dataclass(slots=True)
class Fault:
    path: str
    kind: str
    count: int = 1
    delay_s: float = 2.0
    retry_after: str = "1"
    variant: str = ""  # for "malformed": what is odd
    key: str = ""  # for "malformed": the issue made odd

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.kind == "malformed" and (self.variant not in MALFORMED or not self.key):
            raise ValueError(f"a malformed fault needs a key and a variant among {', '.join(MALFORMED)}")


FAULT_KINDS = (
    "500", "503", "429", "slow", "truncated", "cut_json", "issue_errors",
    "repeat_token", "never_last", "omit_issues", "malformed",
)  # fmt: skip
PAGING_FAULTS = ("repeat_token", "never_last")  # the API's paging code applies them (Api.paging_fault)
MALFORMED = (
    "status_string", "project_string", "link_without_key", "history_not_object", "created_out_of_range",
)  # fmt: skip


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class _State:
    def __init__(
        self, site: Site, deployment: str, email: str, token: str, clock: Callable[[], datetime]
    ) -> None:
        self.site = site
        self.clock = clock  # the simulated site's "now": changes made without ``at``, JQL's now(), serverTime
        self.deployment = deployment
        self.email = email
        self.token = token
        self.lock = threading.RLock()  # the site and the API caches
        self.knob_lock = threading.Lock()  # knobs, faults and stats
        self.api: Api | None = None
        self.latency_ms = 0
        self.rate_limit: int | None = None
        self.rate_window_s = 1.0
        self.rate_retry_after: str | None = "1"
        self.recent: dict[str, deque[float]] = {}  # per "METHOD endpoint"
        self.rate_limit_every: int | None = None
        self.rate_counter = 0
        self.anonymous_server_info = True  # False: serverInfo asks for credentials too, as some sites do
        self.search_lag_s = 0.0
        self.scoped_token = SCOPED_TOKEN
        # the site's cloud id (a UUID, as tenant_info gives it), the same for the same generated site
        self.cloud_id = str(uuid.UUID(hashlib.sha1(f"syncreport-sim-{site.seed}".encode()).hexdigest()[:32]))
        self.faults: list[Fault] = []
        self.stats: dict[str, int] = {}
        self.statuses: dict[str, int] = {}
        self.total = 0

    def configure(self, **knobs: Any) -> None:
        with self.knob_lock:
            for name, value in knobs.items():
                if name == "latency_ms":
                    self.latency_ms = int(value or 0)
                elif name == "rate_limit":
                    self.rate_limit = int(value) if value is not None else None
                    self.recent = {}
                elif name == "rate_limit_every":
                    self.rate_limit_every = int(value) if value else None
                    self.rate_counter = 0
                elif name == "rate_window_s":
                    self.rate_window_s = float(value)
                elif name == "rate_retry_after":
                    self.rate_retry_after = None if value is None else str(value)
                elif name == "anonymous_server_info":
                    self.anonymous_server_info = bool(value)
                elif name == "search_lag_s":
                    self.search_lag_s = max(0.0, float(value or 0))
                    if self.api is not None:
                        self.api.index.lag_s = self.search_lag_s
                elif name == "faults":
                    self.faults = [f if isinstance(f, Fault) else Fault(**f) for f in value or []]
                else:
                    raise ValueError(f"unknown simulator knob {name!r}")

    def count(self, name: str, status: int) -> None:
        with self.knob_lock:
            self.total += 1
            self.stats[name] = self.stats.get(name, 0) + 1
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def snapshot_stats(self) -> dict[str, Any]:
        with self.knob_lock:
            return {
                "total": self.total,
                "endpoints": dict(sorted(self.stats.items())),
                "statuses": dict(self.statuses),
            }

    def reset_stats(self) -> None:
        with self.knob_lock:
            self.total = 0
            self.stats.clear()
            self.statuses.clear()

    def take_fault(self, path: str) -> Fault | None:
        with self.knob_lock:
            for fault in self.faults:
                if fault.count > 0 and fnmatch.fnmatchcase(path, fault.path):
                    fault.count -= 1
                    return fault
            return None

    def over_rate_limit(self, endpoint: str = "") -> int | None:
        """None when over the limit (answer 429), else the budget left in this endpoint's window."""
        with self.knob_lock:
            if self.rate_limit_every:
                self.rate_counter += 1
                if self.rate_counter % self.rate_limit_every == 0:
                    return None
            if self.rate_limit is None:
                return -1
            now = time.monotonic()
            recent = self.recent.setdefault(endpoint, deque())
            while recent and recent[0] <= now - self.rate_window_s:
                recent.popleft()
            if len(recent) >= self.rate_limit:
                return None
            recent.append(now)
            return self.rate_limit - len(recent)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a client opening many connections at once is not refused

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        super().__init__(address, _Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (its timeout, the run's deadline) closed the socket before the answer: a
        real server says nothing; anything else is a simulator bug and is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the simulator's stats say what happened."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # --- plumbing ----------------------------------------------------------------------------------------

    _counting: str | None = None  # the endpoint the request in hand is counted under, until it is counted

    def _record(self, status: int) -> None:
        """Count the request in the stats once, before its answer goes out: a client that reads the stats
        as soon as it has its answer sees its request counted."""
        name, self._counting = self._counting, None
        if name is not None:
            self.server.state.count(name, status)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-AREQUESTID", f"{int(time.time() * 1000) % 100000}x1")
        for name, value in {**getattr(self, "_rate_headers", {}), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = dump(data).encode()
        self._send(status, body, "application/json;charset=UTF-8", headers)

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "Unexpected character in the request body: it is not valid JSON.") from None

    def _authorised(self, state: _State, via_gateway: bool) -> bool:
        header = self.headers.get("Authorization") or ""
        if state.deployment == "cloud":
            tokens = (state.token, state.scoped_token) if via_gateway else (state.token,)
            return any(
                header == "Basic " + base64.b64encode(f"{state.email}:{token}".encode()).decode()
                for token in tokens
            )
        return header == f"Bearer {state.token}"

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        self._rate_headers: dict[str, str] = {}
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        query: dict[str, Any] = parse_qs(split.query, keep_blank_values=True)
        try:
            body = self._read_body() if method in ("POST", "PUT") else {}
        except ApiError as exc:
            self._json(exc.status, exc.body)
            return
        if path.startswith("/_simulator"):
            self._control(method, path, body)
            return
        via_gateway = False
        if path.startswith(GATEWAY_PREFIX) and state.deployment == "cloud":
            cloud_id, _, rest = path[len(GATEWAY_PREFIX) :].partition("/")
            if cloud_id != state.cloud_id:  # the gateway knows no such site
                self._counting = f"{method} (unknown path)"
                self._json(404, {"code": 404, "message": "Not Found"})
                return
            path, via_gateway = "/" + rest, True
        if (
            path == "/_edge/tenant_info"
            and method == "GET"
            and state.deployment == "cloud"
            and not via_gateway
        ):
            self._counting = "GET /_edge/tenant_info"
            self._json(200, {"cloudId": state.cloud_id})  # anonymous, as on a real site
            return
        found = find_route(method, path, state.deployment)
        name = found[0].name(method, found[1]) if found else f"{method} (unknown path)"
        self._counting = name
        status = self._answer(state, method, path, query, body, found, name, via_gateway)
        self._record(status)  # when no answer was written (none is: every path answers)

    def _answer(
        self,
        state: _State,
        method: str,
        path: str,
        query: dict[str, Any],
        body: Any,
        found: Any,
        name: str = "",
        via_gateway: bool = False,
    ) -> int:
        if state.latency_ms:
            time.sleep(state.latency_ms / 1000)
        left = state.over_rate_limit(name)
        if left is None:
            return self._rate_limited(state, state.rate_retry_after)
        if left >= 0 and state.rate_limit:
            self._rate_headers = {
                "X-RateLimit-Limit": str(state.rate_limit),
                "X-RateLimit-Remaining": str(left),
            }
            if left < 0.2 * state.rate_limit:
                self._rate_headers["X-RateLimit-NearLimit"] = "true"
        else:
            self._rate_headers = {}
        fault = state.take_fault(path)
        if fault is not None:
            done = self._fault(fault)
            if done:
                return int(fault.kind) if fault.kind.isdigit() else 200
        has_auth = bool(self.headers.get("Authorization"))
        anonymous_ok = path.endswith("/serverInfo") and not has_auth and state.anonymous_server_info
        if not anonymous_ok and not self._authorised(state, via_gateway):
            self._json(
                401,
                {"errorMessages": ["You are not authenticated. Authentication required to perform this operation."],
                 "errors": {}},
                {"WWW-Authenticate": 'Basic realm="protected-area"' if state.deployment == "cloud" else "Bearer"},
            )  # fmt: skip
            return 401
        if found is None:
            self._json(404, {"errorMessages": [f"null for uri: {self.path}"], "errors": {}})
            return 404
        route, groups = found
        params: dict[str, Any] = dict(query)
        if isinstance(body, dict):
            params.update(body)
        params["@method"] = method  # what a handler that reads only the body (a request bean) needs
        params["@body"] = body if method in ("POST", "PUT") else None
        try:
            with state.lock:
                assert state.api is not None
                state.api.paging_fault = (
                    fault.kind if fault is not None and fault.kind in PAGING_FAULTS else None
                )
                try:
                    data = route.handler(state.api, groups, params)
                finally:
                    state.api.paging_fault = None
                if fault is not None and fault.kind == "malformed":
                    data = _malform(data, fault, state.site)
        except ApiError as exc:
            self._json(exc.status, exc.body)
            return exc.status
        except Exception as exc:  # a bug in the simulator: say so loudly instead of dropping the connection
            traceback.print_exc()
            self._json(500, {"errorMessages": [f"simulator bug: {type(exc).__name__}: {exc}"], "errors": {}})
            return 500
        if fault is not None and fault.kind == "issue_errors":
            _fail_second_half(data)
        if (
            fault is not None
            and fault.kind == "omit_issues"
            and isinstance(data, dict)
            and data.get("issues")
        ):
            data["issues"] = data["issues"][:-1]
        if fault is not None and fault.kind in ("truncated", "cut_json"):
            self._broken(fault, data)
        else:
            self._json(200, data)
        return 200

    def _rate_limited(self, state: _State, retry_after: str | None) -> int:
        # "X-RateLimit-Reset ... the timestamp (in ISO 8601 format) when the rate limit will reset, calculated
        # as the request timestamp plus the Retry-After period. It's provided in the format: yyyy-MM-ddTHH:mmZ"
        wait = float(retry_after) if retry_after is not None else state.rate_window_s
        reset = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%Y-%m-%dT%H:%MZ")
        headers = {
            "X-RateLimit-Limit": str(state.rate_limit or 0),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset,
            "RateLimit-Reason": "jira-burst-based",
        }
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        self._send(429, RATE_LIMIT_PAGE.encode(), "text/html;charset=UTF-8", headers)
        return 429

    def _fault(self, fault: Fault) -> bool:
        """Apply a fault; True when it already answered."""
        if fault.kind == "slow":
            time.sleep(fault.delay_s)
            return False
        if fault.kind == "500":
            self._json(500, {"errorMessages": ["Internal server error"], "errors": {}})
            return True
        if fault.kind == "503":
            self._send(
                503, b"<html><body><h1>Service Unavailable</h1></body></html>", "text/html;charset=UTF-8",
                {"Retry-After": fault.retry_after},
            )  # fmt: skip
            return True
        if fault.kind == "429":
            self._rate_limited(self.server.state, fault.retry_after)
            return True
        return False  # truncated / cut_json: answer normally, but broken

    def _broken(self, fault: Fault, data: Any) -> None:
        body = dump(data).encode()
        half = body[: max(1, len(body) // 2)]
        self._record(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        declared = len(body) if fault.kind == "truncated" else len(half)
        self.send_header("Content-Length", str(declared))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(half)
        self.wfile.flush()
        self.close_connection = True

    def _control(self, method: str, path: str, body: Any) -> None:
        state = self.server.state
        if path == "/_simulator/stats" and method == "GET":
            self._json(200, state.snapshot_stats())
        elif path == "/_simulator/reset" and method == "POST":
            state.reset_stats()
            self._json(200, {"reset": True})
        elif path == "/_simulator/config" and method == "POST":
            try:
                state.configure(**(body if isinstance(body, dict) else {}))
            except (TypeError, ValueError) as exc:
                self._json(400, {"errorMessages": [str(exc)], "errors": {}})
                return
            self._json(200, {"configured": sorted(body)})
        else:
            self._json(404, {"errorMessages": [f"no simulator control at {method} {path}"], "errors": {}})


class SimulatorHandle:
    """A running simulator. Use as a context manager, or call :meth:`stop`."""

    def __init__(self, state: _State, server: _Server, thread: threading.Thread) -> None:
        self._state = state
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self.port = int(port)
        self.deployment = state.deployment
        self.email = state.email
        self.token = state.token
        self.scoped_token = state.scoped_token  # Cloud: accepted only through the gateway URL
        self.cloud_id = state.cloud_id
        self.gateway_url = (
            f"{self.url}{GATEWAY_PREFIX}{state.cloud_id}"  # api.atlassian.com/ex/jira/{cloudId}
        )

    def now(self) -> datetime:
        """The simulator's clock (handed in to :func:`start_simulator`; the wall clock by default)."""
        return self._state.clock()

    @property
    def site(self) -> Site:
        """The generated data (read it under no lock only while no test mutates it)."""
        return self._state.site

    def stats(self) -> dict[str, Any]:
        return self._state.snapshot_stats()

    def reset_stats(self) -> None:
        self._state.reset_stats()

    def configure(self, **knobs: Any) -> None:
        self._state.configure(**knobs)

    def inject_fault(
        self,
        path: str,
        kind: str,
        *,
        count: int = 1,
        delay_s: float = 2.0,
        retry_after: str = "1",
        variant: str = "",
        key: str = "",
    ) -> None:
        """Make the next ``count`` requests whose path matches the glob ``path`` fail in the given way."""
        with self._state.knob_lock:
            self._state.faults.append(Fault(path, kind, count, delay_s, retry_after, variant, key))

    def touch_issue(
        self,
        key: str,
        *,
        status: str | None = None,
        sprint: int | None = None,
        summary: str | None = None,
        flagged: bool | None = None,
        pi: str | None = None,
        duedate: date | None = None,
        points: float | None = None,
        team: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Change an issue as a user would: new ``updated`` time and a changelog history with the items.

        ``status`` is a status name or id; ``sprint`` a sprint id the issue moves to (its closed sprints are
        kept before it, as Jira does); ``pi`` a fixVersion name replacing the current ones; ``team`` a team
        name. ``at`` defaults to the simulator's clock (never earlier than the generated data).
        """
        state = self._state
        with state.lock:
            site = state.site
            issue = site.by_key[key]
            # never before the generated data, even when the machine's clock is behind the simulated "today"
            when = at or max(
                state.clock(), site.now + timedelta(minutes=1), issue.updated + timedelta(seconds=1)
            )
            self._before_edit(issue)
            items: list[Item] = []
            if status is not None:
                new = next((s for s in site.statuses.values() if status in (s.id, s.name)), None)
                if new is None:
                    raise ValueError(f"no status {status!r}")
                old = site.statuses[issue.status]
                items.append(("status", old.id, old.name, new.id, new.name))
                if new.category == "done" and issue.resolved is None:
                    items.append(("resolution", None, None, "10000", "Done"))
                    issue.resolved = when
                elif new.category != "done":
                    issue.resolved = None
                issue.status = new.id
            if sprint is not None:
                if sprint not in site.sprints:
                    raise KeyError(f"no sprint {sprint}")
                before = issue.sprints
                after = [s for s in before if site.sprints[s].state == "closed"] + [sprint]
                items.append(("sprint", *_sprint_text(site, before), *_sprint_text(site, after)))
                issue.sprints = after
            if summary is not None:
                items.append(("summary", None, issue.summary, None, summary))
                issue.summary = summary
            if flagged is not None and flagged != issue.flagged:
                flag = ("[10019]", "Impediment")
                items.append(("flagged", None, None, *flag) if flagged else ("flagged", *flag, None, None))
                issue.flagged = flagged
            if pi is not None:
                for old_pi in issue.pis:
                    items.append(("fixversion", _version_id(site, issue.project, old_pi), old_pi, None, None))
                items.append(("fixversion", None, None, _version_id(site, issue.project, pi), pi))
                issue.pis = [pi]
            if duedate is not None and duedate != issue.duedate:
                old_due = issue.duedate.isoformat() if issue.duedate else None
                items.append(
                    ("duedate", old_due, f"{old_due} 00:00:00.0" if old_due else None, duedate.isoformat(),
                     f"{duedate.isoformat()} 00:00:00.0")
                )  # fmt: skip
                issue.duedate = duedate
            if points is not None and points != issue.points:
                before_points = f"{issue.points:g}" if issue.points is not None else None
                items.append(("points", None, before_points, None, f"{points:g}"))
                issue.points = points
            if team is not None:
                index = next((n for n, t in enumerate(site.teams) if t.name == team), None)
                if index is None:
                    raise ValueError(f"no team {team!r}")
                old_team = site.teams[issue.team].name if issue.team is not None else None
                items.append(("team", None, old_team, None, team))
                issue.team = index
            if not items:
                raise ValueError("touch_issue needs at least one change")
            issue.histories.append(History(site.next_history_id, when, len(site.users) - 1, tuple(items)))
            site.next_history_id += 1
            issue.updated = when
            site.version += 1

    def link_issues(
        self, provider: str, consumer: str, *, link_type: str = "Blocks", at: datetime | None = None
    ) -> str:
        """Add a dependency link in the type's own wording ("Dependency" is inverted); returns the link id.

        Both issues get a "Link" changelog item and a new ``updated`` time, as in Jira (``at``, else the
        simulator's clock, never earlier than the generated data).
        """
        state = self._state
        with state.lock:
            site = state.site
            kind = next((t for t in site.link_types if t.name == link_type), None)
            if kind is None:
                raise ValueError(f"no link type {link_type!r}")
            source, target = (consumer, provider) if link_type == "Dependency" else (provider, consumer)
            next_id = max((int(x.id) for x in site.links), default=20000) + 1
            link = Link(str(next_id), link_type, source, target)
            site.add_link(link)
            for key, other, text in ((source, target, kind.outward), (target, source, kind.inward)):
                issue = site.by_key[key]
                self._before_edit(issue)
                when = max(
                    at or state.clock(), site.now + timedelta(minutes=1), issue.updated + timedelta(seconds=1)
                )
                item: Item = ("link", None, None, other, f"This issue {text} {other}")
                issue.histories.append(History(site.next_history_id, when, len(site.users) - 1, (item,)))
                site.next_history_id += 1
                issue.updated = when
            site.version += 1
            return link.id

    def remove_from_scope(self, key: str) -> None:
        """Delete the issue: it leaves every search, GET answers 404, and links to it disappear."""
        state = self._state
        with state.lock:
            site = state.site
            issue = site.by_key.pop(key)
            assert state.api is not None
            state.api.index.deleted(issue, state.clock())
            site.issues.remove(issue)
            for link in site.links_by_issue.pop(key, []):
                other = link.target if link.source == key else link.source
                site.links_by_issue[other] = [x for x in site.links_by_issue.get(other, []) if x is not link]
                site.links.remove(link)
            site.version += 1

    def move_issue(self, key: str, project: str, *, at: datetime | None = None) -> str:
        """Move an issue to another project, as Jira's Move does; returns its new key.

        The issue keeps its id and gets the project's next key; its changelog gets "Key" and "project"
        items and its ``updated`` moves on. Jira finds it by the old key too (GET issue, issue/bulkfetch and
        JQL: "a case-insensitive search and check for moved issues is performed"). Linked issues and
        children show the new key at once, but their own ``updated`` does not change.
        """
        state = self._state
        with state.lock:
            site = state.site
            issue = site.by_key[key]
            target = site.project(project)
            when = at or max(
                state.clock(), site.now + timedelta(minutes=1), issue.updated + timedelta(seconds=1)
            )
            self._before_edit(issue)
            number = 1 + max(
                (int(i.key.partition("-")[2]) for i in site.issues if i.project == target.key), default=0
            )
            new_key = f"{target.key}-{number}"
            old_project = site.project(issue.project)
            items: tuple[Item, ...] = (
                ("key", None, key, None, new_key),
                ("project", old_project.id, old_project.name, target.id, target.name),
            )
            issue.histories.append(History(site.next_history_id, when, len(site.users) - 1, items))
            site.next_history_id += 1
            del site.by_key[key]
            issue.key, issue.project, issue.updated = new_key, target.key, when
            site.by_key[new_key] = issue
            site.moved = {old: (new_key if now == key else now) for old, now in site.moved.items()}
            site.moved[key] = new_key
            links = site.links_by_issue.pop(key, [])
            for link in links:
                if link.source == key:
                    link.source = new_key
                if link.target == key:
                    link.target = new_key
            site.links_by_issue[new_key] = links
            for child in site.issues:
                if child.parent == key:
                    child.parent = new_key
            site.version += 1
            return new_key

    def _before_edit(self, issue: Issue) -> None:
        """Search keeps seeing the issue as it is now for ``search_lag_s`` (Cloud's eventual consistency)."""
        state = self._state
        assert state.api is not None
        state.api.index.before_edit(issue, state.clock())

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        gc.unfreeze()

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _fail_second_half(data: Any) -> None:
    """The "issue_errors" fault: a bulk fetch returns half its issues and lists the rest as retriable errors."""
    if not isinstance(data, dict) or "issueErrors" not in data:
        return
    keep = (len(data["issues"]) + 1) // 2
    failed, data["issues"] = data["issues"][keep:], data["issues"][:keep]
    data["issueErrors"] = [
        {
            "id": (i.value() if isinstance(i, Json) else i)["id"],
            "errorMessage": "Retrieving this issue timed out. Please try again.",
        }
        for i in failed
    ]


def _malform(data: Any, fault: Fault, site: Site) -> Any:
    """The "malformed" fault: the issue ``fault.key`` in this answer made odd in the way ``fault.variant`` says."""
    if not isinstance(data, dict):
        return data
    target = site.by_key.get(fault.key.upper())
    if "issueChangeLogs" in data:
        if fault.variant == "history_not_object" and target is not None:
            logs = [e.value() if isinstance(e, Json) else e for e in data["issueChangeLogs"]]
            for entry in logs:
                if str(entry.get("issueId")) == str(target.id) and entry.get("changeHistories"):
                    entry["changeHistories"][0] = "a history that is not an object"
            data["issueChangeLogs"] = logs
        return data
    issues = [i.value() if isinstance(i, Json) else i for i in data.get("issues") or ()]
    for issue in issues:
        if issue.get("key") != fault.key:
            continue
        fields = issue.setdefault("fields", {})
        if fault.variant == "status_string":
            fields["status"] = str((fields.get("status") or {}).get("name") or "In Progress")
        elif fault.variant == "project_string":
            fields["project"] = str((fields.get("project") or {}).get("key") or "X")
        elif fault.variant == "created_out_of_range":
            fields["created"] = 10**20  # an epoch number no calendar holds
        elif fault.variant == "link_without_key":
            links = fields.setdefault("issuelinks", [])
            if links:
                for side in ("inwardIssue", "outwardIssue"):
                    if isinstance(links[0].get(side), dict):
                        links[0][side].pop("key", None)
            else:
                links.append({"id": "990001", "type": {"name": "Blocks"}, "outwardIssue": {"id": "1"}})
        elif fault.variant == "history_not_object":
            histories = (issue.get("changelog") or {}).get("histories")
            if histories:
                histories[0] = "a history that is not an object"
    if "issues" in data:
        data["issues"] = issues
    return data


def _sprint_text(site: Site, ids: list[int]) -> tuple[str | None, str | None]:
    if not ids:
        return None, None
    return ", ".join(str(i) for i in ids), ", ".join(site.sprints[i].name for i in ids)


def _version_id(site: Site, project: str, name: str) -> str:
    return next(v.id for v in site.versions if v.project == project and v.name == name)


def start_simulator(
    *,
    deployment: str = "cloud",
    issues: int = 600,
    seed: int = 7,
    latency_ms: int = 0,
    port: int = 0,
    today: date | None = None,
    teams: int = 8,
    site: Site | None = None,
    clock: Callable[[], datetime] | None = None,
    **knobs: Any,
) -> SimulatorHandle:
    """Generate a train (or serve ``site``) on 127.0.0.1 from a background thread.

    ``clock`` is the simulator's "now" (timezone-aware; the wall clock by default): the train is generated as
    of its moment (``today``: as of that day's 00:00 UTC instead), and changes made while it runs are dated
    by it.

    ``knobs`` are those of :meth:`SimulatorHandle.configure` (rate_limit, faults, ...), set before the first
    request.
    """
    if deployment not in ("cloud", "datacenter"):
        raise ValueError(f"deployment must be 'cloud' or 'datacenter', not {deployment!r}")
    clock = clock or _wall_clock
    data = site or generate_site(
        issues=issues, seed=seed, today=today, teams=teams, now=None if today else clock()
    )
    # The site is hundreds of thousands of long-lived objects: keep the cyclic GC from walking them again
    # on every collection while the server answers (``stop`` lets it see them again).
    gc.collect()
    gc.freeze()
    token = CLOUD_TOKEN if deployment == "cloud" else DC_TOKEN
    state = _State(data, deployment, CLOUD_EMAIL, token, clock)
    state.configure(latency_ms=latency_ms, **knobs)
    server = _Server(("127.0.0.1", port), state)
    host, bound = server.server_address[:2]
    state.api = Api(data, deployment, f"http://{host!s}:{bound}", clock=clock)
    state.api.index.lag_s = state.search_lag_s
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"jira-simulator-{bound}",
        daemon=True,
    )
    thread.start()
    return SimulatorHandle(state, server, thread)


def serve_forever(
    *,
    port: int,
    deployment: str,
    issues: int,
    seed: int,
    latency_ms: int,
    echo: Callable[[str], None] = print,
) -> None:
    """``syncreport simulator``: run until Ctrl-C, telling the user how to point a config at it."""
    from syncreport.simulator.democonfig import demo_config, toml_snippet

    if deployment not in ("cloud", "datacenter"):
        raise ValueError(f"--deployment must be cloud or datacenter, not {deployment!r}")
    handle = start_simulator(
        deployment=deployment, issues=issues, seed=seed, latency_ms=latency_ms, port=port
    )
    try:
        echo(f"Jira simulator ({deployment}, {issues} issues, seed {seed}) listening on {handle.url}")
        if deployment == "cloud":
            echo(f"  accepts Basic auth: e-mail {handle.email}  API token {handle.token}")
            echo(f"  a scoped API token {handle.scoped_token} works only through {handle.gateway_url}")
        else:
            echo(f"  accepts Bearer personal access token {handle.token}")
        echo(
            f"  request counts: GET {handle.url}/_simulator/stats   knobs: POST {handle.url}/_simulator/config"
        )
        echo("To point syncreport at it:")
        echo(f"  export SYNCREPORT_SIM_TOKEN='{handle.token}'")
        echo("  save the config below as sim.toml, then: syncreport check --config sim.toml")
        echo(toml_snippet(demo_config(handle, token_env="SYNCREPORT_SIM_TOKEN")))
        echo("Ctrl-C stops it.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        echo("simulator stopped")
    finally:
        handle.stop()
