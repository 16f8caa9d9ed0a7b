"""The pull runs on the clock handed in: the snapshot's time and the cache's max-ages come from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncreport.clock import fixed_clock
from syncreport.config import config_from_dict
from syncreport.jira import pull
from syncreport.simulator import demo_config, start_simulator

pytestmark = pytest.mark.e2e

MOMENT = datetime(2027, 3, 28, 10, 0, tzinfo=UTC)  # a day European clocks change, far from the wall clock


def test_taken_at_and_the_sprint_lists_max_age_follow_the_runs_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_simulator(deployment="cloud", issues=100, seed=3, clock=fixed_clock(MOMENT)) as sim:
        data = demo_config(sim, token_env="SYNCREPORT_CLOCK_TOKEN")
        data["cache"] = {"path": str(tmp_path / "cache.sqlite3"), "sprints_max_age_minutes": 60}
        config = config_from_dict(data, source="<clock config>")
        monkeypatch.setenv("SYNCREPORT_CLOCK_TOKEN", sim.token)

        cold = pull(config, now=fixed_clock(MOMENT))
        assert cold.snapshot.taken_at == MOMENT
        # the 8 train teams' boards and Platform Core's, whose sprint a linked issue outside the train names
        boards = cold.stats.boards_refreshed
        assert boards == len(data["train"]["boards"]) + 1
        # 10 minutes later by the run's clock: the lists are fresh (no sprint started or ended meanwhile)
        warm = pull(config, now=fixed_clock(MOMENT + timedelta(minutes=10)))
        assert warm.snapshot.taken_at == MOMENT + timedelta(minutes=10)
        assert warm.stats.boards_refreshed == 0
        # 61 minutes later by the run's clock, seconds later by the wall clock: older than the max-age
        # (the wall clock used to decide this, so they were still "fresh")
        later = pull(config, now=fixed_clock(MOMENT + timedelta(minutes=61)))
        assert later.stats.boards_refreshed == boards
