"""Data-quality findings and the program board placement (predictability: test_risks_objectives.py).

Sprints: team A 11/12/13, team B 21/22/23 in iterations 1/2/3; snapshot on day 21. Expected values by hand.
"""

from __future__ import annotations

from datetime import datetime

from syncreport.indicators import compute_indicators
from syncreport.indicators.results import IndicatorResults
from syncreport.snapshot import ChangeEvent

from .builders import blocks, day, issue, sprint, sprints_for, train

SPRINTS = sprints_for("A", "B")


def kinds(results: IndicatorResults) -> dict[str, tuple[str, ...]]:
    return {f.kind: f.keys for f in results.data_quality}


def test_data_quality_names_each_problem_with_its_issues() -> None:
    issues = [
        issue("A-1", "A", (12,), points=3.0, pi="PI-2"),
        issue("A-2", "A", (12,), pi="PI-2"),  # missing points
        issue("A-3", "A", (12,)),  # PI unset (and missing points)
        issue("B-1", "B", (12,), points=2.0, pi="PI-2"),  # team B's issue in team A's sprint
        issue("B-2", "B", (22, 99), points=1.0, pi="PI-2"),  # sprint 99 is not in the snapshot
        issue("B-3", "B", (22, 23), points=1.0, pi="PI-9"),  # two open sprints; PI-9 not in the PI order
    ]
    found = kinds(compute_indicators(train(issues, SPRINTS)))
    assert found["missing_points"] == ("A-2", "A-3")
    assert found["pi_unset"] == ("A-3",)
    assert found["foreign_sprint"] == ("B-1",)
    assert found["unknown_sprint"] == ("B-2",)
    assert found["several_open_sprints"] == ("B-3",)
    assert found["unknown_pi"] == ("B-3",)


def test_findings_are_sorted_errors_then_warnings_then_info() -> None:
    issues = [issue("A-1", "A", (12,), points=1.0), issue("A-1", "A", (13,)), issue("A-2", None, (12,))]
    results = compute_indicators(train(issues, SPRINTS))
    assert [f.severity for f in results.data_quality] == sorted(
        (f.severity for f in results.data_quality), key=["error", "warning", "info"].index
    )
    assert kinds(results)["duplicate_issue"] == ("A-1",)


def test_naive_times_are_read_as_utc_and_reported() -> None:
    # a changelog time without a time zone: read as UTC (day 13 00:00 UTC, before the close of sprint 11)
    naive = ChangeEvent("A-1", datetime(2026, 1, 18), "status", "new", "done")
    results = compute_indicators(train([issue("A-1", "A", (11,), status="done")], SPRINTS, changes=[naive]))
    finding = next(f for f in results.data_quality if f.kind == "naive_time")
    assert finding.count == 1
    (sprint_11,) = [r for r in results.sprint_reliability if r.sprint_id == 11]
    assert sprint_11.completed == 1


def test_program_board_places_features_and_dependency_ends_by_team_and_iteration() -> None:
    # F-1's A children are in I1 (A-1) and I2 (A-2) -> card in (A, I2); its B child B-1 is in I3 -> (B, I3).
    # B-1 provides A-2: provider end in (B, I3), consumer end in (A, I2), string late.
    issues = [
        issue("F-1", "A", issue_type="Feature"),
        issue("A-1", "A", (11,), parent_key="F-1", status="done"),
        issue("A-2", "A", (12,), parent_key="F-1"),
        issue("B-1", "B", (23,), parent_key="F-1"),
        issue("B-2", "B", (), parent_key="F-1"),
    ]
    board = compute_indicators(train(issues, SPRINTS, [blocks("B-1", "A-2")])).board
    cells = {(c.team, c.iteration_index): c for c in board.cells}
    assert [card.key for card in cells[("A", 2)].features] == ["F-1"]
    assert cells[("A", 2)].features[0].children == 2
    assert [card.key for card in cells[("B", 3)].features] == ["F-1"]
    assert [(e.key, e.role, e.other_key, e.status) for e in cells[("B", 3)].dependency_ends] == [
        ("B-1", "provider", "A-2", "late")
    ]
    assert [(e.key, e.role) for e in cells[("A", 2)].dependency_ends] == [("A-2", "consumer")]
    assert [(s.provider_iteration_index, s.consumer_iteration_index, s.status) for s in board.strings] == [
        (3, 2, "late")
    ]
    assert [it.name for it in board.iterations] == ["I1", "I2", "I3"]


def test_charts_carry_series_aligned_with_their_labels() -> None:
    issues = [issue("A-1", "A", (11,), status="done"), issue("B-1", "B", (23,)), issue("A-2", "A", (12,))]
    changes = [ChangeEvent("A-1", day(3), "status", "new", "done")]
    charts = compute_indicators(
        train(issues, [*SPRINTS, sprint(14, "A", 4)], [blocks("B-1", "A-2")], changes)
    ).charts
    assert charts.dependency_status.labels[0] == "Late"
    assert charts.dependency_status.series[0].values[0] == 1.0
    reliability = {s.name: s.values for s in charts.reliability_by_iteration.series}
    assert reliability["A"][0] == 100.0  # A-1 committed and done in sprint 11 (I1)
    late = next(s for s in charts.dependencies_by_iteration.series if s.name == "Late")
    assert late.values[1] == 1.0  # needed in I2
