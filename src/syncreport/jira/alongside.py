"""The far ends and the risks and PI objectives, asked alongside: in one search, and on a warm Cloud run
in the search for what changed, which the run makes anyway.

Every run needs three small things besides the train's issues: what changed since the last run (a warm
run), the far ends of the train's links (by key) and the risks and PI objectives (the agenda's query).
They are one search where Jira allows it: ``(<what changed>) OR (<the agenda's query>) OR key in (<far
ends>)`` (:meth:`~syncreport.jira.agenda.AgendaFetcher.with_far_ends`), each answer split by what it is.

- The far ends are known only once the train's issues are in, so the search for what changed names the
  ones the last run asked (remembered in the cache with their ids, so a far end moved since is still
  recognised under its new key); it is used only when they are still the far ends and the train's projects
  are the same, else the far ends and the agenda are asked after the train's issues, in one search.
- Cloud's search rejects a key it cannot see (a project the account may not browse, a deleted issue):
  the far ends the last full ask did not bring are left out for a day (:data:`UNSEEN_MAX_AGE_S`), then
  every far end is asked apart again. A rejected search falls back to asking each apart (the far ends by
  key, 100 a request, tolerating missing keys), so a vanished far end keeps its finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from syncreport.jira.agenda import AgendaFetcher, Together, agenda_fields
from syncreport.jira.builder import SnapshotBuilder
from syncreport.jira.fields import FieldMap

if TYPE_CHECKING:
    from syncreport.jira.fetch import PullRun

UNSEEN = "unseen_far_ends"  # far-end keys the last full ask of them did not bring
ASKED = "far_ends_asked"  # the far ends (key, id) and the train's projects the last run asked about
UNSEEN_MAX_AGE_S = 24 * 3600  # then every far end is asked apart again (a permission may be granted)


class Alongside:
    """The far ends and the agenda of one pull."""

    def __init__(self, run: PullRun) -> None:
        self.run = run
        self.cache = run.cache
        self._asked_apart: set[str] | None = None  # every far end, when asked apart this run
        self._rejected = False  # Jira rejected a search naming far ends this run
        self._keys: dict[str, str] = {}  # the far ends this run needed (key -> id as the links said)
        # What the search for what changed brought besides (Cloud): asked far ends and projects, answers
        self._early: tuple[dict[str, str], list[str], Together, list[dict[str, Any]]] | None = None

    def fetcher(self, fields: FieldMap) -> AgendaFetcher:
        run = self.run
        site_fields = self.cache.get_meta("fields")
        agenda, _ = agenda_fields(list(site_fields[0]) if site_fields else [], run.config, source=run.source)
        return AgendaFetcher(
            run.client,
            cloud=run.deployment == "cloud",
            config=run.config,
            fields=fields,
            agenda=agenda,
            statuses=run.site.statuses(force=False),
        )

    def _unseen(self) -> set[str] | None:
        """The far ends the last full ask did not bring; None when that is unknown or a day old."""
        memo = self.cache.get_meta(UNSEEN)
        if memo is None or self.run.puller.epoch() - memo[1] >= UNSEEN_MAX_AGE_S:
            return None
        return set(memo[0])

    # --- in the search for what changed (Cloud, warm) -------------------------------------------------

    def with_changed(self, jql: str, fields: FieldMap) -> list[dict[str, Any]] | None:
        """The answers of ``(jql) OR <the agenda> OR key in (<the far ends the last run asked>)``, whose
        ids and ``updated`` tell what changed; the far ends and the agenda are kept for later. None when
        that is not possible (no memo yet) or Jira rejected it: then ask ``jql`` alone."""
        unseen, asked = self._unseen(), self.cache.get_meta(ASKED)
        if unseen is None or asked is None:
            return None
        try:
            ends = {str(k): str(i) for k, i in asked[0]["far_ends"] if k not in unseen}
            projects = [str(p) for p in asked[0]["projects"]]
        except (KeyError, TypeError, ValueError):  # a memo of another shape: not ours to read
            return None
        fetcher = self.fetcher(fields)
        if not fetcher.can_go_together(projects):
            return None
        found = fetcher.with_far_ends(projects, ends, also=jql)
        if found is None:
            self._rejected = True
            return None
        together, far, every = found
        self._early = (ends, projects, together, far)
        return every

    # --- after the train's issues ---------------------------------------------------------------------

    def far_ends_and_agenda(
        self, builder: SnapshotBuilder, fields: FieldMap
    ) -> tuple[list[dict[str, Any]], Together | None]:
        """The far ends and, when they came with them, the risks and PI objectives (else None: the agenda
        is asked at the end)."""
        run = self.run
        keys = sorted(builder.far_end_keys())
        projects = sorted({i.project for i in builder.issues.values() if i.in_train and i.project})
        unseen = self._unseen()
        ask = [k for k in keys if unseen is None or k not in unseen]
        early, self._early = self._early, None
        self._keys = {k: builder.end_id(k) for k in keys}
        if early is not None and set(ask) <= set(early[0]) and projects == early[1]:
            far = _the_asked(early[3], ask, builder)
            run.stats.far_ends = len(far)
            return far, early[2]
        self._keys = {k: builder.end_id(k) for k in keys}
        if unseen is not None and ask and not run.far_ends.started and not self._rejected:
            found = self.fetcher(fields).with_far_ends(projects, {k: builder.end_id(k) for k in ask})
            if found is not None:
                run.stats.far_ends = len(found[1])
                return found[1], found[0]
        self._asked_apart = set(keys)
        return run.far_ends.fetch(builder, fields), None

    def remember(self, builder: SnapshotBuilder) -> None:
        """What the next run asks alongside: the far ends (with their ids) and the train's projects; after
        a run that asked every far end apart, the ones Jira did not return."""
        projects = sorted({i.project for i in builder.issues.values() if i.in_train and i.project})
        ends = sorted(self._keys.items())
        self.cache.put_meta(ASKED, {"far_ends": ends, "projects": projects})
        if self._asked_apart is not None:
            missing = sorted(k for k in self._asked_apart if builder.current_key(k) not in builder.issues)
            self.cache.put_meta(UNSEEN, missing)


def _the_asked(
    found: list[dict[str, Any]], keys: list[str], builder: SnapshotBuilder
) -> list[dict[str, Any]]:
    """Of the far ends the search brought, those that are far ends now (by key, or by id: a far end moved
    since answers under its new key)."""
    wanted_keys = set(keys)
    wanted_ids = {builder.end_id(k) for k in keys} - {""}
    return [r for r in found if _key(r) in wanted_keys or str(r.get("id")) in wanted_ids]


def _key(raw: Mapping[str, Any]) -> str:
    return str(raw.get("key") or "")
