"""Small readable builders for hand-made train snapshots.

The calendar used by the scenarios: iteration n (1-based) runs from ``day((n - 1) * 14)`` to ``day(n * 14)``,
with day 0 = Monday 2026-01-05 00:00 UTC. ``sprint(10, "A", 1)`` is team A's sprint in iteration 1; team A's
board id is looked up in :data:`BOARDS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from syncreport.snapshot import Board, ChangeEvent, DependencyLink, Issue, Snapshot, Sprint

DAY0 = datetime(2026, 1, 5, tzinfo=UTC)
BOARDS = {"A": 1, "B": 2, "C": 3, "D": 4}


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


def sprint(
    sprint_id: int,
    team: str,
    iteration: int,
    state: str | None = None,
    *,
    start_shift: float = 0,
    end_shift: float = 0,
    dated: bool = True,
    now_day: float = 21,
) -> Sprint:
    """Team's sprint in iteration n; state defaults from ``now_day`` (closed before, active during, future)."""
    start, end = day((iteration - 1) * 14 + start_shift), day(iteration * 14 + end_shift)
    if state is None:
        now = day(now_day)
        state = "closed" if end <= now else ("active" if start <= now else "future")
    return Sprint(
        id=sprint_id,
        name=f"{team} Sprint {iteration}",
        state=state,
        board_id=BOARDS[team],
        start=start if dated else None,
        end=end if dated else None,
        complete=end if dated and state == "closed" else None,
    )


def issue(
    key: str,
    team: str | None = "A",
    sprints: tuple[int, ...] = (),
    *,
    status: str = "new",
    created: float = -30,
    **fields: Any,
) -> Issue:
    """An issue; ``status`` is the status category ("new", "indeterminate", "done")."""
    names = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
    return Issue(
        id=key.split("-")[-1],
        key=key,
        summary=f"Summary of {key}",
        issue_type=fields.pop("issue_type", "Story"),
        status=fields.pop("status_name", names[status]),
        status_category=status,
        project=key.split("-")[0],
        created=day(created),
        updated=day(created),
        team=team,
        sprint_ids=sprints,
        **fields,
    )


def blocks(
    provider: str, consumer: str, link_id: str | None = None, created: float | None = None
) -> DependencyLink:
    return DependencyLink(
        id=link_id or f"{provider}>{consumer}",
        link_type="Blocks",
        provider_key=provider,
        consumer_key=consumer,
        created=None if created is None else day(created),
    )


def change(
    key: str, when: float, field: str, frm: str | None = None, to: str | None = None, **kw: Any
) -> ChangeEvent:
    return ChangeEvent(issue_key=key, at=day(when), field=field, from_value=frm, to_value=to, **kw)


def train(
    issues: list[Issue],
    sprints: Sequence[Sprint] = (),
    links: Sequence[DependencyLink] = (),
    changes: Sequence[ChangeEvent] = (),
    *,
    now: float = 21,
    teams: tuple[str, ...] = (),
    pis: tuple[str, ...] = ("PI-1", "PI-2", "PI-3"),
    current_pi: str | None = "PI-2",
    **kw: Any,
) -> Snapshot:
    """A snapshot at ``day(now)`` (default: day 21, the middle of iteration 2)."""
    boards = tuple(Board(id=i, name=f"{t} board", team=t) for t, i in BOARDS.items())
    return Snapshot(
        train="Rocket ART",
        site_url="https://jira.example.com",
        taken_at=day(now),
        pis=pis,
        current_pi=current_pi,
        teams=teams,
        issues=tuple(issues),
        sprints=tuple(sprints),
        boards=boards,
        links=tuple(links),
        changes=tuple(changes),
        **kw,
    )


def due(d: int) -> date:
    return (DAY0 + timedelta(days=d)).date()


def sprints_for(*teams: str, iterations: int = 3, now_day: float = 21) -> list[Sprint]:
    """Sprints ``<board><n>`` for each team and iteration: team A's board 1 -> ids 11, 12, 13; B -> 21, 22, 23."""
    return [
        sprint(BOARDS[t] * 10 + n, t, n, now_day=now_day) for t in teams for n in range(1, iterations + 1)
    ]
