"""A warm run asks from Jira's own clock (the ``Date`` of its answers), so nothing changed lists nothing new.

Before, the watermark was the latest ``updated`` stored less an hour: a site whose last edits were made in
the hour before a run (the generated one has about a fifth of its issues updated in the minute before it
was generated) listed all of them again on every warm run, 100 a page on Cloud. Now the mark is the earliest
``Date`` the last run's answers carried (the simulator sends its handed-in clock), less 10 minutes for
search's eventual consistency.

Expected requests, worked out by hand for a 600-issue site generated as of 2 March 2026 00:00 UTC (its last
edits are from just before midnight) and pulled at 09:00 and later that morning:

- Cloud, nothing changed: search/jql once for what was updated since 08:50 (nothing), with, OR-ed in the
  same search, the risks and the PI objectives (both by their default queries) and the far ends of the
  train's links the cold run asked (``key in (...)``, less the SEC ones it could not see): fewer than 100
  answers, one page; once for the train's ids (fewer than 5,000: one page): 2. Nothing else: fields,
  statuses, boards and sprints come from the cache.
- Cloud, 5 issues flagged at 09:05: search/jql 2 again (the 5 fit the same page of 100); issue/bulkfetch
  1 (the 5 issues); changelog/bulkfetch 1 (5 issues' histories, under 1,000). Fetched: 5.
- Data Center, nothing changed: /search for what changed (total 0), the train's count (maxResults 0), the
  risks and objectives with the far ends: 3. With 5 flagged: the same 3 (the changed issues come with
  their changelogs inline; the five chosen have fewer than 100 histories). Fetched: 5.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncreport.jira import pull
from syncreport.jira.cache import Cache
from syncreport.simulator import start_simulator
from tests.jira.test_jira_e2e import make_config, same, train_keys

pytestmark = pytest.mark.e2e


class _Clock:
    """The simulated morning: Jira's clock and the run's, moved by the test."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def _by_endpoint(sim: Any) -> dict[str, int]:
    return dict(sim.stats()["endpoints"])


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_warm_run_asks_from_jiras_clock_and_fetches_exactly_what_changed(
    deployment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with start_simulator(
        deployment=deployment, issues=600, seed=7, today=date(2026, 3, 2), clock=clock
    ) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        cold = pull(config, now=clock)

        clock.moment += timedelta(minutes=2)
        sim.reset_stats()
        unchanged = pull(config, now=clock)
        assert unchanged.stats.fetched == 0 and same(unchanged.snapshot, cold.snapshot)
        quiet = _by_endpoint(sim)

        few = {k for k, h in _histories(sim).items() if h < 100}
        touched = sorted(train_keys(sim) & few)[:5]
        clock.moment += timedelta(minutes=3)
        for key in touched:
            sim.touch_issue(key, flagged=not cold.snapshot.issues_by_key()[key].flagged)
        clock.moment += timedelta(minutes=1)
        sim.reset_stats()
        changed = pull(config, now=clock)
        busy = _by_endpoint(sim)

    assert changed.stats.fetched == 5
    flags = changed.snapshot.issues_by_key()
    assert all(flags[k].flagged is not cold.snapshot.issues_by_key()[k].flagged for k in touched)
    if deployment == "cloud":
        assert quiet == {"POST /rest/api/3/search/jql": 2}
        assert busy == {
            "POST /rest/api/3/search/jql": 2,
            "POST /rest/api/3/issue/bulkfetch": 1,
            "POST /rest/api/3/changelog/bulkfetch": 1,
        }
    else:
        assert quiet == {"POST /rest/api/2/search": 3}
        assert busy == {"POST /rest/api/2/search": 3}


def _histories(sim: Any) -> dict[str, int]:
    return {i.key: len(i.histories) for i in sim.site.issues}


def test_statuses_a_workflow_migration_deleted_are_asked_for_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The generated site's changelogs name statuses its /status list no longer has (deleted by a workflow
    # migration). A cold run has just fetched that list: asking again cannot help, so it is asked once and
    # the issues are normalized once. A warm run whose changed issues name them does not ask again either.
    clock = _Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with start_simulator(deployment="cloud", issues=600, seed=7, today=date(2026, 3, 2), clock=clock) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        pull(config, now=clock)
        assert _by_endpoint(sim)["GET /rest/api/3/status"] == 1
        with Cache(tmp_path / "cache.sqlite3", sim.url) as cache:
            unknown = set((cache.get_meta("unknown_statuses") or ([],))[0])
        named = sorted(
            i.key
            for i in sim.site.issues
            if i.key in train_keys(sim)
            and any(f == "status" and to in unknown for h in i.histories for f, _, _, to, _ in h.items)
        )
        assert unknown and named  # the site's changelogs do name deleted statuses
        clock.moment += timedelta(minutes=5)
        sim.touch_issue(named[0], flagged=True)
        clock.moment += timedelta(minutes=1)
        sim.reset_stats()
        warm = pull(config, now=clock)
        assert warm.stats.fetched == 1
        assert "GET /rest/api/3/status" not in _by_endpoint(sim)


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_far_end_deleted_since_the_last_run_is_still_asked_apart_and_named(
    deployment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The warm run asks for the far ends with the agenda in one search (Cloud: in its search for what
    # changed); a far end deleted since the last run makes Jira reject that search (Cloud: "An issue with
    # key ... does not exist"; Data Center, asked without validateQuery=false, the same). Expected, worked
    # out by hand on the 600-issue site: Cloud search/jql 4 (the rejected search, what changed alone, the
    # ids, the agenda's own search) and one issue/bulkfetch (the far ends apart: it tolerates a missing
    # key); Data Center /search 5 (what changed, the count, the rejected search, the far ends by key with
    # validateQuery=false, the agenda). The deleted far end is still shown as its links show it
    # (snapshot.linked), and the run after asks in one search again: Cloud 2 requests, Data Center 3.
    clock = _Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with start_simulator(
        deployment=deployment, issues=600, seed=7, today=date(2026, 3, 2), clock=clock
    ) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        cold = pull(config, now=clock)
        far = sorted(i.key for i in cold.snapshot.issues if not i.in_train)
        gone = far[0]
        clock.moment += timedelta(minutes=2)
        sim.remove_from_scope(gone)
        sim.reset_stats()
        warm = pull(config, now=clock)
        rejected = _by_endpoint(sim)
        clock.moment += timedelta(minutes=2)
        sim.reset_stats()
        pull(config, now=clock)
        after = _by_endpoint(sim)
    assert gone not in warm.snapshot.issues_by_key()
    assert gone in {e.key for e in warm.snapshot.linked}
    assert [i.key for i in warm.snapshot.issues if not i.in_train] == far[1:]
    assert (warm.snapshot.risks, warm.snapshot.objectives) == (cold.snapshot.risks, cold.snapshot.objectives)
    if deployment == "cloud":
        assert rejected == {"POST /rest/api/3/search/jql": 4, "POST /rest/api/3/issue/bulkfetch": 1}
        assert after == {"POST /rest/api/3/search/jql": 2}
    else:
        assert rejected == {"POST /rest/api/2/search": 5}
        assert after == {"POST /rest/api/2/search": 3}


def test_a_new_far_end_is_asked_after_the_train_issues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cloud: the search for what changed names the far ends the last run asked. A train issue linked at
    # 09:05 to a PLAT issue that was no far end yet: that search cannot have asked for it, so the far ends
    # and the agenda are asked again, in one search, once the train's issues are in. Expected, by hand:
    # search/jql 3 (what changed with the old far ends and the agenda, the ids, the far ends with the
    # agenda), issue/bulkfetch 1 and changelog/bulkfetch 1 (the linked train issue: the PLAT one is
    # updated too, but it is not the train's). The new far end is in the snapshot, out of the train.
    clock = _Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with start_simulator(deployment="cloud", issues=600, seed=7, today=date(2026, 3, 2), clock=clock) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        cold = pull(config, now=clock)
        far = {i.key for i in cold.snapshot.issues if not i.in_train}
        new_end = sorted(i.key for i in sim.site.issues if i.project == "PLAT" and i.key not in far)[0]
        provider = sorted(train_keys(sim))[0]
        clock.moment += timedelta(minutes=5)
        sim.link_issues(provider, new_end)
        clock.moment += timedelta(minutes=1)
        sim.reset_stats()
        warm = pull(config, now=clock)
        asked = _by_endpoint(sim)
    assert asked == {
        "POST /rest/api/3/search/jql": 3,
        "POST /rest/api/3/issue/bulkfetch": 1,
        "POST /rest/api/3/changelog/bulkfetch": 1,
    }
    ends = {i.key for i in warm.snapshot.issues if not i.in_train}
    assert ends == far | {new_end}
    assert (provider, new_end) in {(d.provider_key, d.consumer_key) for d in warm.snapshot.links}
