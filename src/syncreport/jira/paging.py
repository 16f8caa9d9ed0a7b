"""Guards for Jira's paging loops: every loop that asks for "the next page" ends, or fails with one line.

Broken proxies and server bugs answer with a token already used, ``isLast`` that is never true, or more
pages than the answer's own ``total`` allows (JIRA.md, "guard every loop"). A loop that trusted them would
run until the run's deadline, or for ever, and a report built from repeated pages would count issues twice.
Each loop keeps one :class:`PageGuard` and tells it about every page; the guard raises
:class:`~syncreport.errors.PagingError` (exit 1) naming the endpoint and what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from syncreport.errors import PagingError
from syncreport.jira.endpoints import AGILE_PAGE

# A loop without any count to go by stops past this many pages (50 million issues at 5,000 a page).
MAX_PAGES = 10_000
STALE_PAGES = 3  # pages in a row with no new item before a loop is called stuck
_SLACK_PAGES = 2  # items added while paging may need a page or two more than the first total said


def _advice(what: str, reason: str) -> str:
    return (
        f"Jira's paging of {what} did not end ({reason}): a proxy or a Jira bug; the run stopped rather than "
        "report on repeated or partial pages. Try again later; if it persists, ask your Jira admin"
    )


class PageGuard:
    """One paging loop: tokens never repeat, pages bring something new, and their number stays bounded."""

    def __init__(self, what: str, *, max_pages: int = MAX_PAGES) -> None:
        self.what = what
        self.max_pages = max_pages
        self.pages = 0
        self._tokens: set[str] = set()
        self._seen: set[str] = set()
        self._stale = 0

    def fail(self, reason: str) -> PagingError:
        return PagingError(_advice(self.what, reason))

    def page(self, *, total: int | None = None, size: int | None = None) -> None:
        """Count one page; with a ``total`` and page ``size``, no more pages than they allow (plus slack)."""
        self.pages += 1
        limit = self.max_pages
        if total is not None and size:
            limit = min(limit, -(-max(total, 0) // size) + _SLACK_PAGES)
        if self.pages > limit:
            said = f" for a total of {total}" if total is not None else ""
            raise self.fail(f"more than {limit} pages{said}")

    def token(self, token: str | None) -> str | None:
        """The next page's token, refused when this loop already used it."""
        if token is None:
            return None
        if token in self._tokens:
            raise self.fail("Jira answered a page token it had already given")
        self._tokens.add(token)
        return token

    def items(self, ids: Iterable[object]) -> int:
        """Note a page's item ids; returns how many are new. :data:`STALE_PAGES` pages in a row with nothing
        new (the same page served again, or empty pages that still promise more) end the loop with an error.
        One item twice alone is not an error: a search re-sorted while it is paged may show an issue again."""
        before = len(self._seen)
        self._seen.update(str(item) for item in ids)
        new = len(self._seen) - before
        self._stale = 0 if new else self._stale + 1
        if self._stale >= STALE_PAGES:
            raise self.fail(f"{self._stale} pages in a row brought nothing new")
        return new


def more_claimed_but_no_token(what: str) -> PagingError:
    """isLast false, yet no nextPageToken: the rest of the list cannot be asked for."""
    return PagingError(_advice(what, "isLast is false but no nextPageToken came"))


class JsonRequests(Protocol):
    """What the paging loops need of a client (:class:`~syncreport.jira.client.JiraClient` has it)."""

    def get(self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False) -> Any: ...

    def post(self, path: str, body: dict[str, Any]) -> Any: ...


def agile_pages(client: JsonRequests, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every value of an agile list asked through ``client`` (see :func:`agile_values`)."""
    return agile_values(
        path,
        lambda start, size: client.get(
            path, {**params, "startAt": start, "maxResults": size}, missing_ok=True
        ),
    )


def agile_values(what: str, page_at: Callable[[int, int], dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Every value of an agile list (boards, a board's sprints): ``page_at(startAt, maxResults)`` pages until
    isLast, an empty page or the answer's total; a page that repeats the last ones, or more pages than the
    total allows, fail with one line. A page answered None (a 403/404: a board the account may not see)
    ends the list."""
    values: list[dict[str, Any]] = []
    guard = PageGuard(what)
    while True:
        page = page_at(len(values), AGILE_PAGE)
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


def token_pages(
    client: JsonRequests,
    path: str,
    body: dict[str, Any],
    what: str,
    *,
    item_ids: Any = None,
    first: Callable[[], dict[str, Any]] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every page of a token-paged POST (Cloud's search/jql): the same body with ``nextPageToken`` until
    ``isLast`` is true or no token comes. A repeated token, pages that bring nothing new (``item_ids(page)``
    names a page's items; the issues' ids by default) or isLast false without a token fail with one line.
    ``first`` gives the first page's answer when it was asked already (the same body, no token)."""
    guard = PageGuard(what)
    token: str | None = None
    ids = item_ids or _issue_ids
    while True:
        if first is not None:
            page, first = first(), None
        else:
            page = client.post(path, {**body, "nextPageToken": token} if token else body)
        guard.page()
        guard.items(ids(page))
        yield page
        token = page.get("nextPageToken") or None
        if page.get("isLast") is True:
            return
        if token is None:
            if page.get("isLast") is False:
                raise more_claimed_but_no_token(what)
            return
        guard.token(str(token))


def _issue_ids(page: dict[str, Any]) -> list[object]:
    return [i.get("id") if isinstance(i, dict) else i for i in page.get("issues") or ()]
