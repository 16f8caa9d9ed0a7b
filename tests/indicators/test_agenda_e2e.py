"""End to end, both dialects: the simulator's risks and PI objectives, pulled and through the indicators.

Expected answers come from what the simulator planted (syncreport.simulator.agenda), worked out by rule:
12 risks, ROAM columns not ROAMed 4 / owned 2 / accepted 2 / mitigated 2 / resolved 2 (the _RISKS table);
the first is High, 9 days old, never ROAMed and linked to the provider of a late dependency; the fifth is
owned with nobody assigned. Objectives: 3 per team and PI; predictability is checked against the
simulator's own business values, summed here straight from its model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from syncreport.config import config_from_dict
from syncreport.indicators import compute_indicators
from syncreport.jira import pull_snapshot
from syncreport.simulator import demo_config, start_simulator
from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE, UNCOMMITTED_LABEL

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["cloud", "datacenter"])
def pulled(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any, Any]]:
    with start_simulator(deployment=request.param, issues=300, seed=5) as sim:
        data = demo_config(sim, token_env="SYNCREPORT_AGENDA_E2E_TOKEN")
        data["cache"] = {"enabled": False}
        config = config_from_dict(data, source="<agenda e2e>")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SYNCREPORT_AGENDA_E2E_TOKEN", sim.token)
            snapshot = pull_snapshot(config)
        yield sim, config, snapshot


def test_every_risk_is_fetched_in_its_roam_column_in_any_language(pulled: Any) -> None:
    sim, config, snapshot = pulled
    planted = {i.key for i in sim.site.issues if i.issuetype == RISK_TYPE}
    assert {r.key for r in snapshot.risks} == planted and len(planted) == 12
    assert {r.status for r in snapshot.risks} >= {"Erkannt", "Identified"}  # German and English workflows
    assert snapshot.risk_notes == ()
    board = compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations).risks
    assert {c.state: c.count for c in board.counts} == {
        "not_roamed": 4,
        "owned": 2,
        "accepted": 2,
        "mitigated": 2,
        "resolved": 2,
    }
    # ROAMed risks know since when: the changelog's last move into their state
    for risk in snapshot.risks:
        model = sim.site.by_key[risk.key]
        if risk.roam is not None:
            assert risk.roam_since == model.histories[-1].created, risk.key


def test_the_planted_risks_to_raise_are_found(pulled: Any) -> None:
    _, config, snapshot = pulled
    results = compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations)
    first = next(r for r in results.risks.rows if r.summary.startswith("Payment provider") and r.open)
    # created 9 days and some hours before the simulator's today; the pull's clock is a little later still
    assert (first.roam, first.high, first.age_days >= 9) == ("not_roamed", True, True)
    assert first.late_dependencies  # linked to the provider of a planted late dependency
    found = {f.kind: f.keys for f in results.data_quality}
    assert first.key in found["risk_not_roamed"]
    assert first.key in found["risk_late_dependency"]
    assert len(found["risk_without_owner"]) == 1
    assert any(a.kind == "high_risk" and a.keys[0] == first.key for a in results.attention)
    # risks are not train work: none of them is a train issue, an orphan or unowned work
    assert not {i.key for i in snapshot.issues} & {r.key for r in snapshot.risks}


def test_objectives_of_the_current_pi_are_planned_not_scored(pulled: Any) -> None:
    sim, config, snapshot = pulled
    site = sim.site
    current = [i for i in site.issues if i.issuetype == OBJECTIVE_TYPE and i.pis == [site.current_pi]]
    results = compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations)
    objectives = results.objectives
    assert {o.key for o in objectives.rows} == {i.key for i in current}
    committed = [i for i in current if UNCOMMITTED_LABEL not in i.labels]
    assert objectives.train is not None
    assert objectives.train.planned_committed == sum(i.bv_planned or 0 for i in committed)
    assert objectives.train.actual is None and results.predictability.available is False
    assert any(o.forecast in ("on_track", "at_risk") and o.progress is not None for o in objectives.rows)


def test_the_finished_pi_is_scored_the_way_safe_defines_predictability(pulled: Any) -> None:
    # The previous PI's objectives all have an actual value: per team, the actual of all its objectives
    # over the planned value of its committed ones, summed here from the simulator's model.
    sim, config, snapshot = pulled
    site = sim.site
    previous = site.pis[0]
    done = [i for i in site.issues if i.issuetype == OBJECTIVE_TYPE and i.pis == [previous]]
    results = compute_indicators(
        replace(snapshot, current_pi=previous), thresholds=config.thresholds, iterations=config.iterations
    )
    expected = {}
    for team in {i.team for i in done}:
        mine = [i for i in done if i.team == team]
        planned = sum(i.bv_planned or 0 for i in mine if UNCOMMITTED_LABEL not in i.labels)
        expected[site.teams[team].name] = sum(i.bv_actual or 0 for i in mine) / planned
    pred = results.predictability
    assert pred.available and pred.train is not None
    assert {r.scope: r.ratio for r in pred.teams} == pytest.approx(expected)
    planned_all = sum(i.bv_planned or 0 for i in done if UNCOMMITTED_LABEL not in i.labels)
    assert pred.train.ratio == pytest.approx(sum(i.bv_actual or 0 for i in done) / planned_all)
