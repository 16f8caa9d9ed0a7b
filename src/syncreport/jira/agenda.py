"""The ART sync's other two boards: ROAM risks and PI objectives, fetched by their own JQL.

Risks and objectives are issues like any other, but they are not train work: they never enter the
dependency, slippage or health figures of ``snapshot.issues``. They are fetched after the train's issues
(a few dozen issues, one search each, with their changelogs) and read by
:mod:`~syncreport.jira.agenda_items` into the snapshot's :class:`~syncreport.snapshot.Risk` and
:class:`~syncreport.snapshot.Objective` values.

Where something cannot be read (no such issue type, no business value field), the snapshot carries a
one-line note saying what to configure; the report shows it instead of inventing a number.

Over the 400-line guideline on purpose: one fetcher holds the three ways the agenda is asked (each board by
its own search; both in one search when they use their default queries; folded with the far ends into a
warm run's search for what changed, :meth:`AgendaFetcher.with_far_ends`) because they share its field list,
its changelog completion and the rule that splits one answer back into risks and objectives. Reading one
item is :mod:`~syncreport.jira.agenda_items`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from syncreport.config import Config
from syncreport.errors import JiraError, RunTimeout
from syncreport.jira import endpoints
from syncreport.jira.agenda_items import AgendaFields, AgendaReader
from syncreport.jira.endpoints import Deployment
from syncreport.jira.fields import FieldMap, optional_field, resolve_field
from syncreport.jira.paging import token_pages
from syncreport.snapshot import Objective, Risk, Snapshot, issue_order

log = logging.getLogger(__name__)

SEARCH_PAGE = 100  # Cloud's search/jql cap with fields or changelog; Data Center allows more
CHANGELOG_PAGE = 100
PLANNED_VALUE_NAMES = ("planned business value", "business value", "pi objective business value")
ACTUAL_VALUE_NAMES = ("actual business value", "delivered business value")


Together = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # (risks, objectives) from one search


@dataclass(frozen=True, slots=True)
class Agenda:
    risks: tuple[Risk, ...]
    objectives: tuple[Objective, ...]
    risk_notes: tuple[str, ...]
    objective_notes: tuple[str, ...]


def agenda_fields(
    site_fields: list[dict[str, Any]], config: Config, *, source: str = "the config"
) -> tuple[AgendaFields, list[str]]:
    """Resolve the risk and objective fields (a configured name that matches nothing is a ConfigError);
    the notes say which optional ones were not found and what to set."""
    risks, objectives, train = config.risks, config.objectives, config.train
    notes: list[str] = []

    def named(value: str | None, key: str) -> str | None:
        return resolve_field(site_fields, value, key=key, source=source) if value else None

    roam = named(risks.roam_field, "[risks].roam_field") if risks.roam_source == "field" else None
    impact = named(risks.impact_field, "[risks].impact_field")
    planned_name = objectives.planned_value_field
    if planned_name == "auto" and train.business_value_planned_field:
        planned_name = train.business_value_planned_field
    actual_name = objectives.actual_value_field
    if actual_name == "auto" and train.business_value_actual_field:
        actual_name = train.business_value_actual_field
    planned = (
        optional_field(site_fields, names=PLANNED_VALUE_NAMES, schema=None)
        if planned_name == "auto"
        else named(planned_name, "[objectives].planned_value_field")
    )
    actual = (
        optional_field(site_fields, names=ACTUAL_VALUE_NAMES, schema=None)
        if actual_name == "auto"
        else named(actual_name, "[objectives].actual_value_field")
    )
    if planned is not None and planned == actual:
        actual = None
    if planned is None:
        notes.append(
            "no planned business value field: set [objectives] planned_value_field to the field that holds "
            'an objective\'s planned business value (e.g. "Business Value")'
        )
    if actual is None:
        notes.append(
            "no actual business value field: set [objectives] actual_value_field to the field the business "
            'owners score at the end of the PI (e.g. "Actual Business Value")'
        )
    committed = None
    if objectives.committed_source in ("field", "checkbox"):
        if not objectives.committed_field:
            notes.append(
                f'[objectives] committed_source = "{objectives.committed_source}" needs committed_field '
                "(the field that says whether an objective is committed)"
            )
        else:
            committed = named(objectives.committed_field, "[objectives].committed_field")
    if risks.roam_source == "field" and not risks.roam_field:
        notes.append(
            '[risks] roam_source = "field" needs roam_field (the select field holding the ROAM state)'
        )
    return AgendaFields(roam, impact, planned, actual, committed), notes


def default_jql(projects: Sequence[str], clause: str) -> str | None:
    if not projects:
        return None
    return f"project in ({', '.join(sorted(projects))}) AND {clause}"


def _is_type(raw: Mapping[str, Any], wanted: str) -> bool:
    """Whether an issue is of this type, named as JQL matches it: by name, whatever the case, or by id."""
    kind = (raw.get("fields") or {}).get("issuetype") or {}
    if not isinstance(kind, Mapping):
        return False
    return str(kind.get("name") or "").casefold() == wanted.casefold() or str(kind.get("id") or "") == wanted


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AgendaFetcher(AgendaReader):
    """Search, complete the changelogs, normalize. ``client`` is a :class:`~syncreport.jira.client.JiraClient`."""

    def __init__(
        self,
        client: Any,
        *,
        cloud: bool,
        config: Config,
        fields: FieldMap,
        agenda: AgendaFields,
        statuses: Iterable[Mapping[str, Any]],
    ) -> None:
        super().__init__(config=config, fields=fields, agenda=agenda, statuses=statuses)
        self.client = client
        self.cloud = cloud
        self.deployment: Deployment = "cloud" if cloud else "datacenter"

    # --- searching ----------------------------------------------------------------------------------

    def request_fields(self) -> list[str]:
        extra = ["assignee", "priority", *(f for f in vars_of(self.agenda) if f)]
        return sorted(set(self.fields.request_fields()) | set(extra))

    def search(
        self, jql: str, *, complete: Callable[[Mapping[str, Any]], bool] = bool
    ) -> list[dict[str, Any]]:
        """Every issue of the JQL with its complete changelog (``changelog.histories``); issues ``complete``
        says no to keep only the histories that came inline."""
        wanted = self.request_fields()
        found: list[dict[str, Any]] = []
        if self.cloud:
            body: dict[str, Any] = {
                "jql": jql,
                "fields": wanted,
                "expand": "changelog",
                "maxResults": SEARCH_PAGE,
            }
            for page in token_pages(self.client, endpoints.CLOUD_SEARCH, body, f"the issues of {jql!r}"):
                found.extend(page.get("issues") or ())
        else:
            start = 0
            while True:
                body = {
                    "jql": jql,
                    "startAt": start,
                    "maxResults": SEARCH_PAGE,
                    "fields": wanted,
                    "expand": ["changelog"],
                }
                page = self.client.post(endpoints.DC_SEARCH, body)
                batch = list(page.get("issues") or ())
                found.extend(batch)
                start += len(batch)
                if not batch or start >= int(page.get("total") or 0):
                    break
        for raw in found:
            if complete(raw):
                raw["changelog"] = {"histories": self._complete_histories(raw)}
        return found

    def _complete_histories(self, raw: Mapping[str, Any]) -> list[dict[str, Any]]:
        changelog = raw.get("changelog") or {}
        histories = list(changelog.get("histories") or ())
        total = int(changelog.get("total") or len(histories))
        if total <= len(histories):
            return histories
        key = str(raw["key"])
        if not self.cloud:  # Data Center's issue resource returns the whole changelog
            full = self.client.get(
                endpoints.issue(self.deployment, key), {"expand": "changelog", "fields": "summary"}
            )
            return list(((full or {}).get("changelog") or {}).get("histories") or ())
        out: list[dict[str, Any]] = []
        while True:
            page = self.client.get(
                endpoints.issue_changelog(self.deployment, key),
                {"startAt": len(out), "maxResults": CHANGELOG_PAGE},
            )
            values = list((page or {}).get("values") or ())
            out.extend(values)
            if not values or (page or {}).get("isLast", True) or len(out) >= int(page.get("total") or 0):
                return out

    # --- the whole agenda ---------------------------------------------------------------------------

    def fetch(
        self,
        projects: Sequence[str],
        taken_notes: Sequence[str] = (),
        together: Together | None = None,
        *,
        asked_together: bool = False,
    ) -> Agenda:
        """The risks and objectives; ``together``: what :meth:`with_far_ends` or :meth:`ask_together` found
        of them already (``asked_together``: that one search was asked, and Jira rejected it)."""
        risk_notes: list[str] = []
        objective_notes = list(taken_notes)
        risks: tuple[Risk, ...] = ()
        objectives: tuple[Objective, ...] = ()
        rs, os_ = self.config.risks, self.config.objectives
        if together is None and not asked_together:
            together = self._together(projects)
        if not rs.enabled:
            risk_notes.append("risks are switched off ([risks] enabled = false)")
        else:
            clause = f"issuetype = {_quoted(rs.issue_type)}"
            raw = (
                together[0]
                if together is not None
                else self._selected(rs.jql, default_jql(projects, clause), "[risks] jql", risk_notes)
            )
            if raw is not None:
                risks = tuple(sorted((self.risk(r) for r in raw), key=lambda r: issue_order(r.key)))
                if not risks:
                    risk_notes.append(
                        f"no risks: no issue matches {rs.jql or default_jql(projects, clause)!r}; record risks as "
                        f'issues of type "{rs.issue_type}" or set [risks] jql to the query that finds them'
                    )
        if not os_.enabled:
            objective_notes.append("PI objectives are switched off ([objectives] enabled = false)")
        else:
            clause = (
                f"issuetype = {_quoted(os_.issue_type)}"
                if os_.source == "issuetype"
                else f"labels = {_quoted(os_.label)}"
            )
            raw = (
                together[1]
                if together is not None
                else self._selected(
                    os_.jql, default_jql(projects, clause), "[objectives] jql", objective_notes
                )
            )
            if raw is not None:
                objectives = tuple(sorted((self.objective(r) for r in raw), key=lambda o: issue_order(o.key)))
                if not objectives:
                    what = (
                        f'issues of type "{os_.issue_type}"'
                        if os_.source == "issuetype"
                        else f'issues labelled "{os_.label}"'
                    )
                    objective_notes.append(
                        f"no PI objectives: no issue matches {os_.jql or default_jql(projects, clause)!r}; record "
                        f"objectives as {what} or set [objectives] jql"
                    )
        return Agenda(risks, objectives, tuple(risk_notes), tuple(objective_notes))

    def with_far_ends(
        self, projects: Sequence[str], far_ends: Mapping[str, str], *, also: str | None = None
    ) -> tuple[Together, list[dict[str, Any]], list[dict[str, Any]]] | None:
        """The risks and objectives (when :meth:`_together` would find them in one search) and the far ends
        of the train's links (key -> id, "" when unknown), in one search: ``(<the agenda's query>) OR key
        in (...)``, with ``also`` (another query, OR-ed) when given. Each answer is split by what it is: of
        a risk's or objectives's type in the train's projects (its changelog completed); else a far end
        when asked for (by key, or by id: a moved issue answers under its new key) or, without ``also``,
        whatever else came. Returns (risks and objectives, far ends, every answer); None when that cannot
        be one search, or when Jira rejects it (Cloud refuses a key it cannot see; a type the site lacks):
        each is then asked apart, so the vanished far end and the missing type still get their own note."""
        jql = self._together_jql(projects)
        if jql is None:
            return None
        rs, os_ = self.config.risks, self.config.objectives
        wanted = {p.casefold() for p in projects}

        def in_agenda(raw: Mapping[str, Any]) -> bool:
            project = (raw.get("fields") or {}).get("project") or {}
            in_projects = isinstance(project, Mapping) and str(project.get("key") or "").casefold() in wanted
            return in_projects and (_is_type(raw, rs.issue_type) or _is_type(raw, os_.issue_type))

        ids = set(far_ends.values()) - {""}

        def far_end(raw: Mapping[str, Any]) -> bool:
            if str(raw.get("key")) in far_ends or str(raw.get("id")) in ids:
                return True
            return also is None and not in_agenda(raw)

        parts = [f"({also})"] if also else []
        parts.append(f"({jql})")
        if far_ends:
            parts.append(f"key in ({', '.join(sorted(far_ends))})")
        try:
            found = self.search(" OR ".join(parts), complete=in_agenda)
        except RunTimeout:
            raise
        except JiraError:
            return None
        agenda = [r for r in found if in_agenda(r)]
        ends = [dict(r) for r in found if far_end(r)]
        for raw in ends:
            raw.pop("changelog", None)  # a far end is read without its changelog
        together = (
            [r for r in agenda if _is_type(r, rs.issue_type)],
            [r for r in agenda if _is_type(r, os_.issue_type)],
        )
        return together, ends, found

    def can_go_together(self, projects: Sequence[str]) -> bool:
        """Whether the risks and objectives are found by one search, which others can join."""
        return self._together_jql(projects) is not None

    def _together_jql(self, projects: Sequence[str]) -> str | None:
        rs, os_ = self.config.risks, self.config.objectives
        if not (rs.enabled and os_.enabled and projects and os_.source == "issuetype") or rs.jql or os_.jql:
            return None
        types = f"{_quoted(rs.issue_type)}, {_quoted(os_.issue_type)}"
        return f"project in ({', '.join(sorted(projects))}) AND issuetype in ({types})"

    def ask_together(self, projects: Sequence[str]) -> Together | None:
        """The one search for both, asked now (a pull starts it while it builds the snapshot)."""
        return self._together(projects)

    def _together(self, projects: Sequence[str]) -> Together | None:
        """(risks, objectives) from one search when both are found by their default query by issue type:
        ``project in (...) AND issuetype in (risk type, objective type)`` matches what the two queries
        match together, and each issue's type says which list it is in (JQL matches a type by its name,
        whatever the case, or by its id). None when they are not both found that way, or when Jira rejects
        the query (a type the site lacks): then each is asked apart, and a rejected one becomes its note."""
        rs, os_ = self.config.risks, self.config.objectives
        jql = self._together_jql(projects)
        if jql is None:
            return None
        try:
            found = self.search(jql)
        except RunTimeout:
            raise
        except JiraError:
            return None
        return [r for r in found if _is_type(r, rs.issue_type)], [
            r for r in found if _is_type(r, os_.issue_type)
        ]

    def _selected(
        self, configured: str | None, default: str | None, key: str, notes: list[str]
    ) -> list[dict[str, Any]] | None:
        if configured:
            try:
                return self.search(configured)
            except JiraError as exc:  # the user's own JQL: its error is theirs to see, naming the right key
                raise JiraError(
                    exc.message.replace("the train's JQL", key).replace("[train].jql", key),
                    status=exc.status,
                    jira_messages=exc.jira_messages,
                ) from None
        if default is None:
            notes.append(f"the train has no issues, so there is no project to look in: set {key}")
            return None
        try:
            return self.search(default)
        except JiraError as exc:  # e.g. the issue type does not exist on this site
            said = exc.message.replace("Jira rejected the train's JQL", "Jira rejected it").split(": fix")[0]
            notes.append(f"the default query {default!r} failed ({said}); set {key}")
            return None


def vars_of(agenda: AgendaFields) -> list[str | None]:
    return [agenda.roam, agenda.impact, agenda.planned, agenda.actual, agenda.committed]


def add_agenda(
    snapshot: Snapshot,
    client: Any,
    *,
    cloud: bool,
    config: Config,
    fields: FieldMap,
    site_fields: list[dict[str, Any]],
    statuses: Iterable[Mapping[str, Any]],
    source: str = "the config",
    together: Together | None = None,
    asked_together: bool = False,
) -> Snapshot:
    """The snapshot with its risks and objectives (and the notes on what could not be read); ``together``:
    what :meth:`AgendaFetcher.with_far_ends` or :meth:`AgendaFetcher.ask_together` found of them already
    (``asked_together``: the latter was asked and Jira rejected it: each is asked apart)."""
    agenda, notes = agenda_fields(site_fields, config, source=source)
    fetcher = AgendaFetcher(
        client, cloud=cloud, config=config, fields=fields, agenda=agenda, statuses=statuses
    )
    projects = sorted({i.project for i in snapshot.issues if i.in_train and i.project})
    found = fetcher.fetch(projects, notes, together, asked_together=asked_together)
    log.info("fetched %d risks and %d PI objectives", len(found.risks), len(found.objectives))
    # A train JQL that also matches the risks or objectives (project in (...) alone does) must not count
    # them as train work: they would be orphans, unscheduled work, late providers.
    # Only issues of the risk / objective issue type (or with the objective label) are left out: a JQL of
    # your own may well select train work as well, and that stays train work.
    types = {config.risks.issue_type.casefold()}
    if config.objectives.source == "issuetype":
        types.add(config.objectives.issue_type.casefold())
    label = config.objectives.label if config.objectives.source == "label" else None
    found_keys = {r.key for r in found.risks} | {o.key for o in found.objectives}
    keys = {
        i.key
        for i in snapshot.issues
        if i.key in found_keys and (i.issue_type.casefold() in types or (label and label in i.labels))
    }
    if keys:
        log.info("risks and PI objectives matched by the train's JQL are left out of the train's work")
        snapshot = replace(
            snapshot,
            issues=tuple(i for i in snapshot.issues if i.key not in keys),
            changes=snapshot.change_log.without_issues(keys),
            links=tuple(
                link
                for link in snapshot.links
                if link.provider_key not in keys and link.consumer_key not in keys
            ),
        )
    return replace(
        snapshot,
        risks=found.risks,
        objectives=found.objectives,
        risk_notes=found.risk_notes,
        objective_notes=found.objective_notes,
    )
