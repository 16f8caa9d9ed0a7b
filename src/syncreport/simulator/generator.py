"""A seeded, realistic Agile Release Train as Jira holds it: projects, teams, boards, sprints, issues, links, changelogs.

Deterministic for (seed, issues, teams, now): every random choice comes from one ``random.Random(seed)``
and every timestamp is placed before ``now`` (a moment handed in, or ``today`` 00:00 UTC), so the wall
clock never leaks in.

The rooms: simulator/vocabulary.py (names, words, workflows, the calendar grid), simulator/skeleton.py (the
site before any issue), simulator/builder.py (one issue and its changelog at a time), simulator/scenarios.py
(what is planted); this module runs them in order and gives the issues their keys.

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
- Planted dependency scenarios (:class:`Scenario`, simulator/scenarios.py) for every status of
  docs/indicators.md, cycles and same-team links, plus random dependencies between the rest.
- The rules real sites need (simulator/scenarios.py, ``rule_scenarios``): done consumers of open providers
  (``consumer_done``), links to SEC issues the user cannot fetch (one open: external, as its link shows; one done in a cycle with a
  done train issue: not an open cycle), done transitions into a status a workflow migration deleted
  (``Resolved``, not in /status; the same history sets the resolution), and one move into a deleted status
  with no resolution item (``In QA``: its done-ness is unknown, a data-quality finding).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from syncreport.gc_pause import gc_paused
from syncreport.simulator.agenda import add_agenda
from syncreport.simulator.builder import Builder, Event, FeaturePool, IssueSpec
from syncreport.simulator.features import PLANTED_ISSUES, plant_features
from syncreport.simulator.model import History, Issue, Site
from syncreport.simulator.scenarios import link_scenarios, plant_scenarios, random_links, rule_scenarios
from syncreport.simulator.vocabulary import (
    MAX_ISSUES,
    MIN_ISSUES,
    RESTRICTED_PROJECT,
    SPRINTS_PER_PI,
    TEAM_NAMES,
    TRAIN_PROJECTS,
    current_pi_start,
    moment,
    pi_name,
)

__all__ = ["TRAIN_PROJECTS", "current_pi_start", "generate_site", "pi_name"]


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
    with gc_paused():
        at = moment(now if now is not None else today or datetime.now(UTC).date())
        return _generate(issues, seed, at, teams)


def _generate(issues: int, seed: int, now: datetime, teams: int) -> Site:
    b = Builder(issues=issues, seed=seed, now=now, teams=teams)
    site = b.site
    site.seed = seed
    rng = b.rng

    # Features first (children point at them), with a provisional key "#<index>" resolved later.
    features = FeaturePool()
    feature_count = max(6, issues // 12)
    for i in range(feature_count):
        team = i % teams
        pi_index = rng.choices([0, 1, 2], weights=[20, 62, 18])[0]
        category = {0: "done", 1: rng.choice(["indeterminate", "indeterminate", "new", "done"]), 2: "new"}[
            pi_index
        ]
        moved = 1 if pi_index == 2 and rng.random() < 0.25 else None
        feature = b.add_issue(
            IssueSpec(team, pi_index, (), category, moved_from_pi=moved, issuetype="Feature")
        )
        features.add(feature, team, pi_index)

    scenario_plan = plant_scenarios(b, features)

    # The other in-train issues, and a handful of planted oddities.
    remaining = issues - sum(1 for issue in b.issues if site.project(issue.project).in_train)
    oddities = 0
    if remaining > 3:
        # one issue in another team's sprint, one issue with no team, one with no points and no PI
        b.add_issue(
            IssueSpec(0, 1, b.path(1, 1, 2), "indeterminate"), summary="Pair with Vega on the shared sprint"
        )
        b.add_issue(IssueSpec(None, 1, b.path(0, 1, 3), "new"), summary="Nobody owns this (no team)")
        odd = b.add_issue(IssueSpec(2, None, (), "new"), summary="Idea without PI or estimate")
        odd.points = None
        oddities = 3
    planted = PLANTED_ISSUES if remaining - oddities >= 2 * PLANTED_ISSUES else 0  # too small a train: none
    for _ in range(remaining - oddities - planted):  # simulator.features adds the planted ones
        owner = None if rng.random() < 0.03 else rng.randrange(teams)
        b.add_issue(b.story_spec(owner, features))

    external_team = teams  # the index of Platform Core
    external: list[Issue] = []
    for _ in range(8 + issues // 150):
        k = rng.randrange(SPRINTS_PER_PI)
        state = b.sprint(external_team, 1, k).state
        category = "done" if state == "closed" else rng.choice(["new", "indeterminate"])
        external.append(b.add_issue(IssueSpec(external_team, 1, b.path(external_team, 1, k), category)))
    for _ in range(2):
        b.add_issue(
            IssueSpec(None, 1, (), "new", project=RESTRICTED_PROJECT[0]),
            summary="Embargoed vulnerability fix",
        )

    _assign_keys(b)
    _resolve_parents(b)
    link_scenarios(b, scenario_plan)
    random_links(b, external)
    rule_scenarios(b)  # last of the random draws: the train before it is the same with or without it
    _finish_histories(b)
    _business_values(b, seed)
    site.issues = b.issues
    site.by_key = {issue.key: issue for issue in b.issues}
    add_agenda(site, seed)  # risks and PI objectives (a random source of their own)
    if planted:
        plant_features(site, seed)  # the PI plan's cases: features that cannot finish, an overloaded team
    return site


def _assign_keys(b: Builder) -> None:
    """Ids and keys in creation order, per project, as Jira hands them out."""
    order = sorted(range(len(b.issues)), key=lambda i: (b.issues[i].created, i))
    counters: dict[str, int] = {}
    events: dict[int, list[Event]] = {}
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


def _resolve_parents(b: Builder) -> None:
    old_keys = b.old_keys
    for issue in b.issues:
        if issue.parent and issue.parent.startswith("#"):
            issue.parent = old_keys[issue.parent]


def _business_values(b: Builder, seed: int) -> None:
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


def _finish_histories(b: Builder) -> None:
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
