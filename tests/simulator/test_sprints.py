"""Completing a sprint in the simulator as Jira Software's agile API does, and the demo's weeks closing them.

What Atlassian documents for the sprint update (Jira Software REST API, "Partially update sprint"):
"A sprint can be completed by updating the state to 'closed'. This action requires the sprint to be in the
'active' state. This sets the completeDate to the time of the request." "A sprint can be started by updating
the state to 'active'. This requires the sprint to be in the 'future' state and have a startDate and
endDate set." Cloud's ``incompleteIssuesDestinationId`` names where the open issues go; without one Jira's
"Complete sprint" dialog sends them to the backlog. Done issues stay in the closed sprint, and an issue
carried on keeps the closed sprint in its Sprint field before the next one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from syncreport.clock import fixed_clock
from syncreport.config import config_from_dict
from syncreport.indicators import compute_indicators
from syncreport.jira import pull_snapshot
from syncreport.simulator import SimulatorHandle, demo_config, start_simulator
from syncreport.simulator.model import Site, Sprint
from syncreport.simulator.week import close_ended_sprints

pytestmark = pytest.mark.e2e

# a Tuesday in the 3rd sprint of the current PI (grid Mondays 2026-11-16 and 2026-11-30): the on-cadence
# boards' 3rd sprint started on 2026-11-16 08:00 and their 4th starts on 2026-11-30 08:00
MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _active_sprint_of(site: Site, board_id: int) -> Sprint:
    (active,) = [s for s in site.sprints.values() if s.board_id == board_id and s.state == "active"]
    return active


def _next_of(site: Site, sprint: Sprint) -> Sprint:
    return next(
        s
        for s in site.sprints.values()
        if s.board_id == sprint.board_id and s.iteration == sprint.iteration + 1
    )


def _agile_sprint(sim: SimulatorHandle, sprint_id: int) -> dict[str, object]:
    answer = requests.get(
        f"{sim.url}/rest/agile/1.0/sprint/{sprint_id}", auth=(sim.email, sim.token), timeout=10
    )
    answer.raise_for_status()
    data: dict[str, object] = answer.json()
    return data


def test_completing_a_sprint_closes_it_now_and_carries_its_open_issues_into_the_next() -> None:
    at = MOMENT + timedelta(hours=1)
    with start_simulator(issues=150, seed=11, clock=fixed_clock(MOMENT)) as sim:
        site = sim.site
        sprint = _active_sprint_of(site, site.teams[0].board_id)
        following = _next_of(site, sprint)
        members = [i for i in site.issues if sprint.id in i.sprints]
        # one of its issues is finished first, so the sprint has done issues and open ones
        flow = site.workflows[site.teams[0].workflow]
        finished = next(s for s in flow if site.statuses[s].category == "done")
        sim.touch_issue(members[0].key, status=finished, at=MOMENT - timedelta(hours=1))
        open_ones = {i.key for i in members if site.statuses[i.status].category != "done"}
        done = {
            i.key: (i.updated, list(i.sprints), len(i.histories)) for i in members if i.key not in open_ones
        }
        assert open_ones and done
        before = {key: list(site.by_key[key].sprints) for key in open_ones}

        carried = sim.complete_sprint(sprint.id, incomplete_to=following.id, at=at)

        assert set(carried) == open_ones
        assert (sprint.state, sprint.complete) == ("closed", at)  # completeDate: the time of the request
        rendered = _agile_sprint(sim, sprint.id)
        assert rendered["state"] == "closed" and rendered["completeDate"] == "2026-11-24T11:00:00.000Z"
        for key in open_ones:
            issue = site.by_key[key]
            # Jira keeps the closed sprint in the Sprint field and adds the next one
            assert issue.sprints == [*before[key], following.id]
            assert issue.updated == at
            (item,) = issue.histories[-1].items
            assert item[0] == "sprint" and item[3] == ", ".join(str(s) for s in [*before[key], following.id])
        for key, (updated, sprints, histories) in done.items():
            issue = site.by_key[key]
            assert (issue.updated, issue.sprints, len(issue.histories)) == (updated, sprints, histories)
        # the next sprint is still future until the team starts it; then active with its planned dates
        assert following.state == "future"
        sim.start_sprint(following.id)
        assert _agile_sprint(sim, following.id)["state"] == "active"
        assert following.start < following.end and following.complete is None


def test_without_a_destination_the_open_issues_go_to_the_backlog() -> None:
    with start_simulator(issues=150, seed=11, clock=fixed_clock(MOMENT)) as sim:
        site = sim.site
        sprint = _active_sprint_of(site, site.teams[1].board_id)
        carried = sim.complete_sprint(sprint.id)
        assert carried
        for key in carried:
            issue = site.by_key[key]
            # only closed sprints are left in the Sprint field: the issue is in no open sprint (the backlog)
            assert issue.sprints and sprint.id == issue.sprints[-1]
            assert all(site.sprints[s].state == "closed" for s in issue.sprints)
            assert issue.updated == MOMENT  # at the simulator's clock


def test_only_an_active_sprint_completes_and_only_a_future_one_starts() -> None:
    with start_simulator(issues=150, seed=11, clock=fixed_clock(MOMENT)) as sim:
        site = sim.site
        sprint = _active_sprint_of(site, site.teams[0].board_id)
        following = _next_of(site, sprint)
        closed = next(s for s in site.sprints.values() if s.state == "closed")
        with pytest.raises(ValueError, match="only an active sprint"):
            sim.complete_sprint(following.id)
        with pytest.raises(ValueError, match="open sprint"):
            sim.complete_sprint(sprint.id, incomplete_to=closed.id)
        with pytest.raises(ValueError, match="only a future sprint"):
            sim.start_sprint(sprint.id)
        assert sprint.state == "active" and following.state == "future"  # nothing changed


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_the_report_counts_a_completed_sprints_open_issues_as_carried_over(
    deployment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through HTTP and the product: every open issue of the closed sprint has one carry-over more (Data
    Center's sprint field is a string with the state and completeDate in it, Cloud's an object)."""
    later = MOMENT + timedelta(days=7)  # 2026-12-01: past the 4th sprints' start (2026-11-30 08:00)
    moments = [MOMENT]
    with start_simulator(deployment=deployment, issues=150, seed=11, clock=lambda: moments[0]) as sim:
        data = demo_config(sim, token_env="SYNCREPORT_SPRINTS_TOKEN")
        data["cache"] = {"enabled": False}
        config = config_from_dict(data, source="<sprints config>")
        monkeypatch.setenv("SYNCREPORT_SPRINTS_TOKEN", sim.token)

        def carry_over() -> dict[str, int]:
            snapshot = pull_snapshot(config, now=lambda: moments[0])
            results = compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations)
            return {i.key: i.carry_over for i in results.issues}

        before = carry_over()
        moments[0] = later
        closed = close_ended_sprints(sim, until=later)
        after = carry_over()
    carried = {key for c in closed for key in c.carried if key in before}
    assert carried
    assert {key for key in before if after[key] != before[key]} == carried
    assert all(after[key] == before[key] + 1 for key in carried)


def test_closing_the_ended_sprints_gives_the_states_a_site_generated_that_day_has() -> None:
    """The generator's rule: a sprint stays open until its board's next sprint starts (Monday 08:00), so a
    site played from MOMENT to a week later has the sprint states of a site generated a week later."""
    later = MOMENT + timedelta(days=7)
    with start_simulator(issues=150, seed=11, clock=fixed_clock(MOMENT)) as played:
        closed = close_ended_sprints(played, until=later)
        # every on-cadence board's 3rd sprint closes at the 4th's start; the off-cadence board's (3 days
        # later) on Thursday 2026-12-03, after ``later``: it stays open
        assert {c.at for c in closed} == {datetime(2026, 11, 30, 8, 0, tzinfo=UTC)}
        assert len(closed) == len(played.site.teams) - 1
        states = {(s.board_id, s.start): s.state for s in played.site.sprints.values()}
        complete = {(s.board_id, s.start): s.complete for s in played.site.sprints.values()}
    with start_simulator(issues=150, seed=11, clock=fixed_clock(later)) as generated:
        fresh = {(s.board_id, s.start): s.state for s in generated.site.sprints.values()}
    shared = set(states) & set(fresh)
    assert len(shared) > 30
    assert {k: states[k] for k in shared} == {k: fresh[k] for k in shared}
    assert all(
        complete[k] == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
        for k in shared
        if k[1].date() == date(2026, 11, 16)
    )
