"""One risk or PI objective, from its raw Jira issue and changelog: the values the agenda's boards show.

Pure functions, no HTTP (the searching is :mod:`syncreport.jira.agenda`'s): a risk's ROAM state now and
since when (read from its status, a field or a label, as ``[risks].roam_source`` says), an objective's
planned and actual business value and whether it was committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncreport.config import DEFAULT_ROAM_NAMES, Config, ObjectiveSettings, RiskSettings
from syncreport.jira.builder import status_maps
from syncreport.jira.fields import FieldMap
from syncreport.jira.normalize import Normalizer
from syncreport.jira.values import parse_datetime, value_name, value_number
from syncreport.snapshot import ROAM_STATES, Objective, Risk, issue_order


@dataclass(frozen=True, slots=True)
class AgendaFields:
    """The ids of the fields risks and objectives need (None: not configured or not on this site)."""

    roam: str | None = None
    impact: str | None = None
    planned: str | None = None
    actual: str | None = None
    committed: str | None = None


class AgendaReader:
    """Reads risks and objectives with the train's config, field map and the site's statuses."""

    def __init__(
        self, *, config: Config, fields: FieldMap, agenda: AgendaFields, statuses: Iterable[Mapping[str, Any]]
    ) -> None:
        self.config = config
        self.fields = fields
        self.agenda = agenda
        by_id, by_name = status_maps(statuses)
        self.categories = by_id
        self.normalizer = Normalizer(config.train, fields, by_id, by_name)

    # --- one risk -----------------------------------------------------------------------------------

    def risk(self, raw: Mapping[str, Any]) -> Risk:
        f = raw.get("fields") or {}
        issue = self.normalizer.issue(raw, in_train=False)
        settings = self.config.risks
        names = roam_names(settings)
        histories = sorted(
            (raw.get("changelog") or {}).get("histories") or (),
            key=lambda h: parse_datetime(h.get("created")) or issue.created,
        )
        state, unknown = self._roam_now(f, issue.status, issue.status_category, names)
        since = self._roam_since(histories, state, issue.created, names) if state else None
        impact = self.agenda.impact
        return Risk(
            key=issue.key,
            summary=issue.summary,
            status=issue.status,
            status_category=issue.status_category,
            created=issue.created,
            team=issue.team,
            owner=value_name((f.get("assignee") or {}).get("displayName")),
            roam=state,
            roam_since=since,
            roam_unknown=unknown,
            priority=value_name(f.get(impact)) if impact else value_name(f.get("priority")),
            linked_keys=_linked(f),
        )

    def _roam_now(
        self, f: Mapping[str, Any], status: str, category: str, names: Mapping[str, str]
    ) -> tuple[str | None, str | None]:
        """(the ROAM state, the value read that maps to none: for a finding)."""
        source = self.config.risks.roam_source
        if source == "status":
            state = names.get(status.casefold())
            return (state or ("resolved" if category == "done" else None)), None
        if source == "field":
            if not self.agenda.roam:
                return None, None
            value = value_name(f.get(self.agenda.roam))
            if value is None:
                return None, None
            state = names.get(value.casefold())
            return state, None if state else value
        prefix = self.config.risks.roam_label_prefix.casefold()
        states = [
            (names.get(label.casefold()[len(prefix) :]), label)
            for label in f.get("labels") or ()
            if str(label).casefold().startswith(prefix)
        ]
        known = [s for s, _ in states if s]
        if known:
            return known[0], None
        return None, states[0][1] if states else None

    def _roam_since(
        self,
        histories: Sequence[Mapping[str, Any]],
        state: str,
        created: datetime,
        names: Mapping[str, str],
    ) -> datetime:
        """When the risk last entered ``state``: the latest change into it from another state (else created)."""
        since = created
        previous: str | None = None
        for history in histories:
            at = parse_datetime(history.get("created"))
            if at is None:
                continue
            for item in history.get("items") or ():
                new = self._item_state(item, names)
                if new is _NOT_ROAM:
                    continue
                if new == state and previous != state:
                    since = at
                previous = new if isinstance(new, str) or new is None else previous
        return since

    def _item_state(self, item: Mapping[str, Any], names: Mapping[str, str]) -> str | object | None:
        """The ROAM state a changelog item moves the risk into; _NOT_ROAM when the item is about another field."""
        source = self.config.risks.roam_source
        field = str(item.get("field") or "").casefold()
        field_id = str(item.get("fieldId") or "")
        if source == "status":
            if field != "status":
                return _NOT_ROAM
            to_name = str(item.get("toString") or "")
            state = names.get(to_name.casefold())
            if state is None and self.categories.get(str(item.get("to"))) == "done":
                return "resolved"
            return state
        if source == "field":
            roam = self.agenda.roam
            own_name = self.fields.names.get(roam or "", "").casefold()
            if not roam or not (field_id == roam or (not field_id and field == own_name)):
                return _NOT_ROAM
            return names.get(str(item.get("toString") or "").casefold())
        if field != "labels":
            return _NOT_ROAM
        prefix = self.config.risks.roam_label_prefix.casefold()
        for label in str(item.get("toString") or "").split():
            if label.casefold().startswith(prefix):
                state = names.get(label.casefold()[len(prefix) :])
                if state:
                    return state
        return None

    # --- one objective ------------------------------------------------------------------------------

    def objective(self, raw: Mapping[str, Any]) -> Objective:
        f = raw.get("fields") or {}
        issue = self.normalizer.issue(raw, in_train=False)
        a = self.agenda
        return Objective(
            key=issue.key,
            summary=issue.summary,
            status=issue.status,
            status_category=issue.status_category,
            team=issue.team,
            pi=issue.pi,
            planned_value=value_number(f.get(a.planned)) if a.planned else None,
            actual_value=value_number(f.get(a.actual)) if a.actual else None,
            committed=commitment(
                self.config.objectives,
                f.get("labels") or (),
                f.get(a.committed) if a.committed else None,
                self.fields.names.get(a.committed or "", ""),
            ),
            linked_keys=_linked(f),
        )


_NOT_ROAM = object()


def roam_names(settings: RiskSettings) -> dict[str, str]:
    """casefolded name -> ROAM state; the English state names themselves always count."""
    out: dict[str, str] = {}
    for state in ROAM_STATES:
        for name in (state, *getattr(settings, state), *DEFAULT_ROAM_NAMES[state][:1]):
            out.setdefault(str(name).casefold(), state)
    return out


def commitment(
    settings: ObjectiveSettings, labels: Iterable[Any], value: Any, field_name: str = ""
) -> bool | None:
    """Committed (True), uncommitted (False) or unknown (None), read as ``committed_source`` says."""
    if settings.committed_source == "label":
        return settings.uncommitted_label.casefold() not in {str(x).casefold() for x in labels}
    yes = {v.casefold() for v in settings.committed_values}
    no = {v.casefold() for v in settings.uncommitted_values}
    if settings.committed_source == "field":
        name = value_name(value)
        if name is None:
            return None
        folded = name.casefold()
        return True if folded in yes else False if folded in no else None
    checked = {
        str(value_name(v) or "").casefold() for v in (value if isinstance(value, list) else [value]) if v
    }
    if checked & no:
        return False
    if checked & yes:
        return True
    if checked:
        return None
    # nothing ticked: a box named "Uncommitted" left empty means committed, a box "Committed" uncommitted
    return "uncommitted" in field_name.casefold()


def _linked(f: Mapping[str, Any]) -> tuple[str, ...]:
    keys = set()
    for link in f.get("issuelinks") or ():
        other = link.get("outwardIssue") or link.get("inwardIssue")
        if other and other.get("key"):
            keys.add(str(other["key"]))
    return tuple(sorted(keys, key=issue_order))
