"""The simulator's own data: a whole Jira site in plain, dialect-neutral Python objects.

The generator builds a :class:`Site`; the server renders it as Cloud or Data Center JSON. Nothing here knows
about HTTP. Objects are mutable on purpose: tests change issues while the server runs (``touch_issue``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

#: One changelog item, dialect-neutral: (logical field, from, fromString, to, toString).
#: The server turns the logical field into Jira's field/fieldtype/fieldId for the dialect it speaks.
Item = tuple[str, str | None, str | None, str | None, str | None]


@dataclass(slots=True)
class History:
    id: int
    created: datetime
    author: int  # index into Site.users
    items: tuple[Item, ...]


@dataclass(slots=True)
class Status:
    id: str
    name: str
    category: str  # "new" | "indeterminate" | "done"


@dataclass(slots=True)
class Project:
    id: str
    key: str
    name: str
    in_train: bool
    visible: bool = True  # False: the API user may not browse it (issues are silently left out)


@dataclass(slots=True)
class Team:
    uuid: str  # Cloud: Atlassian team id
    number: int  # Data Center: Advanced Roadmaps team id
    name: str
    project: str
    board_id: int
    workflow: str  # key into Site.workflows
    in_train: bool = True


@dataclass(slots=True)
class Board:
    id: int
    name: str
    project: str
    team: str | None
    kind: str = "scrum"  # "scrum" | "kanban" (GET board/{id}/sprint answers 400 on a kanban board)


@dataclass(slots=True)
class Sprint:
    id: int
    board_id: int
    name: str
    state: str  # "closed" | "active" | "future"
    start: datetime
    end: datetime
    complete: datetime | None
    iteration: int  # global iteration ordinal (previous PI 0-5, current 6-11, next 12-17)
    pi: str
    goal: str = ""
    dated: bool = True  # False: a future sprint not yet started, which Jira shows without start/end dates


@dataclass(slots=True)
class Version:
    id: str
    name: str
    project: str
    released: bool
    release_date: date


@dataclass(slots=True)
class LinkType:
    id: str
    name: str
    inward: str
    outward: str


@dataclass(slots=True)
class Link:
    """``source <type.outward> target``: the source shows it as outwardIssue, the target as inwardIssue."""

    id: str
    type: str  # LinkType.name
    source: str  # issue key
    target: str  # issue key


@dataclass(slots=True)
class Issue:
    id: int
    key: str
    project: str
    issuetype: str  # "Feature" | "Story" | "Bug"
    summary: str
    status: str  # Status.id
    team: int | None  # index into Site.teams
    sprints: list[int]  # sprint ids, oldest first (Jira's order)
    pis: list[str]  # fixVersion names
    points: float | None
    duedate: date | None
    parent: str | None  # parent issue key
    flagged: bool
    labels: list[str]
    priority: str
    created: datetime
    updated: datetime
    resolved: datetime | None
    histories: list[History] = field(default_factory=list)
    rank: int = 0  # Jira's default order
    bv_planned: float | None = None  # features only: planned business value (1-10)
    bv_actual: float | None = None  # features of a finished PI only
    assignee: int | None = None  # index into Site.users


@dataclass(slots=True)
class User:
    account_id: str
    name: str  # Data Center user name
    display_name: str
    email: str
    time_zone: str


@dataclass(slots=True)
class Scenario:
    """A dependency planted by the generator with the status docs/indicators.md gives it (worked out by rule)."""

    status: str
    provider: str
    consumer: str
    link_type: str
    note: str = ""


@dataclass(slots=True)
class Site:
    seed: int
    today: date
    now: datetime  # the generator's "now": every generated timestamp is before it
    projects: list[Project]
    teams: list[Team]
    boards: list[Board]
    sprints: dict[int, Sprint]
    versions: list[Version]
    statuses: dict[str, Status]
    workflows: dict[str, list[str]]  # workflow -> status ids: new, in progress, (review/blocked), done
    link_types: list[LinkType]
    users: list[User]
    pis: list[str]  # previous, current, next
    current_pi: str
    issues: list[Issue] = field(default_factory=list)
    by_key: dict[str, Issue] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    links_by_issue: dict[str, list[Link]] = field(default_factory=dict)
    scenarios: list[Scenario] = field(default_factory=list)
    next_history_id: int = 1
    legacy_points_field: bool = False
    shared_boards: dict[int, int] = field(
        default_factory=dict
    )  # board id -> board whose sprints it lists too  # Cloud: an unused "Story Points" field beside "Story point estimate"
    version: int = 0  # bumped on every change, invalidates cached search results
    moved: dict[str, str] = field(default_factory=dict)  # old key -> current key of issues moved to a project
    # what simulator.features planted for the PI plan sections: kind -> issue keys ("team/sprint" for overload)
    plan: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def project(self, key: str) -> Project:
        return next(p for p in self.projects if p.key == key)

    def train_projects(self) -> list[str]:
        return [p.key for p in self.projects if p.in_train]

    def visible(self, issue: Issue) -> bool:
        return self.project(issue.project).visible

    def add_link(self, link: Link) -> None:
        self.links.append(link)
        self.links_by_issue.setdefault(link.source, []).append(link)
        self.links_by_issue.setdefault(link.target, []).append(link)
