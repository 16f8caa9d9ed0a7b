"""The simulator held to Jira's behaviour with a client we did not write: the pycontribs `jira` library.

Expected counts come from the generator's data (the issues of the train's projects), not from the server.
"""

from __future__ import annotations

import pytest

from jira import JIRA, JIRAError
from syncreport.simulator import SimulatorHandle, train_jql

pytestmark = pytest.mark.e2e


def _train_keys(sim: SimulatorHandle) -> set[str]:
    """Worked out from the generated data: the train's JQL selects every issue of ORB, NOVA and ATL."""
    return {i.key for i in sim.site.issues if i.project in ("ORB", "NOVA", "ATL")}


def test_cloud_enhanced_search_pages_every_issue_exactly_once(cloud_sim: SimulatorHandle) -> None:
    client = JIRA(server=cloud_sim.url, basic_auth=(cloud_sim.email, cloud_sim.token))
    assert client.deploymentType == "Cloud"
    keys: list[str] = []
    token = None
    pages = 0
    while True:
        page = client.enhanced_search_issues(
            train_jql(), nextPageToken=token, maxResults=100, fields="key,summary,status", json_result=True
        )
        assert "total" not in page
        keys.extend(issue["key"] for issue in page["issues"])
        pages += 1
        token = page.get("nextPageToken")
        assert page["isLast"] is (token is None)
        if token is None:
            break
    assert len(keys) == len(set(keys)) == 300
    assert set(keys) == _train_keys(cloud_sim)
    assert pages == 3


def test_datacenter_search_issues_pages_every_issue_exactly_once(dc_sim: SimulatorHandle) -> None:
    client = JIRA(server=dc_sim.url, token_auth=dc_sim.token)
    assert client.deploymentType == "DataCenter"
    issues = client.search_issues(train_jql(), maxResults=False)
    keys = [issue.key for issue in issues]
    assert len(keys) == len(set(keys)) == 300
    assert set(keys) == _train_keys(dc_sim)


def test_bad_cloud_token_is_refused_with_401(cloud_sim: SimulatorHandle) -> None:
    with pytest.raises(JIRAError) as caught:
        JIRA(server=cloud_sim.url, basic_auth=(cloud_sim.email, "wrong-token"), max_retries=0).myself()
    assert caught.value.status_code == 401
