"""Planted features and load for the PI plan sections: cases the report must find, and a week's drift.

:func:`plant_features` (run by the generator after the agenda) adds, in the current PI:

- a feature that **cannot finish in the PI**: one story in the PI's fourth sprint, one planned in the next
  PI's first sprint (a later PI, past the PI's last iteration);
- a feature with **no stories**, and one whose stories are in **no sprint** (no plan);
- a small feature (two stories in the fourth and fifth sprints) that the scripted week descopes;
- a team **overloaded in one iteration**: six 8-point stories added to its fifth sprint (48 points more
  than it planned, several times a simulated team's velocity).

:func:`play_feature_week` is the part of the scripted week that moves the plan (a realistic drift from the
PI baseline): a next-PI feature is pulled into the PI with its stories (a feature added after planning), the last story of an on-track feature slips one sprint (its forecast moves later), and the
planted "Store pickup time slots" is descoped to the next PI with its stories (removed since planning).

What was planted is recorded in ``site.plan`` (kind -> keys, or "team/iteration" for the overload) so tests
check the report against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from syncreport.simulator.agenda import IssueMaker
from syncreport.simulator.model import Issue, Site, Sprint

OVERLOAD_STORIES = 6
OVERLOAD_POINTS = 8.0
PLANTED_ISSUES = 17  # the train issues plant_features adds (the generator leaves room for them)
OVERLOAD_SPRINT = 4  # the current PI's fifth sprint (index 4), a future one on every day of the simulation


def _team_sprints(site: Site, team: int | None, pi: str) -> list[Sprint]:
    if team is None:
        raise ValueError("a feature scenario needs an issue of a team")
    board = site.teams[team].board_id
    return sorted(
        (s for s in site.sprints.values() if s.board_id == board and s.pi == pi), key=lambda s: s.iteration
    )


def plant_features(site: Site, seed: int) -> None:
    """Plant the feature cases and the overloaded team into ``site`` (keys continue the projects' own)."""
    import random

    state = IssueMaker(site, random.Random(seed * 7919 + 13), {})
    first_id = state.next_id
    teams = [n for n, t in enumerate(site.teams) if t.in_train]
    current, following = site.pis[1], site.pis[2]
    created = site.now - timedelta(days=30)

    def new(team: int) -> str:
        return site.workflows[site.teams[team].workflow][0]

    def story(
        team: int, feature: Issue, summary: str, sprint: Sprint | None, pi: str, points: float
    ) -> Issue:
        return state.issue(
            "Story",
            team,
            summary,
            new(team),
            created,
            pis=[pi],
            parent=feature.key,
            points=points,
            sprints=[sprint.id] if sprint else [],
        )

    late_team, bare_team, unplanned_team, busy_team = (
        teams[0],
        teams[1 % len(teams)],
        teams[2 % len(teams)],
        teams[3 % len(teams)],
    )
    late = state.issue(
        "Feature", late_team, "Loyalty tiers at checkout", new(late_team), created, pis=[current]
    )
    story(
        late_team,
        late,
        "Show the tier badge in the basket",
        _team_sprints(site, late_team, current)[3],
        current,
        5.0,
    )
    story(
        late_team,
        late,
        "Tier discounts at payment",
        _team_sprints(site, late_team, following)[0],
        following,
        8.0,
    )
    bare = state.issue(
        "Feature", bare_team, "Gift cards for business accounts", new(bare_team), created, pis=[current]
    )
    unplanned = state.issue(
        "Feature",
        unplanned_team,
        "Offline mode for the courier app",
        new(unplanned_team),
        created,
        pis=[current],
    )
    for title in ("Cache the route list", "Queue scans while offline"):
        story(unplanned_team, unplanned, title, None, current, 3.0)
    busy_sprint = _team_sprints(site, busy_team, current)[OVERLOAD_SPRINT]
    crowded = state.issue("Feature", busy_team, "Instant refunds", new(busy_team), created, pis=[current])
    for n in range(OVERLOAD_STORIES):
        story(busy_team, crowded, f"Instant refunds, part {n + 1}", busy_sprint, current, OVERLOAD_POINTS)
    pickup_team = teams[4 % len(teams)]
    pickup = state.issue(
        "Feature", pickup_team, "Store pickup time slots", new(pickup_team), created, pis=[current]
    )
    for title, k in (("Pick a pickup slot", 3), ("Slot capacity per store", 4)):
        story(pickup_team, pickup, title, _team_sprints(site, pickup_team, current)[k], current, 5.0)
    site.plan.update(
        will_not_finish=(late.key,),
        no_stories=(bare.key,),
        no_plan=(unplanned.key,),
        overloaded=(f"{site.teams[busy_team].name}/{busy_sprint.name}",),
        overloading=(crowded.key,),
        to_descope=(pickup.key,),  # planned now; the scripted week moves it to the next PI
    )
    site.issues.sort(key=lambda i: i.id)
    site.by_key = {issue.key: issue for issue in site.issues}
    assert state.next_id - first_id == PLANTED_ISSUES, "keep PLANTED_ISSUES in step with what is planted"


@dataclass(frozen=True, slots=True)
class FeatureWeek:
    added: tuple[str, ...]  # features pulled into the PI after planning
    moved: tuple[str, ...]  # features whose last story slipped a sprint
    removed: tuple[str, ...] = ()  # features descoped to the next PI with their stories
    descoped_stories: tuple[str, ...] = ()  # those stories: moved to a later PI, so newly slipped
    touched: tuple[str, ...] = ()  # every issue the week changed: the features and their stories


def _iteration(site: Site, issue: Issue) -> int | None:
    return site.sprints[issue.sprints[-1]].iteration if issue.sprints else None


def play_feature_week(handle: Any, *, at: datetime | None = None, busy: Sequence[str] = ()) -> FeatureWeek:
    """Pull a next-PI feature into the PI (its 2-4 stories into the PI's fifth sprint) and slip the last
    story of an open feature by one sprint. ``busy``: keys the rest of the week touched (left alone)."""
    site: Site = handle.site
    touched: list[str] = []

    def touch(key: str, **change: Any) -> None:
        handle.touch_issue(key, at=at, **change)
        touched.append(key)

    current, following = site.pis[1], site.pis[2]
    done = {s.id for s in site.statuses.values() if s.category == "done"}
    train = [
        i for i in site.issues if site.project(i.project).in_train and site.visible(i) and i.team is not None
    ]
    children: dict[str, list[Issue]] = {}
    for issue in train:
        if issue.parent:
            children.setdefault(issue.parent, []).append(issue)
    strings = [link for link in site.links if link.type in ("Blocks", "Dependency")]  # not "Relates"
    linked = {link.source for link in strings} | {link.target for link in strings} | set(busy)
    planted = {key for keys in site.plan.values() for key in keys}
    added: list[str] = []
    for feature in train:
        kids = children.get(feature.key, [])
        free = all(k.key not in linked and k.status not in done for k in kids)
        if feature.issuetype == "Feature" and feature.pis == [following] and 2 <= len(kids) <= 4 and free:
            target = _team_sprints(site, feature.team, current)[OVERLOAD_SPRINT]
            touch(feature.key, pi=current)
            for kid in kids:
                touch(kid.key, pi=current, sprint=target.id)
            added.append(feature.key)
            break
    moved: list[str] = []
    for feature in train:
        if (
            feature.issuetype != "Feature"
            or feature.pis != [current]
            or feature.key in planted
            or feature.key in added
        ):
            continue
        kids = [
            k
            for k in children.get(feature.key, [])
            if k.status not in done and k.sprints and k.pis == [current]
        ]
        if not kids or any(k.key in linked for k in kids):
            continue
        last = max(kids, key=lambda k: _iteration(site, k) or 0)
        sprints = _team_sprints(site, last.team, current)
        later = [s for s in sprints if s.iteration > (_iteration(site, last) or 0) and s.state == "future"]
        if later and later[0].iteration < sprints[-1].iteration:  # stays inside the PI
            touch(last.key, sprint=later[0].id)
            moved.append(feature.key)
            break
    removed: list[str] = []
    descoped: list[str] = []
    for key in site.plan.get("to_descope", ()):
        feature = site.by_key[key]
        touch(key, pi=following)
        for kid in children.get(key, []):
            next_pi = _team_sprints(site, kid.team, following)[0]
            touch(kid.key, pi=following, sprint=next_pi.id)
            descoped.append(kid.key)
        removed.append(feature.key)
    return FeatureWeek(tuple(added), tuple(moved), tuple(removed), tuple(descoped), tuple(touched))
