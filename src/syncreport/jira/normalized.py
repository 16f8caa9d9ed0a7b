"""What the last pull normalized, kept for the next one: a warm run where nothing changed takes each issue's
:class:`~syncreport.jira.builder.Normalized` from the cache instead of normalizing its raw JSON again.

A kept row is used only when it was made from the issue row the cache holds now (the same ``updated`` and
fields signature: :meth:`~syncreport.jira.cache.Cache.get_normalized` joins them) and by the same recipe:
:func:`recipe` digests the code that normalizes (its modules' source), the field map, the status list and
the train's settings (all the builder reads). Another recipe's rows, and rows that do not decode (a damaged
file), are ignored and made again; they hold only what the snapshot shows (never a token or a request).
The rows are orjson: plain data, decoded field by field, never executed (no pickle).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson

import syncreport
from syncreport.config import TrainSettings
from syncreport.jira import builder, normalize, values
from syncreport.jira.builder import Normalized
from syncreport.jira.fields import FieldMap
from syncreport.snapshot import ChangeEvent, DependencyLink, Issue, LinkedIssue, Sprint, decode_row

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


def encode(found: Normalized) -> bytes:
    return orjson.dumps(found)  # orjson walks the dataclasses in C


def decode(body: bytes | str) -> Normalized | None:
    """The Normalized a row holds; None when it does not decode as one (a damaged row: made again)."""
    try:
        data = orjson.loads(body)
        return Normalized(
            issue=decode_row(Issue, data["issue"]),
            issue_id=None if data["issue_id"] is None else str(data["issue_id"]),
            end_ids=tuple((str(k), str(i)) for k, i in data["end_ids"]),
            changes=tuple(decode_row(ChangeEvent, row) for row in data["changes"]),
            links=tuple(decode_row(DependencyLink, row) for row in data["links"]),
            ends=tuple(decode_row(LinkedIssue, row) for row in data["ends"]),
            sprints=tuple(decode_row(Sprint, row) for row in data["sprints"]),
            old_keys=tuple(str(k) for k in data["old_keys"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError):  # orjson.JSONDecodeError is a ValueError
        return None
