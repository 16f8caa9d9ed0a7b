"""The planted scenarios: dependencies whose status docs/indicators.md gives by rule, and the oddities real sites have.

- :data:`PLANTED`: one :class:`PlantedDependency` per dependency status (and the cross-PI and slip cases), each
  planted between two teams in ``Blocks`` and, for the plain cases, in the inverted ``Dependency`` type too;
  then a 3-cycle, a 2-cycle and same-team links (:func:`plant_scenarios`, linked by :func:`link_scenarios`
  once the issues have their keys).
- :func:`random_links`: random dependencies between the rest of the train.
- :func:`rule_scenarios`: done consumers of open providers, links into SEC (not browsable), changelogs that
  name statuses a workflow migration deleted.
Every planted link is recorded in ``site.scenarios`` with the status its rule gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from syncreport.simulator.builder import Builder, FeaturePool, IssueSpec
from syncreport.simulator.model import Issue, Scenario
from syncreport.simulator.vocabulary import DELETED_DONE_STATUS, DELETED_OPEN_STATUS, RESTRICTED_PROJECT


@dataclass(frozen=True, slots=True)
class PlantedEnd:
    """One end of a planted dependency: where its issue stands."""

    pi_index: int  # 0 previous, 1 current, 2 next
    sprints: tuple[int, ...]  # the sprint indexes (0-5) it went through in that PI; () unscheduled
    category: str  # its final status category
    flagged: bool = False
    external: bool = False  # owned by the team outside the train (Platform Core), not by a train team


@dataclass(frozen=True, slots=True)
class PlantedDependency:
    status: str  # the status docs/indicators.md section 1 gives it
    provider: PlantedEnd
    consumer: PlantedEnd
    note: str
    both_link_types: bool = True  # also planted in the inverted "Dependency" type (trains of 200+ issues)


_CONSUMER_3 = PlantedEnd(1, (3,), "new")
_CONSUMER_3_STARTED = PlantedEnd(1, (2,), "indeterminate")
PLANTED: tuple[PlantedDependency, ...] = (
    PlantedDependency("done", PlantedEnd(1, (0,), "done"), _CONSUMER_3, "provider done in sprint 1"),
    PlantedDependency(
        "external", PlantedEnd(1, (2,), "indeterminate", external=True), _CONSUMER_3, "provider in PLAT"
    ),
    PlantedDependency("unscheduled", PlantedEnd(1, (), "new"), _CONSUMER_3_STARTED, "provider in no sprint"),
    PlantedDependency(
        "late", PlantedEnd(1, (4,), "new"), _CONSUMER_3_STARTED, "provider sprint 5, consumer sprint 3"
    ),
    PlantedDependency(
        "late",
        PlantedEnd(2, (0,), "new"),
        _CONSUMER_3,
        "provider in the next PI (cross-PI)",
        both_link_types=False,
    ),
    PlantedDependency(
        "consumer_unscheduled",
        PlantedEnd(1, (2,), "indeterminate"),
        PlantedEnd(1, (), "new"),
        "consumer in no sprint",
    ),
    PlantedDependency("at_risk", PlantedEnd(1, (3,), "new"), _CONSUMER_3, "same iteration"),
    PlantedDependency(
        "at_risk",
        PlantedEnd(1, (2,), "indeterminate", flagged=True),
        PlantedEnd(1, (4,), "new"),
        "provider flagged",
    ),
    PlantedDependency(
        "on_track",
        PlantedEnd(1, (2,), "indeterminate"),
        PlantedEnd(1, (4,), "new"),
        "provider two sprints ahead",
    ),
    PlantedDependency(
        "on_track",
        PlantedEnd(1, (0, 1, 2), "indeterminate"),
        PlantedEnd(1, (4,), "new"),
        "provider carried over twice after the link was made (dependency slip)",
        both_link_types=False,
    ),
    PlantedDependency(
        "done",
        PlantedEnd(0, (4,), "done"),
        _CONSUMER_3_STARTED,
        "provider done in the previous PI (cross-PI)",
        both_link_types=False,
    ),
)


@dataclass(slots=True)
class _PlannedLink:
    status: str
    link_type: str
    provider: Issue
    consumer: Issue
    note: str


def _link_types(b: Builder) -> list[str]:
    return ["Blocks", "Dependency"] if b.target >= 200 else ["Blocks"]


def _planted_issue(b: Builder, end: PlantedEnd, team: int, features: FeaturePool) -> Issue:
    t = b.team_count if end.external else team
    path = b.path(t, end.pi_index, *end.sprints)
    parent_pool = features.of_team(t, end.pi_index)
    parent = f"#{parent_pool[0].id}" if parent_pool else None
    return b.add_issue(IssueSpec(t, end.pi_index, path, end.category, flagged=end.flagged, parent=parent))


def plant_scenarios(b: Builder, features: FeaturePool) -> list[_PlannedLink]:
    plan: list[_PlannedLink] = []
    teams = b.team_count
    n = 0
    for link_type in _link_types(b):
        for planted in PLANTED:
            if link_type == "Dependency" and not planted.both_link_types:
                continue
            a = n % teams
            c = (a + 1 + (n // teams) % (teams - 1)) % teams
            n += 1
            provider = _planted_issue(b, planted.provider, a, features)
            consumer = _planted_issue(b, planted.consumer, c, features)
            if (
                len(provider.sprints) > 1
            ):  # the link must predate the provider's carry-over: so must the consumer
                consumer.created = min(consumer.created, provider.created + timedelta(minutes=30))
            plan.append(_PlannedLink(planted.status, link_type, provider, consumer, planted.note))
    # cycles: a 3-cycle of Blocks across three teams, a 2-cycle of the inverted Dependency type
    cycle = [b.add_issue(IssueSpec(i % teams, 1, b.path(i % teams, 1, 2 + i), "new")) for i in range(3)]
    for i in range(3):
        plan.append(_PlannedLink("cycle", "Blocks", cycle[i], cycle[(i + 1) % 3], "3-cycle"))
    pair = [
        b.add_issue(IssueSpec((3 + i) % teams, 1, b.path((3 + i) % teams, 1, 3), "new")) for i in range(2)
    ]
    plan.append(_PlannedLink("cycle", "Dependency", pair[0], pair[1], "2-cycle"))
    plan.append(_PlannedLink("cycle", "Dependency", pair[1], pair[0], "2-cycle"))
    # same-team links: listed apart, not scored
    for link_type in _link_types(b):
        same = [b.add_issue(IssueSpec(2, 1, b.path(2, 1, k), "new")) for k in (2, 4)]
        plan.append(_PlannedLink("same_team", link_type, same[0], same[1], "both ends in one team"))
    return plan


def link_scenarios(b: Builder, plan: list[_PlannedLink]) -> None:
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


def random_links(b: Builder, external: list[Issue]) -> None:
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


def rule_scenarios(b: Builder) -> None:
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

    for link_type in _link_types(b):
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
            at = b.between(done_sec.created + timedelta(days=1), b.now - timedelta(days=1))
            new, _, _, done_status, _ = (b.status_id(None, k) for k in range(5))
            done_sec.resolved = b.event(
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


def _deleted_statuses(b: Builder, done: list[Issue], open_: list[Issue]) -> None:
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
