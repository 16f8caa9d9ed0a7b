"""The change log as columns (issue 15, round six): what the snapshot holds and how the pull hands it over.
Each expected answer is worked out by hand in its comment."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from syncreport.jira.builder import _in_snapshot_order, _with_created
from syncreport.jira.builder import change_rows as event_rows
from syncreport.jira.normalized import change_rows
from syncreport.snapshot import (
    ChangeEvent,
    ChangeLog,
    DependencyLink,
    Snapshot,
    issue_order,
    snapshot_from_dict,
    snapshot_to_dict,
)

T0 = datetime(2026, 3, 2, 9, 30, 15, 123000, tzinfo=UTC)
ODD = 'Pay \u202eout \x00 "quoted" \U0001f680'  # right-to-left override, NUL, quotes, an astral emoji


def _events() -> list[ChangeEvent]:
    return [
        ChangeEvent("A-10", T0, "status", "new", "indeterminate", "To Do", "In Progress"),
        ChangeEvent("A-2", T0, "sprint", None, "11"),
        ChangeEvent("A-2", T0 + timedelta(hours=1), "team", None, None, "", ODD),
    ]


def test_events_become_columns_and_come_back_as_the_same_events() -> None:
    log = ChangeLog.of(_events())
    # row i of each column is event i
    assert log.issue_key == ("A-10", "A-2", "A-2")
    assert log.at == (T0, T0, T0 + timedelta(hours=1))
    assert log.field == ("status", "sprint", "team")
    assert log.from_value == ("new", None, None)
    assert log.to_string == ("In Progress", None, ODD)
    assert list(log) == _events() and len(log) == 3 and log[2] == _events()[2]
    assert log[1:] == ChangeLog.of(_events()[1:])
    assert ChangeLog.of(log) is log


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="one length"):
        ChangeLog(
            ("A-1", "A-2"),
            (T0,),
            ("status", "status"),
            (None, None),
            (None, None),
            (None, None),
            (None, None),
        )


def test_rows_become_columns_and_a_row_of_another_length_is_refused() -> None:
    rows = [list(dataclasses.astuple(e)) for e in _events()]
    assert ChangeLog.from_rows(rows) == ChangeLog.of(_events())
    assert ChangeLog.from_rows([]) == ChangeLog()
    with pytest.raises(ValueError):
        ChangeLog.from_rows([rows[0][:6]])


def test_an_issue_is_left_out_by_key() -> None:
    # A-2's two events out (Z-9 has none): A-10's alone is left
    assert ChangeLog.of(_events()).without_issues({"A-2", "Z-9"}) == ChangeLog.of(_events()[:1])


def test_a_snapshot_given_events_holds_them_as_columns() -> None:
    snapshot = Snapshot(train="T", site_url="https://x", taken_at=T0, changes=tuple(_events()))
    assert isinstance(snapshot.changes, ChangeLog) and snapshot.change_log == ChangeLog.of(_events())
    assert Snapshot(train="T", site_url="https://x", taken_at=T0).change_log == ChangeLog()
    replaced = dataclasses.replace(snapshot, changes=[e for e in snapshot.changes if e.issue_key == "A-10"])
    assert replaced.change_log.issue_key == ("A-10",)


def test_the_snapshot_file_writes_each_event_as_it_wrote_a_change_event() -> None:
    # the same object per event, its fields by name in field order, as orjson writes the dataclass itself
    snapshot = Snapshot(train="T", site_url="https://x", taken_at=T0, changes=tuple(_events()))
    assert orjson.dumps(snapshot_to_dict(snapshot)["changes"]) == orjson.dumps(_events())
    assert snapshot_to_dict(snapshot)["changes"][2] == {
        "issue_key": "A-2",
        "at": "2026-03-02T10:30:15.123000+00:00",
        "field": "team",
        "from_value": None,
        "to_value": None,
        "from_string": "",
        "to_string": ODD,
    }
    assert snapshot_from_dict(snapshot_to_dict(snapshot)) == snapshot


def test_a_file_event_without_its_optional_fields_or_with_a_newer_one_loads() -> None:
    # from_value..to_string missing -> None; "bogus" (a field a newer syncreport wrote) left out
    data = snapshot_to_dict(Snapshot(train="T", site_url="https://x", taken_at=T0))
    data["changes"] = [
        {"issue_key": "A-1", "at": "2026-03-02T09:30:15.123000+00:00", "field": "flagged", "bogus": 1}
    ]
    assert list(snapshot_from_dict(data).changes) == [ChangeEvent("A-1", T0, "flagged")]


def test_the_snapshot_orders_events_by_time_then_issue_number_then_field_keeping_ties_in_order() -> None:
    # at T0: A-2 (number 2) before A-10 (number 10) though "A-10" < "A-2" as text; A-2's "sprint" before
    # its "status"; A-2's two "status" events at T0 keep the order they were taken in (x, then y). At T0+1h
    # the unknown issue Z-1 (no issue of the train: its key parsed on the spot) comes after them all.
    rows = event_rows(
        [
            ChangeEvent("Z-1", T0 + timedelta(hours=1), "status", "x"),
            ChangeEvent("A-10", T0, "status", "a"),
            ChangeEvent("A-2", T0, "status", "x"),
            ChangeEvent("A-2", T0, "sprint", "s"),
            ChangeEvent("A-2", T0, "status", "y"),
        ]
    )
    ordered = _in_snapshot_order(rows, {key: issue_order(key) for key in ("A-2", "A-10")})
    assert list(zip(ordered.issue_key, ordered.field, ordered.from_value, strict=True)) == [
        ("A-2", "sprint", "s"),
        ("A-2", "status", "x"),
        ("A-2", "status", "y"),
        ("A-10", "status", "a"),
        ("Z-1", "status", "x"),
    ]
    assert _in_snapshot_order([], {}) == ChangeLog()


def test_a_link_is_dated_by_the_latest_link_event_of_either_end() -> None:
    # A-1 -> A-2 added on T0 and again at T0+2h (the latest counts); A-2's side at T0+1h; A-3's link: none
    log = ChangeLog.of(
        [
            ChangeEvent("A-1", T0, "link", None, "A-2"),
            ChangeEvent("A-2", T0 + timedelta(hours=1), "link", None, "A-1"),
            ChangeEvent("A-1", T0 + timedelta(hours=2), "link", None, "A-2"),
            ChangeEvent("A-3", T0, "status", None, "A-4"),
        ]
    )
    links = [DependencyLink("1", "Blocks", "A-1", "A-2"), DependencyLink("2", "Blocks", "A-3", "A-4")]
    assert [link.created for link in _with_created(links, log)] == [T0 + timedelta(hours=2), None]


def test_a_kept_issue_s_rows_decode_to_rows_with_aware_times() -> None:
    rows: list[list[object]] = [
        ["A-1", "2026-03-02T09:30:15.123000+00:00", "status", None, "done", None, ODD]
    ]
    decoded = change_rows(rows)
    assert decoded == (("A-1", T0, "status", None, "done", None, ODD),)
    assert decoded[0][1].tzinfo is UTC
    assert change_rows([]) == ()
    with pytest.raises(ValueError):
        change_rows([["A-1", "2026-03-02T09:30:15+00:00", "status"]])
