"""What a kept row holds decodes to the very Normalized it was made from; a damaged one decodes to None."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest

from syncreport.jira.builder import Normalized
from syncreport.jira.normalized import decode, encode
from syncreport.snapshot import DependencyLink, Issue, LinkedIssue, Sprint

AT = datetime(2026, 3, 2, 9, 30, 15, 123000, tzinfo=UTC)


def _every_field_set() -> Normalized:
    issue = Issue(
        id="10001", key="ORB-1", summary="Pay \u202eout", issue_type="Story", status="In Progress",
        status_category="indeterminate", project="ORB", created=AT, updated=AT, team="Orbit",
        team_choices=("Orbit", "Nova"), sprint_ids=(3, 4), pi="PI 26.1", points=2.5,
        due_date=date(2026, 3, 20), parent_key="ORB-0", flagged=True, resolved=AT, labels=("a", "b"),
        business_value_planned=8.0, business_value_actual=5.0,
    )  # fmt: skip
    return Normalized(
        issue=issue,
        issue_id="10001",
        end_ids=(("NOVA-2", "10002"),),
        changes=(("ORB-1", AT, "status", "new", "indeterminate", "To Do", "In Progress"),),
        links=(DependencyLink("20001", "Blocks", "ORB-1", "NOVA-2", AT),),
        ends=(LinkedIssue("NOVA-2", "Other", "Done", "done", "Story"),),
        sprints=(Sprint(3, "Sprint 3", "closed", 7, AT, AT, AT, "goal"), Sprint(4, "Sprint 4", "active")),
        old_keys=("ATL-9",),
    )


def test_a_kept_row_decodes_to_what_it_was_made_from() -> None:
    found = _every_field_set()
    back = decode(encode(found))
    assert back == found
    assert back is not None and back.issue.created.tzinfo is UTC and back.issue.due_date == date(2026, 3, 20)


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b'{"issue": {"key": 1', b'{"issue": {}}', b"null", b'{"issue": {"id": "1", "bogus": 2}}'],
)
def test_a_damaged_row_decodes_to_none(body: bytes) -> None:
    assert decode(body) is None


def test_a_kept_row_is_each_dataclass_as_its_values_in_field_order() -> None:
    row = orjson.loads(encode(_every_field_set()))
    issue, issue_id, _, changes, *_ = row
    assert issue[:3] == ["10001", "ORB-1", "Pay \u202eout"]  # id, key, summary: no field names
    assert issue_id == "10001"
    assert changes == [
        [
            "ORB-1",
            "2026-03-02T09:30:15.123000+00:00",
            "status",
            "new",
            "indeterminate",
            "To Do",
            "In Progress",
        ]
    ]


def _damaged(where: int, change: Callable[[list[Any]], None]) -> bytes:
    row = orjson.loads(encode(_every_field_set()))
    change(row[where])
    return orjson.dumps(row)


@pytest.mark.parametrize(
    "body",
    [
        _damaged(0, lambda issue: issue.pop()),  # an issue of one value fewer (another layout, or torn)
        _damaged(0, lambda issue: issue.append(1)),  # one more
        _damaged(0, lambda issue: issue.__setitem__(7, 1772444215)),  # a number where its created time is
        _damaged(3, lambda changes: changes[0].__setitem__(1, "yesterday")),  # a change at no time
        _damaged(6, lambda sprints: sprints[0].pop(0)),  # a sprint without its id
    ],
)
def test_a_row_whose_values_do_not_fit_the_dataclasses_decodes_to_none(body: bytes) -> None:
    assert decode(body) is None
