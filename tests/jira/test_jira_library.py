"""serverInfo, myself, fields, boards and sprints through the ``jira`` library's public API, under our policy
(retries, counts, one-line errors), against `responses` (the simulator covers the real server end to end)."""

from __future__ import annotations

import base64

import pytest
import responses
from responses import matchers

from syncreport.config import JiraSettings
from syncreport.errors import JiraError, PagingError
from syncreport.jira.client import JiraClient
from syncreport.jira.transport import USER_AGENT
from syncreport.kinds import Deployment
from tests.jira.recorded import sent_url

SITE = "https://acme.atlassian.net"
TOKEN = "s3cr3t-token-value"
AGILE = f"{SITE}/rest/agile/1.0"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)


def client(sleeps: list[float], deployment: Deployment = "cloud") -> JiraClient:
    settings = JiraSettings.model_validate({"url": SITE, "email": "rte@acme.com", "max_retry_seconds": 120.0})
    return JiraClient(settings, deployment, sleep=sleeps.append)


def board(board_id: int) -> dict[str, object]:
    return {"id": board_id, "name": f"Board {board_id}", "type": "scrum", "location": {"projectKey": "A"}}


@responses.activate
def test_cloud_myself_and_fields_are_asked_on_v3_signed_in_and_counted() -> None:
    responses.get(f"{SITE}/rest/api/3/myself", json={"accountId": "5b10", "displayName": "Rita"})
    responses.get(f"{SITE}/rest/api/3/field", json=[{"id": "customfield_10020", "name": "Sprint"}])
    with client([]) as c:
        assert c.library.myself()["displayName"] == "Rita"
        assert c.library.fields() == [{"id": "customfield_10020", "name": "Sprint"}]
        counts = dict(c.request_counts)
    basic = "Basic " + base64.b64encode(f"rte@acme.com:{TOKEN}".encode()).decode()
    assert [call.request.headers["Authorization"] for call in responses.calls] == [basic, basic]
    assert {call.request.headers["User-Agent"] for call in responses.calls} == {USER_AGENT}
    assert counts == {"/rest/api/3/myself": 1, "/rest/api/3/field": 1}


@responses.activate
def test_data_center_uses_v2_and_the_bearer_token_and_init_asks_v2_on_cloud_too() -> None:
    responses.get(f"{SITE}/rest/api/2/myself", json={"name": "rita"})
    with client([], "datacenter") as c:
        assert c.library.myself() == {"name": "rita"}
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    responses.get(f"{SITE}/rest/api/2/field", json=[])
    with client([]) as c:
        assert c.library.fields(v2=True) == []
    assert sent_url(responses.calls[1]) == f"{SITE}/rest/api/2/field"


@responses.activate
def test_server_info_is_asked_on_v2_anonymously_before_the_dialect_is_known() -> None:
    responses.get(f"{SITE}/rest/api/2/serverInfo", json={"deploymentType": "Cloud", "versionNumbers": [1001]})
    settings = JiraSettings.model_validate({"url": SITE})
    with JiraClient(settings, None) as anonymous:
        assert anonymous.library.server_info()["deploymentType"] == "Cloud"
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_a_503_is_retried_by_our_policy_after_what_retry_after_says() -> None:
    # the library's own retries are off: one 503, one wait of exactly Retry-After, then the answer
    responses.get(f"{SITE}/rest/api/3/field", status=503, headers={"Retry-After": "7"})
    responses.get(f"{SITE}/rest/api/3/field", json=[])
    sleeps: list[float] = []
    with client(sleeps) as c:
        assert c.library.fields() == []
    assert sleeps == [7.0] and len(responses.calls) == 2


@responses.activate
def test_a_refused_token_is_the_same_one_line_error_as_through_our_transport() -> None:
    responses.get(f"{SITE}/rest/api/3/myself", status=401, json={"errorMessages": ["unauthorized"]})
    with client([]) as c:
        with pytest.raises(JiraError) as ours:
            c.get("/rest/api/3/myself")
        with pytest.raises(JiraError) as library:
            c.library.myself()
    assert library.value.message == ours.value.message and "rejected the API token" in ours.value.message
    assert (library.value.status, library.value.endpoint) == (401, "/rest/api/3/myself")
    assert TOKEN not in library.value.message and library.value.__cause__ is None


@responses.activate
def test_an_html_page_instead_of_json_is_one_line() -> None:
    responses.get(f"{SITE}/rest/api/3/field", body="<html>Log in</html>", content_type="text/html")
    with client([]) as c, pytest.raises(JiraError, match=r"not JSON \(a login page"):
        c.library.fields()


@responses.activate
def test_boards_are_every_page_of_the_project_as_jira_wrote_them() -> None:
    # 50 boards with isLast false, then 2 with isLast true: 52 boards, in order, in two requests
    first = [board(i) for i in range(1, 51)]
    responses.get(
        f"{AGILE}/board",
        match=[matchers.query_param_matcher({"projectKeyOrId": "A", "maxResults": "50"})],
        json={"startAt": 0, "maxResults": 50, "isLast": False, "values": first},
    )
    responses.get(
        f"{AGILE}/board",
        match=[matchers.query_param_matcher({"projectKeyOrId": "A", "startAt": "50", "maxResults": "50"})],
        json={"startAt": 50, "maxResults": 50, "isLast": True, "values": [board(51), board(52)]},
    )
    with client([]) as c:
        boards = c.library.boards("A")
    assert boards == [*first, board(51), board(52)]


@responses.activate
def test_a_kanban_boards_400_is_jiras_own_message_and_a_hidden_board_no_sprints() -> None:
    responses.get(
        f"{AGILE}/board/7/sprint",
        status=400,
        json={"errorMessages": ["The board does not support sprints"], "errors": {}},
    )
    responses.get(f"{AGILE}/board/8/sprint", status=404)
    with client([]) as c:
        with pytest.raises(JiraError) as caught:
            c.library.sprints(7)
        assert c.library.sprints(8) == []
    assert caught.value.status == 400
    assert caught.value.jira_messages == ("The board does not support sprints",)
    assert "state=closed%2Cactive%2Cfuture" in sent_url(responses.calls[0])


@responses.activate
def test_a_sprint_list_that_never_ends_fails_with_one_line() -> None:
    # a broken proxy answers the first page again and again, isLast false: the first page is new, the next
    # three bring nothing new, and the guard stops the loop there (4 requests)
    page = {"startAt": 0, "maxResults": 50, "isLast": False, "values": [{"id": i} for i in range(50)]}
    responses.get(f"{AGILE}/board/7/sprint", json=page)
    with client([]) as c, pytest.raises(PagingError, match="brought nothing new"):
        c.library.sprints(7)
    assert len(responses.calls) == 4


def test_an_unreachable_site_is_one_line() -> None:
    settings = JiraSettings.model_validate({"url": "http://127.0.0.1:9", "email": "rte@acme.com"})
    with JiraClient(settings, "cloud") as c, pytest.raises(JiraError, match="cannot connect to"):
        c.library.myself()
