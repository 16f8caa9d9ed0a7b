"""The simulator's JQL: the clauses a train query uses, Jira's quirks, and refusals instead of wrong answers.

Each expectation is worked out from the generated issues with plain Python, independently of the parser.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from syncreport.simulator import Site, generate_site
from syncreport.simulator.jql import JqlError, parse_jql, run_query

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def site() -> Site:
    return generate_site(issues=300, seed=11, today=TODAY)


def _keys(site: Site, jql: str) -> list[str]:
    return [
        i.key for i in run_query(parse_jql(jql, site, "cloud"), [i for i in site.issues if site.visible(i)])
    ]


def test_project_in_and_not(site: Site) -> None:
    expected = {i.key for i in site.issues if i.project in ("ORB", "ATL")}
    assert set(_keys(site, "project in (ORB, atl)")) == expected
    assert set(_keys(site, "project in (ORB, ATL, NOVA) AND NOT project = NOVA")) == expected


def test_labels_not_equal_skips_issues_without_labels_as_jira_does(site: Site) -> None:
    expected = {i.key for i in site.issues if i.labels and "api" not in i.labels and site.visible(i)}
    assert set(_keys(site, "labels != api")) == expected
    assert any(not i.labels for i in site.issues)  # so the quirk is exercised


def test_fix_version_team_sprint_status_category_and_summary(site: Site) -> None:
    vega = next(n for n, t in enumerate(site.teams) if t.name == "Vega")
    expected = {
        i.key
        for i in site.issues
        if site.current_pi in i.pis
        and i.team == vega
        and site.statuses[i.status].category != "done"
        and any(site.sprints[s].state == "active" for s in i.sprints)
    }
    jql = f'fixVersion = "{site.current_pi}" AND Team = Vega AND statusCategory != Done AND sprint in openSprints()'
    assert set(_keys(site, jql)) == expected and expected
    word = "checkout"
    assert set(_keys(site, f'summary ~ "{word}" AND project = ORB')) == {
        i.key for i in site.issues if word in i.summary.lower() and i.project == "ORB"
    }


def test_resolution_and_priority(site: Site) -> None:
    expected = {i.key for i in site.issues if i.resolved is None and i.priority == "High" and site.visible(i)}
    assert set(_keys(site, "resolution = Unresolved AND priority = high")) == expected and expected


def test_updated_since_a_local_minute_in_the_users_zone(site: Site) -> None:
    cut = datetime(2026, 11, 20, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    expected = {
        i.key for i in site.issues if i.updated.replace(second=0) >= cut.astimezone(UTC) and site.visible(i)
    }
    assert set(_keys(site, 'updated >= "2026-11-20 09:30"')) == expected and expected


def test_order_by_key_desc_and_parentheses(site: Site) -> None:
    keys = _keys(site, "(project = NOVA OR project = ATL) AND issuetype = Feature ORDER BY key DESC")
    expected = sorted(
        (i.key for i in site.issues if i.project in ("NOVA", "ATL") and i.issuetype == "Feature"),
        key=lambda k: (k.split("-")[0], int(k.split("-")[1])),
        reverse=True,
    )
    assert keys == expected


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = ORB ORDER BY colour", "Not able to sort using field 'colour'."),
        ('fixVersion = "PI 99.9"', "The value 'PI 99.9' does not exist for the field 'fixVersion'."),
        ("status = Nonexistent", "The value 'Nonexistent' does not exist for the field 'status'."),
        ('updated >= "yesterday"', "Date value 'yesterday' for field 'updated' is invalid."),
        ("project = SEC", "The value 'SEC' does not exist for the field 'project'."),  # not browsable
        ("project ORB", "Expecting operator but got 'ORB'."),
        ("component = Backend", "The value 'Backend' does not exist for the field 'component'."),
        ("project = ORB AND (labels = api", "Expecting ')' but got '<EOF>'."),
    ],
)
def test_refusals_name_the_problem(site: Site, jql: str, message: str) -> None:
    with pytest.raises(JqlError) as caught:
        parse_jql(jql, site, "cloud")
    assert message in str(caught.value)
