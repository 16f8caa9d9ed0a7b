"""The simulator's state: the site it serves, the account it accepts, and the knobs, faults and stats that
tests change while requests are in flight (under ``knob_lock``; the site itself under ``lock``).

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
"""

from __future__ import annotations

import fnmatch
import hashlib
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from syncreport.simulator.api import Api
from syncreport.simulator.faults import Fault
from syncreport.simulator.model import Site

CLOUD_EMAIL = "rte@example.com"
CLOUD_TOKEN = "ATATT3xSimulatorDemoToken-not-a-secret-0000"  # demo credentials of a local fake
DC_TOKEN = "NjM4NDk1MjIwOTk2OlNpbXVsYXRvckRlbW9QQVQtbm90LWEtc2VjcmV0"
SCOPED_TOKEN = "ATATT3xSimulatorScopedToken-not-a-secret-0000"  # works only through the gateway path


def wall_clock() -> datetime:
    return datetime.now(UTC)


class SiteState:
    """One simulated site: its data, the dialect and account it answers for, knobs, faults and stats."""

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
