"""Slippage from the changelog: carry-over, due-date and PI slips, sprint commitment reliability, ageing.

Sprints: team A 11/12/13 over days 0-14/14-28/28-42 (builders.sprints_for); sprint 11 closes on day 14.
Each expected figure is worked out by hand in the test's comment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from syncreport.config import IterationSettings
from syncreport.indicators import compute_indicators
from syncreport.indicators.results import IndicatorResults, IssueRow, PiSlip
from syncreport.snapshot import ChangeEvent, Sprint

from .builders import change, day, due, issue, sprints_for, train

SPRINTS = sprints_for("A", "B")


def row(results: IndicatorResults, key: str) -> IssueRow:
    return next(i for i in results.issues if i.key == key)


def test_issue_moved_on_at_sprint_close_is_carried_over_once() -> None:
    # in sprint 11 from creation (no changelog item), not done at its close (day 14), moved on to 12 then
    changes = [change("A-1", 14, "sprint", "11", "11, 12")]
    results = compute_indicators(train([issue("A-1", "A", (11, 12))], SPRINTS, changes=changes))
    assert row(results, "A-1").carry_over == 1
    assert row(results, "A-1").sprints_passed == ("A Sprint 1", "A Sprint 2")


def test_issue_carried_through_two_closed_sprints_counts_two() -> None:
    # taken on day 35: sprints 11 and 12 are closed, 13 active; moved on at both closes
    sprints = sprints_for("A", now_day=35)
    changes = [
        change("A-1", 14, "sprint", "11", "11, 12"),
        change("A-1", 28, "sprint", "11, 12", "11, 12, 13"),
    ]
    results = compute_indicators(train([issue("A-1", "A", (11, 12, 13))], sprints, changes=changes, now=35))
    assert row(results, "A-1").carry_over == 2
    assert row(results, "A-1").sprints_passed == ("A Sprint 1", "A Sprint 2", "A Sprint 3")


def test_issue_done_at_sprint_close_and_reopened_later_is_not_carried_over() -> None:
    # done on day 13 (before the close on day 14), reopened and moved to sprint 12 on day 15
    changes = [
        change("A-1", 13, "status", "indeterminate", "done"),
        change("A-1", 15, "status", "done", "indeterminate"),
        change("A-1", 15, "sprint", "11", "11, 12"),
    ]
    snapshot = train([issue("A-1", "A", (11, 12), status="indeterminate")], SPRINTS, changes=changes)
    assert row(compute_indicators(snapshot), "A-1").carry_over == 0


def test_issue_removed_from_sprint_before_its_close_is_not_carried_over() -> None:
    # left sprint 11 on day 10 (back to the backlog), planned into 12 on day 20
    changes = [change("A-1", 10, "sprint", "11", None), change("A-1", 20, "sprint", None, "12")]
    results = compute_indicators(train([issue("A-1", "A", (12,))], SPRINTS, changes=changes))
    assert row(results, "A-1").carry_over == 0
    assert row(results, "A-1").sprints_passed == ("A Sprint 1", "A Sprint 2")


def test_issue_with_no_changelog_in_a_closed_and_a_later_sprint_is_carried_over() -> None:
    # created (day -30) with sprints 11 and 12 set, never changed: it was in 11 at its close, not done
    results = compute_indicators(train([issue("A-1", "A", (11, 12))], SPRINTS))
    assert row(results, "A-1").carry_over == 1


def test_times_in_other_zones_are_compared_in_utc() -> None:
    # Sprint 11 ends 2026-01-19 02:00 +02:00 = 00:00 UTC. The issue went done at 2026-01-18 23:30 -05:00 =
    # 2026-01-19 04:30 UTC: after the close, so it was carried over (local dates would wrongly say "before").
    east, west = timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))
    end = datetime(2026, 1, 19, 2, 0, tzinfo=east)
    sprint_11 = Sprint(11, "A Sprint 1", "closed", 1, datetime(2026, 1, 5, 2, 0, tzinfo=east), end, end)
    changes = [
        ChangeEvent("A-1", datetime(2026, 1, 18, 23, 30, tzinfo=west), "status", "indeterminate", "done"),
        change("A-1", 14.5, "sprint", "11", "11, 12"),
    ]
    sprints = [sprint_11, *sprints_for("A")[1:]]
    snapshot = train([issue("A-1", "A", (11, 12), status="done")], sprints, changes=changes)
    assert row(compute_indicators(snapshot), "A-1").carry_over == 1


def test_sprint_reliability_separates_scope_added() -> None:
    # Sprint 11 (days 0-14), points:
    #  A-1 3 pts in from creation, done day 10            -> committed 3, completed 3
    #  A-2 5 pts in from creation, moved on at the close   -> committed 5
    #  A-5 8 pts in from creation, removed on day 7        -> committed 8, removed 8
    #  A-3 2 pts created day 5 with the sprint set, done    -> added 2, added_completed 2
    #  A-4 1 pt added on day 3                              -> added 1
    # committed 16, completed 3, reliability 3/16; added 3 (in neither part of the ratio)
    issues = [
        issue("A-1", "A", (11,), points=3.0, status="done"),
        issue("A-2", "A", (11, 12), points=5.0),
        issue("A-5", "A", (), points=8.0),
        issue("A-3", "A", (11,), points=2.0, status="done", created=5),
        issue("A-4", "A", (11,), points=1.0),
    ]
    changes = [
        change("A-1", 10, "status", "new", "done"),
        change("A-2", 14, "sprint", "11", "11, 12"),
        change("A-5", 7, "sprint", "11", None),
        change("A-3", 12, "status", "new", "done"),
        change("A-4", 3, "sprint", None, "11"),
    ]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    (sprint_11,) = [r for r in results.sprint_reliability if r.sprint_id == 11]
    assert sprint_11.unit == "points"
    assert (sprint_11.committed, sprint_11.completed, sprint_11.removed) == (16.0, 3.0, 8.0)
    assert (sprint_11.added, sprint_11.added_completed) == (3.0, 2.0)
    assert sprint_11.reliability == 3 / 16


def test_sprint_without_points_counts_issues() -> None:
    # B sprint 21: two issues from creation, one done on day 9 -> 1 of 2 issues
    issues = [issue("B-1", "B", (21,), status="done"), issue("B-2", "B", (21,))]
    results = compute_indicators(train(issues, SPRINTS, changes=[change("B-1", 9, "status", "new", "done")]))
    (sprint_21,) = [r for r in results.sprint_reliability if r.sprint_id == 21]
    assert (sprint_21.unit, sprint_21.committed, sprint_21.completed, sprint_21.reliability) == (
        "issues",
        2,
        1,
        0.5,
    )


def test_points_changed_during_the_sprint_use_the_estimate_at_its_start() -> None:
    # 3 points at the start (day 0), re-estimated to 8 on day 4, done day 10: committed 3, completed 3
    changes = [change("A-1", 4, "points", "3", "8"), change("A-1", 10, "status", "new", "done")]
    snapshot = train([issue("A-1", "A", (11,), points=8.0, status="done")], SPRINTS, changes=changes)
    (sprint_11,) = [r for r in compute_indicators(snapshot).sprint_reliability if r.sprint_id == 11]
    assert (sprint_11.committed, sprint_11.completed) == (3.0, 3.0)


def test_due_date_slip_counts_from_the_first_date_set() -> None:
    # set on day 1 to day 10, pushed on day 5 to day 20 -> +10 days
    changes = [
        change("A-1", 1, "duedate", None, due(10).isoformat()),
        change("A-1", 5, "duedate", due(10).isoformat(), due(20).isoformat()),
    ]
    results = compute_indicators(
        train([issue("A-1", "A", (12,), due_date=due(20))], SPRINTS, changes=changes)
    )
    assert (row(results, "A-1").first_due_date, row(results, "A-1").due_date_slip_days) == (due(10), 10)


def test_due_date_pulled_in_is_negative_and_never_set_is_none() -> None:
    # created with day 25, pulled in to day 20 -> -5; B-1 has no due date -> None; B-2 set at creation -> 0
    changes = [change("A-1", 5, "duedate", due(25).isoformat(), due(20).isoformat())]
    issues = [
        issue("A-1", "A", (12,), due_date=due(20)),
        issue("B-1", "B", ()),
        issue("B-2", "B", (), due_date=due(9)),
    ]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    assert [row(results, k).due_date_slip_days for k in ("A-1", "B-1", "B-2")] == [-5, None, 0]


def test_pi_slip_reports_when_and_from_which_pi() -> None:
    # day 3: PI-2 removed and PI-3 added in the same change -> slip PI-2 -> PI-3 on day 3
    changes = [change("A-1", 3, "pi", "PI-2", None), change("A-1", 3, "pi", None, "PI-3")]
    results = compute_indicators(train([issue("A-1", "A", (), pi="PI-3")], SPRINTS, changes=changes))
    assert row(results, "A-1").pi_slip == PiSlip("PI-2", "PI-3", day(3))


def test_pi_removed_then_later_pi_added_is_a_slip_but_moving_earlier_is_not() -> None:
    # PI-2 removed day 3, PI-3 added day 6 -> slip on day 6. A-2: PI-3 -> PI-2 (earlier) -> no slip
    changes = [
        change("A-1", 3, "pi", "PI-2", None),
        change("A-1", 6, "pi", None, "PI-3"),
        change("A-2", 4, "pi", "PI-3", None),
        change("A-2", 4, "pi", None, "PI-2"),
    ]
    issues = [issue("A-1", "A", (), pi="PI-3"), issue("A-2", "A", (), pi="PI-2")]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    assert row(results, "A-1").pi_slip == PiSlip("PI-2", "PI-3", day(6))
    assert row(results, "A-2").pi_slip is None


def test_ageing_counts_days_flagged_or_blocked_for_unfinished_issues() -> None:
    # taken on day 21. A-1 flagged on day 11 -> 10 days. A-2 into "Blocked" on day 16 -> 5 days.
    # A-3 flagged with no changelog item -> flagged since creation (day -30) -> 51 days. A-4 done -> not aged.
    issues = [
        issue("A-1", "A", (12,), flagged=True),
        issue("A-2", "A", (12,), status="indeterminate", status_name="Blocked"),
        issue("A-3", "A", (12,), flagged=True),
        issue("A-4", "A", (12,), flagged=True, status="done"),
    ]
    changes = [
        change("A-1", 11, "flagged", "false", "true"),
        change(
            "A-2",
            16,
            "status",
            "indeterminate",
            "indeterminate",
            from_string="In Progress",
            to_string="Blocked",
        ),
    ]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    assert [(a.key, a.reason, a.days) for a in results.ageing] == [
        ("A-3", "flagged", 51),
        ("A-1", "flagged", 10),
        ("A-2", "blocked", 5),
    ]
    assert results.ageing[1].since == day(11).astimezone(UTC)


def test_sprints_passed_are_in_the_order_the_issue_entered_them() -> None:
    # created day -30 in no sprint; into B's sprint 23 on day 2 (planned late), then pulled into 21 on day 3:
    # entered 23 first, then 21, although 21 comes earlier in time
    changes = [change("B-1", 2, "sprint", None, "23"), change("B-1", 3, "sprint", "23", "21, 23")]
    results = compute_indicators(train([issue("B-1", "B", (21, 23))], SPRINTS, changes=changes))
    assert row(results, "B-1").sprints_passed == ("B Sprint 3", "B Sprint 1")


def test_reliability_lists_only_the_closed_sprints_of_the_reports_pi() -> None:
    # the PI starts on day 14: sprint 11 (days 0-14) belongs to the previous PI and is left out; 12 stays
    sprints = sprints_for("A", now_day=35)
    issues = [issue("A-1", "A", (11,)), issue("A-2", "A", (12,))]
    calendar = IterationSettings(pi_start=due(14), length_days=14, count=3)
    results = compute_indicators(train(issues, sprints, now=35), iterations=calendar)
    assert [r.sprint for r in results.sprint_reliability] == ["A Sprint 2"]


def test_blocked_status_names_in_other_languages_count_by_default() -> None:
    # workflows name "Blocked" in their own language; the default list knows the common ones
    issues = [
        issue("A-1", "A", (12,), status="indeterminate", status_name="Blockiert"),
        issue("A-2", "A", (12,), status="indeterminate", status_name="受阻"),
        issue("A-3", "A", (12,), status="indeterminate", status_name="En cours"),
    ]
    results = compute_indicators(train(issues, SPRINTS))
    assert [a.key for a in results.ageing] == ["A-1", "A-2"]
