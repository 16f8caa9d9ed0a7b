"""What real sites have that the generated train does not, applied to a generated :class:`Site` on request.

Each function changes the site in place (before it is served) the way a real Jira site differs, as
docs/jira-notes.md describes with the Atlassian documentation it comes from:

- :func:`kanban_team`: one team works on a kanban board. Jira answers ``GET board/{id}/sprint`` on it with
  400 "The board does not support sprints", and its issues have no sprints.
- :func:`undated_future_sprints`: future sprints carry no start and end dates until they are started.
- :func:`legacy_story_points`: a Cloud site with "Story Points" beside "Story point estimate".
- :func:`shared_sprints`: a board that lists another board's sprints (its filter takes in that board's issues).
"""

from __future__ import annotations

from syncreport.simulator.model import History, Site


def kanban_team(site: Site, team_index: int = 0) -> str:
    """Turn the team's board into a kanban board: its sprints go, and its issues leave every sprint.

    The sprint items of the team's changelogs go too (a kanban team never had sprints). Returns the team's name.
    """
    team = site.teams[team_index]
    board = next(b for b in site.boards if b.id == team.board_id)
    board.kind = "kanban"
    board.name = f"{team.name} kanban"
    gone = {sid for sid, sprint in site.sprints.items() if sprint.board_id == board.id}
    for sid in gone:
        del site.sprints[sid]
    for issue in site.issues:
        if issue.team == team_index or gone.intersection(issue.sprints):
            issue.sprints = [s for s in issue.sprints if s not in gone]
            if issue.team == team_index:
                issue.sprints = []
            kept: list[History] = []
            for history in issue.histories:
                items = tuple(i for i in history.items if i[0] != "sprint" or issue.team != team_index)
                if items:
                    kept.append(History(history.id, history.created, history.author, items))
            issue.histories = kept
    site.version += 1
    return team.name


def undated_future_sprints(site: Site) -> int:
    """Every future sprint loses its dates, as in Jira until it is started; returns how many."""
    count = 0
    for sprint in site.sprints.values():
        if sprint.state == "future":
            sprint.dated = False
            count += 1
    site.version += 1
    return count


def legacy_story_points(site: Site) -> None:
    """Cloud: GET /field also lists an unused company-managed "Story Points" field (story points type)."""
    site.legacy_points_field = True
    site.version += 1


def shared_sprints(site: Site, board_id: int, shares_with: int) -> None:
    """Board ``board_id`` lists the sprints of board ``shares_with`` too (originBoardId stays theirs)."""
    site.shared_boards = {**site.shared_boards, board_id: shares_with}
    site.version += 1


__all__ = ["kanban_team", "legacy_story_points", "shared_sprints", "undated_future_sprints"]
