from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncreport.deliver.state import TRENDS_FOLDER, load_history, load_previous, save_document
from syncreport.render import json_text


def _at(day: int, hour: int = 7) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def test_first_run_has_no_previous(tmp_path: Path) -> None:
    assert load_previous(tmp_path / "phoenix", _at(26)) == (None, None)


def test_previous_is_the_latest_older_run_never_this_one(tmp_path: Path) -> None:
    folder = tmp_path / "phoenix"
    for day in (12, 19, 26):
        save_document(folder, _at(day), {"run": day}, keep=10)
    # Re-rendering the 26th compares with the 19th, not with itself.
    document, path = load_previous(folder, _at(26))
    assert document == {"run": 19}
    assert path is not None and path.name == "20261119T070000Z.json"


def test_changes_since_days_skips_runs_that_are_too_recent(tmp_path: Path) -> None:
    folder = tmp_path / "phoenix"
    for day in range(18, 26):  # daily cron runs, 18th to 25th
        save_document(folder, _at(day), {"run": day}, keep=30)
    # A weekly sync on the 26th wants the changes since the run at least 7 days before: the 19th.
    document, _ = load_previous(folder, _at(26), min_age_days=7)
    assert document == {"run": 19}


def test_damaged_state_file_is_skipped_for_the_next_older_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "phoenix"
    save_document(folder, _at(12), {"run": 12}, keep=10)
    (folder / "20261119T070000Z.json").write_text('{"run": 19, "trunc')
    document, _ = load_previous(folder, _at(26))
    assert document == {"run": 12}
    assert "skipping the damaged state file" in caplog.text


def test_save_keeps_only_the_newest_documents(tmp_path: Path) -> None:
    folder = tmp_path / "phoenix"
    for day in (5, 12, 19, 26):
        save_document(folder, _at(day), {"run": day}, keep=2)
    assert sorted(p.name for p in folder.iterdir()) == ["20261119T070000Z.json", "20261126T070000Z.json"]


def test_trend_summaries_are_kept_by_age_while_documents_are_kept_by_count(tmp_path: Path) -> None:
    folder = tmp_path / "phoenix"
    for day in (5, 12, 19, 26):
        save_document(folder, _at(day), {"run": day}, keep=2, summary={"run": day}, history_days=15)
    # documents: the newest 2; summaries: those of the last 15 days before the 26th (12th, 19th, 26th)
    assert sorted(p.name for p in folder.glob("*.json")) == ["20261119T070000Z.json", "20261126T070000Z.json"]
    assert sorted(p.name for p in (folder / TRENDS_FOLDER).iterdir()) == [
        "20261112T070000Z.json",
        "20261119T070000Z.json",
        "20261126T070000Z.json",
    ]


def test_history_is_the_summaries_of_the_last_days_before_this_run_oldest_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "phoenix"
    for day in (5, 12, 19, 26):
        save_document(folder, _at(day), {"run": day}, keep=10, summary={"run": day}, history_days=100)
    (folder / TRENDS_FOLDER / "20261120T070000Z.json").write_text('{"run": 20, "tru')
    # re-running the 26th: earlier runs only, within 16 days (the 12th and the 19th; the damaged 20th skipped)
    assert load_history(folder, _at(26), days=16) == [{"run": 12}, {"run": 19}]
    assert "skipping the damaged trend summary" in caplog.text
    assert load_history(tmp_path / "nobody", _at(26), days=16) == []


def test_a_document_saved_from_its_report_json_is_those_bytes_and_reads_back_the_same(tmp_path: Path) -> None:
    # The pipeline hands in the report's JSON (indented, by render/json_text.py) instead of encoding the
    # document again: the file is those bytes, and the next run reads the same document from it.
    folder = tmp_path / "phoenix"
    document = {"run": 19, "teams": [{"name": "Vega", "late": 2, "share": 0.25}], "note": None}
    encoded = json_text.encode(document)
    path = save_document(folder, _at(19), document, keep=10, encoded=encoded)
    assert path.read_bytes() == encoded
    assert load_previous(folder, _at(26)) == (document, path)
