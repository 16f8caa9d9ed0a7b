"""Issue 10 items 7 and 8, syncreport's side: search's eventual consistency and moved issues.

The simulator models both as Atlassian documents them (tests/simulator/test_docs_fidelity.py): search sees
an edit or a deletion ``search_lag_s`` later, the issue resources at once; a moved issue keeps its id, gets
a new key, and answers by its old key too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncreport.config import Config, config_from_dict
from syncreport.indicators import compute_indicators, to_json_document
from syncreport.jira import pull
from syncreport.simulator import SimulatorHandle, demo_config, start_simulator
from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE
from syncreport.snapshot import MovedIssue

pytestmark = pytest.mark.e2e


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _work(site: Any, issue: Any) -> bool:
    return bool(site.project(issue.project).in_train) and issue.issuetype not in (RISK_TYPE, OBJECTIVE_TYPE)


def _config(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    data = demo_config(sim)
    monkeypatch.setenv(data["jira"]["token_env"], sim.token)
    data["cache"] = {"path": str(tmp_path / "cache.sqlite3")}
    return config_from_dict(data, tmp_path / "syncreport.toml")


def _orb_blocks_nova(sim: SimulatorHandle) -> Any:
    """A Blocks link from an ORB work item to a NOVA one (the simulator's link: source, target, id)."""
    return next(
        x
        for x in sim.site.links
        if x.type == "Blocks" and x.source.startswith("ORB-") and x.target.startswith("NOVA-")
        and _work(sim.site, sim.site.by_key[x.source]) and _work(sim.site, sim.site.by_key[x.target])
    )  # fmt: skip


def test_an_issue_deleted_a_moment_before_the_run_is_not_a_failed_pull(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search still lists an issue deleted a few seconds ago; issue/bulkfetch no longer returns it (and names
    no issueErrors). Before: the pull asked three times and failed ("issue/bulkfetch left out 1 issue(s)").
    Expected: the pull asks search again with reconcileIssues (consistent for those ids), which says the
    issue is gone; the report has every other issue of the train (the train's work less one) and a
    "search_behind" finding naming the gone issue by its id (the only name search gave it)."""
    clock = Clock()
    with start_simulator(deployment="cloud", issues=300, seed=7, clock=clock, search_lag_s=60) as sim:
        config = _config(sim, tmp_path, monkeypatch)
        train = [i.key for i in sim.site.issues if _work(sim.site, i)]
        deleted = train[len(train) // 2]
        deleted_id = sim.site.by_key[deleted].id
        sim.remove_from_scope(deleted)
        result = pull(config, now=sim.now, sleep=lambda _: None)
        keys = {i.key for i in result.snapshot.issues if i.in_train}
        assert keys == set(train) - {deleted}
        assert result.stats.in_scope == len(train) - 1
        findings = compute_indicators(result.snapshot).data_quality
        behind = next(f for f in findings if f.kind == "search_behind")
        assert f"id {deleted_id}" in behind.detail and behind.count == 1


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_moved_issue_keeps_its_identity_and_its_links(
    deployment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ORB-x blocks NOVA-y; ORB-x is moved to ATL (still in the train) between two runs. Jira gives the
    moved issue a new key and a new ``updated``; NOVA-y is not updated, so the warm run takes it from the
    cache, where its link still names ORB-x. Expected: the warm run's snapshot has the moved issue once,
    under its new key and in the train; the dependency joins the new key to NOVA-y; ORB-x is nowhere (not
    an issue, not a far end, not a link end)."""
    with start_simulator(deployment=deployment, issues=300, seed=7) as sim:
        config = _config(sim, tmp_path, monkeypatch)
        link = _orb_blocks_nova(sim)
        old_key, other = link.source, link.target
        first = pull(config, now=sim.now).snapshot
        new_key = sim.move_issue(old_key, "ATL", at=sim.site.now + timedelta(hours=2))
        warm = pull(config, now=sim.now)
        snapshot = warm.snapshot
        # "changes since the last run" matches the moved issue by what it is, not by its old key: the
        # dependency is in both runs (cross-team: ORB's and NOVA's teams), so it is neither new nor removed
        assert [m for m in snapshot.moved if m.key == new_key] == [MovedIssue(old_key, new_key)]
        before = to_json_document(compute_indicators(first))
        changes = compute_indicators(snapshot, previous=before).changes
        now_pairs = {(d.consumer.key, d.provider.key) for d in compute_indicators(snapshot).dependencies}
        assert (other, new_key) in now_pairs
        assert (other, new_key) not in {(c.consumer, c.provider) for c in changes.new_dependencies}
        assert (other, old_key) not in {(c.consumer, c.provider) for c in changes.removed_dependencies}
        by_key = snapshot.issues_by_key()
        assert old_key not in by_key and by_key[new_key].in_train
        ends = {(d.provider_key, d.consumer_key) for d in snapshot.links if d.id == link.id}
        assert ends == {(new_key, other)}
        assert old_key not in {k for d in snapshot.links for k in (d.provider_key, d.consumer_key)}
        assert old_key not in {e.key for e in snapshot.linked}


def test_an_edit_search_does_not_show_yet_is_in_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search shows an edit 5 minutes late; the issue resources at once. At 09:00 A is edited (its updated:
    09:01, as the simulator never dates a change before the generated data's minute), at 09:05:01 B, at
    09:07 A again. Run 2 (09:07) sees A's first edit in search, so it fetches A, whose stored copy is
    then the 09:07 one: the watermark is 09:07, two minutes past B's edit, which search does not show yet.
    Run 2 cannot know of B's edit (search is the only way to learn what changed): B keeps its old summary.
    Run 3 (5 minutes later) asks "updated since the watermark less 1 h", so B's edit is in it, as it is in
    search by then; without the margin ("updated >= 09:07") it would be missed until B changes again."""
    clock = Clock()
    with start_simulator(deployment="cloud", issues=300, seed=7, clock=clock, search_lag_s=300) as sim:
        config = _config(sim, tmp_path, monkeypatch)
        train = [i.key for i in sim.site.issues if _work(sim.site, i)]
        pull(config, now=sim.now)
        a, b = train[3], train[7]
        sim.touch_issue(a, summary="A edited first")
        clock.now += timedelta(minutes=5, seconds=1)
        sim.touch_issue(b, summary="B edited before run 2")
        clock.now += timedelta(minutes=1, seconds=59)
        sim.touch_issue(a, summary="A edited again")
        run2 = pull(config, now=sim.now).snapshot
        second = run2.issues_by_key()
        assert second[a].summary == "A edited again"  # fetched: the issue resources are current
        assert second[b].summary != "B edited before run 2"
        # not silent: search showed A at 09:01 while A itself says 09:07, so the report says search was behind
        behind = next(f for f in compute_indicators(run2).data_quality if f.kind == "search_behind")
        assert behind.keys == (a,) and "09:07:00" in behind.detail and "09:01:00" in behind.detail
        clock.now += timedelta(minutes=5, seconds=1)
        third = pull(config, now=sim.now).snapshot.issues_by_key()
        assert third[b].summary == "B edited before run 2"


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_an_issue_moved_out_of_the_train_is_a_far_end_under_its_new_key(
    deployment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ORB-x blocks NOVA-y; ORB-x is moved to PLAT (outside the train's JQL) between two runs. The warm run
    takes NOVA-y from the cache, whose link still names ORB-x; Jira answers the far end ORB-x as PLAT-n.
    Before: the dependency kept ORB-x, an issue the snapshot does not have, beside PLAT-n with no link.
    Expected: the dependency is PLAT-n -> NOVA-y, PLAT-n is a far end (not in the train), ORB-x is nowhere."""
    with start_simulator(deployment=deployment, issues=300, seed=7) as sim:
        config = _config(sim, tmp_path, monkeypatch)
        link = _orb_blocks_nova(sim)
        old_key, other = link.source, link.target
        pull(config, now=sim.now)
        new_key = sim.move_issue(old_key, "PLAT", at=sim.site.now + timedelta(hours=2))
        snapshot = pull(config, now=sim.now).snapshot
        by_key = snapshot.issues_by_key()
        assert old_key not in by_key and not by_key[new_key].in_train
        assert {(d.provider_key, d.consumer_key) for d in snapshot.links if d.id == link.id} == {
            (new_key, other)
        }
        assert old_key not in {k for d in snapshot.links for k in (d.provider_key, d.consumer_key)}
        assert old_key not in {e.key for e in snapshot.linked}
