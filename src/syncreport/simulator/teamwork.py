"""The simulated teams' sprint work: while the demo's clock moves, each board's active sprint moves through
the workflow as a real team works its board, so that by the sprint's close the team has finished most of
what it planned and only the rest is carried into the next sprint.

The model, deterministic from the site's seed and the same whichever weeks are played:
- **How much a team finishes**: each board has a completion rate, a share of its sprint's work (points; an
  issue with no estimate counts one) done by the sprint's end: most teams 72-90%, one team of the train
  (drawn from the seed) clearly less, 45-55%. Each sprint varies a little around its board's rate (+-4 points
  of percent), as real velocities do.
- **When**: evenly over the sprint's working days (Monday to Friday, UTC dates, from its start's day to its
  end's: 10 for a 14-day sprint). At 16:00 UTC on its n-th of N working days the team has finished
  rate * n / N of the work in the sprint then (done or not), so it is at its rate on the last working day,
  before the sprint closes. A day's work is at most ``CATCH_UP`` average days' (rate / N of the sprint): a
  team behind that line (a generated sprint is a few days behind it, or ahead) catches up over days, not in
  one afternoon.
- **What**: the issues in progress first, then the others, each in the board's rank order (top down); a
  flagged or blocked issue waits, so does the consumer of a dependency whose provider is not done (what it
  needs is not there yet), and so does every issue the caller holds (the week's scripted ones). An
  issue goes from its to-do status to in progress and then to done, through the handle's ``touch_issue``,
  so each step is a changelog history with ``updated`` moved on, as Jira writes them. The team keeps
  ``WORK_IN_PROGRESS`` issues in progress ahead of what it has finished.
- **Sprint planning**: when a board starts its next sprint (simulator.week.close_ended_sprints), the team
  takes in what its velocity allows (the mean work done in its last ``VELOCITY_SPRINTS`` closed sprints,
  as Jira's velocity chart shows it) and moves its lowest-ranked issues not started back to the backlog, a
  minute before the start; what was carried in, the dependency ends and the planted plan's cases stay.
  So a current iteration is planned at about its velocity, and one planned beyond it is a story (the
  planted overload, a feature pulled in mid-sprint), not the carry-over piling up.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from syncreport.simulator.model import Issue, Site, Sprint
from syncreport.simulator.server import SimulatorHandle

#: The moment of a working day at which the day's work is recorded.
WORK_TIME = time(16, 0)
#: Issues a team keeps in progress ahead of what it has finished.
WORK_IN_PROGRESS = 2
#: Completion rates: most teams, and the one team of the train that struggles.
USUAL_RATES = (0.72, 0.90)
STRUGGLING_RATES = (0.45, 0.55)
SPRINT_VARIATION = 0.04
#: The closed sprints a team's velocity is the mean of (Jira's velocity chart shows 7; teams plan on ~3).
VELOCITY_SPRINTS = 3
#: A day's work at most, in average days (rate / working days of the sprint).
CATCH_UP = 2.5


@dataclass(frozen=True, slots=True)
class DayOfWork:
    at: datetime
    finished: tuple[str, ...]  # issues moved to done
    started: tuple[str, ...]  # issues moved from to do to in progress


def struggling_team(site: Site) -> int | None:
    """The index of the train team that finishes clearly less of its sprints (None: no train teams)."""
    train = [n for n, team in enumerate(site.teams) if team.in_train]
    return random.Random(f"{site.seed}/struggling").choice(train) if train else None


def completion_rate(site: Site, sprint: Sprint) -> float:
    """The share of the sprint's work (points) its team has done by the sprint's end."""
    team = next((n for n, t in enumerate(site.teams) if t.board_id == sprint.board_id), None)
    low, high = STRUGGLING_RATES if team is not None and team == struggling_team(site) else USUAL_RATES
    base = random.Random(f"{site.seed}/board/{sprint.board_id}").uniform(low, high)
    jitter = random.Random(f"{site.seed}/sprint/{sprint.id}").uniform(-SPRINT_VARIATION, SPRINT_VARIATION)
    return max(0.0, min(1.0, base + jitter))


def working_days(sprint: Sprint) -> list[datetime]:
    """The moments (16:00 UTC) of the sprint's working days, from its start's day to its end's."""
    days: list[datetime] = []
    day = sprint.start.astimezone(UTC).date()
    while day <= sprint.end.astimezone(UTC).date():
        if day.weekday() < 5:
            days.append(datetime.combine(day, WORK_TIME, UTC))
        day += timedelta(days=1)
    return days


def work_moments(since: datetime, until: datetime) -> Iterator[datetime]:
    """Every working day's moment (16:00 UTC, Monday to Friday) after ``since`` and at or before ``until``."""
    day = since.astimezone(UTC).date()
    while (moment := datetime.combine(day, WORK_TIME, UTC)) <= until:
        if moment > since and day.weekday() < 5:
            yield moment
        day += timedelta(days=1)


def share_due(sprint: Sprint, at: datetime) -> float:
    """The share of its completion rate the team has reached at ``at``: working days done / all of them."""
    days = working_days(sprint)
    return sum(1 for d in days if d <= at) / len(days) if days else 1.0


def velocity(site: Site, board_id: int) -> float | None:
    """The board's velocity as its team reads Jira's velocity chart: the mean work done in its last
    ``VELOCITY_SPRINTS`` closed sprints (an issue's weight, as the work above; None: none closed yet)."""
    closed = sorted(
        (s for s in site.sprints.values() if s.board_id == board_id and s.state == "closed" and s.complete),
        key=lambda s: s.start,
    )[-VELOCITY_SPRINTS:]
    if not closed:
        return None
    ids = {s.id: s for s in closed}
    completed = dict.fromkeys(ids, 0.0)
    for issue in site.issues:
        sprint = ids.get(issue.sprints[-1]) if issue.sprints else None
        if sprint is not None and _done_by(site, issue, sprint.complete or sprint.end):
            completed[sprint.id] += _weight(issue)
    return sum(completed.values()) / len(completed)


def plan_the_sprint(
    handle: SimulatorHandle, sprint: Sprint, *, at: datetime, hold: Collection[str] = ()
) -> tuple[str, ...]:
    """Sprint planning, just before ``sprint`` starts: the team takes in what its velocity allows. Above it,
    the lowest-ranked issues it has not started go back to the backlog (Jira's "Move issues to backlog"),
    never the ones carried from a closed sprint, the dependency ends, the planted plan's cases
    (simulator.features) or the held ones. Returns the keys moved."""
    site = handle.site
    allowed = velocity(site, sprint.board_id)
    if allowed is None:
        return ()
    issues = [i for i in site.issues if i.sprints and i.sprints[-1] == sprint.id and i.issuetype != "Feature"]
    load = sum(_weight(i) for i in issues)
    planted = {key for keys in site.plan.values() for key in keys}
    movable = [
        i
        for i in issues
        if site.statuses[i.status].category == "new"
        and len(i.sprints) == 1
        and not site.links_by_issue.get(i.key)
        and i.key not in hold
        and i.key not in planted
        and i.parent not in planted
    ]
    moved: list[str] = []
    for issue in sorted(movable, key=lambda i: i.rank, reverse=True):
        if load <= allowed:
            break
        handle.move_to_backlog(issue.key, at=at)
        load -= _weight(issue)
        moved.append(issue.key)
    return tuple(moved)


def work_a_day(handle: SimulatorHandle, *, at: datetime, hold: Collection[str] = ()) -> DayOfWork:
    """One working day of every board's active sprint at ``at`` (see the module docstring)."""
    site = handle.site
    members: dict[int, list[Issue]] = {}
    for issue in site.issues:
        if issue.sprints and issue.issuetype != "Feature":
            members.setdefault(issue.sprints[-1], []).append(issue)
    finished: list[str] = []
    started: list[str] = []
    waiting = {*hold, *waiting_for_providers(site)}
    for sprint in sorted(site.sprints.values(), key=lambda s: s.id):
        if sprint.state == "active" and sprint.start <= at:
            day_finished, day_started = _work_on(handle, sprint, members.get(sprint.id, []), at, waiting)
            finished += day_finished
            started += day_started
    return DayOfWork(at, tuple(finished), tuple(started))


def waiting_for_providers(site: Site) -> set[str]:
    """The consumers of a dependency whose provider is not done: what they need is not there yet."""
    done = {key for key, issue in site.by_key.items() if site.statuses[issue.status].category == "done"}
    waiting: set[str] = set()
    for link in site.links:
        # "Blocks": the source provides; "Dependency" is worded the other way round (the target provides)
        ends = {"Blocks": (link.source, link.target), "Dependency": (link.target, link.source)}.get(link.type)
        if ends is not None and ends[0] not in done:
            waiting.add(ends[1])
    return waiting


def _work_on(
    handle: SimulatorHandle, sprint: Sprint, issues: list[Issue], at: datetime, hold: Collection[str]
) -> tuple[list[str], list[str]]:
    site = handle.site

    def category(issue: Issue) -> str:
        return site.statuses[issue.status].category

    total = sum(_weight(i) for i in issues)
    done = sum(_weight(i) for i in issues if category(i) == "done")
    rate = completion_rate(site, sprint)
    days = len(working_days(sprint)) or 1
    target = min(rate * share_due(sprint, at) * total, done + CATCH_UP * rate * total / days)
    workable = sorted(
        (i for i in issues if category(i) != "done" and i.updated < at and _can_move(site, i, hold)),
        key=lambda i: (category(i) != "indeterminate", i.rank),
    )
    finished: list[str] = []
    for issue in workable:
        if done + _weight(issue) / 2 > target:
            break
        if category(issue) == "new":
            picked_up = max(at - timedelta(hours=3), issue.updated + timedelta(minutes=1))
            handle.touch_issue(issue.key, status=_status_of(site, issue, 1), at=min(picked_up, at))
        handle.touch_issue(issue.key, status=_status_of(site, issue, 3), at=at)
        done += _weight(issue)
        finished.append(issue.key)
    in_progress = sum(1 for i in workable if i.key not in finished and category(i) == "indeterminate")
    started: list[str] = []
    for issue in workable:
        if in_progress >= WORK_IN_PROGRESS:
            break
        if category(issue) == "new":
            handle.touch_issue(issue.key, status=_status_of(site, issue, 1), at=at)
            started.append(issue.key)
            in_progress += 1
    return finished, started


def _can_move(site: Site, issue: Issue, hold: Collection[str]) -> bool:
    """Not held by the caller, not flagged, not in a blocked status, on a team's workflow."""
    if issue.key in hold or issue.flagged or issue.team is None:
        return False
    workflow = site.workflows[site.teams[issue.team].workflow]
    return issue.status in workflow[:3]  # to do, in progress, review: not done, not blocked


def _status_of(site: Site, issue: Issue, step: int) -> str:
    """The issue's workflow status at ``step``: 0 to do, 1 in progress, 3 done (simulator.vocabulary)."""
    assert issue.team is not None
    return site.workflows[site.teams[issue.team].workflow][step]


def _done_by(site: Site, issue: Issue, moment: datetime) -> bool:
    return (
        site.statuses[issue.status].category == "done"
        and issue.resolved is not None
        and issue.resolved <= moment
    )


def _weight(issue: Issue) -> float:
    return issue.points if issue.points is not None else 1.0
