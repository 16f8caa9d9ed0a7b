"""The pull: from a config to a complete :class:`Snapshot`, asking Jira only for what changed.

The steps, for both dialects:

1. **Deployment**: ``[jira].deployment``, else the one remembered in the cache for this site, else
   serverInfo (anonymous).
2. **Fields and statuses**: from the cache; fetched again only when a configured field or a status id is
   not found in the cached lists.
3. **Scope**: the ids and ``updated`` of every issue the train's JQL matches (Cloud: search/jql pages of
   5,000 ids, ids only when the cache is empty; Data Center: /search pages of up to 1,000). Issues gone
   since the last run are logged.
4. **Changed issues only**: issues new to the cache, with another ``updated``, or fetched with fewer fields
   are fetched with their *complete* changelog. Cloud: issue/bulkfetch 100 at a time (issues it lists in
   issueErrors are asked again) + changelog/bulkfetch up to 1,000 issues a request, paged by token; the
   fetch of a page of ids starts while the next page loads, with at most 2 x concurrency units of 1,000
   in flight. Data Center: /search with expand=changelog (the whole JQL when the cache is empty, else by
   id), then every changelog whose total exceeds what came inline is completed. Each unit is written to
   the cache in one transaction, issues and changelogs together, so a killed run leaves only whole rows and
   the next run resumes. Fetched issues are normalized as they arrive.
5. **Far ends**: the other end of every dependency link that lies outside the train's JQL is fetched
   (every run: they are few, and their status and sprint matter), marked ``in_train=False``.
6. **Boards and sprints**: the boards of the train's projects (or ``[train].boards``) and every board a
   sprint of an issue comes from. A board's sprint list is fetched again when it is older than
   ``[cache].sprints_max_age_minutes``, when one of its sprints was due to start or end since it was
   fetched, or when an issue names a sprint of that board that the list lacks or shows in another state.
   Otherwise the cached list is used: a warm re-run with nothing changed costs the scope pages and one
   far-end request.
7. **Risks and PI objectives** (:mod:`syncreport.jira.agenda`): one search each, by their own JQL, with
   their changelogs; they are few, so they are fetched whole every run (not cached).

Requests run in a bounded thread pool (``[jira].concurrency``), one ``jira`` client per thread.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, timedelta, tzinfo
from functools import partial
from queue import SimpleQueue
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncreport.clock import Clock, wall_clock
from syncreport.config import Config
from syncreport.errors import ConfigError, JiraError
from syncreport.jira.agenda import add_agenda
from syncreport.jira.cache import Cache
from syncreport.jira.client import Deployment, JiraClient, detect_deployment
from syncreport.jira.fields import FieldMap, discover_fields
from syncreport.jira.normalize import SnapshotBuilder, linked_keys, parse_datetime, sprint_values
from syncreport.jira.paging import MAX_PAGES, PageGuard, more_claimed_but_no_token
from syncreport.jira.shape import check_issue
from syncreport.snapshot import OddIssue, Snapshot

log = logging.getLogger(__name__)

CLOUD_ID_PAGE = 5000
BULK_ISSUES = 100
CHANGELOG_BULK_ISSUES = 1000
CHANGELOG_PAGE = 1000  # the documented default; Jira documents no higher cap, so none is assumed
DC_PAGE = 1000
DC_WINDOW = 10_000  # Data Center: no page may reach past the 10,000th result (max_result_window)
DC_FETCH_BATCH = 200
AGILE_PAGE = 50
SCOPE_FIELDS = ["updated"]
# Cloud search is eventually consistent (search/jql's reconcileIssues exists for a caller's own edits): a
# change can reach search after a later one did, so "updated since the last run" looks back this much more.
UPDATED_MARGIN = timedelta(hours=1)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class PullStats:
    """What a pull did, for logs and the benchmark."""

    deployment: str = ""
    requests: int = 0
    requests_by_endpoint: dict[str, int] = field(default_factory=dict)
    in_scope: int = 0
    fetched: int = 0
    from_cache: int = 0
    far_ends: int = 0
    left_scope: list[str] = field(default_factory=list)
    boards_refreshed: int = 0
    histories: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class PullResult:
    snapshot: Snapshot
    stats: PullStats


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class _Progress:
    """A rich progress bar on stderr when asked for and stderr is a terminal; otherwise nothing."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        self._task: Any = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def stage(self, description: str, total: int) -> None:
        if self._bar is not None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(description, total=total)

    def grow(self, amount: int) -> None:
        if self._bar is not None and self._task is not None:
            task = self._bar.tasks[-1]
            self._bar.update(self._task, total=(task.total or 0) + amount)

    def advance(self, amount: int = 1) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, amount)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for the pull.

    A pull allocates hundreds of thousands of long-lived, acyclic objects (decoded JSON, typed issues and
    change events); each collection of the oldest generation walks all of them again, which took a third of
    the pull's CPU time at 10,000 issues. Reference counting still frees everything that is not in a cycle;
    the few cycles made meanwhile (tracebacks of retried requests) are collected once the pause ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Puller:
    """One pull of one train. Use :func:`pull` unless you need the hooks (tests, benchmark)."""

    def __init__(
        self,
        config: Config,
        *,
        progress: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        before_request: Callable[[str, str], None] | None = None,
        now: Clock = wall_clock,
    ) -> None:
        self.config = config
        self.settings = config.jira
        self.source = str(config.source or "the config")
        self._sleep = sleep
        self._before_request = before_request
        self._now = now
        self._progress = _Progress(progress)
        self.stats = PullStats()
        self._deadline: float | None = (
            None  # time.monotonic() past which the pull stops (run_timeout_seconds)
        )

    def _epoch(self) -> float:
        """The run's clock as seconds since the epoch (the cache's max-ages and fetch times)."""
        return self._now().timestamp()

    # --- the whole pull ---------------------------------------------------------------------------------

    def run(self) -> PullResult:
        started = time.monotonic()
        self._deadline = started + self.settings.run_timeout_seconds
        with (
            _no_cyclic_gc(),
            Cache.for_settings(self.config.cache, self.settings.url, clock=self._epoch) as cache,
        ):
            deployment = self._deployment(cache)
            self.stats.deployment = deployment
            client = JiraClient(
                self.settings,
                deployment,
                sleep=self._sleep,
                before_request=self._before_request,
                config_name=self.source,
                deadline=self._deadline,
            )
            pool = ThreadPoolExecutor(max_workers=self.settings.concurrency, thread_name_prefix="jira")
            try:
                with self._progress:
                    snapshot = _Run(self, client, cache, pool, deployment).run()
            except BaseException:
                client.cancel()  # requests in flight stop at their next attempt or retry wait
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                client.close()
                self.stats.requests += client.requests_made
                self.stats.requests_by_endpoint = dict(client.request_counts)
        stats = self.stats
        stats.seconds = time.monotonic() - started
        log.info(
            "pulled %d train issues (%d fetched, %d from the cache) and %d linked issues outside the train "
            "with %d requests in %.1f s",
            stats.in_scope,
            stats.fetched,
            stats.from_cache,
            stats.far_ends,
            stats.requests,
            stats.seconds,
        )
        return PullResult(snapshot, stats)

    def _deployment(self, cache: Cache) -> Deployment:
        configured = self.settings.deployment
        if configured != "auto":
            return configured
        # "deployment-detected": what serverInfo said; older versions kept a guess under "deployment"
        remembered = cache.get_meta("deployment-detected")
        if remembered and remembered[0] in ("cloud", "datacenter"):
            return remembered[0]
        found = detect_deployment(
            self.settings, sleep=self._sleep, deadline=self._deadline, config_name=self.source
        )
        self.stats.requests += 1 + found.signed_in
        cache.put_meta("deployment-detected", found.deployment)
        return found.deployment


class _Run:
    """The state of one pull (client, cache, pool); the steps are its methods."""

    def __init__(
        self,
        puller: Puller,
        client: JiraClient,
        cache: Cache,
        pool: ThreadPoolExecutor,
        deployment: Deployment,
    ):
        self.puller = puller
        self.config = puller.config
        self.client = client
        self.cache = cache
        self.pool = pool
        self.deployment = deployment
        self.cloud = deployment == "cloud"
        self.api = "/rest/api/3" if self.cloud else "/rest/api/2"
        self.stats = puller.stats
        self.progress = puller._progress
        # The run's state, set as the steps go:
        self.builder: SnapshotBuilder  # fetched issues are normalized into it as they arrive
        self._added: set[str] = set()  # ids already in the builder
        # Issues read despite an odd shape (syncreport.jira.shape): key -> problems, for the findings; the
        # train's ones are never cached (fetched again next run), so they are kept here by id meanwhile.
        self._odd: dict[str, list[str]] = {}
        self._uncached: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        self._status_ids_seen: set[str] = set()  # status ids named by fetched changelogs
        self._status_future: Future[Any] | None = None
        self._myself_future: Future[Any] | None = None
        self._board_futures: dict[int, Future[Any]] = {}
        self._sprint_futures: dict[int, Future[list[dict[str, Any]]]] = {}  # started early, by board id
        self._early_far_ends: tuple[set[str], list[Future[list[dict[str, Any]]]]] | None = None
        self._lock = threading.Lock()  # _sprint_futures, also added to from pool threads

    def _map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Run ``fn`` over items in the pool, yielding results as they complete; stop all on the first error."""
        futures: list[Future[R]] = [self.pool.submit(fn, item) for item in items]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    # --- steps ------------------------------------------------------------------------------------------

    def run(self) -> Snapshot:
        taken_at = self.puller._now()
        # A cold start asks for the field and status lists at once (and the boards, when configured).
        self._status_future = (
            None
            if self.cache.get_meta("statuses")
            else self.pool.submit(self.client.get, f"{self.api}/status")
        )
        self._prefetch_configured_boards()
        if self.cloud and not self.cache.get_meta("user_time_zone"):  # for "updated since" on warm runs
            self._myself_future = self.pool.submit(
                partial(self.client.get, missing_ok=True), f"{self.api}/myself"
            )
        fields = self._fields()
        statuses = self._statuses(force=False)
        # Fetched issues are normalized as they arrive (while other requests are in flight); the
        # unchanged ones are read back from the cache afterwards.
        self.builder = SnapshotBuilder(self.config, fields, statuses)
        if self.cloud:
            scope = self._cloud_scope_and_fetch(fields)
        elif not self.cache.versions():
            scope = self._dc_cold(fields)  # an empty cache: one search brings ids, fields and changelogs
        else:
            scope = self._scope()
            self._dc_fetch_changed(scope, fields)
        if not scope:
            jql = " ".join(self.config.train.jql.split())
            raise JiraError(
                f"the train's JQL matches no issue ({jql}): fix [train].jql in {self.puller.source}; "
                "try it in Jira's issue search with the same account"
            )
        if self._status_ids_seen - {str(s.get("id")) for s in statuses}:
            # A changelog names a status we do not know: fetch the list again and normalize afresh.
            self.builder = SnapshotBuilder(self.config, fields, self._statuses(force=True))
            self._added = set()
        builder = self.builder
        for issue_id, (raw, histories) in self._uncached.items():
            if issue_id not in self._added:
                builder.add(raw, histories, in_train=True)
                self._added.add(issue_id)
        for cached in self._cached_rows([i for i in scope if i not in self._added]):
            builder.add(cached.issue, cached.histories, in_train=True)
            self._added.add(cached.id)
        absent = [i for i in scope if i not in self._added]
        if absent:
            raise JiraError(
                f"{len(absent)} issue(s) of the train's JQL could not be fetched (ids {', '.join(absent[:10])}"
                f"{' and more' if len(absent) > 10 else ''}): Jira's answers left them out; the report would "
                "miss them. Try again later; if it persists, check that the account may browse them"
            )
        far = self._far_ends(builder, fields)
        for raw in far:
            checked, _, problems = check_issue(raw, None, sprint_field=fields.sprint)
            builder.add(checked, None, in_train=False)
            if problems:
                self._odd[str(checked["key"])] = problems
        boards = self._boards({i.project for i in builder.issues.values() if i.in_train})
        board_ids = {int(b["id"]) for b in boards} | builder.sprint_board_ids()
        board_sprints = self._board_sprints(board_ids, builder)
        self._note_scope(scope)
        snapshot = builder.snapshot(
            site_url=self.config.jira.url,
            deployment=self.deployment,
            taken_at=taken_at,
            boards=boards,
            board_sprints=board_sprints,
        )
        if self._odd:
            for key, problems in sorted(self._odd.items()):
                log.warning("%s: Jira returned it in an odd shape: %s", key, "; ".join(problems))
            odd = tuple(OddIssue(key, p) for key, found in sorted(self._odd.items()) for p in found)
            snapshot = dataclasses.replace(snapshot, odd_issues=odd)
        return self._with_agenda(snapshot, fields)

    def _with_agenda(self, snapshot: Snapshot, fields: FieldMap) -> Snapshot:
        """Risks and PI objectives, by their own JQL (syncreport.jira.agenda)."""
        cached = self.cache.get_meta("fields")
        return add_agenda(
            snapshot,
            self.client,
            cloud=self.cloud,
            config=self.config,
            fields=fields,
            site_fields=list(cached[0]) if cached else [],
            statuses=self._statuses(force=False),
            source=self.puller.source,
        )

    def _fields(self) -> FieldMap:
        cached = self.cache.get_meta("fields")
        found: FieldMap | None = None
        if cached:
            try:
                found = discover_fields(cached[0], self.config.train, source=self.puller.source)
            except ConfigError:
                log.info("a configured field is not in the cached field list; asking Jira again")
        if found is None:
            fresh = self.client.get(f"{self.api}/field")
            self.cache.put_meta("fields", fresh)
            found = discover_fields(fresh, self.config.train, source=self.puller.source)
        if found.points_candidates:
            found = self._choose_points(found)
        return found

    def _choose_points(self, fields: FieldMap) -> FieldMap:
        """story_points_field = "auto" on a site with several story points fields ("Story Points" and "Story
        point estimate"): the one most of the train's issues have a value in (two counts; remembered in the
        cache per field list), and the log says which."""
        memo = f"points:{','.join(fields.points_candidates)}:{self.config.train.jql}"
        remembered = self.cache.get_meta(memo)
        max_age = self.config.cache.sprints_max_age_minutes * 60
        if remembered and time.time() - remembered[1] < max_age and remembered[0] in fields.points_candidates:
            return replace(fields, points=str(remembered[0]))
        counts = {f: self._count(f"({self.config.train.jql}) AND cf[{f.removeprefix('customfield_')}] is not EMPTY")
                  for f in fields.points_candidates}  # fmt: skip
        chosen = max(fields.points_candidates, key=lambda f: (counts[f], f == fields.points))
        log.info(
            'story points: %s (%s) is used by %d of the train\'s issues%s; story_points_field = "auto" takes it',
            fields.names.get(chosen, chosen),
            chosen,
            counts[chosen],
            "".join(f", {fields.names.get(f, f)} ({f}) by {n}" for f, n in counts.items() if f != chosen),
        )
        self.cache.put_meta(memo, chosen)
        return replace(fields, points=chosen)

    def _count(self, jql: str) -> int:
        """How many issues a JQL matches (Cloud: approximate-count; Data Center: a search's total)."""
        if self.cloud:
            return int(
                self.client.post("/rest/api/3/search/approximate-count", {"jql": jql}).get("count") or 0
            )
        answer = self.client.post("/rest/api/2/search", {"jql": jql, "maxResults": 0, "fields": ["id"]})
        return int(answer.get("total") or 0)

    def _statuses(self, *, force: bool) -> list[dict[str, Any]]:
        cached = self.cache.get_meta("statuses")
        if cached and not force:
            return list(cached[0])
        future, self._status_future = self._status_future, None
        fresh = future.result() if future is not None and not force else self.client.get(f"{self.api}/status")
        self.cache.put_meta("statuses", fresh)
        return list(fresh)

    # --- scope ------------------------------------------------------------------------------------------

    def _scope(self) -> dict[str, str]:
        """id -> updated for every issue of the train's JQL (Data Center)."""
        self.progress.stage("Listing the train's issues", 0)
        scope: dict[str, str] = {}
        for page in self._dc_search(self.config.train.jql, SCOPE_FIELDS, expand=None):
            scope.update(_scope_page(page, "search"))
        self.stats.in_scope = len(scope)
        return scope

    def _cloud_scope_pages(self, *, with_updated: bool, jql: str | None = None) -> Iterator[dict[str, str]]:
        """Pages of id -> updated for the train's JQL (or ``jql``) (Cloud: search/jql, by token).

        Without ``with_updated`` only ids are asked: the only page Cloud serves 5,000 at a time ("the greatest
        number of items returned per page is achieved when requesting id or key only"); ``updated`` is then
        "". With it, pages are far smaller (100 on today's sites). Page sizes may change without notice: the
        loop follows the tokens, whatever size comes back.
        """
        guard = PageGuard("the train's issues (search/jql)")
        token: str | None = None
        while True:
            body: dict[str, Any] = {"jql": jql or self.config.train.jql, "maxResults": CLOUD_ID_PAGE}
            if with_updated:
                body["fields"] = SCOPE_FIELDS
            if token:
                body["nextPageToken"] = token
            page = self.client.post("/rest/api/3/search/jql", body)
            guard.page()
            ids = _scope_page(page, "search/jql")
            guard.items(ids)
            yield ids
            token = page.get("nextPageToken") or None
            if page.get("isLast") is True:
                return
            if token is None:
                if page.get("isLast") is False:
                    raise more_claimed_but_no_token("the train's issues (search/jql)")
                return
            guard.token(str(token))

    def _cloud_scope_and_fetch(self, fields: FieldMap) -> dict[str, str]:
        """Page the ids and start fetching each page's changed issues while the next page loads."""
        self.progress.stage("Fetching issues with complete changelogs", 0)
        versions = self.cache.versions()
        sig = fields.signature()
        scope: dict[str, str] = {}
        # A warm run lists ids only and asks separately for what changed since the last run (few issues);
        # without a watermark yet (the first warm run), the listing carries ``updated`` for every issue.
        recent = self._cloud_updated_since() if versions else None
        before = set(self.cache.get_scope(self.config.train.jql) or ())
        fetcher = _CloudFetcher(self, fields)
        try:
            for page in self._cloud_scope_pages(with_updated=bool(versions) and recent is None):
                if recent is not None:
                    page = {i: recent.get(i) or versions.get(i, ("", ""))[0] for i in page}
                    # new to the scope: it may have changed while outside it, before the watermark
                    changed = [i for i, u in page.items() if versions.get(i) != (u, sig) or i not in before]
                else:
                    changed = [i for i, updated in page.items() if versions.get(i) != (updated, sig)]
                scope.update(page)
                self.progress.grow(len(changed))
                fetcher.submit(changed)
            # Every issue of the scope fetched (a cold run): the far ends are known once the last issue
            # answer is in, before its unit is stored; otherwise they are fetched after the cached rows.
            whole_scope = fetcher.submitted == len(scope)
            fetcher.collect(partial(self._start_far_ends, fields=fields) if whole_scope else None)
        finally:
            fetcher.cancel()
        self.stats.in_scope = len(scope)
        self.stats.fetched = fetcher.submitted
        self.stats.from_cache = len(scope) - fetcher.submitted
        self._put_updated_mark(scope)
        self._user_zone()  # asked alongside the cold run's first requests; remembered for the warm ones
        return scope

    def _updated_mark_name(self) -> str:
        return f"updated_mark:{self.config.train.jql}"

    def _put_updated_mark(self, scope: Mapping[str, str]) -> None:
        """The latest ``updated`` among the scope's stored issues: every later change has a later ``updated``
        (Jira's own times, so neither our clock nor a clock handed in matters)."""
        versions = self.cache.versions()
        times = [t for i in scope if i in versions and (t := parse_datetime(versions[i][0])) is not None]
        if times:
            self.cache.put_meta(self._updated_mark_name(), max(times).isoformat())

    def _cloud_updated_since(self) -> dict[str, str] | None:
        """id -> updated of the train's issues updated since the last run's watermark, less a margin for
        search's eventual consistency (an edit reaches search a moment after it is made); None without a
        watermark. JQL dates are minutes in the API user's time zone (GET myself), so the margin also
        covers the minute cut and, when the zone is unknown, any zone."""
        mark = self.cache.get_meta(self._updated_mark_name())
        since = parse_datetime(mark[0]) if mark else None
        if since is None:
            return None
        zone, margin = self._user_zone(), UPDATED_MARGIN
        if zone is None:
            zone, margin = UTC, margin + timedelta(hours=14)
        text = (since - margin).astimezone(zone).strftime("%Y/%m/%d %H:%M")
        jql = f'({_without_order_by(self.config.train.jql)}) AND updated >= "{text}"'
        recent: dict[str, str] = {}
        for page in self._cloud_scope_pages(with_updated=True, jql=jql):
            recent.update(page)
        return recent

    def _user_zone(self) -> tzinfo | None:
        """The API user's time zone (GET myself, remembered in the cache), which JQL dates are read in."""
        cached = self.cache.get_meta("user_time_zone")
        name = cached[0] if cached else None
        if name is None:
            future, self._myself_future = self._myself_future, None
            me = (future.result() if future else self.client.get(f"{self.api}/myself", missing_ok=True)) or {}
            name = str(me.get("timeZone") or "")
            self.cache.put_meta("user_time_zone", name)
        try:
            return ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def _dc_search(
        self, jql: str, fields: list[str], *, expand: str | None, parallel: bool = True
    ) -> Iterator[dict[str, Any]]:
        """All pages of a Data Center search: the first page tells the total, the rest run in parallel
        (``parallel=False`` inside a pool worker, where waiting on the same pool could deadlock)."""

        def page(start: int, size: int, query: str = jql) -> dict[str, Any]:
            body: dict[str, Any] = {"jql": query, "startAt": start, "maxResults": size, "fields": fields}
            if expand:
                body["expand"] = [expand]
            return self.client.post("/rest/api/2/search", body)

        first = page(0, DC_PAGE)
        size = int(first.get("maxResults") or len(first.get("issues") or ()) or DC_PAGE)
        total = int(first.get("total") or 0)
        if total > max(size, 1) * MAX_PAGES:  # a total no site holds (a proxy's or a bug's): never page it
            raise PageGuard("the search (/rest/api/2/search)").fail(f"a total of {total} issues")
        if total > DC_WINDOW:  # paging by startAt would fail past the 10,000th issue: slice instead
            yield from self._dc_sliced(jql, page, size, parallel=parallel)
            return
        yield first
        if size <= 0:
            return
        starts = range(size, total, size)
        if parallel:
            yield from self._map(lambda start: page(start, size), starts)
        else:
            yield from (page(start, size) for start in starts)

    def _dc_sliced(
        self, jql: str, page: Callable[..., dict[str, Any]], size: int, *, parallel: bool
    ) -> Iterator[dict[str, Any]]:
        """A search of more than 10,000 issues on Data Center, in slices of at most 10,000.

        Data Center's search platform answers 500 "Search limit exceeded" for any page that reaches past
        its max_result_window (10,000 by default; Atlassian KB "Handling JQL REST API searching exceeding
        max_result_window in Jira"). So the query is ordered by key and each slice starts after the last key
        of the one before: ``(project = P AND key > P-N) OR project not in (projects done, P)`` (Jira orders
        keys by project, then number, and compares keys within their project).
        """
        base = _without_order_by(jql)
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
                    self._map(partial(lambda query, start: page(start, size, query), ordered), starts)
                )
            else:
                rest = [page(start, size, ordered) for start in starts]
            pages = sorted([first, *rest], key=lambda p: int(p.get("startAt") or 0))
            keys = [str(i["key"]) for p in pages for i in p.get("issues") or ()]
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

    def _note_scope(self, scope: Mapping[str, str]) -> None:
        jql = self.config.train.jql
        before = self.cache.get_scope(jql)
        if before is not None:
            left = sorted(set(before) - set(scope))
            if left:
                keys = [c.key for c in self.cache.get_issues(left).values()]
                self.stats.left_scope = sorted(keys) or left
                log.info(
                    "%d issue(s) left the train's scope since the last run: %s",
                    len(left),
                    ", ".join(self.stats.left_scope[:20]),
                )
        self.cache.put_scope(jql, sorted(scope))

    # --- changed issues ---------------------------------------------------------------------------------

    def _dc_fetch_changed(self, scope: Mapping[str, str], fields: FieldMap) -> None:
        sig = fields.signature()
        versions = self.cache.versions()
        changed = [i for i, updated in scope.items() if versions.get(i) != (updated, sig)]
        self.stats.fetched = len(changed)
        self.stats.from_cache = len(scope) - len(changed)
        if not changed:
            return
        self.progress.stage(f"Fetching {len(changed)} issues with complete changelogs", len(changed))
        self._dc_fetch(changed, fields)

    def _store(self, rows: Sequence[tuple[Any, list[Any] | None]], sig: str) -> None:
        """Check, normalize and then cache fetched train issues: only rows that normalized cleanly are
        cached (an odd one is fetched again next run, so its finding stays while Jira's answer is odd)."""
        self.stats.histories += sum(len(h) for _, h in rows if isinstance(h, list))
        builder = self.builder
        sprint_field = builder.fields.sprint
        status_ids = self._status_ids_seen
        clean: list[tuple[dict[str, Any], list[dict[str, Any]], str]] = []
        for raw, raw_histories in rows:
            checked, checked_histories, problems = check_issue(raw, raw_histories, sprint_field=sprint_field)
            issue = slim_issue(checked)
            histories = builder.relevant_histories(checked_histories or ())
            builder.add(issue, histories, in_train=True)
            issue_id = str(issue["id"])
            self._added.add(issue_id)
            if problems:
                self._odd[str(issue["key"])] = problems
                self._uncached[issue_id] = (issue, histories)
            else:
                self._odd.pop(str(issue["key"]), None)
                self._uncached.pop(issue_id, None)
                clean.append((issue, histories, sig))
            for history in histories:
                for item in history["items"]:
                    if item.get("fieldId") == "status" or item.get("field") == "status":
                        status_ids.update(str(v) for v in (item.get("from"), item.get("to")) if v)
        self.cache.put_issues(clean)
        self.progress.advance(len(rows))

    def _dc_cold(self, fields: FieldMap) -> dict[str, str]:
        """Data Center with an empty cache: the train's JQL with expand=changelog gives everything at once."""
        self.progress.stage("Fetching the train's issues with complete changelogs", 0)
        scope: dict[str, str] = {}
        pages = self._dc_search(self.config.train.jql, fields.request_fields(), expand="changelog")
        for page in pages:
            scope.update(_scope_page(page, "search"))
            self._dc_store_page(page, fields, None)
        self.stats.in_scope = self.stats.fetched = len(scope)
        return scope

    def _dc_fetch(self, ids: list[str], fields: FieldMap) -> None:
        """Data Center, changed issues: searches by id with expand=changelog, batches in parallel."""
        wanted = fields.request_fields()

        def by_ids(batch: Sequence[str]) -> list[dict[str, Any]]:
            jql = f"id in ({','.join(batch)})"
            return list(self._dc_search(jql, wanted, expand="changelog", parallel=False))

        todo = ids
        for _ in range(2):  # issues a search by id left out are asked once more; still absent, the run fails
            for result in self._map(by_ids, _chunks(todo, DC_FETCH_BATCH)):
                for page in result:
                    self._dc_store_page(page, fields, set(todo))
            todo = [i for i in todo if i not in self._added]
            if not todo:
                return
            log.warning("a search by id left out %d issue(s); asking again", len(todo))

    def _dc_store_page(self, page: Mapping[str, Any], fields: FieldMap, wanted_ids: set[str] | None) -> None:
        """Store a search page's issues, completing every changelog that came back cut short."""
        complete: list[tuple[dict[str, Any], list[dict[str, Any]] | None]] = []
        truncated: list[dict[str, Any]] = []
        for issue in page.get("issues") or ():
            if not isinstance(issue, dict) or not issue.get("id") or not issue.get("key"):
                check_issue(issue, None)  # raises, naming it
                continue
            if wanted_ids is not None and str(issue.get("id")) not in wanted_ids:
                continue
            changelog = issue.pop("changelog", None) or {}
            if not isinstance(changelog, dict):
                changelog = {"histories": changelog}  # check_issue names the odd changelog
            histories = changelog.get("histories")
            if histories is None:
                histories = []
            if isinstance(histories, list) and _count(changelog.get("total")) > len(histories):
                truncated.append(issue)
            else:
                complete.append((issue, histories))
        complete.extend(self._map(self._dc_complete_changelog, truncated))
        self._store(complete, fields.signature())

    def _dc_complete_changelog(self, issue: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The whole changelog of an issue whose inline changelog was cut short."""
        answer = self.client.get(
            f"/rest/api/2/issue/{issue['id']}", {"expand": "changelog", "fields": "updated"}
        )
        changelog = (answer or {}).get("changelog") or {}
        histories = list(changelog.get("histories") or ())
        total = _count(changelog.get("total"))
        guard = PageGuard(f"the changelog of {issue.get('key') or issue['id']}")
        guard.items(h.get("id") for h in histories if isinstance(h, dict))
        while len(histories) < total:
            page = self.client.get(
                f"/rest/api/2/issue/{issue['id']}/changelog", {"startAt": len(histories), "maxResults": 100}
            )
            guard.page(total=total, size=100)
            values = list(page.get("values") or page.get("histories") or ())
            if not values:
                raise guard.fail(f"the pages ended after {len(histories)} of {total} histories")
            guard.items(h.get("id") if isinstance(h, dict) else h for h in values)
            histories.extend(values)
        return issue, histories

    def _cached_rows(self, ids: list[str]) -> Iterator[Any]:
        for chunk in _chunks(ids, 1000):
            rows = self.cache.get_issues(chunk)
            yield from rows.values()

    # --- far ends ---------------------------------------------------------------------------------------

    def _far_ends(self, builder: SnapshotBuilder, fields: FieldMap) -> list[dict[str, Any]]:
        keys = sorted(builder.far_end_keys())
        if not keys:
            return []
        early, self._early_far_ends = self._early_far_ends, None
        found: list[dict[str, Any]] = []
        if early is not None and early[0] == set(keys):
            for future in early[1]:
                found.extend(future.result())
        else:
            for future in early[1] if early is not None else ():
                future.exception()  # let it finish (it may still start sprint fetches); its answer is not used
            self.progress.stage(f"Fetching {len(keys)} linked issues outside the train", len(keys))
            for batch in self._map(self._far_end_fetch(fields), _chunks(keys, BULK_ISSUES)):
                found.extend(batch)
                self.progress.advance(len(batch))
        self.stats.far_ends = len(found)
        return found

    def _start_far_ends(self, keys: set[str], fields: FieldMap) -> None:
        """Start fetching these far ends now, and the sprint lists of boards that only their sprints name
        (none cached yet); :meth:`_far_ends` takes the answers if the keys are still the far ends then."""
        if not keys:
            return
        fetch = self._far_end_fetch(fields)
        known_boards = set(self.cache.get_board_sprints()) | set(self._sprint_futures)
        sprint_field = fields.sprint

        def fetch_with_sprints(batch: Sequence[str]) -> list[dict[str, Any]]:
            found = fetch(batch)
            boards = {
                int(board)
                for raw in found
                for data in sprint_values(
                    (raw.get("fields") or {}).get(sprint_field) if sprint_field else None
                )
                if data.get("name")
                and (board := data.get("originBoardId", data.get("boardId"))) is not None
                and str(board).isdigit()  # an odd one is named by check_issue later
            }
            with self._lock:
                for board_id in sorted(boards - known_boards - set(self._sprint_futures)):
                    self._sprint_futures[board_id] = self.pool.submit(self._fetch_sprints, board_id)
            return found

        batches = _chunks(sorted(keys), BULK_ISSUES)
        self._early_far_ends = (set(keys), [self.pool.submit(fetch_with_sprints, b) for b in batches])

    def _far_end_fetch(self, fields: FieldMap) -> Callable[[Sequence[str]], list[dict[str, Any]]]:
        wanted = fields.request_fields()
        if self.cloud:

            def fetch(batch: Sequence[str]) -> list[dict[str, Any]]:
                return self.client.bulk_issues(list(batch), wanted)

        else:

            def fetch(batch: Sequence[str]) -> list[dict[str, Any]]:
                body = {
                    "jql": f"key in ({','.join(batch)})",
                    "fields": wanted,
                    "maxResults": len(batch),
                    "validateQuery": False,
                }
                answer = self.client.post("/rest/api/2/search", body)
                return list(answer.get("issues") or ())

        return fetch

    # --- boards and sprints -----------------------------------------------------------------------------

    def _prefetch_configured_boards(self) -> None:
        """With ``[train].boards`` set, start fetching stale board and sprint lists now, alongside the issues."""
        configured = self.config.train.boards
        if not configured:
            return
        max_age = self.config.cache.sprints_max_age_minutes * 60
        cached = self.cache.get_meta(self._boards_meta_name(set()))
        if not cached or self.puller._epoch() - cached[1] >= max_age:
            self._board_futures = {
                b: self.pool.submit(self.client.get, f"/rest/agile/1.0/board/{b}") for b in configured
            }
        sprints = self.cache.get_board_sprints()
        for board_id in configured:
            entry = sprints.get(board_id)
            if entry is None or self.puller._epoch() - entry[1] >= max_age:
                self._sprint_futures[board_id] = self.pool.submit(self._fetch_sprints, board_id)

    def _boards_meta_name(self, projects: set[str]) -> str:
        configured = self.config.train.boards
        return "boards:" + (",".join(map(str, configured)) if configured else ",".join(sorted(projects)))

    def _boards(self, projects: set[str]) -> list[dict[str, Any]]:
        configured = self.config.train.boards
        name = self._boards_meta_name(projects)
        cached = self.cache.get_meta(name)
        max_age = self.config.cache.sprints_max_age_minutes * 60
        if self._board_futures:
            boards = [future.result() for future in self._board_futures.values()]
        elif cached and self.puller._epoch() - cached[1] < max_age:
            return list(cached[0])
        elif configured:
            boards = list(self._map(lambda b: self.client.get(f"/rest/agile/1.0/board/{b}"), configured))
        else:
            boards = [b for found in self._map(self._project_boards, sorted(projects)) for b in found]
        unique = {int(b["id"]): b for b in boards}
        result = [unique[k] for k in sorted(unique)]
        self.cache.put_meta(name, result)
        return result

    def _project_boards(self, project: str) -> list[dict[str, Any]]:
        return self._agile_pages("/rest/agile/1.0/board", {"projectKeyOrId": project})

    def _agile_pages(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return agile_pages(self.client, path, params)

    def _fetch_sprints(self, board_id: int) -> list[dict[str, Any]]:
        try:
            return self._agile_pages(
                f"/rest/agile/1.0/board/{board_id}/sprint", {"state": "closed,active,future"}
            )
        except JiraError as exc:
            # A kanban board: Jira answers 400 "The board does not support sprints". Its issues have no
            # sprints (the data-quality findings say so); the other boards' sprints are what there is.
            if exc.status == 400 and any("support sprints" in m for m in exc.jira_messages):
                log.info("board %d is a kanban board: it has no sprints", board_id)
                return []
            raise

    def _board_sprints(self, board_ids: set[int], builder: SnapshotBuilder) -> list[dict[str, Any]]:
        now = self.puller._epoch()
        with self._lock:
            started = dict(self._sprint_futures)
        prefetched = {b: future.result() for b, future in started.items()}
        if prefetched:
            self.cache.put_board_sprints(prefetched, now)
        cached = self.cache.get_board_sprints()
        seen = builder.issue_sprints()
        max_age = self.config.cache.sprints_max_age_minutes * 60
        stale = sorted(b for b in board_ids if self._sprints_stale(b, cached.get(b), seen, now, max_age))
        fresh: dict[int, list[dict[str, Any]]] = {}
        if stale:
            self.progress.stage(f"Fetching the sprints of {len(stale)} board(s)", len(stale))

            for board_id, sprints in self._map(lambda b: (b, self._fetch_sprints(b)), stale):
                fresh[board_id] = sprints
                self.progress.advance()
            self.cache.put_board_sprints(fresh, now)
        self.stats.boards_refreshed = len(fresh) + len(prefetched)
        merged: dict[int, dict[str, Any]] = {}
        for board_id in sorted(board_ids):
            values = fresh[board_id] if board_id in fresh else (cached.get(board_id) or ([], 0.0))[0]
            for sprint in values:
                merged.setdefault(int(sprint["id"]), sprint)
        return list(merged.values())

    @staticmethod
    def _sprints_stale(
        board_id: int,
        cached: tuple[list[dict[str, Any]], float] | None,
        seen: Mapping[int, Any],
        now: float,
        max_age: float,
    ) -> bool:
        if cached is None:
            return True
        sprints, fetched_at = cached
        if now - fetched_at > max_age:
            return True
        by_id = {int(s["id"]): s for s in sprints}
        for sprint in sprints:
            state = str(sprint.get("state") or "").lower()
            due = (
                sprint.get("endDate")
                if state == "active"
                else sprint.get("startDate")
                if state == "future"
                else None
            )
            when = parse_datetime(due)
            if when is not None and fetched_at < when.timestamp() <= now:
                return True
        for sprint_id, sprint in seen.items():
            if sprint.board_id != board_id:
                continue
            known = by_id.get(sprint_id)
            if known is None or str(known.get("state") or "").lower() != sprint.state:
                return True
        return False


class _CloudFetcher:
    """Cloud's changed issues, in units of up to 1,000: each unit is one changelog job (changelog/bulkfetch,
    paged by token, complete histories) and issue jobs (issue/bulkfetch, 100 a request). Jobs run in the
    pool; a unit's rows are stored, in one transaction, when all its jobs are in. At most
    ``2 x concurrency`` units are in flight, so answers never pile up in memory faster than they are stored."""

    def __init__(self, run: _Run, fields: FieldMap) -> None:
        self.run = run
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
        self.on_all_issues: Callable[[set[str]], None] | None = None
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
        self.waiting.extend(_chunks(ids, size))
        self._fill()

    def _fill(self) -> None:
        while self.waiting and len(self.pending) + len(self.ready) < self.max_active:
            unit, n = self.waiting.popleft(), self.next_unit
            self.next_unit += 1
            batches = _chunks(unit, BULK_ISSUES)
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

    def collect(self, on_all_issues: Callable[[set[str]], None] | None = None) -> None:
        """Take answers as they come and store each whole unit. Answers that came in are taken before the
        next unit is stored, so ``on_all_issues`` (called with the far ends of the issues' dependency links
        once the last issue/bulkfetch answer is in) fires while the last units are still being stored."""
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
            self.run._store(rows, self.sig)
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
                    self.on_all_issues(self.link_ends - self.keys)
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
        return self.client.bulk_issues(list(batch), self.wanted, require_all=True)

    def _changelogs(self, unit: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        histories: dict[str, list[dict[str, Any]]] = {i: [] for i in unit}
        token: str | None = None
        guard = PageGuard("the changelogs (changelog/bulkfetch)")
        while True:
            body: dict[str, Any] = {"issueIdsOrKeys": list(unit), "maxResults": CHANGELOG_PAGE}
            if token:
                body["nextPageToken"] = token
            answer = self.client.post("/rest/api/3/changelog/bulkfetch", body)
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


def agile_pages(client: JiraClient, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every value of an agile list (boards, a board's sprints): startAt/maxResults pages until isLast, an
    empty page or the answer's total; a page that repeats the last ones, or more pages than the total
    allows, fail with one line. A 403/404 (a board the account may not see) is an empty list."""
    values: list[dict[str, Any]] = []
    guard = PageGuard(f"{path}")
    while True:
        page = client.get(path, {**params, "startAt": len(values), "maxResults": AGILE_PAGE}, missing_ok=True)
        if page is None:
            return values
        batch = [v for v in page.get("values") or () if isinstance(v, dict)]
        total = page.get("total")
        guard.page(total=total if isinstance(total, int) else None, size=len(batch) or AGILE_PAGE)
        if not batch:
            return values
        guard.items(v.get("id") for v in batch)
        values.extend(batch)
        if page.get("isLast", True):
            return values


def _scope_page(page: Mapping[str, Any], endpoint: str) -> dict[str, str]:
    """id -> updated of a search page; an issue without an id is an error (it cannot be fetched)."""
    out: dict[str, str] = {}
    for issue in page.get("issues") or ():
        issue_id = issue.get("id") if isinstance(issue, dict) else None
        if issue_id in (None, ""):
            raise JiraError(
                f"Jira's {endpoint} answered an issue without an id ({str(issue)[:80]}): a proxy or a Jira bug; "
                "try again later"
            )
        fields = issue.get("fields")
        updated = fields.get("updated") if isinstance(fields, dict) else None
        out[str(issue_id)] = str(updated or "")
    return out


def _count(value: Any) -> int:
    """A count from Jira's JSON (``total``), 0 when it is not a number."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return 0


def _link_end_fields(shown: dict[str, Any]) -> dict[str, Any]:
    def part(value: Any, name: str) -> dict[str, Any]:
        found = value.get(name)
        return found if isinstance(found, dict) else {}

    status = part(shown, "status")
    category = part(status, "statusCategory")
    issuetype = part(shown, "issuetype")
    return {
        "summary": shown.get("summary"),
        "status": {
            "id": status.get("id"),
            "name": status.get("name"),
            "statusCategory": {"key": category.get("key")},
        },
        "issuetype": {"name": issuetype.get("name")},
    }


def _without_order_by(jql: str) -> str:
    """The JQL without its ORDER BY clause (outside quotes), so it can be combined with AND."""
    quote: str | None = None
    i = 0
    while i < len(jql):
        ch = jql[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif (i == 0 or not (jql[i - 1].isalnum() or jql[i - 1] == "_")) and re.match(
            r"order\s+by\b", jql[i:], re.IGNORECASE
        ):
            return jql[:i].rstrip()
        i += 1
    return jql


def slim_issue(issue: dict[str, Any]) -> dict[str, Any]:
    """An issue as the cache keeps it: link ends reduced to id, key and what the link shows of them (summary,
    status with its category, type: all that is known of an end the user cannot fetch), no ``self`` URLs or
    avatars."""
    fields = dict(issue.get("fields") or {})
    links = []
    for link in fields.get("issuelinks") or ():
        slim = {"id": link.get("id"), "type": {"name": (link.get("type") or {}).get("name")}}
        for side in ("inwardIssue", "outwardIssue"):
            if link.get(side):
                slim[side] = {"id": link[side].get("id"), "key": link[side].get("key")}
                shown = link[side].get("fields")
                if isinstance(shown, dict):
                    slim[side]["fields"] = _link_end_fields(shown)
        links.append(slim)
    if "issuelinks" in fields:
        fields["issuelinks"] = links
    for name, keep in _KEEP.items():
        value = fields.get(name)
        if isinstance(value, dict):
            fields[name] = _trim(value, keep)
        elif isinstance(value, list):
            fields[name] = [_trim(v, keep) if isinstance(v, dict) else v for v in value]
    return {"id": issue["id"], "key": issue["key"], "fields": fields}


_KEEP = {
    "status": ("id", "name", "statusCategory"),
    "project": ("id", "key", "name"),
    "issuetype": ("id", "name"),
    "fixVersions": ("id", "name"),
    "components": ("id", "name"),
    "parent": ("id", "key"),
}


def _trim(value: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    trimmed = {k: value[k] for k in keep if k in value}
    category = trimmed.get("statusCategory")
    if isinstance(category, dict):
        trimmed["statusCategory"] = {"key": category.get("key")}
    return trimmed


def pull(
    config: Config,
    *,
    progress: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    before_request: Callable[[str, str], None] | None = None,
    now: Clock = wall_clock,
) -> PullResult:
    """Pull the train; returns the snapshot and what it took (requests, fetched vs cached).

    ``now`` is the run's clock: the snapshot's ``taken_at`` and the cache's max-ages come from it.
    """
    return Puller(config, progress=progress, sleep=sleep, before_request=before_request, now=now).run()


def pull_snapshot(config: Config, *, progress: bool = False, now: Clock = wall_clock) -> Snapshot:
    """The complete, normalized snapshot of the train (incremental: only changed issues are fetched)."""
    return pull(config, progress=progress, now=now).snapshot


__all__ = ["PullResult", "PullStats", "Puller", "pull", "pull_snapshot"]
