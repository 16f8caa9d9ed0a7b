"""End to end: the simulator's generated train, pulled through the real client, through the indicators.

The expected answers are the generator's planted scenarios (``site.scenarios``): each dependency status of
docs/indicators.md, two cycles, same-team links and a provider carried over after its link was made, each worked
out by rule when the generator placed it. The off-cadence team runs its sprints 3 days late.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from syncreport.config import Config, config_from_dict
from syncreport.indicators import compute_indicators, report_schema, to_json_document
from syncreport.indicators.results import IndicatorResults
from syncreport.jira import pull_snapshot
from syncreport.kinds import DEPENDENCY_STATUSES
from syncreport.simulator import demo_config, start_simulator
from syncreport.snapshot import Snapshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pulled() -> Iterator[tuple[Any, Config, IndicatorResults, Snapshot]]:
    with start_simulator(deployment="cloud", issues=400, seed=11) as sim:
        data = demo_config(sim, token_env="SYNCREPORT_IND_E2E_TOKEN")
        data["cache"] = {"enabled": False}
        config = config_from_dict(data, source="<e2e config>")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SYNCREPORT_IND_E2E_TOKEN", sim.token)
            snapshot = pull_snapshot(config)
        results = compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations)
        yield sim, config, results, snapshot


def test_every_planted_dependency_gets_the_status_worked_out_by_rule(pulled: Any) -> None:
    sim, _, results, _ = pulled
    ours = {(d.consumer.key, d.provider.key): d.status for d in results.dependencies}
    planted = [s for s in sim.site.scenarios if s.status in DEPENDENCY_STATUSES]
    assert {s.status for s in planted} == set(DEPENDENCY_STATUSES)
    mismatches = [
        (s.note, s.status, ours.get((s.consumer, s.provider)))
        for s in planted
        if ours.get((s.consumer, s.provider)) != s.status
    ]
    assert mismatches == []


def test_planted_cycles_and_same_team_links_are_found(pulled: Any) -> None:
    sim, _, results, _ = pulled
    in_cycles = {key for cycle in results.cycles for key in cycle.keys}
    cycle_keys = {k for s in sim.site.scenarios if s.status == "cycle" for k in (s.provider, s.consumer)}
    assert cycle_keys <= in_cycles
    assert len(results.cycles) >= 2
    same = {(d.consumer.key, d.provider.key) for d in results.same_team_links}
    planted_same = {(s.consumer, s.provider) for s in sim.site.scenarios if s.status == "same_team"}
    assert planted_same and planted_same <= same


def test_provider_carried_over_after_the_link_is_a_dependency_slip(pulled: Any) -> None:
    sim, _, results, _ = pulled
    (slip,) = [s for s in sim.site.scenarios if "dependency slip" in s.note]
    dep = next(
        d for d in results.dependencies if (d.consumer.key, d.provider.key) == (slip.consumer, slip.provider)
    )
    assert dep.provider_slipped
    provider = next(i for i in results.issues if i.key == slip.provider)
    assert provider.carry_over == 2


def test_the_off_cadence_team_is_the_only_one_flagged_and_the_export_is_valid(pulled: Any) -> None:
    _, _, results, _ = pulled
    off_teams = {row.team for row in results.off_cadence}
    assert len(off_teams) == 1
    assert all(abs(row.start_offset_days) == 3 for row in results.off_cadence)
    assert results.calendar.source in ("configured", "derived")
    assert results.calendar.current_index is not None
    document = to_json_document(results)
    Draft202012Validator(report_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        document
    )
    assert len(document["issues"]) == results.train.issue_count


def test_a_second_run_over_the_same_data_reports_no_change(pulled: Any) -> None:
    # the same snapshot compared with its own export: nothing turned late, recovered, slipped or resolved
    snapshot, config, results = pulled[3], pulled[1], pulled[2]
    again = compute_indicators(
        snapshot,
        thresholds=config.thresholds,
        iterations=config.iterations,
        previous=to_json_document(results),
    ).changes
    assert again.available
    assert (again.turned_late, again.recovered, again.new_dependencies, again.removed_dependencies) == (
        (),
        (),
        (),
        (),
    )
    assert (again.newly_slipped, again.resolved) == ((), ())


def test_derived_calendar_matches_the_configured_one(pulled: Any) -> None:
    # the simulator's PI is six 14-day sprints from the configured pi_start; deriving the calendar from the
    # boards' sprints (three PIs of them) and cutting it to the report's PI must find the same six iterations
    _, config, configured, snapshot = pulled
    derived = compute_indicators(snapshot, thresholds=config.thresholds)
    assert derived.calendar.source == "derived"
    # derived windows are the sprints' own times (08:00 starts); the configured ones start at 00:00
    assert [i.start.date() for i in derived.calendar.iterations] == [
        i.start.date() for i in configured.calendar.iterations
    ]
    assert [(d.consumer.key, d.provider.key, d.status) for d in derived.dependencies] == [
        (d.consumer.key, d.provider.key, d.status) for d in configured.dependencies
    ]


def test_carry_over_and_sprints_passed_match_the_generated_paths(pulled: Any) -> None:
    # The generator walks each issue along a path of sprints, moving it on unfinished at each close
    # ("38" -> "38, 41"): every closed sprint of the path before the last is one carry-over, and the
    # path (oldest first) is the order the issue entered its sprints.
    sim, _, results, snapshot = pulled
    names = {s.id: s.name for s in snapshot.sprints}
    state = {s.id: s.state for s in snapshot.sprints}
    for row in results.issues:
        path = sim.site.by_key[row.key].sprints
        assert row.sprints_passed == tuple(names[i] for i in path), row.key
        assert row.carry_over == sum(1 for i in path[:-1] if state[i] == "closed"), row.key


def test_rules_for_real_sites_hold_on_the_simulated_train(pulled: Any) -> None:
    # The generator planted (see simulator/scenarios.py, rule_scenarios): done consumers of open providers; SEC-1 (open,
    # not browsable) providing for a train issue; SEC-2 and a train issue, both done, needing each other;
    # done transitions into the deleted status "Resolved" (resolution set in the same history); one move
    # into the deleted "In QA" with no resolution.
    sim, _, results, snapshot = pulled
    planted_clean_up = {(s.consumer, s.provider) for s in sim.site.scenarios if s.status == "consumer_done"}
    assert planted_clean_up <= {(d.consumer.key, d.provider.key) for d in results.clean_up}
    # SEC-1: external, with the status its link shows; SEC-2's cycle is listed but not open (both done)
    sec = {(d.consumer.key, d.provider.key): d for d in results.dependencies if "SEC-" in d.provider.key}
    (external,) = [d for d in sec.values() if d.status == "external"]
    assert external.reason.endswith("its link shows " + external.provider.status)
    (cycle,) = [c for c in results.cycles if any(k.startswith("SEC-") for k in c.keys)]
    assert not [a for a in results.attention if a.kind == "cycle" and set(a.keys) & set(cycle.keys)]
    # "Resolved" (deleted) is done through the resolution of the same history; "In QA" is unknown: a finding
    resolved = [c for c in snapshot.changes if c.field == "status" and c.to_string == "Resolved"]
    assert len(resolved) >= 2 and {c.to_value for c in resolved} == {"done"}
    unknown = next(f for f in results.data_quality if f.kind == "unknown_status")
    assert unknown.count == 1 and "In QA" in unknown.detail and "Resolved" not in unknown.detail


def test_teams_from_several_components_are_picked_by_the_documented_rule(pulled: Any) -> None:
    # The simulator gives every team issue its team's component, and every third issue (by id) also
    # "Shared Services". With team_source = "component" and the train's teams configured, the configured
    # team wins over "Shared Services": every issue keeps the team its Team field gives, and the issues with
    # two components are the several_components finding.
    sim, _, by_field, _ = pulled
    data = demo_config(sim, token_env="SYNCREPORT_IND_E2E_TOKEN")
    data["cache"] = {"enabled": False}
    data["train"]["team_source"] = "component"
    components = config_from_dict(data, source="<e2e config>")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SYNCREPORT_IND_E2E_TOKEN", sim.token)
        snapshot = pull_snapshot(components)
    results = compute_indicators(snapshot, thresholds=components.thresholds, iterations=components.iterations)
    assert {i.key: i.team for i in results.issues} == {i.key: i.team for i in by_field.issues}
    site = sim.site
    expected = {i.key for i in site.issues if i.team is not None and i.id % 3 == 0} & {
        i.key for i in results.issues
    }
    finding = next(f for f in results.data_quality if f.kind == "several_components")
    assert expected and set(finding.keys) == expected
