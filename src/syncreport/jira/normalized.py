"""What the last pull normalized, kept for the next one: a warm run where nothing changed takes each issue's
:class:`~syncreport.jira.builder.Normalized` from the cache instead of normalizing its raw JSON again.

A kept row is used only when it was made from the issue row the cache holds now (the same ``updated`` and
fields signature: :meth:`~syncreport.jira.cache.Cache.get_normalized` joins them) and by the same recipe:
:func:`recipe` digests the code that normalizes (its modules' source), the field map, the status list and
the train's settings (all the builder reads). Another recipe's rows, and rows that do not decode (a damaged
file), are ignored and made again; they hold only what the snapshot shows (never a token or a request).
The rows are orjson: plain data, each dataclass the list of its field values (decoded by position and
field type: :func:`~syncreport.snapshot.decode_values`), never executed (no pickle).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, fields
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson

import syncreport
from syncreport.config import TrainSettings
from syncreport.jira import builder, normalize, values
from syncreport.jira.builder import Normalized
from syncreport.jira.fields import FieldMap
from syncreport.snapshot import (
    ChangeEvent,
    ChangeRow,
    DependencyLink,
    Issue,
    LinkedIssue,
    Sprint,
    decode_positions,
    decode_values,
)

# The modules whose code decides what a Normalized holds: a change to any of them makes every kept row stale.
_RECIPE_MODULES = (builder, normalize, values, syncreport.snapshot)


def recipe(train: TrainSettings, fields: FieldMap, statuses: Iterable[Mapping[str, Any]]) -> str:
    """The SHA-256 of everything but the issue that a Normalized is made from."""
    digest = hashlib.sha256()
    digest.update(syncreport.__version__.encode())
    for source in (*(str(m.__file__) for m in _RECIPE_MODULES), __file__):
        digest.update(Path(source).read_bytes())
    digest.update(train.model_dump_json().encode())
    digest.update(orjson.dumps(asdict(fields), option=orjson.OPT_SORT_KEYS))
    digest.update(orjson.dumps(list(statuses), option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()


# Each dataclass of a kept row as the list of its field values in field order (orjson writes the tuple an
# attrgetter returns as an array, and times as ISO 8601): no field names, and positional construction on
# the way back (the 10k-issue warm run decodes about 47,000 of them).
_ROW_TYPES = (Issue, DependencyLink, LinkedIssue, Sprint)  # the change events are rows already
_VALUES = {cls: attrgetter(*(f.name for f in fields(cls))) for cls in _ROW_TYPES}


def encode(found: Normalized) -> bytes:
    values = _VALUES
    return orjson.dumps(
        (
            values[Issue](found.issue),
            found.issue_id,
            found.end_ids,
            found.changes,
            [values[DependencyLink](row) for row in found.links],
            [values[LinkedIssue](row) for row in found.ends],
            [values[Sprint](row) for row in found.sprints],
            found.old_keys,
        )
    )


def decode(body: bytes | str) -> Normalized | None:
    """The Normalized a row holds; None when it does not decode as one (a damaged row: made again)."""
    try:
        issue, issue_id, end_ids, changes, links, ends, sprints, old_keys = orjson.loads(body)
        return Normalized(
            issue=_ISSUE(issue),
            issue_id=None if issue_id is None else str(issue_id),
            end_ids=tuple((str(k), str(i)) for k, i in end_ids),
            changes=change_rows(changes),
            links=_rows(DependencyLink, links),
            ends=_rows(LinkedIssue, ends),
            sprints=_rows(Sprint, sprints),
            old_keys=tuple(str(k) for k in old_keys),
        )
    except (ValueError, TypeError, KeyError, AttributeError):  # orjson.JSONDecodeError is a ValueError
        return None


_ISSUE = decode_values(Issue)


def change_rows(rows: list[list[Any]]) -> tuple[ChangeRow, ...]:
    """A kept issue's change events (each the list of a ChangeEvent's field values) as the rows the builder
    joins into the snapshot's :class:`~syncreport.snapshot.ChangeLog`: the times converted (as
    :func:`~syncreport.snapshot.decode_positions` says), no ChangeEvent made. Rows, not one small log per
    issue: a few events each, and seven tuples per issue cost as much as the objects did."""
    return tuple(map(tuple, _converted(ChangeEvent, rows)))  # seven values each, checked there


def _rows(cls: type, rows: list[list[Any]]) -> tuple[Any, ...]:
    """``rows`` (each the list of a ``cls``'s field values) as ``cls`` objects, converted column by column
    (times, dates, tuples, as :func:`~syncreport.snapshot.decode_positions` says) rather than row by row: a kept
    issue's changelog is a few dozen rows of the same class (27,000 at 10k issues)."""
    return tuple(starmap(cls, _converted(cls, rows)))


def _converted(cls: type, rows: list[list[Any]]) -> list[list[Any]]:
    """``rows`` (each the list of a ``cls``'s field values) with their non-JSON values converted in place,
    column by column; a row of another length is refused."""
    if not rows:
        return rows
    width, where = _columns(cls)
    if any(len(row) != width for row in rows):
        raise ValueError(f"a {cls.__name__} row of another length than {width}")
    for index, convert in where:
        for row in rows:
            value = row[index]
            if value is not None:
                row[index] = convert(value)
    return rows


@functools.cache
def _columns(cls: type) -> tuple[int, tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """How many values a row of ``cls`` has, and (index, convert) for the fields that are not plain JSON:
    the same conversions as :func:`~syncreport.snapshot.decode_values`, by position."""
    return len(fields(cls)), decode_positions(cls)
