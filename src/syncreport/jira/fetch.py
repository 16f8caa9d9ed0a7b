"""The pull: from a config to a complete :class:`Snapshot`, asking Jira only for what changed.

The steps, for both dialects:

1. **Deployment**: ``[jira].deployment``, else the one remembered in the cache for this site, else
   serverInfo (anonymous).
2. **Fields and statuses**: from the cache; fetched again only when a configured field or a status id is
   not found in the cached lists.
3. **Scope**: the ids and ``updated`` of every issue the train's JQL matches (Cloud: search/jql pages of
   5,000 ids, ids only; Data Center: /search pages of up to 1,000). Issues gone
   since the last run are logged.
4. **Changed issues only**: issues new to the cache, with another ``updated``, or fetched with fewer fields
   are fetched with their *complete* changelog. Cloud: issue/bulkfetch 100 at a time (issues it lists in
   issueErrors are asked again) + changelog/bulkfetch up to 1,000 issues a request, paged by token; the
   fetch of a page of ids starts while the next page loads, with at most 2 x concurrency units of 1,000
   in flight. Data Center: /search with expand=changelog (the whole JQL when the cache is empty, else by
   id), then every changelog whose total exceeds what came inline is completed. Each unit is written to
   the cache in one transaction, issues and changelogs together, so a killed run leaves only whole rows and
   the next run resumes. Fetched issues are normalized as they arrive; the unchanged ones come from the
   cache as the last pull normalized them (:mod:`syncreport.jira.normalized`), normalized again only
   when that is missing or was made another way (other fields, statuses, train settings or code).
5. **Far ends**: the other end of every dependency link that lies outside the train's JQL is fetched
   (every run: they are few, and their status and sprint matter), marked ``in_train=False``.
6. **Boards and sprints**: the boards of the train's projects (or ``[train].boards``) and every board a
   sprint of an issue comes from. A board's sprint list is fetched again when it is older than
   ``[cache].sprints_max_age_minutes``, when one of its sprints was due to start or end since it was
   fetched, or when an issue names a sprint of that board that the list lacks or shows in another state.
   Otherwise the cached list is used: a warm re-run with nothing changed costs the scope pages and one
   far-end request.
7. **Risks and PI objectives** (:mod:`syncreport.jira.agenda`): by their own JQL, with their changelogs;
   they are few, so they are fetched whole every run (not cached). Where Jira allows it, the far ends and
   they are one search, on a warm Cloud run the search for what changed (:mod:`syncreport.jira.alongside`).

Requests run in a bounded thread pool (``[jira].concurrency``), one HTTP session per thread.

This module is the orchestrator (about 460 lines: the run's steps read best in one place): the steps above that differ between Cloud and Data Center (3, 4, and
fetching issues by key for 5) are the dialect's (:mod:`syncreport.jira.dialect`, implemented by
:mod:`syncreport.jira.cloud` and :mod:`syncreport.jira.datacenter`); boards and sprints (6) are
:mod:`syncreport.jira.boards`; every path and page size is in :mod:`syncreport.jira.endpoints`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

from syncreport.clock import Clock, wall_clock
from syncreport.config import Config
from syncreport.errors import JiraError
from syncreport.gc_pause import gc_paused
from syncreport.jira import normalized
from syncreport.jira.agenda import Together, add_agenda
from syncreport.jira.alongside import Alongside
from syncreport.jira.boards import Boards
from syncreport.jira.builder import SnapshotBuilder
from syncreport.jira.cache import Cache, slim_issue
from syncreport.jira.client import JiraClient
from syncreport.jira.cloud import CloudDialect
from syncreport.jira.datacenter import DataCenterDialect
from syncreport.jira.dialect import Dialect, PullStats, chunks
from syncreport.jira.endpoints import Deployment
from syncreport.jira.far_ends import FarEnds
from syncreport.jira.fields import FieldMap
from syncreport.jira.normalized import recipe
from syncreport.jira.probe import detect_deployment
from syncreport.jira.shape import check_issue
from syncreport.jira.site import SiteLists
from syncreport.one_core import one_core
from syncreport.progress import NO_PROGRESS, Progress
from syncreport.snapshot import OddIssue, Snapshot

log = logging.getLogger(__name__)

UNKNOWN_STATUSES = "unknown_statuses"  # status ids changelogs name that a list fetched afresh lacked
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class PullResult:
    snapshot: Snapshot
    stats: PullStats


class Puller:
    """One pull of one train. Use :func:`pull` unless you need the hooks (tests, benchmark)."""

    def __init__(
        self,
        config: Config,
        *,
        progress: Progress = NO_PROGRESS,
        sleep: Callable[[float], None] = time.sleep,
        before_request: Callable[[str, str], None] | None = None,
        now: Clock = wall_clock,
    ) -> None:
        self.config = config
        self.settings = config.jira
        self.source = str(config.source or "the config")
        self._sleep = sleep
        self._before_request = before_request
        self.now = now
        self.progress = progress
        self.stats = PullStats()
        self._deadline: float | None = (
            None  # time.monotonic() past which the pull stops (run_timeout_seconds)
        )

    def epoch(self) -> float:
        """The run's clock as seconds since the epoch (the cache's max-ages and fetch times)."""
        return self.now().timestamp()

    # --- the whole pull ---------------------------------------------------------------------------------

    def run(self) -> PullResult:
        started = time.monotonic()
        self._deadline = started + self.settings.run_timeout_seconds
        with (
            gc_paused(),  # a pull makes hundreds of thousands of acyclic objects (gc_pause.py)
            one_core(),  # its threads hand the GIL over on one core, not across cores (one_core.py)
            Cache.for_settings(self.config.cache, self.settings.url, clock=self.epoch) as cache,
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
                with self.progress:
                    snapshot = PullRun(self, client, cache, pool, deployment).run()
            except BaseException:
                client.cancel()  # requests in flight stop at their next attempt or retry wait
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                client.close()
                self.stats.requests += client.requests_made
                self.stats.requests_by_endpoint = dict(client.request_counts)
                self.stats.most_in_flight = client.limit.most_in_flight
                self.stats.limit_cuts = client.limit.cuts
                self.stats.throttled = client.limit.throttled
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
        if remembered and remembered[0] == "cloud":
            return "cloud"
        if remembered and remembered[0] == "datacenter":
            return "datacenter"
        found = detect_deployment(
            self.settings, sleep=self._sleep, deadline=self._deadline, config_name=self.source
        )
        self.stats.requests += 1 + found.signed_in
        cache.put_meta("deployment-detected", found.deployment)
        return found.deployment


class PullRun:
    """The state of one pull (client, cache, pool); the steps are its methods. The dialects use it as a
    :class:`~syncreport.jira.dialect.RunContext`."""

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
        self.source = puller.source
        self.stats = puller.stats
        self.progress = puller.progress
        self.dialect: Dialect = CloudDialect(self) if deployment == "cloud" else DataCenterDialect(self)
        self.boards = Boards(self, puller.epoch)
        self.site = SiteLists(self, self.dialect, puller.epoch)
        self.far_ends = FarEnds(self, self.dialect, self.boards)
        self.alongside = Alongside(self)
        # The run's state, set as the steps go:
        self.builder: SnapshotBuilder  # fetched issues are normalized into it as they arrive
        self.added: set[str] = set()  # ids already in the builder
        # Issues read despite an odd shape (syncreport.jira.shape): key -> problems, for the findings; the
        # train's ones are never cached (fetched again next run), so they are kept here by id meanwhile.
        self._odd: dict[str, list[str]] = {}
        self._uncached: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        self._status_ids_seen: set[str] = set()  # status ids named by fetched changelogs
        self.recipe = ""  # what the builder's normalizing is made of (syncreport.jira.normalized.recipe)
        # the agenda's one search, started with the far ends (the train's projects as its keys name them)
        self._agenda_early: tuple[list[str], Future[Together | None]] | None = None
        self._boards_asked = False  # the configured boards' prefetch (issues_asked)

    def issues_asked(self) -> None:
        """The first requests for the train's issues are on their way: a cold pull asks for the configured
        boards now (they are needed at its end), behind them; once."""
        if not self._boards_asked:
            self._boards_asked = True
            self.boards.prefetch_configured()

    def start_far_ends(self, keys: set[str], fields: FieldMap, train_keys: Iterable[str] = ()) -> None:
        """The far ends, asked now; and, named by the train's keys, the risks' and PI objectives' one search
        of the train's projects (used if the snapshot's projects are those: :meth:`_agenda_ahead`)."""
        self.far_ends.start(keys, fields)
        projects = sorted({key.rsplit("-", 1)[0] for key in train_keys if "-" in key})
        if projects:
            self._agenda_early = self._agenda_ahead(projects, fields)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
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
        taken_at = self.puller.now()
        # A cold start asks for the field and status lists at once; the boards (when configured) once the
        # field list is in: what the issues' requests wait for goes first (4 requests in flight at the start).
        self.site.start()
        self.dialect.start()
        fields = self.site.fields()
        # A cold pull asks them once its first issue requests are on their way (issues_asked): at the start
        # they took the slots of the limit on requests in flight, and the issues waited behind 16 of them.
        self._boards_asked = self.cache.has_issues()
        if self._boards_asked:
            self.boards.prefetch_configured()
        listed_now = not self.cache.get_meta("statuses")  # no cached list: this run asks for it
        statuses = self.site.statuses(force=False)
        # Fetched issues are normalized as they arrive (while other requests are in flight); the
        # unchanged ones are read back from the cache afterwards.
        self.builder = SnapshotBuilder(self.config, fields, statuses)
        self.recipe = recipe(self.config.train, fields, statuses)
        scope = self.dialect.scope_and_fetch(fields)
        self.issues_asked()  # when the dialect did not say so (nothing fetched)
        if not scope:
            jql = " ".join(self.config.train.jql.split())
            raise JiraError(
                f"the train's JQL matches no issue ({jql}): fix [train].jql in {self.source}; "
                "try it in Jira's issue search with the same account"
            )
        self._know_statuses(fields, statuses, listed_now=listed_now)
        builder = self.builder
        for issue_id, (raw, histories) in self._uncached.items():
            if issue_id not in self.added:
                builder.add(raw, histories, in_train=True)
                self.added.add(issue_id)
        self._add_cached([i for i in scope if i not in self.added])
        absent = [i for i in scope if i not in self.added]
        if absent:
            raise JiraError(
                f"{len(absent)} issue(s) of the train's JQL could not be fetched (ids {', '.join(absent[:10])}"
                f"{' and more' if len(absent) > 10 else ''}): Jira's answers left them out; the report would "
                "miss them. Try again later; if it persists, check that the account may browse them"
            )
        far, together = self.alongside.far_ends_and_agenda(builder, fields)
        agenda_ahead = None
        if together is None:
            projects = sorted({i.project for i in builder.issues.values() if i.in_train and i.project})
            early = self._agenda_early
            agenda_ahead = (
                early if early is not None and early[0] == projects else self._agenda_ahead(projects, fields)
            )
        for raw in far:
            checked, _, problems = check_issue(raw, None, sprint_field=fields.sprint)
            builder.add(checked, None, in_train=False)
            if problems:
                self._odd[str(checked["key"])] = problems
        self.alongside.remember(builder)
        boards = self.boards.boards({i.project for i in builder.issues.values() if i.in_train})
        board_ids = {int(b["id"]) for b in boards} | builder.sprint_board_ids()
        board_sprints = self.boards.board_sprints(board_ids, builder)
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
        stale = self.dialect.stale_search()
        if stale:
            log.warning(
                "Jira's search was behind its issues during this run (%s): edits made just before it may be "
                "missing; the next run includes them", "; ".join(f"{s.issue}: {s.detail}" for s in stale[:3]),
            )  # fmt: skip
            snapshot = dataclasses.replace(snapshot, stale_search=tuple(stale))
        return self._with_agenda(snapshot, fields, together, agenda_ahead)

    def _know_statuses(self, fields: FieldMap, statuses: list[dict[str, Any]], *, listed_now: bool) -> None:
        """A changelog names a status the cached list lacks: ask for the list again, and normalize afresh
        only when the new list knows one of them. Statuses a workflow migration deleted stay unknown for
        good (their changelogs still name them): once a list fetched afresh lacks them, they are remembered
        and do not make every run ask again, nor normalize every issue twice."""
        unknown = self._status_ids_seen - _ids(statuses)
        known_unknown = set((self.cache.get_meta(UNKNOWN_STATUSES) or ([],))[0])
        if not unknown - known_unknown:
            return
        if not listed_now:
            fresh = self.site.statuses(force=True)
            if unknown & _ids(fresh):
                self.builder = SnapshotBuilder(self.config, fields, fresh)
                self.recipe = recipe(self.config.train, fields, fresh)
                self.added = set()
            unknown -= _ids(fresh)
        self.cache.put_meta(UNKNOWN_STATUSES, sorted(known_unknown | unknown))

    def _agenda_ahead(
        self, projects: list[str], fields: FieldMap
    ) -> tuple[list[str], Future[Together | None]] | None:
        """The risks' and PI objectives' one search of these projects (when they are found by one), started
        now, while the far ends are added and the snapshot is built, rather than after it: (the projects,
        its answer). A cold pull starts it once every issue's answer is in (:meth:`start_far_ends`)."""
        fetcher = self.alongside.fetcher(fields)
        if not fetcher.can_go_together(projects):
            return None
        return projects, self.pool.submit(fetcher.ask_together, projects)

    def _with_agenda(
        self,
        snapshot: Snapshot,
        fields: FieldMap,
        together: Together | None,
        ahead: tuple[list[str], Future[Together | None]] | None = None,
    ) -> Snapshot:
        """Risks and PI objectives, by their own JQL (syncreport.jira.agenda); ``ahead``: their one search,
        started before the snapshot was built (used when the train's projects are still those it asked)."""
        asked = False
        if together is None and ahead is not None:
            projects, answer = ahead
            if projects == sorted({i.project for i in snapshot.issues if i.in_train and i.project}):
                together, asked = answer.result(), True
        cached = self.cache.get_meta("fields")
        return add_agenda(
            snapshot,
            self.client,
            cloud=self.deployment == "cloud",
            config=self.config,
            fields=fields,
            site_fields=list(cached[0]) if cached else [],
            statuses=self.site.statuses(force=False),
            source=self.source,
            together=together,
            asked_together=asked,
        )

    # --- scope ------------------------------------------------------------------------------------------

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

    def store(self, rows: Sequence[tuple[Any, list[Any] | None]], sig: str) -> None:
        """Check, normalize and then cache fetched train issues: only rows that normalized cleanly are
        cached (an odd one is fetched again next run, so its finding stays while Jira's answer is odd)."""
        self.stats.histories += sum(len(h) for _, h in rows if isinstance(h, list))
        builder = self.builder
        sprint_field = builder.fields.sprint
        status_ids = self._status_ids_seen
        clean: list[tuple[dict[str, Any], list[dict[str, Any]], str]] = []
        bodies: dict[str, bytes] = {}
        for raw, raw_histories in rows:
            checked, checked_histories, problems = check_issue(raw, raw_histories, sprint_field=sprint_field)
            issue = slim_issue(checked)
            histories, old_keys = builder.relevant_histories_with_old_keys(checked_histories or ())
            found = builder.normalize(issue, histories, in_train=True, old_keys=old_keys)
            builder.take(found)
            issue_id = str(issue["id"])
            self.added.add(issue_id)
            if problems:
                self._odd[str(issue["key"])] = problems
                self._uncached[issue_id] = (issue, histories)
            else:
                self._odd.pop(str(issue["key"]), None)
                self._uncached.pop(issue_id, None)
                clean.append((issue, histories, sig))
                bodies[issue_id] = normalized.encode(found)
            for history in histories:
                for item in history["items"]:
                    if item.get("fieldId") == "status" or item.get("field") == "status":
                        status_ids.update(str(v) for v in (item.get("from"), item.get("to")) if v)
        # written here, on the pull's thread (round five wrote them on a writer thread of their own): the
        # writer cost 0.1 to 0.3 CPU s a cold 10k pull (the GIL handed back and forth on every row's step)
        # and no wall time the noise lets one read (docs/performance.md, the cold pull, round six)
        self.cache.put_issues(clean, bodies, self.recipe)
        self.progress.advance(len(rows))

    def _add_cached(self, ids: list[str]) -> None:
        """The unchanged issues, from the cache: as the last pull normalized them when it kept that (same
        rows, same recipe: :mod:`syncreport.jira.normalized`), else normalized from their rows again (and
        kept for the next run)."""
        builder = self.builder
        made: dict[str, bytes] = {}
        for chunk in chunks(ids, 1000):
            kept = self.cache.get_normalized(chunk, self.recipe)
            rest = []
            for issue_id in chunk:
                found = normalized.decode(kept[issue_id]) if issue_id in kept else None
                if found is None or found.issue_id != issue_id:
                    rest.append(issue_id)
                    continue
                builder.take(found)
                self.added.add(issue_id)
                self.stats.kept_normalized += 1
            for cached in self.cache.get_issues(rest).values():
                found = builder.normalize(cached.issue, cached.histories, in_train=True)
                builder.take(found)
                self.added.add(cached.id)
                made[cached.id] = normalized.encode(found)
        if made:
            self.cache.put_normalized(made, self.recipe)


def _ids(statuses: Iterable[Mapping[str, Any]]) -> set[str]:
    return {str(s.get("id")) for s in statuses}


def pull(
    config: Config,
    *,
    progress: Progress = NO_PROGRESS,
    sleep: Callable[[float], None] = time.sleep,
    before_request: Callable[[str, str], None] | None = None,
    now: Clock = wall_clock,
) -> PullResult:
    """Pull the train; returns the snapshot and what it took (requests, fetched vs cached).

    ``now`` is the run's clock: the snapshot's ``taken_at`` and the cache's max-ages come from it;
    ``progress`` is told how far the pull got (the CLI hands in a progress bar).
    """
    return Puller(config, progress=progress, sleep=sleep, before_request=before_request, now=now).run()


def pull_snapshot(config: Config, *, progress: Progress = NO_PROGRESS, now: Clock = wall_clock) -> Snapshot:
    """The complete, normalized snapshot of the train (incremental: only changed issues are fetched)."""
    return pull(config, progress=progress, now=now).snapshot


__all__ = ["PullResult", "PullStats", "Puller", "pull", "pull_snapshot"]
