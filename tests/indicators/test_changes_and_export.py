"""The JSON export (validated against the shipped schema) and the changes since the previous run's export.

Sprints: team A 11/12/13, team B 21/22/23 in iterations 1/2/3. Expected changes are worked out by hand
from the two hand-built weeks below.
"""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from syncreport.indicators import compute_indicators, report_schema, to_json_document
from syncreport.snapshot import Snapshot

from .builders import blocks, change, due, issue, sprints_for, train

SPRINTS = sprints_for("A", "B", "C")


def week_one() -> Snapshot:
    # A-1 needs B-1: B-1 in sprint 21 (I1), A-1 in 12 (I2) -> on track
    # A-2 needs B-2: B-2 in 23 (I3), A-2 in 12 (I2) -> late
    # A-3 needs C-1: C-1 in 32, A-3 in 13 -> on track; this link is gone in week two
    issues = [
        issue("A-1", "A", (12,)),
        issue("A-2", "A", (12,)),
        issue("A-3", "A", (13,)),
        issue("A-4", "A", (12,)),
        issue("B-1", "B", (21,)),
        issue("B-2", "B", (23,)),
        issue("C-1", "C", (32,)),
    ]
    links = [blocks("B-1", "A-1"), blocks("B-2", "A-2"), blocks("C-1", "A-3")]
    return train(issues, SPRINTS, links, now=16)


def week_two() -> Snapshot:
    # B-1 moved on to 23 (I3) -> late for A-1 (turned late); B-2 done -> done (recovered);
    # C-1 -> A-3 link removed; new link B-3 -> A-4 (B-3 in 22, A-4 in 12 would be late, but A-4 is done and
    # B-3 is not -> consumer_done: the need has passed); A-3 due date pushed by 7 days (newly slipped); B-1 was in sprint 21 when it closed on day 14,
    # not done, and moved on to 23: carried over once (newly slipped)
    issues = [
        issue("A-1", "A", (12,)),
        issue("A-2", "A", (12,)),
        issue("A-3", "A", (13,), due_date=due(43)),
        issue("A-4", "A", (12,), status="done"),
        issue("B-1", "B", (21, 23)),
        issue("B-2", "B", (23,), status="done"),
        issue("B-3", "B", (22,)),
        issue("C-1", "C", (32,)),
    ]
    changes = [
        change("B-1", 15, "sprint", "21", "21, 23"),
        change("A-3", 17, "duedate", "2026-02-10", "2026-02-17"),
    ]
    links = [blocks("B-1", "A-1"), blocks("B-2", "A-2"), blocks("B-3", "A-4")]
    return train(issues, SPRINTS, links, changes, now=23)


def test_export_is_valid_against_the_schema_and_json_serialisable() -> None:
    results = compute_indicators(week_two(), previous=to_json_document(compute_indicators(week_one())))
    document = to_json_document(results)
    Draft202012Validator(report_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        document
    )
    text = json.dumps(document)
    assert json.loads(text) == document
    assert document["schema_version"] == 2
    assert document["train"]["name"] == "Rocket ART"
    assert document["train"]["generated_at"] == "2026-01-28T00:00:00Z"
    assert {d["status"] for d in document["dependencies"]} <= {
        "done",
        "consumer_done",
        "external",
        "unscheduled",
        "late",
        "at_risk",
        "consumer_unscheduled",
        "on_track",
    }
    # week two: A-1 late, A-2 done, A-4 consumer_done (counted in the export, not in the summary's counts)
    assert document["dependency_counts"]["consumer_done"] == 1
    assert "consumer_done" not in {c.status for c in results.status_counts}


def test_export_lists_what_the_issue_asks_for() -> None:
    document = to_json_document(compute_indicators(week_two()))
    dep = next(d for d in document["dependencies"] if d["consumer"] == "A-1")
    assert {k: dep[k] for k in ("provider", "consumer_team", "provider_team", "link_type", "status")} == {
        "provider": "B-1",
        "consumer_team": "A",
        "provider_team": "B",
        "link_type": "Blocks",
        "status": "late",
    }
    assert (dep["consumer_sprint"], dep["provider_sprint"], dep["cross_pi"]) == (
        "A Sprint 2",
        "B Sprint 3",
        False,
    )
    a3 = next(i for i in document["issues"] if i["key"] == "A-3")
    assert {k: a3[k] for k in ("team", "sprint", "done", "carry_over", "due_date_slip_days", "pi_slip")} == {
        "team": "A",
        "sprint": "A Sprint 3",
        "done": False,
        "carry_over": 0,
        "due_date_slip_days": 7,
        "pi_slip": None,
    }
    assert {"team", "sprint", "committed", "completed", "added", "reliability"} <= set(document["sprints"][0])
    assert document["changes_since_last"]["available"] is False


def test_changes_since_last_run_name_turned_late_recovered_new_removed_slipped_and_resolved() -> None:
    previous = to_json_document(compute_indicators(week_one()))
    changes = compute_indicators(week_two(), previous=previous).changes
    assert changes.available
    assert changes.previous_train_health in ("green", "amber", "red")
    assert [(c.consumer, c.provider, c.previous_status, c.status) for c in changes.turned_late] == [
        ("A-1", "B-1", "on_track", "late")
    ]
    assert [(c.consumer, c.provider, c.previous_status, c.status) for c in changes.recovered] == [
        ("A-2", "B-2", "late", "done")
    ]
    assert [(c.consumer, c.provider, c.status) for c in changes.new_dependencies] == [
        ("A-4", "B-3", "consumer_done")
    ]
    assert [(c.consumer, c.provider, c.status) for c in changes.removed_dependencies] == [
        ("A-3", "C-1", None)
    ]
    assert [(c.key, c.detail) for c in changes.newly_slipped] == [
        ("A-3", "due date slipped 7 days in all (was 0)"),
        ("B-1", "carried over (0 -> 1)"),
    ]
    assert sorted(c.key for c in changes.resolved) == ["A-4", "B-2"]


def test_previous_run_of_another_train_or_schema_is_ignored_with_a_reason() -> None:
    previous = to_json_document(compute_indicators(week_one()))
    other = {**previous, "train": {**previous["train"], "name": "Other ART"}}
    changes = compute_indicators(week_two(), previous=other).changes
    assert (changes.available, changes.reason) == (
        False,
        "the previous run was for train '\u2068Other ART\u2069', not '\u2068Rocket ART\u2069'",
    )
    old = compute_indicators(week_two(), previous={"schema_version": 0}).changes
    assert old.available is False and "schema version 0" in (old.reason or "")


def test_damaged_previous_document_never_crashes() -> None:
    damaged = {
        "schema_version": 1,
        "train": {"name": "Rocket ART"},
        "dependencies": "oops",
        "issues": [1, None],
    }
    changes = compute_indicators(week_two(), previous=damaged).changes
    assert changes.available
    # every current dependency is "new" against a previous run that listed none
    assert len(changes.new_dependencies) == 3


def test_schema_is_versioned_draft_2020_12() -> None:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/v2.json")
    assert schema["properties"]["schema_version"] == {"const": 2}


def test_the_export_of_a_big_train_collects_garbage_once_at_most() -> None:
    # 3,000 issues: the export makes about two containers per issue (its dict, its sprints_passed list), so
    # unpaused the collector would start about every 700 new containers: 6,000 / 700 -> 8 collections.
    # Paused (the document has no cycles) it starts at most once, when it is enabled again on leaving.
    # The document is the same either way: first and last issue in key order, every issue in it.
    import gc

    snapshot = train([issue(f"A-{n}", "A", (12,)) for n in range(1, 3001)], SPRINTS, [], now=16)
    results = compute_indicators(snapshot)
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        document = to_json_document(results)
    finally:
        gc.callbacks.remove(count)
    assert len(collections) <= 1
    assert len(document["issues"]) == 3000
    assert document["issues"][0]["key"] == "A-1"
    assert document["issues"][-1]["key"] == "A-3000"
