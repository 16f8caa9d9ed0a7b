"""The builder: one issue at a time, in its final state, with the changelog that led there.

An :class:`IssueSpec` says where an issue ends up (team, PI, the sprints it went through, its status
category, a flag, a PI move); :meth:`Builder.add_issue` draws the rest (created time, points, due dates,
labels, rank noise) and writes the changelog items. :meth:`Builder.story_spec` draws a random story or bug
with the weights of a real train; :meth:`Builder.add_link` links a provider to a consumer in a link type's
own wording. A little over 400 lines: the changelog rules of one issue (sprints, PI, status, flags, due
dates, noise) read best side by side, in the order they draw.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar

from syncreport.simulator.model import Issue, Item, Link, Sprint
from syncreport.simulator.skeleton import build_skeleton
from syncreport.simulator.vocabulary import (
    FLAG_ID,
    HEAVY_EVERY,
    HOSTILE_SUMMARIES,
    LABELS,
    OBJECTS,
    PI_DAYS,
    PRIORITIES,
    SPRINTS_PER_PI,
    USERS,
    VERBS,
    current_pi_start,
)

T = TypeVar("T")

#: One recorded change before it is grouped into histories: (when, author index, items).
Event = tuple[datetime, int, tuple[Item, ...]]


@dataclass(frozen=True, slots=True)
class IssueSpec:
    """The planned state of one issue; the changelog is derived from it."""

    team: int | None
    pi_index: int | None  # 0 previous, 1 current, 2 next, None: no PI
    path: tuple[int, ...]  # sprint ids the issue went through (carry-over), last = now; () unscheduled
    category: str  # final status category
    flagged: bool = False
    moved_from_pi: int | None = None  # PI index it was moved from (PI slip)
    issuetype: str = "Story"
    project: str | None = None
    parent: str | None = None


@dataclass(slots=True)
class FeaturePool:
    """The features made so far, for stories to pick a parent from: by (team index, PI index) and by PI."""

    by_team: dict[tuple[int, int], list[Issue]] = field(default_factory=dict)
    by_pi: dict[int, list[Issue]] = field(default_factory=dict)

    def add(self, feature: Issue, team: int, pi_index: int) -> None:
        self.by_team.setdefault((team, pi_index), []).append(feature)
        self.by_pi.setdefault(pi_index, []).append(feature)

    def of_team(self, team: int | None, pi_index: int) -> list[Issue]:
        return [] if team is None else self.by_team.get((team, pi_index), [])

    def of_pi(self, pi_index: int) -> list[Issue]:
        return self.by_pi.get(pi_index, [])


class Builder:
    """Makes issues one at a time, each in its final state with the changelog that led there.

    Every random draw comes from ``rng``, in the order the issues are added: the same calls give the same train.
    """

    def __init__(self, *, issues: int, seed: int, now: datetime, teams: int) -> None:
        self.rng = random.Random(seed)
        self.target = issues
        self.today = now.date()
        self.now = now
        self.limit = self.now - timedelta(minutes=1)  # the latest moment any generated change may have
        self.team_count = teams
        self.pi_start = current_pi_start(now)
        self.events: dict[int, list[Event]] = {}
        self.issues: list[Issue] = []
        self.old_keys: dict[str, str] = {}  # provisional "#<index>" -> key, filled by generator.assign_keys
        skeleton = build_skeleton(self.rng, now=now, team_count=teams)
        self.site = skeleton.site
        self.sprint_of = skeleton.sprint_of
        self.version_ids = skeleton.version_ids

    # --- helpers ---------------------------------------------------------------------------------------

    def between(self, a: datetime, b: datetime) -> datetime:
        """A random moment in [a, b] (whole seconds), never later than a minute before the generator's "now"."""
        limit = self.limit
        a = min(a, limit)
        b = min(b, limit)
        if b <= a:
            return a
        return a + timedelta(seconds=int(self.rng.random() * (b - a).total_seconds()))

    def event(self, issue: Issue, at: datetime, *items: Item, author: int | None = None) -> datetime:
        """Record a change (clamped to before "now"); returns the moment it was recorded at."""
        at = min(at, self.limit)
        who = int(self.rng.random() * len(USERS)) if author is None else author
        self.events.setdefault(issue.id, []).append((at, who, items))
        return at

    def pick(self, options: Sequence[T]) -> T:
        """rng.choice, faster (one random() call); used on the hot paths of big trains."""
        return options[int(self.rng.random() * len(options))]

    def _summary(self) -> str:
        rng = self.rng
        if rng.random() < 0.03:
            return self.pick(HOSTILE_SUMMARIES)
        return f"{self.pick(VERBS)} {self.pick(OBJECTS)}"

    def status_id(self, team: int | None, which: int) -> str:
        workflow = self.site.teams[team].workflow if team is not None else "en"
        return self.site.workflows[workflow][which]

    def _sprint_label(self, ids: list[int]) -> tuple[str | None, str | None]:
        if not ids:
            return None, None
        return ", ".join(str(i) for i in ids), ", ".join(self.site.sprints[i].name for i in ids)

    def _version(self, project: str, pi: str) -> str:
        return self.version_ids[(project, pi)]

    def sprint(self, team: int, pi_index: int, k: int) -> Sprint:
        return self.sprint_of[(team, pi_index, k)]

    def path(self, team: int, pi_index: int, *ks: int) -> tuple[int, ...]:
        return tuple(self.sprint(team, pi_index, k).id for k in ks)

    # --- issues ----------------------------------------------------------------------------------------

    def add_issue(self, spec: IssueSpec, *, summary: str | None = None) -> Issue:
        """Create one issue in its final state and the changelog that led there."""
        rng, site = self.rng, self.site
        sprints = [site.sprints[i] for i in spec.path]
        project = spec.project or (site.teams[spec.team].project if spec.team is not None else "ORB")
        pi = site.pis[spec.pi_index] if spec.pi_index is not None else None
        pi_start = datetime.combine(
            self.pi_start
            + timedelta(days=PI_DAYS * ((spec.pi_index if spec.pi_index is not None else 1) - 1)),
            time(8, 0),
            tzinfo=UTC,
        )
        if sprints:
            first = sprints[0]
            if rng.random() < 0.12 and first.start < self.now:
                created = self.between(first.start, min(first.end, first.start + timedelta(days=8)))
            else:
                created = first.start - timedelta(seconds=rng.randint(2 * 86400, 25 * 86400))
        elif spec.issuetype == "Feature":
            created = pi_start - timedelta(seconds=rng.randint(10 * 86400, 50 * 86400))
        else:
            created = pi_start - timedelta(seconds=rng.randint(0, 30 * 86400))
            if created >= self.now:
                created = self.now - timedelta(seconds=rng.randint(3600, 20 * 86400))
        created = min(created, self.now - timedelta(hours=2))
        points = None
        if spec.issuetype != "Feature" and rng.random() < 0.85:
            points = float(self.pick((1, 2, 3, 3, 5, 5, 8, 13)))
        issue = Issue(
            id=len(self.issues),  # provisional: real ids are given in creation order at the end
            key="",
            project=project,
            issuetype=spec.issuetype,
            summary=summary or self._summary(),
            status=self.status_id(spec.team, 0),
            team=spec.team,
            sprints=list(spec.path),
            pis=[pi] if pi else [],
            points=points,
            duedate=None,
            parent=spec.parent,
            flagged=spec.flagged,
            labels=sorted(rng.sample(LABELS, self.pick((0, 0, 1, 1, 2)))),
            priority=self.pick(PRIORITIES),
            created=created,
            updated=created,
            resolved=None,
        )
        self.issues.append(issue)
        self._sprint_events(issue, sprints, created)
        self._pi_events(issue, spec, created)
        self._status_events(issue, spec, sprints, created)
        self._other_events(issue, spec, sprints, created)
        return issue

    def _sprint_events(self, issue: Issue, sprints: list[Sprint], created: datetime) -> None:
        if not sprints:
            return
        if self.rng.random() < 0.55:  # otherwise created with the sprint already set: no changelog item
            at = self.between(created + timedelta(minutes=5), created + timedelta(days=3))
            self.event(issue, at, ("sprint", None, None, *self._sprint_label([sprints[0].id])))
        for i in range(1, len(sprints)):
            closed = sprints[i - 1].complete or sprints[i - 1].end
            before = self._sprint_label([s.id for s in sprints[:i]])
            after = self._sprint_label([s.id for s in sprints[: i + 1]])
            self.event(issue, closed + timedelta(seconds=1), ("sprint", *before, *after))

    def _pi_events(self, issue: Issue, spec: IssueSpec, created: datetime) -> None:
        site = self.site
        if not issue.pis:
            return
        pi = issue.pis[0]
        if spec.moved_from_pi is not None:
            old = site.pis[spec.moved_from_pi]
            old_id = self._version(issue.project, old)
            if spec.moved_from_pi < (spec.pi_index or 0):
                # carried into the next PI when the old PI's IP sprint closed
                moved = datetime.combine(
                    self.pi_start + timedelta(days=PI_DAYS * spec.moved_from_pi), time(7, 0), UTC
                )
                at = max(created + timedelta(hours=1), moved)
            else:
                at = self.between(created + timedelta(days=1), self.now)
            at = min(at, self.now - timedelta(minutes=5))
            self.event(
                issue,
                at,
                ("fixversion", old_id, old, None, None),
                ("fixversion", None, None, self._version(issue.project, pi), pi),
            )
        elif self.rng.random() < 0.3:
            at = self.between(created + timedelta(minutes=1), created + timedelta(days=4))
            self.event(issue, at, ("fixversion", None, None, self._version(issue.project, pi), pi))

    def _status_events(self, issue: Issue, spec: IssueSpec, sprints: list[Sprint], created: datetime) -> None:
        if spec.category == "new":
            return
        rng = self.rng
        new, progress, review, done, blocked = (self.status_id(spec.team, i) for i in range(5))
        names = self.site.statuses
        start = max(created, min(sprints[0].start, self.now - timedelta(days=3))) if sprints else created
        t_progress = self.between(start + timedelta(hours=2), start + timedelta(days=4))
        self.event(issue, t_progress, ("status", new, names[new].name, progress, names[progress].name))
        issue.status = progress
        if spec.category == "done":
            last = sprints[-1] if sprints else None
            lo = max(t_progress, last.start if last else t_progress) + timedelta(hours=1)
            hi = (last.complete or last.end) - timedelta(minutes=30) if last else lo + timedelta(days=20)
            t_done = self.between(lo, hi)
            current = progress
            if rng.random() < 0.5:
                t_review = self.between(t_progress + timedelta(minutes=30), t_done - timedelta(minutes=10))
                self.event(
                    issue, t_review, ("status", progress, names[progress].name, review, names[review].name)
                )
                current = review
            t_done = max(t_done, t_progress + timedelta(minutes=40))
            issue.resolved = self.event(
                issue,
                t_done,
                ("status", current, names[current].name, done, names[done].name),
                ("resolution", None, None, "10000", "Done"),
            )
            issue.status = done
        elif spec.flagged and rng.random() < 0.5:
            t_blocked = self.between(t_progress + timedelta(hours=1), self.now)
            self.event(
                issue, t_blocked, ("status", progress, names[progress].name, blocked, names[blocked].name)
            )
            issue.status = blocked

    def _other_events(self, issue: Issue, spec: IssueSpec, sprints: list[Sprint], created: datetime) -> None:
        rng, site = self.rng, self.site
        if spec.flagged:
            at = self.between(max(created, self.now - timedelta(days=14)), self.now)
            self.event(issue, at, ("flagged", None, None, f"[{FLAG_ID}]", "Impediment"))
        elif rng.random() < 0.04:
            on = self.between(created, self.now - timedelta(days=3))
            self.event(issue, on, ("flagged", None, None, f"[{FLAG_ID}]", "Impediment"))
            off = self.between(on + timedelta(hours=3), on + timedelta(days=4))
            self.event(issue, off, ("flagged", f"[{FLAG_ID}]", "Impediment", None, None))
        if spec.issuetype != "Feature" and (rng.random() < 0.3 or len(sprints) > 1):
            first_due = (sprints[0].end if sprints else created + timedelta(days=30)).date()
            set_at = self.between(created, created + timedelta(days=2))
            self.event(
                issue, set_at, ("duedate", None, None, first_due.isoformat(), f"{first_due} 00:00:00.0")
            )
            due = first_due
            if len(sprints) > 1:
                due = sprints[-1].end.date()
                at = (sprints[-2].complete or sprints[-2].end) + timedelta(minutes=7)
            elif rng.random() < 0.08:
                due = first_due + timedelta(days=rng.choice([7, 14]))
                at = self.between(set_at + timedelta(hours=1), self.now)
            if due != first_due:
                self.event(
                    issue,
                    max(at, set_at + timedelta(minutes=1)),
                    (
                        "duedate",
                        first_due.isoformat(),
                        f"{first_due} 00:00:00.0",
                        due.isoformat(),
                        f"{due} 00:00:00.0",
                    ),
                )
            issue.duedate = due
        if issue.points is not None and rng.random() < 0.1:
            before = rng.choice([1.0, 2.0, 3.0])
            at = self.between(created, created + timedelta(days=10))
            self.event(issue, at, ("points", None, f"{before:g}", None, f"{issue.points:g}"))
        if issue.team is not None and site.teams[issue.team].in_train and rng.random() < 0.02:
            other = site.teams[(issue.team + 1) % self.team_count].name
            at = self.between(created, created + timedelta(days=6))
            self.event(issue, at, ("team", None, other, None, site.teams[issue.team].name))
        noise = self.pick((0, 1, 1, 2, 2, 3))
        if spec.issuetype != "Feature" and len(self.issues) % HEAVY_EVERY == 0:
            noise += 100 + rng.randint(5, 60)
        for _ in range(noise):
            at = self.between(created, self.now)
            if rng.random() < 0.7:
                self.event(issue, at, ("rank", "", "", "", self.pick(("Ranked higher", "Ranked lower"))))
            else:
                self.event(issue, at, ("labels", None, "", None, self.pick(LABELS)))

    def add_link(
        self, type_name: str, provider: Issue, consumer: Issue, *, before: datetime | None = None
    ) -> Link:
        """Link two issues so that ``provider`` provides to ``consumer`` in the type's own wording."""
        link_type = next(t for t in self.site.link_types if t.name == type_name)
        if type_name == "Dependency":  # outward "is blocked by": the source is the consumer
            source, target = consumer, provider
        else:
            source, target = provider, consumer
        start = max(source.created, target.created) + timedelta(minutes=10)
        end = start + timedelta(days=10)
        if before is not None:  # after the provider was planned into its first sprint, before it slipped
            start, end = max(start, before - timedelta(days=5)), before - timedelta(hours=1)
        at = self.between(start, max(start, end))
        link = Link(str(20000 + len(self.site.links)), type_name, source.key, target.key)
        self.site.add_link(link)
        author = self.rng.randrange(len(USERS))
        self.event(
            source,
            at,
            ("link", None, None, target.key, f"This issue {link_type.outward} {target.key}"),
            author=author,
        )
        self.event(
            target,
            at,
            ("link", None, None, source.key, f"This issue {link_type.inward} {source.key}"),
            author=author,
        )
        return link

    # --- the plan --------------------------------------------------------------------------------------

    def story_spec(self, team: int | None, features: FeaturePool) -> IssueSpec:
        """A random story or bug, its PI, sprints and status following the weights of a real train."""
        rng = self.rng
        issuetype = "Bug" if rng.random() < 0.1 else "Story"
        sprint_team = team if team is not None else 0
        roll = rng.random()
        path: tuple[int, ...]
        if roll < 0.2:  # previous PI
            k = rng.randrange(SPRINTS_PER_PI)
            if k == SPRINTS_PER_PI - 1 and rng.random() < 0.4:  # carried over into the current PI
                path = (self.sprint(sprint_team, 0, k).id, *self.path(sprint_team, 1, 0))
                category = "done"
                if rng.random() < 0.3:  # and again, twice, into the active sprint
                    path, category = (*path, *self.path(sprint_team, 1, 1, 2)), "indeterminate"
                return self._with_parent(
                    IssueSpec(team, 1, path, category, moved_from_pi=0, issuetype=issuetype), features
                )
            ks = [k, k + 1] if k < SPRINTS_PER_PI - 1 and rng.random() < 0.15 else [k]
            return self._with_parent(
                IssueSpec(team, 0, self.path(sprint_team, 0, *ks), "done", issuetype=issuetype), features
            )
        if roll < 0.84:  # current PI
            k = rng.choices([0, 1, 2, 3, 4, 5, -1], weights=[18, 18, 20, 16, 14, 4, 10])[0]
            if k < 0:
                category = "new" if rng.random() < 0.9 else "indeterminate"
                return self._with_parent(IssueSpec(team, 1, (), category, issuetype=issuetype), features)
            ks = [k]
            while self.sprint(sprint_team, 1, ks[-1]).state == "closed" and rng.random() < 0.18:
                ks.append(ks[-1] + 1)
            last = self.sprint(sprint_team, 1, ks[-1])
            if last.state == "closed":
                category = (
                    "done" if rng.random() < 0.97 else "indeterminate"
                )  # a few left behind in a closed sprint
            elif last.state == "active":
                category = rng.choices(["new", "indeterminate", "done"], weights=[30, 45, 25])[0]
            else:
                category = "new" if rng.random() < 0.95 else "indeterminate"
            flagged = category == "indeterminate" and rng.random() < 0.06
            moved = 2 if rng.random() < 0.02 and last.state != "closed" else None
            return self._with_parent(
                IssueSpec(team, 1, self.path(sprint_team, 1, *ks), category, flagged=flagged, moved_from_pi=moved,
                      issuetype=issuetype), features)  # fmt: skip
        if roll < 0.96:  # next PI
            path = self.path(sprint_team, 2, rng.randrange(3)) if rng.random() < 0.5 else ()
            moved = 1 if rng.random() < 0.15 else None
            return self._with_parent(
                IssueSpec(team, 2, path, "new", moved_from_pi=moved, issuetype=issuetype), features
            )
        path = self.path(sprint_team, 1, rng.randrange(2, 5)) if rng.random() < 0.5 else ()  # no PI at all
        return IssueSpec(team, None, path, "new", issuetype=issuetype)

    def _with_parent(self, spec: IssueSpec, features: FeaturePool) -> IssueSpec:
        rng = self.rng
        if spec.pi_index is None or rng.random() < 0.12:
            return spec
        own = features.of_team(spec.team, spec.pi_index)
        pool = own if own and rng.random() < 0.8 else features.of_pi(spec.pi_index)
        if not pool:
            return spec
        parent = rng.choice(pool)
        return replace(spec, parent=f"#{parent.id}")
