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


def _weight(issue: Issue) -> float:
    return issue.points if issue.points is not None else 1.0
