"""Cloud search's eventual consistency: what the search index shows a moment after an edit.

Atlassian, "Search After Write with Search And Reconcile" (developer.atlassian.com/cloud/jira/platform/
search-and-reconcile): "The API doesn't provide read-after-write consistency by default. That is, after a
write operation is performed, subsequent search operations using the API without the reconcileIssues
parameter may return stale or outdated data instead of the most recent updates for some time. The delay
might vary from a few seconds to minutes". The issue resources (GET issue, issue/bulkfetch, the changelog
endpoints) read the issues themselves, not the index: they are current.

With ``search_lag_s`` set (a simulator knob; 0 = off, the default), every edit made through the simulator's
handle is kept here: search/jql and approximate-count see each issue as it was before its first edit younger
than the lag (on the simulator's clock), and an issue deleted less than the lag ago is still found. Ids in a
search's ``reconcileIssues`` ("Strong consistency issue ids to be reconciled with search results. Accepts max
50 ids") are seen as they are now.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from syncreport.simulator.model import Issue

RECONCILE_MAX = 50


def _copy(issue: Issue) -> Issue:
    """The issue as it is now, apart from later in-place changes (lists are copied)."""
    return replace(
        issue,
        sprints=list(issue.sprints),
        pis=list(issue.pis),
        labels=list(issue.labels),
        histories=list(issue.histories),
    )


class SearchIndex:
    """The stale side of the search index: copies of issues as they were before recent edits."""

    def __init__(self) -> None:
        self.lag_s = 0.0
        self._edits: dict[int, list[tuple[datetime, Issue]]] = {}  # id -> (edited at, the issue before)
        self._deleted: list[tuple[datetime, Issue]] = []  # (deleted at, the issue as it was)

    def before_edit(self, issue: Issue, at: datetime) -> None:
        """Call before changing ``issue`` (at the simulator's ``at``): search keeps showing it a while."""
        if self.lag_s > 0:
            self._edits.setdefault(issue.id, []).append((at, _copy(issue)))

    def deleted(self, issue: Issue, at: datetime) -> None:
        if self.lag_s > 0:
            self._deleted.append((at, _copy(issue)))

    def view(
        self, current: list[Issue], now: datetime, reconcile: frozenset[int]
    ) -> tuple[list[Issue], bool]:
        """The issues search sees at ``now`` (each current one, or its copy from before its first edit that
        search does not see yet; deleted issues not yet dropped from the index), and whether any is stale."""
        cutoff = now - timedelta(seconds=self.lag_s)
        self._forget(cutoff)
        if not self._edits and not self._deleted:
            return current, False
        stale: dict[int, Issue] = {}
        for issue_id, edits in self._edits.items():
            if issue_id not in reconcile:
                stale[issue_id] = next(before for at, before in edits if at > cutoff)
        seen = [stale.get(i.id, i) for i in current]
        seen += [gone for at, gone in self._deleted if at > cutoff and gone.id not in reconcile]
        seen.sort(key=lambda issue: issue.id)
        return seen, bool(stale) or len(seen) > len(current)

    def version(self, now: datetime) -> tuple[int, int]:
        """Changes whenever what :meth:`view` shows changes (for caching query results)."""
        cutoff = now - timedelta(seconds=self.lag_s)
        self._forget(cutoff)
        return sum(len(e) for e in self._edits.values()), len(self._deleted)

    def _forget(self, cutoff: datetime) -> None:
        """Drop what search sees by now (edits and deletions older than the lag)."""
        for issue_id in list(self._edits):
            kept = [(at, before) for at, before in self._edits[issue_id] if at > cutoff]
            if kept:
                self._edits[issue_id] = kept
            else:
                del self._edits[issue_id]
        self._deleted = [(at, gone) for at, gone in self._deleted if at > cutoff]
