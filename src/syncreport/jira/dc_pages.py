"""Data Center's search pages as they come in: where the pages after the first lie, and the pipeline that
stores each page while the completions of its cut-short changelogs run (:mod:`syncreport.jira.datacenter`
drives both)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from syncreport.jira.endpoints import DC_PAGE
from syncreport.jira.fields import FieldMap
from syncreport.jira.paging import MAX_PAGES, PageGuard

if TYPE_CHECKING:
    from syncreport.jira.datacenter import DataCenterDialect


def size_and_total(first: Mapping[str, Any]) -> tuple[int, int]:
    """A search's page size (the server's cap may be below what was asked) and total, from its first page."""
    size = int(first.get("maxResults") or len(first.get("issues") or ()) or DC_PAGE)
    total = int(first.get("total") or 0)
    if total > max(size, 1) * MAX_PAGES:  # a total no site holds (a proxy's or a bug's): never page it
        raise PageGuard("the search (/rest/api/2/search)").fail(f"a total of {total} issues")
    return size, total


def gaps(asked: Mapping[int, object], size: int, total: int) -> Iterator[tuple[int, int]]:
    """(startAt, maxResults) of the pages still to ask after the first, when pages of ``size`` issues
    were asked at the starts in ``asked``: what lies between them (all of it, when none were)."""
    starts = sorted(s for s in asked if s < total)
    start = size
    while start < total:
        if start in asked:
            start += size
            continue
        following = next((s for s in starts if s > start), total)
        length = size if following >= total else min(size, following - start)
        yield start, length
        start += length


def cancel_all(futures: Iterable[Future[Any]]) -> None:
    for future in futures:
        future.cancel()


#: A search page split: (its issues with complete changelogs, the completions of those cut short).
_Prepared = tuple[list[tuple[dict[str, Any], list[dict[str, Any]] | None]], list[Future[Any]]]


class Pipeline:
    """Search pages stored as they are taken, the issues whose changelogs were cut short as their
    completions come in.

    The completions of page N start as soon as page N is in (:meth:`prepare`, in the thread that fetched
    it) and run while page N+1 is searched for and while earlier pages are stored, instead of waiting for
    the pull to take page N from a queue behind the pages it is storing. A page's issues with complete
    changelogs are stored when it is taken; the completed ones, whichever page they came from, in one batch
    each time a page is taken, and the rest at the end.
    """

    _PREPARED = "syncreport:prepared"  # where prepare() leaves a page's split and completions, until add()

    def __init__(
        self, dialect: DataCenterDialect, fields: FieldMap, wanted: Callable[[dict[str, Any]], bool] | None
    ) -> None:
        self.dialect = dialect
        self.run = dialect.run
        self.sig = fields.signature()
        self.wanted = wanted  # which of a page's issues to store (None: all)
        self.pending: list[Future[Any]] = []  # completions not stored yet

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self._store(wait=True)
        else:
            cancel_all(self.pending)

    def prepare(self, page: dict[str, Any]) -> None:
        """Split a page and start completing its cut-short changelogs, as soon as it is in."""
        page[self._PREPARED] = self._split(page)

    def _split(self, page: Mapping[str, Any]) -> _Prepared:
        complete, truncated = self.dialect.split_page(page, self.wanted)
        return complete, [self.run.pool.submit(self.dialect.complete_changelog, i) for i in truncated]

    def add(self, page: dict[str, Any]) -> None:
        prepared = page.pop(self._PREPARED, None)
        complete, futures = prepared if prepared is not None else self._split(page)
        self.pending.extend(futures)
        if complete:
            self.run.store(complete, self.sig)
        self._store(wait=False)

    def _store(self, *, wait: bool) -> None:
        done = self.pending if wait else [f for f in self.pending if f.done()]
        if not done:
            return
        self.pending = [] if wait else [f for f in self.pending if f not in done]
        self.run.store([f.result() for f in done], self.sig)
