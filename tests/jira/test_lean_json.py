"""The changelog answers decoded without their histories' authors: the same value as orjson's otherwise.

Each expected value is orjson's decode of the same bytes with every history's ``author`` and
``historyMetadata`` taken out by hand, compared as orjson's bytes (so the keys' order counts too); the
answers of another shape are decoded by orjson whole, authors included.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson
import pytest
import responses

from syncreport.config import JiraSettings
from syncreport.errors import JiraError
from syncreport.jira import lean_json
from syncreport.jira.client import JiraClient

SITE = "https://jira.acme.test"

AUTHOR = {
    "self": f"{SITE}/rest/api/2/user?username=ravi",
    "name": "ravi",
    "emailAddress": "ravi@acme.test",
    "avatarUrls": {"48x48": f"{SITE}/avatar/5b8b.png"},
    "displayName": "Ravi Iyer",
    "active": True,
}


def history(number: int, *, created: Any = "2026-11-02T09:15:00.000+0100", **item: Any) -> dict[str, Any]:
    items = [
        {
            "field": "status",
            "fieldtype": "jira",
            "from": "10300",
            "fromString": "To Do",
            "to": "10301",
            "toString": "In Progress",
            **item,
        }
    ]
    return {
        "id": str(100 + number),
        "author": AUTHOR,
        "created": created,
        "items": items,
        "historyMetadata": {"type": "myplugin:type"},
    }


def dc_issue(number: int, histories: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "expand": "operations,changelog",
        "id": str(10000 + number),
        "self": f"{SITE}/rest/api/2/issue/{10000 + number}",
        "key": f"ORB-{number}",
        "fields": {
            "summary": "Pay by card \u202e",
            "customfield_10002": 123456789012345678901234567890,  # beyond 64 bits: orjson makes it a float
            "customfield_10003": 5.5,
            "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
            "issuelinks": [],
        },
        "changelog": {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        },
    }


def dc_page(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "expand": "schema,names",
        "startAt": 0,
        "maxResults": 1000,
        "total": len(issues),
        "issues": issues,
    }


def answer(value: Any) -> bytes:
    """Jira's answer as bytes (the json module: it writes an integer of any size, as Jira may)."""
    return json.dumps(value).encode()


def encoded(value: Any) -> bytes:
    """A decoded value as bytes, to compare values and the order of their keys at once."""
    return orjson.dumps(value)


def without_authors(value: Any) -> Any:
    """orjson's decode of ``value``'s JSON with each history's author and metadata taken out."""
    decoded = orjson.loads(answer(value))
    issues = decoded.get("issues") if "issues" in decoded else [decoded]
    for issue in issues:
        for found in issue["changelog"]["histories"]:
            del found["author"], found["historyMetadata"]
    return decoded


def test_a_data_center_search_page_is_orjsons_without_the_authors() -> None:
    page = dc_page([dc_issue(1, [history(1), history(2)]), dc_issue(2, [])])
    lean = lean_json.search_page(answer(page))
    assert encoded(lean) == encoded(without_authors(page))
    assert list(lean["issues"][0]["changelog"]["histories"][0]) == ["id", "created", "items"]
    # the fields are orjson's own: a 30-digit number is a float there, as it always was
    assert lean["issues"][0]["fields"]["customfield_10002"] == pytest.approx(1.2345678901234568e29)
    assert isinstance(lean["issues"][0]["fields"]["customfield_10002"], float)


def test_one_issue_with_its_changelog_is_orjsons_without_the_authors() -> None:
    issue = dc_issue(7, [history(n) for n in range(3)])
    assert encoded(lean_json.issue(answer(issue))) == encoded(without_authors(issue))


def test_a_cloud_changelog_page_keeps_the_epoch_times_and_the_token() -> None:
    page: dict[str, Any] = {
        "issueChangeLogs": [
            {"issueId": "10001", "changeHistories": [history(1, created=1793610900000, fieldId="status")]},
            {"issueId": "10002", "changeHistories": []},
        ],
        "nextPageToken": "UxAQBFRF",
    }
    expected: dict[str, Any] = copy.deepcopy(page)
    for entry in expected["issueChangeLogs"]:
        for found in entry["changeHistories"]:
            del found["author"], found["historyMetadata"]
    assert encoded(lean_json.changelogs(answer(page))) == encoded(expected)


@pytest.mark.parametrize(
    "odd",
    [
        pytest.param({"to": 10301}, id="an item's value a number"),
        pytest.param({"to": ["10301"]}, id="an item's value a list"),
    ],
)
def test_an_item_of_another_shape_leaves_the_whole_page_to_orjson(odd: dict[str, Any]) -> None:
    page = dc_page([dc_issue(1, [history(1), history(2, **odd)])])
    decoded = lean_json.search_page(answer(page))
    assert decoded == orjson.loads(answer(page))
    assert decoded["issues"][0]["changelog"]["histories"][0]["author"] == AUTHOR  # not the lean decode


@pytest.mark.parametrize(
    "changelog",
    [None, [], "cut", {"histories": "cut"}, {"histories": [{"id": None, "created": "2026-11-02"}]}],
    ids=["null", "a list", "text", "histories text", "a history without an id"],
)
def test_an_odd_changelog_is_orjsons_whole_for_the_check_to_name(changelog: Any) -> None:
    issue = {**dc_issue(3, []), "changelog": changelog}
    page = dc_page([issue])
    assert encoded(lean_json.search_page(answer(page))) == encoded(orjson.loads(answer(page)))
    assert encoded(lean_json.issue(answer(issue))) == encoded(orjson.loads(answer(issue)))


def test_an_issue_without_fields_and_fields_null_are_as_orjson_has_them() -> None:
    bare = {"id": "10009", "key": "ORB-9", "changelog": {"histories": []}}
    nulled = {**bare, "fields": None}
    assert lean_json.issue(answer(bare)) == bare
    assert lean_json.issue(answer(nulled)) == nulled


def test_not_json_is_orjsons_error() -> None:
    for decode in (lean_json.search_page, lean_json.issue, lean_json.changelogs):
        with pytest.raises(orjson.JSONDecodeError):
            decode(b'{"issues": [')
        with pytest.raises(orjson.JSONDecodeError):
            decode(b"<html>Log in</html>")


# --- through the client ----------------------------------------------------------------------------------


@pytest.fixture
def dc_client(monkeypatch: pytest.MonkeyPatch) -> JiraClient:
    monkeypatch.setenv("JIRA_API_TOKEN", "s3cr3t")
    settings = JiraSettings.model_validate({"url": SITE, "deployment": "datacenter"})
    return JiraClient(settings, "datacenter", sleep=lambda _seconds: None)


@responses.activate
def test_the_client_decodes_with_the_decoder_it_is_handed(dc_client: JiraClient) -> None:
    page = dc_page([dc_issue(1, [history(1)])])
    responses.post(f"{SITE}/rest/api/2/search", body=answer(page), content_type="application/json")
    responses.post(f"{SITE}/rest/api/2/search", body=answer(page), content_type="application/json")
    with dc_client as c:
        lean = c.post("/rest/api/2/search", {"jql": "project = ORB"}, decode=lean_json.search_page)
        whole = c.post("/rest/api/2/search", {"jql": "project = ORB"})
    assert encoded(lean) == encoded(without_authors(page))
    assert whole == orjson.loads(answer(page))


@responses.activate
def test_a_page_cut_short_is_asked_again_with_the_lean_decoder(dc_client: JiraClient) -> None:
    page = dc_page([dc_issue(1, [history(1)])])
    responses.post(f"{SITE}/rest/api/2/search", body=answer(page)[:-40], content_type="application/json")
    responses.post(f"{SITE}/rest/api/2/search", body=answer(page), content_type="application/json")
    with dc_client as c:
        lean = c.post("/rest/api/2/search", {"jql": "project = ORB"}, decode=lean_json.search_page)
    assert encoded(lean) == encoded(without_authors(page))
    assert len(responses.calls) == 2


@responses.activate
def test_a_login_page_is_still_one_line_with_the_lean_decoder(dc_client: JiraClient) -> None:
    responses.post(f"{SITE}/rest/api/2/search", body="<html>Log in</html>", content_type="text/html")
    with dc_client as c, pytest.raises(JiraError) as caught:
        c.post("/rest/api/2/search", {"jql": "project = ORB"}, decode=lean_json.search_page)
    assert "text/html, not JSON" in caught.value.message
