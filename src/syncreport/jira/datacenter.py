"""Jira Data Center's dialect of the pull: /rest/api/2/search with startAt, total and expand=changelog.

- **Cold** (an empty cache): the train's JQL with expand=changelog brings ids, fields and changelogs at
  once; the first page tells the total and the rest run in parallel.
- **Warm**: what was updated since the last run (:mod:`syncreport.jira.since`), with fields and
  changelogs, and the JQL's exact total at the same time; when the total is the last scope plus what
  changed, that is the scope (:meth:`DataCenterDialect._changed_only`: two requests). Otherwise, or
  without a watermark, the whole scope (id and ``updated``) in pages of up to 1,000, then the changed
  issues by ``id in (...)`` searches of :data:`~syncreport.jira.endpoints.DC_FETCH_BATCH`, in parallel;
  an issue a search by id left out is asked once more, then the run fails.
- A cold search asks for its count beside its first page, and the pages after it as soon as the count is
  in (:meth:`DataCenterDialect._ahead`), not one round trip of the first (large) page later.
- Pages are stored as they come in, and the issues whose changelogs came back cut short as their
  completions come in (:class:`~syncreport.jira.dc_pages.Pipeline`): page N's completions run while page N+1 is searched and stored.
- Every changelog that came back cut short (``total`` above what came inline) is completed from
  ``issue/{id}?expand=changelog`` and ``issue/{id}/changelog`` pages.
- **Past 10,000 issues** the search platform refuses any page beyond the 10,000th result, so the JQL is
  sliced by key (:meth:`DataCenterDialect._sliced`).
- **Far ends** by key: one ``key in (...)`` search a batch (``validateQuery=false``: a key that no longer
  exists is left out, not an error). **Counts**: a search's total.

The pages' arithmetic and the storing pipeline live in :mod:`syncreport.jira.dc_pages`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, as_completed
from functools import partial
from typing import Any

from syncreport.config import TrainSettings
from syncreport.errors import JiraError
from syncreport.jira import lean_json
from syncreport.jira.builder import linked_keys
from syncreport.jira.dc_pages import Pipeline, cancel_all, gaps, size_and_total
from syncreport.jira.dialect import RunContext, chunks, count_of, scope_page, without_order_by
from syncreport.jira.endpoints import (
    DC_CHANGELOG_PAGE,
    DC_FETCH_BATCH,
    DC_PAGE,
    DC_SEARCH,
    DC_WINDOW,
    Deployment,
    issue_changelog,
)
from syncreport.jira.endpoints import issue as issue_path
from syncreport.jira.fields import FieldMap
from syncreport.jira.paging import PageGuard
from syncreport.jira.shape import check_issue
from syncreport.jira.since import Since
from syncreport.snapshot import StaleSearch

log = logging.getLogger(__name__)

SCOPE_FIELDS = ["updated"]


class DataCenterDialect:
    """The Data Center side of :class:`~syncreport.jira.dialect.Dialect`."""

    deployment: Deployment = "datacenter"

    def __init__(self, run: RunContext) -> None:
        self.run = run
        self.client = run.client
        self.cache = run.cache
        self.config = run.config
        self.since = Since(self.client, self.cache, "datacenter", self.config.train.jql)

    def start(self) -> None:
        self.since.start(self.run.pool)

    def stale_search(self) -> list[StaleSearch]:
        return []  # Data Center's search is the issues' own index, updated with each edit

    def scope_and_fetch(self, fields: FieldMap) -> dict[str, str]:
        if not self.cache.has_issues():
            scope = self._cold(fields)  # an empty cache: one search brings ids, fields and changelogs
        else:
            found = self._changed_only(fields)
            if found is None:  # no watermark yet, other fields asked, or the count says more changed
                early = len(self.run.added)  # what _changed_only fetched (and stored) already
                found = self.scope()
                self._fetch_changed(found, fields)
                self.run.stats.fetched += early
                self.run.stats.from_cache -= early
            scope = found
        self.since.put_mark(scope)
        return scope

    def _changed_only(self, fields: FieldMap) -> dict[str, str] | None:
        """A warm run asks only for what changed: the issues updated since the last run (with their fields
        and changelogs, so one search usually brings all), and, at the same time, the JQL's exact total. The
        scope is the last one plus what changed when that total says so; otherwise (an issue left the scope,
        or entered it without being updated, as with a JQL on sprints or dates) None: the caller lists every
        id. A total that matches while one issue left and another entered unchanged goes unnoticed until
        the next full listing (``[cache].sprints_max_age_minutes`` does not bound it; any count change does).
        """
        jql = self.since.jql_since()
        before = self.cache.get_scope(self.config.train.jql)
        if jql is None or before is None:
            return None
        sig = fields.signature()
        versions = self.cache.versions()
        if any(versions[i][1] != sig for i in before if i in versions):
            return None  # other fields are asked now: every issue is fetched again
        self.run.progress.stage("Fetching what changed since the last run", 0)
        total = self.run.pool.submit(self.count, self.config.train.jql)
        recent: dict[str, str] = {}  # id -> updated of what the search found
        changed: set[str] = set()  # ... of which another version than the cached one (the margin finds more)

        def new(issue: dict[str, Any]) -> bool:
            issue_id = str(issue.get("id"))
            fresh = versions.get(issue_id) != (str((issue.get("fields") or {}).get("updated") or ""), sig)
            if fresh:
                changed.add(issue_id)
            return fresh

        with Pipeline(self, fields, new) as pipeline:
            for page in self.search(
                jql, fields.request_fields(), expand="changelog", on_page=pipeline.prepare
            ):
                recent.update(scope_page(page, "search"))
                pipeline.add(page)
        known = dict.fromkeys(before) | dict.fromkeys(recent)
        if total.result() != len(known):
            log.info(
                "the train's JQL matches %d issues now, %d were known: listing them all",
                total.result(),
                len(known),
            )
            return None
        odd = [i for i in known if i not in versions and i not in recent]  # never cached: asked every run
        if odd:
            self._fetch(odd, fields)
        scope = {i: recent[i] if i in recent else versions.get(i, ("", ""))[0] for i in known}
        self.run.stats.in_scope = len(scope)
        self.run.stats.fetched = len(changed) + len(odd)
        self.run.stats.from_cache = len(scope) - self.run.stats.fetched
        return scope

    def count(self, jql: str) -> int:
        answer = self.client.post(DC_SEARCH, {"jql": jql, "maxResults": 0, "fields": ["id"]})
        return int(answer.get("total") or 0)

    def by_keys(self, wanted: list[str]) -> Callable[[Sequence[str]], list[dict[str, Any]]]:
        def fetch(batch: Sequence[str]) -> list[dict[str, Any]]:
            body = {
                "jql": f"key in ({','.join(batch)})",
                "fields": wanted,
                "maxResults": len(batch),
                "validateQuery": False,
            }
            answer = self.client.post(DC_SEARCH, body)
            return list(answer.get("issues") or ())

        return fetch

    def scope(self) -> dict[str, str]:
        """id -> updated for every issue of the train's JQL (Data Center)."""
        self.run.progress.stage("Listing the train's issues", 0)
        scope: dict[str, str] = {}
        for page in self.search(self.config.train.jql, SCOPE_FIELDS, expand=None):
            scope.update(scope_page(page, "search"))
        self.run.stats.in_scope = len(scope)
        return scope

    def search(
        self,
        jql: str,
        fields: list[str],
        *,
        expand: str | None,
        parallel: bool = True,
        on_page: Callable[[dict[str, Any]], None] | None = None,
        ahead: bool = False,
        on_last: Callable[[dict[str, Any]], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """All pages of a Data Center search: the first page tells the total, the rest run in parallel
        (``parallel=False`` inside a pool worker, where waiting on the same pool could deadlock).
        ``on_page`` is called with each page as it comes in, in the thread that fetched it. ``ahead``: the
        count is asked beside the first page, so the pages after it start before it is in (one request
        more: for a search of large pages, a cold pull's); then ``on_last`` is called with the last page
        once it is in, before it is yielded (see :meth:`_ahead`)."""

        def page(start: int, size: int, query: str = jql) -> dict[str, Any]:
            body: dict[str, Any] = {"jql": query, "startAt": start, "maxResults": size, "fields": fields}
            if expand:
                body["expand"] = [expand]
            # the changelogs' histories decoded without their authors (lean_json: 60% of the time)
            decode = lean_json.search_page if expand == "changelog" else None
            answer: dict[str, Any] = self.client.post(DC_SEARCH, body, decode=decode)
            if on_page is not None:
                on_page(answer)
            return answer

        if ahead and parallel:
            yield from self._ahead(jql, page, on_last)
            return
        first = page(0, DC_PAGE)
        size, total = size_and_total(first)
        if total > DC_WINDOW:  # paging by startAt would fail past the 10,000th issue: slice instead
            yield from self._sliced(jql, page, size, parallel=parallel)
            return
        yield first
        if size <= 0:
            return
        starts = range(size, total, size)
        if parallel:
            yield from self.run.map(lambda start: page(start, size), starts)
        else:
            yield from (page(start, size) for start in starts)

    def _ahead(
        self,
        jql: str,
        page: Callable[..., dict[str, Any]],
        on_last: Callable[[dict[str, Any]], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """A search's pages, the count asked beside the first one: once the count is in, the pages after
        the first start at once, of :data:`DC_PAGE` each. The first page's answer still decides: a site
        whose pages are smaller (its own cap on maxResults) has the gaps asked once it is in, and its total,
        not the count, says where the search ends. ``on_last`` is called with the last page once it is in,
        before it is yielded (in the caller's thread)."""
        pool = self.run.pool
        counted = pool.submit(self.count, jql)
        first_page = pool.submit(page, 0, DC_PAGE)
        early: dict[int, Future[dict[str, Any]]] = {}
        try:
            count = counted.result()
            if DC_PAGE < count <= DC_WINDOW:
                early = {start: pool.submit(page, start, DC_PAGE) for start in range(DC_PAGE, count, DC_PAGE)}
            self.run.issues_asked()  # every page known so far asked: the pull's other requests behind them
            first = first_page.result()
            size, total = size_and_total(first)
            if total > DC_WINDOW:  # paging by startAt would fail past the 10,000th issue: slice instead
                cancel_all(early.values())
                yield from self._sliced(jql, page, size, parallel=True)
                return
            between = list(gaps(early, size, total)) if size > 0 else []
            if on_last is not None and (size <= 0 or not (early or between)):
                on_last(first)  # the only page
            yield first
            if size <= 0:
                return
            rest = [*early.values(), *(pool.submit(page, s, n) for s, n in between)]
            for n, done in enumerate(as_completed(rest), 1):
                answer = done.result()
                if on_last is not None and n == len(rest):
                    on_last(answer)
                yield answer
        finally:
            cancel_all([counted, first_page, *early.values()])

    def _sliced(
        self, jql: str, page: Callable[..., dict[str, Any]], size: int, *, parallel: bool
    ) -> Iterator[dict[str, Any]]:
        """A search of more than 10,000 issues on Data Center, in slices of at most 10,000.

        Data Center's search platform answers 500 "Search limit exceeded" for any page that reaches past
        its max_result_window (10,000 by default; Atlassian KB "Handling JQL REST API searching exceeding
        max_result_window in Jira"). So the query is ordered by key and each slice starts after the last key
        of the one before: ``(project = P AND key > P-N) OR project not in (projects done, P)`` (Jira orders
        keys by project, then number, and compares keys within their project).
        """
        base = without_order_by(jql)
        done: list[str] = []  # projects every issue of which has been listed
        after: str | None = None  # the last key listed
        size = max(1, min(size, DC_WINDOW))
        while True:
            if after is None:
                where = base
            else:
                project = after.rpartition("-")[0]
                others = ", ".join(f'"{p}"' for p in [*done, project])
                where = (
                    f'({base}) AND ((project = "{project}" AND key > "{after}") OR project not in ({others}))'
                )
            ordered = f"{where} ORDER BY key ASC"
            first = page(0, size, ordered)
            total = int(first.get("total") or 0)
            starts = range(size, min(total, DC_WINDOW - size + 1), size)
            if parallel:
                rest = list(
                    self.run.map(partial(lambda query, start: page(start, size, query), ordered), starts)
                )
            else:
                rest = [page(start, size, ordered) for start in starts]
            pages = sorted([first, *rest], key=lambda p: int(p.get("startAt") or 0))
            keys = [_key_of(i) for p in pages for i in p.get("issues") or ()]
            yield from pages
            if total <= len(keys) or not keys:
                return
            seen = list(dict.fromkeys(k.rpartition("-")[0] for k in keys))
            if keys[-1] == after or any(p in done for p in seen):
                raise JiraError(
                    f"{self.config.jira.url} does not order the train's issues by key as Jira does, so its "
                    "more than 10,000 issues cannot be listed in slices: narrow [train].jql"
                )
            done.extend(p for p in seen[:-1] if p not in done)
            after = keys[-1]

    def _fetch_changed(self, scope: Mapping[str, str], fields: FieldMap) -> None:
        sig = fields.signature()
        versions = self.cache.versions()
        changed = [i for i, updated in scope.items() if versions.get(i) != (updated, sig)]
        self.run.stats.fetched = len(changed)
        self.run.stats.from_cache = len(scope) - len(changed)
        if not changed:
            return
        self.run.progress.stage(f"Fetching {len(changed)} issues with complete changelogs", len(changed))
        self._fetch(changed, fields)

    def _cold(self, fields: FieldMap) -> dict[str, str]:
        """Data Center with an empty cache: the train's JQL with expand=changelog gives everything at once."""
        self.run.progress.stage("Fetching the train's issues with complete changelogs", 0)
        scope: dict[str, str] = {}
        keys: set[str] = set()
        link_ends: set[str] = set()
        asked: list[bool] = []

        def every_page_in(last: dict[str, Any]) -> None:
            # The far ends (and the train's projects) are known: asked while the last page is stored
            _note_links(last, self.config.train, keys, link_ends)
            self.run.start_far_ends(link_ends - keys, fields, keys)
            asked.append(True)

        with Pipeline(self, fields, None) as pipeline:
            pages = self.search(
                self.config.train.jql,
                fields.request_fields(),
                expand="changelog",
                on_page=pipeline.prepare,
                ahead=True,
                on_last=every_page_in,
            )
            for page in pages:
                scope.update(scope_page(page, "search"))
                _note_links(page, self.config.train, keys, link_ends)
                pipeline.add(page)
            if not asked:  # a search paged another way (sliced past 10,000 issues): every page is stored
                self.run.start_far_ends(link_ends - keys, fields, keys)
        self.run.stats.in_scope = self.run.stats.fetched = len(scope)
        return scope

    def _fetch(self, ids: list[str], fields: FieldMap) -> None:
        """Data Center, changed issues: searches by id with expand=changelog, batches in parallel."""
        wanted = fields.request_fields()

        def by_ids(batch: Sequence[str]) -> list[dict[str, Any]]:
            jql = f"id in ({','.join(batch)})"
            return list(self.search(jql, wanted, expand="changelog", parallel=False))

        todo = ids
        for _ in range(2):  # issues a search by id left out are asked once more; still absent, the run fails
            with Pipeline(self, fields, partial(_id_in, set(todo))) as pipeline:
                for result in self.run.map(by_ids, chunks(todo, DC_FETCH_BATCH)):
                    for page in result:
                        pipeline.add(page)
            todo = [i for i in todo if i not in self.run.added]
            if not todo:
                return
            log.warning("a search by id left out %d issue(s); asking again", len(todo))

    def split_page(
        self, page: Mapping[str, Any], wanted: Callable[[dict[str, Any]], bool] | None
    ) -> tuple[list[tuple[dict[str, Any], list[dict[str, Any]] | None]], list[dict[str, Any]]]:
        """A search page's issues: (those with their complete changelog, those whose changelog came back
        cut short)."""
        complete: list[tuple[dict[str, Any], list[dict[str, Any]] | None]] = []
        truncated: list[dict[str, Any]] = []
        for issue in page.get("issues") or ():
            if not isinstance(issue, dict) or not issue.get("id") or not issue.get("key"):
                check_issue(issue, None)  # raises, naming it
                continue
            if wanted is not None and not wanted(issue):
                continue
            changelog = issue.pop("changelog", None) or {}
            if not isinstance(changelog, dict):
                changelog = {"histories": changelog}  # check_issue names the odd changelog
            histories = changelog.get("histories")
            if histories is None:
                histories = []
            if isinstance(histories, list) and count_of(changelog.get("total")) > len(histories):
                truncated.append(issue)
            else:
                complete.append((issue, histories))
        return complete, truncated

    def complete_changelog(self, issue: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The whole changelog of an issue whose inline changelog was cut short."""
        answer = self.client.get(
            issue_path("datacenter", str(issue["id"])),
            {"expand": "changelog", "fields": "updated"},
            decode=lean_json.issue,
        )
        changelog = (answer or {}).get("changelog") or {}
        histories = list(changelog.get("histories") or ())
        total = count_of(changelog.get("total"))
        guard = PageGuard(f"the changelog of {issue.get('key') or issue['id']}")
        guard.items(h.get("id") for h in histories if isinstance(h, dict))
        while len(histories) < total:
            page = self.client.get(
                issue_changelog("datacenter", str(issue["id"])),
                {"startAt": len(histories), "maxResults": DC_CHANGELOG_PAGE},
            )
            guard.page(total=total, size=DC_CHANGELOG_PAGE)
            values = list(page.get("values") or page.get("histories") or ())
            if not values:
                raise guard.fail(f"the pages ended after {len(histories)} of {total} histories")
            guard.items(h.get("id") if isinstance(h, dict) else h for h in values)
            histories.extend(values)
        return issue, histories


def _note_links(page: Mapping[str, Any], train: TrainSettings, keys: set[str], link_ends: set[str]) -> None:
    """The page's issue keys and the keys at the other end of their dependency links."""
    for raw in page.get("issues") or ():
        try:
            keys.add(str(raw["key"]))
            link_ends |= linked_keys(raw, train)
        except (AttributeError, KeyError, TypeError):
            pass  # an odd issue: check_issue names it; its far ends are found once it is stored


def _id_in(ids: set[str], issue: dict[str, Any]) -> bool:
    return str(issue.get("id")) in ids


def _key_of(issue: Any) -> str:
    """A listed issue's key; an issue without one is the same one-line error as anywhere else (shape.py)."""
    if not isinstance(issue, dict) or not isinstance(issue.get("key"), str) or not issue.get("key"):
        check_issue(issue, None)  # raises, naming it
    return str(issue["key"])
