"""The answers that carry changelogs, decoded without what the pull never reads: each history's author.

A changelog history in Jira's answers is ``{"id", "author", "created", "items", "historyMetadata"}``, and
the author is a user object with its avatar URLs: about a third of a Data Center search page of 1,000
issues with ``expand=changelog`` (5 MB), and of Cloud's ``changelog/bulkfetch`` pages. The pull reads a
history's id, time and items only (the check, the cache's rows, the change events). A typed decoder
(``msgspec`` with the answer's documented schema as ``TypedDict``) skips the author and the metadata
without building them: a Data Center page decodes in about 60% of ``orjson.loads``' time.

The contract: what :func:`search_page`, :func:`issue` and :func:`changelogs` return is what
``orjson.loads`` returns for the same bytes, less the histories' ``author`` and ``historyMetadata``,
and less any key the answer's documented schema does not name at the levels above a history. The
issues' ``fields`` are decoded by orjson itself (``msgspec.Raw``: the same numbers, the same strings), and
so is any answer of another shape: a history item with a value that is not text or null, a history with
no text id, a changelog that is not an object, malformed JSON (which orjson then reports as it always did).
Documented schemas: Data Center's ``SearchResults``/``IssueBean``/``Changelog``/``ChangeHistory`` (REST v2),
Cloud's ``BulkChangelogResponseBean``/``IssueChangeLog``/``ChangeHistory`` (REST v3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypedDict

import msgspec
import orjson

# A history's item: {"field", "fieldtype", "fieldId", "from", "fromString", "to", "toString", and Cloud's
# "tmpFromAccountId", "tmpToAccountId"}, every value text or null (kept whole: the cache keeps items as
# Jira wrote them). Anything else, and the whole answer is decoded by orjson.
Item = dict[str, str | None]


class _History(TypedDict, total=False):
    id: str | int
    created: str | int | None  # ISO-8601 text, or epoch milliseconds (changelog/bulkfetch)
    items: list[Item] | None


class _Changelog(TypedDict, total=False):
    startAt: Any
    maxResults: Any
    total: Any
    histories: list[_History] | None


class _Issue(TypedDict, total=False):
    expand: Any
    id: Any
    self: Any
    key: Any
    fields: msgspec.Raw
    changelog: _Changelog
    renderedFields: Any
    properties: Any
    names: Any
    schema: Any
    transitions: Any
    operations: Any
    editmeta: Any
    versionedRepresentations: Any
    fieldsToInclude: Any


class _SearchPage(TypedDict, total=False):
    expand: Any
    startAt: Any
    maxResults: Any
    total: Any
    issues: list[_Issue]
    warningMessages: Any
    names: Any
    schema: Any


class _IssueChangeLog(TypedDict, total=False):
    issueId: Any
    changeHistories: list[_History] | None


class _BulkChangelogs(TypedDict, total=False):
    issueChangeLogs: list[_IssueChangeLog] | None
    nextPageToken: Any


_SEARCH_PAGE = msgspec.json.Decoder(_SearchPage)
_ISSUE = msgspec.json.Decoder(_Issue)
_BULK_CHANGELOGS = msgspec.json.Decoder(_BulkChangelogs)
# not this shape, or not JSON, or fields orjson would not take: orjson decodes the answer (and says what is wrong)
_NOT_THIS_SHAPE = (msgspec.DecodeError, msgspec.ValidationError, orjson.JSONDecodeError)


def _fields_by_orjson(issue: dict[str, Any]) -> None:
    raw = issue.get("fields")
    if raw is not None:
        issue["fields"] = orjson.loads(memoryview(raw))


def _lean(
    decoder: msgspec.json.Decoder[Any], content: bytes, issues_of: Callable[[Any], Iterable[Any]]
) -> Any:
    """``content`` by ``decoder``, the ``fields`` of the issues ``issues_of`` finds in it by orjson; an
    answer of another shape by orjson whole."""
    try:
        decoded = decoder.decode(content)
        for found in issues_of(decoded):
            _fields_by_orjson(found)
    except _NOT_THIS_SHAPE:
        return orjson.loads(content)
    return decoded


def search_page(content: bytes) -> Any:
    """A Data Center search answer (``/rest/api/2/search``), its issues' changelogs without authors."""
    return _lean(_SEARCH_PAGE, content, lambda page: page.get("issues") or ())


def issue(content: bytes) -> Any:
    """One issue with ``expand=changelog`` (``/rest/api/2/issue/{id}``), its changelog without authors."""
    return _lean(_ISSUE, content, lambda found: (found,))


def changelogs(content: bytes) -> Any:
    """A Cloud ``changelog/bulkfetch`` page, its histories without authors (no issue fields in it)."""
    return _lean(_BULK_CHANGELOGS, content, lambda _page: ())
