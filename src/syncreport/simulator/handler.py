"""The simulator's HTTP side: a ThreadingHTTPServer on 127.0.0.1 and its request handler (the router's
dispatch, auth, rate limits, faults applied to answers, stats counted once per request, control endpoints).

Cloud also answers as the platform's API gateway does for scoped API tokens and service accounts: the same
API under ``/ex/jira/{cloudId}`` (``https://api.atlassian.com/ex/jira/{cloudId}`` on a real site), with the
cloud id from the site's anonymous ``GET /_edge/tenant_info`` (``{"cloudId": ...}``). A scoped token
(``SCOPED_TOKEN``) is refused on the site's own URL with 401, as Atlassian's KB "401 Unauthorized error when
service account accesses Jira or Confluence API" describes, and accepted through the gateway.
Control endpoints (no auth, not counted): GET /_simulator/stats, POST /_simulator/reset, POST /_simulator/config.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import traceback
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from syncreport.simulator.api import ApiError, find_route
from syncreport.simulator.faults import PAGING_FAULTS, Fault, fail_second_half, malform
from syncreport.simulator.render import dump
from syncreport.simulator.state import SiteState

GATEWAY_PREFIX = "/ex/jira/"
RATE_LIMIT_PAGE = (
    "<!DOCTYPE html><html><head><title>429 Too Many Requests</title></head><body>"
    "<h1>Too Many Requests</h1><p>Rate limit exceeded. Please wait before retrying.</p></body></html>"
)


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a client opening many connections at once is not refused

    def __init__(self, address: tuple[str, int], state: SiteState) -> None:
        super().__init__(address, RequestHandler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (its timeout, the run's deadline) closed the socket before the answer: a
        real server says nothing; anything else is a simulator bug and is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the simulator's stats say what happened."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        """Every answer's ``Date`` header, from the simulated site's clock (not the machine's), as Jira's
        answers carry the server's time (RFC 9110's Date: when the answer was made, whole seconds)."""
        when = self.server.state.clock().timestamp() if timestamp is None else timestamp
        return super().date_time_string(when)

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

    def _authorised(self, state: SiteState, via_gateway: bool) -> bool:
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
        status = self._answer(
            state,
            method=method,
            path=path,
            query=query,
            body=body,
            found=found,
            name=name,
            via_gateway=via_gateway,
        )
        self._record(status)  # when no answer was written (none is: every path answers)

    def _answer(
        self,
        state: SiteState,
        *,
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
        self._rate_headers = _rate_headers(state, left)
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
                    data = malform(data, fault, state.site)
        except ApiError as exc:
            self._json(exc.status, exc.body)
            return exc.status
        except Exception as exc:  # a bug in the simulator: say so loudly instead of dropping the connection
            traceback.print_exc()
            self._json(500, {"errorMessages": [f"simulator bug: {type(exc).__name__}: {exc}"], "errors": {}})
            return 500
        return self._send_data(fault, data)

    def _send_data(self, fault: Fault | None, data: Any) -> int:
        """The answer, broken as the fault (if any) says."""
        if fault is not None and fault.kind == "issue_errors":
            fail_second_half(data)
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

    def _rate_limited(self, state: SiteState, retry_after: str | None) -> int:
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


def _rate_headers(state: SiteState, left: int) -> dict[str, str]:
    """X-RateLimit-Limit/-Remaining under a rate limit, and X-RateLimit-NearLimit with under 20% left."""
    if left < 0 or not state.rate_limit:
        return {}
    headers = {"X-RateLimit-Limit": str(state.rate_limit), "X-RateLimit-Remaining": str(left)}
    if left < 0.2 * state.rate_limit:
        headers["X-RateLimit-NearLimit"] = "true"
    return headers
