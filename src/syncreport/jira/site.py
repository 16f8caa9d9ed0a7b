"""What the site says about itself, kept in the cache: its field list, its status list, and which story
points field the train uses (``story_points_field = "auto"`` on a site with several)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from syncreport.errors import ConfigError
from syncreport.jira.dialect import Dialect, RunContext
from syncreport.jira.endpoints import statuses as statuses_path
from syncreport.jira.fields import FieldMap, discover_fields

log = logging.getLogger(__name__)


class SiteLists:
    """The field and status lists of one pull: from the cache, asked again only when they fall short."""

    def __init__(self, run: RunContext, dialect: Dialect, epoch: Callable[[], float]) -> None:
        self.config = run.config
        self.source = run.source
        self.client = run.client
        self.cache = run.cache
        self.pool = run.pool
        self.dialect = dialect
        self.deployment = dialect.deployment
        self.epoch = epoch  # the run's clock, seconds since the epoch
        self.status_future: Future[Any] | None = None

    def start(self) -> None:
        """A cold start asks for the status list at once, alongside the field list."""
        if not self.cache.get_meta("statuses"):
            self.status_future = self.pool.submit(self.client.get, statuses_path(self.deployment))

    def fields(self) -> FieldMap:
        cached = self.cache.get_meta("fields")
        found: FieldMap | None = None
        if cached:
            try:
                found = discover_fields(cached[0], self.config.train, source=self.source)
            except ConfigError:
                log.info("a configured field is not in the cached field list; asking Jira again")
        if found is None:
            fresh = self.client.library.fields()
            self.cache.put_meta("fields", fresh)
            found = discover_fields(fresh, self.config.train, source=self.source)
        if found.points_candidates:
            found = self._choose_points(found)
        return found

    def _choose_points(self, fields: FieldMap) -> FieldMap:
        """story_points_field = "auto" on a site with several story points fields ("Story Points" and "Story
        point estimate"): the one most of the train's issues have a value in (two counts; remembered in the
        cache per field list), and the log says which."""
        memo = f"points:{','.join(fields.points_candidates)}:{self.config.train.jql}"
        remembered = self.cache.get_meta(memo)
        max_age = self.config.cache.sprints_max_age_minutes * 60
        if (
            remembered
            and self.epoch() - remembered[1] < max_age
            and remembered[0] in fields.points_candidates
        ):
            return replace(fields, points=str(remembered[0]))
        counts = {f: self.dialect.count(f"({self.config.train.jql}) AND cf[{f.removeprefix('customfield_')}] is not EMPTY")
                  for f in fields.points_candidates}  # fmt: skip
        chosen = max(fields.points_candidates, key=lambda f: (counts[f], f == fields.points))
        log.info(
            'story points: %s (%s) is used by %d of the train\'s issues%s; story_points_field = "auto" takes it',
            fields.names.get(chosen, chosen),
            chosen,
            counts[chosen],
            "".join(f", {fields.names.get(f, f)} ({f}) by {n}" for f, n in counts.items() if f != chosen),
        )
        self.cache.put_meta(memo, chosen)
        return replace(fields, points=chosen)

    def statuses(self, *, force: bool) -> list[dict[str, Any]]:
        cached = self.cache.get_meta("statuses")
        if cached and not force:
            return list(cached[0])
        future, self.status_future = self.status_future, None
        fresh = (
            future.result()
            if future is not None and not force
            else self.client.get(statuses_path(self.deployment))
        )
        self.cache.put_meta("statuses", fresh)
        return list(fresh)
