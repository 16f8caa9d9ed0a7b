"""The column-wise rewrites (issue 15 item 5) where a rewrite could differ: odd keys, ties, missing values,
out-of-order input, histories that cannot slip. Each expected answer is worked out by hand in its comment.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta, timezone

import numpy as np
import pandas as pd

from syncreport.indicators import compute_indicators
from syncreport.indicators.calendar import place_issues, sprint_teams
from syncreport.indicators.frames import (
    build_frames,
    casefold_isin,
    records,
    rows,
    sort_by_issue_key,
    text_ranks,
    utc_times,
    value_asof,
)
from syncreport.indicators.results import IndicatorResults, IssueRow, PiSlip
from syncreport.indicators.slippage import due_date_slip, sprint_memberships
from syncreport.snapshot import ChangeEvent, ChangeLog, Issue

from .builders import blocks, change, day, due, issue, sprints_for, train

SPRINTS = sprints_for("A")  # 11 (days 0-14, closed on day 21), 12 (14-28, active), 13 (28-42, future)


def _row(results: IndicatorResults, key: str) -> IssueRow:
    return next(i for i in results.issues if i.key == key)


def test_issue_keys_sort_by_project_then_number_with_odd_numbers_read_as_before() -> None:
    # (project, number, key): a number part that is not plain digits is read with pd.to_numeric
    # ("1.5" -> 1.5, "" -> none: then the key itself is the project and the number is -1):
    # A-2 (A, 2); ART-9 (ART, 9); ART-010 and ART-10 (ART, 10: "ART-010" < "ART-10"); ART- ("ART-", -1);
    # NOKEY ("NOKEY", -1), X-2 (X, 1 / 1.5 / 2); X-99999999999999999999 (X, 1e20) last of X
    keys = ["X-2", "ART-10", "NOKEY", "X-99999999999999999999", "ART-9", "X-1.5", "B-1", "ART-010"]
    keys += ["ART-", "A-2", "X-1"]
    frame = pd.DataFrame({"key": keys, "n": range(len(keys))})
    assert sort_by_issue_key(frame)["key"].tolist() == [
        "A-2",
        "ART-9",
        "ART-010",
        "ART-10",
        "ART-",
        "B-1",
        "NOKEY",
        "X-1",
        "X-1.5",
        "X-2",
        "X-99999999999999999999",
    ]


def test_plain_keys_sort_by_number_not_text() -> None:
    # ORB-2 before ORB-10 (numbers), ORB-10 before ORB-100; the frame's other columns follow their rows
    frame = pd.DataFrame({"key": ["ORB-100", "ORB-2", "ORB-10"], "n": [1, 2, 3]})
    ordered = sort_by_issue_key(frame)
    assert ordered["key"].tolist() == ["ORB-2", "ORB-10", "ORB-100"]
    assert ordered["n"].tolist() == [2, 3, 1]


def test_rows_give_python_values_and_keep_missing_ones_as_pandas_has_them() -> None:
    # str column: NaN for a missing value; object column: None kept; Int64: <NA>; floats NaN; times NaT;
    # a column named like a keyword ("class") is renamed _<position> as itertuples does
    frame = pd.DataFrame(
        {
            "key": ["A-1", None],
            "note": pd.Series([None, "x"], dtype=object),
            "n": pd.Series([3, None], dtype="Int64"),
            "points": [1.5, np.nan],
            "at": pd.Series([pd.Timestamp("2026-01-05", tz="UTC"), pd.NaT], dtype="datetime64[us, UTC]"),
            "class": ["k", "l"],
        }
    )
    first, second = list(rows(frame))
    assert first.key == "A-1" and type(first.key) is str
    assert first.note is None and second.note == "x"
    assert first.n == 3 and second.n is pd.NA
    assert first.points == 1.5 and type(first.points) is float and math.isnan(second.points)
    assert first.at == pd.Timestamp("2026-01-05", tz="UTC") and second.at is pd.NaT
    assert isinstance(second.key, float) and math.isnan(second.key)
    assert first._fields[5] == "_5" and (first[5], second[5]) == ("k", "l")


def test_issues_are_placed_in_their_latest_known_sprint_with_unknown_ids_kept_in_order() -> None:
    # sequence: 11 (closed) < 12 (active) < 13 (future). A-1 in (12, 11): latest 12, one open sprint (12).
    # A-2 in (13, 99, 11, 98): latest 13, open 1 (13), unknown (99, 98) in that order. A-3 in none: no sprint,
    # 0 open, nothing unknown. A-4 in (11, 11): latest 11, 0 open. A-5 only in 97: no sprint, unknown (97,).
    snapshot = train(
        [
            issue("A-1", "A", (12, 11)),
            issue("A-2", "A", (13, 99, 11, 98)),
            issue("A-3", "A", ()),
            issue("A-4", "A", (11, 11)),
            issue("A-5", "A", (97,)),
        ],
        SPRINTS,
    )
    frames = build_frames(snapshot)
    sprints = frames.sprints.assign(
        sequence=[0, 1, 2],
        team="A",
        ordinal=[1.0, 2.0, 3.0],
        iteration_index=pd.array([1, 2, 3], dtype="Int64"),
        iteration_name=["I1", "I2", "I3"],
    )
    placed = place_issues(frames.issues, sprints)
    assert placed["sprint_id"].tolist() == [12, 13, pd.NA, 11, pd.NA]
    assert placed["sprint"].tolist() == ["A Sprint 2", "A Sprint 3", np.nan, "A Sprint 1", np.nan]
    assert placed["open_sprints"].tolist() == [1, 1, 0, 0, 0]
    assert placed["scheduled"].tolist() == [True, True, False, True, False]
    unknown = placed["unknown_sprint_ids"]
    assert unknown["A-2"] == (99, 98) and unknown["A-5"] == (97,)
    assert unknown[["A-1", "A-3", "A-4"]].isna().all()
    assert placed["iteration_index"].tolist() == [2, 3, pd.NA, 1, pd.NA]


def test_sprints_passed_follow_entry_time_then_sprint_order_and_count_per_issue() -> None:
    # A-1 entered 11 at creation (day -30) and 12 and 13 in one change on day 14 (a tie: sprint order 12, 13);
    # carried out of 11 (closed on day 14, not done, later sprints since) -> 1.
    # A-2 entered 12 on day 15 having been created in no sprint: passed (12,), carried 0.
    # Changes handed in out of time order (day 15 before day 14): the frames sort them first.
    changes = [
        change("A-2", 15, "sprint", None, "12"),
        change("A-1", 14, "sprint", "11", "11, 12, 13"),
    ]
    results = compute_indicators(
        train([issue("A-1", "A", (11, 12, 13)), issue("A-2", "A", (12,))], SPRINTS, changes=changes)
    )
    assert _row(results, "A-1").sprints_passed == ("A Sprint 1", "A Sprint 2", "A Sprint 3")
    assert _row(results, "A-1").carry_over == 1
    assert _row(results, "A-2").sprints_passed == ("A Sprint 2",)
    assert _row(results, "A-2").carry_over == 0


def test_histories_that_only_drop_pis_or_add_unknown_ones_never_slip() -> None:
    # PI-3 removed on day 3 (now PI-2 only): moved earlier, no slip. A-2: "PI-X" (not a PI of the
    # train) added on day 4: no slip. A-3: PI-2 removed and PI-3 added on day 5: slip PI-2 -> PI-3 on day 5.
    changes = [
        change("A-1", 3, "pi", "PI-3", None),
        change("A-2", 4, "pi", None, "PI-X"),
        change("A-3", 5, "pi", "PI-2", None),
        change("A-3", 5, "pi", None, "PI-3"),
    ]
    issues = [issue("A-1", pi="PI-2"), issue("A-2", pi="PI-X"), issue("A-3", pi="PI-3")]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    assert _row(results, "A-1").pi_slip is None
    assert _row(results, "A-2").pi_slip is None
    assert _row(results, "A-3").pi_slip == PiSlip("PI-2", "PI-3", day(5))


def test_due_dates_and_their_slip_come_out_as_dates_and_none_when_missing() -> None:
    # A-1 due day 10, first set to day 3 on day 1 -> first due day 3, slip 7 days. A-2 no due date: None.
    changes = [
        change("A-1", 1, "duedate", None, due(3).isoformat()),
        change("A-1", 2, "duedate", due(3).isoformat(), due(10).isoformat()),
    ]
    results = compute_indicators(
        train([issue("A-1", due_date=due(10)), issue("A-2")], SPRINTS, changes=changes)
    )
    first, second = _row(results, "A-1"), _row(results, "A-2")
    assert (first.due_date, first.first_due_date, first.due_date_slip_days) == (due(10), due(3), 7)
    assert (second.due_date, second.first_due_date, second.due_date_slip_days) == (None, None, None)


def test_change_times_with_a_missing_or_naive_one_are_read_as_utc_and_the_missing_one_dropped() -> None:
    # day 1 aware UTC; day 2 written at +02:00 (the same instant); day 3 naive (read as UTC, counted once);
    # the issue's own creation (aware) counts no naive time.
    aware = change("A-1", 1, "status", "new", "indeterminate")
    offset = change("A-1", 2, "status", "indeterminate", "new")
    offset = dataclasses.replace(offset, at=offset.at.astimezone(timezone(timedelta(hours=2))))
    naive = change("A-1", 3, "status", "new", "done")
    naive = dataclasses.replace(naive, at=naive.at.replace(tzinfo=None))
    frames = build_frames(train([issue("A-1")], SPRINTS, changes=[aware, offset, naive]))
    assert frames.changes["at"].tolist() == [pd.Timestamp(day(n)) for n in (1, 2, 3)]
    assert frames.naive_times == 1


def test_a_missing_time_is_nat_also_when_the_caller_counted_no_naive_one() -> None:
    # counted 0 naive: the fast C pass meets None and the values go the per-value way: day 1, NaT, day 2
    times = utc_times([day(1), None, day(2)], naive=0)
    assert times.tolist()[0] == pd.Timestamp(day(1)) and times.tolist()[2] == pd.Timestamp(day(2))
    assert times.isna().tolist() == [False, True, False]


def test_value_asof_takes_the_last_change_at_or_before_the_time_then_the_first_after() -> None:
    # A-1 changes a->b and b->c both on day 5 (in that order), c->d on day 9; A-2 never changes; "Z-9" is
    # not an issue. Asked: A-1 on day 1 -> "a" (from of the first after), day 5 -> "c" (last at day 5),
    # day 7 -> "c", day 9 -> "d", day 20 -> "d"; A-1 with no time -> current "d"; A-2 on day 5 -> current
    # "x"; Z-9 -> missing (NaN).
    events = pd.DataFrame(
        {
            "issue_key": ["A-1", "A-1", "A-2x", "A-1"],
            "at": pd.Series([day(5), day(5), day(6), day(9)], dtype="datetime64[us, UTC]"),
            "from_value": ["a", "b", "q", "c"],
            "to_value": ["b", "c", "r", "d"],
        }
    )
    current = pd.Series(["d", "x"], index=pd.Index(["A-1", "A-2"], dtype=object), dtype=object)
    keys = pd.Series(["A-1", "A-1", "A-1", "A-1", "A-1", "A-1", "A-2", "Z-9"], dtype=object)
    when = [day(1), day(5), day(7), day(9), day(20), None, day(5), day(5)]
    times = pd.Series(when, dtype="datetime64[us, UTC]")
    found = value_asof(keys, times, events, current).tolist()
    assert found[:7] == ["a", "c", "c", "d", "d", "d", "x"]
    assert isinstance(found[7], float) and math.isnan(found[7])


def test_casefolded_membership_matches_any_case_and_never_a_missing_value() -> None:
    # "Feature" and "FEATURE" casefold to "feature"; "Straße" casefolds to "strasse"; None / NaN never match
    names = {"feature", "strasse"}
    as_objects = pd.Series(["Feature", "FEATURE", "story", None, "Straße"], dtype=object)
    assert casefold_isin(as_objects, names).tolist() == [True, True, False, False, True]
    as_text = pd.Series(["Feature", None, "Epic"], dtype="str")
    assert casefold_isin(as_text, names).tolist() == [True, False, False]


def test_pi_histories_are_judged_once_per_moment_and_keep_the_latest_slip_to_the_microsecond() -> None:
    # A-1 (now PI-3): day 2 PI-1 out, PI-2 in; day 8 PI-3 in, PI-2 out. Undone from {PI-3}: day 8 gives
    # {PI-2}, day 2 gives {PI-1}: planned PI-1. Forward: day 2 -> {PI-2}, later: slip PI-1 -> PI-2; day 8 ->
    # {PI-2, PI-3} then {PI-3}: slip PI-2 -> PI-3. The latest is kept: PI-2 -> PI-3 on day 8.
    # A-2 (now PI-2): PI-3 added and removed again at the same moment (day 5): judged after both, {PI-2},
    # no slip (judged after each change it would have slipped to PI-3).
    # A-3 (now PI-3): PI-2 out and PI-3 in at day 4 and 123 microseconds: slip at exactly that moment.
    moment = day(4) + timedelta(microseconds=123)
    changes = [
        change("A-1", 2, "pi", "PI-1", None),
        change("A-1", 2, "pi", None, "PI-2"),
        dataclasses.replace(change("A-3", 0, "pi", "PI-2", None), at=moment),
        dataclasses.replace(change("A-3", 0, "pi", None, "PI-3"), at=moment),
        change("A-2", 5, "pi", None, "PI-3"),
        change("A-2", 5, "pi", "PI-3", None),
        change("A-1", 8, "pi", None, "PI-3"),
        change("A-1", 8, "pi", "PI-2", None),
    ]
    issues = [issue("A-1", pi="PI-3"), issue("A-2", pi="PI-2"), issue("A-3", pi="PI-3")]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    assert _row(results, "A-1").pi_slip == PiSlip("PI-2", "PI-3", day(8))
    assert _row(results, "A-2").pi_slip is None
    slip = _row(results, "A-3").pi_slip
    assert slip == PiSlip("PI-2", "PI-3", moment)
    assert slip is not None and slip.at.utcoffset() == timedelta(0)


def test_records_are_the_values_to_dict_gives_missing_ones_included() -> None:
    # one row with values, one with every kind of missing value: str NaN stays NaN, float NaN stays NaN,
    # Int64 NA -> None, a None in an object column stays None, NaT stays NaT; numbers come out as Python ints
    frame = pd.DataFrame(
        {
            "s": pd.Series(["a", None], dtype="str"),
            "x": [1.5, np.nan],
            "b": [True, False],
            "o": pd.Series([None, "z"], dtype=object),
            "i": pd.Series([1, None], dtype="Int64"),
            "n": [3, 4],
            "t": pd.Series([day(0), None], dtype="datetime64[us, UTC]"),
        }
    )
    first, second = records(frame)
    assert first == {"s": "a", "x": 1.5, "b": True, "o": None, "i": 1, "n": 3, "t": pd.Timestamp(day(0))}
    assert type(first["i"]) is int and type(first["n"]) is int
    assert math.isnan(second["s"]) and math.isnan(second["x"])
    assert (second["b"], second["o"], second["i"], second["n"]) == (False, "z", None, 4)
    assert second["t"] is pd.NaT


def test_naive_times_are_counted_in_every_part_of_the_snapshot_missing_ones_not() -> None:
    # issues: A-1 created naive, A-2 aware -> 1; sprints: 11 and 12 dated aware, 13 never dated (None start,
    # end and complete: not counted) -> 0; links: one naive, one with no date (None) -> 1; the snapshot's
    # own time is aware -> 0. In all 2.
    naive_issue = issue("A-1")
    naive_issue = dataclasses.replace(naive_issue, created=naive_issue.created.replace(tzinfo=None))
    undated = dataclasses.replace(SPRINTS[2], start=None, end=None, complete=None)
    naive_link = blocks("A-2", "A-1", created=3)
    assert naive_link.created is not None
    naive_link = dataclasses.replace(naive_link, created=naive_link.created.replace(tzinfo=None))
    snapshot = train(
        [naive_issue, issue("A-2")], [*SPRINTS[:2], undated], [naive_link, blocks("A-1", "A-2", "L2")]
    )
    assert build_frames(snapshot).naive_times == 2


def test_a_sprint_of_a_board_with_no_team_takes_the_most_common_team_of_its_issues() -> None:
    # board 99 has no team. Sprint 50: B-1 (B), C-1 and C-2 (C), three issues with no team (not counted)
    # -> C (2 against 1). Sprint 51: B-2 (B) and D-1 (D), one each -> the tie goes to the first name: B.
    # Sprint 11 is on team A's board -> A, whatever its issues' teams.
    loose = [
        dataclasses.replace(SPRINTS[1], id=50, board_id=99),
        dataclasses.replace(SPRINTS[1], id=51, board_id=99),
    ]
    issues = [issue("B-1", "B", (50,)), issue("C-1", "C", (50,)), issue("C-2", "C", (50, 11))]
    issues += [issue(f"N-{n}", None, (50,)) for n in (1, 2, 3)]
    issues += [issue("B-2", "B", (51,)), issue("D-1", "D", (51,))]
    snapshot = train(issues, [SPRINTS[0], *loose])
    frames = build_frames(snapshot)
    assert sprint_teams(frames.sprints, frames.issues, snapshot).to_dict() == {11: "A", 50: "C", 51: "B"}


def test_runs_of_equal_rows_become_one_tuple_per_row_and_rows_without_values_empty_ones() -> None:
    # rows 0, 0, 2, 2, 2, 3 of 5: row 0 -> (a, b); row 1 none -> (); row 2 -> (c, d, e); row 3 -> (f,), the
    # last run ending at the end of the arrays; row 4 none -> (). No rows at all: five empty tuples.
    from syncreport.indicators.slippage import _tuples_by_row

    rows_ = np.array([0, 0, 2, 2, 2, 3])
    values = np.array(["a", "b", "c", "d", "e", "f"], dtype=object)
    assert _tuples_by_row(rows_, values, 5) == [("a", "b"), (), ("c", "d", "e"), ("f",), ()]
    assert _tuples_by_row(np.array([], dtype="int64"), np.array([], dtype=object), 5) == [()] * 5


def test_unknown_statuses_are_read_from_both_sides_of_the_status_changes_only() -> None:
    # A status side with a name and no category is unknown; a side with no name, an empty name or a
    # category is not; other fields never count. A-1: "QA" on its from side; A-2: "Gone" on its to side,
    # twice (one key, one name); A-3: from "" and to None (no names) -> nothing; A-4: a points change with
    # from_string "x" and no values -> not a status, nothing; A-5: "Review" with its category -> known.
    # Expected: keys A-1, A-2 (issue order); names Gone, QA (sorted) in the detail.
    issues = [issue(k) for k in ("A-1", "A-2", "A-3", "A-4", "A-5")]
    changes = [
        change("A-1", 1, "status", None, "indeterminate", from_string="QA", to_string="In Progress"),
        change("A-2", 2, "status", "new", None, from_string="To Do", to_string="Gone"),
        change("A-2", 3, "status", "new", None, from_string="To Do", to_string="Gone"),
        change("A-3", 4, "status", None, None, from_string="", to_string=None),
        change("A-4", 5, "points", None, None, from_string="x"),
        change("A-5", 6, "status", "new", "indeterminate", from_string="To Do", to_string="Review"),
    ]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    finding = next(f for f in results.data_quality if f.kind == "unknown_status")
    assert finding.keys == ("A-1", "A-2")
    assert finding.count == 2
    assert "Gone; QA" in finding.detail


def test_a_dependency_is_on_a_cycle_when_both_its_ends_are() -> None:
    # Cycles A-1 <-> B-1 and C-1 <-> D-1. The flag reads "both ends lie on a cycle": the four cycle links
    # and the chord A-1 -> C-1 (both ends on cycles, not the same one) are flagged; A-1 -> E-1 and
    # E-1 -> C-1 are not: E-1 is on no cycle (nothing from C-1 or D-1 leads back to A-1 or E-1).
    issues = [issue(k, k[0]) for k in ("A-1", "B-1", "C-1", "D-1", "E-1")]
    links = [blocks("A-1", "B-1"), blocks("B-1", "A-1"), blocks("C-1", "D-1"), blocks("D-1", "C-1")]
    links += [blocks("A-1", "C-1"), blocks("A-1", "E-1"), blocks("E-1", "C-1")]
    results = compute_indicators(train(issues, SPRINTS, links))
    flagged = {(d.provider.key, d.consumer.key): d.in_cycle for d in results.dependencies}
    assert flagged == {
        ("A-1", "B-1"): True,
        ("B-1", "A-1"): True,
        ("C-1", "D-1"): True,
        ("D-1", "C-1"): True,
        ("A-1", "C-1"): True,
        ("A-1", "E-1"): False,
        ("E-1", "C-1"): False,
    }


def test_an_unknown_from_status_is_read_from_its_own_change_when_the_log_is_out_of_time_order() -> None:
    # The snapshot lists A-2's change (day 5, from "Gone" with no category) before A-1's (day 1, from
    # "To Do", known) and A-3's (day 3, to "Lost", no category); the frames sort them by time (A-1, A-3,
    # The from side's name is read from the snapshot's own change of each row: keys,
    # names Gone and Lost; "To Do" (known) is not among them.
    issues = [issue(k) for k in ("A-1", "A-2", "A-3")]
    changes = [
        change("A-2", 5, "status", None, "indeterminate", from_string="Gone", to_string="In Progress"),
        change("A-1", 1, "status", "new", "indeterminate", from_string="To Do", to_string="In Progress"),
        change("A-3", 3, "status", "new", None, from_string="To Do", to_string="Lost"),
    ]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    finding = next(f for f in results.data_quality if f.kind == "unknown_status")
    assert finding.keys == ("A-2", "A-3")
    assert "Gone; Lost" in finding.detail
    assert "To Do" not in finding.detail


def _memberships(issues: list[Issue], changes: list[ChangeEvent]) -> list[tuple[str, int, object, int]]:
    frames = build_frames(train(issues, SPRINTS, changes=changes))
    events = frames.changes[frames.changes["field"] == "sprint"]
    pairs = sprint_memberships(frames.issues, events)
    return list(
        zip(
            pairs["issue_key"].tolist(),
            pairs["sprint_id"].tolist(),
            pairs["entered_at"].tolist(),
            pairs["row"].tolist(),
            strict=True,
        )
    )


def test_memberships_take_the_earliest_entry_of_each_pair_sorted_by_key_text_then_sprint() -> None:
    # B-10 (row 0): in 12 now with no sprint changelog -> entered 12 at its creation (day -20).
    # A-2 (row 1): created in 11 (the from of its first change), moved to "11, 12" on day 3 and to 12 on
    # day 9, back to "11, 12" on day 9 too (a tie: the earliest time wins, whichever change says it):
    # (A-2, 11) since its creation day -30, (A-2, 12) since day 3. A-10 (row 2): went into 13 on day 5
    # and was seen in 13 again on day 7 (the from of a later change) -> 13 since day 5; its sprint 12 now,
    # which the changelog never shows, has no time from it: the creation (day -30).
    # Keys sort as text: "A-10" < "A-2" < "B-10" (not by number: the order pandas' groupby gave).
    issues = [
        issue("B-10", "A", (12,), created=-20),
        issue("A-2", "A", (11, 12)),
        issue("A-10", "A", (12,)),
    ]
    changes = [
        change("A-2", 3, "sprint", "11", "11, 12"),
        change("A-10", 5, "sprint", None, "13"),
        change("A-10", 7, "sprint", "13", None),
        change("A-2", 9, "sprint", "11, 12", "12"),
        change("A-2", 9, "sprint", "12", "11, 12"),
    ]
    assert _memberships(issues, changes) == [
        ("A-10", 12, pd.Timestamp(day(-30)), 2),
        ("A-10", 13, pd.Timestamp(day(5)), 2),
        ("A-2", 11, pd.Timestamp(day(-30)), 1),
        ("A-2", 12, pd.Timestamp(day(3)), 1),
        ("B-10", 12, pd.Timestamp(day(-20)), 0),
    ]


def test_memberships_of_issues_with_no_sprint_and_changes_of_unknown_issues_are_none() -> None:
    # A-1 in no sprint, never moved; the change names an issue not in the frame (left out).
    assert _memberships([issue("A-1")], [change("Z-9", 2, "sprint", None, "11")]) == []
    assert _memberships([], []) == []


def test_due_date_slip_reads_the_first_changes_from_else_the_first_date_set_per_issue() -> None:
    # first change clears nothing (from None) and sets day 4, then day 6 -> first due day 4, now day 9:
    # slip 5. A-2: its first change's from is day 2 (the date it was created with) -> slip 8 to day 10.
    # changes only cleared its date (from None, to None): no first date, none now -> None.
    # no change: first = its current date day 7, slip 0. The change of Z-1 (not an issue here) is ignored.
    changes = [
        change("A-1", 1, "duedate", None, due(4).isoformat()),
        change("A-2", 1, "duedate", due(2).isoformat(), due(10).isoformat()),
        change("Z-1", 1, "duedate", None, due(1).isoformat()),
        change("A-3", 2, "duedate", None, None),
        change("A-1", 3, "duedate", due(4).isoformat(), due(6).isoformat()),
    ]
    frames = build_frames(
        train(
            [
                issue("A-1", due_date=due(9)),
                issue("A-2", due_date=due(10)),
                issue("A-3"),
                issue("A-4", due_date=due(7)),
            ],
            SPRINTS,
            changes=changes,
        )
    )
    slip = due_date_slip(frames.issues, frames.changes[frames.changes["field"] == "duedate"])
    assert slip.index.tolist() == ["A-1", "A-2", "A-3", "A-4"]
    assert slip["first_due_date"].tolist()[:2] == [
        pd.Timestamp(due(4), tz="UTC"),
        pd.Timestamp(due(2), tz="UTC"),
    ]
    assert pd.isna(slip["first_due_date"].iloc[2])
    assert slip["first_due_date"].iloc[3] == pd.Timestamp(due(7), tz="UTC")
    assert slip["due_date_slip_days"].tolist() == [5, 8, pd.NA, 0]
    assert str(slip["first_due_date"].dtype) == "datetime64[us, UTC]"


def test_text_ranks_follow_python_string_order_also_with_a_trailing_nul() -> None:
    texts = ["b", "B", "a-10", "a-2", "é", "a\x00", "a"]
    expected = sorted(range(len(texts)), key=lambda i: texts[i])  # Python's order: code points
    ranks = text_ranks(np.array(texts, dtype=object))
    assert sorted(range(len(texts)), key=lambda i: ranks[i]) == expected
    assert text_ranks(np.array(["b", "a"], dtype=object)).tolist() == [1, 0]


def test_blocked_since_reads_only_the_blocked_issues_own_changes_into_their_current_status() -> None:
    # Taken on day 21. A-1 is done (it stands before the blocked ones: their row numbers among the open issues
    # differ from those among all). A-2 "Blocked": into "Blocked" on day 4 and day 9, out to "In Progress" on
    # day 12 ("In Progress" is not its status now, ignored), back into "blocked" (any case) on day 15 -> since
    # day 15, 6 days. A-3 "Blocked" with no change into it -> since its creation day -30, 51 days. A-1's own
    # change into "Blocked" and Z-1's (not an issue of the train) count for no one.
    issues = [
        issue("A-1", status="done"),
        issue("A-2", status="indeterminate", status_name="Blocked"),
        issue("A-3", status="indeterminate", status_name="Blocked"),
    ]

    def into(key: str, when: float, name: str) -> ChangeEvent:
        return change(key, when, "status", "indeterminate", "indeterminate", to_string=name)

    changes = [
        into("A-1", 2, "Blocked"),
        into("A-2", 4, "Blocked"),
        into("Z-1", 5, "Blocked"),
        into("A-2", 9, "Blocked"),
        into("A-2", 12, "In Progress"),
        into("A-2", 15, "blocked"),
    ]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    assert [(a.key, a.reason, a.days) for a in results.ageing] == [
        ("A-3", "blocked", 51),
        ("A-2", "blocked", 6),
    ]


def test_pi_slips_replay_only_the_train_issues_that_add_a_known_pi() -> None:
    # A-1 (done, first row) never moved. A-2: PI-1 -> PI-2 on day 3 (a slip). Z-1 (not an issue here) adds
    # PI-3: ignored. A-3 adds only PI-X (not a PI of the train): not replayed, no slip.
    changes = [
        change("A-2", 3, "pi", "PI-1", None),
        change("A-2", 3, "pi", None, "PI-2"),
        change("Z-1", 4, "pi", None, "PI-3"),
        change("A-3", 5, "pi", None, "PI-X"),
    ]
    issues = [issue("A-1", status="done", pi="PI-1"), issue("A-2", pi="PI-2"), issue("A-3", pi="PI-X")]
    results = compute_indicators(train(issues, SPRINTS, changes=changes))
    assert [(r.key, r.pi_slip) for r in results.issues] == [
        ("A-1", None),
        ("A-2", PiSlip("PI-1", "PI-2", day(3))),
        ("A-3", None),
    ]


def test_value_asof_reads_only_the_asked_issues_changes_however_the_others_lie_around_them() -> None:
    # A-2's changes on days 2, 4 and 8 surround A-1's (day 5: a -> b) and A-3 (never asked) changes on day 5
    # too. Asked: A-1 on day 3 -> "a" (from of its first change after), day 6 -> "b"; A-2 on day 5 -> "n"
    # (to of its day-4 change); A-3 is asked nothing and its current value is never read.
    events = pd.DataFrame(
        {
            "issue_key": ["A-2", "A-2", "A-1", "A-3", "A-2"],
            "at": pd.Series([day(2), day(4), day(5), day(5), day(8)], dtype="datetime64[us, UTC]"),
            "from_value": ["k", "m", "a", "s", "n"],
            "to_value": ["m", "n", "b", "t", "p"],
        }
    )
    current = pd.Series(["b", "p", "t"], index=pd.Index(["A-1", "A-2", "A-3"], dtype=object), dtype=object)
    keys = pd.Series(["A-1", "A-1", "A-2"], dtype=object)
    times = pd.Series([day(3), day(6), day(5)], dtype="datetime64[us, UTC]")
    assert value_asof(keys, times, events, current).tolist() == ["a", "b", "n"]


def test_the_change_frame_takes_the_change_log_s_columns_as_they_are() -> None:
    # A-1 two status events both on day 2 (ties in time: they keep the log's order), then a team event on
    # day 1 written after them (the frame is sorted by time, stable: day 1 first); A-2 has no change;
    # Z-9 is no issue of the train (its event is kept: the indicators decide). Odd texts pass untouched.
    odd = "Pay \u202eout \x00 \U0001f680"
    log = ChangeLog.of(
        [
            change("A-1", 2, "status", "new", "indeterminate", to_string=odd),
            change("A-1", 2, "status", "indeterminate", "done", to_string="Done"),
            change("A-1", 1, "team", None, None, to_string=""),
            change("Z-9", 3, "flagged", "false", "true"),
        ]
    )
    frames = build_frames(train([issue("A-1"), issue("A-2")], SPRINTS, changes=log))
    changes = frames.changes
    assert changes.index.tolist() == [2, 0, 1, 3]  # each event's place in the log
    assert changes["issue_key"].tolist() == ["A-1", "A-1", "A-1", "Z-9"]
    assert changes["at"].tolist() == [pd.Timestamp(day(n)) for n in (1, 2, 2, 3)]
    assert changes["to_value"].tolist() == [None, "indeterminate", "done", "true"]
    assert changes["to_string"].tolist() == ["", odd, "Done", None]
    assert changes["issue_key"].dtype == object and str(changes["at"].dtype) == "datetime64[us, UTC]"
    assert "A-2" not in set(changes["issue_key"]) and frames.naive_times == 0


def test_an_empty_change_log_gives_an_empty_change_frame_of_the_same_columns() -> None:
    frames = build_frames(train([], SPRINTS))
    assert len(frames.changes) == 0
    assert frames.changes.columns.tolist() == [
        "issue_key",
        "at",
        "field",
        "from_value",
        "to_value",
        "to_string",
    ]
    assert str(frames.changes["at"].dtype) == "datetime64[us, UTC]"
