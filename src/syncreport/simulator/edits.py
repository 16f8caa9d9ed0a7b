"""Changing the simulated site while it runs, as users would in Jira: edit an issue, link two, delete one,
move one to another project, complete a sprint and start the next. Each change writes the changelog history Jira would, moves ``updated`` on and
bumps the site's version (the API's caches follow it); Cloud search sees it ``search_lag_s`` later.
:class:`~syncreport.simulator.server.SimulatorHandle` offers these to tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from syncreport.simulator.model import History, Issue, Item, Link, Site
from syncreport.simulator.state import SiteState


def touch_issue(
    state: SiteState,
    key: str,
    *,
    status: str | None = None,
    sprint: int | None = None,
    summary: str | None = None,
    flagged: bool | None = None,
    pi: str | None = None,
    duedate: date | None = None,
    points: float | None = None,
    team: str | None = None,
    at: datetime | None = None,
) -> None:
    """Change an issue as a user would: new ``updated`` time and a changelog history with the items.

    ``status`` is a status name or id; ``sprint`` a sprint id the issue moves to (its closed sprints are
    kept before it, as Jira does); ``pi`` a fixVersion name replacing the current ones; ``team`` a team
    name. ``at`` defaults to the simulator's clock (never earlier than the generated data).
    """
    with state.lock:
        site = state.site
        issue = site.by_key[key]
        # never before the generated data, even when the machine's clock is behind the simulated "today"
        when = at or max(state.clock(), site.now + timedelta(minutes=1), issue.updated + timedelta(seconds=1))
        _before_edit(state, issue)
        items: list[Item] = _status_change(site, issue, status, when) if status is not None else []
        if sprint is not None:
            if sprint not in site.sprints:
                raise KeyError(f"no sprint {sprint}")
            before = issue.sprints
            after = [s for s in before if site.sprints[s].state == "closed"] + [sprint]
            items.append(("sprint", *_sprint_text(site, before), *_sprint_text(site, after)))
            issue.sprints = after
        if summary is not None:
            items.append(("summary", None, issue.summary, None, summary))
            issue.summary = summary
        if flagged is not None and flagged != issue.flagged:
            flag = ("[10019]", "Impediment")
            items.append(("flagged", None, None, *flag) if flagged else ("flagged", *flag, None, None))
            issue.flagged = flagged
        if pi is not None:
            for old_pi in issue.pis:
                items.append(("fixversion", _version_id(site, issue.project, old_pi), old_pi, None, None))
            items.append(("fixversion", None, None, _version_id(site, issue.project, pi), pi))
            issue.pis = [pi]
        if duedate is not None and duedate != issue.duedate:
            old_due = issue.duedate.isoformat() if issue.duedate else None
            items.append(
                ("duedate", old_due, f"{old_due} 00:00:00.0" if old_due else None, duedate.isoformat(),
                 f"{duedate.isoformat()} 00:00:00.0")
            )  # fmt: skip
            issue.duedate = duedate
        if points is not None and points != issue.points:
            before_points = f"{issue.points:g}" if issue.points is not None else None
            items.append(("points", None, before_points, None, f"{points:g}"))
            issue.points = points
        if team is not None:
            index = next((n for n, t in enumerate(site.teams) if t.name == team), None)
            if index is None:
                raise ValueError(f"no team {team!r}")
            old_team = site.teams[issue.team].name if issue.team is not None else None
            items.append(("team", None, old_team, None, team))
            issue.team = index
        if not items:
            raise ValueError("touch_issue needs at least one change")
        issue.histories.append(History(site.next_history_id, when, len(site.users) - 1, tuple(items)))
        site.next_history_id += 1
        issue.updated = when
        site.version += 1


def complete_sprint(
    state: SiteState, sprint_id: int, *, incomplete_to: int | None = None, at: datetime | None = None
) -> tuple[str, ...]:
    """Complete an active sprint as Jira's "Complete sprint" does; returns the keys of the issues moved.

    Jira Software's sprint update: completing needs the sprint ``active``, sets ``completeDate`` to the time
    of the request (``at``, else the simulator's clock) and cannot be set by hand. Its issues that are not done
    go to ``incomplete_to`` (Cloud's ``incompleteIssuesDestinationId``: an open sprint), else to the backlog;
    the done ones stay. Each moved issue gets a Sprint changelog item at that time, and the closed sprint stays
    in its Sprint field before the next one, as Jira keeps it (see :func:`touch_issue`).
    """
    with state.lock:
        site = state.site
        sprint = site.sprints[sprint_id]
        if sprint.state != "active":
            raise ValueError(f"sprint {sprint_id} is {sprint.state}: only an active sprint can be completed")
        if incomplete_to is not None and site.sprints[incomplete_to].state == "closed":
            raise ValueError(f"sprint {incomplete_to} is closed: incomplete issues go to an open sprint")
        when = at or state.clock()
        open_issues = [
            issue.key
            for issue in site.issues
            if sprint_id in issue.sprints and site.statuses[issue.status].category != "done"
        ]
        sprint.state, sprint.complete = "closed", when
        site.version += 1
        for key in open_issues:
            if incomplete_to is not None:
                touch_issue(state, key, sprint=incomplete_to, at=when)
            else:
                _to_backlog(state, site.by_key[key], when)
        return tuple(open_issues)


def start_sprint(state: SiteState, sprint_id: int) -> None:
    """Start a future sprint with its planned dates (Jira: only a future sprint with a start and an end)."""
    with state.lock:
        sprint = state.site.sprints[sprint_id]
        if sprint.state != "future":
            raise ValueError(f"sprint {sprint_id} is {sprint.state}: only a future sprint can be started")
        sprint.state, sprint.dated = "active", True
        state.site.version += 1


def move_to_backlog(state: SiteState, key: str, *, at: datetime | None = None) -> None:
    """Move an issue out of its open sprint to the backlog, as Jira Software's "Move issues to backlog"
    (POST /rest/agile/1.0/backlog/issue) does: "equivalent to remove future and active sprints from a given
    set of issues", so its closed sprints stay in its Sprint field."""
    with state.lock:
        issue = state.site.by_key[key]
        if not issue.sprints or state.site.sprints[issue.sprints[-1]].state == "closed":
            raise ValueError(f"{key} is in no open sprint")
        _to_backlog(state, issue, at or state.clock())


def _to_backlog(state: SiteState, issue: Issue, when: datetime) -> None:
    """The issue leaves its open sprint for the backlog; its closed sprints stay in the Sprint field."""
    site = state.site
    _before_edit(state, issue)
    before = issue.sprints
    after = [s for s in before if site.sprints[s].state == "closed"]
    item: Item = ("sprint", *_sprint_text(site, before), *_sprint_text(site, after))
    issue.sprints = after
    issue.histories.append(History(site.next_history_id, when, len(site.users) - 1, (item,)))
    site.next_history_id += 1
    issue.updated = when
    site.version += 1


def link_issues(
    state: SiteState, provider: str, consumer: str, *, link_type: str = "Blocks", at: datetime | None = None
) -> str:
    """Add a dependency link in the type's own wording ("Dependency" is inverted); returns the link id.

    Both issues get a "Link" changelog item and a new ``updated`` time, as in Jira (``at``, else the
    simulator's clock, never earlier than the generated data).
    """
    with state.lock:
        site = state.site
        kind = next((t for t in site.link_types if t.name == link_type), None)
        if kind is None:
            raise ValueError(f"no link type {link_type!r}")
        source, target = (consumer, provider) if link_type == "Dependency" else (provider, consumer)
        next_id = max((int(x.id) for x in site.links), default=20000) + 1
        link = Link(str(next_id), link_type, source, target)
        site.add_link(link)
        for key, other, text in ((source, target, kind.outward), (target, source, kind.inward)):
            issue = site.by_key[key]
            _before_edit(state, issue)
            when = max(
                at or state.clock(), site.now + timedelta(minutes=1), issue.updated + timedelta(seconds=1)
            )
            item: Item = ("link", None, None, other, f"This issue {text} {other}")
            issue.histories.append(History(site.next_history_id, when, len(site.users) - 1, (item,)))
            site.next_history_id += 1
            issue.updated = when
        site.version += 1
        return link.id


def remove_from_scope(state: SiteState, key: str) -> None:
    """Delete the issue: it leaves every search, GET answers 404, and links to it disappear."""
    with state.lock:
        site = state.site
        issue = site.by_key.pop(key)
        assert state.api is not None
        state.api.index.deleted(issue, state.clock())
        site.issues.remove(issue)
        for link in site.links_by_issue.pop(key, []):
            other = link.target if link.source == key else link.source
            site.links_by_issue[other] = [x for x in site.links_by_issue.get(other, []) if x is not link]
            site.links.remove(link)
        site.version += 1


def move_issue(state: SiteState, key: str, project: str, *, at: datetime | None = None) -> str:
    """Move an issue to another project, as Jira's Move does; returns its new key.

    The issue keeps its id and gets the project's next key; its changelog gets "Key" and "project"
    items and its ``updated`` moves on. Jira finds it by the old key too (GET issue, issue/bulkfetch and
    JQL: "a case-insensitive search and check for moved issues is performed"). Linked issues and
    children show the new key at once, but their own ``updated`` does not change.
    """
    with state.lock:
        site = state.site
        issue = site.by_key[key]
        target = site.project(project)
        when = at or max(state.clock(), site.now + timedelta(minutes=1), issue.updated + timedelta(seconds=1))
        _before_edit(state, issue)
        number = 1 + max(
            (int(i.key.partition("-")[2]) for i in site.issues if i.project == target.key), default=0
        )
        new_key = f"{target.key}-{number}"
        old_project = site.project(issue.project)
        items: tuple[Item, ...] = (
            ("key", None, key, None, new_key),
            ("project", old_project.id, old_project.name, target.id, target.name),
        )
        issue.histories.append(History(site.next_history_id, when, len(site.users) - 1, items))
        site.next_history_id += 1
        del site.by_key[key]
        issue.key, issue.project, issue.updated = new_key, target.key, when
        site.by_key[new_key] = issue
        site.moved = {old: (new_key if now == key else now) for old, now in site.moved.items()}
        site.moved[key] = new_key
        links = site.links_by_issue.pop(key, [])
        for link in links:
            if link.source == key:
                link.source = new_key
            if link.target == key:
                link.target = new_key
        site.links_by_issue[new_key] = links
        for child in site.issues:
            if child.parent == key:
                child.parent = new_key
        site.version += 1
        return new_key


def _status_change(site: Site, issue: Issue, status: str, when: datetime) -> list[Item]:
    """A new status (name or id) and, moving into or out of done, the resolution with it."""
    new = next((s for s in site.statuses.values() if status in (s.id, s.name)), None)
    if new is None:
        raise ValueError(f"no status {status!r}")
    old = site.statuses[issue.status]
    items: list[Item] = [("status", old.id, old.name, new.id, new.name)]
    if new.category == "done" and issue.resolved is None:
        items.append(("resolution", None, None, "10000", "Done"))
        issue.resolved = when
    elif new.category != "done":
        issue.resolved = None
    issue.status = new.id
    return items


def _before_edit(state: SiteState, issue: Issue) -> None:
    """Search keeps seeing the issue as it is now for ``search_lag_s`` (Cloud's eventual consistency)."""
    assert state.api is not None
    state.api.index.before_edit(issue, state.clock())


def _sprint_text(site: Site, ids: list[int]) -> tuple[str | None, str | None]:
    if not ids:
        return None, None
    return ", ".join(str(i) for i in ids), ", ".join(site.sprints[i].name for i in ids)


def _version_id(site: Site, project: str, name: str) -> str:
    return next(v.id for v in site.versions if v.project == project and v.name == name)
