import dataclasses
import gc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from syncreport.errors import ConfigError, DeliveryError
from syncreport.snapshot import (
    ChangeEvent,
    DependencyLink,
    Issue,
    LinkedIssue,
    Snapshot,
    Sprint,
    load_snapshot,
    save_snapshot,
)


def _snapshot() -> Snapshot:
    created = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
    return Snapshot(
        train="Phoenix",
        site_url="https://example.atlassian.net/",
        taken_at=datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
        pis=("PI 26.3", "PI 26.4"),
        current_pi="PI 26.4",
        teams=("Atlas", "Borealis"),
        issues=(
            Issue(
                id="10001",
                key="PHX-1",
                summary="<script>alert(1)</script> ship it 🚀",
                issue_type="Story",
                status="Fertig",
                status_category="done",
                project="PHX",
                created=created,
                updated=created,
                team="Atlas",
                team_choices=("Atlas", "Platform"),
                sprint_ids=(38, 40),
                pi="PI 26.4",
                points=3.0,
                due_date=date(2026, 11, 30),
                labels=("x",),
            ),
        ),
        sprints=(Sprint(id=40, name="PHX 26.4.1", state="active", board_id=7, start=created),),
        links=(DependencyLink(id="5", link_type="Blocks", provider_key="PHX-1", consumer_key="ORB-2"),),
        changes=(
            ChangeEvent(issue_key="PHX-1", at=created, field="sprint", from_value="38", to_value="38, 40"),
        ),
        linked=(LinkedIssue("ORB-2", "seen through the link only", "Resolved", "done", "Bug"),),
    )


def test_snapshot_round_trips_through_a_file(tmp_path: Path) -> None:
    original = _snapshot()
    path = save_snapshot(original, tmp_path / "train.snapshot.json.gz")
    loaded = load_snapshot(path)
    assert loaded == original
    assert loaded.issues[0].done
    assert loaded.linked[0].done and loaded.issues[0].team_choices == ("Atlas", "Platform")
    assert loaded.issue_url("PHX-1") == "https://example.atlassian.net/browse/PHX-1"


def test_saving_leaves_no_temporary_file(tmp_path: Path) -> None:
    save_snapshot(_snapshot(), tmp_path / "s.json.gz")
    assert [p.name for p in tmp_path.iterdir()] == ["s.json.gz"]


def test_saving_under_a_file_is_one_line_naming_the_file_in_the_way(tmp_path: Path) -> None:
    # reports/ is a file, so reports/s.json.gz cannot be made (mkdir raised FileExistsError before)
    (tmp_path / "reports").write_text("not a folder")
    with pytest.raises(DeliveryError) as failed:
        save_snapshot(_snapshot(), tmp_path / "reports" / "s.json.gz")
    assert failed.value.message == (
        f"cannot write the snapshot to {tmp_path / 'reports' / 's.json.gz'}: {tmp_path / 'reports'} is a file, "
        "not a folder; choose another path with --snapshot"
    )


def test_saving_onto_a_folder_is_one_line_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "snap").mkdir()
    with pytest.raises(DeliveryError, match="snap: that is a folder; give a file name"):
        save_snapshot(_snapshot(), tmp_path / "snap")
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]
    assert list((tmp_path / "snap").iterdir()) == []


def test_a_file_that_is_not_a_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ConfigError, match="not a syncreport snapshot"):
        load_snapshot(path)


def test_a_missing_snapshot_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="syncreport fetch --snapshot"):
        load_snapshot(tmp_path / "nope.json.gz")


def _with_agenda() -> Snapshot:
    from dataclasses import replace

    from syncreport.snapshot import Objective, Risk

    when = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    return replace(
        _snapshot(),
        risks=(
            Risk(
                key="PHX-9",
                summary="Vendor late",
                status="Owned",
                status_category="indeterminate",
                created=when,
                team="Atlas",
                owner="Ada",
                roam="owned",
                roam_since=when,
                priority="High",
                linked_keys=("PHX-1",),
            ),
        ),
        objectives=(
            Objective(
                key="PHX-20",
                summary="One-click pay",
                status="In Progress",
                status_category="indeterminate",
                team="Atlas",
                pi="PI 26.4",
                planned_value=8.0,
                actual_value=None,
                committed=False,
                linked_keys=("PHX-1",),
            ),
        ),
        objective_notes=("no actual business value field: set [objectives] actual_value_field",),
    )


def test_risks_and_objectives_round_trip_as_typed_values(tmp_path: Path) -> None:
    original = _with_agenda()
    loaded = load_snapshot(save_snapshot(original, tmp_path / "a.json.gz"))
    assert loaded == original
    assert loaded.risks[0].roam_since == datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    assert loaded.objectives[0].linked_keys == ("PHX-1",)


def test_a_version_1_snapshot_loads_without_risks_and_says_to_fetch_again(tmp_path: Path) -> None:
    import json

    from syncreport.snapshot import snapshot_to_dict

    data = snapshot_to_dict(_snapshot())
    data["schema_version"] = 1
    for name in ("risks", "objectives", "risk_notes", "objective_notes"):
        del data[name]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    loaded = load_snapshot(path)
    assert loaded.issues == _snapshot().issues
    assert (loaded.risks, loaded.objectives) == ((), ())
    assert "older syncreport" in loaded.risk_notes[0] and "fetch it again" in loaded.objective_notes[0]


def test_a_snapshot_of_an_unknown_version_is_refused_in_one_line(tmp_path: Path) -> None:
    import json

    from syncreport.snapshot import snapshot_to_dict

    data = snapshot_to_dict(_snapshot())
    data["schema_version"] = 9
    path = tmp_path / "new.json"
    path.write_text(json.dumps(data))
    with pytest.raises(
        ConfigError,
        match=r"snapshot schema version 9 is not supported \(this syncreport reads versions 1, 2\)",
    ):
        load_snapshot(path)


def test_a_file_written_by_the_json_module_loads_the_same_as_one_written_with_orjson(tmp_path: Path) -> None:
    """Snapshots saved before orjson (the json module, every time converted to UTC first) still load."""
    import dataclasses
    import gzip
    import json

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    original = _snapshot()
    old = tmp_path / "old.json.gz"
    # the file as the old writer made it: every dataclass a dict, the change events one dict each
    written = {**dataclasses.asdict(original), "changes": [dataclasses.asdict(e) for e in original.changes]}
    old.write_bytes(
        gzip.compress(
            json.dumps({"format": "syncreport-snapshot", **cast(dict[str, Any], plain(written))}).encode()
        )
    )
    assert load_snapshot(old) == original == load_snapshot(save_snapshot(original, tmp_path / "new.json.gz"))


def test_times_are_saved_as_iso_8601_with_their_offset_and_naive_ones_as_utc(tmp_path: Path) -> None:
    import dataclasses
    import gzip
    import json

    naive = dataclasses.replace(_snapshot(), taken_at=datetime(2026, 11, 20, 7, 0))  # no time zone
    saved = json.loads(gzip.decompress(save_snapshot(naive, tmp_path / "s.json.gz").read_bytes()))
    assert saved["taken_at"] == "2026-11-20T07:00:00+00:00"  # read as UTC, whatever the machine's zone
    assert saved["issues"][0]["created"] == "2026-10-01T09:30:00+00:00"
    assert saved["issues"][0]["due_date"] == "2026-11-30"
    assert load_snapshot(tmp_path / "s.json.gz").taken_at == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


def test_saving_and_loading_start_no_garbage_collection_and_leave_the_collector_on(tmp_path: Path) -> None:
    """The file's objects (here 5,000 events, at 50k issues 135,000) are cycle-free: with the collector on,
    their allocations start collections over everything alive (1.75 against 0.9 CPU s, the first save of a
    50k train). None starts while saving or loading, and the collector is on again after, failing too."""
    base = _snapshot()
    event = base.changes[0]
    many = dataclasses.replace(
        base,
        changes=tuple(
            ChangeEvent(event.issue_key, event.at, event.field, str(n), str(n + 1)) for n in range(5000)
        ),
    )
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(note)
    try:
        path = save_snapshot(many, tmp_path / "many.json.gz")
        loaded = load_snapshot(path)
        saved_and_loaded = list(started)
        (tmp_path / "bad.json.gz").write_bytes(b"\x1f\x8b not gzip")
        with pytest.raises(ConfigError, match="damaged"):
            load_snapshot(tmp_path / "bad.json.gz")
        [ChangeEvent(event.issue_key, event.at, event.field, str(n), None) for n in range(5000)]
    finally:
        gc.callbacks.remove(note)
    assert saved_and_loaded == []
    assert loaded == many and len(loaded.changes) == 5000
    assert gc.isenabled() and started  # on again: the 5,000 events made after started a collection
