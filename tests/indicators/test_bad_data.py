"""Bad data is reported in data_quality (or ignored with a reason), never a crash; the export stays valid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from syncreport.indicators import compute_indicators, report_schema, to_json_document
from syncreport.indicators.results import IndicatorResults
from syncreport.snapshot import ChangeEvent, Snapshot, Sprint

from .builders import blocks, change, day, issue, sprints_for, train


def computed_and_valid(snapshot: Snapshot, previous: Any = None) -> IndicatorResults:
    results = compute_indicators(snapshot, previous=previous)
    Draft202012Validator(report_schema()).validate(to_json_document(results))
    return results


def nasty_train() -> Snapshot:
    issues = [
        issue("A-1", "A", (11, 12, 999)),  # 999: a sprint the snapshot does not know
        issue("A-2", None, ()),  # no team
        issue("B-1", "B", (21,)),
        issue("C-1", "C", (77,), status="done"),
    ]
    sprints = [
        *sprints_for("A", "B"),
        Sprint(77, "C Sprint backwards", "closed", None, day(10), day(5)),  # ends before it starts
        Sprint(78, "Undated active sprint", "active", 3),
    ]
    changes = [
        change("A-1", 1, "sprint", "abc", "11, x, 12"),  # unparsable ids are skipped
        change("A-1", 2, "duedate", "garbage", "2026-13-45"),
        change("A-1", 3, "points", "x", "y"),
        change("Z-9", 3, "status", "new", "done"),  # an issue that is not in the snapshot
        change("A-1", 4, "pi", "PI-X", None),
        change("A-1", 5, "flagged", None, None),
        change("B-1", 7, "status", None, None),
        ChangeEvent("A-2", datetime(2026, 1, 10), "sprint", None, "21"),  # no time zone
    ]
    links = [
        blocks("A-1", "A-1"),  # to itself
        blocks("Q-1", "Q-2"),  # neither end in the train
        blocks("B-1", "A-1"),
        blocks("B-1", "A-1", link_id="again"),  # the same dependency twice
        blocks("A-2", "C-1"),
    ]
    return train(issues, sprints, links, changes)


def test_empty_snapshot_gives_an_empty_green_report() -> None:
    results = computed_and_valid(
        Snapshot(train="Empty ART", site_url="https://jira.example.com", taken_at=day(0))
    )
    assert (results.train_health.health, results.dependencies, results.issues) == ("green", (), ())
    assert [f.kind for f in results.data_quality] == ["no_calendar"]


def test_nasty_data_is_reported_not_fatal() -> None:
    results = computed_and_valid(nasty_train())
    # the duplicate counts once, the self-link and the link outside the train are dropped:
    # A-1 (latest known sprint 12: I2) needs B-1 (I1) -> on track; C-1 (done) needs A-2 (not done, no
    # sprint) -> consumer_done: the need has passed (docs/indicators.md 1, status 2, before unscheduled)
    assert sorted((d.consumer.key, d.provider.key, d.status) for d in results.dependencies) == [
        ("A-1", "B-1", "on_track"),
        ("C-1", "A-2", "consumer_done"),
    ]
    kinds = {f.kind: f.keys for f in results.data_quality}
    assert kinds["unknown_sprint"] == ("A-1",)
    assert kinds["sprint_dates_inverted"] == ("77",)
    assert kinds["self_link"] == ("A-1",)
    assert kinds["missing_team"] == ("A-2",)
    assert "naive_time" in kinds


@pytest.mark.parametrize(
    "previous",
    [
        {"schema_version": 1, "train": "not an object"},
        {
            "schema_version": 1,
            "train": {"name": "Rocket ART"},
            "issues": [{"key": "A-1", "carry_over": "many", "pi_slip": "x", "done": "no"}, 3],
            "dependencies": [{"consumer": ["x"], "provider": {}}, None],
        },
        [],
        "not a document",
    ],
)
def test_damaged_previous_documents_are_read_as_far_as_they_go(previous: Any) -> None:
    results = computed_and_valid(nasty_train(), previous=previous)
    assert results.changes.available == (
        isinstance(previous, dict) and isinstance(previous.get("train"), dict)
    )
