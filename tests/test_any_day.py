"""Any day, same answers: the date-sensitive scenarios under pinned clocks, through the clock seam.

The clock is handed in from the top (the simulator's ``clock``, ``pull(now=)``, ``run_demo(now=)``), so no
test here depends on the day it runs. The days: 20 consecutive ones (two whole 14-day cycles of the
generator's re-centring, with the grid Monday 2026-11-30 and the Tuesday 2026-12-01 that broke the suite),
the PI boundary 2027-12-27 -> 2027-12-28 (the generator's current PI turns from "PI 27.4" into "PI 28.1",
and the days the before-stop hook runs), New Year, the European DST changes (2026-10-25, 2027-03-28), the
edges of a day on a grid Monday (00:30 and the minute before), and 2028-02-29.

The expected answers are those worked out by hand for the planted scenarios and the scripted week, the
same on every day:
- the generator's planted dependencies each get the status docs/indicators.md gives them (site.scenarios);
- the provider planted "carried over twice after the link was made" has carry-over 2 (its sprints 1 and
  2 of the current PI are closed, it sits in the active 3rd) and its dependency is a dependency slip;
- today is in the 3rd of the current PI's 6 sprints: on every on-cadence board 2 closed, 1 active, 3 future;
- only the off-cadence team is flagged, every offset 3 working days (Monday -> Thursday starts);
- the demo's week (simulator.week): 2 providers moved past their consumers turn late, 2 late providers
  finished recover and are resolved, 1 new dependency, and exactly the 2 issues whose due dates were pushed
  by a week are newly slipped (the moved providers change to a not-yet-closed sprint: no carry-over); last
  week's run is 7 days before this week's.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from syncreport.clock import fixed_clock
from syncreport.config import config_from_dict
from syncreport.demo import run_demo
from syncreport.indicators import compute_indicators
from syncreport.jira import pull_snapshot
from syncreport.kinds import DEPENDENCY_STATUSES
from syncreport.simulator import demo_config, start_simulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

_TEN = time(10, 0)
MOMENTS = [
    *(datetime.combine(date(2026, 11, 23) + timedelta(days=n), _TEN, UTC) for n in range(20)),
    datetime(2027, 12, 27, 10, 0, tzinfo=UTC),  # the last day of PI 27.4's cycle (a grid Monday)
    datetime(2027, 12, 28, 10, 0, tzinfo=UTC),  # the first of PI 28.1's
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # New Year's Eve, late
    datetime(2027, 1, 1, 10, 0, tzinfo=UTC),  # New Year's Day
    datetime(2026, 10, 25, 10, 0, tzinfo=UTC),  # European summer time ends
    datetime(2027, 3, 28, 10, 0, tzinfo=UTC),  # European summer time begins
    datetime(2026, 11, 30, 0, 30, tzinfo=UTC),  # a grid Monday, just after midnight
    datetime(2026, 11, 29, 23, 59, tzinfo=UTC),  # ... and the minute before that day
    datetime(2028, 2, 29, 10, 0, tzinfo=UTC),  # a leap day
]
IDS = [f"{m:%Y-%m-%dT%H%M}" for m in MOMENTS]


@pytest.mark.parametrize("moment", MOMENTS, ids=IDS)
def test_planted_scenarios_hold_on_any_day(moment: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = fixed_clock(moment)
    with start_simulator(deployment="cloud", issues=150, seed=11, clock=clock) as sim:
        site = sim.site
        data = demo_config(sim, token_env="SYNCREPORT_ANY_DAY_TOKEN")
        data["cache"] = {"enabled": False}
        config = config_from_dict(data, source="<any-day config>")
        monkeypatch.setenv("SYNCREPORT_ANY_DAY_TOKEN", sim.token)
        snapshot = pull_snapshot(config, now=clock)
    assert snapshot.taken_at == moment
    results = compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations)

    ours = {(d.consumer.key, d.provider.key): d.status for d in results.dependencies}
    planted = [s for s in site.scenarios if s.status in DEPENDENCY_STATUSES]
    assert {s.status for s in planted} == set(DEPENDENCY_STATUSES)
    wrong = [(s.note, s.status, ours.get((s.consumer, s.provider))) for s in planted]
    assert [w for w in wrong if w[1] != w[2]] == []

    (slip,) = [s for s in site.scenarios if "dependency slip" in s.note]
    deps = {(d.consumer.key, d.provider.key): d for d in results.dependencies}
    assert deps[(slip.consumer, slip.provider)].provider_slipped
    assert next(i for i in results.issues if i.key == slip.provider).carry_over == 2

    off_cadence = site.teams[5]  # the generator's OFF_CADENCE team of 8: its sprints start 3 days later
    for team in site.teams:
        current = [
            s for s in site.sprints.values() if s.pi == site.current_pi and s.board_id == team.board_id
        ]
        current.sort(key=lambda s: s.start)
        if team is not off_cadence:
            assert [s.state for s in current] == ["closed"] * 2 + ["active"] + ["future"] * 3, team.name
            assert all(s.complete is not None and s.complete <= moment for s in current[:2])
            assert current[2].start <= moment < current[3].start
    assert {row.team for row in results.off_cadence} == {off_cadence.name}
    assert all(abs(row.start_offset_days) == 3 for row in results.off_cadence)


@pytest.mark.parametrize("moment", MOMENTS, ids=IDS)
def test_the_demo_shows_the_same_week_on_any_day(moment: datetime, tmp_path: Path) -> None:
    result = run_demo(tmp_path, issues=150, now=fixed_clock(moment), formats=["json"], echo=lambda _: None)
    assert result.run.taken_at == moment
    assert result.last_week.taken_at == moment - timedelta(days=7)
    week = result.week
    counts = [len(week.turned_late), len(week.finished), len(week.due_dates_pushed), len(week.new_links)]
    assert counts == [2, 2, 2, 1]

    (path,) = result.paths
    assert path.name == f"orbit-art-{moment.astimezone().date().isoformat()}.json"  # the run's day, not today
    changes = json.loads(path.read_text())["changes_since_last"]
    assert changes["available"] is True
    assert datetime.fromisoformat(changes["previous_generated_at"]) == moment - timedelta(days=7)
    assert Counter(c["provider"] for c in changes["turned_late"]) == Counter(week.turned_late)
    assert {c["provider"] for c in changes["recovered"]} == set(week.finished)
    assert {i["key"] for i in changes["resolved"]} == set(week.finished)
    assert [(c["provider"], c["consumer"]) for c in changes["new_dependencies"]] == list(week.new_links)
    # newly slipped: the two pushed due dates, and the descoped feature with its stories (moved to the next
    # PI: e.g. ATL-5, ATL-12 pushed; NOVA-76 descoped with NOVA-77 and NOVA-78)
    assert len(week.features_removed) == 1 and week.stories_descoped
    descoped = {*week.features_removed, *week.stories_descoped}
    assert {i["key"] for i in changes["newly_slipped"]} == set(week.due_dates_pushed) | descoped
