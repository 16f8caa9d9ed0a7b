"""report --format csv,xlsx: the files land with dated names and "latest" copies, and retention drops them."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from syncreport.config import config_from_dict
from syncreport.pipeline import run_report
from syncreport.snapshot import Snapshot, save_snapshot

TABLES = ["dependencies", "slips", "sprints", "data-quality"]


@pytest.mark.e2e
def test_csv_and_xlsx_are_written_read_back_and_kept_like_the_other_formats(
    pulled: tuple[dict[str, Any], Snapshot], tmp_path: Path
) -> None:
    data, snapshot = pulled
    out = tmp_path / "out"
    runs = []
    for days_later in (0, 7):  # report.keep = 1: the second week's run drops the first week's files
        moved = replace(snapshot, taken_at=snapshot.taken_at + timedelta(days=days_later))
        snap = save_snapshot(moved, tmp_path / f"snap-{days_later}.json.gz")
        config = config_from_dict({**data, "report": {"keep": 1}})
        runs.append(run_report(config, snapshot_path=snap, out_dir=out, formats=["csv", "xlsx", "json"]))
    run = runs[-1]
    day = (snapshot.taken_at + timedelta(days=7)).astimezone().date().isoformat()
    assert [p.name for p in run.paths] == [
        *(f"orbit-art-{day}.{name}.csv" for name in TABLES),
        f"orbit-art-{day}.xlsx",
        f"orbit-art-{day}.json",
    ]
    assert {p.name for p in run.latest_paths} >= {
        "orbit-art-latest.xlsx",
        "orbit-art-latest.dependencies.csv",
    }
    assert sorted(p.name for p in run.removed) == sorted(p.name for p in runs[0].paths)
    assert not any(p.exists() for p in runs[0].paths)

    document = json.loads(run.paths[-1].read_text())
    with run.paths[0].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # The CSV has one row per cross-team dependency of the JSON export, in the same order.
    assert [(r["Consumer"], r["Provider"]) for r in rows] == [
        (d["consumer"], d["provider"]) for d in document["dependencies"]
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(run.paths[4].read_bytes()))
    sheet = workbook["Dependencies"]
    assert sheet.max_row == len(document["dependencies"]) + 1
    first = document["dependencies"][0]["consumer"]
    assert sheet["A2"].value == first
    assert sheet["A2"].hyperlink.target == snapshot.issue_url(first)
    assert workbook["Data quality"].max_row == len(document["data_quality"]) + 1
