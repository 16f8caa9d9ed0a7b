"""Feature progress and forecast, capacity against load, and the PI baseline, on hand-built trains.

The PI is configured with five iterations of 14 days from day 0 (I1 = days 0-14, ..., I5 = days 56-70);
team A's sprint ``10 + n`` lies in iteration n (sprint 16 is the sixth window: after the PI). Each expected
answer is worked out by hand in the comment above its assertion.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from syncreport.config import CapacitySettings, IterationSettings, ThresholdSettings
from syncreport.indicators import compute_indicators, to_json_document
from syncreport.indicators.export import report_schema
from syncreport.indicators.plan import BaselineInput
from syncreport.indicators.results import FeatureRow, IndicatorResults
from syncreport.snapshot import Snapshot, Sprint

from .builders import blocks, issue, sprint, train

FIVE = IterationSettings(pi_start=date(2026, 1, 5), length_days=14, count=5)


def _sprints(team: str, now_day: float, windows: int = 6) -> list[Sprint]:
    base = {"A": 10, "B": 20}[team]
    return [sprint(base + n, team, n, now_day=now_day) for n in range(1, windows + 1)]


def _feature(results: IndicatorResults, key: str) -> FeatureRow:
    return next(f for f in results.features.rows if f.key == key)


def test_a_feature_with_children_in_i3_and_i6_of_a_five_iteration_pi_will_not_finish() -> None:
    # F-1's children: A-1 in I3 (sprint 13), A-2 in the sixth window (sprint 16), after the PI's last
    # iteration I5 -> will not finish in the PI; progress 0 of 3 + 5 = 8 points; forecast iteration "after I5"
    issues = [
        issue("F-1", "A", issue_type="Feature", pi="PI-2"),
        issue("A-1", "A", (13,), parent_key="F-1", pi="PI-2", points=3.0),
        issue("A-2", "A", (16,), parent_key="F-1", pi="PI-2", points=5.0),
    ]
    results = compute_indicators(train(issues, _sprints("A", 21)), iterations=FIVE)
    f1 = _feature(results, "F-1")
    assert (f1.forecast, f1.total, f1.completed, f1.progress) == ("will_not_finish", 8.0, 0.0, 0.0)
    assert (f1.last_ordinal, f1.last_iteration, f1.reasons) == (6, "after I5", ("A-2 is planned after I5",))
    # ... and it is on the attention list, and counted in the summary counts
    assert [(a.kind, a.keys) for a in results.attention] == [("feature_will_not_finish", ("F-1",))]
    assert {c.forecast: c.count for c in results.features.counts}["will_not_finish"] == 1
    # the board card in A's sixth-window cell is off the board; the I3 child is not the last one
    card = next(c for cell in results.board.cells for c in cell.features if c.key == "F-1")
    assert (card.forecast, card.progress) == ("will_not_finish", 0.0)


def test_every_forecast_and_the_features_section_is_sorted_by_risk() -> None:
    # today is day 21 (I2). F-2: a child in PI-3 -> will not finish; F-3: children in no sprint -> no plan;
    # F-4: a Feature with no child -> no stories; F-5: last open child in I5, the PI's last iteration -> at
    # risk; F-6: child B-1 (I3) needs B-9 (I4) which is late -> at risk; F-7: children in I2 and I3, one of
    # two done (1 of 2 issues: no points) -> on track, 50%; F-8: done.
    issues = [
        issue("F-2", "A", issue_type="Feature", pi="PI-2"),
        issue("A-20", "A", (12,), parent_key="F-2", pi="PI-2"),
        issue("A-21", "A", parent_key="F-2", pi="PI-3"),
        issue("F-3", "A", issue_type="Feature", pi="PI-2"),
        issue("A-30", "A", parent_key="F-3", pi="PI-2"),
        issue("F-4", "A", issue_type="Feature", pi="PI-2"),
        issue("F-5", "A", issue_type="Feature", pi="PI-2"),
        issue("A-50", "A", (15,), parent_key="F-5", pi="PI-2"),
        issue("F-6", "B", issue_type="Feature", pi="PI-2"),
        issue("B-1", "B", (23,), parent_key="F-6", pi="PI-2"),
        issue("A-9", "A", (14,), pi="PI-2"),
        issue("F-7", "A", issue_type="Feature", pi="PI-2"),
        issue("A-70", "A", (12,), parent_key="F-7", pi="PI-2", status="done"),
        issue("A-71", "A", (13,), parent_key="F-7", pi="PI-2"),
        issue("F-8", "A", issue_type="Feature", pi="PI-2", status="done"),
        issue("A-80", "A", (11,), parent_key="F-8", pi="PI-2", status="done"),
        issue("F-9", "A", issue_type="Feature", pi="PI-3"),  # next PI's feature: not in this report
    ]
    snapshot = train(issues, _sprints("A", 21) + _sprints("B", 21), [blocks("A-9", "B-1")])
    results = compute_indicators(snapshot, iterations=FIVE)
    assert [(f.key, f.forecast) for f in results.features.rows] == [
        ("F-2", "will_not_finish"),
        ("F-3", "no_plan"),
        ("F-4", "no_stories"),
        ("F-5", "at_risk"),
        ("F-6", "at_risk"),
        ("F-7", "on_track"),
        ("F-8", "done"),
    ]
    assert _feature(results, "F-2").reasons == ("A-21 is planned in PI-3",)
    assert _feature(results, "F-3").reasons == ("none of its 1 children is in a sprint",)
    assert _feature(results, "F-5").reasons == (
        "its last open story is planned in the PI's last iteration (I5)",
    )
    assert _feature(results, "F-6").reasons == ("B-1 waits for the late A-9",)
    f7 = _feature(results, "F-7")
    assert (f7.unit, f7.children, f7.children_done, f7.progress, f7.last_iteration) == (
        "issues",
        2,
        1,
        0.5,
        "I3",
    )
    assert {c.forecast: c.count for c in results.features.counts} == {
        "will_not_finish": 1,
        "no_plan": 1,
        "no_stories": 1,
        "at_risk": 2,
        "on_track": 1,
        "done": 1,
    }


def _loaded_train(now_day: float = 49) -> Snapshot:
    # A's closed sprints 11-13 completed 18, 20 and 22 points; I4 (sprint 14, active on day 49) holds 28
    issues = [issue("F-1", "A", issue_type="Feature", pi="PI-2")]
    for n, points in ((1, 18.0), (2, 20.0), (3, 22.0)):
        issues.append(
            issue(f"A-{n}", "A", (10 + n,), status="done", parent_key="F-1", pi="PI-2", points=points)
        )
    for n, points in ((4, 13.0), (5, 8.0), (6, 7.0)):
        issues.append(issue(f"A-{n}", "A", (14,), parent_key="F-1", pi="PI-2", points=points))
    return train(issues, _sprints("A", now_day, windows=5), now=now_day)


def test_velocity_18_20_22_and_28_points_planned_is_140_percent_and_flagged() -> None:
    # velocity = (18 + 20 + 22) / 3 = 20; I4 planned 13 + 8 + 7 = 28 -> 28 / 20 = 140% > 110%: overloaded
    results = compute_indicators(_loaded_train(), iterations=FIVE)
    team_a = next(t for t in results.capacity.teams if t.team == "A")
    assert (team_a.velocity, team_a.velocity_source, team_a.completed) == (
        20.0,
        "measured",
        (18.0, 20.0, 22.0),
    )
    i4 = team_a.loads[3]
    assert (i4.iteration_name, i4.planned, i4.load, i4.overloaded) == ("I4", 28.0, 1.4, True)
    # I3 held 22 of 20 (110%, not beyond) and is past anyway: never flagged
    assert (team_a.loads[2].load, team_a.loads[2].overloaded) == (1.1, False)
    assert team_a.overloaded == ("I4",)
    # an overloaded iteration makes the team amber, the reason names it
    health = next(t for t in results.teams if t.team == "A")
    assert (health.health, health.reasons) == (
        "amber",
        ("I4 planned at 140% of its velocity 20 points (amber beyond 110%)",),
    )
    # the board's A x I4 cell carries the load
    cell = next(c for c in results.board.cells if (c.team, c.iteration_index) == ("A", 4))
    assert cell.load is not None and cell.load.load == 1.4


def test_a_velocity_with_a_third_says_one_decimal_in_the_reason() -> None:
    # closed sprints of 18, 20 and 21 points: velocity (18 + 20 + 21) / 3 = 19.666.. (kept exact), said as
    # "19.7 points"; I4 planned 28 -> 28 / 19.67 = 142.4% -> "142%" beyond 110%: overloaded
    snapshot = _loaded_train()
    issues = tuple(dataclasses.replace(i, points=21.0) if i.key == "A-3" else i for i in snapshot.issues)
    results = compute_indicators(dataclasses.replace(snapshot, issues=issues), iterations=FIVE)
    team_a = next(t for t in results.capacity.teams if t.team == "A")
    assert team_a.velocity == pytest.approx(59 / 3)
    health = next(t for t in results.teams if t.team == "A")
    assert health.reasons == ("I4 planned at 142% of its velocity 19.7 points (amber beyond 110%)",)


def test_velocity_sprints_configured_velocity_and_threshold() -> None:
    # the last 2 sprints: (20 + 22) / 2 = 21 -> 28 / 21 = 133%, still beyond 110%
    two = compute_indicators(_loaded_train(), iterations=FIVE, capacity=CapacitySettings(velocity_sprints=2))
    assert next(t for t in two.capacity.teams if t.team == "A").velocity == 21.0
    # velocity 30 set by hand: 28 / 30 = 93%, not overloaded; the team stays green
    by_hand = compute_indicators(
        _loaded_train(), iterations=FIVE, capacity=CapacitySettings(velocity={"A": 30})
    )
    a = next(t for t in by_hand.capacity.teams if t.team == "A")
    assert (a.velocity_source, a.overloaded) == ("configured", ())
    assert next(t for t in by_hand.teams if t.team == "A").health == "green"
    # overload_share 1.5: 140% is within it; 0 switches the rule off
    for share in (1.5, 0.0):
        relaxed = compute_indicators(
            _loaded_train(), iterations=FIVE, thresholds=ThresholdSettings(overload_share=share)
        )
        assert next(t for t in relaxed.capacity.teams if t.team == "A").overloaded == ()


def _planning_train(now_day: float, *, later: bool) -> Snapshot:
    # At planning (day 3, in I1): F-1 with A-1 (I2, 5 points) and A-2 (I2, 5 points), F-2 with B-1 (I3, 3).
    # Later (day 35, I3): A-2 moved to I4, F-2 was dropped (B-1 moved to PI-3 with it), F-3 was added with
    # A-3 (I4, 8 points), and A-1 now depends on B-1 (a dependency agreed after planning).
    issues = [
        issue("F-1", "A", issue_type="Feature", pi="PI-2"),
        issue("A-1", "A", (12,), parent_key="F-1", pi="PI-2", points=5.0),
        issue("A-2", "A", (14 if later else 12,), parent_key="F-1", pi="PI-2", points=5.0),
        issue("F-2", "B", issue_type="Feature", pi="PI-3" if later else "PI-2"),
        issue(
            "B-1", "B", () if later else (23,), parent_key="F-2", pi="PI-3" if later else "PI-2", points=3.0
        ),
    ]
    links = []
    if later:
        issues += [
            issue("F-3", "A", issue_type="Feature", pi="PI-2"),
            issue("A-3", "A", (14,), parent_key="F-3", pi="PI-2", points=8.0),
            issue("B-2", "B", (22,), pi="PI-2", points=2.0),
        ]
        links = [blocks("B-2", "A-1")]
    return train(issues, _sprints("A", now_day, 5) + _sprints("B", now_day, 5), links, now=now_day)


def test_the_first_run_in_i1_is_the_baseline_and_a_later_run_shows_what_moved() -> None:
    planning = compute_indicators(_planning_train(3, later=False), iterations=FIVE)
    # day 3 is inside I1 (days 0-14) and no baseline is kept: this run is it
    assert (planning.baseline.available, planning.baseline.take_now) == (True, True)
    document = to_json_document(planning)
    later = compute_indicators(
        _planning_train(35, later=True), iterations=FIVE, baseline=BaselineInput(document)
    ).baseline
    assert (later.available, later.take_now, later.taken_at) == (True, False, planning.train.generated_at)
    # F-3 is new, F-2 left the PI; F-1's last child moved from I2 to I4: 2 iterations later
    assert [f.key for f in later.features_added] == ["F-3"]
    assert [f.key for f in later.features_removed] == ["F-2"]
    assert [(m.key, m.before, m.after, m.iterations) for m in later.features_moved] == [
        ("F-1", "I2", "I4", 2)
    ]
    # B-2 -> A-1 was agreed after planning
    assert [(d.provider, d.consumer) for d in later.dependencies_added] == [("B-2", "A-1")]
    # committed points: A 10 then, 18 now (+80%); B 3 then (B-1, PI-2), 2 now (B-2; B-1 is in PI-3)
    scope = {s.team: (s.baseline, s.now, s.growth) for s in later.scope}
    assert scope["A"] == (10.0, 18.0, 0.8)
    assert scope["B"] == (3.0, 2.0, -1 / 3)


def test_no_baseline_says_when_it_will_be_taken() -> None:
    # day -3, before I1 starts: it will be taken by the first run in I1
    before = compute_indicators(_planning_train(-3, later=False), iterations=FIVE).baseline
    assert (before.available, before.take_now) == (False, False)
    assert (
        before.reason == "no baseline yet: it will be taken by the first run in I1, 2026-01-05 to 2026-01-19"
    )
    # day 35 with nothing kept: I1 is over, say how to name one
    missed = compute_indicators(_planning_train(35, later=True), iterations=FIVE).baseline
    assert missed.reason is not None and missed.reason.startswith(
        "no baseline for \u2068PI-2\u2069: no run was kept"
    )
    # [baseline] date 2026-02-16 (day 42): not yet on day 35; taken on day 42
    when = date(2026, 2, 16)
    waiting = compute_indicators(
        _planning_train(35, later=True), iterations=FIVE, baseline=BaselineInput(take_from=when)
    ).baseline
    assert waiting.reason == "no baseline yet: it will be taken by the first run on or after 2026-02-16"
    taken = compute_indicators(
        _planning_train(42, later=True), iterations=FIVE, baseline=BaselineInput(take_from=when)
    ).baseline
    assert taken.take_now


def test_a_baseline_of_another_pi_or_an_older_document_is_said_so() -> None:
    planning = to_json_document(compute_indicators(_planning_train(3, later=False), iterations=FIVE))
    other = {**planning, "train": {**planning["train"], "pi": "PI-1"}}
    result = compute_indicators(
        _planning_train(35, later=True), iterations=FIVE, baseline=BaselineInput(other)
    )
    assert (
        result.baseline.reason
        == "the baseline is of \u2068PI-1\u2069, not of \u2068PI-2\u2069: name this PI's planning in [baseline]"
    )
    # a document of an older syncreport (no features, no capacity): dependencies compared, the rest said so
    old = {k: v for k, v in planning.items() if k not in ("features", "capacity", "baseline")}
    old["schema_version"] = 2
    compared = compute_indicators(
        _planning_train(35, later=True), iterations=FIVE, baseline=BaselineInput(old)
    )
    assert compared.baseline.available and compared.baseline.features_added == ()
    assert [(d.provider, d.consumer) for d in compared.baseline.dependencies_added] == [("B-2", "A-1")]
    assert len(compared.baseline.notes) == 2


def test_the_export_carries_features_capacity_and_baseline_and_is_valid() -> None:
    import jsonschema

    planning = to_json_document(compute_indicators(_planning_train(3, later=False), iterations=FIVE))
    results = compute_indicators(
        _planning_train(35, later=True), iterations=FIVE, baseline=BaselineInput(planning)
    )
    document = to_json_document(results)
    jsonschema.validate(document, report_schema())
    assert document["features"]["counts"]["on_track"] == 2
    assert [f["key"] for f in document["features"]["features"]] == ["F-1", "F-3"]
    assert document["baseline"]["features_moved"] == [
        {"key": "F-1", "team": "A", "before": "I2", "after": "I4", "iterations": 2}
    ]
    team_a = next(t for t in document["capacity"]["teams"] if t["team"] == "A")
    assert (team_a["committed"], team_a["loads"][3]["planned"]) == (18.0, 13.0)
