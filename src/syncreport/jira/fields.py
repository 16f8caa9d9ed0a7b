"""Field discovery: map the config's field names to this site's field ids, from GET /rest/api/N/field.

Custom field ids differ on every site, so the config names fields by what people see ("Team",
"Story Points") or by id ("customfield_10020"). A name is matched case-insensitively; when several fields
share it, the one with the expected schema type wins; a name that matches nothing or stays ambiguous is a
:class:`ConfigError` listing the candidates, so the fix is one copy-paste.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from syncreport.config import TrainSettings
from syncreport.errors import ConfigError

SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
STORY_POINTS_SCHEMA = "com.pyxis.greenhopper.jira:jsw-story-points"
TEAM_SCHEMA = "com.atlassian.teams:rm-teams-custom-field-team"  # Advanced Roadmaps' Team (DC, older Cloud)
# Today's Cloud Team field (Atlassian teams): the type a site created since 2024 shows in GET /field
ATLASSIAN_TEAM_SCHEMA = "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team"
TEAM_SCHEMAS = (ATLASSIAN_TEAM_SCHEMA, TEAM_SCHEMA)
EPIC_LINK_SCHEMA = "com.pyxis.greenhopper.jira:gh-epic-link"
STORY_POINT_NAMES = ("story points", "story point estimate")


@dataclass(frozen=True, slots=True)
class FieldMap:
    """The field ids this site uses for what the snapshot needs (None: the site has no such field)."""

    sprint: str | None
    points: str | None
    team: str | None
    parent: str | None
    epic_link: str | None
    pi: str | None
    flagged: str | None
    business_value_planned: str | None
    business_value_actual: str | None
    names: dict[str, str]  # field id -> display name (Data Center changelog items carry names only)
    # story_points_field = "auto" on a site with several story points fields ("Story Points" and "Story
    # point estimate"): all of them; the pull keeps the one the train's issues use (points is a guess till then)
    points_candidates: tuple[str, ...] = ()

    def request_fields(self) -> list[str]:
        """The fields to ask Jira for in an issue fetch."""
        system = [
            "summary",
            "issuetype",
            "status",
            "project",
            "created",
            "updated",
            "duedate",
            "resolutiondate",
            "labels",
            "components",
            "fixVersions",
            "issuelinks",
        ]
        custom = [
            self.sprint,
            self.points,
            self.team,
            self.parent,
            self.epic_link,
            self.pi,
            self.flagged,
            self.business_value_planned,
            self.business_value_actual,
        ]
        return system + sorted({f for f in custom if f and f not in system})

    def signature(self) -> str:
        """Changes when the set of fetched fields changes, so cached issues fetched with fewer are refetched.

        The suffix names what the cache keeps beyond the fields: the histories' resolution items (done-ness of
        deleted statuses) and the status link ends show, so issues cached without them are fetched again."""
        return ",".join(self.request_fields()) + ";history=resolution;links=status"


def _schema_custom(field: dict[str, Any]) -> str:
    schema = field.get("schema") or {}
    return str(schema.get("custom") or schema.get("system") or "")


def _describe(field: dict[str, Any]) -> str:
    kind = _schema_custom(field) or str((field.get("schema") or {}).get("type") or "?")
    return f"{field.get('id')} ({field.get('name')}, {kind})"


def resolve_field(
    fields: list[dict[str, Any]],
    wanted: str,
    *,
    key: str,
    schema: str | tuple[str, ...] | None = None,
    default: str | None = None,
    source: str = "the config",
) -> str:
    """The id of the one field matching ``wanted`` (an id or a name); ConfigError listing candidates if not."""
    by_id = {str(f.get("id")): f for f in fields}
    if wanted in by_id or wanted == "parent":
        return wanted
    schemas = (schema,) if isinstance(schema, str) else (schema or ())
    named = [f for f in fields if str(f.get("name", "")).casefold() == wanted.casefold()]
    if len(named) > 1 and schemas:
        typed = [f for f in named if _schema_custom(f) in schemas]
        named = typed or named
    if len(named) == 1:
        return str(named[0]["id"])
    if named:
        listed = ", ".join(_describe(f) for f in named)
        raise ConfigError(
            f"{source}: {key} = '{wanted}' is ambiguous on this site, it matches {listed}: set it to one of these ids"
        )
    if schemas:
        typed = [f for f in fields if _schema_custom(f) in schemas]
        if len(typed) == 1 and wanted == default:
            return str(typed[0]["id"])  # the default name, renamed on this site (or in another language)
        candidates = typed
    else:
        candidates = []
    names = {str(f.get("name", "")): f for f in fields}
    for close in difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6):
        if names[close] not in candidates:
            candidates.append(names[close])
    hint = (
        f"candidates: {', '.join(_describe(f) for f in candidates)}"
        if candidates
        else "see the site's fields under Jira settings > Issues > Custom fields"
    )
    raise ConfigError(f"{source}: {key} = '{wanted}' is not a field on this site; {hint}")


def optional_field(fields: list[dict[str, Any]], *, names: tuple[str, ...], schema: str | None) -> str | None:
    """The id of the field of this schema (or, failing one, the first of these names), or None."""
    if schema:
        typed = [f for f in fields if _schema_custom(f) == schema]
        if len(typed) == 1:
            return str(typed[0]["id"])
        named_typed = [f for f in typed if str(f.get("name", "")).casefold() in names]
        if named_typed:
            return str(named_typed[0]["id"])
    named = [f for f in fields if str(f.get("name", "")).casefold() in names]
    named.sort(key=lambda f: names.index(str(f.get("name", "")).casefold()))
    return str(named[0]["id"]) if named else None


def discover_fields(
    fields: list[dict[str, Any]], train: TrainSettings, *, source: str = "the config"
) -> FieldMap:
    """Resolve every field the train's config needs against the site's field list."""
    sprint = resolve_field(
        fields,
        train.sprint_field,
        key="[train].sprint_field",
        schema=SPRINT_SCHEMA,
        default="Sprint",
        source=source,
    )
    candidates: tuple[str, ...] = ()
    if train.story_points_field == "auto":
        points = optional_field(fields, names=STORY_POINT_NAMES, schema=STORY_POINTS_SCHEMA)
        candidates = tuple(
            str(f["id"])
            for f in fields
            if _schema_custom(f) == STORY_POINTS_SCHEMA
            or str(f.get("name", "")).casefold() in STORY_POINT_NAMES
        )
    else:
        points = resolve_field(
            fields, train.story_points_field, key="[train].story_points_field", source=source
        )
    team = (
        resolve_field(
            fields,
            train.team_field,
            key="[train].team_field",
            schema=TEAM_SCHEMAS,
            default="Team",
            source=source,
        )
        if train.team_source == "field"
        else None
    )
    parent = resolve_field(fields, train.parent_field, key="[train].parent_field", source=source)
    epic_link = (
        optional_field(fields, names=("epic link",), schema=EPIC_LINK_SCHEMA) if parent == "parent" else None
    )
    if train.pi_source == "field":
        if not train.pi_field:
            raise ConfigError(f'{source}: [train].pi_field is required when pi_source = "field"')
        pi: str | None = resolve_field(fields, train.pi_field, key="[train].pi_field", source=source)
    else:
        pi = None
    flagged = optional_field(fields, names=("flagged",), schema=None)
    bv_planned = (
        resolve_field(
            fields,
            train.business_value_planned_field,
            key="[train].business_value_planned_field",
            source=source,
        )
        if train.business_value_planned_field
        else None
    )
    bv_actual = (
        resolve_field(
            fields,
            train.business_value_actual_field,
            key="[train].business_value_actual_field",
            source=source,
        )
        if train.business_value_actual_field
        else None
    )
    return FieldMap(
        sprint=sprint,
        points=points,
        team=team,
        parent=parent,
        epic_link=epic_link,
        pi=pi,
        flagged=flagged,
        business_value_planned=bv_planned,
        business_value_actual=bv_actual,
        names={str(f.get("id")): str(f.get("name", "")) for f in fields},
        points_candidates=candidates if len(candidates) > 1 else (),
    )
