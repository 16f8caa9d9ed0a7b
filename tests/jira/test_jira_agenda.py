"""Risks and PI objectives from Jira JSON: ROAM state and since when, commitment, and the HTTP around them.

The normalization tests feed hand-written Jira issues (the shape of Jira's REST answers); the HTTP tests
use `responses` with canned answers. Expected values are read off the canned JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from responses import matchers

from syncreport.config import Config, ObjectiveSettings, config_from_dict
from syncreport.errors import JiraError
from syncreport.jira.agenda import AgendaFetcher, agenda_fields
from syncreport.jira.agenda_items import AgendaFields, commitment
from syncreport.jira.client import JiraClient
from syncreport.jira.fields import discover_fields
from tests.jira.recorded import sent_json, sent_url

SITE = "https://acme.atlassian.net"
FIELDS = [
    {"id": "customfield_10020", "name": "Sprint", "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"}},
    {"id": "customfield_10001", "name": "Team", "schema": {"custom": "com.atlassian.teams:rm-teams-custom-field-team"}},
    {"id": "customfield_10050", "name": "Business Value", "schema": {"type": "number"}},
    {"id": "customfield_10051", "name": "Actual Business Value", "schema": {"type": "number"}},
    {"id": "customfield_10060", "name": "ROAM", "schema": {"type": "option"}},
]  # fmt: skip
STATUSES = [
    {"id": "10", "name": "Identified", "statusCategory": {"key": "new"}},
    {"id": "11", "name": "Owned", "statusCategory": {"key": "indeterminate"}},
    {"id": "12", "name": "Akzeptiert", "statusCategory": {"key": "indeterminate"}},
    {"id": "13", "name": "Closed", "statusCategory": {"key": "done"}},
]


def config(**sections: Any) -> Config:
    return config_from_dict(
        {
            "jira": {"url": SITE, "deployment": "cloud", "email": "rte@acme.com"},
            "train": {"name": "ART", "jql": "project = A"},
            **sections,
        }
    )


def fetcher(cfg: Config, client: Any = None, cloud: bool = True) -> AgendaFetcher:
    agenda, _ = agenda_fields(FIELDS, cfg)
    return AgendaFetcher(
        client,
        cloud=cloud,
        config=cfg,
        fields=discover_fields(FIELDS, cfg.train),
        agenda=agenda,
        statuses=STATUSES,
    )


def status(sid: str) -> dict[str, Any]:
    found = next(s for s in STATUSES if s["id"] == sid)
    return {"id": sid, "name": found["name"], "statusCategory": found["statusCategory"]}


def raw_risk(key: str, sid: str, histories: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "id": "1" + key.split("-")[1],
        "key": key,
        "fields": {
            "summary": f"risk {key}",
            "issuetype": {"name": "Risk"},
            "status": status(sid),
            "project": {"key": "A"},
            "created": "2025-09-01T09:00:00.000+0000",
            "updated": "2025-09-10T09:00:00.000+0000",
            "priority": {"name": "High"},
            "customfield_10001": {"name": "Rockets"},
            "issuelinks": [
                {"id": "1", "type": {"name": "Relates"}, "outwardIssue": {"id": "9", "key": "A-7"}},
                {"id": "2", "type": {"name": "Blocks"}, "inwardIssue": {"id": "8", "key": "B-3"}},
            ],
            **fields,
        },
        "changelog": {"histories": histories},
    }


def moved(day: int, frm: str, to: str) -> dict[str, Any]:
    names = {s["id"]: s["name"] for s in STATUSES}
    return {
        "id": str(day),
        "created": f"2025-09-{day:02d}T09:00:00.000+0000",
        "items": [{"field": "status", "fieldId": "status", "from": frm, "fromString": names[frm], "to": to,
                   "toString": names[to]}],
    }  # fmt: skip


def test_roam_state_since_is_the_last_move_into_it_from_the_status_changelog() -> None:
    # Identified -> Owned (3rd) -> Akzeptiert (5th) -> Owned (8th): owned since the 8th, not the 3rd.
    risk = fetcher(config()).risk(
        raw_risk("A-1", "11", [moved(3, "10", "11"), moved(5, "11", "12"), moved(8, "12", "11")])
    )
    assert (risk.roam, risk.roam_since) == ("owned", datetime(2025, 9, 8, 9, 0, tzinfo=UTC))
    assert (risk.team, risk.owner, risk.priority) == ("Rockets", None, "High")
    assert risk.linked_keys == ("A-7", "B-3")


def test_a_german_status_name_and_an_unlisted_done_status_are_read_as_roam_states() -> None:
    # "Akzeptiert" is in the default accepted list; "Closed" is in no list but its category is done.
    accepted = fetcher(config()).risk(raw_risk("A-2", "12", [moved(4, "10", "12")]))
    closed = fetcher(config()).risk(raw_risk("A-3", "13", [moved(6, "10", "13")]))
    never = fetcher(config()).risk(raw_risk("A-4", "10", []))
    assert (accepted.roam, accepted.roam_since and accepted.roam_since.day) == ("accepted", 4)
    assert (closed.roam, closed.roam_since and closed.roam_since.day) == ("resolved", 6)
    assert (never.roam, never.roam_since) == (None, None)


def test_roam_labels_and_an_unknown_label_value() -> None:
    cfg = config(risks={"roam_source": "label"})
    labels = {
        "id": "4",
        "created": "2025-09-04T09:00:00.000+0000",
        "items": [{"field": "labels", "fieldId": "labels", "fromString": "roam:owned", "toString": "roam:mitigated"}],
    }  # fmt: skip
    mitigated = fetcher(cfg).risk(raw_risk("A-5", "11", [labels], labels=["backend", "roam:mitigated"]))
    odd = fetcher(cfg).risk(raw_risk("A-6", "11", [], labels=["roam:parked"]))
    assert (mitigated.roam, mitigated.roam_since and mitigated.roam_since.day) == ("mitigated", 4)
    assert (odd.roam, odd.roam_unknown) == (None, "roam:parked")


def test_roam_select_field_by_name() -> None:
    cfg = config(risks={"roam_source": "field", "roam_field": "ROAM"})
    item = {"field": "ROAM", "fieldId": "customfield_10060", "fromString": None, "toString": "Accepted"}
    history = {"id": "7", "created": "2025-09-07T09:00:00.000+0000", "items": [item]}
    risk = fetcher(cfg).risk(raw_risk("A-8", "10", [history], customfield_10060={"value": "Accepted"}))
    assert (risk.roam, risk.roam_since and risk.roam_since.day) == ("accepted", 7)


@pytest.mark.parametrize(
    ("source", "labels", "value", "name", "expected"),
    [
        ("label", ["uncommitted"], None, "", False),
        ("label", ["other"], None, "", True),
        ("field", [], {"value": "Committed"}, "Commitment", True),
        ("field", [], {"value": "Uncommitted"}, "Commitment", False),
        ("field", [], None, "Commitment", None),  # empty: unknown, never guessed
        ("field", [], {"value": "Maybe"}, "Commitment", None),
        ("checkbox", [], [{"value": "Uncommitted"}], "Uncommitted", False),
        ("checkbox", [], None, "Uncommitted", True),  # the box "Uncommitted" left empty
        ("checkbox", [], None, "Committed", False),  # the box "Committed" left empty
    ],
)
def test_commitment_from_a_label_a_field_or_a_checkbox(
    source: str, labels: list[str], value: Any, name: str, expected: bool | None
) -> None:
    field = {"committed_field": name} if source != "label" else {}
    settings = ObjectiveSettings.model_validate({"committed_source": source, **field})
    assert commitment(settings, labels, value, name) is expected


def test_objective_values_and_fields_found_by_name() -> None:
    cfg = config()
    agenda, notes = agenda_fields(FIELDS, cfg)
    assert (agenda.planned, agenda.actual, notes) == ("customfield_10050", "customfield_10051", [])
    raw = {
        "id": "300",
        "key": "A-30",
        "fields": {
            "summary": "Objective",
            "issuetype": {"name": "PI Objective"},
            "status": status("11"),
            "project": {"key": "A"},
            "created": "2025-09-01T09:00:00.000+0000",
            "fixVersions": [{"name": "PI 25.3"}],
            "labels": ["uncommitted"],
            "customfield_10001": {"name": "Rockets"},
            "customfield_10050": 8,
            "customfield_10051": None,
            "issuelinks": [
                {"id": "5", "type": {"name": "Relates"}, "inwardIssue": {"id": "9", "key": "A-7"}}
            ],
        },
    }
    objective = fetcher(cfg).objective(raw)
    assert (objective.team, objective.pi, objective.planned_value, objective.actual_value) == (
        "Rockets",
        "PI 25.3",
        8.0,
        None,
    )
    assert (objective.committed, objective.linked_keys) == (False, ("A-7",))


def test_missing_business_value_fields_are_notes_saying_what_to_set() -> None:
    agenda, notes = agenda_fields(FIELDS[:2], config())
    assert agenda == AgendaFields()
    assert [n.split(":")[0] for n in notes] == [
        "no planned business value field",
        "no actual business value field",
    ]
    assert "[objectives] planned_value_field" in notes[0]


# --- HTTP ---------------------------------------------------------------------------------------------------


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("JIRA_API_TOKEN", "t0k3n")
    cfg = config()
    jira = JiraClient(cfg.jira, "cloud", sleep=lambda s: None)
    yield jira
    jira.close()


@responses.activate
def test_cloud_search_completes_a_cut_changelog_page_by_page(client: Any) -> None:
    # search/jql keeps the latest 1 of 3 histories; the changelog resource gives all three in two pages.
    cut = raw_risk("A-1", "11", [moved(8, "12", "11")])
    cut["changelog"] = {"startAt": 0, "maxResults": 1, "total": 3, "histories": [moved(8, "12", "11")]}
    responses.post(f"{SITE}/rest/api/3/search/jql", json={"issues": [cut], "isLast": True})
    responses.get(
        f"{SITE}/rest/api/3/issue/A-1/changelog",
        match=[matchers.query_param_matcher({"startAt": "0", "maxResults": "100"})],
        json={"startAt": 0, "maxResults": 2, "total": 3, "isLast": False, "values": [moved(3, "10", "11"), moved(5, "11", "12")]},
    )  # fmt: skip
    responses.get(
        f"{SITE}/rest/api/3/issue/A-1/changelog",
        match=[matchers.query_param_matcher({"startAt": "2", "maxResults": "100"})],
        json={"startAt": 2, "maxResults": 2, "total": 3, "isLast": True, "values": [moved(8, "12", "11")]},
    )
    found = fetcher(config(), client).fetch(["A"])
    search = sent_json(responses.calls[0])
    # the risks and the PI objectives by their default queries: one search for both
    assert search["jql"] == 'project in (A) AND issuetype in ("Risk", "PI Objective")'
    assert search["expand"] == "changelog"
    searches = [c for c in responses.calls if sent_url(c).endswith("/search/jql")]
    assert len(searches) == 1
    assert "assignee" in search["fields"] and "priority" in search["fields"]
    (risk,) = found.risks
    assert (risk.roam, risk.roam_since and risk.roam_since.day) == ("owned", 8)


@responses.activate
def test_a_default_query_jira_rejects_becomes_a_note_and_a_configured_one_an_error_naming_its_key(
    client: Any,
) -> None:
    rejected = {"errorMessages": ["The value 'Risk' does not exist for the field 'issuetype'."]}
    responses.post(f"{SITE}/rest/api/3/search/jql", status=400, json=rejected)
    found = fetcher(config(objectives={"enabled": False}), client).fetch(["A"])
    assert found.risks == ()
    assert found.risk_notes[0].startswith(
        "the default query 'project in (A) AND issuetype = \"Risk\"' failed"
    )
    assert "does not exist for the field 'issuetype'" in found.risk_notes[0]
    assert found.risk_notes[0].endswith("set [risks] jql")
    with pytest.raises(JiraError) as caught:
        fetcher(config(risks={"jql": "type = Risk"}, objectives={"enabled": False}), client).fetch(["A"])
    assert "[risks] jql" in caught.value.message and "[train].jql" not in caught.value.message


@responses.activate
def test_default_risks_and_objectives_come_from_one_search_split_by_issue_type(client: Any) -> None:
    # One answer with a risk (type "Risk") and an objective whose type Jira names "pi objective" (JQL matches
    # a type by name whatever the case): each lands in its own list, and no second search is made.
    objective = raw_risk("A-2", "11", [])
    objective["fields"]["issuetype"] = {"name": "pi objective"}
    answer = {"issues": [raw_risk("A-1", "11", []), objective], "isLast": True}
    responses.post(f"{SITE}/rest/api/3/search/jql", json=answer)
    found = fetcher(config(), client).fetch(["A"])
    assert [r.key for r in found.risks] == ["A-1"] and [o.key for o in found.objectives] == ["A-2"]
    assert len(responses.calls) == 1


@responses.activate
def test_a_combined_query_jira_rejects_falls_back_to_one_search_each(client: Any) -> None:
    # The site has no "PI Objective" type: the combined query is rejected (400), then the risks' own query
    # finds A-1 and the objectives' own query is rejected too, which becomes its note: 3 searches.
    rejected = {"errorMessages": ["The value 'PI Objective' does not exist for the field 'issuetype'."]}
    responses.post(f"{SITE}/rest/api/3/search/jql", status=400, json=rejected)
    responses.post(
        f"{SITE}/rest/api/3/search/jql", json={"issues": [raw_risk("A-1", "11", [])], "isLast": True}
    )
    responses.post(f"{SITE}/rest/api/3/search/jql", status=400, json=rejected)
    found = fetcher(config(), client).fetch(["A"])
    assert [r.key for r in found.risks] == ["A-1"] and found.objectives == ()
    assert any("does not exist for the field 'issuetype'" in n for n in found.objective_notes)
    assert len(responses.calls) == 3
