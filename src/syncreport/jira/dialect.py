"""The one protocol the two dialects of the pull implement, and what they may use of the run.

:mod:`syncreport.jira.fetch` (the orchestrator) picks :class:`~syncreport.jira.cloud.CloudDialect` or
:class:`~syncreport.jira.datacenter.DataCenterDialect` once, from the deployment, and never asks "is this
Cloud?" again: listing the scope, fetching the changed issues with complete changelogs, counting a JQL and
fetching issues by key are the dialect's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from syncreport.config import Config
from syncreport.errors import JiraError
from syncreport.jira.cache import Cache
from syncreport.jira.client import JiraClient
from syncreport.jira.endpoints import Deployment
from syncreport.jira.fields import FieldMap
from syncreport.progress import Progress
from syncreport.snapshot import StaleSearch

if TYPE_CHECKING:
    from syncreport.jira.alongside import Alongside

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class PullStats:
    """What a pull did, for logs and the benchmark."""

    deployment: str = ""
    requests: int = 0
    requests_by_endpoint: dict[str, int] = field(default_factory=dict)
    in_scope: int = 0
    fetched: int = 0
    from_cache: int = 0
    # of those from the cache, how many came as the last pull normalized them (syncreport.jira.normalized)
    kept_normalized: int = 0
    far_ends: int = 0
    left_scope: list[str] = field(default_factory=list)
    boards_refreshed: int = 0
    histories: int = 0
    seconds: float = 0.0
    most_in_flight: int = 0  # the most requests in flight at once (limiter.py)
    limit_cuts: int = 0  # how often a 429, 503 or NearLimit halved the limit
    throttled: int = 0  # 429 and 503 answers


class RunContext(Protocol):
    """What a dialect may use of the pull it is part of (:class:`syncreport.jira.fetch.PullRun`)."""

    config: Config
    source: str  # the config's name, for messages
    client: JiraClient
    cache: Cache
    pool: ThreadPoolExecutor
    stats: PullStats
    progress: Progress
    added: set[str]  # ids already normalized into the snapshot
    alongside: Alongside  # the far ends and the agenda, asked with another search

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn`` over items in the pool, results as they complete; the first error stops all."""
        ...

    def store(self, rows: Sequence[tuple[Any, list[Any] | None]], sig: str) -> None:
        """Check, normalize and cache fetched train issues (raw issue, complete histories)."""
        ...

    def issues_asked(self) -> None:
        """The dialect's first requests for the train's issues are on their way: what the pull needs only
        at its end (the configured boards) may be asked now, behind them."""
        ...

    def start_far_ends(self, keys: set[str], fields: FieldMap, train_keys: Iterable[str] = ()) -> None:
        """Start fetching the far ends of the train's dependency links now (all issues are known: their
        keys, ``train_keys``, name the train's projects, whose risks and PI objectives are asked too)."""
        ...


class Dialect(Protocol):
    """Cloud or Data Center: the requests that differ between them."""

    deployment: Deployment

    def start(self) -> None:
        """Start, in the pool, what the dialect will need later (a cold start's extra lookups)."""
        ...

    def scope_and_fetch(self, fields: FieldMap) -> dict[str, str]:
        """id -> updated of every issue of the train's JQL; the changed ones are fetched with complete
        changelogs and stored (:meth:`RunContext.store`) meanwhile. Sets ``stats.in_scope/fetched/
        from_cache``."""
        ...

    def count(self, jql: str) -> int:
        """How many issues a JQL matches (Cloud: approximate)."""
        ...

    def by_keys(self, wanted: list[str]) -> Callable[[Sequence[str]], list[dict[str, Any]]]:
        """A function fetching a batch of issues (at most 100) by key with these fields."""
        ...

    def stale_search(self) -> list[StaleSearch]:
        """What the pull saw of the search lagging behind the issues themselves (Cloud; none on Data Center)."""
        ...


# --- shared by both dialects ------------------------------------------------------------------------


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def scope_page(page: Mapping[str, Any], endpoint: str) -> dict[str, str]:
    """id -> updated of a search page; an issue without an id is an error (it cannot be fetched)."""
    out: dict[str, str] = {}
    for issue in page.get("issues") or ():
        issue_id = issue.get("id") if isinstance(issue, dict) else None
        if issue_id in (None, ""):
            raise JiraError(
                f"Jira's {endpoint} answered an issue without an id ({str(issue)[:80]}): a proxy or a Jira bug; "
                "try again later"
            )
        fields = issue.get("fields")
        updated = fields.get("updated") if isinstance(fields, dict) else None
        out[str(issue_id)] = str(updated or "")
    return out


def count_of(value: Any) -> int:
    """A count from Jira's JSON (``total``), 0 when it is not a number."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return 0


def without_order_by(jql: str) -> str:
    """The JQL without its ORDER BY clause (outside quotes), so it can be combined with AND."""
    quote: str | None = None
    i = 0
    while i < len(jql):
        ch = jql[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif (i == 0 or not (jql[i - 1].isalnum() or jql[i - 1] == "_")) and re.match(
            r"order\s+by\b", jql[i:], re.IGNORECASE
        ):
            return jql[:i].rstrip()
        i += 1
    return jql
