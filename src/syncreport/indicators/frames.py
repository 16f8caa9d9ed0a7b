"""The snapshot as pandas DataFrames, and the history look-ups every indicator shares.

Columns (one row per object; times are ``datetime64[us, UTC]``, naive inputs are read as UTC):

- ``issues`` (index: key): key, summary, issue_type, status, status_category, done, created, team_raw (None
  when missing), team ("unassigned" when missing), pi, points, due_date (datetime64 at midnight UTC),
  parent_key, flagged, in_train, bv_planned, bv_actual, sprint_ids (tuple).
- ``sprints`` (index: id): name, state, board_id, start, end, complete, closed_at (complete, else end).
- ``changes`` (index: the event's position in ``snapshot.change_log``): issue_key, at, field, from_value,
  to_value, to_string (sorted by at, stable).
- ``links``: link_id, link_type, provider, consumer, created.
- ``linked`` (index: key): summary, status, issue_type, done, known - link ends the pull could not fetch, as
  their links show them (``known``: the link gave the status's category).

Filters over issue-keyed frames take numpy masks (``frame[mask.to_numpy(dtype=bool)]``), not boolean Series:
numpy asks a Series for ``__array_struct__``, pandas looks that name up in the Series' index, and for a
filtered frame's new index of 100,000 keys that builds its hash table (1 to 5 ms each) for nothing.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from syncreport.snapshot import LinkedIssue, Snapshot

UNASSIGNED = "unassigned"
TIME: Final = "datetime64[us, UTC]"


def _epoch_seconds(value: datetime | None) -> float:
    if value is None:
        return np.nan
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).timestamp()


def utc_times(values: Sequence[datetime | None], naive: int | None = None) -> pd.Series:
    """Aware datetimes (any offset) or naive ones (read as UTC) -> a UTC datetime Series (None -> NaT).

    Goes through epoch seconds: several times faster than pandas' parser on lists of datetime objects.
    ``naive``: how many of ``values`` are naive, when the caller has counted them (each pass over
    hundreds of thousands of scattered objects costs): with none, ``datetime.timestamp`` runs over the list
    in C, and a None in it sends it the per-value way.
    """
    if naive is None:
        naive = _count_naive(values)
    seconds = None
    if naive == 0:
        with contextlib.suppress(TypeError):  # a None: timestamp() of it
            aware = cast(Sequence[datetime], values)
            seconds = np.fromiter(map(datetime.timestamp, aware), dtype="float64", count=len(values))
    if seconds is None:
        seconds = np.array(
            [v.timestamp() if v is not None and v.tzinfo is not None else _epoch_seconds(v) for v in values],
            dtype="float64",
        )
    micros = np.round(seconds * 1e6)
    return pd.Series(pd.to_datetime(micros, unit="us", utc=True)).astype(TIME)


def utc_timestamp(value: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@dataclass(frozen=True)
class Frames:
    issues: pd.DataFrame
    sprints: pd.DataFrame
    changes: pd.DataFrame
    links: pd.DataFrame
    duplicate_keys: tuple[str, ...]
    naive_times: int  # how many datetimes of the snapshot had no time zone (read as UTC)
    linked: pd.DataFrame = dataclasses.field(default_factory=lambda: linked_frame(()))

    def changes_of(self, field: str) -> pd.DataFrame:
        return self.changes[self.changes["field"] == field]


def _column(rows: Iterable[Any], name: str) -> list[Any]:
    return list(map(attrgetter(name), rows))


def _objects(values: Sequence[Any]) -> pd.Series:
    """A column of Python values as an object Series: ``np.fromiter`` copies the pointers in C, half the time
    of ``pd.Series(values, dtype=object)`` for a tuple (which numpy reads as a sequence, checking each item)."""
    return pd.Series(np.fromiter(values, dtype=object, count=len(values)), dtype=object, copy=False)


def _count_naive(values: Sequence[datetime | None]) -> int:
    """How many of the datetimes have no time zone (None values are not counted)."""
    try:  # in C: every value's tzinfo, then the Nones among them
        return list(map(_TZINFO, values)).count(None)
    except AttributeError:  # a None among the values: the per-value way
        return sum(1 for v in values if v is not None and v.tzinfo is None)


_TZINFO = attrgetter("tzinfo")


def build_frames(snapshot: Snapshot) -> Frames:
    issues = snapshot.issues
    created = _column(issues, "created")
    naive_created = _count_naive(created)
    teams = _column(issues, "team")
    issue_frame = pd.DataFrame(
        {
            "key": _column(issues, "key"),
            "summary": _column(issues, "summary"),
            "issue_type": _column(issues, "issue_type"),
            "status": _column(issues, "status"),
            "status_category": _column(issues, "status_category"),
            "created": utc_times(created, naive_created),
            "team_raw": pd.Series(teams, dtype=object),
            "team": [t if t else UNASSIGNED for t in teams],
            "pi": pd.Series(_column(issues, "pi"), dtype=object),
            "points": pd.Series(_column(issues, "points"), dtype="float64"),
            "due_date": pd.to_datetime(pd.Series(_column(issues, "due_date"), dtype=object), utc=True).astype(
                TIME
            ),
            "parent_key": pd.Series(_column(issues, "parent_key"), dtype=object),
            "flagged": pd.Series(_column(issues, "flagged"), dtype=bool),
            "in_train": pd.Series(_column(issues, "in_train"), dtype=bool),
            "bv_planned": pd.Series(_column(issues, "business_value_planned"), dtype="float64"),
            "bv_actual": pd.Series(_column(issues, "business_value_actual"), dtype="float64"),
            "sprint_ids": pd.Series(_column(issues, "sprint_ids"), dtype=object),
        }
    )
    issue_frame["done"] = issue_frame["status_category"] == "done"
    duplicated = issue_frame["key"].duplicated(keep="first")
    duplicate_keys = tuple(sorted(set(issue_frame.loc[duplicated, "key"])))
    issue_frame = issue_frame[~duplicated].set_index("key", drop=False)
    issue_frame.index.name = None

    sprints = snapshot.sprints
    sprint_frame = pd.DataFrame(
        {
            "id": pd.Series(_column(sprints, "id"), dtype="int64"),
            "name": pd.Series(_column(sprints, "name"), dtype=object),
            "state": pd.Series(_column(sprints, "state"), dtype=object),
            "board_id": pd.Series(_column(sprints, "board_id"), dtype="Int64"),
            "start": utc_times(_column(sprints, "start")),
            "end": utc_times(_column(sprints, "end")),
            "complete": utc_times(_column(sprints, "complete")),
        }
    )
    sprint_frame = sprint_frame.drop_duplicates("id").set_index("id", drop=False)
    sprint_frame.index.name = None
    sprint_frame["closed_at"] = sprint_frame["complete"].fillna(sprint_frame["end"])

    changes = snapshot.change_log  # columns: taken as they are, no object per event
    change_times = changes.at
    naive_changes = _count_naive(change_times)
    change_frame = pd.DataFrame(
        {
            "issue_key": _objects(changes.issue_key),
            "at": utc_times(change_times, naive_changes),
            "field": _objects(changes.field),
            "from_value": _objects(changes.from_value),
            "to_value": _objects(changes.to_value),
            "to_string": _objects(changes.to_string),
        }
    )
    change_frame = _in_time_order(change_frame)

    links = snapshot.links
    link_frame = pd.DataFrame(
        {
            "link_id": pd.Series(_column(links, "id"), dtype=object),
            "link_type": pd.Series(_column(links, "link_type"), dtype=object),
            "provider": pd.Series(_column(links, "provider_key"), dtype=object),
            "consumer": pd.Series(_column(links, "consumer_key"), dtype=object),
            "created": utc_times(_column(links, "created")),
        }
    )
    naive = (
        naive_created
        + naive_changes
        + sum(_count_naive((s.start, s.end, s.complete)) for s in sprints)
        + _count_naive(_column(links, "created"))
        + _count_naive([snapshot.taken_at])
    )
    return Frames(
        issue_frame,
        sprint_frame,
        change_frame,
        link_frame,
        duplicate_keys,
        naive,
        linked_frame(snapshot.linked),
    )


def _in_time_order(changes: pd.DataFrame) -> pd.DataFrame:
    """The changes with a time, sorted by it (stable); no copy when they already are (a pull's usual order)."""
    at = changes["at"]
    if at.isna().any():
        changes = changes[at.notna()]
    if changes["at"].is_monotonic_increasing:
        return changes
    return changes.sort_values("at", kind="stable")


def linked_frame(linked: Sequence[LinkedIssue]) -> pd.DataFrame:
    """Link ends that were not fetched, as their links show them (index: key; the first row of a key)."""
    categories = _column(linked, "status_category")
    frame = pd.DataFrame(
        {
            "summary": pd.Series(_column(linked, "summary"), dtype=object),
            "status": pd.Series(_column(linked, "status"), dtype=object),
            "issue_type": pd.Series(_column(linked, "issue_type"), dtype=object),
            "done": pd.Series([c == "done" for c in categories], dtype=bool),
            "known": pd.Series([bool(c) for c in categories], dtype=bool),
        }
    )
    frame.index = pd.Index(_column(linked, "key"), dtype=object)
    return frame[~frame.index.duplicated(keep="first")]


# --- history look-ups ------------------------------------------------------------------------------------


def lookup(values: pd.Series, keys: pd.Series) -> pd.Series:
    """values[key] for each key, aligned with ``keys``, keeping the dtype (also when ``keys`` is empty)."""
    found = values.reindex(keys.to_numpy())
    return pd.Series(found.array, index=keys.index, dtype=values.dtype)


def value_asof(
    keys: pd.Series,
    times: pd.Series,
    events: pd.DataFrame,
    current: pd.Series,
    *,
    codes: np.ndarray | None = None,
    event_codes: np.ndarray | None = None,
) -> pd.Series:
    """The value of a field for each (key, time): the changelog replayed around that moment.

    ``events`` holds issue_key, at, from_value, to_value for one field. At time t the value is the
    ``to_value`` of the last event at or before t; with none, the ``from_value`` of the first event after t
    (the value the issue was created with); with no event at all, the issue's current value (``current``,
    indexed by key). Returns a Series aligned with ``keys``. ``codes`` and ``event_codes``, when the caller
    has them: the row numbers in ``current.index`` of ``keys`` and of the events' keys (:func:`positions`).
    """
    n = len(keys)
    # Issues by row number, times as integers, one binary search over the events sorted by (issue, time).
    # The index itself (not a copy) keeps its hash table from one call to the next.
    index = current.index
    if codes is None:
        codes = positions(index, keys)
    current_values = current.to_numpy(dtype=object)
    now = np.where(codes >= 0, current_values[codes] if len(current_values) else np.nan, np.nan)
    result = pd.Series(now, index=keys.index, dtype=object)
    if n == 0 or events.empty:
        return result
    t = naive_utc(times)
    qid = np.flatnonzero((codes >= 0) & ~np.isnat(t))
    if event_codes is None:
        event_codes = positions(index, events["issue_key"])
    at = naive_utc(events["at"])
    kept = np.flatnonzero((event_codes >= 0) & ~np.isnat(at))
    if len(qid) == 0 or len(kept) == 0:
        return result
    asked = np.zeros(len(index), dtype=bool)  # only the events of the issues asked about are searched
    asked[codes[qid]] = True
    kept = kept[asked[event_codes[kept]]]
    if len(kept) == 0:
        return result
    # events by (issue, time), stable: equal times keep their order (the last of them is "at or before t")
    order = kept[np.lexsort((at[kept], event_codes[kept]))]
    event_codes = event_codes[order]
    # one sortable number per (issue, time): the issue's row number, then the rank of the time
    ranks = np.unique(np.concatenate([at[order], t[qid]]).astype("int64"), return_inverse=True)[1]
    width = int(ranks.max()) + 1
    event_keys = event_codes * width + ranks[: len(order)]
    query_codes = codes[qid]
    found = np.searchsorted(event_keys, query_codes * width + ranks[len(order) :], side="right")
    before = np.maximum(found - 1, 0)  # the last event at or before t, when it is this issue's
    has_before = (found > 0) & (event_codes[before] == query_codes)
    after = np.minimum(found, len(order) - 1)  # the first event after t, when it is this issue's
    has_after = (found < len(order)) & (event_codes[after] == query_codes)
    values = result.to_numpy(dtype=object).copy()
    values[qid] = np.where(
        has_before,
        events["to_value"].to_numpy(dtype=object)[order][before],
        np.where(has_after, events["from_value"].to_numpy(dtype=object)[order][after], values[qid]),
    )
    return pd.Series(values, index=keys.index, dtype=object)


def casefold_isin(values: pd.Series, names: Collection[str]) -> pd.Series:
    """``values.astype(str).str.casefold().isin(names)``, casefolding each distinct value once."""
    text = values.astype(str)
    wanted = [v for v in text.unique() if isinstance(v, str) and v.casefold() in names]
    return text.isin(wanted)


def positions(index: pd.Index, keys: pd.Series) -> np.ndarray:
    """The row number in ``index`` (unique) of each key, -1 for a key not in it."""
    return cast(np.ndarray, index.get_indexer(cast(Any, keys.to_numpy(dtype=object))))


def naive_utc(times: pd.Series) -> np.ndarray:
    """UTC times as a naive datetime64[us] array (vectorised; no Timestamp objects)."""
    return pd.Series(times).astype(TIME).dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def parse_ids(value: object) -> tuple[int, ...]:
    """ "38, 40" -> (38, 40); None/"" -> (); tolerant of stray spaces and non-numbers (skipped)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, tuple | list):
        return tuple(int(v) for v in value)
    return _parse_id_text(str(value))


@functools.lru_cache(maxsize=65536)
def _parse_id_text(value: str) -> tuple[int, ...]:
    """Sprint-set strings repeat a lot ("38, 40"): parse each distinct one once."""
    out: list[int] = []
    for part in value.split(","):
        part = part.strip()
        if part.lstrip("-").isdigit():
            out.append(int(part))
    return tuple(out)


def ids_text(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _factorized_ids(values: pd.Series) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Codes per row (-1 = missing) and the parsed ids of each distinct set value: parse once per value."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, [parse_ids(u) for u in uniques]


def set_contains(sets: pd.Series, ids: pd.Series) -> np.ndarray:
    """Row-wise: is ids[i] in the sprint-id set sets[i] (a "38, 40" string or a tuple)?"""
    codes, parsed = _factorized_ids(sets)
    members = [frozenset(p) for p in parsed]
    return np.fromiter(
        (
            code >= 0 and wanted in members[code]
            for code, wanted in zip(codes.tolist(), ids.tolist(), strict=True)
        ),
        dtype=bool,
        count=len(sets),
    )


def explode_ids(frame: pd.DataFrame, column: str, keep: Sequence[str]) -> pd.DataFrame:
    """One row per id of a set column (strings or tuples), with the ``keep`` columns, as ``sprint_id``.

    Vectorised: each distinct set is parsed once, then every row's ids are gathered from one flat array.
    """
    where, ids = exploded_ids(frame[column])
    out = frame[list(keep)].iloc[where]  # a take: new data already (copy-on-write)
    out["sprint_id"] = ids
    return out


def exploded_ids(sets: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The ids of a set column (strings or tuples), one per (row, id): each id's row number, and the id
    (int64), rows in order and each row's ids in their set's order."""
    codes, parsed = _factorized_ids(sets)
    lengths = np.array([len(p) for p in parsed], dtype="int64")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(parsed) else np.empty(0, dtype="int64")
    flat = np.fromiter((i for p in parsed for i in p), dtype="int64", count=int(lengths.sum()))
    valid = np.flatnonzero(codes >= 0)
    per_row = lengths[codes[valid]]
    where = np.repeat(valid, per_row)
    first = np.repeat(starts[codes[valid]], per_row)
    within = np.arange(len(where)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return where, (flat[first + within] if len(where) else np.empty(0, dtype="int64"))


def sort_by_issue_key(frame: pd.DataFrame, column: str = "key") -> pd.DataFrame:
    """The frame in natural issue-key order (vectorised :func:`syncreport.snapshot.issue_order`).

    Keys are split in one pass of ``str.rpartition``; a number part of ASCII digits is read with ``int``,
    any other (empty, "1.5", "²") with ``pd.to_numeric`` as before, so the order is the same.
    """
    if frame.empty:
        return frame
    keys = [str(k) for k in frame[column].tolist()]
    parts = [k.rpartition("-") for k in keys]
    numbers = [int(n) if n.isascii() and n.isdigit() and len(n) < 19 else None for _, _, n in parts]
    odd = [i for i, n in enumerate(numbers) if n is None]
    if odd:
        parsed = pd.to_numeric(pd.Series([parts[i][2] for i in odd], dtype=object), errors="coerce")
        for i, value in zip(odd, parsed.tolist(), strict=True):
            numbers[i] = None if pd.isna(value) else value
    projects = [p if n is not None else k for (p, _, _), n, k in zip(parts, numbers, keys, strict=True)]
    project = _text_ranks(projects)  # numbers in text order: lexsort compares integers, not strings
    number = np.array([-1 if n is None else n for n in numbers], dtype="float64" if odd else "int64")
    order = np.lexsort((number, project))
    same = (number[order][1:] == number[order][:-1]) & (project[order][1:] == project[order][:-1])
    if same.any():  # equal project and number ("ART-010", "ART-10"): the key's text decides
        order = np.lexsort((_text_ranks(keys), number, project))
    return frame.iloc[order]


def _text_ranks(texts: list[str]) -> np.ndarray:
    """Each text's rank among the distinct texts in code-point order (equal texts, equal ranks)."""
    codes, _ = pd.factorize(np.array(texts, dtype=object), sort=True)
    return cast(np.ndarray, codes)


def text_ranks(texts: np.ndarray) -> np.ndarray:
    """A rank per text (object array of distinct ``str``) in code-point order, as Python compares them.

    Sorted as a numpy unicode array (in C, not a Python comparison per step); numpy's strings drop
    trailing NUL characters, so texts holding one are ranked the Python way.
    """
    ranks = np.empty(len(texts), dtype="int64")
    if "\x00" in "".join(texts.tolist()):
        order = np.argsort(texts, kind="stable")
    else:
        order = np.argsort(texts.astype(str), kind="stable")
    ranks[order] = np.arange(len(texts))
    return ranks


def rows(frame: pd.DataFrame) -> Iterator[Any]:
    """The frame's rows as named tuples (typed loosely: columns are read by attribute).

    The values ``DataFrame.itertuples(index=False)`` gives, with the columns read as lists first: pandas
    iterates a ``str`` column element by element through its array's ``__getitem__``.
    """
    row = collections.namedtuple("Pandas", [str(c) for c in frame.columns], rename=True)  # type: ignore[misc]
    columns = [_iterated(frame.iloc[:, k]) for k in range(frame.shape[1])]
    return cast(Iterator[Any], map(row._make, zip(*columns, strict=True)))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` (Python scalars, NaN kept, NA -> None), from one list per column: pandas
    builds each record value by value."""
    names = [str(c) for c in frame.columns]
    columns = [_boxed(frame.iloc[:, k]) for k in range(frame.shape[1])]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _boxed(series: pd.Series) -> list[Any]:
    """The column's values as ``DataFrame.to_dict`` gives them (numbers, booleans and strings the fast way)."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "biuf"):
        return _iterated(series)
    (values,) = series.to_frame().to_dict("list").values()
    return cast(list[Any], values)


def _iterated(series: pd.Series) -> list[Any]:
    """``list(series)``, fast for numpy-backed and string columns (same values: Python scalars, NaN kept)."""
    if isinstance(series.dtype, np.dtype):
        return series.to_numpy().tolist()
    if isinstance(series.dtype, pd.StringDtype):
        return series.to_numpy(dtype=object).tolist()
    return list(series)


def plain(series: pd.Series) -> list[Any]:
    """The column as Python values, None for every missing one (NaN, NA, NaT); datetimes stay aware UTC."""
    mask = series.isna().to_numpy()
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        values = list(series.dt.to_pydatetime())
    else:
        values = series.astype(object).tolist()
    if mask.any():
        return [None if missing else value for value, missing in zip(values, mask, strict=True)]
    return values


def plain_columns(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, list[Any]]:
    return {name: plain(frame[name]) for name in names}
