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

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson

import syncreport
from syncreport.config import TrainSettings
from syncreport.jira import builder, normalize, values
from syncreport.jira.builder import Normalized
from syncreport.jira.fields import FieldMap
from syncreport.snapshot import ChangeEvent, DependencyLink, Issue, LinkedIssue, Sprint, decode_values

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
_ROW_TYPES = (Issue, ChangeEvent, DependencyLink, LinkedIssue, Sprint)
_VALUES = {cls: attrgetter(*(f.name for f in fields(cls))) for cls in _ROW_TYPES}


def encode(found: Normalized) -> bytes:
    values = _VALUES
    return orjson.dumps(
        (
            values[Issue](found.issue),
            found.issue_id,
            found.end_ids,
            [values[ChangeEvent](row) for row in found.changes],
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
        change, link, end, sprint = (
            decode_values(c) for c in (ChangeEvent, DependencyLink, LinkedIssue, Sprint)
        )
        return Normalized(
            issue=decode_values(Issue)(issue),
            issue_id=None if issue_id is None else str(issue_id),
            end_ids=tuple((str(k), str(i)) for k, i in end_ids),
            changes=tuple(map(change, changes)),
            links=tuple(map(link, links)),
            ends=tuple(map(end, ends)),
            sprints=tuple(map(sprint, sprints)),
            old_keys=tuple(str(k) for k in old_keys),
        )
    except (ValueError, TypeError, KeyError, AttributeError):  # orjson.JSONDecodeError is a ValueError
        return None
