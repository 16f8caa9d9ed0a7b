"""The iteration calendar: configured, derived from sprint windows, sprint -> iteration, issue -> latest sprint.

Day 0 is Monday 2026-01-05 (UTC); standard sprints run 14 days (builders.sprint). Expected iterations are
worked out from those day numbers by hand.
"""

from __future__ import annotations

from datetime import date

from syncreport.config import IterationSettings
from syncreport.indicators import compute_indicators

from .builders import blocks, day, issue, sprint, sprints_for, train


def test_configured_calendar_has_count_iterations_of_length_days() -> None:
    settings = IterationSettings(pi_start=date(2026, 1, 5), length_days=10, count=4)
    results = compute_indicators(train([issue("A-1", "A", (11,))], sprints_for("A")), iterations=settings)
    cal = results.calendar
    assert cal.source == "configured"
    assert [(it.name, it.start, it.end) for it in cal.iterations] == [
        ("I1", day(0), day(10)),
        ("I2", day(10), day(20)),
        ("I3", day(20), day(30)),
        ("I4", day(30), day(40)),
    ]
    # taken on day 21: I3 is current, I1 and I2 past, I4 future
    assert [it.state for it in cal.iterations] == ["past", "past", "current", "future"]
    assert cal.current_index == 3


def test_derived_calendar_keeps_the_windows_most_teams_use() -> None:
    # A, B, C share the standard windows; D's sprints are shifted by 2 days, used by one team only and
    # overlapping the standard ones, so they are dropped. D's first sprint (days 2-16) overlaps I1 by 12 days.
    shifted = [sprint(40 + n, "D", n, start_shift=2, end_shift=2) for n in (1, 2, 3)]
    issues = [issue("D-1", "D", (41,))]
    results = compute_indicators(train(issues, [*sprints_for("A", "B", "C"), *shifted]))
    assert [(it.start, it.end) for it in results.calendar.iterations] == [
        (day(0), day(14)),
        (day(14), day(28)),
        (day(28), day(42)),
    ]
    assert results.calendar.source == "derived"
    assert next(i for i in results.issues if i.key == "D-1").iteration_name == "I1"


def test_sprint_overlapping_two_iterations_equally_belongs_to_the_earlier() -> None:
    # D's sprint runs days 7-21: 7 days in I1 (0-14) and 7 days in I2 (14-28) -> I1
    odd = sprint(49, "D", 1, start_shift=7, end_shift=7)
    results = compute_indicators(train([issue("D-1", "D", (49,))], [*sprints_for("A", "B"), odd]))
    assert next(i for i in results.issues if i.key == "D-1").iteration_index == 1


def test_issue_in_several_sprints_belongs_to_its_latest() -> None:
    # closed sprint 11 (I1), closed... then active 12 (I2): Jira keeps closed sprints in the field
    results = compute_indicators(train([issue("A-1", "A", (12, 11))], sprints_for("A")))
    row = results.issues[0]
    assert (row.sprint, row.iteration_name) == ("A Sprint 2", "I2")


def test_future_sprint_without_dates_follows_its_boards_last_dated_sprint() -> None:
    # A's last dated sprint is 13 (I3); undated future sprints 14 and 15 follow A's cadence (issue 10: real
    # future sprints have no dates), one sprint each after 13: the derived calendar has 5 iterations, not the
    # 3 dated ones, and 15 is I5, later than B-1's I2.
    undated = [sprint(14, "A", 4, "future", dated=False), sprint(15, "A", 5, "future", dated=False)]
    issues = [issue("A-1", "A", (15,)), issue("B-1", "B", (22,))]
    snapshot = train(issues, [*sprints_for("A", "B"), *undated], [blocks("A-1", "B-1")])
    results = compute_indicators(snapshot)
    dep = results.dependencies[0]
    assert (dep.provider.iteration_name, dep.provider.iteration_index, dep.status) == ("I5", 5, "late")
    assert len(results.calendar.iterations) == 5
    kinds = {f.kind: f.keys for f in results.data_quality}
    assert kinds["future_sprint_without_dates"] == ("15",)


def test_closed_sprint_without_dates_gives_no_iteration_and_an_at_risk_dependency() -> None:
    undated = sprint(19, "A", 1, "closed", dated=False)
    issues = [issue("A-1", "A", (19,)), issue("B-1", "B", (21,))]
    results = compute_indicators(train(issues, [*sprints_for("B"), undated], [blocks("B-1", "A-1")]))
    dep = results.dependencies[0]
    assert dep.consumer.iteration_index is None
    assert dep.status == "at_risk"
    assert "iteration unknown" in dep.reason
    assert {f.kind: f.keys for f in results.data_quality}["sprint_without_dates"] == ("19",)


def test_no_dated_sprint_and_no_configuration_means_no_calendar() -> None:
    undated = [sprint(11, "A", 1, "future", dated=False)]
    results = compute_indicators(train([issue("A-1", "A", (11,))], undated))
    assert (results.calendar.source, results.calendar.iterations) == ("none", ())
    assert "no_calendar" in {f.kind for f in results.data_quality}


def test_derived_calendar_is_cut_to_the_reports_pi() -> None:
    # boards hold 9 sprints: windows 1-3 carry PI-1 work, 4-6 PI-2 (the report's PI), 7-9 PI-3.
    # The calendar is windows 4-6 as I1-I3; window 2 is "before I1", window 7 "after I3" and still later.
    sprints = sprints_for("A", "B", iterations=9, now_day=60)
    issues = [
        issue("A-1", "A", (12,), pi="PI-1"),
        issue("A-5", "A", (15,), pi="PI-2"),
        issue("B-4", "B", (24,), pi="PI-2"),
        issue("B-6", "B", (26,), pi="PI-2"),
        issue("B-7", "B", (27,), pi="PI-3"),
    ]
    results = compute_indicators(train(issues, sprints, [blocks("B-7", "A-5")], now=60))
    assert [(it.name, it.start) for it in results.calendar.iterations] == [
        ("I1", day(42)),
        ("I2", day(56)),
        ("I3", day(70)),
    ]
    assert results.calendar.current_index == 2  # day 60
    names = {i.key: i.iteration_name for i in results.issues}
    assert names == {"A-1": "before I1", "A-5": "I2", "B-4": "I1", "B-6": "I3", "B-7": "after I3"}
    assert results.dependencies[0].status == "late"


def test_issues_are_listed_in_natural_key_order() -> None:
    issues = [issue("A-10", "A"), issue("A-2", "A"), issue("B-1", "B"), issue("A-1", "A")]
    assert [i.key for i in compute_indicators(train(issues, sprints_for("A"))).issues] == [
        "A-1",
        "A-2",
        "A-10",
        "B-1",
    ]
