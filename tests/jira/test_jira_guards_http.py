"""Paging guards, the run deadline, bulk-fetch omissions, odd shapes and `check` against canned answers.

Each test builds a tiny site by hand with `responses`; the expected answer is stated next to it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from syncreport.config import JiraSettings, config_from_dict
from syncreport.errors import JiraError, PagingError, RunTimeout
from syncreport.jira import run_checks
from syncreport.jira.client import JiraClient
from syncreport.jira.fetch import pull
from syncreport.jira.paging import agile_pages
from syncreport.jira.shape import check_issue
from syncreport.jira.transport import Dropped, MockTransport, Request, Response
from tests.jira.recorded import sent_json, sent_url
from tests.jira.test_jira_fetch_http import FIELDS, SITE, STATUSES, U, common, config, history, issue


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "t0k3n")


def settings(**extra: Any) -> JiraSettings:
    return JiraSettings(url=SITE, deployment="cloud", email="rte@acme.com", **extra)


# --- paging ----------------------------------------------------------------------------------------------


@responses.activate
def test_is_last_false_without_a_next_token_stops_the_run(tmp_path: Path) -> None:
    common("3")
    # Jira says more pages follow but gives no token to ask for them: the scope would be partial.
    responses.post(
        f"{SITE}/rest/api/3/search/jql",
        json={"issues": [{"id": "101", "fields": {"updated": U}}], "isLast": False},
    )
    with pytest.raises(PagingError, match="isLast is false but no nextPageToken"):
        pull(config(tmp_path, "cloud"))


@responses.activate
def test_a_repeated_changelog_token_stops_the_run(tmp_path: Path) -> None:
    common("3")
    responses.post(
        f"{SITE}/rest/api/3/search/jql",
        json={"issues": [{"id": "101", "fields": {"updated": U}}], "isLast": True},
    )
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [issue(1)]})
    # Page 1 gives token c2; page 2 (asked with c2) answers c2 again: a loop, not a changelog.
    responses.post(f"{SITE}/rest/api/3/changelog/bulkfetch", json={
        "issueChangeLogs": [{"issueId": "101", "changeHistories": [history(1)]}], "nextPageToken": "c2"})  # fmt: skip
    responses.post(f"{SITE}/rest/api/3/changelog/bulkfetch", json={
        "issueChangeLogs": [{"issueId": "101", "changeHistories": [history(2)]}], "nextPageToken": "c2"})  # fmt: skip
    with pytest.raises(PagingError, match="page token it had already given"):
        pull(config(tmp_path, "cloud"))


@responses.activate
def test_agile_pages_past_the_total_stop() -> None:
    # A proxy that ignores startAt: every page is the same 50 boards of a total of 60, isLast never true.
    # 60 boards at 50 a page is 2 pages (+2 of slack): the 3rd identical page already brings nothing new 2
    # times in a row, the 5th page is past the count. Either way it ends in an error within 5 requests.
    page = {"total": 60, "isLast": False, "values": [{"id": n} for n in range(50)]}
    responses.get(f"{SITE}/rest/agile/1.0/board", json=page)
    with JiraClient(settings(), "cloud") as client, pytest.raises(PagingError, match="did not end"):
        agile_pages(client, "/rest/agile/1.0/board", {})
    assert len(responses.calls) <= 5


@responses.activate
def test_agile_pages_that_end_by_an_empty_page_are_complete() -> None:
    responses.get(f"{SITE}/rest/agile/1.0/board", json={"isLast": False, "values": [{"id": 1}, {"id": 2}]})
    responses.get(f"{SITE}/rest/agile/1.0/board", json={"isLast": False, "values": []})
    with JiraClient(settings(), "cloud") as client:
        assert [b["id"] for b in agile_pages(client, "/rest/agile/1.0/board", {})] == [1, 2]


@responses.activate
def test_a_data_center_changelog_whose_pages_end_early_stops_the_run(tmp_path: Path) -> None:
    common("2")
    inline = {**issue(1), "changelog": {"total": 150, "histories": [history(1)]}}
    responses.post(
        f"{SITE}/rest/api/2/search", json={"startAt": 0, "maxResults": 1000, "total": 1, "issues": [inline]}
    )
    responses.get(
        f"{SITE}/rest/api/2/issue/101", json={"changelog": {"total": 150, "histories": [history(1)]}}
    )
    # 150 histories announced, 1 given, then an empty page: the changelog would be silently cut short.
    responses.get(f"{SITE}/rest/api/2/issue/101/changelog", json={"values": [], "total": 150})
    with pytest.raises(PagingError, match="ended after 1 of 150 histories"):
        pull(config(tmp_path, "datacenter"))


# --- the run's deadline ----------------------------------------------------------------------------------


@responses.activate
def test_the_deadline_ends_retries_that_would_go_on_for_minutes() -> None:
    def hangs(request: Any) -> Any:
        time.sleep(0.2)
        raise requests.exceptions.ReadTimeout("read timed out")

    responses.add_callback(responses.GET, f"{SITE}/rest/api/3/myself", callback=hangs)
    # max_retry_seconds 120 and 10 attempts would retry for a long time; the run has 0.5 s left.
    client = JiraClient(
        settings(max_retry_seconds=120, run_timeout_seconds=0.5), "cloud", deadline=time.monotonic() + 0.5
    )
    started = time.monotonic()
    with client, pytest.raises(RunTimeout, match=r"\[jira\]\.run_timeout_seconds"):
        client.get("/rest/api/3/myself")
    assert time.monotonic() - started < 2.0


def test_every_request_waits_no_longer_than_the_run_has_left() -> None:
    seen: list[float] = []

    def dropped(request: Request) -> Response:
        seen.append(request.timeout)
        raise Dropped("the connection dropped")  # retried

    transport = MockTransport(dropped)
    client = JiraClient(
        settings(timeout_seconds=30), "cloud", deadline=time.monotonic() + 2.0, transport=transport
    )
    with client, pytest.raises((RunTimeout, JiraError)):
        client.get("/rest/api/3/myself")
    assert seen and all(t <= 2.0 for t in seen)  # never the 30 s of timeout_seconds


# --- bulk fetch omissions --------------------------------------------------------------------------------


@responses.activate
def test_an_issue_left_out_without_issue_errors_is_asked_again() -> None:
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [issue(1)], "issueErrors": []})
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [issue(2)], "issueErrors": []})
    with JiraClient(settings(), "cloud", sleep=lambda s: None) as client:
        found = client.bulk_issues(["101", "102"], ["summary"], require_all=True)
    assert [i["key"] for i in found] == ["A-1", "A-2"]
    assert sent_json(responses.calls[1])["issueIdsOrKeys"] == ["102"]


@responses.activate
def test_an_issue_never_returned_fails_naming_it() -> None:
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [issue(1)], "issueErrors": []})
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [], "issueErrors": []})
    with JiraClient(settings(), "cloud", sleep=lambda s: None) as client, pytest.raises(JiraError) as failed:
        client.bulk_issues(["101", "102"], ["summary"], require_all=True)
    assert "(102)" in failed.value.message and "3 times" in failed.value.message
    assert len(responses.calls) == 3  # asked, then asked again twice


@responses.activate
def test_far_ends_may_be_left_out_without_failing() -> None:
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [], "issueErrors": []})
    with JiraClient(settings(), "cloud", sleep=lambda s: None) as client:
        assert client.bulk_issues(["X-1"], ["summary"]) == []  # not visible to the account: a finding later


# --- odd shapes ------------------------------------------------------------------------------------------


def test_odd_fields_are_read_with_what_can_be_kept_and_named() -> None:
    raw = issue(1, links=[{"id": "9", "type": {"name": "Blocks"}, "outwardIssue": {"id": "5"}}])
    raw["fields"].update(status="Done", project="A", created=10**20, labels="urgent")
    clean, histories, problems = check_issue(raw, [history(1), "not a history", {"created": "soon"}])
    fields = clean["fields"]
    assert fields["status"] == {"name": "Done"} and fields["project"] == {"key": "A"}
    assert fields["created"] is None and fields["issuelinks"] == [] and fields["labels"] == []
    assert histories == [history(1)]
    assert len(problems) == 6, problems  # status, project, created, labels, the link, 2 histories (one line)
    assert raw["fields"]["status"] == "Done"  # the answer itself is left as it was


@pytest.mark.parametrize(
    ("fields", "histories", "problem"),
    [
        ("not an object", None, "its fields are not an object"),
        ({"status": 3}, None, "its status is not an object: left unknown"),
        (
            {"status": {"name": "Done", "statusCategory": "done"}},
            None,
            "its status category is not an object",
        ),
        ({"project": ["A"]}, None, "its project is not an object: taken from the issue key"),
        ({"issuelinks": "A-2"}, None, "its issue links are not a list"),
        ({"issuelinks": ["A-2"]}, None, "an issue link that is not an object"),
        ({}, "not a list", "its changelog is not a list"),
        (
            {},
            [{"created": "2025-08-01T09:00:00.000+0000", "items": ["x"]}],
            "1 changelog item(s) not an object",
        ),
    ],
)
def test_each_odd_shape_is_named(fields: Any, histories: Any, problem: str) -> None:
    _, _, problems = check_issue({"id": "101", "key": "A-1", "fields": fields}, histories)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_well_formed_issue_has_no_problem() -> None:
    raw = issue(1, links=[{"id": "9", "type": {"name": "Blocks"}, "outwardIssue": {"id": "5", "key": "B-5"}}])
    assert check_issue(raw, [history(1)], sprint_field="customfield_10020")[2] == []


def test_a_sprint_with_an_odd_board_id_is_left_out_and_named() -> None:
    raw = issue(1)
    raw["fields"]["customfield_10020"] = [
        {"id": 5, "name": "S1", "boardId": "seven"},
        {"id": 6, "name": "S2"},
    ]
    clean, _, problems = check_issue(raw, None, sprint_field="customfield_10020")
    assert clean["fields"]["customfield_10020"] == [{"id": 6, "name": "S2"}]
    assert problems == ["sprint 5 names a board id that is not a number: the sprint was left out"]


def test_an_issue_without_a_key_is_an_error_naming_its_id() -> None:
    with pytest.raises(JiraError, match="id 101"):
        check_issue({"id": "101", "fields": {}}, None)


# --- check -----------------------------------------------------------------------------------------------


def _check_site(boards: list[dict[str, Any]]) -> None:
    responses.get(f"{SITE}/rest/api/2/serverInfo", json={"deploymentType": "Cloud", "version": "1001.0.0"})
    responses.get(f"{SITE}/rest/api/3/myself", json={"displayName": "RTE"})
    responses.get(f"{SITE}/rest/api/3/field", json=FIELDS)
    responses.get(f"{SITE}/rest/api/3/status", json=STATUSES)
    responses.post(f"{SITE}/rest/api/3/search/approximate-count", json={"count": 1})
    responses.post(
        f"{SITE}/rest/api/3/search/jql", json={"issues": [{"id": "101", "fields": {"project": {"key": "A"}}}]}
    )
    responses.get(f"{SITE}/rest/agile/1.0/board", json={"isLast": True, "values": boards})


@responses.activate
def test_check_warns_instead_of_failing_when_the_train_has_no_board(tmp_path: Path) -> None:
    _check_site([])
    results = {r.name: r for r in run_checks(config(tmp_path, "auto"))}
    assert results["boards"].ok and results["boards"].warning and "no board" in results["boards"].detail
    assert all(r.ok for r in results.values())
    assert "using the Cloud API" in results["connectivity"].detail


@responses.activate
def test_check_connectivity_uses_the_configured_dialect_when_serverinfo_will_not_say(tmp_path: Path) -> None:
    responses.get(f"{SITE}/rest/api/2/serverInfo", status=401, json={"errorMessages": ["no"]})
    data = {
        "jira": {"url": SITE, "deployment": "datacenter"},
        "train": {"name": "ART", "jql": "project = A"},
        "cache": {"path": str(tmp_path / "c.sqlite3")},
    }
    connectivity = run_checks(config_from_dict(data))[2]
    assert connectivity.ok and "serverInfo does not say" in connectivity.detail
    assert "using the Data Center API" in connectivity.detail and "[jira].deployment" in connectivity.detail


@responses.activate
def test_a_data_center_total_no_site_holds_stops_the_run(tmp_path: Path) -> None:
    common("2")
    # 10^12 issues at 1,000 a page would be a billion requests: more pages than any count allows.
    responses.post(
        f"{SITE}/rest/api/2/search",
        json={"startAt": 0, "maxResults": 1000, "total": 10**12, "issues": [{**issue(1), "changelog": {}}]},
    )
    with pytest.raises(PagingError, match="a total of 1000000000000 issues"):
        pull(config(tmp_path, "datacenter"))
    searches = [sent_json(c) for c in responses.calls if "/search" in sent_url(c)]
    assert [s["maxResults"] for s in searches if s.get("startAt", 0) == 0] in ([0, 1000], [1000, 0])
    assert len(searches) == 2  # the count beside the first page; no page after it


@responses.activate
def test_an_issue_without_a_key_in_a_sliced_data_center_search_is_one_line(tmp_path: Path) -> None:
    """A Data Center search of more than 10,000 issues is sliced by key; its pages are read for the last key.
    Before: an issue without a key there was ``KeyError: 'key'`` (an internal error). Expected: the same
    one-line error as an issue without a key anywhere else (shape.py)."""
    common("2")
    responses.post(
        f"{SITE}/rest/api/2/search",
        json={"startAt": 0, "maxResults": 10_000, "total": 10_001, "issues": [{"id": "1", "fields": {}}]},
    )
    with pytest.raises(JiraError, match="without an id or key"):
        pull(config(tmp_path, "datacenter"))
