"""What the start of a cold pull asks first. A cold Data Center search asks for its count beside its first page, so its later pages start before the
first (large) page is in; the first page's answer still decides the page size and where the search ends."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import responses
from requests import PreparedRequest

from syncreport.config import Config, config_from_dict
from syncreport.jira.builder import SnapshotBuilder
from syncreport.jira.dc_pages import gaps
from syncreport.jira.far_ends import FarEnds
from syncreport.jira.fetch import PullRun, pull
from syncreport.simulator import demo_config
from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE
from syncreport.snapshot import Snapshot
from tests.jira.test_jira_fetch_http import SITE, common, config, history, issue
from tests.jira.test_jira_fetch_http import token as token  # the fixture: an API token in the environment


def _simulator_config(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The demo's config for ``sim``, its token in the environment, its cache in ``tmp_path``."""
    data = demo_config(sim)
    monkeypatch.setenv(data["jira"]["token_env"], sim.token)
    data["cache"] = {"path": str(tmp_path / "cache.sqlite3")}
    return config_from_dict(data, tmp_path / "syncreport.toml")


def test_gaps_are_the_pages_between_those_asked_ahead() -> None:
    # Pages asked ahead at 1000 and 2000 while the site answers 300 a page, 2,500 issues: worked out by
    # hand, 300..1000 in pages of 300 (the last one to 1000), the same after 1000, then 2300 to the end.
    assert list(gaps({1000: None, 2000: None}, 300, 2500)) == [
        (300, 300), (600, 300), (900, 100), (1300, 300), (1600, 300), (1900, 100), (2300, 300),
    ]  # fmt: skip
    assert list(gaps({1000: None, 2000: None}, 1000, 2500)) == []  # the pages asked ahead cover all
    assert list(gaps({}, 1000, 2500)) == [(1000, 1000), (2000, 1000)]  # nothing ahead: as before
    assert list(gaps({1000: None}, 1000, 800)) == []  # the count said more than the first page did


@responses.activate
def test_a_site_with_smaller_pages_gets_every_issue_once(tmp_path: Path) -> None:
    """2,500 issues, a site whose cap on maxResults is 300 (below the 1,000 asked). Expected, by hand: the
    count, the first page and the pages at 1000 and 2000 asked ahead (each answering 300), then the 7 gaps
    of the test above: 11 searches, each issue stored once, their one history each."""
    common("2")
    every = [{**issue(n), "changelog": {"startAt": 0, "maxResults": 1, "total": 1, "histories": [history(1)]}}
             for n in range(1, 2501)]  # fmt: skip
    asked: list[tuple[int, int]] = []

    def search(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent: dict[str, Any] = json.loads(request.body or b"{}")
        start, size = int(sent.get("startAt", 0)), min(int(sent["maxResults"]), 300)
        asked.append((start, int(sent["maxResults"])))
        page = every[start : start + size] if size else []
        answer = {"startAt": start, "maxResults": size, "total": len(every), "issues": page}
        return 200, {}, json.dumps(answer)

    responses.add_callback(responses.POST, f"{SITE}/rest/api/2/search", callback=search)
    result = pull(config(tmp_path, "datacenter"))
    assert sorted(asked) == [
        (0, 0), (0, 1000), (300, 300), (600, 300), (900, 100), (1000, 1000), (1300, 300), (1600, 300),
        (1900, 100), (2000, 1000), (2300, 300),
    ]  # fmt: skip
    keys = [i.key for i in result.snapshot.issues if i.in_train]
    assert len(keys) == len(set(keys)) == 2500
    assert result.stats.histories == 2500


@pytest.mark.e2e
@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_the_field_list_is_asked_before_the_configured_boards(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deployment: str
) -> None:
    """The issues' requests wait for the field list; the boards (``[train].boards``) are needed only at the
    end. Before: the 8 boards were asked first and took the 4 slots of the start, the field list behind."""
    sim = simulator(deployment=deployment)
    config = _simulator_config(sim, tmp_path, monkeypatch)
    assert config.train.boards  # the demo configures its boards
    sent: list[str] = []
    pull(config, before_request=lambda method, path: sent.append(path))
    first_board = min(i for i, path in enumerate(sent) if "/rest/agile/1.0/board/" in path)
    assert sent.index(f"/rest/api/{'3' if deployment == 'cloud' else '2'}/field") < first_board


@pytest.mark.e2e
@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_cold_pull_asks_for_its_issues_before_the_configured_boards(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deployment: str
) -> None:
    """The boards (``[train].boards``: 8 on the demo, and their sprint lists) are needed at the end of the
    pull; a cold pull asks them once its first issue requests are on their way, behind them. Before: they
    were asked as soon as the field list was in, took the first slots of the limit on requests in flight
    (4 at the start), and the issues' first requests waited behind all 16 (Data Center's first search page
    0.4 s later). A warm pull still asks them right after the field list (few requests of its own)."""
    sim = simulator(deployment=deployment)
    config = _simulator_config(sim, tmp_path, monkeypatch)
    issues = "/rest/api/3/issue/bulkfetch" if deployment == "cloud" else "/rest/api/2/search"
    sent: list[str] = []
    pull(config, before_request=lambda method, path: sent.append(path))
    boards = [i for i, path in enumerate(sent) if path.startswith("/rest/agile/1.0/board/")]
    assert len(boards) >= 2 * len(config.train.boards)  # each board and its sprint list
    # the first issue request goes out with the first requests (4 in flight), before any board but a few
    assert sent.index(issues) < boards[4]


@pytest.mark.e2e
@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_the_agenda_is_asked_before_the_snapshot_is_built(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deployment: str
) -> None:
    """The risks' and PI objectives' one search starts once the train's issues are in, before the snapshot
    is built, not after it. Before: the last search of a cold pull (the agenda's) went out after
    ``SnapshotBuilder.snapshot``; now every search has gone out by then (the spy gives a worker that was
    handed the search 0.3 s to send it). The risks and objectives are those the site holds."""
    sim = simulator(deployment=deployment)
    config = _simulator_config(sim, tmp_path, monkeypatch)
    sent: list[str] = []
    searches_by_then: list[int] = []
    real = SnapshotBuilder.snapshot

    def searches() -> int:
        return sum("search" in path for path in sent)

    def spy(self: SnapshotBuilder, **kwargs: Any) -> Snapshot:
        time.sleep(0.3)
        searches_by_then.append(searches())
        return real(self, **kwargs)

    monkeypatch.setattr(SnapshotBuilder, "snapshot", spy)
    snapshot = pull(config, before_request=lambda method, path: sent.append(path)).snapshot
    assert searches_by_then == [searches()]
    site = sim.site
    assert {r.key for r in snapshot.risks} == {i.key for i in site.issues if i.issuetype == RISK_TYPE}
    assert {o.key for o in snapshot.objectives} == {
        i.key for i in site.issues if i.issuetype == OBJECTIVE_TYPE
    }


@pytest.mark.e2e
def test_data_center_asks_its_far_ends_once_every_search_page_is_in(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As Cloud does once its last issue answer is in, a cold Data Center pull starts the far ends (the
    other ends of dependency links outside the train) once its last search page is in, while the last
    pages are stored. Before: they were asked after every page was stored (``start`` never called)."""
    sim = simulator(deployment="datacenter")
    config = _simulator_config(sim, tmp_path, monkeypatch)
    started: list[set[str]] = []
    real = FarEnds.start

    def spy(self: FarEnds, keys: set[str], fields: Any) -> None:
        started.append(set(keys))
        real(self, keys, fields)

    wanted: list[set[str]] = []
    real_fetch = FarEnds.fetch

    def fetch_spy(self: FarEnds, builder: SnapshotBuilder, fields: Any) -> list[dict[str, Any]]:
        wanted.append(builder.far_end_keys())  # what the early ask must have been, for its answers to count
        return real_fetch(self, builder, fields)

    monkeypatch.setattr(FarEnds, "start", spy)
    monkeypatch.setattr(FarEnds, "fetch", fetch_spy)
    result = pull(config)
    shown = {i.key for i in result.snapshot.issues if not i.in_train}  # the far ends the account may see
    assert wanted and started == wanted and shown and shown <= started[0]


@pytest.mark.e2e
@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_the_agenda_is_asked_with_the_far_ends_before_the_issues_are_all_stored(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deployment: str
) -> None:
    """A cold pull knows the train's projects once every issue's answer is in (their keys name them): the
    risks' and PI objectives' one search starts then, beside the far ends, while the last issues are
    stored. Before: it waited until every issue was stored and the far ends taken (the spy on that step
    gives a worker 0.3 s to send what it was handed). Nothing is asked twice: the same requests as
    before, and the risks and objectives are those the site holds."""
    sim = simulator(deployment=deployment)
    config = _simulator_config(sim, tmp_path, monkeypatch)
    sent: list[str] = []
    searches_by_then: list[int] = []
    real = FarEnds.fetch

    def searches() -> int:
        return sum("search" in path for path in sent)

    def spy(self: FarEnds, builder: SnapshotBuilder, fields: Any) -> list[dict[str, Any]]:
        time.sleep(0.3)
        searches_by_then.append(searches())
        return real(self, builder, fields)

    monkeypatch.setattr(FarEnds, "fetch", spy)
    sim.reset_stats()
    snapshot = pull(config, before_request=lambda method, path: sent.append(path)).snapshot
    assert searches_by_then == [searches()]
    assert sim.stats()["total"] == len(sent)  # no search asked again
    site = sim.site
    assert {r.key for r in snapshot.risks} == {i.key for i in site.issues if i.issuetype == RISK_TYPE}
    assert {o.key for o in snapshot.objectives} == {
        i.key for i in site.issues if i.issuetype == OBJECTIVE_TYPE
    }


@pytest.mark.e2e
def test_data_center_asks_its_far_ends_while_its_last_search_page_is_stored(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold Data Center pull of 2,500 issues (pages of 1,000, 1,000 and 500): the far ends (and the
    agenda's search) start once the last page is in, before it is stored, so at most the other two pages'
    2,000 issues are stored by then. Before: once every page was stored (about 2,500 less the few whose
    changelogs wait for their completion)."""
    sim = simulator(deployment="datacenter", issues=2500)
    config = _simulator_config(sim, tmp_path, monkeypatch)
    stored: list[int] = []
    stored_then: list[int] = []
    real_store, real_start = PullRun.store, FarEnds.start

    def store(self: PullRun, rows: Any, sig: str) -> None:
        stored.append(len(rows))
        real_store(self, rows, sig)

    def start(self: FarEnds, keys: set[str], fields: Any) -> None:
        stored_then.append(sum(stored))
        real_start(self, keys, fields)

    monkeypatch.setattr(PullRun, "store", store)
    monkeypatch.setattr(FarEnds, "start", start)
    result = pull(config)
    in_train = sum(i.in_train for i in result.snapshot.issues)
    assert sum(stored) == in_train > 2000
    assert len(stored_then) == 1 and stored_then[0] <= 2000
