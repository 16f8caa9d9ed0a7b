"""The generated train: deterministic, realistic, and covering every dependency status of docs/indicators.md.

The dependency statuses are re-derived here from the issues by the rules of docs/indicators.md section 1 (an
independent, deliberately plain implementation), and the link direction is read back from the rendered
issue links, so a planted scenario only counts when the data really says what its label claims.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date

import pytest

from syncreport.config import config_from_dict
from syncreport.simulator import Site, demo_config, generate_site, start_simulator
from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE
from syncreport.simulator.api import Api
from syncreport.simulator.jql import parse_jql, run_query
from syncreport.simulator.model import Issue

TODAY = date(2026, 11, 26)
TRAIN = ("ORB", "NOVA", "ATL")
DELETED = {"10900", "10901"}  # vocabulary.DELETED_DONE_STATUS and DELETED_OPEN_STATUS
AGENDA = (RISK_TYPE, OBJECTIVE_TYPE)


@pytest.fixture(scope="module")
def site() -> Site:
    return generate_site(issues=600, seed=7, today=TODAY)


def _fingerprint(site: Site) -> list[tuple[object, ...]]:
    return [dataclasses.astuple(i) for i in site.issues] + [
        dataclasses.astuple(s) for s in site.sprints.values()
    ]


def test_same_seed_same_train_other_seed_other_train(site: Site) -> None:
    again = generate_site(issues=600, seed=7, today=TODAY)
    assert _fingerprint(again) == _fingerprint(site)
    assert [dataclasses.astuple(link) for link in again.links] == [
        dataclasses.astuple(link) for link in site.links
    ]
    other = generate_site(issues=600, seed=8, today=TODAY)
    assert _fingerprint(other) != _fingerprint(site)


@pytest.mark.parametrize("issues", [50, 300, 2000])
def test_the_train_has_exactly_the_requested_issues(issues: int) -> None:
    generated = generate_site(issues=issues, seed=3, today=TODAY)
    # the train's work; risks and PI objectives come on top (the train's JQL leaves them out)
    assert sum(1 for i in generated.issues if i.project in TRAIN and i.issuetype not in AGENDA) == issues
    assert {i.issuetype for i in generated.issues if i.issuetype in AGENDA} == set(AGENDA)


def test_calendar_today_in_the_third_sprint_and_one_team_off_cadence(site: Site) -> None:
    current = [s for s in site.sprints.values() if s.pi == site.current_pi and s.board_id == 1]
    assert [s.state for s in sorted(current, key=lambda s: s.start)] == ["closed"] * 2 + ["active"] + [
        "future"
    ] * 3
    starts = Counter(
        s.start.date() for s in site.sprints.values() if s.pi == site.current_pi and s.name.endswith("S1")
    )
    assert len(starts) == 2 and sorted(starts.values()) == [
        1,
        8,
    ]  # 8 teams on the cadence (PLAT too), one 3 days late
    # worked out by hand: sprints start on the Mondays of a two-week grid from 2024-01-01; 2026-11-26 is day
    # 10 of the sprint that started 2026-11-16, the PI's 3rd, so the PI started two sprints earlier, on
    # 2026-10-19; its middle (2026-11-30) is in Q4 of 2026 -> "PI 26.4", the PIs around it 26.3 and 27.1
    assert min(s.start for s in current).date() == date(2026, 10, 19)
    assert site.pis == ["PI 26.3", "PI 26.4", "PI 27.1"] and site.current_pi == "PI 26.4"


def test_changelogs_agree_with_the_current_state(site: Site) -> None:
    """The last status/sprint item of every issue ends where the issue is now; histories are oldest first."""
    for issue in site.issues:
        assert [h.created for h in issue.histories] == sorted(h.created for h in issue.histories)
        assert all(issue.created <= h.created < site.now for h in issue.histories)
        status_items = [i for h in issue.histories for i in h.items if i[0] == "status"]
        if status_items and status_items[-1][3] not in DELETED:  # a migration moved it on, unrecorded
            assert status_items[-1][3] == issue.status
        sprint_items = [i for h in issue.histories for i in h.items if i[0] == "sprint"]
        if sprint_items:
            assert sprint_items[-1][3] == ", ".join(str(s) for s in issue.sprints)


def test_changelogs_name_statuses_a_migration_deleted(site: Site) -> None:
    # done transitions into "Resolved" (10900) with the resolution set in the same history, and one move into
    # "In QA" (10901) with none; neither is a status of the site (/status does not list them)
    assert not DELETED & set(site.statuses)
    moves = [
        h for i in site.issues for h in i.histories for x in h.items if x[0] == "status" and x[3] in DELETED
    ]
    resolved = [h for h in moves if any(x[3] == "10900" for x in h.items)]
    assert len(resolved) >= 2 and all(any(x[0] == "resolution" and x[3] for x in h.items) for h in resolved)
    in_qa = [h for h in moves if any(x[3] == "10901" for x in h.items)]
    assert len(in_qa) == 1 and not any(x[0] == "resolution" for x in in_qa[0].items)


def test_histories_volume_and_variety(site: Site) -> None:
    counts = [len(i.histories) for i in site.issues]
    assert 4 <= sum(counts) / len(counts) <= 7
    assert sum(1 for c in counts if c > 100) >= 3
    fields = Counter(item[0] for i in site.issues for h in i.histories for item in h.items)
    for kind in (
        "sprint",
        "status",
        "duedate",
        "fixversion",
        "flagged",
        "link",
        "team",
        "points",
        "resolution",
    ):
        assert fields[kind] > 0, kind
    carry_overs = [
        item for i in site.issues for h in i.histories for item in h.items if item[0] == "sprint" and item[1]
    ]
    assert any(str(item[3]).startswith(f"{item[1]}, ") for item in carry_overs)  # "38" -> "38, 41"
    pi_moves = [
        h for i in site.issues for h in i.histories if sum(1 for x in h.items if x[0] == "fixversion") == 2
    ]
    assert pi_moves


def test_oddities_and_hostile_text_are_present(site: Site) -> None:
    train = [i for i in site.issues if i.project in TRAIN]
    assert any(i.team is None for i in train)
    assert any(i.points is None and i.issuetype != "Feature" for i in train)
    assert any(not i.pis for i in train)
    summaries = " ".join(i.summary for i in site.issues)
    assert "<script>" in summaries or "<b>" in summaries
    assert any(
        "\u0600" <= ch <= "\u06ff" or "\u0590" <= ch <= "\u05ff" for ch in summaries
    )  # Arabic / Hebrew
    statuses = {site.statuses[i.status].name for i in train}
    assert {"Erledigt", "已完成", "Done"} & statuses and len(statuses) > 6
    teams = [t for t in site.teams if t.in_train]
    in_other_sprint = [
        i
        for i in train
        if i.team is not None and any(site.sprints[s].board_id != teams[i.team].board_id for s in i.sprints)
    ]
    assert in_other_sprint


def _iteration(site: Site, issue: Issue) -> int | None:
    """Iteration of the issue's latest sprint: whole two-week steps from the earliest sprint start."""
    if not issue.sprints:
        return None
    first = min(s.start for s in site.sprints.values())
    return round((site.sprints[issue.sprints[-1]].start - first).days / 14)


def _status(site: Site, provider: Issue, consumer: Issue) -> str:
    """docs/indicators.md section 1, first rule that applies."""
    if site.statuses[provider.status].category == "done":
        return "done"
    if site.statuses[consumer.status].category == "done":
        return "consumer_done"
    if provider.project not in TRAIN:
        return "external"
    p_it, c_it = _iteration(site, provider), _iteration(site, consumer)
    if p_it is None:
        return "unscheduled"
    p_pi = site.pis.index(provider.pis[0]) if provider.pis else None
    c_pi = site.pis.index(consumer.pis[0]) if consumer.pis else None
    if (c_it is not None and p_it > c_it) or (p_pi is not None and c_pi is not None and p_pi > c_pi):
        return "late"
    if c_it is None:
        return "consumer_unscheduled"
    if p_it == c_it or provider.flagged:
        return "at_risk"
    return "on_track"


def test_every_dependency_status_is_planted_and_true_by_the_rules(site: Site) -> None:
    api = Api(site, "cloud", "http://sim")
    seen: Counter[str] = Counter()
    for scenario in site.scenarios:
        provider, consumer = site.by_key[scenario.provider], site.by_key[scenario.consumer]
        # direction from the rendered links: the provider "blocks" the consumer in the type's own wording
        side = "outwardIssue" if scenario.link_type == "Blocks" else "inwardIssue"  # Dependency is inverted
        wording = "outward" if side == "outwardIssue" else "inward"
        assert any(
            x.get(side, {}).get("key") == consumer.key
            and x["type"]["name"] == scenario.link_type
            and x["type"][wording] == "blocks"
            for x in api.render.links(provider)
        ), scenario
        if scenario.status == "same_team":
            assert provider.team == consumer.team
        elif scenario.status != "cycle":
            assert provider.team != consumer.team
            assert _status(site, provider, consumer) == scenario.status, scenario
        seen[scenario.status] += 1
    for status in (
        "done",
        "consumer_done",
        "external",
        "unscheduled",
        "late",
        "consumer_unscheduled",
        "at_risk",
        "on_track",
    ):
        assert seen[status] >= 2, status  # with Blocks and with the inverted Dependency type
    pis = [(site.by_key[s.provider].pis, site.by_key[s.consumer].pis) for s in site.scenarios]
    assert any(p and c and p != c for p, c in pis)  # cross-PI dependencies


def test_cycles_of_three_and_two_issues_exist(site: Site) -> None:
    edges: dict[str, set[str]] = {}
    for link in site.links:
        if link.type == "Blocks":
            edges.setdefault(link.source, set()).add(link.target)
        elif link.type == "Dependency":
            edges.setdefault(link.target, set()).add(link.source)
    lengths = set()
    for start in edges:
        frontier = [(start, [start])]
        while frontier:
            node, path = frontier.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    lengths.add(len(path))
                elif nxt not in path and len(path) < 4:
                    frontier.append((nxt, [*path, nxt]))
    assert {2, 3} <= lengths


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_demo_config_is_valid_and_its_jql_selects_the_train(deployment: str) -> None:
    with start_simulator(deployment=deployment, issues=300, seed=5, today=TODAY) as sim:
        config = config_from_dict(demo_config(sim, token_env="SIM_TOKEN"))
        assert config.jira.url == sim.url and config.jira.token_env == "SIM_TOKEN"
        assert config.train.current_pi == "PI 26.4" and len(config.train.teams) == 8
        assert {t.name: t.provider for t in config.train.dependency_link_types} == {
            "Blocks": "outward",
            "Dependency": "inward",
        }
        assert config.train.parent_field == ("parent" if deployment == "cloud" else "Epic Link")
        selected = run_query(parse_jql(config.train.jql, sim.site, deployment), sim.site.issues)
        assert len(selected) == 300
