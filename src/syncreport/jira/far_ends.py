"""The far ends: the other end of every dependency link that lies outside the train's JQL.

Fetched every run (they are few, and their status and sprint matter) by key, through the dialect; on a cold
Cloud run they are started as soon as the last issue answer is in (:meth:`FarEnds.start`), with the sprint
lists of boards only their sprints name.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from syncreport.jira.boards import Boards
from syncreport.jira.builder import SnapshotBuilder
from syncreport.jira.dialect import Dialect, RunContext, chunks
from syncreport.jira.endpoints import BULK_ISSUES
from syncreport.jira.fields import FieldMap
from syncreport.jira.values import sprint_values


class FarEnds:
    """The far ends of one pull."""

    def __init__(self, run: RunContext, dialect: Dialect, boards: Boards) -> None:
        self.run = run
        self.cache = run.cache
        self.dialect = dialect
        self.boards = boards
        self._early: tuple[set[str], list[Future[list[dict[str, Any]]]]] | None = None

    @property
    def started(self) -> bool:
        """Whether :meth:`start` asked for them early (a cold Cloud run)."""
        return self._early is not None

    def fetch(self, builder: SnapshotBuilder, fields: FieldMap) -> list[dict[str, Any]]:
        keys = sorted(builder.far_end_keys())
        if not keys:
            return []
        early, self._early = self._early, None
        found: list[dict[str, Any]] = []
        if early is not None and early[0] == set(keys):
            for future in early[1]:
                found.extend(future.result())
        else:
            for future in early[1] if early is not None else ():
                future.exception()  # let it finish (it may still start sprint fetches); its answer is not used
            self.run.progress.stage(f"Fetching {len(keys)} linked issues outside the train", len(keys))
            for batch in self.run.map(
                self.dialect.by_keys(fields.request_fields()), chunks(keys, BULK_ISSUES)
            ):
                found.extend(batch)
                self.run.progress.advance(len(batch))
        self.run.stats.far_ends = len(found)
        return found

    def start(self, keys: set[str], fields: FieldMap) -> None:
        """Start fetching these far ends now, and the sprint lists of boards that only their sprints name
        (none cached yet); :meth:`fetch` takes the answers if the keys are still the far ends then."""
        if not keys:
            return
        fetch = self.dialect.by_keys(fields.request_fields())
        known_boards = set(self.cache.get_board_sprints())
        sprint_field = fields.sprint

        def fetch_with_sprints(batch: Sequence[str]) -> list[dict[str, Any]]:
            found = fetch(batch)
            boards = {
                int(board)
                for raw in found
                for data in sprint_values(
                    (raw.get("fields") or {}).get(sprint_field) if sprint_field else None
                )
                if data.get("name")
                and (board := data.get("originBoardId", data.get("boardId"))) is not None
                and str(board).isdigit()  # an odd one is named by check_issue later
            }
            self.boards.start_sprints(boards, known_boards)
            return found

        batches = chunks(sorted(keys), BULK_ISSUES)
        self._early = (set(keys), [self.run.pool.submit(fetch_with_sprints, b) for b in batches])
