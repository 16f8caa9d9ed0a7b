"""Issue 10, "Real Jira, not our picture of it": the pull against a simulator held to Atlassian's documentation.

Each test turns on one way real sites differ from the generated train (:mod:`syncreport.simulator.variants`,
docs/jira-notes.md cites the documentation) and states the answer the report must give.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncreport.config import Config, config_from_dict
from syncreport.indicators import compute_indicators
from syncreport.jira import pull
from syncreport.jira.fetch import Puller
from syncreport.kinds import Deployment
from syncreport.simulator import demo_config, generate_site, start_simulator
from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE
from syncreport.simulator.variants import (
    kanban_team,
    legacy_story_points,
    shared_sprints,
    undated_future_sprints,
)

pytestmark = pytest.mark.e2e
ISSUES = 300


def _work(site: Any, issue: Any) -> bool:
    """In the train's JQL: the work of the train's projects (risks and PI objectives are fetched apart)."""
    return bool(site.project(issue.project).in_train) and issue.issuetype not in (RISK_TYPE, OBJECTIVE_TYPE)


def make_config(
    sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, drop: tuple[str, ...] = (), **overrides: Any
) -> Config:
    data = demo_config(sim)
    for section in drop:
        data.pop(section, None)
    monkeypatch.setenv(data["jira"]["token_env"], sim.token)
    data["cache"] = {"path": str(tmp_path / "cache.sqlite3")}
    for section, values in overrides.items():
        data[section] = {**data.get(section, {}), **values}
    return config_from_dict(data, tmp_path / "syncreport.toml")


@pytest.fixture(params=["cloud", "datacenter"])
def kanban_sim(request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    site = generate_site(issues=ISSUES, seed=7)
    team = kanban_team(site, 0)
    with start_simulator(deployment=request.param, site=site) as handle:
        yield handle, team


def test_a_kanban_team_is_a_finding_not_an_aborted_pull(
    kanban_sim: tuple[Any, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: GET board/1/sprint answered 400 "The board does not support sprints" and the pull stopped.

    Expected, by hand: the kanban team's issues are in the snapshot with no sprints; its board is a kanban
    board; the other boards' sprints are all there; the findings name exactly the kanban team's train issues.
    """
    sim, _team = kanban_sim
    site = sim.site
    config = make_config(sim, tmp_path, monkeypatch)
    snapshot = pull(config).snapshot
    kanban_board = next(b for b in snapshot.boards if b.id == site.teams[0].board_id)
    assert kanban_board.board_type == "kanban"
    team_keys = {i.key for i in site.issues if i.team == 0 and _work(site, i)}
    by_key = snapshot.issues_by_key()
    assert team_keys and all(by_key[k].sprint_ids == () for k in team_keys)
    assert {s.id for s in snapshot.sprints} == set(site.sprints)
    results = compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations)
    finding = next(f for f in results.data_quality if f.kind == "kanban_board")
    # the kanban board's project holds other teams too: only its unscheduled issues are named, the team's among them
    assert team_keys <= set(finding.keys)
    assert all(by_key[k].sprint_ids == () for k in finding.keys)
    assert kanban_board.name in finding.detail
    # a warm re-run asks the kanban board nothing new (its empty sprint list is cached like any other)
    again = pull(config)
    assert again.snapshot.boards == snapshot.boards


def test_the_simulator_refuses_sprints_of_a_kanban_board(kanban_sim: tuple[Any, str]) -> None:
    """Real Jira: 400 {"errorMessages": ["The board does not support sprints"]} (docs/jira-notes.md)."""
    import requests

    sim, _ = kanban_sim
    board_id = sim.site.teams[0].board_id
    auth = _auth(sim)
    board = requests.get(f"{sim.url}/rest/agile/1.0/board/{board_id}", timeout=10, **auth)
    assert board.json()["type"] == "kanban"
    answer = requests.get(f"{sim.url}/rest/agile/1.0/board/{board_id}/sprint", timeout=10, **auth)
    assert answer.status_code == 400
    assert answer.json() == {"errorMessages": ["The board does not support sprints"], "errors": {}}


def _auth(sim: Any) -> dict[str, Any]:
    if sim.deployment == "cloud":
        return {"auth": (sim.email, sim.token)}
    return {"headers": {"Authorization": f"Bearer {sim.token}"}}


def test_todays_cloud_team_field_type_is_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulated Cloud site's Team field is of today's type ...customfieldtypes:atlassian-team (the unit
    tests below pin the cases that failed before). Expected: every train issue's team is the generator's."""
    site = generate_site(issues=ISSUES, seed=7)
    with start_simulator(deployment="cloud", site=site) as sim:
        import requests

        fields = requests.get(f"{sim.url}/rest/api/3/field", timeout=10, **_auth(sim)).json()
        team = next(f for f in fields if f["name"] == "Team")
        assert team["schema"]["custom"] == "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team"
        config = make_config(sim, tmp_path, monkeypatch, train={"team_field": "Team"})
        snapshot = pull(config).snapshot
        expected = {
            i.key: site.teams[i.team].name for i in site.issues if i.team is not None and _work(site, i)
        }
        got = {i.key: i.team for i in snapshot.issues if i.key in expected}
        assert got == expected


def test_story_points_auto_picks_the_field_the_train_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A Cloud site with "Story Points" (customfield_10028, unused, listed first) and "Story point estimate"
    (customfield_10016, on the train's issues), both of the story points type. Before: "auto" took the first
    listed, so every issue had no points. Expected: the estimate, and the log says which and why."""
    site = generate_site(issues=ISSUES, seed=7)
    legacy_story_points(site)
    with start_simulator(deployment="cloud", site=site) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        with caplog.at_level(logging.INFO, logger="syncreport.jira.site"):
            snapshot = pull(config).snapshot
        train = [i for i in site.issues if _work(site, i)]
        expected = {i.key: i.points for i in train if i.points is not None}
        got = {i.key: i.points for i in snapshot.issues if i.key in expected}
        assert got == expected
        assert "Story point estimate (customfield_10016)" in caplog.text


CLOUD_TEAM = "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team"


def _site_fields(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": "customfield_10020", "name": "Sprint", "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"}},
        *extra,
    ]  # fmt: skip


def test_team_named_twice_resolves_to_the_atlassian_team_field() -> None:
    """Before: a "Team" select beside the atlassian-team "Team" was "ambiguous" (only the old type counted)."""
    from syncreport.config import TrainSettings
    from syncreport.jira.fields import discover_fields

    fields = _site_fields(
        {"id": "customfield_20000", "name": "Team", "schema": {"custom": "select"}},
        {"id": "customfield_10001", "name": "Team", "schema": {"custom": CLOUD_TEAM}},
    )
    assert discover_fields(fields, TrainSettings(name="ART", jql="x")).team == "customfield_10001"


def test_renamed_atlassian_team_field_is_found_by_type() -> None:
    """Before: a Team field renamed "Squad" of today's type was "not a field"; init proposed no team field."""
    from syncreport.config import TrainSettings
    from syncreport.jira.fields import discover_fields
    from syncreport.setup_wizard import find_fields

    fields = _site_fields({"id": "customfield_10001", "name": "Squad", "schema": {"custom": CLOUD_TEAM}})
    assert discover_fields(fields, TrainSettings(name="ART", jql="x")).team == "customfield_10001"
    assert find_fields(fields, "cloud").team == "Squad"


TODAY = date(2026, 3, 11)  # a Wednesday in the 3rd sprint of the generated current PI


def _pulled_results(site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with start_simulator(deployment="cloud", site=site) as sim:
        # no [iterations]: the calendar is derived from the sprints
        config = make_config(sim, tmp_path, monkeypatch, drop=("iterations",), cache={"enabled": False})
        snapshot = Puller(config, now=lambda: site.now).run().snapshot
    return compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations)


def test_undated_future_sprints_follow_their_boards_cadence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real future sprints have no dates until started. Before: the derived calendar kept only the dated
    windows, 3 of the current PI's 6 (I1-I3), and I4-I6 were gone. Expected, by hand: each board's undated
    sprints follow its 14-day cadence from its active sprint, so the calendar is the same 6 iterations as with
    dated sprints (I3 current), every dependency keeps its status, and the finding says they were placed."""
    dated = _pulled_results(generate_site(issues=ISSUES, seed=7, today=TODAY), tmp_path / "a", monkeypatch)
    site = generate_site(issues=ISSUES, seed=7, today=TODAY)
    assert undated_future_sprints(site) > 0
    undated = _pulled_results(site, tmp_path / "b", monkeypatch)
    windows = [(i.name, i.start, i.end, i.state) for i in undated.calendar.iterations]
    assert len(windows) == 6 and undated.calendar.current_index == 3
    assert windows == [(i.name, i.start, i.end, i.state) for i in dated.calendar.iterations]
    status = {(d.consumer.key, d.provider.key): d.status for d in dated.dependencies}
    assert {(d.consumer.key, d.provider.key): d.status for d in undated.dependencies} == status
    assert "future_sprint_without_dates" in {f.kind for f in undated.data_quality}


def test_cloud_warm_run_lists_ids_only_and_asks_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cloud serves 5,000 a page only for id/key alone, 100 with any other field (the simulator now too).
    Before: the warm listing asked fields=["updated"], 12 pages for 1,200 issues. Expected: one page of ids
    plus one page of "updated since the last run" (from Jira's clock at 09:00, less 10 minutes: the 2
    issues touched here at 09:05; the site's own last edits are from before midnight) which brings, OR-ed
    in, the demo config's [risks] and [objectives] (their default queries, together) and the far ends the
    last run asked (syncreport.jira.alongside): 2; both touched issues fetched again."""
    moment = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]

    def clock() -> datetime:
        return moment[0]

    with start_simulator(deployment="cloud", issues=1200, seed=7, today=date(2026, 3, 2), clock=clock) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        pull(config, now=clock)
        touched = [i.key for i in sim.site.issues if _work(sim.site, i)][:2]
        moment[0] += timedelta(minutes=5)
        for key in touched:
            sim.touch_issue(key, summary=f"{key} renamed")
        sim.reset_stats()
        warm = pull(config, now=clock)
        assert sim.stats()["endpoints"]["POST /rest/api/3/search/jql"] == 1 + 1
        assert warm.stats.fetched == 2
        by_key = warm.snapshot.issues_by_key()
        assert [by_key[k].summary for k in touched] == [f"{k} renamed" for k in touched]


def test_simulated_search_caps_pages_as_documented() -> None:
    """search/jql: "the greatest number of items returned per page is achieved when requesting id or key
    only" -- 5,000 then; 100 with any other field, ``updated`` included."""
    import requests

    with start_simulator(deployment="cloud", issues=1200, seed=7) as sim:
        url, jql = f"{sim.url}/rest/api/3/search/jql", "project in (ORB, NOVA, ATL)"

        def page(**body: Any) -> int:
            answer = requests.post(
                url, json={"jql": jql, "maxResults": 5000, **body}, timeout=30, **_auth(sim)
            )
            return len(answer.json()["issues"])

        assert page() == page(fields=["id", "key"]) > 1000
        assert page(fields=["updated"]) == 100


def test_data_center_search_stops_at_the_10000th_result() -> None:
    """Atlassian KB (Data Center): "you may hit a 500 error if you try to access results beyond the configured
    max_result_window (default: 10,000)": startAt 10,000 + 100 asks for 10,100 results."""
    import requests

    with start_simulator(deployment="datacenter", issues=10_500, seed=7) as sim:
        url, jql = f"{sim.url}/rest/api/2/search", "project in (ORB, NOVA, ATL)"

        def search(start: int, size: int) -> requests.Response:
            body = {"jql": jql, "startAt": start, "maxResults": size, "fields": ["id"]}
            return requests.post(url, json=body, timeout=30, **_auth(sim))

        assert search(9000, 1000).status_code == 200
        refused = search(10_000, 100)
        assert refused.status_code == 500
        assert (
            "requests 10,100 results which exceeded the search platform limit of 10,000"
            in (refused.json()["errorMessages"][0])
        )


@pytest.mark.slow
def test_a_30000_issue_data_center_train_is_pulled_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: pages went on by startAt to the total, and the page at 10,000 answered 500 (the pull failed).
    Expected: slices ordered by key, each under 10,000 results, reach every one of the train's 30,000 issues
    (cold, with changelogs) and again on a warm run (the id listing); Jira never answers 500."""
    with start_simulator(deployment="datacenter", issues=30_000, seed=7) as sim:
        config = make_config(sim, tmp_path, monkeypatch)
        train = {i.key for i in sim.site.issues if _work(sim.site, i)}
        assert len(train) > 20_000
        cold = pull(config).snapshot
        assert {i.key for i in cold.issues if i.in_train} == train
        sim.touch_issue(sorted(train)[-1], summary="the last one, changed")
        warm = pull(config)
        assert {i.key for i in warm.snapshot.issues if i.in_train} == train
        assert warm.stats.fetched == 1
        assert "500" not in sim.stats()["statuses"]


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_init_proposes_the_pi_order_from_the_projects_versions(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GET /rest/api/2/project/{key}/versions was missing from the simulator (404): init proposed no PI order.
    Expected: the generator's three PIs, oldest release first (previous, current, next)."""
    from syncreport.config import JiraSettings
    from syncreport.jira.client import JiraClient
    from syncreport.setup_wizard import pi_versions

    with start_simulator(deployment=deployment, issues=100, seed=7) as sim:
        monkeypatch.setenv("SIM_TOKEN", sim.token)
        settings = {"url": sim.url, "token_env": "SIM_TOKEN"}
        if deployment == "cloud":
            settings["email"] = sim.email
        with JiraClient(JiraSettings.model_validate(settings), deployment) as client:
            assert pi_versions(client, sim.site.train_projects()) == sim.site.pis


def test_a_board_sharing_another_boards_sprints_keeps_each_sprint_once_with_its_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Board 1 lists board 2's sprints too (its filter takes in board 2's issues), as real boards do; a
    sprint's originBoardId stays board 2. Expected: the snapshot has every sprint once, each on its own board."""
    site = generate_site(issues=ISSUES, seed=7)
    shared_sprints(site, 1, 2)
    with start_simulator(deployment="cloud", site=site) as sim:
        import requests

        listed = requests.get(f"{sim.url}/rest/agile/1.0/board/1/sprint", params={"maxResults": 50}, timeout=10,
                              **_auth(sim)).json()  # fmt: skip
        assert {s["originBoardId"] for s in listed["values"]} >= {1, 2}
        snapshot = pull(make_config(sim, tmp_path, monkeypatch)).snapshot
    assert sorted(s.id for s in snapshot.sprints) == sorted(site.sprints)
    assert {s.id: s.board_id for s in snapshot.sprints} == {s.id: s.board_id for s in site.sprints.values()}
