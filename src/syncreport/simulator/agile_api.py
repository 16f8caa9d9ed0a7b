"""The simulator's agile endpoints (the same on both dialects): boards (a project's, one by id) and a
board's sprints, in Jira's order (closed, active, future; then backlog position). A kanban board's sprint
list is Jira's 400 "The board does not support sprints"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from syncreport.simulator.api_core import (
    AGILE_PAGE,
    KANBAN_NO_SPRINTS,
    SPRINT_STATE_ORDER,
    ApiCore,
    ApiError,
    Params,
)

T = TypeVar("T")


class AgileApi(ApiCore):
    # --- agile -------------------------------------------------------------------------------------------

    def boards(self, groups: dict[str, str], params: Params) -> Any:
        project = self.text(params, "projectKeyOrId")
        boards = [b for b in self.site.boards if self.site.project(b.project).visible]
        if project:
            match = next(
                (p for p in self.site.projects if p.visible and project.lower() in (p.key.lower(), p.id)),
                None,
            )
            if match is None:
                raise ApiError(400, f"No project could be found with key or id '{project}'.")
            boards = [b for b in boards if b.project == match.key]
        return self._agile_page(boards, params, lambda b: self._board(b.id))

    def _agile_page(self, items: Sequence[T], params: Params, show: Callable[[T], Any]) -> dict[str, Any]:
        """One page of an agile list (startAt/maxResults/isLast/values), with the paging fault applied."""
        never_last = self.paging_fault == "never_last"
        start = max(0, self.integer(params, "startAt", 0)) if not never_last else 0
        size = max(1, min(self.integer(params, "maxResults", AGILE_PAGE), AGILE_PAGE))
        return {
            "maxResults": size, "startAt": start, "total": len(items),
            "isLast": start + size >= len(items) and not never_last,
            "values": [show(item) for item in items[start : start + size]],
        }  # fmt: skip

    def _board(self, board_id: int) -> dict[str, Any]:
        board = next(b for b in self.site.boards if b.id == board_id)
        project = self.site.project(board.project)
        return {
            "id": board.id, "self": f"{self.base_url}/rest/agile/1.0/board/{board.id}", "name": board.name,
            "type": board.kind,
            "location": {
                "projectId": int(project.id), "displayName": f"{project.name} ({project.key})",
                "projectName": project.name, "projectKey": project.key, "projectTypeKey": "software",
                "name": f"{project.name} ({project.key})",
            },
        }  # fmt: skip

    def board(self, groups: dict[str, str], params: Params) -> Any:
        board_id = int(groups["id"])
        if not any(b.id == board_id for b in self.site.boards):
            raise ApiError(404, "Board does not exist or you do not have permission to see it.")
        return self._board(board_id)

    def board_sprints(self, groups: dict[str, str], params: Params) -> Any:
        board_id = int(groups["id"])
        board = next((b for b in self.site.boards if b.id == board_id), None)
        if board is None:
            raise ApiError(404, "Board does not exist or you do not have permission to see it.")
        if board.kind != "scrum":
            # A kanban board has no sprints: real Jira answers 400 {"errorMessages": ["The board does not
            # support sprints"]}, not an empty list (docs/jira-notes.md).
            raise ApiError(400, KANBAN_NO_SPRINTS)
        states = [s.strip().lower() for s in self.text(params, "state").split(",") if s.strip()]
        bad = [s for s in states if s not in ("future", "active", "closed")]
        if bad:
            raise ApiError(
                400, f"The sprint state '{bad[0]}' is not valid. Valid states are: future, active, closed."
            )
        sprints = self._board_sprints(board_id)
        if states:
            sprints = [s for s in sprints if s.state in states]
        return self._agile_page(sprints, params, self.render.sprint)

    def _board_sprints(self, board_id: int) -> list[Any]:
        """The board's own sprints and the sprints of other boards that its issues are in (originBoardId)."""
        team_index = next((i for i, t in enumerate(self.site.teams) if t.board_id == board_id), None)
        shared = self.site.shared_boards.get(board_id)
        ids = {s.id for s in self.site.sprints.values() if s.board_id in (board_id, shared)}
        if team_index is not None:
            for issue in self.site.issues:
                if issue.team == team_index:
                    ids.update(s for s in issue.sprints if s in self.site.sprints)
        sprints = [self.site.sprints[i] for i in ids]
        # Jira Software, Get all sprints: "Returns all sprints from a board ... Sprints will be ordered first by
        # state (i.e. closed, active, future) then by their position in the backlog." (position: id order here)
        sprints.sort(key=lambda s: (SPRINT_STATE_ORDER.get(s.state, 3), s.id))
        return sprints

    def sprint(self, groups: dict[str, str], params: Params) -> Any:
        sprint = self.site.sprints.get(int(groups["id"]))
        if sprint is None:
            raise ApiError(404, "Sprint does not exist or you do not have permission to see it.")
        return self.render.sprint(sprint)
