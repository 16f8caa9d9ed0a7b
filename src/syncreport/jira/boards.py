"""The train's boards and their sprint lists, fetched only when they may have changed.

The boards of the train's projects (or ``[train].boards``) and every board a sprint of an issue comes from.
A board's sprint list is fetched again when it is older than ``[cache].sprints_max_age_minutes``, when one
of its sprints was due to start or end since it was fetched, or when an issue names a sprint of that board
that the list lacks or shows in another state. Otherwise the cached list is used. A kanban board (Jira
answers 400 "The board does not support sprints") has no sprints: its issues' findings say so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from syncreport.errors import JiraError
from syncreport.jira.builder import SnapshotBuilder
from syncreport.jira.dialect import RunContext
from syncreport.jira.endpoints import board
from syncreport.jira.values import parse_datetime

log = logging.getLogger(__name__)


class Boards:
    """Boards and sprints of one pull; sprint lists can be started early (:meth:`start_sprints`)."""

    def __init__(self, run: RunContext, epoch: Callable[[], float]) -> None:
        self.run = run
        self.config = run.config
        self.client = run.client
        self.cache = run.cache
        self.epoch = epoch  # the run's clock, seconds since the epoch
        self._board_futures: dict[int, Future[Any]] = {}
        self.sprint_futures: dict[int, Future[list[dict[str, Any]]]] = {}  # started early, by board id
        self.lock = threading.Lock()  # sprint_futures, also added to from pool threads

    def start_sprints(self, board_ids: set[int], known: set[int]) -> None:
        """Start fetching the sprint lists of these boards, unless known or already started (any thread)."""
        with self.lock:
            for board_id in sorted(board_ids - known - set(self.sprint_futures)):
                self.sprint_futures[board_id] = self.run.pool.submit(self.fetch_sprints, board_id)

    def prefetch_configured(self) -> None:
        """With ``[train].boards`` set, start fetching stale board and sprint lists now, alongside the issues."""
        configured = self.config.train.boards
        if not configured:
            return
        max_age = self.config.cache.sprints_max_age_minutes * 60
        cached = self.cache.get_meta(self._boards_meta_name(set()))
        if not cached or self.epoch() - cached[1] >= max_age:
            self._board_futures = {b: self.run.pool.submit(self.client.get, board(b)) for b in configured}
        sprints = self.cache.get_board_sprints()
        for board_id in configured:
            entry = sprints.get(board_id)
            if entry is None or self.epoch() - entry[1] >= max_age:
                self.sprint_futures[board_id] = self.run.pool.submit(self.fetch_sprints, board_id)

    def _boards_meta_name(self, projects: set[str]) -> str:
        configured = self.config.train.boards
        return "boards:" + (",".join(map(str, configured)) if configured else ",".join(sorted(projects)))

    def boards(self, projects: set[str]) -> list[dict[str, Any]]:
        configured = self.config.train.boards
        name = self._boards_meta_name(projects)
        cached = self.cache.get_meta(name)
        max_age = self.config.cache.sprints_max_age_minutes * 60
        if self._board_futures:
            boards = [future.result() for future in self._board_futures.values()]
        elif cached and self.epoch() - cached[1] < max_age:
            return list(cached[0])
        elif configured:
            boards = list(self.run.map(lambda b: self.client.get(board(b)), configured))
        else:
            boards = [b for found in self.run.map(self._project_boards, sorted(projects)) for b in found]
        unique = {int(b["id"]): b for b in boards}
        result = [unique[k] for k in sorted(unique)]
        self.cache.put_meta(name, result)
        return result

    def _project_boards(self, project: str) -> list[dict[str, Any]]:
        return self.client.library.boards(project)

    def fetch_sprints(self, board_id: int) -> list[dict[str, Any]]:
        try:
            return self.client.library.sprints(board_id)
        except JiraError as exc:
            # A kanban board: Jira answers 400 "The board does not support sprints". Its issues have no
            # sprints (the data-quality findings say so); the other boards' sprints are what there is.
            if exc.status == 400 and any("support sprints" in m for m in exc.jira_messages):
                log.info("board %d is a kanban board: it has no sprints", board_id)
                return []
            raise

    def board_sprints(self, board_ids: set[int], builder: SnapshotBuilder) -> list[dict[str, Any]]:
        now = self.epoch()
        with self.lock:
            started = dict(self.sprint_futures)
        prefetched = {b: future.result() for b, future in started.items()}
        if prefetched:
            self.cache.put_board_sprints(prefetched, now)
        cached = self.cache.get_board_sprints()
        seen = builder.issue_sprints()
        max_age = self.config.cache.sprints_max_age_minutes * 60
        stale = sorted(b for b in board_ids if self._sprints_stale(b, cached.get(b), seen, now, max_age))
        fresh: dict[int, list[dict[str, Any]]] = {}
        if stale:
            self.run.progress.stage(f"Fetching the sprints of {len(stale)} board(s)", len(stale))

            for board_id, sprints in self.run.map(lambda b: (b, self.fetch_sprints(b)), stale):
                fresh[board_id] = sprints
                self.run.progress.advance()
            self.cache.put_board_sprints(fresh, now)
        self.run.stats.boards_refreshed = len(fresh) + len(prefetched)
        merged: dict[int, dict[str, Any]] = {}
        for board_id in sorted(board_ids):
            values = fresh[board_id] if board_id in fresh else (cached.get(board_id) or ([], 0.0))[0]
            for sprint in values:
                merged.setdefault(int(sprint["id"]), sprint)
        return list(merged.values())

    @staticmethod
    def _sprints_stale(
        board_id: int,
        cached: tuple[list[dict[str, Any]], float] | None,
        seen: Mapping[int, Any],
        now: float,
        max_age: float,
    ) -> bool:
        if cached is None:
            return True
        sprints, fetched_at = cached
        if now - fetched_at > max_age:
            return True
        by_id = {int(s["id"]): s for s in sprints}
        for sprint in sprints:
            state = str(sprint.get("state") or "").lower()
            due = (
                sprint.get("endDate")
                if state == "active"
                else sprint.get("startDate")
                if state == "future"
                else None
            )
            when = parse_datetime(due)
            if when is not None and fetched_at < when.timestamp() <= now:
                return True
        for sprint_id, sprint in seen.items():
            if sprint.board_id != board_id:
                continue
            known = by_id.get(sprint_id)
            if known is None or str(known.get("state") or "").lower() != sprint.state:
                return True
        return False
