"""What changed since the last pull: the watermark, and the JQL clause that asks for what is newer.

After a pull, the latest ``updated`` among the scope's stored issues is remembered (Jira's own times, so
neither our clock nor a clock handed in matters): every later change has a later ``updated``. The next
run asks for ``updated >=`` that mark less :data:`UPDATED_MARGIN`: search is eventually consistent (an
edit reaches search a moment after it is made, and a change can reach it after a later one did), and JQL
dates are minutes in the API user's time zone (GET myself, remembered in the cache), so the margin also
covers the minute cut and, when the zone is unknown, any zone (14 hours more).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, timedelta, tzinfo
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncreport.errors import JiraError, RunTimeout
from syncreport.jira.cache import Cache
from syncreport.jira.client import JiraClient
from syncreport.jira.dialect import without_order_by
from syncreport.jira.endpoints import Deployment, myself
from syncreport.jira.normalize import parse_datetime

log = logging.getLogger(__name__)

UPDATED_MARGIN = timedelta(hours=1)
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
        """Remember the latest ``updated`` among the scope's stored issues."""
        versions = self.cache.versions()
        times = [t for i in scope if i in versions and (t := parse_datetime(versions[i][0])) is not None]
        if times:
            self.cache.put_meta(self._mark_name(), max(times).isoformat())
        self.user_zone()

    def jql_since(self) -> str | None:
        """The train's JQL restricted to what was updated since the last run (less the margin); None
        without a watermark yet."""
        mark = self.cache.get_meta(self._mark_name())
        since = parse_datetime(mark[0]) if mark else None
        if since is None:
            return None
        zone, margin = self.user_zone(), UPDATED_MARGIN
        if zone is None:
            zone, margin = UTC, margin + UNKNOWN_ZONE_MARGIN
        text = (since - margin).astimezone(zone).strftime("%Y/%m/%d %H:%M")
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
