"""The simulator held to Atlassian's documentation (issue 10 items 7 and 8, issue 16 item 5).

Each test quotes what it pins; docs/jira-notes.md lists the sources. Expected values come from the
simulator's own data (``sim.site``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from syncreport.simulator import SimulatorHandle, train_jql

pytestmark = pytest.mark.e2e

JQL = "/rest/api/3/search/jql"
BULK = "/rest/api/3/issue/bulkfetch"
CHANGELOGS = "/rest/api/3/changelog/bulkfetch"


class Clock:
    """A simulator clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _session(sim: SimulatorHandle, token: str | None = None) -> requests.Session:
    session = requests.Session()
    session.auth = (sim.email, token or sim.token)
    return session


def _story(sim: SimulatorHandle) -> Any:
    return next(i for i in sim.site.issues if i.project == "ORB" and i.issuetype == "Story")


# --- eventual consistency ----------------------------------------------------------------------------


@pytest.fixture
def lagging(simulator: Callable[..., SimulatorHandle]) -> tuple[SimulatorHandle, Clock]:
    clock = Clock()
    return simulator(deployment="cloud", clock=clock, search_lag_s=30), clock


def test_an_edit_reaches_search_after_the_lag_and_the_issue_resources_at_once(
    lagging: tuple[SimulatorHandle, Clock],
) -> None:
    # "after a write operation is performed, subsequent search operations using the API without the
    # reconcileIssues parameter may return stale or outdated data instead of the most recent updates for
    # some time" (search-and-reconcile); GET issue and bulkfetch read the issue itself.
    sim, clock = lagging
    story = _story(sim)
    session = _session(sim)
    summary_jql = {"jql": f"key = {story.key}", "fields": ["summary"]}
    sim.touch_issue(story.key, summary="Renamed a moment ago")

    def searched() -> str:
        return str(session.post(sim.url + JQL, json=summary_jql).json()["issues"][0]["fields"]["summary"])

    assert searched() != "Renamed a moment ago"
    fetched = session.post(sim.url + BULK, json={"issueIdsOrKeys": [story.key], "fields": ["summary"]})
    assert fetched.json()["issues"][0]["fields"]["summary"] == "Renamed a moment ago"
    reconciled = session.post(sim.url + JQL, json={**summary_jql, "reconcileIssues": [story.id]})
    assert reconciled.json()["issues"][0]["fields"]["summary"] == "Renamed a moment ago"
    clock.now += timedelta(seconds=31)
    assert searched() == "Renamed a moment ago"


def test_a_deleted_issue_stays_in_search_and_the_approximate_count_a_while(
    lagging: tuple[SimulatorHandle, Clock],
) -> None:
    # approximate-count: "Recent updates might not be immediately visible in the returned output."
    sim, clock = lagging
    session = _session(sim)
    story = _story(sim)
    count = session.post(sim.url + "/rest/api/3/search/approximate-count", json={"jql": train_jql()}).json()
    sim.remove_from_scope(story.key)
    ids = [
        i["id"]
        for i in session.post(sim.url + JQL, json={"jql": train_jql(), "maxResults": 5000}).json()["issues"]
    ]
    assert str(story.id) in ids
    again = session.post(sim.url + "/rest/api/3/search/approximate-count", json={"jql": train_jql()}).json()
    assert again == count
    gone = session.post(sim.url + BULK, json={"issueIdsOrKeys": [str(story.id)], "fields": ["summary"]})
    assert gone.json()["issues"] == []
    clock.now += timedelta(seconds=31)
    ids = [
        i["id"]
        for i in session.post(sim.url + JQL, json={"jql": train_jql(), "maxResults": 5000}).json()["issues"]
    ]
    assert str(story.id) not in ids
    assert session.post(
        sim.url + "/rest/api/3/search/approximate-count", json={"jql": train_jql()}
    ).json() == {"count": count["count"] - 1}


def test_reconcile_issues_takes_at_most_50_ids(cloud_sim: SimulatorHandle) -> None:
    # reconcileIssues: "Accepts max 50 ids."
    body = {"jql": train_jql(), "reconcileIssues": list(range(10001, 10052))}
    assert _session(cloud_sim).post(cloud_sim.url + JQL, json=body).status_code == 400


# --- search/jql's request and tokens -----------------------------------------------------------------


def test_search_jql_expand_is_a_comma_separated_string(cloud_sim: SimulatorHandle) -> None:
    # SearchAndReconcileRequestBean: "unlike the majority of instances where expand is specified, expand is
    # defined as a comma-delimited string"; a JSON array there is not a string.
    session = _session(cloud_sim)
    story = _story(cloud_sim)
    body = {"jql": f"key = {story.key}", "fields": ["summary"], "expand": "names,changelog"}
    answer = session.post(cloud_sim.url + JQL, json=body)
    assert "changelog" in answer.json()["issues"][0]
    listed = session.post(cloud_sim.url + JQL, json={**body, "expand": ["changelog"]})
    assert listed.status_code == 400
    got = session.get(cloud_sim.url + JQL, params={"jql": f"key = {story.key}", "expand": "names,changelog"})
    assert "changelog" in got.json()["issues"][0]


@pytest.mark.parametrize("size", [0, -1, 5001])
def test_search_jql_refuses_a_page_size_outside_1_to_5000(cloud_sim: SimulatorHandle, size: int) -> None:
    # maxResults "returns max 5000 issues"; real sites answer 400 for 0, -1 and 5001, not a clamped page.
    answer = _session(cloud_sim).post(cloud_sim.url + JQL, json={"jql": train_jql(), "maxResults": size})
    assert answer.status_code == 400
    assert "5000" in answer.json()["errorMessages"][0]


def test_search_jql_post_reads_its_body_only_and_refuses_unknown_properties(
    cloud_sim: SimulatorHandle,
) -> None:
    session = _session(cloud_sim)
    unknown = session.post(cloud_sim.url + JQL, json={"jql": train_jql(), "startAt": 100})
    assert unknown.status_code == 400 and "startAt" in unknown.json()["errorMessages"][0]
    # the query string of a POST is not read: without a jql in the body the query is unbounded
    assert session.post(cloud_sim.url + JQL, params={"jql": train_jql()}, json={}).status_code == 400


def test_a_token_is_bound_to_its_jql_and_expires_after_7_days(
    simulator: Callable[..., SimulatorHandle],
) -> None:
    # "The token encodes the query: send the same jql on every page"; "This token will expire in 7 days."
    clock = Clock()
    sim = simulator(deployment="cloud", clock=clock)
    session = _session(sim)
    first = session.post(sim.url + JQL, json={"jql": train_jql(), "maxResults": 10}).json()
    token = first["nextPageToken"]
    second = session.post(sim.url + JQL, json={"jql": train_jql(), "maxResults": 10, "nextPageToken": token})
    assert second.status_code == 200 and second.json()["issues"] != first["issues"]
    other = session.post(
        sim.url + JQL, json={"jql": "project = ORB", "maxResults": 10, "nextPageToken": token}
    )
    assert other.status_code == 400
    for empty in ("", None):  # an empty or null token is the first page
        again = session.post(
            sim.url + JQL, json={"jql": train_jql(), "maxResults": 10, "nextPageToken": empty}
        )
        assert again.json()["issues"] == first["issues"]
    clock.now += timedelta(days=7, minutes=1)
    late = session.post(sim.url + JQL, json={"jql": train_jql(), "maxResults": 10, "nextPageToken": token})
    assert late.status_code == 400


# --- issue/bulkfetch: order and moved issues ----------------------------------------------------------


def test_bulkfetch_answers_in_ascending_id_order(cloud_sim: SimulatorHandle) -> None:
    # issue/bulkfetch: "Issues will be returned in ascending id order."
    picked = [i for i in cloud_sim.site.issues if i.project == "NOVA"][:30]
    refs = [i.key for i in reversed(picked)]
    answer = _session(cloud_sim).post(
        cloud_sim.url + BULK, json={"issueIdsOrKeys": refs, "fields": ["summary"]}
    )
    ids = [int(i["id"]) for i in answer.json()["issues"]]
    assert ids == sorted(i.id for i in picked)


def test_a_moved_issue_answers_under_its_new_key_by_its_old_one(
    simulator: Callable[..., SimulatorHandle],
) -> None:
    # bulkfetch / GET issue: "if the identifier doesn't match an issue, a case-insensitive search and check
    # for moved issues is performed. If a matching issue is found its details are returned"
    sim = simulator(deployment="cloud")
    link = next(x for x in sim.site.links if x.source.startswith("ORB-") and x.target.startswith("NOVA-"))
    moved, other = link.source, sim.site.by_key[link.target]
    other_updated = other.updated
    new_key = sim.move_issue(moved, "ATL")
    assert new_key.startswith("ATL-")
    session = _session(sim)
    answer = session.post(sim.url + BULK, json={"issueIdsOrKeys": [moved.lower()], "fields": ["summary"]})
    assert [i["key"] for i in answer.json()["issues"]] == [new_key]
    assert session.get(f"{sim.url}/rest/api/3/issue/{moved}").json()["key"] == new_key
    found = session.post(sim.url + JQL, json={"jql": f"key = {moved}", "fields": ["key"]}).json()
    assert [i["key"] for i in found["issues"]] == [new_key]
    histories = session.get(f"{sim.url}/rest/api/3/issue/{new_key}/changelog").json()["values"]
    assert {(i["field"], i["fromString"], i["toString"]) for i in histories[-1]["items"]} >= {
        ("Key", moved, new_key)
    }
    # the linked issue shows the new key at once, but it was not updated itself
    shown = session.get(f"{sim.url}/rest/api/3/issue/{other.key}").json()["fields"]["issuelinks"]
    assert new_key in {(x.get("inwardIssue") or x.get("outwardIssue") or {}).get("key") for x in shown}
    assert sim.site.by_key[other.key].updated == other_updated


# --- changelog/bulkfetch ----------------------------------------------------------------------------


def test_changelog_bulkfetch_as_the_openapi_describes_it(cloud_sim: SimulatorHandle) -> None:
    # BulkChangelogRequestBean: maxResults minimum 1, maximum 10000; additionalProperties false.
    # BulkChangelogResponseBean: nextPageToken nullable; the example's "created": 1492070429 is a number.
    session = _session(cloud_sim)
    story = next(i for i in cloud_sim.site.issues if len(i.histories) > 3 and i.project == "ORB")
    url = cloud_sim.url + CHANGELOGS
    page = session.post(url, json={"issueIdsOrKeys": [story.key], "maxResults": 10000}).json()
    assert page["nextPageToken"] is None
    created = [h["created"] for log in page["issueChangeLogs"] for h in log["changeHistories"]]
    assert created == [int(h.created.timestamp() * 1000) for h in story.histories]
    first = session.post(url, json={"issueIdsOrKeys": [story.key], "maxResults": 1}).json()
    assert isinstance(first["nextPageToken"], str)
    for size in (0, 10001):
        assert session.post(url, json={"issueIdsOrKeys": [story.key], "maxResults": size}).status_code == 400
    unknown = session.post(url, json={"issueIdsOrKeys": [story.key], "startAt": 0})
    assert unknown.status_code == 400 and "startAt" in unknown.json()["errorMessages"][0]


# --- scoped API tokens through the platform gateway --------------------------------------------------


def test_a_scoped_token_works_through_the_gateway_and_not_on_the_site_url(cloud_sim: SimulatorHandle) -> None:
    # Atlassian KB "401 Unauthorized error when service account accesses Jira or Confluence API": scoped
    # tokens use https://api.atlassian.com/ex/jira/<cloudId>/{api}, NOT https://<your-domain>.atlassian.net.
    tenant = requests.get(cloud_sim.url + "/_edge/tenant_info")  # anonymous
    assert tenant.json() == {"cloudId": cloud_sim.cloud_id}
    scoped = _session(cloud_sim, cloud_sim.scoped_token)
    assert scoped.get(cloud_sim.url + "/rest/api/3/myself").status_code == 401
    me = scoped.get(f"{cloud_sim.url}/ex/jira/{cloud_sim.cloud_id}/rest/api/3/myself")
    assert me.status_code == 200 and me.json()["accountId"]
    assert cloud_sim.gateway_url == f"{cloud_sim.url}/ex/jira/{cloud_sim.cloud_id}"
    wrong = scoped.get(f"{cloud_sim.url}/ex/jira/00000000-0000-0000-0000-000000000000/rest/api/3/myself")
    assert wrong.status_code == 404
    header = base64.b64encode(f"{cloud_sim.email}:{cloud_sim.scoped_token}".encode()).decode()
    assert json.dumps(me.json()).find(header) == -1


# --- sprint lists ------------------------------------------------------------------------------------


def test_a_boards_sprints_come_by_state_then_backlog_position(cloud_sim: SimulatorHandle) -> None:
    # Jira Software, Get all sprints: "Sprints will be ordered first by state (i.e. closed, active, future)
    # then by their position in the backlog." (position: the sprints' id order in the simulator)
    answer = _session(cloud_sim).get(
        cloud_sim.url + "/rest/agile/1.0/board/1/sprint", params={"maxResults": 50}
    )
    values = answer.json()["values"]
    rank = {"closed": 0, "active": 1, "future": 2}
    assert [(s["state"], s["id"]) for s in values] == sorted(
        ((s["state"], s["id"]) for s in values), key=lambda pair: (rank[pair[0]], pair[1])
    )
    assert values[0]["state"] == "closed" and values[-1]["state"] == "future"


def test_bulkfetch_takes_1000_issues_only_when_the_request_is_shaped_to_be_served_efficiently(
    cloud_sim: SimulatorHandle,
) -> None:
    # issue/bulkfetch: "By default you can request up to 100 issues in a single call. You can request up to
    # 1000 issues in a single call when the request is shaped so that it can be served efficiently" (fields
    # named explicitly, none with several values, no changelog expand); "larger requests are rejected with 400"
    session = _session(cloud_sim)
    refs = [str(i.id) for i in cloud_sim.site.issues[:250]]
    shaped = session.post(cloud_sim.url + BULK, json={"issueIdsOrKeys": refs, "fields": ["updated"]})
    assert shaped.status_code == 200 and len(shaped.json()["issues"]) > 200
    for body in (
        {"issueIdsOrKeys": refs, "fields": ["*all"]},
        {"issueIdsOrKeys": refs},
        {"issueIdsOrKeys": refs, "fields": ["updated", "comment"]},
        {"issueIdsOrKeys": refs, "fields": ["updated"], "expand": ["changelog"]},
    ):
        assert session.post(cloud_sim.url + BULK, json=body).status_code == 400
