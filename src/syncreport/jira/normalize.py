"""Jira JSON of either dialect -> the typed :class:`~syncreport.snapshot.Snapshot`.

Pure functions, no HTTP: the fetcher hands over raw issues (``{"id", "key", "fields"}``), their complete
changelog histories, the site's statuses, board and sprint lists, and the field map; what comes out no
longer knows whether it came from Cloud or Data Center. The conventions for values are the snapshot
module's (UTC-aware datetimes, sprint ids joined by ", ", status categories, oriented dependency links).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from syncreport.config import Config, TrainSettings
from syncreport.jira.fields import FieldMap
from syncreport.kinds import Deployment
from syncreport.snapshot import (
    Board,
    ChangeEvent,
    ChangeField,
    DependencyLink,
    Issue,
    LinkedIssue,
    MovedIssue,
    Snapshot,
    Sprint,
)

# --- values ------------------------------------------------------------------------------------------------

#: Makes one change event of an item: (kind, from, to, fromString, toString) -> ChangeEvent.
_MakeEvent = Callable[..., ChangeEvent]


def parse_datetime(value: Any) -> datetime | None:
    """An ISO-8601 string (``+0000``, ``Z`` or ``+01:00``), or an epoch number in ms or s -> aware UTC."""
    if value is None or value in {"", "<null>"}:
        return None
    if isinstance(value, str) and len(value) > 10 and value[4] == "-":  # the common case: ISO-8601
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        number = float(value)
        seconds = number / 1000 if abs(number) > 1e11 else number
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):  # out of any calendar's range: not a time
            return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_date(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def value_number(value: Any) -> float | None:
    """A field value as a number: a number, an option {value}, or numeric text; None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return value_number(value.get("value"))
    try:
        return float(str(value))
    except ValueError:
        return None


def value_name(value: Any) -> str | None:
    """The display name of a field value: a string, an option {value}, a team {name|title}, a version."""
    if value is None:
        return None
    if isinstance(value, list):
        return value_name(value[0]) if value else None
    if isinstance(value, dict):
        for key in ("name", "title", "value", "displayName", "key"):
            if value.get(key):
                return str(value[key])
        return None
    text = str(value).strip()
    return text or None


_GREENHOPPER_KEYS = (
    "id|rapidViewId|state|name|goal|startDate|endDate|completeDate|activatedDate|sequence|autoStartStop"
    "|synced|incompleteIssuesDestinationId"
)
_GREENHOPPER_KEY = re.compile(rf"(?:^|,)({_GREENHOPPER_KEYS})=")


def parse_greenhopper_sprint(text: str) -> dict[str, Any]:
    """A Data Center sprint string ``com.atlassian.greenhopper.service.sprint.Sprint@1a[id=4,name=A, B,..]``.

    Sprint names may contain commas, so the string is split at the known ``,key=`` markers only.
    """
    inner = text[text.find("[") + 1 : text.rfind("]")] if "[" in text else text
    marks = list(_GREENHOPPER_KEY.finditer(inner))
    values: dict[str, Any] = {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(inner)
        raw = inner[mark.end() : end]
        values[mark.group(1)] = None if raw == "<null>" else raw
    return {
        "id": int(values["id"]) if values.get("id") else None,
        "name": values.get("name") or "",
        "state": str(values.get("state") or "").lower(),
        "boardId": int(values["rapidViewId"]) if values.get("rapidViewId") else None,
        "goal": values.get("goal") or "",
        "startDate": values.get("startDate"),
        "endDate": values.get("endDate"),
        "completeDate": values.get("completeDate"),
    }


# Every issue of a sprint carries the same sprint string on Data Center: parsed once each.
_greenhopper_sprint = functools.lru_cache(maxsize=4096)(parse_greenhopper_sprint)


def sprint_values(value: Any) -> list[dict[str, Any]]:
    """The sprint field's value in either dialect -> a list of sprint dicts (Cloud's shape)."""
    if not value:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
        elif isinstance(item, str) and "id=" in item:
            out.append(dict(_greenhopper_sprint(item)))  # a copy: callers may change what they get
        elif isinstance(item, int | str) and str(item).isdigit():
            out.append({"id": int(item)})
    return [s for s in out if s.get("id") is not None]


def sprint_from_json(data: Mapping[str, Any]) -> Sprint:
    board = data.get("originBoardId", data.get("boardId"))
    return Sprint(
        id=int(data["id"]),
        name=str(data.get("name") or f"Sprint {data['id']}"),
        state=str(data.get("state") or "future").lower(),
        board_id=int(board) if board is not None else None,
        start=parse_datetime(data.get("startDate")),
        end=parse_datetime(data.get("endDate")),
        complete=parse_datetime(data.get("completeDate")),
        goal=str(data.get("goal") or ""),
    )


def _id_list(text: Any) -> str | None:
    if text is None or text == "":
        return None
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    return ", ".join(parts) if parts else None


# --- one issue ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Normalizer:
    """Turns one raw issue and its histories into an :class:`Issue` and its :class:`ChangeEvent` list."""

    train: TrainSettings
    fields: FieldMap
    status_categories: Mapping[str, str]  # status id -> category key ("new"|"indeterminate"|"done")
    status_categories_by_name: Mapping[str, str]
    # From the field map, once (see _relevance): custom field name -> id, and the field ids events come from
    _custom_by_name: Mapping[str, str] = field(init=False)
    _relevant: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        by_name, relevant = _relevance(self.fields)
        object.__setattr__(self, "_custom_by_name", by_name)
        object.__setattr__(self, "_relevant", relevant)

    def issue(self, raw: Mapping[str, Any], *, in_train: bool) -> Issue:
        f = raw.get("fields") or {}
        status = f.get("status") or {}
        category = str((status.get("statusCategory") or {}).get("key") or "")
        if not category:
            category = self.category(status.get("id"), status.get("name")) or "new"
        created = parse_datetime(f.get("created")) or datetime.fromtimestamp(0, UTC)
        fm = self.fields
        team, team_choices = self._team(f)
        return Issue(
            id=str(raw["id"]),
            key=str(raw["key"]),
            summary=str(f.get("summary") or ""),
            issue_type=value_name(f.get("issuetype")) or "",
            status=str(status.get("name") or ""),
            status_category=category,
            project=str((f.get("project") or {}).get("key") or str(raw["key"]).rsplit("-", 1)[0]),
            created=created,
            updated=parse_datetime(f.get("updated")) or created,
            team=team,
            team_choices=team_choices,
            sprint_ids=tuple(int(s["id"]) for s in sprint_values(f.get(fm.sprint)) if fm.sprint),
            pi=self._pi(f),
            points=value_number(f.get(fm.points)) if fm.points else None,
            due_date=parse_date(f.get("duedate")),
            parent_key=self._parent(f),
            flagged=bool(f.get(fm.flagged)) if fm.flagged else False,
            resolved=parse_datetime(f.get("resolutiondate")),
            labels=tuple(str(label) for label in f.get("labels") or ()),
            in_train=in_train,
            business_value_planned=value_number(f.get(fm.business_value_planned))
            if fm.business_value_planned
            else None,
            business_value_actual=value_number(f.get(fm.business_value_actual))
            if fm.business_value_actual
            else None,
        )

    def _team(self, f: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
        """(the issue's team, every candidate when it carried several: components or team labels)."""
        source = self.train.team_source
        if source == "field":
            return (value_name(f.get(self.fields.team)) if self.fields.team else None), ()
        if source == "project":
            return value_name(f.get("project")), ()
        if source == "component":
            names = [n for n in (value_name(c) for c in f.get("components") or ()) if n]
        else:
            prefix = self.train.team_label_prefix
            names = [label[len(prefix) :] for label in f.get("labels") or () if label.startswith(prefix)]
        return pick_team(names, self.train.teams)

    def category(self, status_id: Any, name: Any) -> str | None:
        if status_id is not None and str(status_id) in self.status_categories:
            return self.status_categories[str(status_id)]
        if name:
            return self.status_categories_by_name.get(str(name).casefold())
        return None

    def _history_category(self, status_id: Any, name: Any, resolved: bool | None) -> str | None:
        """The category of a status named in a history: by id while the status exists on the site; for a
        deleted status, "done" / not done from the same history's resolution item (``resolved``: set or
        cleared; None when the history has none), else by name among the site's current statuses; None
        when still unknown (the indicators report it, see ``unknown_status``)."""
        if status_id is not None and str(status_id) in self.status_categories:
            return self.status_categories[str(status_id)]
        if resolved is not None:
            return "done" if resolved else "indeterminate"
        return self.category(None, name)

    def _pi_names(self, f: Mapping[str, Any]) -> list[str]:
        source = self.train.pi_source
        if source == "fixVersion":
            names = [n for n in (value_name(v) for v in f.get("fixVersions") or ()) if n]
        elif source == "field":
            value = f.get(self.fields.pi) if self.fields.pi else None
            names = [n for n in (value_name(v) for v in (value if isinstance(value, list) else [value])) if n]
        else:
            names = [label for label in f.get("labels") or () if label.startswith(self.train.pi_label_prefix)]
        return self._only_pis(names)

    def _only_pis(self, names: Iterable[str]) -> list[str]:
        order = self.train.pi_order
        return [n for n in names if n in order] if order else list(names)

    def _pi(self, f: Mapping[str, Any]) -> str | None:
        names = self._pi_names(f)
        if not names:
            return None
        order = self.train.pi_order
        return max(names, key=order.index) if order else names[-1]

    def _parent(self, f: Mapping[str, Any]) -> str | None:
        for field_id in (self.fields.parent, self.fields.epic_link):
            value = f.get(field_id) if field_id else None
            if isinstance(value, dict) and isinstance(value.get("data"), dict):
                value = value["data"]  # Advanced Roadmaps' "Parent Link": {"data": {"id", "key"}, ...}
            if isinstance(value, dict) and value.get("key"):
                return str(value["key"])
            if isinstance(value, str) and value:
                return value
        return None

    # --- changelog --------------------------------------------------------------------------------------

    def changes(self, key: str, histories: Iterable[Mapping[str, Any]]) -> list[ChangeEvent]:
        by_name, relevant = self._custom_by_name, self._relevant
        events: list[ChangeEvent] = []
        for history in histories:
            at: datetime | None = None
            items = history.get("items") or ()
            resolution = next((i for i in items if self.field_of(i, by_name) == "resolution"), None)
            for item in items:
                field = self.field_of(item, by_name)
                if field not in relevant:
                    continue
                at = at or parse_datetime(history.get("created"))
                if at is None:
                    break
                events.extend(self._item_events(key, at, item, field, resolution))
        events.sort(key=_event_time)
        return events

    def relevant_histories(
        self, histories: Iterable[Mapping[str, Any]], old_keys: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """See :func:`relevant_histories` (and :func:`_keep_relevant` for ``old_keys``)."""
        return _keep_relevant(histories, self._custom_by_name, self._relevant, old_keys)

    @staticmethod
    def field_of(item: Mapping[str, Any], custom_by_name: Mapping[str, str]) -> str:
        """The field id an item is about: its fieldId (Cloud), else the id whose name matches (DC)."""
        if item.get("fieldId"):
            return str(item["fieldId"])
        name = str(item.get("field") or "").casefold()
        return custom_by_name.get(name) or _SYSTEM_FIELD_NAMES.get(name, name)

    def _item_events(
        self,
        key: str,
        at: datetime,
        item: Mapping[str, Any],
        field: str,
        resolution: Mapping[str, Any] | None = None,
    ) -> list[ChangeEvent]:
        fm = self.fields
        frm, to = item.get("from"), item.get("to")
        frm_s, to_s = item.get("fromString"), item.get("toString")

        def event(kind: ChangeField, fv: Any, tv: Any, fs: Any = None, ts: Any = None) -> ChangeEvent:
            return ChangeEvent(
                issue_key=key,
                at=at,
                field=str(kind),
                from_value=None if fv in (None, "") else str(fv),
                to_value=None if tv in (None, "") else str(tv),
                from_string=None if fs in (None, "") else str(fs),
                to_string=None if ts in (None, "") else str(ts),
            )

        if field == fm.sprint:
            return [event(ChangeField.SPRINT, _id_list(frm), _id_list(to), frm_s, to_s)]
        if field == "status":
            was, now = _resolution_sides(resolution)
            return [
                event(
                    ChangeField.STATUS,
                    self._history_category(frm, frm_s, was),
                    self._history_category(to, to_s, now),
                    frm_s,
                    to_s,
                )
            ]
        if field == "duedate":
            fd, td = parse_date(frm or frm_s), parse_date(to or to_s)
            return [event(ChangeField.DUEDATE, fd and fd.isoformat(), td and td.isoformat())]
        single = self._value_event(field, event, frm, to, frm_s, to_s)
        if single is None:
            single = self._team_event(field, event, frm, to, frm_s, to_s)
        if single is not None:
            return [single]
        return self._pi_events(field, event, frm_s, to_s)

    def _value_event(
        self, field: str, event: _MakeEvent, frm: Any, to: Any, frm_s: Any, to_s: Any
    ) -> ChangeEvent | None:
        """Flagged, link, points and parent items: one event each, or None for another field."""
        fm = self.fields
        if fm.flagged and field == fm.flagged:
            return event(
                ChangeField.FLAGGED, "true" if frm_s else "false", "true" if to_s else "false", frm_s, to_s
            )
        if field == "issuelinks":
            other_to = to or _key_in(to_s)
            other_from = frm or _key_in(frm_s)
            return event(
                ChangeField.LINK, other_from, other_to, other_from if not other_to else None, other_to
            )
        if fm.points and field == fm.points:
            return event(ChangeField.POINTS, frm_s or frm, to_s or to)
        if field in {fm.parent, fm.epic_link, "IssueParentAssociation", "Parent Link"}:
            return event(ChangeField.PARENT, frm_s or frm, to_s or to, frm_s, to_s)
        return None

    def _team_event(
        self, field: str, event: _MakeEvent, frm: Any, to: Any, frm_s: Any, to_s: Any
    ) -> ChangeEvent | None:
        source = self.train.team_source
        if source == "field" and self.fields.team and field == self.fields.team:
            return event(ChangeField.TEAM, frm, to, frm_s, to_s)
        if source == "component" and field == "components":
            return event(ChangeField.TEAM, frm, to, frm_s, to_s)
        if source == "label" and field == "labels":
            prefix = self.train.team_label_prefix
            before = [x[len(prefix) :] for x in str(frm_s or "").split() if x.startswith(prefix)]
            after = [x[len(prefix) :] for x in str(to_s or "").split() if x.startswith(prefix)]
            if before != after:
                old = before[0] if before else None
                new = after[0] if after else None
                return event(ChangeField.TEAM, None, None, old, new)
        return None

    def _pi_events(self, field: str, event: _MakeEvent, frm_s: Any, to_s: Any) -> list[ChangeEvent]:
        source = self.train.pi_source
        if source == "fixVersion" and field == "fixVersions":
            removed = self._only_pis([frm_s] if frm_s else [])
            added = self._only_pis([to_s] if to_s else [])
        elif source == "field" and self.fields.pi and field == self.fields.pi:
            removed = self._only_pis(_split_names(frm_s))
            added = self._only_pis(_split_names(to_s))
        elif source == "label" and field == "labels":
            prefix = self.train.pi_label_prefix
            before = {x for x in str(frm_s or "").split() if x.startswith(prefix)}
            after = {x for x in str(to_s or "").split() if x.startswith(prefix)}
            removed = self._only_pis(sorted(before - after))
            added = self._only_pis(sorted(after - before))
        else:
            return []
        return [event(ChangeField.PI, name, None, name, None) for name in removed] + [
            event(ChangeField.PI, None, name, None, name) for name in added
        ]


_SYSTEM_FIELD_NAMES = {
    "status": "status",
    "duedate": "duedate",
    "due date": "duedate",
    "link": "issuelinks",
    "fix version": "fixVersions",
    "fixversions": "fixVersions",
    "labels": "labels",
    "component": "components",
    "components": "components",
    "parent": "parent",
    "epic link": "Epic Link",
    "parent link": "Parent Link",
    "issueparentassociation": "IssueParentAssociation",
    "sprint": "Sprint",
    "flagged": "Flagged",
    "resolution": "resolution",
}
_RELEVANT_SYSTEM_FIELDS = frozenset(
    {"status", "resolution", "duedate", "issuelinks", "fixVersions", "labels", "components", "parent"}
    | {"IssueParentAssociation", "Parent Link", "Epic Link"}
)


def _relevance(fm: FieldMap) -> tuple[dict[str, str], frozenset[str]]:
    """(custom field name -> id, for Data Center items without fieldId), and the field ids events come from."""
    custom = [fm.sprint, fm.points, fm.team, fm.pi, fm.flagged, fm.epic_link, fm.parent]
    by_name = {fm.names.get(f, "").casefold(): f for f in custom if f and f in fm.names}
    return by_name, frozenset({f for f in custom if f} | _RELEVANT_SYSTEM_FIELDS)


def relevant_histories(histories: Iterable[Mapping[str, Any]], fields: FieldMap) -> list[dict[str, Any]]:
    """Histories reduced to the items a change event can come from (rank, summary, ... dropped), for the
    cache: the same field map (part of the cache's fields signature) gives the same events from them."""
    return _keep_relevant(histories, *_relevance(fields))


def _keep_relevant(
    histories: Iterable[Mapping[str, Any]],
    custom_by_name: Mapping[str, str],
    relevant: frozenset[str],
    old_keys: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The histories with only their relevant items; with ``old_keys``, the keys the issue had before a
    move (its "Key" items' fromString) are added to it in the same pass."""
    field_of = Normalizer.field_of
    out = []
    for history in histories:
        items = []
        for item in history.get("items") or ():
            if field_of(item, custom_by_name) in relevant:
                items.append(item)
            elif old_keys is not None and str(item.get("field") or "").casefold() == "key":
                old_keys.append(str(item.get("fromString") or ""))
        if items:
            out.append({"id": history.get("id"), "created": history.get("created"), "items": items})
    return out


def _resolution_sides(item: Mapping[str, Any] | None) -> tuple[bool | None, bool | None]:
    """(resolved before, resolved after) from a history's resolution item; (None, None) without one."""
    if item is None:
        return None, None
    return bool(item.get("from") or item.get("fromString")), bool(item.get("to") or item.get("toString"))


def pick_team(names: Sequence[str], train_teams: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """One team from several candidates (components, team labels), the same on every run whatever order
    Jira lists them in: the first of the train's configured teams that is among them, else the first by
    name (case-insensitive, then exact). Returns (team, every distinct candidate when there were several)."""
    distinct = sorted(set(names), key=lambda n: (n.casefold(), n))
    if len(distinct) <= 1:
        return (distinct[0] if distinct else None), ()
    chosen = next((t for t in train_teams if t in distinct), distinct[0])
    return chosen, tuple(distinct)


def _event_time(event: ChangeEvent) -> datetime:
    return event.at


_KEY = re.compile(r"\b([A-Z][A-Z0-9_]+-\d+)\b")


def _key_in(text: Any) -> str | None:
    match = _KEY.search(str(text or ""))
    return match.group(1) if match else None


def _split_names(text: Any) -> list[str]:
    if not text:
        return []
    stripped = str(text).strip("[]")
    return [part.strip() for part in stripped.split(",") if part.strip()]


# --- links -------------------------------------------------------------------------------------------------


def dependency_links(raw_issues: Iterable[Mapping[str, Any]], train: TrainSettings) -> list[DependencyLink]:
    """Every link of a configured dependency type, oriented provider -> consumer, once per link id."""
    return _dependency_links(raw_issues, _provider_sides(train))


def _provider_sides(train: TrainSettings) -> dict[str, str]:
    """Dependency link type name (casefolded) -> the side that provides ("inward" | "outward")."""
    return {t.name.casefold(): t.provider for t in train.dependency_link_types}


def _dependency_links(
    raw_issues: Iterable[Mapping[str, Any]], types: Mapping[str, str]
) -> list[DependencyLink]:
    seen: dict[str, DependencyLink] = {}
    for raw in raw_issues:
        key = str(raw["key"])
        for link in (raw.get("fields") or {}).get("issuelinks") or ():
            type_name = str((link.get("type") or {}).get("name") or "")
            provider_side = types.get(type_name.casefold())
            if provider_side is None:
                continue
            if link.get("outwardIssue"):
                other, this_is_outward_subject = str(link["outwardIssue"]["key"]), True
            elif link.get("inwardIssue"):
                other, this_is_outward_subject = str(link["inwardIssue"]["key"]), False
            else:
                continue
            # "X <outward> Y": X holds outwardIssue Y. provider = "outward" means X provides.
            x_provides = this_is_outward_subject == (provider_side == "outward")
            provider, consumer = (key, other) if x_provides else (other, key)
            link_id = str(link.get("id") or f"{provider}>{consumer}:{type_name}")
            seen.setdefault(link_id, DependencyLink(link_id, type_name, provider, consumer))
    return list(seen.values())


def _link_ends(raw: Mapping[str, Any], types: Mapping[str, str], category: Any) -> Iterable[LinkedIssue]:
    """The other end of each dependency link of this issue, as the link shows it (summary, status with its
    category, type)."""
    for link in (raw.get("fields") or {}).get("issuelinks") or ():
        if str((link.get("type") or {}).get("name") or "").casefold() not in types:
            continue
        other = link.get("outwardIssue") or link.get("inwardIssue")
        if not isinstance(other, Mapping) or not other.get("key"):
            continue
        f = other.get("fields") or {}
        status = f.get("status") or {}
        status_category = str((status.get("statusCategory") or {}).get("key") or "")
        yield LinkedIssue(
            key=str(other["key"]),
            summary=str(f.get("summary") or ""),
            status=str(status.get("name") or ""),
            status_category=status_category or category(status.get("id"), status.get("name")) or "",
            issue_type=value_name(f.get("issuetype")) or "",
        )


def linked_keys(raw: Mapping[str, Any], train: TrainSettings) -> set[str]:
    """Keys at the other end of this issue's dependency links."""
    return {k for link in dependency_links([raw], train) for k in (link.provider_key, link.consumer_key)} - {
        str(raw["key"])
    }


def _with_created(links: Sequence[DependencyLink], changes: Sequence[ChangeEvent]) -> list[DependencyLink]:
    added: dict[tuple[str, str], datetime] = {}
    for e in changes:
        if e.field == ChangeField.LINK.value and e.to_value:
            pair = (e.issue_key, e.to_value)
            added[pair] = max(added.get(pair, e.at), e.at)
    out = []
    for link in links:
        times = [
            t
            for t in (
                added.get((link.provider_key, link.consumer_key)),
                added.get((link.consumer_key, link.provider_key)),
            )
            if t
        ]
        out.append(
            DependencyLink(
                link.id, link.link_type, link.provider_key, link.consumer_key, max(times) if times else None
            )
        )
    return out


# --- the snapshot ------------------------------------------------------------------------------------------


def status_maps(statuses: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    by_id: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for status in statuses:
        category = str((status.get("statusCategory") or {}).get("key") or "")
        if not category:
            continue
        by_id[str(status.get("id"))] = category
        by_name[str(status.get("name") or "").casefold()] = category
    return by_id, by_name


class SnapshotBuilder:
    """Collects issues one at a time (so a 50,000-issue train never sits in memory as raw JSON).

    ``add`` normalizes an issue and its histories at once and keeps only the typed results plus the sprint
    values seen; ``snapshot`` adds boards and board sprints and assembles the :class:`Snapshot`.
    """

    def __init__(self, config: Config, fields: FieldMap, statuses: Iterable[Mapping[str, Any]]) -> None:
        self.config = config
        self.fields = fields
        by_id, by_name = status_maps(statuses)
        self._normalizer = Normalizer(config.train, fields, by_id, by_name)
        self.issues: dict[str, Issue] = {}
        self.links: dict[str, DependencyLink] = {}
        self.changes: list[ChangeEvent] = []
        self._link_ends: dict[str, LinkedIssue] = {}
        self._issue_sprints: dict[int, Sprint] = {}
        self._provider_sides = _provider_sides(config.train)
        # An issue's identity is its id: a key changes when the issue moves to another project, and a cached
        # issue's links still name the old key (Jira does not update the linked issue). Link ends carry the
        # far end's id, so an old key is mapped to the key its id has now.
        self._key_of_id: dict[str, str] = {}
        self._id_of_end: dict[str, str] = {}
        self._moved: dict[str, str] = {}  # old key -> the key the issue has now (its changelog's "Key" items)

    def add(
        self, raw: Mapping[str, Any], histories: Iterable[Mapping[str, Any]] | None, *, in_train: bool
    ) -> Issue:
        issue = self._normalizer.issue(raw, in_train=in_train)
        known = self.issues.get(issue.key)
        if known is not None and known.in_train and not in_train:
            # a far end that is the train's own issue (asked by an old key): the train's copy wins
            return known
        self.issues[issue.key] = issue
        if raw.get("id") is not None:
            self._key_of_id[str(raw["id"])] = issue.key
        for link in (raw.get("fields") or {}).get("issuelinks") or ():
            other = (
                (link.get("outwardIssue") or link.get("inwardIssue")) if isinstance(link, Mapping) else None
            )
            if isinstance(other, Mapping) and other.get("key") and other.get("id") is not None:
                self._id_of_end[str(other["key"])] = str(other["id"])
        if histories:
            self.changes.extend(self._normalizer.changes(issue.key, histories))
        for link in _dependency_links([raw], self._provider_sides):
            self.links.setdefault(link.id, link)
        for end in _link_ends(raw, self._provider_sides, self._normalizer.category):
            if end.status_category or end.key not in self._link_ends:
                self._link_ends[end.key] = end
        sprint_field = self.fields.sprint
        for data in sprint_values((raw.get("fields") or {}).get(sprint_field) if sprint_field else None):
            sprint_id = int(data["id"])
            if data.get("name") and sprint_id not in self._issue_sprints:
                self._issue_sprints[sprint_id] = sprint_from_json(data)
        return issue

    def relevant_histories(self, histories: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """:func:`relevant_histories` with this builder's field map."""
        return self._normalizer.relevant_histories(histories)

    def relevant_histories_of(self, key: str, histories: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """:meth:`relevant_histories`, noting the keys the issue ``key`` had before a move (as
        :meth:`note_moves` does) in the same pass over its items."""
        old_keys: list[str] = []
        kept = self._normalizer.relevant_histories(histories, old_keys)
        for old in old_keys:
            if old and old != key:
                self._moved[old] = key
        return kept

    def far_end_keys(self) -> set[str]:
        """Keys at the other end of a dependency link that are not (yet) in the builder."""
        ends = {
            self.current_key(k)
            for link in self.links.values()
            for k in (link.provider_key, link.consumer_key)
        }
        return ends - set(self.issues)

    def note_moves(self, key: str, histories: Iterable[Mapping[str, Any]]) -> None:
        """Remember the keys an issue had before it was moved: its changelog's "Key" items (from the old key to
        the new one), which the relevant histories kept for the snapshot leave out."""
        for history in histories:
            for item in history.get("items") or () if isinstance(history, Mapping) else ():
                if isinstance(item, Mapping) and str(item.get("field") or "").casefold() == "key":
                    old = str(item.get("fromString") or "")
                    if old and old != key:
                        self._moved[old] = key

    def current_key(self, key: str) -> str:
        """The key the issue a link names by ``key`` has now (another one when it was moved since)."""
        return self._key_of_id.get(self._id_of_end.get(key, ""), key)

    def _current_links(self) -> list[DependencyLink]:
        """The links with each end under its current key (a moved issue's old key replaced), once per id."""
        out: dict[str, DependencyLink] = {}
        for link in self.links.values():
            provider, consumer = self.current_key(link.provider_key), self.current_key(link.consumer_key)
            if (provider, consumer) != (link.provider_key, link.consumer_key):
                link = DependencyLink(link.id, link.link_type, provider, consumer, link.created)
            out.setdefault(link.id, link)
        return list(out.values())

    def sprint_board_ids(self) -> set[int]:
        return {s.board_id for s in self._issue_sprints.values() if s.board_id is not None}

    def issue_sprints(self) -> dict[int, Sprint]:
        return dict(self._issue_sprints)

    def snapshot(
        self,
        *,
        site_url: str,
        deployment: Deployment,
        taken_at: datetime,
        boards: Sequence[Mapping[str, Any]],
        board_sprints: Sequence[Mapping[str, Any]],
    ) -> Snapshot:
        train = self.config.train
        order = {key: _key_order(key) for key in self.issues}  # each key parsed once, not once per event
        current_links = self._current_links()
        for link in current_links:
            for key in (link.provider_key, link.consumer_key):
                if key not in order:
                    order[key] = _key_order(key)
        issues = sorted(self.issues.values(), key=lambda i: (not i.in_train, order[i.key]))
        changes = sorted(
            self.changes, key=lambda e: (e.at, order.get(e.issue_key) or _key_order(e.issue_key), e.field)
        )
        links = _with_created(current_links, changes)
        links.sort(key=lambda link: (order[link.provider_key], order[link.consumer_key], link.id))
        found = dict(self._issue_sprints)
        for data in board_sprints:
            found[int(data["id"])] = sprint_from_json(data)
        sprints = sorted(found.values(), key=lambda s: (s.start or datetime.max.replace(tzinfo=UTC), s.id))
        in_train = [i for i in issues if i.in_train]
        linked = sorted(
            (end for key, end in self._link_ends.items() if self.current_key(key) not in self.issues),
            key=lambda e: order.get(e.key) or _key_order(e.key),
        )
        moved = dict(self._moved)
        for end in self._id_of_end:  # a link that still names an old key tells the move too
            if self.current_key(end) != end:
                moved.setdefault(end, self.current_key(end))
        teams = _ordered(train.teams, sorted({i.team for i in in_train if i.team}))
        pis = _ordered(train.pi_order, sorted({i.pi for i in in_train if i.pi}))
        return Snapshot(
            train=train.name,
            site_url=site_url,
            taken_at=taken_at,
            deployment=deployment,
            jql=train.jql,
            pis=tuple(pis),
            current_pi=train.current_pi or _current_pi(in_train, sprints, pis),
            teams=tuple(teams),
            issues=tuple(issues),
            sprints=tuple(sprints),
            boards=tuple(_boards(boards, issues, sprints)),
            links=tuple(links),
            changes=tuple(changes),
            linked=tuple(linked),
            moved=tuple(MovedIssue(old, new) for old, new in sorted(moved.items()) if new in self.issues),
            available_fields=tuple(self._available(in_train)),
        )

    def _available(self, in_train: Sequence[Issue]) -> list[str]:
        fields = self.fields
        available = ["sprint", "status", "links"]
        available += [name for name, fid in (("points", fields.points), ("flagged", fields.flagged)) if fid]
        if fields.business_value_planned and fields.business_value_actual:
            available.append("business_value")
        if any(i.team for i in in_train):
            available.append("team")
        if any(i.pi for i in in_train):
            available.append("pi")
        return available


def _key_order(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    return (project, int(number)) if number.isdigit() else (key, 0)


def _ordered(first: Sequence[str], rest: Iterable[str]) -> list[str]:
    return list(first) + [x for x in rest if x not in first]


def _boards(
    raw_boards: Sequence[Mapping[str, Any]], issues: Sequence[Issue], sprints: Sequence[Sprint]
) -> list[Board]:
    origin = {s.id: s.board_id for s in sprints}
    teams_by_board: dict[int, Counter[str]] = {}
    for issue in issues:
        if not issue.team:
            continue
        for sprint_id in issue.sprint_ids:
            board_id = origin.get(sprint_id)
            if board_id is not None:
                teams_by_board.setdefault(board_id, Counter())[issue.team] += 1
    boards = []
    for data in raw_boards:
        board_id = int(data["id"])
        counts = teams_by_board.get(board_id)
        location = data.get("location") or {}
        boards.append(
            Board(
                id=board_id,
                name=str(data.get("name") or f"Board {board_id}"),
                team=counts.most_common(1)[0][0] if counts else None,
                project_key=location.get("projectKey"),
                board_type=str(data.get("type") or "scrum"),
            )
        )
    return sorted(boards, key=lambda b: b.id)


def _current_pi(issues: Sequence[Issue], sprints: Sequence[Sprint], pis: Sequence[str]) -> str | None:
    """The PI most of the train's issues in an active sprint belong to; else the most used PI."""
    active = {s.id for s in sprints if s.state == "active"}
    in_active = Counter(i.pi for i in issues if i.pi and active.intersection(i.sprint_ids))
    counts = in_active or Counter(i.pi for i in issues if i.pi)
    if not counts:
        return pis[-1] if pis else None
    rank = {name: n for n, name in enumerate(pis)}
    return max(counts, key=lambda name: (counts[name], rank.get(name, -1)))
