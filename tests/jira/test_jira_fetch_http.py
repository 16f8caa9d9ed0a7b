"""The fetcher's paging and completeness rules against canned answers (`responses`).

Each test builds a tiny site by hand; the expected snapshot contents are read off the canned JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import Call, matchers

from syncreport.config import Config, config_from_dict
from syncreport.jira.fetch import pull
from tests.jira.recorded import sent_json, sent_url

SITE = "https://acme.atlassian.net"
U = "2025-09-01T09:00:00.000+0000"  # every canned issue's "updated"
FIELDS = [
    {"id": "parent", "name": "Parent", "schema": {"system": "parent"}},
    {
        "id": "customfield_10020",
        "name": "Sprint",
        "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"},
    },
    {
        "id": "customfield_10001",
        "name": "Team",
        "schema": {"custom": "com.atlassian.teams:rm-teams-custom-field-team"},
    },
]
STATUSES = [{"id": "1", "name": "To Do", "statusCategory": {"key": "new"}},
            {"id": "3", "name": "Done", "statusCategory": {"key": "done"}}]  # fmt: skip
SPRINT = {"id": 5, "name": "S1", "state": "active", "boardId": 7, "startDate": "2025-09-01T08:00:00.000Z",
          "endDate": "2099-09-15T08:00:00.000Z"}  # fmt: skip


def issue(n: int, *, links: list[dict[str, Any]] | None = None, project: str = "A") -> dict[str, Any]:
    return {
        "id": str(100 + n),
        "key": f"{project}-{n}",
        "fields": {
            "summary": f"issue {n}",
            "status": {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}},
            "project": {"key": project},
            "created": "2025-08-01T09:00:00.000+0000",
            "updated": U,
            "customfield_10020": [SPRINT],
            "customfield_10001": {"name": "Rockets"},
            "issuelinks": links or [],
        },
    }


def history(n: int) -> dict[str, Any]:
    return {"id": str(n), "created": f"2025-08-{n:02d}T09:00:00.000+0000",
            "items": [{"field": "status", "fieldId": "status", "from": "1", "to": "3", "fromString": "To Do", "toString": "Done"}]}  # fmt: skip


def config(tmp_path: Path, deployment: str) -> Config:
    return config_from_dict(
        {
            "jira": {"url": SITE, "deployment": deployment, "email": "rte@acme.com"},
            "train": {"name": "ART", "jql": "project = A"},
            "cache": {"path": str(tmp_path / "cache.sqlite3")},
            # the train's requests only: risks and objectives have their own tests (test_jira_agenda.py)
            "risks": {"enabled": False},
            "objectives": {"enabled": False},
        }
    )


def body(call: Call) -> dict[str, Any]:
    return sent_json(call)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "t0k3n")


def common(api: str) -> None:
    responses.get(f"{SITE}/rest/api/{api}/field", json=FIELDS)
    if api == "3":
        responses.get(f"{SITE}/rest/api/3/myself", json={"accountId": "a1", "timeZone": "Europe/Paris"})
    responses.get(f"{SITE}/rest/api/{api}/status", json=STATUSES)
    responses.get(
        f"{SITE}/rest/agile/1.0/board", json={"isLast": True, "values": [{"id": 7, "name": "Rockets"}]}
    )
    responses.get(
        f"{SITE}/rest/agile/1.0/board/7/sprint",
        json={"isLast": True, "values": [{**SPRINT, "originBoardId": 7}]},
    )


@responses.activate
def test_cloud_pages_ids_then_bulk_fetches_issues_and_complete_changelogs(tmp_path: Path) -> None:
    common("3")
    blocks = {"id": "900", "type": {"name": "Blocks"}, "inwardIssue": {"id": "555", "key": "X-1"}}
    responses.post(
        f"{SITE}/rest/api/3/search/jql",
        json={
            "issues": [{"id": "101", "fields": {"updated": U}}, {"id": "102", "fields": {"updated": U}}],
            "nextPageToken": "p2",
        },
    )
    responses.post(f"{SITE}/rest/api/3/search/jql", json={"issues": [], "isLast": True})  # an empty last page
    responses.post(
        f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [issue(1, links=[blocks]), issue(2)]}
    )
    # A-1's histories span two changelog pages: both parts must be kept, in order.
    responses.post(f"{SITE}/rest/api/3/changelog/bulkfetch", json={
        "issueChangeLogs": [{"issueId": "101", "changeHistories": [history(1), history(2)]}], "nextPageToken": "c2"})  # fmt: skip
    responses.post(f"{SITE}/rest/api/3/changelog/bulkfetch", json={
        "issueChangeLogs": [{"issueId": "101", "changeHistories": [history(3)]},
                            {"issueId": "102", "changeHistories": [history(4)]}]})  # fmt: skip
    responses.post(
        f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [{**issue(1, project="X"), "id": "555"}]}
    )

    result = pull(config(tmp_path, "cloud"))

    calls = [(c.request.method, sent_url(c).split("?")[0].removeprefix(SITE)) for c in responses.calls]
    searches = [c for c in responses.calls if "search/jql" in sent_url(c)]
    assert body(searches[0]) == {"jql": "project = A", "maxResults": 5000}  # empty cache: ids only
    assert body(searches[1])["nextPageToken"] == "p2"
    changelog_calls = [c for c in responses.calls if "changelog/bulkfetch" in sent_url(c)]
    assert sorted(body(changelog_calls[0])["issueIdsOrKeys"]) == ["101", "102"]
    assert body(changelog_calls[1])["nextPageToken"] == "c2"
    assert ("GET", "/rest/api/2/serverInfo") not in calls  # deployment configured: no probe
    snap = result.snapshot
    by_key = snap.issues_by_key()
    assert set(by_key) == {"A-1", "A-2", "X-1"} and not by_key["X-1"].in_train
    assert [e.at.day for e in snap.changes if e.issue_key == "A-1"] == [1, 2, 3]
    assert [(lnk.provider_key, lnk.consumer_key) for lnk in snap.links] == [("X-1", "A-1")]
    assert [s.id for s in snap.sprints] == [5] and snap.boards[0].team == "Rockets"

    # Warm re-run, nothing changed: what changed since the last run (nothing) and the ids, asked at the
    # same time (so each answer is matched by its body), then the far end.
    # The last run's latest "updated" is U (09:00 UTC; these answers carry no Date header); less the 1 h
    # margin: 08:00 UTC, 10:00 in the API user's Europe/Paris (summer time), which is how Jira reads a JQL
    # date. Cloud serves 100 issues a page with fields, 5,000 with ids only: the listing asks ids only.
    since = {
        "jql": '(project = A) AND updated >= "2025/09/01 10:00"',
        "fields": ["updated"],
        "maxResults": 5000,
    }
    ids = {"jql": "project = A", "maxResults": 5000}
    responses.reset()
    responses.post(f"{SITE}/rest/api/3/search/jql", json={"issues": [], "isLast": True}, match=[matchers.json_params_matcher(since)])  # fmt: skip
    responses.post(f"{SITE}/rest/api/3/search/jql", json={"issues": [{"id": "101"}, {"id": "102"}], "isLast": True}, match=[matchers.json_params_matcher(ids)])  # fmt: skip
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [{**issue(1, project="X"), "id": "555"}]})  # fmt: skip
    warm = pull(config(tmp_path, "cloud"))
    assert [sent_url(c).removeprefix(SITE) for c in responses.calls] == [
        "/rest/api/3/search/jql",
        "/rest/api/3/search/jql",
        "/rest/api/3/issue/bulkfetch",
    ]
    assert sorted(json.dumps(body(c), sort_keys=True) for c in list(responses.calls)[:2]) == sorted(
        json.dumps(b, sort_keys=True) for b in (since, ids)
    )
    assert warm.stats.fetched == 0 and warm.stats.from_cache == 2
    assert warm.snapshot.issues == snap.issues and warm.snapshot.changes == snap.changes


@responses.activate
def test_cloud_notices_issues_that_left_the_scope(tmp_path: Path) -> None:
    common("3")
    responses.post(f"{SITE}/rest/api/3/search/jql", json={"issues": [{"id": "101", "fields": {"updated": U}}, {"id": "102", "fields": {"updated": U}}]})  # fmt: skip
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [issue(1), issue(2)]})
    responses.post(f"{SITE}/rest/api/3/changelog/bulkfetch", json={"issueChangeLogs": []})
    pull(config(tmp_path, "cloud"))
    responses.post(
        f"{SITE}/rest/api/3/search/jql", json={"issues": [{"id": "101", "fields": {"updated": U}}]}
    )
    again = pull(config(tmp_path, "cloud"))
    assert again.stats.left_scope == ["A-2"]
    assert [i.key for i in again.snapshot.issues] == ["A-1"]


@responses.activate
def test_data_center_completes_a_truncated_inline_changelog(tmp_path: Path) -> None:
    common("2")
    whole = [history(n) for n in range(1, 6)]
    cut = {"startAt": 0, "maxResults": 2, "total": 5, "histories": whole[-2:]}  # the most recent two only
    full = {"startAt": 0, "maxResults": 5, "total": 5, "histories": whole}
    first = {**issue(1), "changelog": cut}
    second = {**issue(2), "changelog": {"startAt": 0, "maxResults": 1, "total": 1, "histories": [history(9)]}}
    # The cold search's count, asked beside its first page (matched by its maxResults 0)
    counted = matchers.json_params_matcher({"maxResults": 0}, strict_match=False)
    responses.post(f"{SITE}/rest/api/2/search", json={"total": 2, "issues": []}, match=[counted])
    responses.post(
        f"{SITE}/rest/api/2/search", json={"startAt": 0, "maxResults": 1, "total": 2, "issues": [first]}
    )
    responses.post(
        f"{SITE}/rest/api/2/search", json={"startAt": 1, "maxResults": 1, "total": 2, "issues": [second]}
    )
    responses.get(f"{SITE}/rest/api/2/issue/101", json={**issue(1), "changelog": full})

    snap = pull(config(tmp_path, "datacenter")).snapshot

    searches = [body(c) for c in responses.calls if sent_url(c).endswith("/rest/api/2/search")]
    pages = [p for p in searches if p["maxResults"] != 0]
    assert len(searches) - len(pages) == 1  # the count, once
    assert [(p["startAt"], p["maxResults"]) for p in pages] == [
        (0, 1000),
        (1, 1),
    ]  # the server's cap is obeyed
    assert pages[0]["expand"] == ["changelog"]
    assert [e.at.day for e in snap.changes if e.issue_key == "A-1"] == [1, 2, 3, 4, 5]
    assert [e.at.day for e in snap.changes if e.issue_key == "A-2"] == [9]
