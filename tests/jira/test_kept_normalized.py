"""A warm run takes the train's unchanged issues as the last pull normalized them (syncreport.jira.normalized).

Before, every warm run normalized every cached row again (10,016 ``builder.add`` calls at 10k, about 1.1
CPU s). Each scenario below is worked out by hand on a 300-issue site: the warm run's snapshot must equal
(==, but for ``taken_at``) what a cold pull with an empty cache gives at the same moment, and the count of
issues taken as kept (``kept_normalized``) is the train's size less what had to be normalized again:

- nothing changed: every train issue kept;
- 5 issues flagged: those 5 fetched and normalized, the rest kept;
- an issue moved to another project (new key, same id): it is fetched; the others kept;
- an issue deleted (one that is no issue's parent: a child's cached copy would still name a deleted
  parent, kept or normalized again alike, as Jira does not update the child): it leaves the scope; the
  others kept;
- a status added to the site and an issue moved into it: the status list is asked again and knows it,
  so the recipe (which digests the status list) changes: nothing kept, all normalized again;
- the train's settings changed (only "Blocks" links are dependencies, no longer "Dependency" too): no
  issue fetched (the fields asked are the same), nothing kept;
- a kept row damaged in the cache file: that one row is normalized again (and kept anew), the rest kept.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from syncreport.config import Config
from syncreport.jira import pull
from syncreport.jira.fetch import PullResult
from syncreport.simulator import start_simulator
from syncreport.simulator.model import Status
from tests.jira.test_jira_e2e import make_config, same, train_keys

pytestmark = pytest.mark.e2e


def _cold(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, **overrides: Any) -> Any:
    """A cold pull with its own empty cache, at the simulator's moment."""
    folder = tmp_path / name
    folder.mkdir()
    return pull(make_config(sim, folder, monkeypatch, **overrides), now=sim.now).snapshot


def _warm(config: Config, sim: Any) -> PullResult:
    return pull(config, now=sim.now)


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_warm_run_keeps_what_did_not_change_and_equals_a_cold_pull(
    deployment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_simulator(deployment=deployment, issues=300, seed=7) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        cold = pull(config, now=sim.now)
        train = len(train_keys(sim))
        assert cold.stats.kept_normalized == 0

        quiet = _warm(config, sim)
        assert quiet.stats.fetched == 0 and quiet.stats.kept_normalized == train
        assert same(quiet.snapshot, cold.snapshot)

        touched = sorted(train_keys(sim))[:5]
        for key in touched:
            sim.touch_issue(key, flagged=not cold.snapshot.issues_by_key()[key].flagged)
        five = _warm(config, sim)
        assert five.stats.fetched == 5 and five.stats.kept_normalized == train - 5
        assert same(five.snapshot, _cold(sim, tmp_path, monkeypatch, "five"))

        moving = sorted(k for k in train_keys(sim) if k.startswith("ORB-"))[0]
        sim.move_issue(moving, "ATL", at=sim.site.now + timedelta(hours=2))
        moved = _warm(config, sim)
        assert moved.stats.fetched == 1 and moved.stats.kept_normalized == train - 1
        assert same(moved.snapshot, _cold(sim, tmp_path, monkeypatch, "moved"))
        again = _warm(config, sim)  # the move is kept too (its changelog's Key item is not in the cache)
        assert again.stats.kept_normalized == train and same(again.snapshot, moved.snapshot)

        parents = {i.parent_key for i in again.snapshot.issues}
        sim.remove_from_scope(sorted(train_keys(sim) - parents)[7])
        deleted = _warm(config, sim)
        assert deleted.stats.kept_normalized == train - 1
        assert same(deleted.snapshot, _cold(sim, tmp_path, monkeypatch, "deleted"))


def test_a_new_status_or_other_train_settings_normalize_everything_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_simulator(deployment="cloud", issues=300, seed=7) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        pull(config, now=sim.now)
        train = len(train_keys(sim))

        sim.site.statuses["19999"] = Status("19999", "Security Review", "indeterminate")
        sim.site.version += 1
        sim.touch_issue(sorted(train_keys(sim))[0], status="19999")
        reviewed = _warm(config, sim)
        assert reviewed.stats.kept_normalized == 0, reviewed.stats.requests_by_endpoint
        assert same(reviewed.snapshot, _cold(sim, tmp_path, monkeypatch, "status"))
        assert _warm(config, sim).stats.kept_normalized == train  # kept by the new recipe

        blocks_only = {"dependency_link_types": [{"name": "Blocks", "provider": "outward"}]}
        other = _warm(make_config(sim, tmp_path, monkeypatch, train=blocks_only), sim)
        assert other.stats.fetched == 0 and other.stats.kept_normalized == 0
        assert same(other.snapshot, _cold(sim, tmp_path, monkeypatch, "blocks", train=blocks_only))
        assert {link.link_type for link in other.snapshot.links} == {"Blocks"}


def test_a_damaged_kept_row_is_normalized_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with start_simulator(deployment="cloud", issues=300, seed=7) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        cold = pull(config, now=sim.now)
        train = len(train_keys(sim))
        with sqlite3.connect(tmp_path / "cache.sqlite3") as db:
            (victim,) = db.execute("SELECT id FROM normalized ORDER BY id LIMIT 1").fetchone()
            db.execute("UPDATE normalized SET body = ? WHERE id = ?", (b'{"issue": {"key": 1', victim))
            db.execute("UPDATE normalized SET body = ? WHERE id = (SELECT MAX(id) FROM normalized)", (b"[]",))
        warm = _warm(config, sim)
        assert warm.stats.kept_normalized == train - 2
        assert same(warm.snapshot, cold.snapshot)
        assert _warm(config, sim).stats.kept_normalized == train  # both made again and kept
