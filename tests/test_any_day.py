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
  finished recover and are resolved, 1 new dependency, and the 2 issues whose due dates were pushed by a
  week are newly slipped (the moved providers change to a not-yet-closed sprint: no carry-over, unless one
  was left behind, open, in a sprint already closed: moving it on is a carry-over, newly slipped, e.g. on
  2026-11-26 ATL-14, left in Cygnus' closed 2nd sprint of the PI, moved to its 5th); last week's run is 7
  days before this week's.
- the sprints close as the demo's clock moves (simulator.week.close_ended_sprints: a board's active sprint
  closes when its next one starts, its open issues carried into it). Sprints last 14 days, so every other
  week the last week closes the on-cadence boards' sprints (Monday 08:00) and the off-cadence board's
  (Thursday 08:00, 3 days later), and those carried issues change the story by rule, worked out from the
  iterations
  (a carry moves an issue exactly one iteration on; late = provider's iteration after the consumer's):
  * every carried issue of the train the user can see has one carry-over more: newly slipped;
  * a dependency whose provider was carried and whose consumer was not turns late exactly when the consumer
    sits in the iteration the provider left (at risk before, provider one iteration after it now): e.g.
    on 2026-12-01 10:00 ORB-36 (Orion, carried from iteration 9 to 10 on Monday) for NOVA-30 in Hydra's
    iteration 9, the off-cadence board whose sprint only closes on Thursday: the off-cadence team's lag;
  * a late dependency whose consumer was carried and whose provider was not recovers exactly when the
    consumer reaches the provider's iteration (late by one before, at risk now): e.g. ORB-59 (Lyra, iteration
    10) for ORB-34 (Orion, carried from 9 to 10);
  * both ends carried: the same distance, no change;
  * the week plans its script at its start, on the dependencies the last report saw: it finishes providers
    of dependencies that were late, also those a carried consumer made at risk on Monday (they recover and
    are resolved), and moves on only providers of dependencies that were not late, past the consumer's
    iteration and past the next one when the consumer's sprint closes in the week (its consumer, held, is
    carried then): each turns late. So 2 turned late, 2 recovered and resolved by the script, on any day
    (without that, on 2027-03-28 with 300 issues the consumers carried on Monday 22 March left one late
    dependency to finish; and on 2026-12-03 NOVA-30, carried into iteration 10 on Thursday, caught up with
    ORB-32 moved there on Tuesday).
- the teams work their active sprints every working day (simulator.teamwork), leaving the week's scripted
  issues alone (planned at the start, so no team finishes one first: on 2026-11-23 NOVA-22, the 2nd
  provider to slip, was done by Tuesday), and a consumer waits for its provider. What they finish changes
  the story by rule too:
  * every issue of the train the user can see that they finished is resolved (done now, not before), so
    resolved = the script's 2 finished providers + the teams' finished train issues;
  * finishing never makes a dependency late, so turned late is still the script's 2 and the carried ones;
  * a dependency the last report had late whose provider they finished is done now, whose consumer they
    finished consumer_done: each is recovered (late before, not late now), beside the script's and the
    caught-up ones; and every recovered dependency is one of those three.
  * a sprint's close carries only what they left open: with most of the work done by then (72-90% of the
    points, the struggling team about half), a handful of issues a board rather than most of its sprint;
  * the sprint planning at a start (what the velocity does not allow back to the backlog) moves only issues
    with no dependency link that were never carried, out of a sprint not yet started: no rule above sees it
    (not a carry-over, not a slip, no dependency's status).
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
from syncreport.simulator.model import Site

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
    assert result.site is not None
    # the 3 weeks played span 21 days, and a board starts a sprint every 14: each board (the 8 teams' and the
    # other train's platform board) closes one or two sprints in them
    closings = Counter(result.site.sprints[c.sprint].board_id for w in result.weeks for c in w.sprints_closed)
    assert set(closings) == {b.id for b in result.site.boards} and set(closings.values()) <= {1, 2}
    carried = {key for closed in week.sprints_closed for key in closed.carried}
    site = result.site
    shown = {
        k for k in carried if site.project(site.by_key[k].project).in_train and site.visible(site.by_key[k])
    }
    past, caught_up = _carried_past_and_caught_up(site, carried, scripted={*week.turned_late, *week.finished})

    (path,) = result.paths
    assert path.name == f"orbit-art-{moment.astimezone().date().isoformat()}.json"  # the run's day, not today
    document = json.loads(path.read_text())
    changes = document["changes_since_last"]
    assert changes["available"] is True
    assert datetime.fromisoformat(changes["previous_generated_at"]) == moment - timedelta(days=7)
    turned_late = {(c["provider"], c["consumer"]) for c in changes["turned_late"]}
    # the new dependency turned late too when it is late at once (docs/indicators.md: "including a new
    # dependency that is late"), e.g. on 2026-11-27 10:00 ORB-60 (Orion, iteration 10) for NOVA-37 (Hydra,
    # iteration 9)
    statuses = {(d["provider"], d["consumer"]): d["status"] for d in document["dependencies"]}
    new_late = {pair for pair in week.new_links if statuses[pair] == "late"}
    assert turned_late >= past | new_late
    # the week moves only providers of dependencies the last report did not have late, so each turns late
    scripted_late = Counter(
        c["provider"] for c in changes["turned_late"] if (c["provider"], c["consumer"]) not in past | new_late
    )
    assert scripted_late == Counter(week.turned_late)
    worked = {
        k
        for k in week.work_finished
        if site.project(site.by_key[k].project).in_train and site.visible(site.by_key[k])
    }
    last_document = json.loads(result.last_week.paths[0].read_text())
    late_last_week = {
        (d["provider"], d["consumer"]) for d in last_document["dependencies"] if d["status"] == "late"
    }
    delivered = {(p, c) for p, c in late_last_week if p in worked or c in worked}
    recovered = {(c["provider"], c["consumer"]) for c in changes["recovered"]}
    scripted_recovered = {(p, c) for p, c in late_last_week if p in week.finished}
    assert recovered == caught_up | delivered | scripted_recovered
    assert {p for p, _ in scripted_recovered} == set(week.finished)  # each was the provider of a late one
    assert {i["key"] for i in changes["resolved"]} == set(week.finished) | worked
    assert [(c["provider"], c["consumer"]) for c in changes["new_dependencies"]] == list(week.new_links)
    # newly slipped: the two pushed due dates, and the descoped feature with its stories (moved to the next
    # PI: e.g. ATL-5, ATL-12 pushed; NOVA-76 descoped with NOVA-77 and NOVA-78)
    assert len(week.features_removed) == 1 and week.stories_descoped
    descoped = {*week.features_removed, *week.stories_descoped}
    sprint_named = {s.name: s for s in site.sprints.values()}
    was_in = {row["key"]: row["sprint"] for row in last_document["issues"]}
    left_behind = {
        k
        for k in week.turned_late
        if was_in.get(k)
        and (closed := sprint_named[was_in[k]].complete) is not None
        and closed <= result.last_week.taken_at
    }
    assert {i["key"] for i in changes["newly_slipped"]} == (
        set(week.due_dates_pushed) | descoped | shown | left_behind
    )


def _carried_past_and_caught_up(
    site: Site, carried: set[str], *, scripted: set[str]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The (provider, consumer) pairs of the train's open cross-team dependencies that the week's sprint
    closings turned late (provider carried past its consumer) and brought back from late (consumer carried
    into its provider's iteration), by the rules in the module docstring."""

    def iteration(key: str) -> int | None:
        issue = site.by_key[key]
        return site.sprints[issue.sprints[-1]].iteration if issue.sprints else None

    past: set[tuple[str, str]] = set()
    caught_up: set[tuple[str, str]] = set()
    for link in site.links:
        ends = {"Blocks": (link.source, link.target), "Dependency": (link.target, link.source)}.get(link.type)
        if ends is None or not all(k in site.by_key for k in ends) or ends[0] in scripted:
            continue
        provider, consumer = (site.by_key[k] for k in ends)
        if not all(site.project(i.project).in_train and site.visible(i) for i in (provider, consumer)):
            continue
        if provider.team == consumer.team or any(
            site.statuses[i.status].category == "done" for i in (provider, consumer)
        ):
            continue
        provided, needed = iteration(provider.key), iteration(consumer.key)
        if provided is None or needed is None or (provider.key in carried) == (consumer.key in carried):
            continue
        if provider.key in carried and provided == needed + 1:
            past.add(ends)
        if consumer.key in carried and needed == provided:
            caught_up.add(ends)
    return past, caught_up
