"""What changed since the last pull: the watermark, and the JQL clause that asks for what is newer.

The watermark is Jira's own clock: the earliest ``Date`` header of the pull's answers (the time the server
made the answer, in whole seconds, so one second is taken off), which is no later than the moment the
scope's searches read the index. Every change made after it has a later ``updated``. The next run asks
for ``updated >=`` that mark less :data:`SEARCH_LAG_MARGIN`: Cloud's search is eventually consistent
(Atlassian, "Search After Write": "The delay might vary from a few seconds to minutes. The majority of
modifications are shown within seconds"), so an edit made shortly before the mark may have reached search
only after it; a Data Center cluster's index replication lags by seconds. JQL dates are minutes in the API
user's time zone (GET myself, remembered in the cache); when the zone is unknown the margin grows by
:data:`UNKNOWN_ZONE_MARGIN` (any zone).

Without a ``Date`` header (a proxy that drops it), the mark is the latest ``updated`` among the scope's
stored issues, less :data:`UPDATED_MARGIN`, as before: an issue edited just before a run is listed again
by the next one, which is correct but costs requests when many were.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncreport.errors import JiraError, RunTimeout
from syncreport.jira.cache import Cache
from syncreport.jira.client import JiraClient
from syncreport.jira.dialect import without_order_by
from syncreport.jira.endpoints import Deployment, myself
from syncreport.jira.values import parse_datetime

log = logging.getLogger(__name__)

UPDATED_MARGIN = timedelta(hours=1)  # the mark from ``updated`` (no Date header)
SEARCH_LAG_MARGIN = timedelta(minutes=10)  # the mark from Jira's Date header
DATE_RESOLUTION = timedelta(seconds=1)  # an HTTP date drops the fraction of its second
UNKNOWN_ZONE_MARGIN = timedelta(hours=14)
_ZONE_META = "user_time_zone"


class Since:
    """The watermark of one train's JQL, and the API user's time zone."""

    def __init__(self, client: JiraClient, cache: Cache, deployment: Deployment, jql: str) -> None:
        self.client = client
        self.cache = cache
        self.deployment = deployment
        self.jql = jql
        self._myself: Future[Any] | None = None

    def start(self, pool: ThreadPoolExecutor) -> None:
        """Ask for the user's time zone alongside a cold run's first requests (remembered for warm ones)."""
        if not self.cache.get_meta(_ZONE_META):
            self._myself = pool.submit(partial(self.client.get, missing_ok=True), myself(self.deployment))

    def _mark_name(self) -> str:
        return f"updated_mark:{self.jql}"

    def put_mark(self, scope: Mapping[str, str]) -> None:
        """Remember the watermark: Jira's clock at the start of this pull, or (without it) the latest
        ``updated`` among the scope's stored issues."""
        served = self.client.earliest_server_time
        mark = {
            "server_time": (served - DATE_RESOLUTION).isoformat() if served else None,
            "updated": None if served else self._latest_updated(scope),  # read only without the server's
        }
        if any(mark.values()):
            self.cache.put_meta(self._mark_name(), mark)
        self.user_zone()

    def _latest_updated(self, scope: Mapping[str, str]) -> str | None:
        versions = self.cache.versions()
        times = [t for i in scope if i in versions and (t := parse_datetime(versions[i][0])) is not None]
        return max(times).isoformat() if times else None

    def since(self) -> datetime | None:
        """The moment from which the next search asks (``updated >=``): the mark less its margin."""
        found = self.cache.get_meta(self._mark_name())
        mark = found[0] if found else None
        if isinstance(mark, str):  # a cache written before the server's clock was kept
            mark = {"updated": mark}
        if not isinstance(mark, dict):
            return None
        served = parse_datetime(mark.get("server_time"))
        if served is not None:
            return served - SEARCH_LAG_MARGIN
        updated = parse_datetime(mark.get("updated"))
        return None if updated is None else updated - UPDATED_MARGIN

    def jql_since(self) -> str | None:
        """The train's JQL restricted to what was updated since the last run (less the margin); None
        without a watermark yet."""
        since = self.since()
        if since is None:
            return None
        zone = self.user_zone()
        if zone is None:
            zone, since = UTC, since - UNKNOWN_ZONE_MARGIN
        text = since.astimezone(zone).strftime("%Y/%m/%d %H:%M")
        return f'({without_order_by(self.jql)}) AND updated >= "{text}"'

    def user_zone(self) -> tzinfo | None:
        """The API user's time zone (GET myself, remembered in the cache), which JQL dates are read in."""
        cached = self.cache.get_meta(_ZONE_META)
        name = cached[0] if cached else None
        if name is None:
            future, self._myself = self._myself, None
            try:
                answer = (
                    future.result() if future else self.client.get(myself(self.deployment), missing_ok=True)
                )
            except RunTimeout:
                raise
            except JiraError as exc:  # the zone only narrows the margin: unknown, the margin covers any zone
                log.warning(
                    "the API user's time zone is unknown (%s): warm runs look back 15 hours", exc.message
                )
                answer = None
            name = str((answer or {}).get("timeZone") or "")
            self.cache.put_meta(_ZONE_META, name)
        try:
            return ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            return None
