"""The simulator held to Jira's behaviour with a client we did not write: the pycontribs `jira` library.

Expected sets come from the generator's data (the issues of the train's three projects ORB, NOVA, ATL,
which is what the train's JQL selects), never from the server's own answers.
"""

from __future__ import annotations

import pytest
from jira import JIRA, JIRAError

from syncreport.simulator import SimulatorHandle, train_jql
from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE

pytestmark = pytest.mark.e2e


def _train_keys(sim: SimulatorHandle) -> set[str]:
    # the train's JQL: its three projects' work, risks and PI objectives left out
    return {
        i.key
        for i in sim.site.issues
        if i.project in ("ORB", "NOVA", "ATL") and i.issuetype not in (RISK_TYPE, OBJECTIVE_TYPE)
    }


def _cloud(sim: SimulatorHandle) -> JIRA:
    return JIRA(server=sim.url, basic_auth=(sim.email, sim.token), max_retries=0)


def _page_all(
    client: JIRA, jql: str, *, page_size: int, fields: str, use_post: bool = False
) -> tuple[list[str], int]:
    keys: list[str] = []
    token = None
    pages = 0
    while True:
        page = client.enhanced_search_issues(
            jql, nextPageToken=token, maxResults=page_size, fields=fields, json_result=True, use_post=use_post
        )
        assert "total" not in page  # the enhanced search has no total
        keys.extend(issue["key"] for issue in page["issues"])
        pages += 1
        token = page.get("nextPageToken")
        assert page["isLast"] is (token is None)
        if token is None:
            return keys, pages


@pytest.mark.parametrize("use_post", [False, True])
def test_cloud_enhanced_search_pages_every_issue_exactly_once(
    cloud_sim: SimulatorHandle, use_post: bool
) -> None:
    client = _cloud(cloud_sim)
    assert client.deploymentType == "Cloud"
    keys, pages = _page_all(
        client, train_jql(), page_size=100, fields="key,summary,status", use_post=use_post
    )
    assert len(keys) == len(set(keys)) == 300
    assert set(keys) == _train_keys(cloud_sim)
    assert pages == 3  # 300 issues, 100 a page


def test_cloud_page_caps_100_with_fields_5000_with_ids_only(cloud_sim: SimulatorHandle) -> None:
    client = _cloud(cloud_sim)
    with_fields = client.enhanced_search_issues(train_jql(), maxResults=1000, fields="*all", json_result=True)
    assert len(with_fields["issues"]) == 100 and with_fields["nextPageToken"]
    ids_only = client.enhanced_search_issues(train_jql(), maxResults=5000, fields="key", json_result=True)
    assert len(ids_only["issues"]) == 300 and ids_only["isLast"] is True
    assert set(ids_only["issues"][0]) == {"id", "key"}


def test_cloud_result_list_api_of_the_library_gets_every_issue(cloud_sim: SimulatorHandle) -> None:
    """search_issues(maxResults=False) on Cloud goes through enhanced search and its own token loop."""
    issues = _cloud(cloud_sim).search_issues("project = NOVA ORDER BY key DESC", maxResults=False)
    expected = {i.key for i in cloud_sim.site.issues if i.project == "NOVA"}
    assert [i.key for i in issues] == sorted(expected, key=lambda k: int(k.split("-")[1]), reverse=True)


def test_datacenter_search_issues_pages_every_issue_exactly_once(dc_sim: SimulatorHandle) -> None:
    client = JIRA(server=dc_sim.url, token_auth=dc_sim.token, max_retries=0)
    assert client.deploymentType == "DataCenter"
    issues = client.search_issues(train_jql(), maxResults=False)
    keys = [issue.key for issue in issues]
    assert len(keys) == len(set(keys)) == 300
    assert set(keys) == _train_keys(dc_sim)


def test_datacenter_caps_pages_at_1000_and_reports_total(dc_sim: SimulatorHandle) -> None:
    client = JIRA(server=dc_sim.url, token_auth=dc_sim.token, max_retries=0)
    page = client.search_issues(train_jql(), startAt=250, maxResults=5000, json_result=True)
    assert page["maxResults"] == 1000
    assert page["total"] == 300
    assert page["startAt"] == 250 and len(page["issues"]) == 50


def test_datacenter_sprint_field_holds_greenhopper_strings(dc_sim: SimulatorHandle) -> None:
    client = JIRA(server=dc_sim.url, token_auth=dc_sim.token, max_retries=0)
    sprint_field = next(f["id"] for f in client.fields() if f["name"] == "Sprint")
    issue = next(i for i in dc_sim.site.issues if len(i.sprints) > 1 and i.project == "ORB")
    raw = client.issue(issue.key).raw["fields"][sprint_field]
    assert [s.split("[id=")[1].split(",")[0] for s in raw] == [str(s) for s in issue.sprints]
    assert all(s.startswith("com.atlassian.greenhopper.service.sprint.Sprint@") for s in raw)
    assert ",rapidViewId=" in raw[0] and ",sequence=" in raw[0] and "completeDate=" in raw[0]


def test_bad_cloud_token_is_refused_with_401(cloud_sim: SimulatorHandle) -> None:
    with pytest.raises(JIRAError) as caught:
        JIRA(server=cloud_sim.url, basic_auth=(cloud_sim.email, "wrong-token"), max_retries=0)
    assert caught.value.status_code == 401


def test_datacenter_refuses_a_wrong_pat_and_basic_auth(dc_sim: SimulatorHandle) -> None:
    with pytest.raises(JIRAError) as wrong_pat:
        JIRA(server=dc_sim.url, token_auth="not-the-pat", max_retries=0)
    assert wrong_pat.value.status_code == 401
    with pytest.raises(JIRAError) as basic:
        JIRA(server=dc_sim.url, basic_auth=("rte", dc_sim.token), max_retries=0)
    assert basic.value.status_code == 401


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = ORB AND", "Expecting a field name but got '<EOF>'"),
        ("projekt = ORB", "Field 'projekt' does not exist"),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("summary = checkout", "The operator '=' is not supported by the 'summary' field."),
        ("ORDER BY key", "Unbounded JQL queries are not allowed here."),
        ("", "Unbounded JQL queries are not allowed here."),
        ("sprint in nextSprints()", "Unable to find JQL function 'nextSprints()'."),
    ],
)
def test_bad_jql_gets_400_with_errorMessages(cloud_sim: SimulatorHandle, jql: str, message: str) -> None:
    client = _cloud(cloud_sim)
    with pytest.raises(JIRAError) as caught:
        client.enhanced_search_issues(jql, maxResults=10, json_result=True)
    assert caught.value.status_code == 400
    assert caught.value.text is not None and message in caught.value.text


def test_the_librarys_agile_and_metadata_calls_work(cloud_sim: SimulatorHandle) -> None:
    client = _cloud(cloud_sim)
    site = cloud_sim.site
    boards = client.boards(projectKeyOrID="ORB")
    assert sorted(b.id for b in boards) == sorted(t.board_id for t in site.teams if t.project == "ORB")
    sprints = client.sprints(1, maxResults=False)
    own = [s for s in site.sprints.values() if s.board_id == 1]
    assert {s.id for s in own} <= {s.id for s in sprints}
    assert [s.name for s in client.sprints(1, state="active") if s.originBoardId == 1] == [
        s.name for s in own if s.state == "active"
    ]
    assert client.project("ORB").name == "Orbit Checkout"
    categories = {s.raw["statusCategory"]["key"] for s in client.statuses()}
    assert categories == {"new", "indeterminate", "done"}
