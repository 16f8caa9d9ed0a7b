"""issue/bulkfetch's left-out issues and the consistent re-check (unit tests of the HTTP layer, `responses`).

Search is eventually consistent (Atlassian, "Search After Write with Search And Reconcile"): an issue deleted a
moment ago is still listed; issue/bulkfetch reads the issues themselves and leaves it out. The client asks
the caller's ``recheck`` (search with reconcileIssues) which of the left-out ids are really still listed.
"""

from __future__ import annotations

import pytest
import responses

from syncreport.config import JiraSettings
from syncreport.errors import JiraError
from syncreport.jira.client import JiraClient

SITE = "https://acme.atlassian.net"
BULK = f"{SITE}/rest/api/3/issue/bulkfetch"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> JiraClient:
    monkeypatch.setenv("JIRA_API_TOKEN", "t0ken-for-tests")
    settings = JiraSettings.model_validate({"url": SITE, "email": "rte@acme.com"})
    return JiraClient(settings, "cloud", sleep=lambda _: None)


@responses.activate
def test_an_issue_the_consistent_search_no_longer_lists_is_dropped_after_one_request(
    client: JiraClient,
) -> None:
    responses.post(BULK, json={"issues": [{"id": "101", "key": "A-1"}], "issueErrors": []})
    asked: list[list[str]] = []

    def recheck(ids: list[str]) -> set[str]:
        asked.append(ids)
        return set()  # gone: deleted a moment ago

    with client:
        found = client.bulk_issues(["101", "102"], ["summary"], require_all=True, recheck=recheck)
    assert [i["key"] for i in found] == ["A-1"]
    assert asked == [["102"]] and len(responses.calls) == 1


@responses.activate
def test_an_issue_still_listed_is_asked_again_and_then_fails_as_before(client: JiraClient) -> None:
    responses.post(BULK, json={"issues": [{"id": "101", "key": "A-1"}], "issueErrors": []})
    asked: list[list[str]] = []

    def recheck(ids: list[str]) -> set[str]:
        asked.append(ids)
        return set(ids)

    with client, pytest.raises(JiraError) as failure:
        client.bulk_issues(["101", "102"], ["summary"], require_all=True, recheck=recheck)
    assert "left out 1 issue(s) (102)" in failure.value.message
    assert asked == [["102"]]  # asked once, whatever the retries
    assert len(responses.calls) == 3
