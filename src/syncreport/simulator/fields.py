"""The custom field ids and names each dialect uses, as a real site would have them (they differ per site).

Cloud and Data Center deliberately use different ids and names for the same concept so that a client has to
discover them from GET /rest/api/2/field instead of hard-coding them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldIds:
    team: str
    sprint: str
    points: str
    points_name: str
    flagged: str
    rank: str
    epic_link: str | None  # Data Center only: the link from a story to its feature (epic)
    bv_planned: str  # "Business Value": planned business value of a feature (PI objective), 1-10
    bv_actual: str  # "Actual Business Value": scored at the end of the PI


CLOUD = FieldIds(
    team="customfield_10001",
    sprint="customfield_10020",
    points="customfield_10016",
    points_name="Story point estimate",
    flagged="customfield_10021",
    rank="customfield_10019",
    epic_link=None,
    bv_planned="customfield_10050",
    bv_actual="customfield_10051",
)
DATACENTER = FieldIds(
    team="customfield_12600",
    sprint="customfield_10104",
    points="customfield_10106",
    points_name="Story Points",
    flagged="customfield_10000",
    rank="customfield_10105",
    epic_link="customfield_10101",
    bv_planned="customfield_10300",
    bv_actual="customfield_10301",
)


def field_ids(deployment: str) -> FieldIds:
    return CLOUD if deployment == "cloud" else DATACENTER


def cf_number(field_id: str) -> str:
    return field_id.removeprefix("customfield_")


#: Cloud's Team field type today (Atlassian teams). Older sites, and Data Center's Advanced Roadmaps, show
#: ``com.atlassian.teams:rm-teams-custom-field-team`` (developer.atlassian.com, "Team field in Jira REST API").
CLOUD_TEAM_TYPE = "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team"
DC_TEAM_TYPE = "com.atlassian.teams:rm-teams-custom-field-team"
#: A company-managed "Story Points" field that a Cloud site keeps next to "Story point estimate" (both of the
#: story points type); the train's issues use only the estimate. Listed only when the site asks for it.
LEGACY_POINTS = "customfield_10028"


def field_list(deployment: str, *, legacy_points: bool = False) -> list[dict[str, object]]:
    """GET /rest/api/2/field: system fields the client reads and the custom fields of an agile site."""
    ids = field_ids(deployment)

    def system(
        fid: str, name: str, type_: str, items: str | None = None, clauses: list[str] | None = None
    ) -> dict[str, Any]:
        schema: dict[str, object] = {"type": type_, "system": fid}
        if items:
            schema["items"] = items
        return {
            "id": fid, "key": fid, "name": name, "custom": False, "orderable": True, "navigable": True,
            "searchable": True, "clauseNames": clauses or [fid], "schema": schema,
        }  # fmt: skip

    def custom(fid: str, name: str, type_: str, custom_type: str, items: str | None = None) -> dict[str, Any]:
        number = cf_number(fid)
        schema: dict[str, object] = {"type": type_, "custom": custom_type, "customId": int(number)}
        if items:
            schema["items"] = items
        return {
            "id": fid, "key": fid, "name": name, "untranslatedName": name, "custom": True, "orderable": True,
            "navigable": True, "searchable": True, "clauseNames": [f"cf[{number}]", name], "schema": schema,
        }  # fmt: skip

    fields = [
        system("summary", "Summary", "string"),
        system("issuetype", "Issue Type", "issuetype", clauses=["issuetype", "type"]),
        system("status", "Status", "status"),
        system("project", "Project", "project"),
        system("priority", "Priority", "priority"),
        system("labels", "Labels", "array", "string"),
        system("fixVersions", "Fix versions", "array", "version", ["fixVersion"]),
        system("duedate", "Due date", "date", clauses=["due", "duedate"]),
        system("created", "Created", "datetime", clauses=["created", "createdDate"]),
        system("updated", "Updated", "datetime", clauses=["updated", "updatedDate"]),
        system("resolutiondate", "Resolved", "datetime", clauses=["resolutiondate", "resolved"]),
        system("resolution", "Resolution", "resolution"),
        system("issuelinks", "Linked Issues", "array", "issuelinks", ["issueLink"]),
        system("assignee", "Assignee", "user"),
        custom(ids.sprint, "Sprint", "array", "com.pyxis.greenhopper.jira:gh-sprint", "json"),
        custom(ids.rank, "Rank", "any", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
        custom(ids.flagged, "Flagged", "array", "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
               "option"),
    ]  # fmt: skip
    number = "com.atlassian.jira.plugin.system.customfieldtypes:float"
    fields.append(custom(ids.bv_planned, "Business Value", "number", number))
    fields.append(custom(ids.bv_actual, "Actual Business Value", "number", number))
    team = custom(ids.team, "Team", "team", CLOUD_TEAM_TYPE if deployment == "cloud" else DC_TEAM_TYPE)
    team["clauseNames"] = [f"cf[{cf_number(ids.team)}]", "Team", "Team[Team]"]
    fields.append(team)
    if deployment == "cloud":
        fields.insert(0, system("parent", "Parent", "issuelink"))
        if legacy_points:  # before the estimate, as GET /field lists them by id on such a site
            points_type = "com.pyxis.greenhopper.jira:jsw-story-points"
            fields.append(custom(LEGACY_POINTS, "Story Points", "number", points_type))
        fields.append(
            custom(ids.points, ids.points_name, "number", "com.pyxis.greenhopper.jira:jsw-story-points")
        )
    else:
        fields.append(
            custom(
                ids.points,
                ids.points_name,
                "number",
                "com.atlassian.jira.plugin.system.customfieldtypes:float",
            )
        )
        assert ids.epic_link is not None
        fields.append(custom(ids.epic_link, "Epic Link", "any", "com.pyxis.greenhopper.jira:gh-epic-link"))
    return fields
