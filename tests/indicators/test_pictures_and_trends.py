"""The figures behind the pictures (team map, slippage by team) and the trends over previous runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from syncreport.indicators import compute_indicators, to_json_document
from syncreport.indicators.trends import SUMMARY_VERSION, trend_summary
from syncreport.kinds import DependencyStatus
from tests.indicators.builders import blocks, change, due, issue, sprints_for, train


def _three_team_train() -> Any:
    # B-1 (B, I2) -> A-1 (A, I1): late; C-1 (C, I3) -> A-2 (A, I2): late; B-2 (B, I1) -> A-3 (A, I3): on track;
    # A-4 (A, I1) -> B-3 (B, I2): on track; C-2 (C, done) -> B-4: done (left off the map).
    return train(
        [
            issue("A-1", "A", (11,)),
            issue("A-2", "A", (12,)),
            issue("A-3", "A", (13,)),
            issue("A-4", "A", (11,)),
            issue("B-1", "B", (22,)),
            issue("B-2", "B", (21,)),
            issue("B-3", "B", (22,)),
            issue("B-4", "B", (22,)),
            issue("C-1", "C", (33,)),
            issue("C-2", "C", (31,), status="done"),
        ],
        sprints_for("A", "B", "C"),
        [
            blocks("B-1", "A-1"),
            blocks("C-1", "A-2"),
            blocks("B-2", "A-3"),
            blocks("A-4", "B-3"),
            blocks("C-2", "B-4"),
        ],
    )


def test_the_team_map_has_one_edge_per_provider_consumer_pair_with_its_worst_status() -> None:
    results = compute_indicators(_three_team_train())
    team_map = results.team_map
    assert team_map is not None
    # B -> A: B-1 (late) and B-2 (on track): 2, worst late; C -> A: 1 late; A -> B: 1 on track; C -> B done: none
    assert [(e.provider_team, e.consumer_team, e.count, e.worst) for e in team_map.edges] == [
        ("B", "A", 2, "late"),
        ("C", "A", 1, "late"),
        ("A", "B", 1, "on_track"),
    ]
    assert team_map.edges[0].by_status == (("late", 1), ("on_track", 1))
    assert set(team_map.teams) == {"A", "B", "C"}
    assert not any(e.in_cycle for e in team_map.edges)


def test_a_cycle_between_teams_marks_its_edges_and_names_the_teams() -> None:
    # A-1 needs B-1 needs A-1: a cycle across A and B
    snapshot = train(
        [issue("A-1", "A", (12,)), issue("B-1", "B", (22,))],
        sprints_for("A", "B"),
        [blocks("B-1", "A-1"), blocks("A-1", "B-1")],
    )
    team_map = compute_indicators(snapshot).team_map
    assert team_map is not None
    assert all(e.in_cycle for e in team_map.edges) and len(team_map.edges) == 2
    assert len(team_map.team_cycles) == 1 and set(team_map.team_cycles[0]) == {"A", "B"}


def test_slippage_by_team_counts_carry_over_due_date_and_pi_slips_in_the_team_order() -> None:
    # A-1 carried over from sprint 11 into 12 (not done at 11's close); B-1's due date pushed 5 days later
    snapshot = train(
        [issue("A-1", "A", (11, 12)), issue("B-1", "B", (22,), due_date=due(20))],
        sprints_for("A", "B"),
        changes=[
            change("A-1", 14.5, "sprint", "11", "11, 12"),
            change("B-1", 1, "duedate", None, due(15).isoformat()),
            change("B-1", 5, "duedate", due(15).isoformat(), due(20).isoformat()),
        ],
    )
    results = compute_indicators(snapshot)
    by_team = {
        row.team: (row.carried_over, row.due_date_slips, row.pi_slips) for row in results.slippage_by_team
    }
    # every team of the train has its row (the builder's boards make C and D teams too), zeros included
    assert by_team == {"A": (1, 0, 0), "B": (0, 1, 0), "C": (0, 0, 0), "D": (0, 0, 0)}
    assert [row.team for row in results.slippage_by_team] == [t.team for t in results.teams]


def _summary(document: dict[str, Any], when: str, **counts: int) -> dict[str, Any]:
    summary = trend_summary(document)
    summary["generated_at"] = when
    summary["dependency_counts"] = {**summary["dependency_counts"], **counts}
    return summary


def test_the_first_run_says_that_trends_start_next_time() -> None:
    results = compute_indicators(_three_team_train())
    trends = results.trends
    assert trends is not None and not trends.available
    assert trends.reason is not None and "trends start with the next run" in trends.reason
    assert len(trends.points) == 1 and trends.since is None
    assert all(d.change is None for d in trends.deltas)


def test_trends_read_earlier_runs_of_the_same_train_and_pi_and_page_one_deltas_compare_with_the_previous() -> (
    None
):
    snapshot = _three_team_train()
    first = compute_indicators(snapshot)
    document = to_json_document(first)  # 2 late now
    assert document["dependency_counts"]["late"] == 2
    earlier = [
        _summary(document, "2026-01-12T07:00:00Z", late=0),
        _summary(document, "2026-01-19T07:00:00Z", late=1),
        {**_summary(document, "2026-01-14T07:00:00Z", late=9), "pi": "PI-1"},  # another PI: left out
        {**_summary(document, "2026-01-13T07:00:00Z"), "train": "Other"},  # another train: left out
        {
            "summary_version": SUMMARY_VERSION + 1,
            "generated_at": "2026-01-16T07:00:00Z",
        },  # unreadable: skipped
    ]
    previous = {**document, "dependency_counts": {**document["dependency_counts"], "late": 1}}
    previous["train"] = {**document["train"], "generated_at": "2026-01-19T07:00:00Z"}
    results = compute_indicators(snapshot, previous=previous, history=earlier)
    trends = results.trends
    assert trends is not None and trends.available and trends.reason is None
    late = [dict(p.dependency_counts)[DependencyStatus.LATE] for p in trends.points]
    assert late == [0, 1, 2]  # 12 Jan, 19 Jan, this run (26 Jan)
    assert trends.since == datetime(2026, 1, 19, 7, tzinfo=UTC)
    # "Late 2 (+1 since 19 Jan)": 2 now, 1 in the compared run
    assert next(d for d in trends.deltas if d.status == "late").change == 1
    assert trends.teams == tuple(t.team for t in results.teams)  # the strip's rows: the report's team order
    assert [w.week_start for w in trends.weeks] == [date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)]


def test_weeks_take_each_weeks_last_run_and_its_change() -> None:
    snapshot = _three_team_train()
    document = to_json_document(compute_indicators(snapshot))
    monday, friday, next_monday = (
        {**_summary(document, when), "carried_over": carried, "slipped": slipped}
        for when, carried, slipped in (
            ("2026-01-05T07:00:00Z", 1, 0),
            ("2026-01-09T07:00:00Z", 3, 2),
            ("2026-01-12T07:00:00Z", 4, 1),
        )
    )
    trends = compute_indicators(snapshot, history=[next_monday, monday, friday]).trends
    assert trends is not None
    week = trends.weeks[0]  # the week of 5 Jan: its last run is Friday's
    assert (week.week_start, week.carried_over, week.slipped, week.carried_over_change) == (
        date(2026, 1, 5),
        3,
        2,
        None,
    )
    second = trends.weeks[1]
    assert (second.carried_over, second.carried_over_change, second.slipped_change) == (4, 1, -1)


def test_the_json_export_carries_the_trend_series_and_is_valid_against_the_schema() -> None:
    from jsonschema import Draft202012Validator

    from syncreport.indicators.export import report_schema

    snapshot = _three_team_train()
    document = to_json_document(compute_indicators(snapshot))  # this run: 2 late (see the test above)
    earlier = [
        _summary(document, "2026-01-12T07:00:00Z", late=0),
        _summary(document, "2026-01-19T07:00:00Z", late=1),
    ]
    previous = {**document, "dependency_counts": {**document["dependency_counts"], "late": 1}}
    previous["train"] = {**document["train"], "generated_at": "2026-01-19T07:00:00Z"}
    exported = to_json_document(compute_indicators(snapshot, previous=previous, history=earlier))
    Draft202012Validator(report_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        exported
    )
    trends = exported["trends"]
    assert trends["available"] is True and trends["reason"] is None
    # the runs of 12 and 19 Jan, then this one (26 Jan): late 0, 1, 2, as the trend chart draws them
    assert [r["generated_at"] for r in trends["runs"]] == [
        "2026-01-12T07:00:00Z",
        "2026-01-19T07:00:00Z",
        exported["train"]["generated_at"],
    ]
    assert [r["dependency_counts"]["late"] for r in trends["runs"]] == [0, 1, 2]
    assert [t["team"] for t in trends["runs"][-1]["teams"]] == [t["name"] for t in exported["teams"]]
    assert [w["week_start"] for w in trends["weeks"]] == ["2026-01-12", "2026-01-19", "2026-01-26"]
    assert trends["weeks"][0]["carried_over_change"] is None
    # page 1's "Late 2 (+1 since 19 Jan)"
    assert trends["since"] == "2026-01-19T07:00:00Z"
    assert {"status": "late", "count": 2, "change": 1} in trends["deltas"]


def test_the_first_runs_export_says_why_it_has_no_trends_yet() -> None:
    trends = to_json_document(compute_indicators(_three_team_train()))["trends"]
    assert trends["available"] is False and "trends start with the next run" in trends["reason"]
    assert len(trends["runs"]) == 1 and trends["since"] is None
