"""Rules the contract did not state (issue 9, section 2), end to end from Jira's JSON through the snapshot
builder to the figures: deleted statuses in histories, several components. Expected figures are worked out by
hand in each test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from syncreport.config import config_from_dict
from syncreport.indicators import compute_indicators
from syncreport.jira.builder import SnapshotBuilder
from syncreport.jira.fields import discover_fields
from syncreport.snapshot import Snapshot

FIELDS = [
    {"id": "customfield_10020", "name": "Sprint", "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"}},
    {"id": "customfield_10001", "name": "Team", "schema": {"custom": "com.atlassian.teams:rm-teams-custom-field-team"}},
]  # fmt: skip
# The site's statuses today: "Resolved" (900) and "QA" (903) were deleted by a workflow migration.
STATUSES = [
    {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}},
    {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
    {"id": "10001", "name": "Done", "statusCategory": {"key": "done"}},
]
SPRINT = {"id": 11, "name": "A Sprint 1", "state": "closed", "originBoardId": 7,
          "startDate": "2025-09-01T08:00:00Z", "endDate": "2025-09-15T08:00:00Z",
          "completeDate": "2025-09-15T08:00:00Z"}  # fmt: skip
STATUS = {
    "todo": {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}},
    "progress": {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
    "done": {"id": "10001", "name": "Done", "statusCategory": {"key": "done"}},
}


def _raw(key: str, status: str, sprints: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"id": key.split("-")[1], "key": key, "fields": {
        "summary": f"Summary of {key}", "issuetype": {"name": "Story"}, "status": STATUS[status],
        "project": {"key": key.split("-")[0]}, "created": "2025-08-20T09:00:00Z", "updated": "2025-09-10T09:00:00Z",
        "customfield_10001": {"name": "Atlas"}, "customfield_10020": sprints, **fields}}  # fmt: skip


def _history(day: int, *items: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(day), "created": f"2025-09-{day:02d}T10:00:00Z", "items": list(items)}


def _status(frm: str, frm_s: str, to: str, to_s: str) -> dict[str, Any]:
    return {"field": "status", "fieldtype": "jira", "fieldId": "status",
            "from": frm, "fromString": frm_s, "to": to, "toString": to_s}  # fmt: skip


RESOLVED = {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
            "from": None, "fromString": None, "to": "10000", "toString": "Fixed"}  # fmt: skip


def _snapshot(train: dict[str, Any], issues: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> Snapshot:
    config = config_from_dict({"jira": {"url": "https://acme.atlassian.net"}, "train": train})
    builder = SnapshotBuilder(config, discover_fields(FIELDS, config.train), STATUSES)
    for raw, histories in issues:
        builder.add(raw, histories, in_train=True)
    return builder.snapshot(
        site_url="https://acme.atlassian.net",
        deployment="cloud",
        taken_at=datetime(2025, 9, 20, tzinfo=UTC),
        boards=[{"id": 7, "name": "Atlas board"}],
        board_sprints=[SPRINT],
    )


TRAIN = {"name": "ART", "jql": "project = A"}


def test_sprint_half_done_through_a_deleted_status_is_half_reliable() -> None:
    # Sprint 11 (1-15 Sep) starts with A-1 and A-2 (created with the sprint set). On 5 Sep A-1 moved to
    # "Resolved" (id 900, deleted since; the same history sets the resolution): done at the close.
    # A-2 stayed In Progress. Committed 2, completed 1 -> 50% (it read 0% when 900 was taken as not done).
    a1 = _raw("A-1", "done", [SPRINT])
    a2 = _raw("A-2", "progress", [SPRINT])
    snapshot = _snapshot(
        TRAIN,
        [
            (a1, [_history(3, _status("1", "To Do", "3", "In Progress")),
                  _history(5, _status("3", "In Progress", "900", "Resolved"), RESOLVED)]),
            (a2, [_history(3, _status("1", "To Do", "3", "In Progress"))]),
        ],
    )  # fmt: skip
    results = compute_indicators(snapshot)
    (row,) = results.sprint_reliability
    assert (row.unit, row.committed, row.completed, row.reliability) == ("issues", 2.0, 1.0, 0.5)
    assert "unknown_status" not in {f.kind for f in results.data_quality}


def test_a_deleted_status_whose_done_ness_cannot_be_told_is_a_finding() -> None:
    # A-3 went To Do -> "QA" (id 903, deleted, no resolution item, no current status called QA) on 4 Sep:
    # whether it was done then is unknown -> unknown_status names A-3 and the status
    a3 = _raw("A-3", "progress", [SPRINT])
    snapshot = _snapshot(TRAIN, [(a3, [_history(4, _status("1", "To Do", "903", "QA"))])])
    finding = next(f for f in compute_indicators(snapshot).data_quality if f.kind == "unknown_status")
    assert (finding.keys, finding.severity) == (("A-3",), "warning")
    assert "QA" in finding.detail


def test_issues_with_several_components_get_one_team_by_the_documented_rule_and_a_finding() -> None:
    # team_source = component, train teams Vega then Orion. A-1: [Orion, Vega] -> Vega (first train team);
    # [web, api] -> api (no train team: first by name); A-3: [Orion] -> Orion, no choice to report
    train = {**TRAIN, "team_source": "component", "teams": ["Vega", "Orion"]}
    comps = {"A-1": ["Orion", "Vega"], "A-2": ["web", "api"], "A-3": ["Orion"]}
    raws: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
        (_raw(k, "todo", [], components=[{"name": n} for n in names]), []) for k, names in comps.items()
    ]
    snapshot = _snapshot(train, raws)
    assert {i.key: i.team for i in snapshot.issues} == {"A-1": "Vega", "A-2": "api", "A-3": "Orion"}
    finding = next(f for f in compute_indicators(snapshot).data_quality if f.kind == "several_components")
    assert finding.keys == ("A-1", "A-2")
    assert "A-1: Orion / Vega -> Vega" in finding.detail
