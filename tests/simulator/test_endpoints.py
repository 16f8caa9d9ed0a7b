"""Endpoint behaviour through plain `requests`: removed search, changelog truncation and bulk fetches, agile.

Expected values are read from the generator's data (``sim.site``), the server's source of truth.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from syncreport.simulator import SimulatorHandle, train_jql

pytestmark = pytest.mark.e2e


def _session(sim: SimulatorHandle) -> requests.Session:
    session = requests.Session()
    if sim.deployment == "cloud":
        session.auth = (sim.email, sim.token)
    else:
        session.headers["Authorization"] = f"Bearer {sim.token}"
    return session


def _heavy(sim: SimulatorHandle) -> Any:
    """An issue of the train with more than 100 histories (the generator makes every 97th story one)."""
    return next(i for i in sim.site.issues if len(i.histories) > 100 and i.project in ("ORB", "NOVA", "ATL"))


@pytest.mark.parametrize("path", ["/rest/api/2/search", "/rest/api/3/search"])
def test_old_cloud_search_is_gone_with_410(cloud_sim: SimulatorHandle, path: str) -> None:
    answer = _session(cloud_sim).get(cloud_sim.url + path, params={"jql": train_jql()})
    assert answer.status_code == 410
    assert "/rest/api/3/search/jql" in answer.json()["errorMessages"][0]


def test_cloud_inline_changelog_keeps_the_40_most_recent_with_the_true_total(
    cloud_sim: SimulatorHandle,
) -> None:
    heavy = _heavy(cloud_sim)
    answer = _session(cloud_sim).post(
        cloud_sim.url + "/rest/api/3/search/jql",
        json={"jql": f"key = {heavy.key}", "fields": ["summary"], "expand": "changelog"},
    )
    changelog = answer.json()["issues"][0]["changelog"]
    assert changelog["total"] == len(heavy.histories) > 100
    assert [h["id"] for h in changelog["histories"]] == [str(h.id) for h in heavy.histories[-40:]]


def test_datacenter_inline_changelog_keeps_100_with_the_true_total(dc_sim: SimulatorHandle) -> None:
    heavy = _heavy(dc_sim)
    answer = _session(dc_sim).get(
        dc_sim.url + "/rest/api/2/search", params={"jql": f"key = {heavy.key}", "expand": "changelog"}
    )
    changelog = answer.json()["issues"][0]["changelog"]
    assert changelog["total"] == len(heavy.histories)
    assert len(changelog["histories"]) == 100
    items = [item for h in changelog["histories"] for item in h["items"]]
    assert items and all("fieldId" not in item for item in items)  # Data Center items carry no fieldId


def test_issue_changelog_pages_of_100_oldest_first(cloud_sim: SimulatorHandle) -> None:
    heavy = _heavy(cloud_sim)
    session = _session(cloud_sim)
    ids: list[str] = []
    start = 0
    while True:
        page = session.get(
            f"{cloud_sim.url}/rest/api/3/issue/{heavy.key}/changelog",
            params={"startAt": start, "maxResults": 500},
        ).json()
        assert page["maxResults"] == 100 and page["total"] == len(heavy.histories)
        ids.extend(h["id"] for h in page["values"])
        if page["isLast"]:
            break
        start += page["maxResults"]
    assert ids == [str(h.id) for h in heavy.histories]


def test_changelog_bulkfetch_is_complete_and_pages_by_token(cloud_sim: SimulatorHandle) -> None:
    train = [i for i in cloud_sim.site.issues if i.project in ("ORB", "NOVA", "ATL")]
    session = _session(cloud_sim)
    got: dict[str, list[str]] = {}
    pages_of: dict[str, int] = {}
    token = None
    pages = 0
    while True:
        body: dict[str, Any] = {"issueIdsOrKeys": [i.key for i in train], "maxResults": 250}
        if token:
            body["nextPageToken"] = token
        page = session.post(cloud_sim.url + "/rest/api/3/changelog/bulkfetch", json=body).json()
        for log in page["issueChangeLogs"]:
            got.setdefault(log["issueId"], []).extend(h["id"] for h in log["changeHistories"])
            pages_of[log["issueId"]] = pages_of.get(log["issueId"], 0) + 1
        pages += 1
        token = page.get("nextPageToken")
        if not token:
            break
    expected = {str(i.id): [str(h.id) for h in i.histories] for i in train if i.histories}
    assert got == expected
    assert pages == -(-sum(len(v) for v in expected.values()) // 250)
    # sorted by date across issues, as Jira does: many issues' histories are spread over several pages
    assert sum(1 for n in pages_of.values() if n > 1) > 10


def test_changelog_bulkfetch_filters_fields_and_checks_limits(cloud_sim: SimulatorHandle) -> None:
    session = _session(cloud_sim)
    url = cloud_sim.url + "/rest/api/3/changelog/bulkfetch"
    carried = next(i for i in cloud_sim.site.issues if len(i.sprints) > 1)
    page = session.post(url, json={"issueIdsOrKeys": [carried.key], "fieldIds": ["customfield_10020"]}).json()
    items = [item for log in page["issueChangeLogs"] for h in log["changeHistories"] for item in h["items"]]
    assert items and {item["field"] for item in items} == {"Sprint"}
    assert items[-1]["to"] == ", ".join(str(s) for s in carried.sprints)
    assert session.post(url, json={"issueIdsOrKeys": []}).status_code == 400
    assert session.post(url, json={"issueIdsOrKeys": [f"ORB-{n}" for n in range(1, 1002)]}).status_code == 400
    too_many_fields = {"issueIdsOrKeys": [carried.key], "fieldIds": [f"customfield_{n}" for n in range(11)]}
    assert session.post(url, json=too_many_fields).status_code == 400


def test_issue_bulkfetch_leaves_out_unknown_and_invisible_issues(cloud_sim: SimulatorHandle) -> None:
    """As Jira documents: issues not found or not visible are neither returned nor listed in issueErrors."""
    session = _session(cloud_sim)
    url = cloud_sim.url + "/rest/api/3/issue/bulkfetch"
    hidden = next(i for i in cloud_sim.site.issues if i.project == "SEC")
    answer = session.post(
        url, json={"issueIdsOrKeys": ["ORB-1", "ORB-99999", hidden.key], "fields": ["summary"]}
    )
    data = answer.json()
    assert [i["key"] for i in data["issues"]] == ["ORB-1"]
    assert data["issueErrors"] == []
    assert session.post(url, json={"issueIdsOrKeys": [f"ORB-{n}" for n in range(1, 102)]}).status_code == 400
    assert session.get(f"{cloud_sim.url}/rest/api/3/issue/{hidden.key}").status_code == 404


def test_datacenter_search_with_validate_query_off_skips_keys_the_user_cannot_see(
    dc_sim: SimulatorHandle,
) -> None:
    # Data Center: "key in (...)" naming an issue the user may not browse is a 400 unless validateQuery=false,
    # which returns the issues that can be seen (documented search parameter; the fetcher sends it)
    session = _session(dc_sim)
    hidden = next(i for i in dc_sim.site.issues if i.project == "SEC")
    body = {"jql": f"key in (ORB-1, {hidden.key})", "fields": ["summary"]}
    assert session.post(dc_sim.url + "/rest/api/2/search", json=body).status_code == 400
    answer = session.post(dc_sim.url + "/rest/api/2/search", json={**body, "validateQuery": False}).json()
    assert [i["key"] for i in answer["issues"]] == ["ORB-1"]


def test_links_to_issues_the_user_cannot_browse_still_show_their_status(cloud_sim: SimulatorHandle) -> None:
    # Jira embeds the linked issue's summary and status (with its category) in every link, also when the
    # user may not open that issue: the generator links SEC-1 and SEC-2 to train issues
    planted = [s for s in cloud_sim.site.scenarios if s.provider.startswith("SEC-")]
    consumer = planted[0].consumer
    data = _session(cloud_sim).get(
        f"{cloud_sim.url}/rest/api/3/issue/{consumer}", params={"fields": "issuelinks"}
    )
    ends = [
        link.get("inwardIssue") or link.get("outwardIssue") for link in data.json()["fields"]["issuelinks"]
    ]
    (sec,) = [e for e in ends if e["key"] == planted[0].provider]
    assert sec["fields"]["status"]["statusCategory"]["key"] in ("new", "indeterminate", "done")
    assert sec["fields"]["summary"]


def test_approximate_count_matches_the_train(cloud_sim: SimulatorHandle) -> None:
    answer = _session(cloud_sim).post(
        cloud_sim.url + "/rest/api/3/search/approximate-count", json={"jql": train_jql()}
    )
    assert answer.json() == {"count": 300}


def test_boards_and_their_sprints_including_other_boards_sprints(cloud_sim: SimulatorHandle) -> None:
    session = _session(cloud_sim)
    site = cloud_sim.site
    boards = session.get(cloud_sim.url + "/rest/agile/1.0/board", params={"projectKeyOrId": "ORB"}).json()
    expected = sorted(t.board_id for t in site.teams if t.project == "ORB")
    assert sorted(b["id"] for b in boards["values"]) == expected and boards["total"] == len(expected)
    # Orion (board 1) has a story in Vega's sprint: board 1 lists that sprint with Vega's board as origin
    foreign = {s for i in site.issues if i.team == 0 for s in i.sprints if site.sprints[s].board_id != 1}
    assert foreign
    values: list[dict[str, Any]] = []
    start = 0
    while True:
        page = session.get(
            cloud_sim.url + "/rest/agile/1.0/board/1/sprint", params={"startAt": start, "maxResults": 7}
        ).json()
        values.extend(page["values"])
        if page["isLast"]:
            break
        start += page["maxResults"]
    by_id = {v["id"]: v for v in values}
    assert len(by_id) == len(values) == 18 + len(foreign)
    assert all(by_id[s]["originBoardId"] != 1 for s in foreign)
    active = session.get(cloud_sim.url + "/rest/agile/1.0/board/1/sprint", params={"state": "active"}).json()
    assert [s["state"] for s in active["values"]] == ["active"] * len(active["values"]) and active["values"]
    assert (
        session.get(cloud_sim.url + "/rest/agile/1.0/board/1/sprint", params={"state": "open"}).status_code
        == 400
    )


def test_touch_and_remove_drive_incremental_pulls(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud")
    session = _session(sim)
    issue = next(
        i for i in sim.site.issues if i.project == "ATL" and len(i.histories) < 50 and not i.resolved
    )
    before = len(issue.histories)
    sim.touch_issue(issue.key, summary="Renamed", flagged=True)
    # everything generated is older than the site's "now"; JQL dates are in the user's zone (myself.timeZone)
    zone = ZoneInfo(session.get(sim.url + "/rest/api/3/myself").json()["timeZone"])
    since = sim.site.now.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    page = session.get(
        sim.url + "/rest/api/3/search/jql",
        params={"jql": f'project = ATL AND updated >= "{since}"', "fields": "summary,customfield_10021"},
    ).json()
    assert [(i["key"], i["fields"]["summary"]) for i in page["issues"]] == [(issue.key, "Renamed")]
    log = session.get(f"{sim.url}/rest/api/3/issue/{issue.key}/changelog").json()
    assert log["total"] == before + 1
    assert {i["field"] for i in log["values"][-1]["items"]} == {"summary", "Flagged"}
    other = next(t.name for t in sim.site.teams if t.in_train and sim.site.teams.index(t) != issue.team)
    sim.touch_issue(issue.key, duedate=date(2027, 1, 8), points=13, team=other, status="Done")
    fields = session.get(f"{sim.url}/rest/api/3/issue/{issue.key}").json()["fields"]
    assert (fields["duedate"], fields["customfield_10016"], fields["customfield_10001"]["name"]) == (
        "2027-01-08",
        13,
        other,
    )
    assert fields["status"]["statusCategory"]["key"] == "done" and fields["resolutiondate"]
    last = session.get(f"{sim.url}/rest/api/3/issue/{issue.key}/changelog").json()["values"][-1]
    assert {i["field"] for i in last["items"]} == {
        "duedate",
        "Story point estimate",
        "Team",
        "status",
        "resolution",
    }
    sim.remove_from_scope(issue.key)
    assert session.get(f"{sim.url}/rest/api/3/issue/{issue.key}").status_code == 404
    count = session.post(sim.url + "/rest/api/3/search/approximate-count", json={"jql": train_jql()}).json()
    assert count == {"count": 299}


def test_team_and_parent_fields_per_dialect(cloud_sim: SimulatorHandle, dc_sim: SimulatorHandle) -> None:
    """Cloud: Team is an object with name, the parent is fields.parent; DC: Team has a title, the parent is
    the Epic Link's key. Field ids are discovered by name, as a client must."""
    story = next(i for i in cloud_sim.site.issues if i.parent and i.team is not None and i.project == "ORB")
    assert story.team is not None
    team_name = cloud_sim.site.teams[story.team].name
    for sim in (cloud_sim, dc_sim):
        session = _session(sim)
        version = "3" if sim.deployment == "cloud" else "2"
        fields = {f["name"]: f["id"] for f in session.get(f"{sim.url}/rest/api/{version}/field").json()}
        data = session.get(f"{sim.url}/rest/api/{version}/issue/{story.key}").json()["fields"]
        team = data[fields["Team"]]
        if sim.deployment == "cloud":
            assert team["name"] == team_name and data["parent"]["key"] == story.parent
            assert fields["Story point estimate"] == "customfield_10016"
        else:
            assert team["title"] == team_name and "name" not in team
            assert data[fields["Epic Link"]] == story.parent and "parent" not in data
            assert fields["Story Points"] == "customfield_10106"


def test_datacenter_single_issue_changelog_is_complete(dc_sim: SimulatorHandle) -> None:
    heavy = _heavy(dc_sim)
    data = (
        _session(dc_sim)
        .get(f"{dc_sim.url}/rest/api/2/issue/{heavy.key}", params={"expand": "changelog"})
        .json()
    )
    assert [h["id"] for h in data["changelog"]["histories"]] == [str(h.id) for h in heavy.histories]
    assert data["changelog"]["total"] == len(heavy.histories)


def test_datacenter_has_no_cloud_only_endpoints(dc_sim: SimulatorHandle) -> None:
    session = _session(dc_sim)
    assert session.get(dc_sim.url + "/rest/api/2/search/jql", params={"jql": train_jql()}).status_code == 404
    assert (
        session.post(
            dc_sim.url + "/rest/api/2/issue/bulkfetch", json={"issueIdsOrKeys": ["ORB-1"]}
        ).status_code
        == 404
    )
    assert session.get(dc_sim.url + "/rest/api/3/myself").status_code == 404


def test_concurrent_clients_each_get_their_own_complete_answers(cloud_sim: SimulatorHandle) -> None:
    """Eight threads bulk-fetch disjoint slices at once: every issue comes back once, with its own fields."""
    train = sorted(
        (i for i in cloud_sim.site.issues if i.project in ("ORB", "NOVA", "ATL")), key=lambda i: i.id
    )
    slices = [train[n : n + 40] for n in range(0, len(train), 40)]

    def fetch(chunk: list[Any]) -> list[tuple[str, str]]:
        answer = _session(cloud_sim).post(
            cloud_sim.url + "/rest/api/3/issue/bulkfetch",
            json={"issueIdsOrKeys": [i.key for i in chunk], "fields": ["summary"]},
        )
        return [(i["key"], i["fields"]["summary"]) for i in answer.json()["issues"]]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [pair for chunk in pool.map(fetch, slices) for pair in chunk]
    assert sorted(results) == sorted((i.key, i.summary) for i in train)


def test_link_issues_adds_a_dependency_both_ends_see(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud")
    session = _session(sim)
    provider, consumer = "ORB-3", "NOVA-4"
    sim.link_issues(
        provider, consumer, link_type="Dependency"
    )  # inverted: the provider shows inward "blocks"
    provider_links = session.get(f"{sim.url}/rest/api/3/issue/{provider}").json()["fields"]["issuelinks"]
    mine = [x for x in provider_links if x.get("inwardIssue", {}).get("key") == consumer]
    assert [x["type"]["inward"] for x in mine] == ["blocks"]
    consumer_log = session.get(
        f"{sim.url}/rest/api/3/issue/{consumer}/changelog", params={"startAt": 0}
    ).json()
    last_page = session.get(
        f"{sim.url}/rest/api/3/issue/{consumer}/changelog", params={"startAt": consumer_log["total"] - 1}
    ).json()
    assert last_page["values"][-1]["items"][0]["toString"] == f"This issue is blocked by {provider}"
