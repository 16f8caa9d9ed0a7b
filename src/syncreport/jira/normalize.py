"""One raw Jira issue of either dialect and its changelog -> an :class:`~syncreport.snapshot.Issue` and
its :class:`~syncreport.snapshot.ChangeEvent` list.

Pure functions, no HTTP: the fetcher hands over a raw issue (``{"id", "key", "fields"}``), its complete
changelog histories, the site's statuses and the field map; what comes out no longer knows whether it
came from Cloud or Data Center. Field values are read by :mod:`syncreport.jira.values`; the whole train's
snapshot (dependency links, boards, the current PI) is assembled by :mod:`syncreport.jira.builder`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from syncreport.config import TrainSettings
from syncreport.jira.fields import FieldMap
from syncreport.jira.values import (
    id_list,
    parse_date,
    parse_datetime,
    sprint_values,
    value_name,
    value_number,
)
from syncreport.snapshot import ChangeEvent, ChangeField, Issue

#: Makes one change event of an item: (kind, from, to, fromString, toString) -> ChangeEvent.
_MakeEvent = Callable[..., ChangeEvent]


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
        field_of = self.field_of
        for history in histories:
            at: datetime | None = None
            items = history.get("items") or ()
            named = [(item, field_of(item, by_name)) for item in items]  # each item's field, once
            resolution = next((item for item, name in named if name == "resolution"), None)
            for item, item_field in named:
                if item_field not in relevant:
                    continue
                at = at or parse_datetime(history.get("created"))
                if at is None:
                    break
                events.extend(self._item_events(key, at, item, item_field, resolution))
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
            return [event(ChangeField.SPRINT, id_list(frm), id_list(to), frm_s, to_s)]
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
