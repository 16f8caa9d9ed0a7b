"""End to end, both dialects: the simulator's planted features and load, pulled and through the indicators.

Expected answers come from what syncreport.simulator.features planted (``site.plan``), worked out by rule:
- "Loyalty tiers at checkout" has a story in the PI's fourth sprint and one in the next PI's first sprint:
  will not finish in the PI, because of that story;
- "Gift cards for business accounts" has no story: no stories; "Offline mode for the courier app" has two
  stories in no sprint: no plan;
- the overloaded team's fifth sprint holds the six planted 8-point stories (48 points) on top of what the
  generator planned there; its planned points are summed here straight from the simulator's model, and
  48 points is more than twice any simulated team's velocity, so the iteration is overloaded (> 110%).
Data Center carries the parent as the Epic Link field, Cloud as ``parent``: both must give the same features.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from syncreport.config import config_from_dict
from syncreport.indicators import compute_indicators
from syncreport.jira import pull_snapshot
from syncreport.simulator import demo_config, start_simulator
from syncreport.simulator.features import OVERLOAD_POINTS, OVERLOAD_STORIES

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["cloud", "datacenter"])
def computed(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any]]:
    with start_simulator(deployment=request.param, issues=300, seed=5) as sim:
        data = demo_config(sim, token_env="SYNCREPORT_PLAN_E2E_TOKEN")
        data["cache"] = {"enabled": False}
        config = config_from_dict(data, source="<plan e2e>")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SYNCREPORT_PLAN_E2E_TOKEN", sim.token)
            snapshot = pull_snapshot(config)
        yield sim, compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations)


def test_the_planted_features_get_their_forecasts(computed: Any) -> None:
    sim, results = computed
    plan = sim.site.plan
    rows = {f.key: f for f in results.features.rows}
    (late,) = plan["will_not_finish"]
    next_pi_story = next(i.key for i in sim.site.issues if i.parent == late and i.pis == [sim.site.pis[2]])
    assert rows[late].forecast == "will_not_finish"
    assert f"{next_pi_story} is planned in {sim.site.pis[2]}" in rows[late].reasons
    assert (rows[late].children, rows[late].total, rows[late].unit) == (2, 13.0, "points")  # 5 + 8 points
    assert rows[plan["no_stories"][0]].forecast == "no_stories"
    assert rows[plan["no_plan"][0]].forecast == "no_plan"
    # a feature of this PI that will not finish is on the attention list or, when five more urgent items
    # fill it, at least counted in the summary
    counts = {c.forecast: c.count for c in results.features.counts}
    assert counts["will_not_finish"] >= 1 and counts["no_stories"] >= 1 and counts["no_plan"] >= 1
    assert sum(counts.values()) == len(results.features.rows)
    # every feature of the train the simulator made for the current PI is in the section
    in_pi = {
        i.key
        for i in sim.site.issues
        if i.issuetype == "Feature"
        and i.pis == [sim.site.current_pi]
        and sim.site.project(i.project).in_train
    }
    assert in_pi <= set(rows)


def test_the_planted_overloaded_iteration_is_flagged_and_the_team_is_amber(computed: Any) -> None:
    sim, results = computed
    site = sim.site
    (where,) = site.plan["overloaded"]
    team_name, sprint_name = where.split("/")
    sprint = next(s for s in site.sprints.values() if s.name == sprint_name)
    # planned points of the team in that sprint, from the model: its train stories whose latest sprint it is
    team = next(n for n, t in enumerate(site.teams) if t.name == team_name)
    planned = sum(
        i.points or 0.0
        for i in site.issues
        if i.team == team
        and i.sprints
        and i.sprints[-1] == sprint.id
        and site.project(i.project).in_train
        and i.issuetype in ("Story", "Bug")
    )
    assert planned >= OVERLOAD_STORIES * OVERLOAD_POINTS
    capacity = next(t for t in results.capacity.teams if t.team == team_name)
    load = next(x for x in capacity.loads if x.planned == planned)
    assert capacity.velocity is not None and load.load == planned / capacity.velocity
    assert load.overloaded and load.iteration_name in capacity.overloaded
    health = next(t for t in results.teams if t.team == team_name)
    assert health.health in ("amber", "red")
    assert any(f"of its velocity {round(capacity.velocity, 1):g} points" in r for r in health.reasons)
