"""Jira JSON of either dialect -> the snapshot model. Expected values are worked out by hand from the JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from syncreport.config import TrainSettings, config_from_dict
from syncreport.errors import ConfigError
from syncreport.jira.builder import SnapshotBuilder, dependency_links, status_maps
from syncreport.jira.fields import discover_fields
from syncreport.jira.normalize import Normalizer
from syncreport.jira.values import parse_datetime, parse_greenhopper_sprint

# Jira's JSON, typed as the functions under test take it (the decoded body of an answer)
CLOUD_FIELDS: list[dict[str, Any]] = [
    {"id": "parent", "name": "Parent", "schema": {"type": "issuelink", "system": "parent"}},
    {
        "id": "customfield_10020",
        "name": "Sprint",
        "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"},
    },
    {
        "id": "customfield_10016",
        "name": "Story point estimate",
        "schema": {"custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
    },
    {
        "id": "customfield_10001",
        "name": "Team",
        "schema": {"custom": "com.atlassian.teams:rm-teams-custom-field-team"},
    },
    {"id": "customfield_10021", "name": "Flagged", "schema": {"custom": "multicheckboxes"}},
]
DC_FIELDS: list[dict[str, Any]] = [
    {
        "id": "customfield_10104",
        "name": "Sprint",
        "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"},
    },
    {
        "id": "customfield_10106",
        "name": "Story Points",
        "schema": {"custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"},
    },
    {
        "id": "customfield_12600",
        "name": "Team",
        "schema": {"custom": "com.atlassian.teams:rm-teams-custom-field-team"},
    },
    {
        "id": "customfield_10101",
        "name": "Epic Link",
        "schema": {"custom": "com.pyxis.greenhopper.jira:gh-epic-link"},
    },
    {"id": "customfield_10000", "name": "Flagged", "schema": {"custom": "multicheckboxes"}},
]
STATUSES: list[dict[str, Any]] = [
    {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}},
    {"id": "3", "name": "进行中", "statusCategory": {"key": "indeterminate"}},
    {"id": "10001", "name": "Done", "statusCategory": {"key": "done"}},
]
TRAIN = TrainSettings(name="ART", jql="project = A", pi_order=["PI 25.3", "PI 25.4"])


def normalizer(fields: list[dict[str, Any]], train: TrainSettings = TRAIN) -> Normalizer:
    by_id, by_name = status_maps(STATUSES)
    return Normalizer(train, discover_fields(fields, train), by_id, by_name)


def test_dates_in_every_shape_become_utc() -> None:
    expected = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)
    assert parse_datetime("2025-09-01T10:30:00.000+0200") == expected
    assert parse_datetime("2025-09-01T08:30:00Z") == expected
    assert parse_datetime(int(expected.timestamp() * 1000)) == expected  # epoch ms, as some changelogs send
    assert parse_datetime(str(int(expected.timestamp()))) == expected
    assert parse_datetime("<null>") is None


def test_each_time_form_jira_sends_reads_the_same_when_read_again() -> None:
    # 09:15 at +01:00 is 08:15 UTC. Epoch ms by hand: 2026-11-30 is day 20,787 since 1970-01-01 (56 years of
    # 365 days = 20,440, plus 14 leap days 1972..2024 = 20,454, plus Jan..Oct 2026 = 304 and 29 days of
    # November = 20,787); 20,787 x 86,400 s + 8 h 15 min (29,700 s) = 1,796,026,500 s.
    expected = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    forms: list[object] = [
        "2026-11-30T09:15:00.000+0100",  # Data Center and Cloud v2/v3 fields
        "2026-11-30T08:15:00.000Z",
        "2026-11-30T08:15:00Z",
        1_796_026_500_000,  # Cloud changelog/bulkfetch: epoch ms
        "1796026500000",
        1_796_026_500,  # epoch seconds
        1_796_026_500_000.0,
    ]
    for form in forms:
        assert parse_datetime(form) == expected, form
        assert parse_datetime(form) == expected, form  # read again: the same answer
    read = parse_datetime("2026-11-30T09:15:00.000+0100")
    assert read is not None and read.utcoffset() == timedelta(0)
    assert parse_datetime("not a time") is None
    assert parse_datetime("not a time") is None


def test_an_epoch_no_calendar_holds_is_not_a_time_rather_than_an_error() -> None:
    # 10**400 ms is beyond any float: before, converting it raised OverflowError (an internal error)
    assert parse_datetime(10**400) is None
    assert parse_datetime(-(10**400)) is None


def test_greenhopper_sprint_string_with_commas_in_the_name() -> None:
    text = (
        "com.atlassian.greenhopper.service.sprint.Sprint@3f1a[id=41,rapidViewId=7,state=ACTIVE,"
        "name=Rockets, Sprint 3,goal=,startDate=2025-09-01T08:00:00.000Z,endDate=2025-09-15T08:00:00.000Z,"
        "completeDate=<null>,activatedDate=2025-09-01T08:05:00.000Z,sequence=41]"
    )
    sprint = parse_greenhopper_sprint(text)
    assert sprint["id"] == 41 and sprint["boardId"] == 7 and sprint["state"] == "active"
    assert sprint["name"] == "Rockets, Sprint 3"
    assert sprint["completeDate"] is None and sprint["endDate"] == "2025-09-15T08:00:00.000Z"


def test_cloud_issue_is_normalized() -> None:
    raw = {
        "id": "10042",
        "key": "A-42",
        "fields": {
            "summary": "Payment API",
            "issuetype": {"name": "Story"},
            "status": {"id": "3", "name": "进行中", "statusCategory": {"key": "indeterminate"}},
            "project": {"key": "A"},
            "created": "2025-08-01T09:00:00.000+0000",
            "updated": "2025-09-02T09:00:00.000+0000",
            "duedate": "2025-09-20",
            "labels": ["api"],
            "fixVersions": [{"id": "1", "name": "Release 7"}, {"id": "2", "name": "PI 25.3"}],
            "parent": {"key": "A-1"},
            "customfield_10020": [
                {"id": 40, "name": "S2", "state": "closed", "boardId": 7},
                {"id": 41, "name": "S3", "state": "active", "boardId": 7},
            ],
            "customfield_10016": 5.0,
            "customfield_10001": {"id": "uuid-1", "name": "Rockets"},
            "customfield_10021": [{"value": "Impediment"}],
        },
    }
    issue = normalizer(CLOUD_FIELDS).issue(raw, in_train=True)
    assert (issue.key, issue.status_category, issue.team, issue.pi) == (
        "A-42",
        "indeterminate",
        "Rockets",
        "PI 25.3",
    )
    assert issue.sprint_ids == (40, 41) and issue.points == 5.0 and issue.parent_key == "A-1"
    assert issue.flagged and issue.due_date == date(2025, 9, 20)
    assert issue.created == datetime(2025, 8, 1, 9, tzinfo=UTC)


def test_data_center_changelog_items_are_matched_by_name() -> None:
    histories: list[dict[str, Any]] = [
        {
            "created": "2025-09-03T10:00:00.000+0000",
            "items": [
                {"field": "Sprint", "from": "40", "fromString": "S2", "to": "40,41", "toString": "S2, S3"},
                {"field": "status", "from": "1", "fromString": "To Do", "to": "3", "toString": "进行中"},
                {"field": "Story Points", "from": None, "fromString": None, "to": None, "toString": "8"},
                {"field": "Fix Version", "from": None, "fromString": None, "to": "2", "toString": "PI 25.4"},
                {
                    "field": "Fix Version",
                    "from": "9",
                    "fromString": "Release 7",
                    "to": None,
                    "toString": None,
                },
                {
                    "field": "Link",
                    "from": None,
                    "fromString": None,
                    "to": "B-7",
                    "toString": "This issue is blocked by B-7",
                },
                {
                    "field": "Flagged",
                    "from": None,
                    "fromString": None,
                    "to": "[10019]",
                    "toString": "Impediment",
                },
                {
                    "field": "duedate",
                    "from": "2025-09-20",
                    "fromString": "2025-09-20 00:00:00.0",
                    "to": "2025-10-04",
                    "toString": "2025-10-04 00:00:00.0",
                },
            ],
        },
        {
            "created": 1756900800000,
            "items": [
                {"field": "Team", "from": "3", "fromString": "Rockets", "to": "4", "toString": "Comets"}
            ],
        },
    ]
    events = normalizer(DC_FIELDS).changes("A-42", histories)
    by_field = {e.field: e for e in events}
    assert (by_field["sprint"].from_value, by_field["sprint"].to_value) == ("40", "40, 41")
    assert (by_field["status"].from_value, by_field["status"].to_value, by_field["status"].to_string) == (
        "new", "indeterminate", "进行中")  # fmt: skip
    assert by_field["points"].to_value == "8"
    pi_events = [e for e in events if e.field == "pi"]
    assert [(e.from_value, e.to_value) for e in pi_events] == [(None, "PI 25.4")]  # "Release 7" is not a PI
    assert (by_field["link"].to_value, by_field["link"].to_string) == ("B-7", "B-7")
    assert by_field["flagged"].to_value == "true"
    assert (by_field["duedate"].from_value, by_field["duedate"].to_value) == ("2025-09-20", "2025-10-04")
    assert (by_field["team"].from_string, by_field["team"].to_string) == ("Rockets", "Comets")
    assert by_field["team"].at == datetime(2025, 9, 3, 12, tzinfo=UTC)  # the epoch-ms "created"


def test_links_are_oriented_by_the_configured_side_never_by_the_name() -> None:
    train = TrainSettings.model_validate(
        {
            "name": "ART",
            "jql": "project = A",
            "dependency_link_types": [
                {"name": "Blocks", "provider": "outward"},
                {"name": "Dependency", "provider": "inward"},  # inward text "blocks": the inward end provides
            ],
        }
    )
    issues = [
        {"key": "A-1", "fields": {"issuelinks": [
            {"id": "1", "type": {"name": "Blocks"}, "outwardIssue": {"key": "A-2"}},  # A-1 blocks A-2
            {"id": "2", "type": {"name": "Dependency"}, "outwardIssue": {"key": "B-9"}},  # B-9 blocks A-1
            {"id": "3", "type": {"name": "Relates"}, "outwardIssue": {"key": "C-1"}},
        ]}},
        {"key": "A-2", "fields": {"issuelinks": [
            {"id": "1", "type": {"name": "Blocks"}, "inwardIssue": {"key": "A-1"}},  # the same link seen from A-2
        ]}},
    ]  # fmt: skip
    links = {(link.id, link.provider_key, link.consumer_key) for link in dependency_links(issues, train)}
    assert links == {("1", "A-1", "A-2"), ("2", "B-9", "A-1")}


def test_builder_makes_a_snapshot_with_far_ends_sprints_and_link_dates() -> None:
    config = config_from_dict({"jira": {"url": "https://acme.atlassian.net"}, "train": TRAIN.model_dump()})
    builder = SnapshotBuilder(config, discover_fields(CLOUD_FIELDS, config.train), STATUSES)
    sprint = {"id": 41, "name": "S3", "state": "active", "boardId": 7, "startDate": "2025-09-01T08:00:00Z"}
    a1 = {"id": "1", "key": "A-1", "fields": {
        "status": {"id": "1", "name": "To Do"}, "project": {"key": "A"}, "fixVersions": [{"name": "PI 25.3"}],
        "customfield_10001": {"name": "Rockets"}, "customfield_10020": [sprint],
        "issuelinks": [{"id": "5", "type": {"name": "Blocks"}, "inwardIssue": {"key": "X-3"}}]}}  # fmt: skip
    builder.add(
        a1,
        [
            {
                "created": "2025-09-02T00:00:00Z",
                "items": [{"field": "Link", "fieldId": "issuelinks", "to": "X-3"}],
            }
        ],
        in_train=True,
    )
    assert builder.far_end_keys() == {"X-3"}
    builder.add(
        {"id": "9", "key": "X-3", "fields": {"status": {"id": "10001", "name": "Done"}}}, None, in_train=False
    )
    snap = builder.snapshot(
        site_url="https://acme.atlassian.net",
        deployment="cloud",
        taken_at=datetime(2025, 9, 5, tzinfo=UTC),
        boards=[{"id": 7, "name": "Rockets board", "location": {"projectKey": "A"}}],
        board_sprints=[{**sprint, "originBoardId": 7, "endDate": "2025-09-15T08:00:00Z"}],
    )
    by_key = snap.issues_by_key()
    assert by_key["A-1"].in_train and not by_key["X-3"].in_train and by_key["X-3"].status_category == "done"
    assert [(lnk.provider_key, lnk.consumer_key, lnk.created) for lnk in snap.links] == [
        ("X-3", "A-1", datetime(2025, 9, 2, tzinfo=UTC))
    ]
    assert snap.sprints[0].end == datetime(2025, 9, 15, 8, tzinfo=UTC)  # the board's list wins
    assert snap.boards[0].team == "Rockets" and snap.current_pi == "PI 25.3" and snap.teams == ("Rockets",)


def test_missing_field_lists_candidates() -> None:
    train = TrainSettings(name="ART", jql="x", team_field="Squad")
    with pytest.raises(ConfigError) as caught:
        discover_fields(CLOUD_FIELDS, train)
    assert (
        "'Squad' is not a field" in caught.value.message and "customfield_10001 (Team" in caught.value.message
    )


def test_ambiguous_field_lists_both() -> None:
    fields = [*CLOUD_FIELDS, {"id": "customfield_20000", "name": "Team", "schema": {"custom": "select"}},
              {"id": "customfield_20001", "name": "Team", "schema": {"custom": "com.atlassian.teams:rm-teams-custom-field-team"}}]  # fmt: skip
    with pytest.raises(ConfigError, match="ambiguous") as caught:
        discover_fields(fields, TrainSettings(name="ART", jql="x"))
    assert "customfield_10001" in caught.value.message and "customfield_20001" in caught.value.message


def test_story_points_are_discovered_per_dialect() -> None:
    assert discover_fields(CLOUD_FIELDS, TRAIN).points == "customfield_10016"
    dc = discover_fields(DC_FIELDS, TRAIN)
    assert (dc.points, dc.epic_link, dc.sprint) == (
        "customfield_10106",
        "customfield_10101",
        "customfield_10104",
    )


@pytest.mark.parametrize(
    ("settings", "expected_team"),
    [
        ({"team_source": "component"}, "Payments"),
        ({"team_source": "project"}, "Alpha"),
        ({"team_source": "label", "team_label_prefix": "team-"}, "rockets"),
    ],
)
def test_team_comes_from_the_configured_source(settings: dict[str, str], expected_team: str) -> None:
    train = TrainSettings.model_validate({"name": "ART", "jql": "x", **settings})
    raw = {"id": "1", "key": "A-1", "fields": {
        "status": {"id": "1"}, "project": {"key": "A", "name": "Alpha"},
        "components": [{"name": "Payments"}], "labels": ["backend", "team-rockets"]}}  # fmt: skip
    assert normalizer(CLOUD_FIELDS, train).issue(raw, in_train=True).team == expected_team


def test_pi_from_labels_and_its_change_events() -> None:
    train = TrainSettings.model_validate(
        {"name": "ART", "jql": "x", "pi_source": "label", "pi_label_prefix": "PI-"}
    )
    n = normalizer(CLOUD_FIELDS, train)
    raw = {"id": "1", "key": "A-1", "fields": {"status": {"id": "1"}, "labels": ["api", "PI-26.4"]}}
    assert n.issue(raw, in_train=True).pi == "PI-26.4"
    history = {"created": "2026-10-01T10:00:00.000+0000", "items": [
        {"field": "labels", "fieldId": "labels", "fromString": "api PI-26.3", "toString": "api PI-26.4"}]}  # fmt: skip
    events = [(e.field, e.from_value, e.to_value) for e in n.changes("A-1", [history])]
    assert events == [("pi", "PI-26.3", None), ("pi", None, "PI-26.4")]


def test_pi_from_a_custom_field() -> None:
    fields: list[dict[str, Any]] = [
        *CLOUD_FIELDS,
        {"id": "customfield_10500", "name": "Program Increment", "schema": {"custom": "select"}},
    ]
    train = TrainSettings.model_validate(
        {"name": "ART", "jql": "x", "pi_source": "field", "pi_field": "Program Increment"}
    )
    raw = {
        "id": "1",
        "key": "A-1",
        "fields": {"status": {"id": "1"}, "customfield_10500": {"value": "PI 26.4"}},
    }
    assert normalizer(fields, train).issue(raw, in_train=True).pi == "PI 26.4"


def test_parent_from_epic_link_or_an_advanced_roadmaps_parent_link() -> None:
    dc = normalizer(DC_FIELDS)
    epic = {"id": "1", "key": "A-1", "fields": {"status": {"id": "1"}, "customfield_10101": "A-100"}}
    assert dc.issue(epic, in_train=True).parent_key == "A-100"
    fields = [*DC_FIELDS, {"id": "customfield_12000", "name": "Parent Link", "schema": {"custom": "parent"}}]
    train = TrainSettings(name="ART", jql="x", parent_field="Parent Link")
    linked = {"id": "2", "key": "A-2", "fields": {"status": {"id": "1"},
              "customfield_12000": {"hasEpicLinkFieldDependency": False, "data": {"id": 9, "key": "F-9"}}}}  # fmt: skip
    assert normalizer(fields, train).issue(linked, in_train=True).parent_key == "F-9"


# --- rules the contract did not state (issue 9, section 2) ------------------------------------------------


def _status_item(frm: str, frm_s: str, to: str, to_s: str) -> dict[str, object]:
    return {"field": "status", "fieldtype": "jira", "fieldId": "status",
            "from": frm, "fromString": frm_s, "to": to, "toString": to_s}  # fmt: skip


def _resolution_item(
    to: str | None, to_s: str | None, frm: str | None = None, frm_s: str | None = None
) -> dict[str, object]:
    return {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
            "from": frm, "fromString": frm_s, "to": to, "toString": to_s}  # fmt: skip


def test_a_deleted_status_takes_its_done_ness_from_the_resolution_of_the_same_history() -> None:
    # statuses 900 "Resolved" and 901 "Reopened (old)" were deleted by a workflow migration (/status does not
    # list them, no current status has those names). Day 3: 3 -> 900 with the resolution set: done.
    # Day 5: 900 -> 901 with the resolution cleared: from done, to not done (reopened).
    histories: list[dict[str, Any]] = [
        {"created": "2025-09-03T10:00:00Z",
         "items": [_status_item("3", "进行中", "900", "Resolved"), _resolution_item("10000", "Fixed")]},
        {"created": "2025-09-05T10:00:00Z",
         "items": [_status_item("900", "Resolved", "901", "Reopened (old)"),
                   _resolution_item(None, None, "10000", "Fixed")]},
    ]  # fmt: skip
    events = normalizer(CLOUD_FIELDS).changes("A-1", histories)
    assert [(e.from_value, e.to_value) for e in events if e.field == "status"] == [
        ("indeterminate", "done"),
        ("done", "indeterminate"),
    ]


def test_a_deleted_status_without_a_resolution_item_is_matched_by_name_else_left_unknown() -> None:
    # 902 "Done" (deleted id, but a current status is called "done"): done by name. 903 "QA" (deleted, no
    # current status of that name, no resolution item): category unknown -> None, for the unknown_status
    # finding (never a silent "not done" category)
    histories: list[dict[str, Any]] = [
        {"created": "2025-09-03T10:00:00Z", "items": [_status_item("1", "To Do", "903", "QA")]},
        {"created": "2025-09-04T10:00:00Z", "items": [_status_item("903", "QA", "902", "DONE")]},
    ]
    events = normalizer(CLOUD_FIELDS).changes("A-1", histories)
    assert [(e.from_value, e.to_value, e.to_string) for e in events if e.field == "status"] == [
        ("new", None, "QA"),
        (None, "done", "DONE"),
    ]


def test_a_status_that_still_exists_keeps_its_own_category_whatever_the_resolution_says() -> None:
    # status 1 (To Do, new) exists: its category wins over a resolution set in the same history
    histories: list[dict[str, Any]] = [{"created": "2025-09-03T10:00:00Z",
                  "items": [_status_item("3", "进行中", "1", "To Do"), _resolution_item("10000", "Won't do")]}]  # fmt: skip
    (event,) = normalizer(CLOUD_FIELDS).changes("A-1", histories)
    assert (event.from_value, event.to_value) == ("indeterminate", "new")


def test_resolution_items_are_kept_for_the_cache_and_the_cache_signature_says_so() -> None:
    fields = discover_fields(CLOUD_FIELDS, TRAIN)
    history = {"id": "7", "created": "2025-09-03T10:00:00Z",
               "items": [_status_item("3", "进行中", "900", "Resolved"), _resolution_item("10000", "Fixed"),
                         {"field": "Rank", "fieldId": "customfield_10019", "from": None, "to": None}]}  # fmt: skip
    (kept,) = normalizer(CLOUD_FIELDS).relevant_histories([history])
    assert [item["field"] for item in kept["items"]] == ["status", "resolution"]
    # histories cached before resolution items were kept are fetched again
    assert fields.signature().endswith(";history=resolution;links=status")


def test_several_components_pick_a_configured_team_first_else_the_first_by_name() -> None:
    # Jira lists components in any order: the pick must not depend on it
    train = TrainSettings.model_validate(
        {"name": "ART", "jql": "x", "team_source": "component", "teams": ["Vega", "Orion"]}
    )

    def team_of(*names: str) -> tuple[str | None, tuple[str, ...]]:
        raw = {
            "id": "1",
            "key": "A-1",
            "fields": {"status": {"id": "1"}, "components": [{"name": n} for n in names]},
        }
        issue = normalizer(CLOUD_FIELDS, train).issue(raw, in_train=True)
        return issue.team, issue.team_choices

    # "Orion" and "Vega" are both train teams: the first of [train] teams wins, in either order
    assert team_of("backend", "Orion", "Vega") == ("Vega", ("backend", "Orion", "Vega"))
    assert team_of("Vega", "Orion", "backend") == ("Vega", ("backend", "Orion", "Vega"))
    # no train team among them: the first by name, case-insensitively
    assert team_of("zeta", "Alpha", "beta") == ("Alpha", ("Alpha", "beta", "zeta"))
    # one component: no choice to report
    assert team_of("Orion") == ("Orion", ())


def test_a_link_end_the_user_cannot_fetch_keeps_the_status_its_link_shows() -> None:
    # A-1's link embeds SEC-4 (summary, status with its category, type), as Jira does in every link; SEC-4 is
    # never fetched (no browse permission): the snapshot keeps it as the link shows it
    config = config_from_dict({"jira": {"url": "https://acme.atlassian.net"}, "train": TRAIN.model_dump()})
    builder = SnapshotBuilder(config, discover_fields(CLOUD_FIELDS, config.train), STATUSES)
    sec4 = {"id": "40", "key": "SEC-4", "fields": {
        "summary": "Embargoed fix", "issuetype": {"name": "Bug"},
        "status": {"id": "10500", "name": "Resolved",
                   "statusCategory": {"id": 3, "key": "done", "name": "Done"}}}}  # fmt: skip
    x5 = {
        "id": "50",
        "key": "X-5",
        "fields": {"summary": "Old style", "status": {"id": "10001", "name": "Done"}},
    }
    a1 = {"id": "1", "key": "A-1", "fields": {"status": {"id": "1", "name": "To Do"}, "issuelinks": [
        {"id": "5", "type": {"name": "Blocks"}, "inwardIssue": sec4},
        {"id": "6", "type": {"name": "Blocks"}, "inwardIssue": x5},  # no category: by the status id
        {"id": "7", "type": {"name": "Relates"}, "inwardIssue": {"key": "R-1", "fields": {}}},  # not a dependency
    ]}}  # fmt: skip
    builder.add(a1, None, in_train=True)
    snap = builder.snapshot(
        site_url="https://acme.atlassian.net",
        deployment="cloud",
        taken_at=datetime(2025, 9, 5, tzinfo=UTC),
        boards=[],
        board_sprints=[],
    )
    assert [(i.key, i.summary, i.status, i.status_category, i.issue_type) for i in snap.linked] == [
        ("SEC-4", "Embargoed fix", "Resolved", "done", "Bug"),
        ("X-5", "Old style", "Done", "done", ""),
    ]
