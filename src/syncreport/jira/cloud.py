"""Jira Cloud's dialect of the pull: the enhanced search (/rest/api/3/search/jql, by token) and bulk fetches.

- **Scope**: the train's ids in search/jql pages of up to 5,000 (ids only: the only page Cloud serves that
  large). A warm run asks separately for what changed since the last run's watermark (``updated >=`` the
  latest ``updated`` stored, less :data:`~syncreport.jira.since.UPDATED_MARGIN` for search's eventual consistency, in the API
  user's time zone); without a watermark yet, the listing carries ``updated`` for every issue.
- **Changed issues**: issue/bulkfetch 100 at a time (issues it lists in issueErrors are asked again) and
  changelog/bulkfetch up to 1,000 issues a request, paged by token (complete histories); the fetch of a
  page of ids starts while the next page loads (:class:`_CloudFetcher`).
- **Far ends** by key: issue/bulkfetch. **Counts**: search/approximate-count.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from datetime import datetime, timedelta
from queue import SimpleQueue
from typing import Any

from syncreport.jira import lean_json
from syncreport.jira.builder import linked_keys
from syncreport.jira.dialect import RunContext, chunks, scope_page
from syncreport.jira.endpoints import (
    BULK_ISSUES,
    CHANGELOG_BULK_ISSUES,
    CHANGELOG_PAGE,
    CLOUD_BULK_CHANGELOGS,
    CLOUD_COUNT,
    CLOUD_ID_PAGE,
    CLOUD_SEARCH,
    RECONCILE_ISSUES,
    Deployment,
)
from syncreport.jira.fields import FieldMap
from syncreport.jira.paging import PageGuard, token_pages
from syncreport.jira.since import Since
from syncreport.jira.values import parse_datetime
from syncreport.snapshot import StaleSearch

log = logging.getLogger(__name__)

SCOPE_FIELDS = ["updated"]


class CloudDialect:
    """The Cloud side of :class:`~syncreport.jira.dialect.Dialect`."""

    deployment: Deployment = "cloud"

    def __init__(self, run: RunContext) -> None:
        self.run = run
        self.client = run.client
        self.cache = run.cache
        self.config = run.config
        # ids search listed that are gone when asked consistently (deleted a moment before the run)
        self._gone: set[str] = set()
        self._lock = threading.Lock()  # _gone, added to from pool threads
        self._searched: dict[str, str] = {}  # id -> the ``updated`` search showed, for the issues fetched
        self.since = Since(self.client, self.cache, "cloud", self.config.train.jql)
        self._first_ids: Future[Any] | None = None  # the first page of ids, asked by start()

    def start(self) -> None:
        """The user's time zone (a cold run), and the first page of the train's ids, asked at once: a cold
        run lists ids only, and so does a warm one with a watermark (beside its search for what changed),
        so the listing need not wait for the field list or that search."""
        self.since.start(self.run.pool)
        if not self.cache.has_issues() or self.since.since() is not None:
            body = self._ids_body(with_updated=False, jql=None, reconcile=())
            self._first_ids = self.run.pool.submit(self.client.post, CLOUD_SEARCH, body)

    def count(self, jql: str) -> int:
        return int(self.client.post(CLOUD_COUNT, {"jql": jql}).get("count") or 0)

    def by_keys(self, wanted: list[str]) -> Callable[[Sequence[str]], list[dict[str, Any]]]:
        def fetch(batch: Sequence[str]) -> list[dict[str, Any]]:
            return self.client.bulk_issues(list(batch), wanted)

        return fetch

    def scope_pages(
        self, *, with_updated: bool, jql: str | None = None, reconcile: Sequence[int] = ()
    ) -> Iterator[dict[str, str]]:
        """Pages of id -> updated for the train's JQL (or ``jql``) (search/jql, by token).

        Without ``with_updated`` only ids are asked: the only page Cloud serves 5,000 at a time ("the greatest
        number of items returned per page is achieved when requesting id or key only"); ``updated`` is then
        "". With it, pages are far smaller (100 on today's sites). Page sizes may change without notice: the
        loop follows the tokens, whatever size comes back.
        """
        body = self._ids_body(with_updated=with_updated, jql=jql, reconcile=reconcile)
        asked = None
        if self._first_ids is not None and body == self._ids_body(with_updated=False, jql=None, reconcile=()):
            asked, self._first_ids = self._first_ids, None
        pages = token_pages(
            self.client,
            CLOUD_SEARCH,
            body,
            "the train's issues (search/jql)",
            first=asked.result if asked is not None else None,
        )
        for page in pages:
            yield scope_page(page, "search/jql")

    def _ids_body(self, *, with_updated: bool, jql: str | None, reconcile: Sequence[int]) -> dict[str, Any]:
        body: dict[str, Any] = {"jql": jql or self.config.train.jql, "maxResults": CLOUD_ID_PAGE}
        if with_updated:
            body["fields"] = SCOPE_FIELDS
        if reconcile:
            body["reconcileIssues"] = list(reconcile)
        return body

    def scope_and_fetch(self, fields: FieldMap) -> dict[str, str]:
        """Page the ids and start fetching each page's changed issues while the next page loads."""
        run = self.run
        run.progress.stage("Fetching issues with complete changelogs", 0)
        versions = self.cache.versions()
        sig = fields.signature()
        scope: dict[str, str] = {}
        # A warm run lists ids only and asks separately for what changed since the last run (few issues);
        # without a watermark yet (the first warm run), the listing carries ``updated`` for every issue.
        recent = self.updated_since(fields) if versions else None
        before = set(self.cache.get_scope(self.config.train.jql) or ())
        fetcher = _CloudFetcher(run, fields, recheck=self.still_listed)
        try:
            for page in self.scope_pages(with_updated=bool(versions) and recent is None):
                if recent is not None:
                    page = {i: recent.get(i) or versions.get(i, ("", ""))[0] for i in page}
                    # new to the scope: it may have changed while outside it, before the watermark
                    changed = [i for i, u in page.items() if versions.get(i) != (u, sig) or i not in before]
                    self._searched.update((i, recent[i]) for i in changed if recent.get(i))
                else:
                    changed = [i for i, updated in page.items() if versions.get(i) != (updated, sig)]
                    self._searched.update((i, page[i]) for i in changed if page[i])
                scope.update(page)
                run.progress.grow(len(changed))
                fetcher.submit(changed)
                if changed:
                    run.issues_asked()
            # Every issue of the scope fetched (a cold run): the far ends are known once the last issue
            # answer is in, before its unit is stored; otherwise they are fetched after the cached rows.
            whole_scope = fetcher.submitted == len(scope)
            fetcher.collect(
                (lambda far, keys: run.start_far_ends(far, fields, keys)) if whole_scope else None
            )
        finally:
            fetcher.cancel()
        for gone in self._gone:
            scope.pop(gone, None)
        run.stats.in_scope = len(scope)
        run.stats.fetched = fetcher.submitted
        run.stats.from_cache = len(scope) - fetcher.submitted
        self.since.put_mark(scope)
        return scope

    def stale_search(self) -> list[StaleSearch]:
        """Where the pull saw search behind the issues: issues it listed that are gone, and fetched issues
        whose own ``updated`` is later than the one search showed (an edit search did not have yet, so
        others may be missing too)."""
        found = [
            StaleSearch(
                f"id {i}", "search still listed it, but the issue is gone (deleted or moved a moment ago)"
            )
            for i in sorted(self._gone, key=int)
        ]
        versions = self.cache.versions() if self._searched else {}
        behind: dict[str, tuple[datetime, datetime]] = {}
        for issue_id, shown in self._searched.items():
            now = parse_datetime(versions[issue_id][0]) if issue_id in versions else None
            then = parse_datetime(shown)
            # more than a second apart: search and the issue resources may write ``updated`` with another
            # precision, and a lag worth a finding is seconds to minutes
            if now is not None and then is not None and now - then > timedelta(seconds=1):
                behind[issue_id] = (now, then)
        rows = self.cache.get_issues(list(behind)) if behind else {}
        for issue_id, (now, then) in behind.items():
            key = rows[issue_id].key if issue_id in rows else f"id {issue_id}"
            detail = f"updated {now:%Y-%m-%d %H:%M:%S} UTC; search still showed {then:%H:%M:%S} UTC"
            found.append(StaleSearch(key, detail))
        return found

    def still_listed(self, ids: list[str]) -> set[str]:
        """Of these ids (the train's search listed them, issue/bulkfetch did not return them), those the
        search still lists when asked consistently: the train's JQL, ids only, with ``reconcileIssues``
        ("Strong consistency issue ids to be reconciled with search results. Accepts max 50 ids"). The
        others were deleted or moved out of the train a moment ago: search is eventually consistent, the
        issue resources are not; they leave the scope (docs/jira-notes.md)."""
        listed = {i for i in ids if not i.isdigit()}  # a key cannot be reconciled: keep it missing
        numeric = [i for i in ids if i.isdigit()]
        for chunk in chunks(numeric, RECONCILE_ISSUES):
            wanted = set(chunk)
            for page in self.scope_pages(with_updated=False, reconcile=[int(i) for i in chunk]):
                listed |= wanted.intersection(page)
        gone = set(numeric) - listed
        if gone:
            log.info(
                "%d issue(s) the train's search listed are gone when asked again consistently (deleted or "
                "moved a moment ago): left out (ids %s)", len(gone), ", ".join(sorted(gone)[:10]),
            )  # fmt: skip
            with self._lock:
                self._gone |= gone
        return listed

    def updated_since(self, fields: FieldMap) -> dict[str, str] | None:
        """id -> updated of the train's issues updated since the last run's watermark (less a margin:
        :mod:`syncreport.jira.since`); None without a watermark. The same search brings the far ends and
        the agenda when it can (:mod:`syncreport.jira.alongside`): its other answers' ids are not the
        train's, and the scope's listing decides which ids count."""
        jql = self.since.jql_since()
        if jql is None:
            return None
        found = self.run.alongside.with_changed(jql, fields)
        if found is not None:
            return scope_page({"issues": found}, "search/jql")
        recent: dict[str, str] = {}
        for page in self.scope_pages(with_updated=True, jql=jql):
            recent.update(page)
        return recent


class _CloudFetcher:
    """Cloud's changed issues, in units of up to 1,000: each unit is one changelog job (changelog/bulkfetch,
    paged by token, complete histories) and issue jobs (issue/bulkfetch, 100 a request). Jobs run in the
    pool; a unit's rows are stored, in one transaction, when all its jobs are in. At most
    ``2 x concurrency`` units are in flight, so answers never pile up in memory faster than they are stored."""

    def __init__(
        self, run: RunContext, fields: FieldMap, *, recheck: Callable[[list[str]], set[str]] | None = None
    ) -> None:
        self.run = run
        self.recheck = recheck  # which ids issue/bulkfetch left out the search still lists (consistently)
        self.client = run.client
        self.wanted = fields.request_fields()
        self.sig = fields.signature()
        self.max_active = 2 * run.config.jira.concurrency
        self.waiting: deque[Sequence[str]] = deque()
        self.futures: dict[Future[Any], tuple[str, int]] = {}
        self.done: SimpleQueue[Future[Any]] = SimpleQueue()  # futures as they finish, in that order
        self.issues: dict[int, list[dict[str, Any]]] = {}
        self.logs: dict[int, dict[str, list[dict[str, Any]]]] = {}
        self.pending: dict[int, int] = {}  # unit -> jobs not yet answered
        self.ready: deque[int] = deque()  # units whose jobs are all answered, not stored yet
        self.issue_jobs = 0  # issue/bulkfetch jobs not yet answered
        self.on_all_issues: Callable[[set[str], set[str]], None] | None = None
        self.keys: set[str] = set()  # of the issues fetched, while on_all_issues waits
        self.link_ends: set[str] = set()  # ... and the other ends of their dependency links
        self.next_unit = 0
        self.submitted = 0

    def submit(self, ids: list[str]) -> None:
        """Queue these ids (one page of the scope) and start as many units as the limit allows."""
        if not ids:
            return
        first = self.submitted == 0
        self.submitted += len(ids)
        per_worker = -(-len(ids) // self.run.config.jira.concurrency)
        size = min(CHANGELOG_BULK_ISSUES, max(BULK_ISSUES, -(-per_worker // BULK_ISSUES) * BULK_ISSUES))
        if first and size > BULK_ISSUES:
            # The first unit small (one changelog page): the pull starts storing and normalizing one
            # round trip after the ids come in, instead of after a whole chain of changelog pages.
            self.waiting.append(ids[:BULK_ISSUES])
            ids = ids[BULK_ISSUES:]
        self.waiting.extend(chunks(ids, size))
        self._fill()

    def _fill(self) -> None:
        while self.waiting and len(self.pending) + len(self.ready) < self.max_active:
            unit, n = self.waiting.popleft(), self.next_unit
            self.next_unit += 1
            batches = chunks(unit, BULK_ISSUES)
            self.issues[n] = []
            self.pending[n] = 1 + len(batches)
            self._submit("changelog", n, self._changelogs, unit)  # the long chain first
            for batch in batches:
                self._submit("issues", n, self._issues, batch)
            self.issue_jobs += len(batches)

    def _submit(self, kind: str, unit: int, fn: Callable[[Sequence[str]], Any], ids: Sequence[str]) -> None:
        future = self.run.pool.submit(fn, ids)
        self.futures[future] = (kind, unit)
        future.add_done_callback(self.done.put)

    def collect(self, on_all_issues: Callable[[set[str], set[str]], None] | None = None) -> None:
        """Take answers as they come and store each whole unit. Answers that came in are taken before the
        next unit is stored, so ``on_all_issues`` (called with the far ends of the issues' dependency links
        and the issues' keys once the last issue/bulkfetch answer is in) fires while the last units are
        still being stored."""
        self.on_all_issues = on_all_issues
        while self.futures or self.ready:
            if not self.ready or not self.done.empty():
                self._receive(self.done.get())  # waits only when no unit is ready to store
                continue
            n = self.ready.popleft()
            logs = self.logs.pop(n)
            rows = [
                (issue, logs.get(str(issue.get("id")), []) if isinstance(issue, dict) else None)
                for issue in self.issues.pop(n)
            ]
            self.run.store(rows, self.sig)
            self._fill()

    def _receive(self, future: Future[Any]) -> None:
        kind, n = self.futures.pop(future)
        result = future.result()
        if kind == "changelog":
            self.logs[n] = result
        else:
            self.issues[n].extend(result)
            self.issue_jobs -= 1
            if self.on_all_issues is not None:
                train = self.run.config.train
                for raw in result:
                    try:
                        self.keys.add(str(raw["key"]))
                        self.link_ends |= linked_keys(raw, train)
                    except (AttributeError, KeyError, TypeError):
                        pass  # an odd issue: its far ends are found later, once it is checked
                if self.issue_jobs == 0 and not self.waiting:
                    self.on_all_issues(self.link_ends - self.keys, self.keys)
                    self.on_all_issues = None
        self.pending[n] -= 1
        if self.pending[n] == 0:
            del self.pending[n]
            self.ready.append(n)

    def cancel(self) -> None:
        self.waiting.clear()
        for future in self.futures:
            future.cancel()

    def _issues(self, batch: Sequence[str]) -> list[dict[str, Any]]:
        return self.client.bulk_issues(list(batch), self.wanted, require_all=True, recheck=self.recheck)

    def _changelogs(self, unit: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        histories: dict[str, list[dict[str, Any]]] = {i: [] for i in unit}
        token: str | None = None
        guard = PageGuard("the changelogs (changelog/bulkfetch)")
        while True:
            body: dict[str, Any] = {"issueIdsOrKeys": list(unit), "maxResults": CHANGELOG_PAGE}
            if token:
                body["nextPageToken"] = token
            answer = self.client.post(CLOUD_BULK_CHANGELOGS, body, decode=lean_json.changelogs)
            guard.page()
            seen: list[str] = []
            for entry in answer.get("issueChangeLogs") or ():
                if not isinstance(entry, dict):
                    continue
                issue_id = str(entry.get("issueId"))
                found = entry.get("changeHistories")
                found = found if isinstance(found, list) else []
                histories.setdefault(issue_id, []).extend(found)
                seen.extend(f"{issue_id}:{h.get('id') if isinstance(h, dict) else h}" for h in found)
            guard.items(seen)
            token = answer.get("nextPageToken") or None
            if token is None:
                return histories
            guard.token(str(token))
