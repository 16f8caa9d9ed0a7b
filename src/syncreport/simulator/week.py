"""A scripted week of work on the simulated train, so the demo can show "what changed since last week".

Every change goes through the handle's public mutators (``touch_issue``, ``link_issues``), so each one
leaves the changelog history and ``updated`` time that Jira would, and an incremental pull picks it up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncreport.simulator.agenda import play_risks
from syncreport.simulator.features import FeatureWeek, play_feature_week
from syncreport.simulator.model import Issue, Site, Sprint
from syncreport.simulator.server import SimulatorHandle
from syncreport.simulator.teamwork import DayOfWork, plan_the_sprint, work_a_day, work_moments


@dataclass(frozen=True, slots=True)
class WeekOfChanges:
    turned_late: tuple[str, ...]  # providers moved to a sprint after their consumer's
    finished: tuple[str, ...]  # providers of late dependencies that were finished
    due_dates_pushed: tuple[str, ...]
    new_links: tuple[tuple[str, str], ...]  # (provider, consumer)
    risks_roamed: tuple[str, ...] = ()  # risks moved from not ROAMed to owned (see simulator.agenda)
    risks_resolved: tuple[str, ...] = ()
    features_added: tuple[str, ...] = ()  # next-PI features pulled into the PI (see simulator.features)
    features_moved: tuple[str, ...] = ()  # features whose last story slipped a sprint
    features_removed: tuple[str, ...] = ()  # features descoped to the next PI
    stories_descoped: tuple[str, ...] = ()  # their stories, moved to the next PI (a PI slip: newly slipped)
    feature_issues: tuple[str, ...] = ()  # every issue the feature drift changed (features and stories)
    sprints_closed: tuple[ClosedSprint, ...] = ()  # as Jira's "Complete sprint" does, in time order
    # the teams' sprint work (simulator.teamwork), one working day each, in time order
    work: tuple[DayOfWork, ...] = ()

    @property
    def work_finished(self) -> tuple[str, ...]:
        """The issues the teams finished in their sprints this week (not the scripted ``finished``)."""
        return tuple(key for day in self.work for key in day.finished)


@dataclass(frozen=True, slots=True)
class ClosedSprint:
    sprint: int
    next_sprint: int | None  # the board's sprint started at once, which took the open issues (None: backlog)
    carried: tuple[str, ...]  # its issues that were not done, moved on
    at: datetime
    to_backlog: tuple[str, ...] = ()  # the next sprint's issues its velocity did not allow (sprint planning)


def _done_status(site: Site, issue: Issue) -> str:
    team = site.teams[issue.team] if issue.team is not None else site.teams[0]
    return next(s for s in site.workflows[team.workflow] if site.statuses[s].category == "done")


def _later_sprint_of_team(site: Site, provider: Issue, after_iteration: int) -> int | None:
    """A sprint of the provider's own board that lies after the given iteration (None: there is none)."""
    if provider.team is None:
        return None
    board = site.teams[provider.team].board_id
    later = [
        s
        for s in site.sprints.values()
        if s.board_id == board and s.iteration > after_iteration and s.state != "closed"
    ]
    return min(later, key=lambda s: s.iteration).id if later else None


def _iteration(site: Site, issue: Issue) -> int | None:
    return site.sprints[issue.sprints[-1]].iteration if issue.sprints else None


def _open_state(site: Site, provider: Issue, consumer: Issue) -> str | None:
    """ "on_track" or "late" by the two ends' iterations as they are now; None for anything else."""
    if any(site.statuses[i.status].category == "done" for i in (provider, consumer)):
        return None
    provided, needed = _iteration(site, provider), _iteration(site, consumer)
    if provided is None or needed is None or provider.team == consumer.team:
        return None
    return "on_track" if provided < needed else "late" if provided > needed else "at_risk"


def _dependencies_now(site: Site, *, planted_first: bool = True) -> Iterator[tuple[str, Issue, Issue]]:
    """The train's open cross-team dependencies that are on track, late or at risk now: the planted on-track
    and late scenarios first (still in the state they were planted in), then the other dependency links of the
    train, so a demo that plays several weeks finds new ones to change each week."""
    planted: list[tuple[str, Issue, Issue]] = []
    ends_of_planted = set()
    for scenario in site.scenarios:
        provider, consumer = site.by_key.get(scenario.provider), site.by_key.get(scenario.consumer)
        state = _open_state(site, provider, consumer) if provider and consumer else None
        # a planted dependency a closed sprint's carry-over has moved on from its planted status is one
        # of the others now (its planted story is gone); the rest keep their story for the planted week
        if (
            state is not None
            and state != scenario.status
            and scenario.status in ("on_track", "late", "at_risk")
        ):
            continue
        ends_of_planted.add((scenario.provider, scenario.consumer))
        if (
            provider is not None
            and consumer is not None
            and scenario.status in ("on_track", "late")
            and state == scenario.status
        ):
            planted.append((scenario.status, provider, consumer))
    others: list[tuple[str, Issue, Issue]] = []
    for link in site.links:
        # "Blocks": the source provides; "Dependency" is worded the other way round (the target provides)
        ends = {"Blocks": (link.source, link.target), "Dependency": (link.target, link.source)}.get(link.type)
        if ends is None or ends in ends_of_planted:
            continue
        provider, consumer = site.by_key.get(ends[0]), site.by_key.get(ends[1])
        if provider is None or consumer is None:
            continue
        if not all(site.project(i.project).in_train and site.visible(i) for i in (provider, consumer)):
            continue
        state = _open_state(site, provider, consumer)
        if state is not None:
            others.append((state, provider, consumer))
    yield from (*planted, *others) if planted_first else others


def close_ended_sprints(
    handle: SimulatorHandle, *, until: datetime, hold: Collection[str] = ()
) -> list[ClosedSprint]:
    """Close every board's active sprint whose next sprint starts by ``until``, as a team does: at that start
    it completes the sprint (Jira's "Complete sprint", the open issues moved into the next sprint) and
    starts the next one with its planned dates. The generator draws the same states for a site generated at
    ``until`` (a sprint stays open until its board's next one starts). Oldest first, so a board whose
    clock moved over several sprints closes them one by one."""
    site = handle.site
    closed: list[ClosedSprint] = []
    while True:
        due = sorted(
            (
                (following.start, sprint.id, following.id)
                for sprint in site.sprints.values()
                if sprint.state == "active"
                and (following := _next_sprint(site, sprint)) is not None
                and following.start <= until
            ),
        )
        if not due:
            return closed
        at, sprint_id, next_id = due[0]
        carried = handle.complete_sprint(sprint_id, incomplete_to=next_id, at=at)
        # sprint planning: what the team's velocity does not allow goes back to the backlog, a minute
        # before the sprint starts (so it was never committed to it)
        backlog = plan_the_sprint(handle, site.sprints[next_id], at=at - timedelta(minutes=1), hold=hold)
        handle.start_sprint(next_id)
        closed.append(ClosedSprint(sprint_id, next_id, carried, at, backlog))


def _next_sprint(site: Site, sprint: Sprint) -> Sprint | None:
    """The board's future sprint of the next iteration (None: the board plans none)."""
    return next(
        (
            s
            for s in site.sprints.values()
            if s.board_id == sprint.board_id and s.iteration == sprint.iteration + 1 and s.state == "future"
        ),
        None,
    )


def _slip_target(site: Site, provider: Issue, consumer: Issue, *, by: datetime) -> int | None:
    """A sprint of the provider's board after its consumer's iteration, and after the next one when the
    consumer's sprint closes by ``by`` (the consumer, open and held, is carried into the next iteration then:
    the dependency must stay late). None: the board has none."""
    needed = _iteration(site, consumer)
    if needed is None:
        return None
    sprint = site.sprints[consumer.sprints[-1]]
    following = _next_sprint(site, sprint) if sprint.state == "active" else None
    if following is not None and following.start <= by:
        needed += 1
    return _later_sprint_of_team(site, provider, needed)


def _days_of(week: tuple[datetime, datetime] | None) -> list[datetime | None]:
    """When each kind of change happens: the 1st to 4th of five equal steps through ``week``, else (None)
    at the simulator's clock."""
    if week is None:
        return [None] * 4
    start, end = week
    if end <= start:
        raise ValueError("a week must end after it starts")
    return [start + (end - start) * k / 5 for k in range(1, 5)]


@dataclass(slots=True)
class _Timeline:
    """The week's moving parts in time order: the teams' working days (simulator.teamwork) and the sprints
    that end (close_ended_sprints), up to each moment the script changes something at. Without a week
    (``cursor`` None) there is no time for the teams to work: only the sprints that ended close."""

    handle: SimulatorHandle
    cursor: datetime | None
    hold: set[str] = field(default_factory=set)  # the week's scripted issues: the teams leave them be
    closed: list[ClosedSprint] = field(default_factory=list)
    work: list[DayOfWork] = field(default_factory=list)

    def advance(self, until: datetime) -> None:
        if self.cursor is not None:
            for moment in work_moments(self.cursor, until):
                self.closed += close_ended_sprints(self.handle, until=moment, hold=self.hold)
                self.work.append(work_a_day(self.handle, at=moment, hold=self.hold))
            self.cursor = max(self.cursor, until)
        self.closed += close_ended_sprints(self.handle, until=until, hold=self.hold)


def play_a_week(
    handle: SimulatorHandle,
    *,
    per_kind: int = 2,
    week: tuple[datetime, datetime] | None = None,
    planted: bool = True,
) -> WeekOfChanges:
    """Apply a few of a week's typical changes: on-track providers slip past their consumer, late providers
    get finished, due dates move out, and a new cross-team dependency is agreed; through ``week`` the teams
    work their sprints (simulator.teamwork) and the sprints that end close.

    ``week`` = (start, end): the changes are dated through it, one kind a step (slips first, the new link
    last), as a week's work would be; without it they happen at the simulator's clock, with no team work.
    ``planted=False`` leaves the planted scenarios alone (the demo's earlier weeks change other
    dependencies, so the last week still tells the planted story).
    """
    slipped_at, finished_at, pushed_at, linked_at = _days_of(week)
    site = handle.site
    by = week[1] if week is not None else handle.now()
    # the week's plan is made at its start, on the dependencies as the last report saw them: a consumer
    # carried on Monday into its provider's iteration makes its late dependency at risk, but finishing that
    # provider still recovers what the last report had late (and moving it on would leave it late in both
    # reports: not "turned late"); and the teams leave the planned issues alone all week, so none is
    # finished before the script gets to it
    slips: list[tuple[Issue, Issue]] = []
    finished: list[Issue] = []
    for status, provider, consumer in _dependencies_now(site, planted_first=planted):
        slipping = [p for p, _ in slips]
        if status == "late":
            if len(finished) < per_kind and provider not in slipping and provider not in finished:
                finished.append(provider)
        elif (
            len(slips) < per_kind
            and provider not in finished
            and provider not in slipping
            and _slip_target(site, provider, consumer, by=by) is not None
        ):
            slips.append((provider, consumer))
    timeline = _Timeline(handle, week[0] if week is not None else None)
    # a slipped provider's consumer waits for it: the team does not finish it this week
    timeline.hold |= {i.key for pair in slips for i in pair} | {p.key for p in finished}
    # the teams' days and the sprints that ended come in time order with the week's changes, each before
    # the changes after it
    timeline.advance(slipped_at or handle.now())
    turned_late: list[str] = []
    for provider, consumer in slips:
        target = _slip_target(site, provider, consumer, by=by)
        if target is not None:
            handle.touch_issue(provider.key, sprint=target, at=slipped_at)
            turned_late.append(provider.key)
    if finished_at is not None:
        timeline.advance(finished_at)
    for provider in finished:
        handle.touch_issue(provider.key, status=_done_status(site, provider), at=finished_at)

    touched = set(turned_late) | {p.key for p in finished}
    # only the train's issues the user can see: a change to another train's or a restricted project's issue
    # is one the report never shows, so the demo could not say it happened
    train = [i for i in site.issues if site.project(i.project).in_train and site.visible(i)]
    open_dated = [
        issue
        for issue in train
        if issue.duedate and issue.key not in touched and site.statuses[issue.status].category != "done"
    ]
    # due dates not pushed before first, so a demo of several weeks slips new issues each week
    pushed = sorted(
        open_dated, key=lambda i: any(item[0] == "duedate" for h in i.histories for item in h.items)
    )
    pushed = pushed[:per_kind]
    timeline.hold |= {i.key for i in pushed}
    if pushed_at is not None:
        timeline.advance(pushed_at)
    for issue in pushed:
        assert issue.duedate is not None
        handle.touch_issue(issue.key, duedate=issue.duedate + timedelta(days=7), at=pushed_at)

    busy = touched | {link.source for link in site.links} | {link.target for link in site.links}
    # open work only: a dependency agreed this week is one still to deliver (and the baseline lists it)
    candidates = [
        i
        for i in train
        if i.team is not None
        and i.sprints
        and i.key not in busy
        and site.statuses[i.status].category != "done"
    ]
    pair = next(
        (
            (p.key, c.key)
            for p in candidates
            for c in candidates
            if p.team != c.team and p.project != c.project
        ),
        None,
    )
    roamed, resolved = play_risks(handle, at=pushed_at)
    # the feature drift is the planted week's alone: the baseline is the demo's first run, and one scripted
    # drift (added, moved, removed) is what the report is checked against
    plan = (
        play_feature_week(
            handle, at=pushed_at, busy=sorted(busy | {k for p in ([pair] if pair else []) for k in p})
        )
        if planted
        else FeatureWeek((), (), ())
    )
    timeline.hold |= set(plan.touched) | set(pair or ())
    if linked_at is not None:
        timeline.advance(linked_at)
    if pair is not None:
        handle.link_issues(*pair, link_type="Blocks", at=linked_at)
    if week is not None:
        timeline.advance(week[1])
    return WeekOfChanges(
        turned_late=tuple(turned_late),
        finished=tuple(p.key for p in finished),
        sprints_closed=tuple(timeline.closed),
        work=tuple(timeline.work),
        due_dates_pushed=tuple(i.key for i in pushed),
        new_links=(pair,) if pair else (),
        risks_roamed=roamed,
        risks_resolved=resolved,
        features_added=plan.added,
        features_moved=plan.moved,
        features_removed=plan.removed,
        stories_descoped=plan.descoped_stories,
        feature_issues=plan.touched,
    )
