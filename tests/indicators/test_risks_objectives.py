"""The ROAM risk board, PI objectives and SAFe predictability, on hand-built trains.

Sprints: team A 11/12/13, team B 21/22/23 in iterations 1/2/3; snapshot on day 21 (PI-2). Expected values
are worked out by hand in each test's comment.
"""

from __future__ import annotations

from typing import Any

from syncreport.config import ThresholdSettings
from syncreport.indicators import compute_indicators, to_json_document
from syncreport.snapshot import Objective, Risk

from .builders import blocks, day, issue, sprints_for, train

SPRINTS = sprints_for("A", "B")


def objective(
    key: str, team: str, planned: float | None, actual: float | None, committed: bool | None, **kw: Any
) -> Objective:
    return Objective(
        key=key,
        summary=f"Objective {key}",
        status="In Progress",
        status_category="indeterminate",
        team=team,
        pi=kw.pop("pi", "PI-2"),
        planned_value=planned,
        actual_value=actual,
        committed=committed,
        **kw,
    )


def risk(key: str, team: str, created: float, roam: str | None = None, **kw: Any) -> Risk:
    return Risk(
        key=key,
        summary=f"Risk {key}",
        status=kw.pop("status", "Open"),
        status_category=kw.pop("status_category", "new"),
        created=day(created),
        team=team,
        roam=roam,
        **kw,
    )


# --- predictability ---------------------------------------------------------------------------------------


def test_team_predictability_is_actual_of_all_over_planned_of_committed_only() -> None:
    # A: committed O-1 at 8 of 10, uncommitted O-2 at 3 of 5 -> (8 + 3) / 10 = 110%, not 11/15 = 73%.
    # B: committed O-3 at 5 of 10 -> 50%. Train: (8 + 3 + 5) / (10 + 10) = 16/20 = 80%, in the band.
    # O-9 belongs to PI-3 and is left out.
    objectives = (
        objective("O-1", "A", 10.0, 8.0, True),
        objective("O-2", "A", 5.0, 3.0, False),
        objective("O-3", "B", 10.0, 5.0, True),
        objective("O-9", "B", 10.0, 0.0, True, pi="PI-3"),
    )
    results = compute_indicators(train([issue("A-1", "A", (12,), pi="PI-2")], SPRINTS, objectives=objectives))
    pred = results.predictability
    assert pred.available
    assert [(r.scope, r.planned, r.actual, r.ratio, r.in_band) for r in pred.teams] == [
        ("A", 10.0, 11.0, 1.1, False),
        ("B", 10.0, 5.0, 0.5, False),
    ]
    assert pred.train is not None
    assert (pred.train.planned, pred.train.actual, pred.train.ratio, pred.train.in_band) == (
        20.0,
        16.0,
        0.8,
        True,
    )
    team_a = results.objectives.teams[0]
    assert (team_a.committed, team_a.uncommitted, team_a.planned_uncommitted) == (1, 1, 5.0)


def test_predictability_during_the_pi_shows_planned_value_and_says_when_it_is_scored() -> None:
    # No actual value yet: not scored; the committed planned value (10 + 4 = 14) is shown.
    objectives = (objective("O-1", "A", 10.0, None, True), objective("O-2", "B", 4.0, None, True))
    results = compute_indicators(train([], SPRINTS, objectives=objectives))
    assert results.predictability.available is False
    assert results.predictability.reason is not None
    assert "scored at PI end" in results.predictability.reason
    assert results.objectives.train is not None
    assert (results.objectives.train.planned_committed, results.objectives.train.actual) == (14.0, None)


def test_a_team_with_an_objective_of_unknown_commitment_is_not_scored_and_it_is_a_finding() -> None:
    # O-2's commitment is unset: counting it either way would change A's figure (8/10 or 11/15), so A is
    # not scored; B (5/10 = 50%) is.
    objectives = (
        objective("O-1", "A", 10.0, 8.0, True),
        objective("O-2", "A", 5.0, 3.0, None),
        objective("O-3", "B", 10.0, 5.0, True),
    )
    results = compute_indicators(train([], SPRINTS, objectives=objectives))
    assert [(r.scope, r.ratio) for r in results.predictability.teams] == [("B", 0.5)]
    team_a = results.objectives.teams[0]
    assert team_a.reason == "commitment not set on O-2"
    assert {f.kind: f.keys for f in results.data_quality}["objective_commitment_unknown"] == ("O-2",)


def test_no_objectives_says_what_to_configure_instead_of_a_number() -> None:
    note = "no actual business value field: set [objectives] actual_value_field to ..."
    results = compute_indicators(train([], SPRINTS, objective_notes=(note,)))
    assert results.objectives.available is False
    assert results.objectives.notes == (note,)
    assert results.predictability.available is False
    assert results.predictability.reason is not None and note in results.predictability.reason


# --- objective progress and forecast ----------------------------------------------------------------------


def test_objective_progress_is_the_share_of_its_features_points_done_and_a_late_feature_puts_it_at_risk() -> (
    None
):
    # O-1 -> F-1 (children A-1: 3 points done, A-2: 5 points) and F-2 (done; child A-3: 2 points not done,
    # counted done because its feature is). Progress (3 + 2) / (3 + 5 + 2) = 50%.
    # A-2 (iteration 3) provides B-1 (iteration 2): late, so O-1 is at risk.
    # O-2 -> F-3, no children, not done, nothing late: on track, progress 0 of 1 issue.
    # O-3 links only X-1, which is not in the train: "no linked feature", X-1 listed as outside.
    issues = [
        issue("F-1", "A", issue_type="Feature", pi="PI-2"),
        issue("F-2", "A", status="done", issue_type="Feature", pi="PI-2"),
        issue("F-3", "A", issue_type="Feature", pi="PI-2"),
        issue("A-1", "A", (12,), status="done", points=3.0, parent_key="F-1", pi="PI-2"),
        issue("A-2", "A", (13,), points=5.0, parent_key="F-1", pi="PI-2"),
        issue("A-3", "A", (12,), points=2.0, parent_key="F-2", pi="PI-2"),
        issue("B-1", "B", (22,), points=1.0, pi="PI-2"),
    ]
    objectives = (
        objective("O-1", "A", 8.0, None, True, linked_keys=("F-1", "F-2")),
        objective("O-2", "A", 3.0, None, True, linked_keys=("F-3",)),
        objective("O-3", "A", 2.0, None, False, linked_keys=("X-1",)),
    )
    results = compute_indicators(train(issues, SPRINTS, links=[blocks("A-2", "B-1")], objectives=objectives))
    rows = {r.key: r for r in results.objectives.rows}
    o1 = rows["O-1"]
    assert (o1.unit, o1.work_done, o1.work_total, o1.progress) == ("points", 5.0, 10.0, 0.5)
    assert o1.forecast == "at_risk"
    assert o1.forecast_reason == "A-2 is late for B-1"
    o2 = rows["O-2"]
    assert (o2.unit, o2.work_done, o2.work_total, o2.forecast) == ("issues", 0.0, 1.0, "on_track")
    o3 = rows["O-3"]
    assert (o3.forecast, o3.features, o3.outside, o3.progress) == ("no_features", (), ("X-1",), None)
    # rows: committed first, then highest planned value
    assert [r.key for r in results.objectives.rows] == ["O-1", "O-2", "O-3"]


# --- the ROAM board --------------------------------------------------------------------------------------


def test_roam_board_columns_order_findings_and_health() -> None:
    # Snapshot on day 21, [thresholds] risk_roam_days 5.
    # High, created day 12 (9 days old), not ROAMed, linked to A-2 which is late for B-1
    #      -> findings risk_not_roamed and risk_late_dependency; team A amber; an error attention item.
    # Highest, created day 19 (2 days old), not ROAMed: within the threshold, no finding.
    # Medium, owned, no owner -> finding risk_without_owner.
    # High, resolved -> last, not open.
    # Low, accepted since day 15 -> 6 days in state.
    # Order: open first; high first; not ROAMed first; linked to a late dependency first; oldest first
    # -> R-1, R-2 (high, not ROAMed; R-1 linked late), then R-3 (11 days old) before R-5 (8 days), then R-4.
    issues = [
        issue("A-2", "A", (13,), points=5.0, pi="PI-2"),
        issue("B-1", "B", (22,), points=1.0, pi="PI-2"),
    ]
    risks = (
        risk("R-1", "A", 12, priority="High", linked_keys=("A-2",)),
        risk("R-2", "B", 19, priority="Highest"),
        risk("R-3", "B", 10, "owned", roam_since=day(11), priority="Medium"),
        risk("R-4", "A", 5, "resolved", roam_since=day(9), priority="High", owner="Ada"),
        risk("R-5", "B", 13, "accepted", roam_since=day(15), priority="Low", owner="Bo"),
    )
    results = compute_indicators(
        train(issues, SPRINTS, links=[blocks("A-2", "B-1")], risks=risks),
        thresholds=ThresholdSettings(risk_roam_days=5),
    )
    board = results.risks
    assert [r.key for r in board.rows] == ["R-1", "R-2", "R-3", "R-5", "R-4"]
    assert {c.state: c.count for c in board.counts} == {
        "not_roamed": 2,
        "owned": 1,
        "accepted": 1,
        "mitigated": 0,
        "resolved": 1,
    }
    assert board.open_high == 2
    r1 = board.rows[0]
    assert r1.age_days == 9 and r1.late_dependencies == ("A-2 -> B-1",)
    assert board.rows[3].days_in_state == 6
    found = {f.kind: f.keys for f in results.data_quality}
    assert found["risk_not_roamed"] == ("R-1",)
    assert found["risk_without_owner"] == ("R-3",)
    assert found["risk_late_dependency"] == ("R-1",)
    team_a = next(t for t in results.teams if t.team == "A")
    assert "1 high risk not ROAMed within 5 days (R-1)" in team_a.reasons
    assert team_a.health in ("amber", "red")
    risk_items = [a for a in results.attention if a.kind == "high_risk"]
    assert [(a.severity, a.keys[0]) for a in risk_items] == [("error", "R-1"), ("warning", "R-2")]


def test_risk_changes_since_the_last_run_name_new_risks_and_roam_moves() -> None:
    # Last run: R-1 not ROAMed, R-2 owned, R-3 accepted. Now: R-1 owned, R-2 owned, R-3 gone, R-4 new.
    before = train(
        [],
        SPRINTS,
        risks=(risk("R-1", "A", 5), risk("R-2", "A", 5, "owned"), risk("R-3", "B", 5, "accepted")),
    )
    now = train(
        [], SPRINTS, risks=(risk("R-1", "A", 5, "owned"), risk("R-2", "A", 5, "owned"), risk("R-4", "B", 20))
    )
    previous = to_json_document(compute_indicators(before))
    changes = compute_indicators(now, previous=previous).risks
    assert changes.changes_available
    # in the board's order (R-4, not ROAMed, before R-1, owned), then the risks gone; R-2 did not change
    assert [(c.key, c.previous, c.roam) for c in changes.changes] == [
        ("R-4", None, "not_roamed"),
        ("R-1", "not_roamed", "owned"),
        ("R-3", "accepted", None),
    ]


def test_an_older_previous_document_without_risks_says_so() -> None:
    previous = to_json_document(compute_indicators(train([], SPRINTS)))
    del previous["risks"]
    board = compute_indicators(train([], SPRINTS, risks=(risk("R-1", "A", 5),)), previous=previous).risks
    assert (board.changes_available, board.changes) == (False, ())
    assert board.changes_reason is not None and "did not record risks" in board.changes_reason
