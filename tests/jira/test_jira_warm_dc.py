"""A warm Data Center run asks only for what changed (issue 15, item 4), against the simulator.

Expected answers by hand: a 3,500-issue site (over 2,000 of them the train's). Before, a warm run listed
the whole scope again (at 1,000 a page: three search pages), then searched the changed issue by id,
then the far ends: at least four requests for the train. Now: one search for what was updated since the last
run (with fields and changelogs), the JQL's exact total beside it, and the far ends: three. The risks' and
PI objectives' search (one for both, every run) comes on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from syncreport.jira import pull
from syncreport.simulator import start_simulator
from tests.jira.test_jira_e2e import make_config, same, train_keys

pytestmark = pytest.mark.e2e
AGENDA_SEARCHES = 1  # the risks and PI objectives: their default queries, in one search


def _train_requests(sim: Any) -> int:
    return int(sim.stats()["total"]) - AGENDA_SEARCHES


def test_a_warm_data_center_run_asks_three_requests_and_finds_the_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_simulator(deployment="datacenter", issues=3500, seed=7) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        cold = pull(config)
        assert cold.stats.in_scope > 2000  # more than two pages of the scope
        sim.reset_stats()
        unchanged = pull(config)
        assert _train_requests(sim) <= 3, sim.stats()
        assert unchanged.stats.fetched == 0 and same(unchanged.snapshot, cold.snapshot)

        key = sorted(train_keys(sim))[0]
        was = cold.snapshot.issues_by_key()[key].flagged
        sim.touch_issue(key, flagged=not was)
        sim.reset_stats()
        changed = pull(config)
        assert _train_requests(sim) <= 3, sim.stats()
        assert changed.stats.fetched == 1 and changed.stats.left_scope == []
        assert changed.snapshot.issues_by_key()[key].flagged is (not was)


def test_an_issue_that_left_without_an_update_is_found_by_the_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The exact total is one less than the last scope plus what changed: the run lists every id again and
    # names the issue that left.
    with start_simulator(deployment="datacenter", issues=600, seed=7) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        pull(config)
        gone = sorted(train_keys(sim))[-1]
        sim.remove_from_scope(gone)
        after = pull(config)
        assert after.stats.left_scope == [gone]
        assert gone not in after.snapshot.issues_by_key()
