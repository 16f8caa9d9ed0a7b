"""The PI baseline through run_report: taken on the right run, kept apart, never replaced, safe from a kill.

The train is the hand-built one of tests/indicators/builders.py: team A's sprints 11-13 make the derived
calendar I1 = days 0-14 (from Monday 2026-01-05), I2 = days 14-28, I3 = days 28-42. A run on day 3 or 10 is
inside I1; a run on day 21 is not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

from syncreport.config import Config, config_from_dict
from syncreport.deliver.state import baseline_path
from syncreport.pipeline import run_report
from syncreport.snapshot import Snapshot, save_snapshot

from ..indicators.builders import day, issue, sprints_for, train


def _train(now_day: float, *, second_story: bool = False) -> Snapshot:
    # F-1: A-0 (I1, done, 2 points) and A-1 (I2, 5 points); A-9 (I3, 1 point) has no feature
    issues = [
        issue("F-1", "A", issue_type="Feature", pi="PI-2"),
        issue("A-0", "A", (11,), parent_key="F-1", pi="PI-2", points=2.0, status="done"),
        issue("A-1", "A", (12,), parent_key="F-1", pi="PI-2", points=5.0),
        issue("A-9", "A", (13,), pi="PI-2", points=1.0),
    ]
    if second_story:  # added after planning: F-1's last story now lands in I3
        issues.append(issue("A-2", "A", (13,), parent_key="F-1", pi="PI-2", points=3.0))
    return replace(train(issues, sprints_for("A", now_day=now_day), now=now_day), taken_at=day(now_day))


def _run(tmp_path: Path, snapshot: Snapshot, name: str) -> dict[str, Any]:
    path = save_snapshot(snapshot, tmp_path / f"{name}.json.gz")
    run_report(None, snapshot_path=path, out_dir=tmp_path / "out", formats=["json"])
    latest = tmp_path / "out" / "rocket-art-latest.json"
    document: dict[str, Any] = json.loads(latest.read_text())
    return document


def _kept(tmp_path: Path) -> Path:
    return baseline_path(tmp_path / "out" / ".syncreport" / "rocket-art", "PI-2")


def test_the_first_run_in_i1_is_kept_as_the_baseline_and_later_runs_never_replace_it(tmp_path: Path) -> None:
    # day 3, in I1, nothing kept: this run is the baseline, written apart from the rolling history
    first = _run(tmp_path, _train(3), "day3")
    assert first["baseline"]["this_run"] is True
    kept = _kept(tmp_path).read_bytes()
    assert json.loads(kept)["train"]["generated_at"] == first["train"]["generated_at"]
    # day 10, still in I1, with a story added: compared with day 3's plan, and the kept file is unchanged
    second = _run(tmp_path, _train(10, second_story=True), "day10")
    assert (second["baseline"]["available"], second["baseline"]["this_run"]) == (True, False)
    assert second["baseline"]["taken_at"] == first["train"]["generated_at"]
    # F-1's forecast moved from I2 (A-1) to I3 (A-2): one iteration later; A's scope grew from 2 + 5 + 1 = 8
    # points to 8 + 3 = 11
    assert second["baseline"]["features_moved"] == [
        {"key": "F-1", "team": "A", "before": "I2", "after": "I3", "iterations": 1}
    ]
    assert [(s["team"], s["baseline"], s["now"]) for s in second["baseline"]["scope"]] == [("A", 8.0, 11.0)]
    assert _kept(tmp_path).read_bytes() == kept
    # day 21 (I2): still the same baseline; retention of the rolling history (keep) never drops it
    _run(tmp_path, _train(21, second_story=True), "day21")
    assert _kept(tmp_path).read_bytes() == kept


def test_no_run_in_i1_means_no_baseline_and_the_report_says_how_to_name_one(tmp_path: Path) -> None:
    document = _run(tmp_path, _train(21), "day21")
    assert document["baseline"]["available"] is False
    assert "no run was kept from its first iteration" in document["baseline"]["reason"]
    assert not _kept(tmp_path).exists()


_KILLED_RUN = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from syncreport.pipeline import run_report

    def die(*args, **kwargs):  # the process is killed at the worst moment: {where}
        os.kill(os.getpid(), signal.SIGKILL)

    {patch}
    run_report(None, snapshot_path=Path(sys.argv[1]), out_dir=Path(sys.argv[2]), formats=["json"])
    """
)


def _killed_run(tmp_path: Path, snapshot: Snapshot, *, where: str, patch: str) -> int:
    path = save_snapshot(snapshot, tmp_path / "killed.json.gz")
    script = _KILLED_RUN.format(where=where, patch=patch)
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), str(tmp_path / "out")],
        capture_output=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )
    return done.returncode


def test_a_run_killed_while_keeping_the_baseline_leaves_none_and_the_next_run_takes_it(
    tmp_path: Path,
) -> None:
    # killed between writing the staged file and linking it into place: no baseline, no half file
    code = _killed_run(tmp_path, _train(3), where="before the baseline is linked in", patch="os.link = die")
    assert code == -signal.SIGKILL
    assert not _kept(tmp_path).exists()
    # the next run inside I1 takes the baseline, and tidies what the killed one left behind
    document = _run(tmp_path, _train(5), "day5")
    assert document["baseline"]["this_run"] is True
    assert (
        json.loads(_kept(tmp_path).read_text())["train"]["generated_at"] == document["train"]["generated_at"]
    )
    assert [p.name for p in _kept(tmp_path).parent.iterdir()] == [_kept(tmp_path).name]


def test_a_run_killed_later_in_i1_leaves_the_kept_baseline_as_it_was(tmp_path: Path) -> None:
    _run(tmp_path, _train(3), "day3")
    kept = _kept(tmp_path).read_bytes()
    # a later run in I1 (with a changed plan) killed while it writes its report files
    code = _killed_run(
        tmp_path, _train(10, second_story=True), where="while the report is written", patch="os.replace = die"
    )
    assert code == -signal.SIGKILL
    assert _kept(tmp_path).read_bytes() == kept


def _config(tmp_path: Path, **baseline: object) -> Config:
    return config_from_dict(
        {
            "jira": {"url": "https://jira.example.com", "deployment": "datacenter"},
            "train": {"name": "Rocket ART", "jql": "project = A"},
            "report": {"out_dir": str(tmp_path / "out"), "formats": ["json"]},
            "baseline": baseline,
        }
    )


def _run_with(tmp_path: Path, config: Config, snapshot: Snapshot, name: str) -> dict[str, Any]:
    path = save_snapshot(snapshot, tmp_path / f"{name}.json.gz")
    run_report(config, snapshot_path=path)
    document: dict[str, Any] = json.loads((tmp_path / "out" / "rocket-art-latest.json").read_text())
    return document


def test_a_baseline_date_takes_the_first_run_on_or_after_it(tmp_path: Path) -> None:
    config = _config(tmp_path, date="2026-01-20")  # day 15, in I2
    # day 3 and day 10 are before the date: no baseline yet, and the report says when it will be taken
    early = _run_with(tmp_path, config, _train(10), "day10")
    assert (
        early["baseline"]["reason"]
        == "no baseline yet: it will be taken by the first run on or after 2026-01-20"
    )
    # day 16 is the first run on or after it: the baseline; day 21 compares with it
    taken = _run_with(tmp_path, config, _train(16), "day16")
    assert taken["baseline"]["this_run"] is True
    later = _run_with(tmp_path, config, _train(21, second_story=True), "day21")
    assert later["baseline"]["taken_at"] == taken["train"]["generated_at"]
    assert later["baseline"]["source"] == "the first run on or after 2026-01-20"


def test_a_baseline_date_in_the_past_takes_the_kept_run_from_the_history(tmp_path: Path) -> None:
    # runs on days 10 and 16 with no baseline configured (I1 had a run on day 10: that one was kept);
    # then the config names day 15: the first run kept on or after it is day 16's, and it is kept apart
    _run(tmp_path, _train(10), "day10")
    _run(tmp_path, _train(16), "day16")
    _kept(tmp_path).unlink()  # start over: as if the I1 run had never been kept
    config = _config(tmp_path, date="2026-01-20")
    later = _run_with(tmp_path, config, _train(21, second_story=True), "day21")
    assert later["baseline"]["taken_at"] == day(16).isoformat().replace("+00:00", "Z")
    assert json.loads(_kept(tmp_path).read_text())["train"]["generated_at"] == later["baseline"]["taken_at"]


def test_a_baseline_snapshot_file_is_the_plan_compared_with(tmp_path: Path) -> None:
    planning = save_snapshot(_train(3), tmp_path / "pi-planning.json.gz")
    config = _config(tmp_path, snapshot=str(planning))
    document = _run_with(tmp_path, config, _train(21, second_story=True), "day21")
    assert document["baseline"]["taken_at"] == day(3).isoformat().replace("+00:00", "Z")
    assert document["baseline"]["source"].startswith("the snapshot pi-planning.json.gz")
    assert document["baseline"]["features_moved"][0]["key"] == "F-1"
    assert not _kept(tmp_path).exists()  # a named snapshot is read every run, nothing kept


def test_a_damaged_kept_baseline_is_said_so_and_never_replaced(tmp_path: Path) -> None:
    _run(tmp_path, _train(3), "day3")
    _kept(tmp_path).write_text("{half a docum")
    document = _run(tmp_path, _train(5), "day5")  # still in I1, but a baseline is there: not replaced
    assert document["baseline"]["available"] is False
    assert document["baseline"]["reason"].startswith(f"the kept baseline {_kept(tmp_path)} cannot be read")
    assert _kept(tmp_path).read_text() == "{half a docum"
