"""The simulator held to Jira's behaviour with a second client we did not write: atlassian-python-api.

Beside the pycontribs `jira` library (test_jira_client.py): a simulator that only agrees with the code
written against it lets our tests pass and a real site fail. Expected answers come from the generator's
data (``sim.site``): the train's JQL selects the work of ORB, NOVA and ATL; the heavy issues have more
than 100 histories; every team has a board with 18 sprints (3 PIs of 6).
"""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
from atlassian import Jira

from syncreport.simulator import SimulatorHandle, train_jql
from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE

pytestmark = pytest.mark.e2e
T = TypeVar("T")


def _train(sim: SimulatorHandle) -> list[Any]:
    # the train's JQL: its three projects' work, risks and PI objectives left out
    return [
        i
        for i in sim.site.issues
        if i.project in ("ORB", "NOVA", "ATL") and i.issuetype not in (RISK_TYPE, OBJECTIVE_TYPE)
    ]


def _cloud(sim: SimulatorHandle) -> Jira:
    return Jira(url=sim.url, username=sim.email, password=sim.token, cloud=True, backoff_and_retry=False)


def _dc(sim: SimulatorHandle) -> Jira:
    return Jira(url=sim.url, token=sim.token, cloud=False, backoff_and_retry=False)


def _answered(value: T | None) -> T:
    """atlassian-python-api annotates its answers Optional (None for an empty body): these all have one."""
    assert value is not None
    return value


def _myself(client: Jira) -> dict[str, Any]:
    # Jira.myself is the one call used here that atlassian-python-api leaves unannotated
    me: dict[str, Any] = client.myself()  # type: ignore[no-untyped-call]
    return me


def _heavy(sim: SimulatorHandle) -> Any:
    return max(_train(sim), key=lambda i: len(i.histories))


def test_cloud_myself_and_fields(cloud_sim: SimulatorHandle) -> None:
    client = _cloud(cloud_sim)
    assert _myself(client)["accountId"] == cloud_sim.site.users[-1].account_id
    types = {f["name"]: (f.get("schema") or {}).get("custom") for f in _answered(client.get_all_fields())}
    assert types["Sprint"] == "com.pyxis.greenhopper.jira:gh-sprint"
    assert types["Team"] == "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team"


def test_cloud_enhanced_jql_pages_by_token_to_every_train_issue(cloud_sim: SimulatorHandle) -> None:
    """enhanced_jql is one page (GET, fields as a comma-separated string); the loop follows nextPageToken."""
    client = _cloud(cloud_sim)
    keys: list[str] = []
    token = None
    while True:
        page = client.enhanced_jql(train_jql(), fields="key,updated", nextPageToken=token, limit=70)
        assert "total" not in page and len(page["issues"]) <= 70
        keys.extend(i["key"] for i in page["issues"])
        token = page.get("nextPageToken")
        assert page["isLast"] is (token is None)
        if token is None:
            break
    assert sorted(keys) == sorted(i.key for i in _train(cloud_sim))
    listed = client.enhanced_jql_get_list_of_tickets(train_jql(), fields="id", limit=None)
    assert sorted(int(i["id"]) for i in listed) == sorted(i.id for i in _train(cloud_sim))


def test_cloud_approximate_count(cloud_sim: SimulatorHandle) -> None:
    assert _cloud(cloud_sim).approximate_issue_count(train_jql())["count"] == len(_train(cloud_sim))


def test_cloud_issue_changelog_and_changelog_bulkfetch_give_every_history(cloud_sim: SimulatorHandle) -> None:
    """GET issue/{key}/changelog pages 100 at a time (oldest first); changelog/bulkfetch pages by token."""
    client = _cloud(cloud_sim)
    heavy = _heavy(cloud_sim)
    assert len(heavy.histories) > 100
    first = client.get_issue_changelog(heavy.key)
    assert first["total"] == len(heavy.histories) and len(first["values"]) == 100 and not first["isLast"]
    rest = client.get_issue_changelog(heavy.key, start=100, limit=100)
    ids = [h["id"] for h in first["values"] + rest["values"]]
    assert ids == [str(h.id) for h in heavy.histories]

    issues = [*_train(cloud_sim)[:50], heavy]
    seen: dict[str, list[str]] = {}
    token = None
    while True:
        page = _answered(
            client.get_changelogs_bulk([str(i.id) for i in issues], next_page_token=token, max_results=500)
        )
        for entry in page["issueChangeLogs"]:
            seen.setdefault(entry["issueId"], []).extend(h["id"] for h in entry["changeHistories"])
        token = page.get("nextPageToken")
        if not token:
            break
    assert seen == {str(i.id): [str(h.id) for h in i.histories] for i in issues if i.histories}


@pytest.mark.parametrize("dialect", ["cloud", "datacenter"])
def test_boards_and_sprints(dialect: str, cloud_sim: SimulatorHandle, dc_sim: SimulatorHandle) -> None:
    sim = cloud_sim if dialect == "cloud" else dc_sim
    client = _cloud(sim) if dialect == "cloud" else _dc(sim)
    boards = _answered(client.get_all_agile_boards(project_key="ORB"))["values"]
    assert {b["id"] for b in boards} == {b.id for b in sim.site.boards if b.project == "ORB"}
    board = boards[0]
    assert _answered(client.get_agile_board(board["id"]))["type"] == "scrum"
    sprints: list[dict[str, Any]] = []
    while True:
        page = _answered(
            client.get_all_sprints_from_board(board["id"], state="closed,active,future", start=len(sprints))
        )
        sprints.extend(page["values"])
        if page["isLast"]:
            break
    own = {s.id for s in sim.site.sprints.values() if s.board_id == board["id"]}
    assert own <= {s["id"] for s in sprints}
    # "ordered first by state (closed, active, future), then by their position in the backlog"
    rank = {"closed": 0, "active": 1, "future": 2}
    assert [(rank[s["state"]], s["id"]) for s in sprints] == sorted(
        (rank[s["state"]], s["id"]) for s in sprints
    )


def test_data_center_myself_fields_search_and_changelog(dc_sim: SimulatorHandle) -> None:
    """Data Center: /rest/api/2/search by startAt with a total; the inline changelog of an issue."""
    client = _dc(dc_sim)
    assert _myself(client)["name"] == dc_sim.site.users[-1].name
    types = {f["name"]: (f.get("schema") or {}).get("custom") for f in _answered(client.get_all_fields())}
    assert types["Team"] == "com.atlassian.teams:rm-teams-custom-field-team"
    keys: list[str] = []
    while True:
        page = _answered(client.jql(train_jql(), fields=["key"], start=len(keys), limit=100))
        assert page["total"] == len(_train(dc_sim))
        keys.extend(i["key"] for i in page["issues"])
        if len(keys) >= page["total"] or not page["issues"]:
            break
    assert sorted(keys) == sorted(i.key for i in _train(dc_sim))
    heavy = _heavy(dc_sim)
    changelog = _answered(client.get_issue_changelog(heavy.key))
    assert changelog["total"] == len(heavy.histories)
    assert [h["id"] for h in changelog["histories"]] == [str(h.id) for h in heavy.histories][
        : len(changelog["histories"])
    ]
