"""Risks (a ROAM workflow in several languages) and PI objectives for the simulated train.

Called by the generator once the train's issues have their keys, with a random source of its own so the
rest of the train is the same with or without these. What is planted, per the issue's scenarios:
- Risks in the train's projects, issue type "Risk", each team's workflow language (English, German or
  French statuses): some ROAMed (with the changelog that took them there, sometimes via another state), some
  never ROAMed (among them high-priority ones older than a week), an owned one with no assignee, some linked
  ("Relates") to features and to the ends of late dependencies.
- PI objectives (issue type "PI Objective") per team for the previous and the current PI: planned business
  value 1-10, the previous PI's scored with an actual value; committed, and a few labelled "uncommitted";
  each linked to features of its team and PI.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from syncreport.simulator.model import History, Issue, Item, Link, Scenario, Site, Status

RISK_TYPE = "Risk"
OBJECTIVE_TYPE = "PI Objective"
UNCOMMITTED_LABEL = "uncommitted"

# language -> (identified, owned, accepted, mitigated, resolved) as (id, name, category)
RISK_WORKFLOWS: dict[str, list[tuple[str, str, str]]] = {
    "en": [("10400", "Identified", "new"), ("10401", "Owned", "indeterminate"), ("10402", "Accepted", "indeterminate"),
           ("10403", "Mitigated", "indeterminate"), ("10404", "Resolved", "done")],
    "de": [("10410", "Erkannt", "new"), ("10411", "Übernommen", "indeterminate"), ("10412", "Akzeptiert", "indeterminate"),
           ("10413", "Gemindert", "indeterminate"), ("10414", "Gelöst", "done")],
    "fr": [("10420", "Identifié", "new"), ("10421", "Pris en charge", "indeterminate"),
           ("10422", "Accepté", "indeterminate"), ("10423", "Atténué", "indeterminate"), ("10424", "Résolu", "done")],
}  # fmt: skip
ROAM_INDEX = {"owned": 1, "accepted": 2, "mitigated": 3, "resolved": 4}
RISK_SUMMARIES = [
    "Payment provider may not certify the new API in time",
    "Key engineer on leave during the IP sprint",
    "Load test environment not available before iteration 4",
    "GDPR review of the fraud hook could block the release",
    "Vendor SDK deprecates the offline mode",
    "Shared test data is refreshed only monthly",
    "Mobile store review times are growing",
    "Tax engine upgrade lands in the same iteration as checkout",
]
OBJECTIVE_SUMMARIES = [
    "Customers can pay with stored cards in one click",
    "Refunds are processed within one business day",
    "Checkout conversion up by 2 points",
    "Partners can subscribe to order webhooks",
    "Onboarding completes offline",
    "Fraud scoring runs on every order",
]


def _language(site: Site, team: int) -> str:
    workflow = site.teams[team].workflow
    return workflow if workflow in RISK_WORKFLOWS else "en"


def _next_key(site: Site, project: str, counters: dict[str, int]) -> str:
    if project not in counters:
        counters[project] = max(
            (int(i.key.rsplit("-", 1)[1]) for i in site.issues if i.project == project), default=0
        )
    counters[project] += 1
    return f"{project}-{counters[project]}"


def add_agenda(site: Site, seed: int) -> None:
    """Plant the risks and objectives in ``site`` (after the generator gave every issue its key)."""
    rng = random.Random(seed * 104729 + 12)
    for flow in RISK_WORKFLOWS.values():
        for sid, name, category in flow:
            site.statuses[sid] = Status(sid, name, category)
    counters: dict[str, int] = {}
    state = IssueMaker(site, rng, counters)
    train_teams = [n for n, t in enumerate(site.teams) if t.in_train]
    late = [s for s in site.scenarios if s.status == "late"]
    features: dict[tuple[int | None, str], list[Issue]] = {}
    for issue in site.issues:
        if issue.issuetype == "Feature" and site.project(issue.project).in_train:
            for pi in issue.pis:
                features.setdefault((issue.team, pi), []).append(issue)
    _risks(state, train_teams, late, features)
    _objectives(state, train_teams, features)
    site.issues.sort(key=lambda i: i.id)
    site.by_key = {issue.key: issue for issue in site.issues}


class IssueMaker:
    """Adds issues, histories and links to a generated site once its train is built (the risks, the PI
    objectives, the feature scenarios): ids, keys and link ids continue the site's."""

    def __init__(self, site: Site, rng: random.Random, counters: dict[str, int]) -> None:
        self.site = site
        self.rng = rng
        self.counters = counters
        self.next_id = max(i.id for i in site.issues) + 1
        self.next_link = 90000

    def issue(
        self,
        issuetype: str,
        team: int,
        summary: str,
        status: str,
        created: datetime,
        *,
        pis: Sequence[str] = (),
        labels: Sequence[str] = (),
        priority: str = "Medium",
        **extra: object,
    ) -> Issue:
        site = self.site
        project = site.teams[team].project
        issue = Issue(
            id=self.next_id,
            key=_next_key(site, project, self.counters),
            project=project,
            issuetype=issuetype,
            summary=summary,
            status=status,
            team=team,
            sprints=[],
            pis=list(pis),
            points=None,
            duedate=None,
            parent=None,
            flagged=False,
            labels=list(labels),
            priority=priority,
            created=created,
            updated=created,
            resolved=None,
            rank=self.next_id,
        )
        for name, value in extra.items():
            setattr(issue, name, value)
        self.next_id += 1
        site.issues.append(issue)
        return issue

    def history(self, issue: Issue, at: datetime, *items: Item) -> None:
        site = self.site
        at = min(at, site.now - timedelta(minutes=1))
        issue.histories.append(History(site.next_history_id, at, 0, items))
        site.next_history_id += 1
        issue.updated = max(issue.updated, at)

    def link(self, source: Issue, target: Issue, link_type: str = "Relates") -> None:
        self.site.add_link(Link(str(self.next_link), link_type, source.key, target.key))
        self.next_link += 1


# (team offset, ROAM path through states, priority, days old, assigned, linked to)
_RISKS: list[tuple[int, tuple[str, ...], str, int, bool, str]] = [
    (
        0,
        (),
        "High",
        9,
        False,
        "late",
    ),  # high, never ROAMed, older than the threshold, threatens a late dependency
    (1, (), "Highest", 2, False, "feature"),  # high, not ROAMed yet but still within the threshold
    (2, (), "Medium", 20, True, ""),  # not ROAMed, low priority: not a finding
    (3, ("owned",), "High", 30, True, "feature"),
    (4, ("owned",), "Medium", 15, False, ""),  # owned with nobody assigned: a finding
    (5, ("accepted",), "Low", 40, True, ""),
    (6, ("owned", "mitigated"), "High", 35, True, "late"),  # mitigated, still linked to a late dependency
    (7, ("mitigated",), "Medium", 25, True, "feature"),
    (0, ("owned", "resolved"), "High", 45, True, "feature"),
    (1, ("resolved",), "Low", 50, True, ""),
    (2, ("accepted",), "High", 12, True, ""),
    (3, (), "Low", 3, False, ""),
]


def _risks(
    state: IssueMaker,
    teams: list[int],
    late: list[Scenario],
    features: dict[tuple[int | None, str], list[Issue]],
) -> None:
    site, rng = state.site, state.rng
    users = [n for n, u in enumerate(site.users) if u.email.startswith("user")]
    for n, (offset, path, priority, days, assigned, linked) in enumerate(_RISKS):
        team = teams[offset % len(teams)]
        flow = RISK_WORKFLOWS[_language(site, team)]
        created = site.now - timedelta(days=days, hours=rng.randint(1, 20))
        risk = state.issue(
            RISK_TYPE,
            team,
            RISK_SUMMARIES[n % len(RISK_SUMMARIES)],
            flow[0][0],
            created,
            priority=priority,
            assignee=users[n % len(users)] if assigned and users else None,
        )
        at = created
        current = flow[0]
        for step in path:
            at = at + timedelta(days=max(1, days // (len(path) + 1)), hours=rng.randint(0, 6))
            target = flow[ROAM_INDEX[step]]
            items: list[Item] = [("status", current[0], current[1], target[0], target[1])]
            if target[2] == "done":
                items.append(("resolution", None, None, "10000", "Done"))
                risk.resolved = min(at, site.now - timedelta(minutes=1))
            state.history(risk, at, *items)
            current = target
        risk.status = current[0]
        if linked == "late" and late:
            scenario = late[n % len(late)]
            state.link(risk, site.by_key[scenario.provider])
        elif linked == "feature":
            pool = features.get((team, site.current_pi)) or []
            if pool:
                state.link(risk, pool[0])


def _objectives(
    state: IssueMaker, teams: list[int], features: dict[tuple[int | None, str], list[Issue]]
) -> None:
    site, rng = state.site, state.rng
    previous, current = site.pis[0], site.pis[1]
    for pi in (previous, current):
        for team in teams:
            flow = site.workflows[site.teams[team].workflow]
            pool = features.get((team, pi)) or []
            count = 3
            for k in range(count):
                uncommitted = k == count - 1 and (team + (pi == current)) % 2 == 0
                planned = float(rng.randint(2, 10))
                actual = None
                if pi == previous:
                    actual = float(max(0, min(10, round(planned * rng.uniform(0.55, 1.1)))))
                created = site.now - timedelta(days=40 if pi == current else 120, hours=rng.randint(1, 30))
                done = pi == previous
                objective = state.issue(
                    OBJECTIVE_TYPE,
                    team,
                    OBJECTIVE_SUMMARIES[(team + k) % len(OBJECTIVE_SUMMARIES)],
                    flow[-2] if done else flow[1],
                    created,
                    pis=[pi],
                    labels=[UNCOMMITTED_LABEL] if uncommitted else [],
                    priority="Medium",
                    bv_planned=planned,
                    bv_actual=actual,
                )
                if done:
                    objective.resolved = created + timedelta(days=80)
                for feature in pool[k::count][:2]:
                    state.link(objective, feature)


def play_risks(handle: Any, *, at: datetime | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A week at the ROAM board: the oldest risk not ROAMed is owned, the oldest owned one resolved.

    ``handle`` is a :class:`~syncreport.simulator.server.SimulatorHandle`; the changes go through
    ``touch_issue``, so they leave the changelog Jira would, dated ``at`` (default: the simulator's clock).
    Returns (roamed, resolved) keys.
    """
    site = handle.site
    by_status = {
        sid: (lang, n) for lang, flow in RISK_WORKFLOWS.items() for n, (sid, _, _) in enumerate(flow)
    }
    risks = sorted((i for i in site.issues if i.issuetype == RISK_TYPE), key=lambda i: (i.created, i.key))
    fresh = [i for i in risks if by_status.get(i.status, ("en", -1))[1] == 0]
    owned = [i for i in risks if by_status.get(i.status, ("en", -1))[1] == ROAM_INDEX["owned"]]
    roamed: list[str] = []
    resolved: list[str] = []
    if fresh:
        lang = by_status[fresh[0].status][0]
        handle.touch_issue(fresh[0].key, status=RISK_WORKFLOWS[lang][ROAM_INDEX["owned"]][0], at=at)
        roamed.append(fresh[0].key)
    if owned:
        lang = by_status[owned[0].status][0]
        handle.touch_issue(owned[0].key, status=RISK_WORKFLOWS[lang][ROAM_INDEX["resolved"]][0], at=at)
        resolved.append(owned[0].key)
    return tuple(roamed), tuple(resolved)
