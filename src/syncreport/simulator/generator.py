"""A seeded, realistic Agile Release Train as Jira holds it: projects, teams, boards, sprints, issues, links, changelogs.

Deterministic for (seed, issues, teams, now): every random choice comes from one ``random.Random(seed)``
and every timestamp is placed before ``now`` (a moment handed in, or ``today`` 00:00 UTC), so the wall
clock never leaks in.

What the train looks like (``now`` falls in the 3rd of the current PI's 6 sprints, on every day and at
every hour: see :func:`current_pi_start`):
- 3 Jira projects in the train (ORB, NOVA, ATL), ``teams`` teams (default 8) spread over them, each with a
  scrum board and its own sprint objects: the previous PI (6 closed sprints), the current PI (2 closed,
  1 active, 3 future, the 6th being the IP sprint) and the next PI (6 future). One team (``OFF_CADENCE``)
  runs its current and next PI sprints 3 days later than everybody else.
- Workflows in English, German, Chinese and French, all mapped to the three status categories.
- Features (issuetype "Feature") with child stories and bugs (``parent``), story points, fixVersions
  "PI yy.n" per project (the PI of an issue), due dates, flags ("Impediment").
- Dependencies: "Blocks" (outward "blocks": the source provides) and "Dependency", whose wording is the
  other way round (outward "is blocked by": the *target* provides, so its provider side is "inward").
- A project outside the train (PLAT, another train's platform team) that provides some dependencies, and a
  project the API user may not browse (SEC) whose issues are silently left out everywhere.
- Changelogs: sprint assignment, carry-over ("38" -> "38, 41"), status changes, due-date slips, PI moves
  (one "Fix Version" item per removed/added version), flags, link creation, team changes, points changes,
  rank noise; every ``HEAVY_EVERY``-th issue has more than 100 histories (to exercise truncation).
- Planted dependency scenarios (:class:`Scenario`) for every status of INDICATORS.md, cycles and same-team
  links, plus random dependencies between the rest.
- The rules real sites need (:func:`_rule_scenarios`): done consumers of open providers (``consumer_done``),
  links to SEC issues the user cannot fetch (one open: external, as its link shows; one done in a cycle with a
  done train issue: not an open cycle), done transitions into a status a workflow migration deleted
  (``Resolved``, not in /status; the same history sets the resolution), and one move into a deleted status
  with no resolution item (``In QA``: its done-ness is unknown, a data-quality finding).
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from syncreport.simulator.agenda import add_agenda
from syncreport.simulator.model import (
    Board,
    History,
    Issue,
    Item,
    Link,
    LinkType,
    Project,
    Scenario,
    Site,
    Sprint,
    Status,
    Team,
    User,
    Version,
)

MIN_ISSUES = 50
MAX_ISSUES = 200_000
SPRINT_DAYS = 14
SPRINT_START_HOUR = 8  # UTC; a sprint ends 13 days 9 hours later (Sunday 17:00) and closes within 10 hours
SPRINTS_PER_PI = 6  # five development sprints and the IP sprint
PI_DAYS = SPRINT_DAYS * SPRINTS_PER_PI
OFF_CADENCE_SHIFT_DAYS = 3
HEAVY_EVERY = 97  # every 97th story gets 100+ histories
FLAG_ID = "10019"  # the option id of "Impediment" in the Flagged field

TEAM_NAMES = [
    "Orion", "Vega", "Lyra", "Draco", "Phoenix", "Hydra", "Aquila", "Cygnus",
    "Pegasus", "Carina", "Lynx", "Corvus", "Pavo", "Tucana", "Volans",
]  # fmt: skip
TRAIN_PROJECTS = [("ORB", "Orbit Checkout"), ("NOVA", "Nova Payments"), ("ATL", "Atlas Mobile")]
EXTERNAL_PROJECT = ("PLAT", "Platform Services")
RESTRICTED_PROJECT = ("SEC", "Security Response")
EXTERNAL_TEAM = "Platform Core"

# workflow key -> (new, in progress, in review, done, blocked) as (id, name, category)
WORKFLOWS: dict[str, list[tuple[str, str, str]]] = {
    "en": [("10000", "To Do", "new"), ("3", "In Progress", "indeterminate"), ("10001", "In Review", "indeterminate"),
           ("10002", "Done", "done"), ("10003", "Blocked", "indeterminate")],
    "de": [("10100", "Offen", "new"), ("10101", "In Arbeit", "indeterminate"), ("10102", "In Prüfung", "indeterminate"),
           ("10103", "Erledigt", "done"), ("10104", "Blockiert", "indeterminate")],
    "zh": [("10200", "待办", "new"), ("10201", "进行中", "indeterminate"), ("10202", "评审中", "indeterminate"),
           ("10203", "已完成", "done"), ("10204", "受阻", "indeterminate")],
    "fr": [("10300", "À faire", "new"), ("10301", "En cours", "indeterminate"), ("10302", "En revue", "indeterminate"),
           ("10303", "Terminé", "done"), ("10304", "Bloqué", "indeterminate")],
}  # fmt: skip
WORKFLOW_ORDER = ["en", "de", "zh", "fr"]

LINK_TYPES = [
    LinkType("10000", "Blocks", inward="is blocked by", outward="blocks"),
    LinkType("10100", "Dependency", inward="blocks", outward="is blocked by"),
    LinkType("10003", "Relates", inward="relates to", outward="relates to"),
]

VERBS = [
    "Add",
    "Refactor",
    "Migrate",
    "Harden",
    "Instrument",
    "Document",
    "Localise",
    "Speed up",
    "Remove",
    "Fix",
]
OBJECTS = [
    "checkout flow", "payment retries", "card vault", "refund API", "order history page", "push notifications",
    "login with passkeys", "address autocomplete", "invoice PDF export", "fraud scoring hook", "tax engine",
    "mobile onboarding", "offline cart", "SEPA mandates", "webhook delivery", "rate limiter", "audit trail",
    "feature flags", "search ranking", "loyalty points",
]  # fmt: skip
HOSTILE_SUMMARIES = [
    "<script>alert('pwned')</script> Sanitise the comment field",
    "Fix <b>bold</b> & <i>italic</i> rendering in \"quoted\" 'names' </td></tr>",
    "🚀 Launch dark mode 🌙🔥 (emoji in titles 👩‍👩‍👧‍👦)",
    "تحديث واجهة الدفع للعملاء الجدد",
    "עדכון מערכת ההתראות ללקוחות",
    "Mixed ltr and العربية rtl text ‮reversed‬ mark",
    "{{ config.secret }} {% raw %} template-looking text ${jndi:ldap://x}",
    "Very long summary " + "that keeps going and going " * 9 + "until it is past 250 characters",
    "Zero\u200bwidth space and tab\there, NUL-free, back\\slash",
    "中文需求：支持多币种结算",
    "Ümlaut Größenänderung für Rückerstattungen",
    "-- DROP TABLE issues; -- 'OR 1=1",
]  # fmt: skip
LABELS = ["frontend", "backend", "api", "tech-debt", "compliance", "ux"]
PRIORITIES = ["Highest", "High", "Medium", "Medium", "Medium", "Low"]

USERS = [
    ("Ada Lindqvist", "Europe/Stockholm"), ("Jürgen Müller", "Europe/Berlin"), ("张伟", "Asia/Shanghai"),
    ("Siobhán O'Brien", "Europe/Dublin"), ("Amélie Dubois", "Europe/Paris"), ("Ravi Iyer", "Asia/Kolkata"),
    ("Nadia Haddad", "Asia/Beirut"), ("Tomás García", "Europe/Madrid"), ("Yuki Tanaka", "Asia/Tokyo"),
    ("Grace Okafor", "Africa/Lagos"),
]  # fmt: skip
API_USER = User(
    account_id="712020:5f1c6c2e-8d1a-4f0e-9a3b-53a1d0c0ffee",
    name="rte",
    display_name="Riley Train-Engineer",
    email="rte@example.com",
    time_zone="Europe/Berlin",
)


def pi_name(index_from_now: int, current_start: date) -> str:
    """PI names "PI yy.n": n counts the PIs of the year, by the quarter of the current PI's middle."""
    middle = current_start + timedelta(days=PI_DAYS // 2)
    year, quarter = middle.year % 100, (middle.month - 1) // 3 + 1
    quarter += index_from_now
    while quarter < 1:
        year, quarter = year - 1, quarter + 4
    while quarter > 4:
        year, quarter = year + 1, quarter - 4
    return f"PI {year}.{quarter}"


def _moment(when: date | datetime) -> datetime:
    """A day means its 00:00 UTC; a moment is taken in UTC, to the millisecond (Jira's timestamps have no finer
    part, so every generated time round-trips through the API unchanged)."""
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ValueError("the generator's now must be timezone-aware")
        moment = when.astimezone(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return datetime.combine(when, time(0, 0), tzinfo=UTC)


def current_pi_start(now: date | datetime) -> date:
    """Sprints start on Mondays of a fixed two-week grid; ``now`` is in the 3rd sprint of the current PI.

    The 3rd sprint is the latest one that started (at 08:00 UTC) by ``now`` (a day: its 00:00 UTC). So on a
    grid Monday before 08:00 it is the sprint that ended on Sunday 17:00, still open because its board's
    next sprint has not started; from 08:00 on it is the one that started that morning.
    """
    grid_monday = date(2024, 1, 1)
    started = (_moment(now) - timedelta(hours=SPRINT_START_HOUR)).date()  # the last day whose start is past
    into_sprint = (started - grid_monday).days % SPRINT_DAYS
    return started - timedelta(days=2 * SPRINT_DAYS + into_sprint)


@dataclass(frozen=True, slots=True)
class _Spec:
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


class _Builder:
    def __init__(self, *, issues: int, seed: int, now: datetime, teams: int) -> None:
        self.rng = random.Random(seed)
        self.target = issues
        self.today = now.date()
        self.now = now
        self.limit = self.now - timedelta(minutes=1)  # the latest moment any generated change may have
        self.team_count = teams
        self.pi_start = current_pi_start(now)
        self.events: dict[int, list[tuple[datetime, int, tuple[Item, ...]]]] = {}
        self.issues: list[Issue] = []
        self.sprint_of: dict[tuple[int, int, int], Sprint] = {}  # (team index, pi index, sprint index)
        self.version_ids: dict[tuple[str, str], str] = {}
        self.old_keys: dict[str, str] = {}  # provisional "#<index>" -> key, filled by _assign_keys
        self.site = self._site()

    # --- the site's fixed parts ------------------------------------------------------------------------

    def _site(self) -> Site:
        rng = self.rng
        pis = [pi_name(i, self.pi_start) for i in (-1, 0, 1)]
        projects = [
            Project(str(10000 + i), key, name, in_train=True) for i, (key, name) in enumerate(TRAIN_PROJECTS)
        ]
        projects.append(Project("10010", EXTERNAL_PROJECT[0], EXTERNAL_PROJECT[1], in_train=False))
        projects.append(
            Project("10011", RESTRICTED_PROJECT[0], RESTRICTED_PROJECT[1], in_train=False, visible=False)
        )
        teams: list[Team] = []
        for i in range(self.team_count):
            name = TEAM_NAMES[i] if i < len(TEAM_NAMES) else f"Team {i + 1}"
            project = TRAIN_PROJECTS[i * len(TRAIN_PROJECTS) // self.team_count][0]
            teams.append(
                Team(self._uuid(), 101 + i, name, project, i + 1, WORKFLOW_ORDER[i % len(WORKFLOW_ORDER)])
            )
        teams.append(
            Team(self._uuid(), 190, EXTERNAL_TEAM, EXTERNAL_PROJECT[0], len(teams) + 1, "en", in_train=False)
        )
        boards = [Board(t.board_id, f"{t.name} board", t.project, t.name) for t in teams]
        statuses = {sid: Status(sid, name, cat) for flow in WORKFLOWS.values() for sid, name, cat in flow}
        workflows = {key: [sid for sid, _, _ in flow] for key, flow in WORKFLOWS.items()}
        versions: list[Version] = []
        vid = 10200
        for owner in projects:
            for index, name in enumerate(pis):
                end = self.pi_start + timedelta(days=PI_DAYS * index)
                versions.append(Version(str(vid), name, owner.key, released=index == 0, release_date=end))
                self.version_ids[(owner.key, name)] = str(vid)
                vid += 1
        sprints: dict[int, Sprint] = {}
        sprint_id = 37
        off = self.off_cadence_team()
        for pi_index in range(3):
            for k in range(SPRINTS_PER_PI):
                for t_index, team in enumerate(teams):
                    day = self.pi_start + timedelta(days=PI_DAYS * (pi_index - 1) + SPRINT_DAYS * k)
                    if t_index == off and pi_index >= 1:
                        day += timedelta(days=OFF_CADENCE_SHIFT_DAYS)
                    start = datetime.combine(day, time(SPRINT_START_HOUR, 0), tzinfo=UTC)
                    end = start + timedelta(days=SPRINT_DAYS - 1, hours=9)
                    complete = end + timedelta(minutes=rng.randint(20, 600))
                    # a team closes a sprint when it starts its next one (14 days on): between the end
                    # (Sunday 17:00) and the next start (Monday 08:00) the sprint is still open
                    following = start + timedelta(days=SPRINT_DAYS)
                    state = (
                        "closed" if following <= self.now else ("active" if start <= self.now else "future")
                    )
                    short = pis[pi_index].removeprefix("PI ")
                    label = "IP" if k == SPRINTS_PER_PI - 1 else f"S{k + 1}"
                    # goals with commas and brackets, as real ones have: they sit inside DC's sprint strings
                    goal = {
                        "IP": "Innovation & Planning 🧭",
                        "S1": "Kick-off: scope, risks & [dependencies]",
                    }.get(label, "")
                    sprint = Sprint(
                        sprint_id, team.board_id, f"{team.name} {short} {label}", state, start, end,
                        complete if state == "closed" else None, pi_index * SPRINTS_PER_PI + k, pis[pi_index], goal,
                    )  # fmt: skip
                    sprints[sprint_id] = sprint
                    self.sprint_of[(t_index, pi_index, k)] = sprint
                    sprint_id += 1
        users = [
            User(self._account_id(), name.split()[0].lower(), name, f"user{i}@example.com", tz)
            for i, (name, tz) in enumerate(USERS)
        ]
        users.append(API_USER)
        return Site(
            seed=0, today=self.today, now=self.now, projects=projects, teams=teams, boards=boards,
            sprints=sprints, versions=versions, statuses=statuses, workflows=workflows, link_types=list(LINK_TYPES),
            users=users, pis=pis, current_pi=pis[1],
        )  # fmt: skip

    def off_cadence_team(self) -> int:
        return min(5, self.team_count - 1)

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def _account_id(self) -> str:
        return f"5b{self.rng.getrandbits(88):022x}"

    # --- helpers ---------------------------------------------------------------------------------------

    def _between(self, a: datetime, b: datetime) -> datetime:
        """A random moment in [a, b] (whole seconds), never later than a minute before the generator's "now"."""
        limit = self.limit
        if a > limit:
            a = limit
        if b > limit:
            b = limit
        if b <= a:
            return a
        return a + timedelta(seconds=int(self.rng.random() * (b - a).total_seconds()))

    def _event(self, issue: Issue, at: datetime, *items: Item, author: int | None = None) -> datetime:
        """Record a change (clamped to before "now"); returns the moment it was recorded at."""
        if at > self.limit:
            at = self.limit
        who = int(self.rng.random() * len(USERS)) if author is None else author
        self.events.setdefault(issue.id, []).append((at, who, items))
        return at

    def _pick(self, options: list[Any] | tuple[Any, ...]) -> Any:
        """rng.choice, faster (one random() call); used on the hot paths of big trains."""
        return options[int(self.rng.random() * len(options))]

    def _summary(self) -> str:
        rng = self.rng
        if rng.random() < 0.03:
            return self._pick(HOSTILE_SUMMARIES)
        return f"{self._pick(VERBS)} {self._pick(OBJECTS)}"

    def _status(self, team: int | None, which: int) -> str:
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

    def add_issue(self, spec: _Spec, *, summary: str | None = None) -> Issue:
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
                created = self._between(first.start, min(first.end, first.start + timedelta(days=8)))
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
            points = float(self._pick((1, 2, 3, 3, 5, 5, 8, 13)))
        issue = Issue(
            id=len(self.issues),  # provisional: real ids are given in creation order at the end
            key="",
            project=project,
            issuetype=spec.issuetype,
            summary=summary or self._summary(),
            status=self._status(spec.team, 0),
            team=spec.team,
            sprints=list(spec.path),
            pis=[pi] if pi else [],
            points=points,
            duedate=None,
            parent=spec.parent,
            flagged=spec.flagged,
            labels=sorted(rng.sample(LABELS, self._pick((0, 0, 1, 1, 2)))),
            priority=self._pick(PRIORITIES),
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
            at = self._between(created + timedelta(minutes=5), created + timedelta(days=3))
            self._event(issue, at, ("sprint", None, None, *self._sprint_label([sprints[0].id])))
        for i in range(1, len(sprints)):
            closed = sprints[i - 1].complete or sprints[i - 1].end
            before = self._sprint_label([s.id for s in sprints[:i]])
            after = self._sprint_label([s.id for s in sprints[: i + 1]])
            self._event(issue, closed + timedelta(seconds=1), ("sprint", *before, *after))

    def _pi_events(self, issue: Issue, spec: _Spec, created: datetime) -> None:
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
                at = self._between(created + timedelta(days=1), self.now)
            at = min(at, self.now - timedelta(minutes=5))
            self._event(
                issue,
                at,
                ("fixversion", old_id, old, None, None),
                ("fixversion", None, None, self._version(issue.project, pi), pi),
            )
        elif self.rng.random() < 0.3:
            at = self._between(created + timedelta(minutes=1), created + timedelta(days=4))
            self._event(issue, at, ("fixversion", None, None, self._version(issue.project, pi), pi))

    def _status_events(self, issue: Issue, spec: _Spec, sprints: list[Sprint], created: datetime) -> None:
        if spec.category == "new":
            return
        rng = self.rng
        new, progress, review, done, blocked = (self._status(spec.team, i) for i in range(5))
        names = self.site.statuses
        start = max(created, min(sprints[0].start, self.now - timedelta(days=3))) if sprints else created
        t_progress = self._between(start + timedelta(hours=2), start + timedelta(days=4))
        self._event(issue, t_progress, ("status", new, names[new].name, progress, names[progress].name))
        issue.status = progress
        if spec.category == "done":
            last = sprints[-1] if sprints else None
            lo = max(t_progress, last.start if last else t_progress) + timedelta(hours=1)
            hi = (last.complete or last.end) - timedelta(minutes=30) if last else lo + timedelta(days=20)
            t_done = self._between(lo, hi)
            current = progress
            if rng.random() < 0.5:
                t_review = self._between(t_progress + timedelta(minutes=30), t_done - timedelta(minutes=10))
                self._event(
                    issue, t_review, ("status", progress, names[progress].name, review, names[review].name)
                )
                current = review
            t_done = max(t_done, t_progress + timedelta(minutes=40))
            issue.resolved = self._event(
                issue,
                t_done,
                ("status", current, names[current].name, done, names[done].name),
                ("resolution", None, None, "10000", "Done"),
            )
            issue.status = done
        elif spec.flagged and rng.random() < 0.5:
            t_blocked = self._between(t_progress + timedelta(hours=1), self.now)
            self._event(
                issue, t_blocked, ("status", progress, names[progress].name, blocked, names[blocked].name)
            )
            issue.status = blocked

    def _other_events(self, issue: Issue, spec: _Spec, sprints: list[Sprint], created: datetime) -> None:
        rng, site = self.rng, self.site
        if spec.flagged:
            at = self._between(max(created, self.now - timedelta(days=14)), self.now)
            self._event(issue, at, ("flagged", None, None, f"[{FLAG_ID}]", "Impediment"))
        elif rng.random() < 0.04:
            on = self._between(created, self.now - timedelta(days=3))
            self._event(issue, on, ("flagged", None, None, f"[{FLAG_ID}]", "Impediment"))
            off = self._between(on + timedelta(hours=3), on + timedelta(days=4))
            self._event(issue, off, ("flagged", f"[{FLAG_ID}]", "Impediment", None, None))
        if spec.issuetype != "Feature" and (rng.random() < 0.3 or len(sprints) > 1):
            first_due = (sprints[0].end if sprints else created + timedelta(days=30)).date()
            set_at = self._between(created, created + timedelta(days=2))
            self._event(
                issue, set_at, ("duedate", None, None, first_due.isoformat(), f"{first_due} 00:00:00.0")
            )
            due = first_due
            if len(sprints) > 1:
                due = sprints[-1].end.date()
                at = (sprints[-2].complete or sprints[-2].end) + timedelta(minutes=7)
            elif rng.random() < 0.08:
                due = first_due + timedelta(days=rng.choice([7, 14]))
                at = self._between(set_at + timedelta(hours=1), self.now)
            if due != first_due:
                self._event(
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
            at = self._between(created, created + timedelta(days=10))
            self._event(issue, at, ("points", None, f"{before:g}", None, f"{issue.points:g}"))
        if issue.team is not None and site.teams[issue.team].in_train and rng.random() < 0.02:
            other = site.teams[(issue.team + 1) % self.team_count].name
            at = self._between(created, created + timedelta(days=6))
            self._event(issue, at, ("team", None, other, None, site.teams[issue.team].name))
        noise = self._pick((0, 1, 1, 2, 2, 3))
        if spec.issuetype != "Feature" and len(self.issues) % HEAVY_EVERY == 0:
            noise += 100 + rng.randint(5, 60)
        for _ in range(noise):
            at = self._between(created, self.now)
            if rng.random() < 0.7:
                self._event(issue, at, ("rank", "", "", "", self._pick(("Ranked higher", "Ranked lower"))))
            else:
                self._event(issue, at, ("labels", None, "", None, self._pick(LABELS)))

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
        at = self._between(start, max(start, end))
        link = Link(str(20000 + len(self.site.links)), type_name, source.key, target.key)
        self.site.add_link(link)
        author = self.rng.randrange(len(USERS))
        self._event(
            source,
            at,
            ("link", None, None, target.key, f"This issue {link_type.outward} {target.key}"),
            author=author,
        )
        self._event(
            target,
            at,
            ("link", None, None, source.key, f"This issue {link_type.inward} {source.key}"),
            author=author,
        )
        return link

    # --- the plan --------------------------------------------------------------------------------------

    def story_spec(self, team: int | None, features: dict[tuple[int, int], list[Issue]]) -> _Spec:
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
                    _Spec(team, 1, path, category, moved_from_pi=0, issuetype=issuetype), features
                )
            ks = [k, k + 1] if k < SPRINTS_PER_PI - 1 and rng.random() < 0.15 else [k]
            return self._with_parent(
                _Spec(team, 0, self.path(sprint_team, 0, *ks), "done", issuetype=issuetype), features
            )
        if roll < 0.84:  # current PI
            k = rng.choices([0, 1, 2, 3, 4, 5, -1], weights=[18, 18, 20, 16, 14, 4, 10])[0]
            if k < 0:
                category = "new" if rng.random() < 0.9 else "indeterminate"
                return self._with_parent(_Spec(team, 1, (), category, issuetype=issuetype), features)
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
                _Spec(team, 1, self.path(sprint_team, 1, *ks), category, flagged=flagged, moved_from_pi=moved,
                      issuetype=issuetype), features)  # fmt: skip
        if roll < 0.96:  # next PI
            path = self.path(sprint_team, 2, rng.randrange(3)) if rng.random() < 0.5 else ()
            moved = 1 if rng.random() < 0.15 else None
            return self._with_parent(
                _Spec(team, 2, path, "new", moved_from_pi=moved, issuetype=issuetype), features
            )
        path = self.path(sprint_team, 1, rng.randrange(2, 5)) if rng.random() < 0.5 else ()  # no PI at all
        return _Spec(team, None, path, "new", issuetype=issuetype)

    def _with_parent(self, spec: _Spec, features: dict[tuple[int, int], list[Issue]]) -> _Spec:
        rng = self.rng
        if spec.pi_index is None or rng.random() < 0.12:
            return spec
        own = features.get((spec.team if spec.team is not None else -1, spec.pi_index), [])
        pool = own if own and rng.random() < 0.8 else features.get((-2, spec.pi_index), [])
        if not pool:
            return spec
        parent = rng.choice(pool)
        return _Spec(
            spec.team, spec.pi_index, spec.path, spec.category, spec.flagged, spec.moved_from_pi,
            spec.issuetype, spec.project, f"#{parent.id}",
        )  # fmt: skip


def generate_site(
    *,
    issues: int = 600,
    seed: int = 7,
    today: date | None = None,
    teams: int = 8,
    now: datetime | None = None,
) -> Site:
    """Generate the whole site. ``issues`` counts the train's work (the train's JQL); the risks and PI
    objectives of simulator.agenda live in the same projects, on top of it.

    ``now`` (timezone-aware) is the site's moment: everything generated lies before it. ``today`` stands for
    its 00:00 UTC; with neither, the wall clock's day.
    """
    if not MIN_ISSUES <= issues <= MAX_ISSUES:
        raise ValueError(f"issues must be between {MIN_ISSUES} and {MAX_ISSUES}, not {issues}")
    if not 2 <= teams <= len(TEAM_NAMES):
        raise ValueError(f"teams must be between 2 and {len(TEAM_NAMES)}, not {teams}")
    # Hundreds of thousands of small objects and no reference cycles: the cyclic GC would only slow this down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        moment = _moment(now if now is not None else today or datetime.now(UTC).date())
        return _generate(issues, seed, moment, teams)
    finally:
        if collecting:
            gc.enable()


def _generate(issues: int, seed: int, now: datetime, teams: int) -> Site:
    b = _Builder(issues=issues, seed=seed, now=now, teams=teams)
    site = b.site
    site.seed = seed
    rng = b.rng

    # Features first (children point at them), with a provisional key "#<index>" resolved later.
    features: dict[tuple[int, int], list[Issue]] = {}
    feature_count = max(6, issues // 12)
    for i in range(feature_count):
        team = i % teams
        pi_index = rng.choices([0, 1, 2], weights=[20, 62, 18])[0]
        category = {0: "done", 1: rng.choice(["indeterminate", "indeterminate", "new", "done"]), 2: "new"}[
            pi_index
        ]
        moved = 1 if pi_index == 2 and rng.random() < 0.25 else None
        feature = b.add_issue(_Spec(team, pi_index, (), category, moved_from_pi=moved, issuetype="Feature"))
        features.setdefault((team, pi_index), []).append(feature)
        features.setdefault((-2, pi_index), []).append(feature)

    scenario_plan = _plant_scenarios(b, features)

    # The other in-train issues, and a handful of planted oddities.
    remaining = issues - sum(1 for issue in b.issues if site.project(issue.project).in_train)
    oddities = 0
    if remaining > 3:
        # one issue in another team's sprint, one issue with no team, one with no points and no PI
        b.add_issue(
            _Spec(0, 1, b.path(1, 1, 2), "indeterminate"), summary="Pair with Vega on the shared sprint"
        )
        b.add_issue(_Spec(None, 1, b.path(0, 1, 3), "new"), summary="Nobody owns this (no team)")
        odd = b.add_issue(_Spec(2, None, (), "new"), summary="Idea without PI or estimate")
        odd.points = None
        oddities = 3
    for _ in range(remaining - oddities):
        owner = None if rng.random() < 0.03 else rng.randrange(teams)
        b.add_issue(b.story_spec(owner, features))

    external_team = teams  # the index of Platform Core
    external: list[Issue] = []
    for _ in range(8 + issues // 150):
        k = rng.randrange(SPRINTS_PER_PI)
        state = b.sprint(external_team, 1, k).state
        category = "done" if state == "closed" else rng.choice(["new", "indeterminate"])
        external.append(b.add_issue(_Spec(external_team, 1, b.path(external_team, 1, k), category)))
    for _ in range(2):
        b.add_issue(
            _Spec(None, 1, (), "new", project=RESTRICTED_PROJECT[0]), summary="Embargoed vulnerability fix"
        )

    _assign_keys(b)
    _resolve_parents(b)
    _link_scenarios(b, scenario_plan)
    _random_links(b, external)
    _rule_scenarios(b)  # last of the random draws: the train before it is the same with or without it
    _finish_histories(b)
    _business_values(b, seed)
    site.issues = b.issues
    site.by_key = {issue.key: issue for issue in b.issues}
    add_agenda(site, seed)  # risks and PI objectives (a random source of their own)
    return site


# A planted scenario: (status, link type, provider spec, consumer spec, note); specs are
# (team offset, pi index, sprint indexes, category, flagged); team offset None = the external team.
_ScenarioSpec = tuple[int | None, int, tuple[int, ...], str, bool]
_PLANTED: list[tuple[str, _ScenarioSpec, _ScenarioSpec, str]] = [
    ("done", (0, 1, (0,), "done", False), (1, 1, (3,), "new", False), "provider done in sprint 1"),
    ("external", (None, 1, (2,), "indeterminate", False), (1, 1, (3,), "new", False), "provider in PLAT"),
    ("unscheduled", (0, 1, (), "new", False), (1, 1, (2,), "indeterminate", False), "provider in no sprint"),
    ("late", (0, 1, (4,), "new", False), (1, 1, (2,), "indeterminate", False), "provider sprint 5, consumer sprint 3"),
    ("late", (0, 2, (0,), "new", False), (1, 1, (3,), "new", False), "provider in the next PI (cross-PI)"),
    ("consumer_unscheduled", (0, 1, (2,), "indeterminate", False), (1, 1, (), "new", False), "consumer in no sprint"),
    ("at_risk", (0, 1, (3,), "new", False), (1, 1, (3,), "new", False), "same iteration"),
    ("at_risk", (0, 1, (2,), "indeterminate", True), (1, 1, (4,), "new", False), "provider flagged"),
    ("on_track", (0, 1, (2,), "indeterminate", False), (1, 1, (4,), "new", False), "provider two sprints ahead"),
    ("on_track", (0, 1, (0, 1, 2), "indeterminate", False), (1, 1, (4,), "new", False),
     "provider carried over twice after the link was made (dependency slip)"),
    ("done", (0, 0, (4,), "done", False), (1, 1, (2,), "indeterminate", False), "provider done in the previous PI (cross-PI)"),
]  # fmt: skip
_CORE_FOR_DEPENDENCY = {
    "done",
    "external",
    "unscheduled",
    "late",
    "consumer_unscheduled",
    "at_risk",
    "on_track",
}


@dataclass(slots=True)
class _PlannedLink:
    status: str
    link_type: str
    provider: Issue
    consumer: Issue
    note: str


def _scenario_issue(
    b: _Builder, spec: _ScenarioSpec, team: int, features: dict[tuple[int, int], list[Issue]]
) -> Issue:
    offset, pi_index, ks, category, flagged = spec
    t = b.team_count if offset is None else team
    path = b.path(t, pi_index, *ks)
    parent_pool = features.get((t, pi_index), [])
    parent = f"#{parent_pool[0].id}" if parent_pool else None
    return b.add_issue(_Spec(t, pi_index, path, category, flagged=flagged, parent=parent))


def _plant_scenarios(b: _Builder, features: dict[tuple[int, int], list[Issue]]) -> list[_PlannedLink]:
    plan: list[_PlannedLink] = []
    teams = b.team_count
    link_types = ["Blocks", "Dependency"] if b.target >= 200 else ["Blocks"]
    n = 0
    for link_type in link_types:
        for status, provider_spec, consumer_spec, note in _PLANTED:
            if link_type == "Dependency" and (
                status not in _CORE_FOR_DEPENDENCY or "PI" in note or "slip" in note
            ):
                continue
            a = n % teams
            c = (a + 1 + (n // teams) % (teams - 1)) % teams
            n += 1
            provider = _scenario_issue(b, provider_spec, a, features)
            consumer = _scenario_issue(b, consumer_spec, c, features)
            if (
                len(provider.sprints) > 1
            ):  # the link must predate the provider's carry-over: so must the consumer
                consumer.created = min(consumer.created, provider.created + timedelta(minutes=30))
            plan.append(_PlannedLink(status, link_type, provider, consumer, note))
    # cycles: a 3-cycle of Blocks across three teams, a 2-cycle of the inverted Dependency type
    cycle = [b.add_issue(_Spec(i % teams, 1, b.path(i % teams, 1, 2 + i), "new")) for i in range(3)]
    for i in range(3):
        plan.append(_PlannedLink("cycle", "Blocks", cycle[i], cycle[(i + 1) % 3], "3-cycle"))
    pair = [b.add_issue(_Spec((3 + i) % teams, 1, b.path((3 + i) % teams, 1, 3), "new")) for i in range(2)]
    plan.append(_PlannedLink("cycle", "Dependency", pair[0], pair[1], "2-cycle"))
    plan.append(_PlannedLink("cycle", "Dependency", pair[1], pair[0], "2-cycle"))
    # same-team links: listed apart, not scored
    for link_type in link_types:
        same = [b.add_issue(_Spec(2, 1, b.path(2, 1, k), "new")) for k in (2, 4)]
        plan.append(_PlannedLink("same_team", link_type, same[0], same[1], "both ends in one team"))
    return plan


def _assign_keys(b: _Builder) -> None:
    """Ids and keys in creation order, per project, as Jira hands them out."""
    order = sorted(range(len(b.issues)), key=lambda i: (b.issues[i].created, i))
    counters: dict[str, int] = {}
    events: dict[int, list[tuple[datetime, int, tuple[Item, ...]]]] = {}
    old_keys: dict[str, str] = {}
    issues: list[Issue] = []
    for rank, index in enumerate(order):
        issue = b.issues[index]
        counters[issue.project] = counters.get(issue.project, 0) + 1
        old_keys[f"#{issue.id}"] = f"{issue.project}-{counters[issue.project]}"
        events[10001 + rank] = b.events.get(issue.id, [])
        issue.id = 10001 + rank
        issue.key = old_keys[f"#{index}"]
        issue.rank = rank
        issues.append(issue)
    b.issues = issues
    b.events = events
    b.old_keys = old_keys


def _resolve_parents(b: _Builder) -> None:
    old_keys = b.old_keys
    for issue in b.issues:
        if issue.parent and issue.parent.startswith("#"):
            issue.parent = old_keys[issue.parent]


def _link_scenarios(b: _Builder, plan: list[_PlannedLink]) -> None:
    site = b.site
    cycle_members: list[str] = []
    for planned in plan:
        before = None
        sprints = [site.sprints[i] for i in planned.provider.sprints]
        if len(sprints) > 1:  # make the link before the provider's first carry-over
            before = sprints[0].complete
        b.add_link(planned.link_type, planned.provider, planned.consumer, before=before)
        site.scenarios.append(
            Scenario(
                planned.status, planned.provider.key, planned.consumer.key, planned.link_type, planned.note
            )
        )
        if planned.status == "cycle":
            cycle_members.append(planned.provider.key)


def _random_links(b: _Builder, external: list[Issue]) -> None:
    rng, site = b.rng, b.site
    candidates = [
        i for i in b.issues if i.issuetype != "Feature" and i.team is not None and i.pis == [site.current_pi]
    ]
    candidates = [i for i in candidates if site.project(i.project).in_train]
    if len(candidates) < 2:
        return
    linked = {key for s in site.scenarios for key in (s.provider, s.consumer)}
    for _ in range(len(b.issues) // 25):
        provider, consumer = rng.sample(candidates, 2)
        if provider.key in linked or consumer.key in linked:
            continue
        if provider.team == consumer.team and rng.random() < 0.8:
            continue
        if rng.random() < 0.05 and external:
            provider = rng.choice(external)
        roll = rng.random()
        link_type = "Blocks" if roll < 0.65 else ("Dependency" if roll < 0.93 else "Relates")
        b.add_link(link_type, provider, consumer)
    # a few features depending on each other across teams
    features = [i for i in b.issues if i.issuetype == "Feature" and i.pis == [site.current_pi]]
    for _ in range(min(len(features) // 4, 40)):
        provider, consumer = rng.sample(features, 2)
        if provider.team != consumer.team:
            b.add_link("Blocks", provider, consumer)


DELETED_DONE_STATUS = ("10900", "Resolved")  # named by changelogs, deleted from the site by a migration
DELETED_OPEN_STATUS = ("10901", "In QA")


def _rule_scenarios(b: _Builder) -> None:
    """Plant what the rules of docs/indicators.md need, on issues no other scenario uses (only links and
    changelog items are added or renamed, so every issue keeps its key, team, sprints and status)."""
    site = b.site
    linked = {key for s in site.scenarios for key in (s.provider, s.consumer)}
    linked |= {key for link in site.links for key in (link.source, link.target)}
    train = [
        i
        for i in b.issues
        if i.issuetype != "Feature"
        and i.team is not None
        and i.key not in linked
        and site.project(i.project).in_train
        and i.pis == [site.current_pi]
    ]
    done = [i for i in train if site.statuses[i.status].category == "done"]
    open_ = [i for i in train if site.statuses[i.status].category != "done" and i.sprints]
    used: set[str] = set()

    def take(pool: list[Issue], other_team: int | None = None) -> Issue | None:
        for issue in pool:
            if issue.key not in used and issue.team != other_team:
                used.add(issue.key)
                return issue
        return None

    def plant(status: str, link_type: str, provider: Issue, consumer: Issue, note: str) -> None:
        b.add_link(link_type, provider, consumer)
        site.scenarios.append(Scenario(status, provider.key, consumer.key, link_type, note))

    for link_type in ["Blocks", "Dependency"] if b.target >= 200 else ["Blocks"]:
        consumer = take(done)
        provider = take(open_, consumer.team) if consumer else None
        if consumer and provider:
            plant("consumer_done", link_type, provider, consumer, "consumer done, provider still open")
    hidden = [i for i in b.issues if i.project == RESTRICTED_PROJECT[0]]
    if len(hidden) >= 2:
        open_sec, done_sec = hidden[0], hidden[1]
        consumer = take(open_)
        if consumer:
            plant(
                "external", "Blocks", open_sec, consumer, "provider in SEC (not browsable): as its link shows"
            )
        partner = take(done)
        if partner:
            at = b._between(done_sec.created + timedelta(days=1), b.now - timedelta(days=1))
            new, _, _, done_status, _ = (b._status(None, k) for k in range(5))
            done_sec.resolved = b._event(
                done_sec,
                at,
                ("status", new, site.statuses[new].name, done_status, site.statuses[done_status].name),
                ("resolution", None, None, "10000", "Done"),
            )
            done_sec.status = done_status
            note = "cycle of two done issues, one in SEC (not browsable): not open"
            plant("done", "Blocks", done_sec, partner, note)
            plant("done", "Blocks", partner, done_sec, note)
    _deleted_statuses(b, [i for i in done if i.key not in used], [i for i in open_ if i.key not in used])


def _deleted_statuses(b: _Builder, done: list[Issue], open_: list[Issue]) -> None:
    """Changelogs that name statuses a workflow migration deleted: done transitions into ``Resolved`` (the
    same history sets the resolution), and one move into ``In QA`` with no resolution item."""
    renamed = 0
    for issue in done:
        if renamed >= max(2, b.target // 200):
            break
        events = b.events.get(issue.id, [])
        for n, (at, who, items) in enumerate(events):
            if any(item[0] == "resolution" and item[3] for item in items) and items[0][0] == "status":
                status, frm, frm_s, _, _ = items[0]
                events[n] = (at, who, ((status, frm, frm_s, *DELETED_DONE_STATUS), *items[1:]))
                renamed += 1
                break
    for issue in open_:
        events = b.events.get(issue.id, [])
        moves = [n for n, (_, _, items) in enumerate(events) if any(item[0] == "status" for item in items)]
        if len(moves) == 1 and len(events[moves[0]][2]) == 1:
            at, who, ((field, frm, frm_s, _, _),) = events[moves[0]]
            events[moves[0]] = (at, who, ((field, frm, frm_s, *DELETED_OPEN_STATUS),))
            return


def _business_values(b: _Builder, seed: int) -> None:
    """PI objectives on features: planned business value 1-10; the actual one only once the PI is over.

    A random source of its own, so the rest of the train is the same with or without these fields.
    """
    rng = random.Random(seed * 7919 + 1)
    previous = b.site.pis[0]
    for issue in b.issues:
        if issue.issuetype != "Feature" or not issue.pis or issue.project not in b.site.train_projects():
            continue
        issue.bv_planned = float(rng.randint(1, 10))
        if issue.pis[0] == previous:
            issue.bv_actual = float(max(0, min(10, round(issue.bv_planned * rng.uniform(0.5, 1.15)))))


def _finish_histories(b: _Builder) -> None:
    """Group each issue's events into histories (same time and author = one history), oldest first."""
    site = b.site
    next_id = 100000
    for issue in b.issues:
        events = b.events.get(issue.id, [])
        events.sort(key=lambda e: e[0])
        histories: list[History] = []
        for at, author, items in events:
            if histories and histories[-1].created == at and histories[-1].author == author:
                histories[-1].items = histories[-1].items + items
                continue
            histories.append(History(next_id, at, author, items))
            next_id += 1
        issue.histories = histories
        issue.updated = histories[-1].created if histories else issue.created
    site.next_history_id = next_id
