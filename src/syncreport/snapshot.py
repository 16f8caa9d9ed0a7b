"""The typed model of one train at one moment, independent of the Jira dialect it came from.

The Jira layer (``syncreport.jira``) builds a :class:`Snapshot`; the indicators read it and never see
HTTP or Jira JSON. A snapshot can be saved to a versioned file (gzipped JSON) and loaded back, so a report
can be re-rendered offline for audits and bug reports.

Conventions:
- Every datetime is timezone-aware and in UTC; dates (due dates) are plain :class:`datetime.date`.
- Issue keys are the join key between issues, links and change events.
- ``status_category`` is Jira's statusCategory key: ``"new"``, ``"indeterminate"`` or ``"done"``;
  "done" is decided by category, never by status name.
- A dependency link is already oriented: ``provider_key`` delivers what ``consumer_key`` needs. The
  configured link types decide the orientation (see config ``[[train.dependency_link_types]]``).
- Change events use the field names in :class:`ChangeField`. Their values follow Jira's changelog with
  these normalizations: ``sprint`` from/to are sprint ids joined by ``", "``; ``pi`` from/to are PI names
  (one event per PI added or removed); ``status`` from/to are status-category keys with the names in
  from_string/to_string; ``duedate`` from/to are ISO dates; ``flagged`` to is ``"true"``/``"false"``;
  ``team`` from_string/to_string are team names; ``link`` to_string names the other issue's key when a link
  was added and from_string when it was removed.

Longer than 400 lines: the model and its file format together. The file is read by the dataclasses' own
type hints (:func:`_decoders`), so a field added to the model is a field of the file, and the two cannot
drift apart.
"""

from __future__ import annotations

import functools
import gzip
import os
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import MISSING, dataclass, fields
from datetime import UTC, date, datetime
from enum import StrEnum
from operator import attrgetter
from pathlib import Path
from typing import Any, cast, get_args, get_origin, get_type_hints, overload
from urllib.parse import urlsplit

import orjson

from syncreport.errors import ConfigError, DeliveryError
from syncreport.gc_pause import gc_paused
from syncreport.kinds import Deployment

SCHEMA_VERSION = 2  # 2: risks and PI objectives (a version 1 file loads with neither, and says so)
READABLE_VERSIONS = (1, 2)
FORMAT_NAME = "syncreport-snapshot"
# gzip level 3: a 10,000-issue snapshot compresses in a seventh of level 9's time, into 1.4x its bytes
GZIP_LEVEL = 3


class ChangeField(StrEnum):
    SPRINT = "sprint"
    PI = "pi"
    STATUS = "status"
    DUEDATE = "duedate"
    FLAGGED = "flagged"
    TEAM = "team"
    LINK = "link"
    POINTS = "points"
    PARENT = "parent"


def issue_order(key: str) -> tuple[str, int, str]:
    """Issue keys as people read them: by project, then by number (ORB-2 before ORB-10); keys without a
    number sort by their text. The one order for keys everywhere (the pull's lists, the indicators' rows)."""
    project, _, number = key.rpartition("-")
    return (project, int(number), "") if number.isdigit() else (key, -1, key)


@dataclass(frozen=True, slots=True)
class Sprint:
    id: int
    name: str
    state: str  # "closed" | "active" | "future"
    board_id: int | None = None  # the sprint's origin board
    start: datetime | None = None
    end: datetime | None = None
    complete: datetime | None = None
    goal: str = ""


@dataclass(frozen=True, slots=True)
class Board:
    id: int
    name: str
    team: str | None = None
    project_key: str | None = None
    board_type: str = "scrum"  # Jira's board type: "scrum", "kanban" (no sprints) or "simple"


@dataclass(frozen=True, slots=True)
class Issue:
    id: str
    key: str
    summary: str
    issue_type: str
    status: str
    status_category: str  # "new" | "indeterminate" | "done"
    project: str
    created: datetime
    updated: datetime
    team: str | None = None
    # every candidate team when the issue carried several (components, team labels); ``team`` is the one picked
    team_choices: tuple[str, ...] = ()
    sprint_ids: tuple[int, ...] = ()  # every sprint the issue is in now, in Jira's order
    pi: str | None = None
    points: float | None = None
    due_date: date | None = None
    parent_key: str | None = None
    flagged: bool = False
    resolved: datetime | None = None
    labels: tuple[str, ...] = ()
    in_train: bool = True  # False for far ends of links fetched from outside the train's JQL
    business_value_planned: float | None = None
    business_value_actual: float | None = None

    @property
    def done(self) -> bool:
        return self.status_category == "done"


@dataclass(frozen=True, slots=True)
class DependencyLink:
    id: str
    link_type: str
    provider_key: str
    consumer_key: str
    created: datetime | None = None  # from the changelog's Link item when known


@dataclass(frozen=True, slots=True)
class LinkedIssue:
    """The far end of a dependency link as the link itself shows it, for an issue the pull could not fetch
    (a project the user may not browse): Jira embeds the linked issue's summary, status (with its category)
    and type in every link."""

    key: str
    summary: str = ""
    status: str = ""
    status_category: str = ""  # "new" | "indeterminate" | "done"; "" when the link did not say
    issue_type: str = ""

    @property
    def done(self) -> bool:
        return self.status_category == "done"


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    issue_key: str
    at: datetime
    field: str  # a ChangeField value
    from_value: str | None = None
    to_value: str | None = None
    from_string: str | None = None
    to_string: str | None = None


_CHANGE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ChangeEvent))
#: A change event as the tuple of its field values, in field order (how the pull hands one issue's over).
ChangeRow = tuple[str, datetime, str, str | None, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class ChangeLog(Sequence[ChangeEvent]):
    """The train's change events as columns, one tuple per :class:`ChangeEvent` field (row i of every
    column is event i): what the snapshot holds, and how the pull hands the changelog over. The indicators
    read the columns as they are (hundreds of thousands of events: no object per event, no attribute read
    per value); read as a sequence it still gives :class:`ChangeEvent` objects, made on the way out."""

    issue_key: tuple[str, ...] = ()
    at: tuple[datetime, ...] = ()
    field: tuple[str, ...] = ()
    from_value: tuple[str | None, ...] = ()
    to_value: tuple[str | None, ...] = ()
    from_string: tuple[str | None, ...] = ()
    to_string: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        if len({len(column) for column in self.columns()}) > 1:
            raise ValueError("a change log's columns must all be of one length")

    @classmethod
    def of(cls, events: Iterable[ChangeEvent]) -> ChangeLog:
        """The events (in their order) as columns."""
        if isinstance(events, ChangeLog):
            return events
        rows = tuple(events)
        return cls(*(tuple(map(attrgetter(name), rows)) for name in _CHANGE_COLUMNS))

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> ChangeLog:
        """Rows of the seven field values in field order (as a kept row or a file holds them) as columns.
        Raises ValueError for a row of another length."""
        columns = tuple(zip(*rows, strict=True))
        if not columns:
            return cls()
        if len(columns) != len(_CHANGE_COLUMNS):
            raise ValueError(f"a change event row of {len(columns)} values, not {len(_CHANGE_COLUMNS)}")
        return cls(*columns)

    def columns(self) -> tuple[tuple[Any, ...], ...]:
        """The seven columns in :class:`ChangeEvent`'s field order."""
        return (
            self.issue_key,
            self.at,
            self.field,
            self.from_value,
            self.to_value,
            self.from_string,
            self.to_string,
        )

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Each event as the tuple of its field values, in field order."""
        return zip(*self.columns(), strict=True)

    def taken(self, order: Iterable[int]) -> ChangeLog:
        """The events at the positions ``order`` gives, in that order."""
        where = tuple(order)
        return ChangeLog(*(tuple(map(column.__getitem__, where)) for column in self.columns()))

    def without_issues(self, keys: Collection[str]) -> ChangeLog:
        """The events of every issue but ``keys``, in their order."""
        return self.taken(i for i, key in enumerate(self.issue_key) if key not in keys)

    def __len__(self) -> int:
        return len(self.issue_key)

    @overload
    def __getitem__(self, index: int) -> ChangeEvent: ...

    @overload
    def __getitem__(self, index: slice) -> ChangeLog: ...

    def __getitem__(self, index: int | slice) -> ChangeEvent | ChangeLog:
        if isinstance(index, slice):
            return ChangeLog(*(column[index] for column in self.columns()))
        return ChangeEvent(*(column[index] for column in self.columns()))

    def __iter__(self) -> Iterator[ChangeEvent]:
        return map(ChangeEvent, *self.columns())


RoamState = str  # "resolved" | "owned" | "accepted" | "mitigated"; None on a risk = not ROAMed yet
ROAM_STATES: tuple[str, ...] = ("resolved", "owned", "accepted", "mitigated")


@dataclass(frozen=True, slots=True)
class Risk:
    """A risk of the ROAM board (an issue selected by ``[risks]``), its ROAM state read as configured."""

    key: str
    summary: str
    status: str
    status_category: str
    created: datetime
    team: str | None = None
    owner: str | None = None  # the assignee's display name
    roam: RoamState | None = None  # None: not ROAMed yet
    roam_since: datetime | None = None  # when it entered its current ROAM state (from the changelog)
    roam_unknown: str | None = None  # a ROAM field value or label that names no ROAM state (a finding)
    priority: str | None = None  # the impact field's value when configured, else the priority
    linked_keys: tuple[str, ...] = ()  # every issue linked to the risk (any link type), sorted

    @property
    def done(self) -> bool:
        return self.status_category == "done"


@dataclass(frozen=True, slots=True)
class Objective:
    """A PI objective (an issue selected by ``[objectives]``) with its business values and commitment."""

    key: str
    summary: str
    status: str
    status_category: str
    team: str | None = None
    pi: str | None = None
    planned_value: float | None = None
    actual_value: float | None = None
    committed: bool | None = None  # None: the commitment field is empty
    linked_keys: tuple[str, ...] = ()  # the features (and other issues) linked to it, sorted


@dataclass(frozen=True, slots=True)
class OddIssue:
    """Something odd in the shape of an issue Jira returned, found while reading it (one per problem)."""

    issue_key: str
    problem: str  # what was odd and what was done about it, e.g. "its status is the string 'Done', ..."


@dataclass(frozen=True, slots=True)
class StaleSearch:
    """Jira's search lagging behind the issues themselves during the pull (Cloud's search is eventually
    consistent): edits made just before the run may be missing from the report (the next run has them)."""

    issue: str  # the issue's key, or "id N" for one that is gone
    detail: str  # what was seen, e.g. "updated 2026-11-26 09:07 UTC; search still showed 09:00"


@dataclass(frozen=True, slots=True)
class MovedIssue:
    """An issue moved to another project (its id kept, its key new): the key it had before."""

    old_key: str
    key: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    train: str
    site_url: str
    taken_at: datetime
    deployment: Deployment = "cloud"  # provenance only, never used by the indicators
    jql: str = ""
    pis: tuple[str, ...] = ()  # in planning order, oldest first
    current_pi: str | None = None
    teams: tuple[str, ...] = ()  # every team of the train, including teams with no issue or sprint
    issues: tuple[Issue, ...] = ()
    sprints: tuple[Sprint, ...] = ()
    boards: tuple[Board, ...] = ()
    links: tuple[DependencyLink, ...] = ()
    # held as a ChangeLog (columns): any sequence of ChangeEvent given is turned into one (``change_log``)
    changes: Sequence[ChangeEvent] = ()
    linked: tuple[
        LinkedIssue, ...
    ] = ()  # link ends not in ``issues`` (not fetched), as their links show them
    available_fields: tuple[str, ...] = ()  # e.g. "points", "business_value": what the site could tell
    risks: tuple[Risk, ...] = ()
    objectives: tuple[Objective, ...] = ()
    # Why risks / objectives (or some of their figures) are missing: what to configure, one line each
    risk_notes: tuple[str, ...] = ()
    objective_notes: tuple[str, ...] = ()
    odd_issues: tuple[OddIssue, ...] = ()  # issues read despite an odd shape: data-quality findings
    stale_search: tuple[StaleSearch, ...] = ()  # search seen lagging behind the issues: a finding
    moved: tuple[MovedIssue, ...] = ()  # old keys of moved issues, so "changes since the last run" match them
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not isinstance(self.changes, ChangeLog):
            object.__setattr__(self, "changes", ChangeLog.of(self.changes))

    @property
    def change_log(self) -> ChangeLog:
        """The change events as columns (what ``changes`` holds)."""
        return cast(ChangeLog, self.changes)

    def issue_url(self, key: str) -> str:
        return f"{self.site_url.rstrip('/')}/browse/{key}"

    def issues_by_key(self) -> dict[str, Issue]:
        return {issue.key: issue for issue in self.issues}

    def sprints_by_id(self) -> dict[int, Sprint]:
        return {sprint.id: sprint for sprint in self.sprints}


# --- persistence -------------------------------------------------------------------------------------

_ROW_TYPES: dict[str, type] = {
    "issues": Issue,
    "sprints": Sprint,
    "boards": Board,
    "links": DependencyLink,
    "linked": LinkedIssue,
    "risks": Risk,
    "objectives": Objective,
    "odd_issues": OddIssue,
    "stale_search": StaleSearch,
    "moved": MovedIssue,
}
OLD_SNAPSHOT_NOTE = (
    "this snapshot was saved by an older syncreport (snapshot version 1), before risks and PI objectives "
    "were fetched; fetch it again to see them"
)


def _refuse(value: Any) -> Any:
    """orjson's fallback: nothing in a snapshot needs one (dataclasses, tuples, dates and enums are native)."""
    raise TypeError(f"a snapshot cannot hold a {type(value).__name__}")


# Aware times are written with their offset (every time of a snapshot is UTC: "+00:00"), naive ones as UTC.
_DUMP_OPTIONS = orjson.OPT_NAIVE_UTC


def snapshot_to_dict(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot as the plain JSON values of its file (``save_snapshot`` writes them without this copy)."""
    data: dict[str, Any] = orjson.loads(_dump(snapshot))
    return data


def _dump(snapshot: Snapshot) -> bytes:
    """The file's JSON straight from the dataclasses (orjson walks them in C: no deep copy, no dict per row)."""
    document: dict[str, Any] = {"format": FORMAT_NAME}
    document.update((f.name, getattr(snapshot, f.name)) for f in fields(Snapshot))
    # each event as the object orjson would write for a ChangeEvent: its fields by name, in field order
    document["changes"] = [dict(zip(_CHANGE_COLUMNS, row, strict=True)) for row in snapshot.change_log.rows()]
    return orjson.dumps(document, option=_DUMP_OPTIONS, default=_refuse)


def _kinds(hint: Any) -> set[Any]:
    """The plain types a field annotation admits: ``date | None`` -> {date, NoneType}."""
    args = get_args(hint)
    return (
        {get_origin(a) or a for a in args}
        if args and get_origin(hint) is not tuple
        else {get_origin(hint) or hint}
    )


def as_utc_time(value: str) -> datetime:
    """An ISO-8601 time as a snapshot file writes it -> aware UTC."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is UTC:  # what a snapshot file and a kept row hold ("+00:00")
        return parsed
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


@functools.cache
def _decoders(cls: type) -> tuple[frozenset[str], tuple[tuple[str, Callable[[Any], Any]], ...]]:
    """The field names of ``cls``, and how each field that is not plain JSON (a time, a date, a tuple)
    becomes its value. Worked out once per class, not once per row (``get_type_hints`` is slow, and a big
    train has millions of values)."""
    hints = get_type_hints(cls)
    converted: list[tuple[str, Callable[[Any], Any]]] = []
    for f in fields(cls):
        kinds = _kinds(hints[f.name])
        if datetime in kinds:
            converted.append((f.name, as_utc_time))
        elif date in kinds:
            converted.append((f.name, date.fromisoformat))
        elif tuple in kinds:
            converted.append((f.name, _as_tuple))
    return frozenset(f.name for f in fields(cls)), tuple(converted)


def decode_row(cls: type, row: dict[str, Any]) -> Any:
    """One of the snapshot's dataclasses from its orjson row (times, dates and tuples by the field's type;
    a field a newer syncreport wrote is not ours to read, and is left out)."""
    names, converted = _decoders(cls)
    values = dict(row) if row.keys() <= names else {k: v for k, v in row.items() if k in names}
    for name, convert in converted:
        value = values.get(name)
        if value is not None:
            values[name] = convert(value)
    return cls(**values)


@functools.cache
def decode_positions(cls: type) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """(index, convert) of the fields of ``cls`` that are not plain JSON (times, dates and tuples, as
    :func:`decode_row` converts them), for a row written as the list of its field values in field order."""
    _, converted = _decoders(cls)
    order = [f.name for f in fields(cls)]
    return tuple((order.index(name), convert) for name, convert in converted)


@functools.cache
def decode_values(cls: type) -> Callable[[list[Any]], Any]:
    """How a row of ``cls`` written as the list of its field values, in field order (no names), becomes
    the dataclass: times, dates and tuples converted as :func:`decode_row` does, the rest positional.
    A list of another length raises ValueError (a damaged row, or another layout)."""
    where = decode_positions(cls)
    width = len(fields(cls))

    def decode(values: list[Any]) -> Any:
        if len(values) != width:
            raise ValueError(f"a {cls.__name__} row of {len(values)} values, not {width}")
        for index, convert in where:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return cls(*values)

    return decode


def snapshot_from_dict(data: dict[str, Any]) -> Snapshot:
    if data.get("format") != FORMAT_NAME:
        raise ConfigError(
            "this file is not a syncreport snapshot (no 'format' marker); pass a file from 'syncreport fetch --snapshot'"
        )
    version = data.get("schema_version")
    if version not in READABLE_VERSIONS:
        raise ConfigError(
            f"snapshot schema version {version} is not supported (this syncreport reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}); fetch it again with this version"
        )
    scalars = {k: v for k, v in data.items() if k not in _ROW_TYPES and k not in ("format", "changes")}
    if version == 1:  # no risks or objectives then: say so instead of showing an empty board
        scalars.update(
            schema_version=SCHEMA_VERSION, risk_notes=[OLD_SNAPSHOT_NOTE], objective_notes=[OLD_SNAPSHOT_NOTE]
        )
    decoded = decode_row(Snapshot, scalars)
    rows: dict[str, Any] = {
        name: tuple(decode_row(cls, r) for r in data.get(name, [])) for name, cls in _ROW_TYPES.items()
    }
    rows["changes"] = change_log_from_dicts(data.get("changes", []))
    return Snapshot(**{**{f.name: getattr(decoded, f.name) for f in fields(Snapshot)}, **rows})


def change_log_from_dicts(rows: Sequence[dict[str, Any]]) -> ChangeLog:
    """The change events of a snapshot file (each an object of ChangeEvent's fields by name) as columns:
    times converted as :func:`decode_row` does, a field a newer syncreport wrote left out, a field missing
    from a row its default (None)."""
    if not rows:
        return ChangeLog()
    names, _ = _decoders(ChangeEvent)
    if any(not (row.keys() <= names) for row in rows):
        rows = [{k: v for k, v in row.items() if k in names} for row in rows]
    columns: list[tuple[Any, ...]] = []
    for f in fields(ChangeEvent):
        if f.default is MISSING:  # a row without it is damaged: KeyError
            columns.append(tuple(row[f.name] for row in rows))
        else:
            columns.append(tuple(row.get(f.name, f.default) for row in rows))
    for index, convert in decode_positions(ChangeEvent):
        columns[index] = tuple(None if value is None else convert(value) for value in columns[index])
    return ChangeLog(*columns)


def save_snapshot(snapshot: Snapshot, path: Path) -> Path:
    """Write the snapshot atomically (a temp file in the same folder, then rename): never half a file.

    Raises :class:`DeliveryError` (one line, nothing left behind) when the file cannot be written.
    """
    path = Path(path)
    # The change log's rows and their objects (135,000 events at 50k issues) are made and freed here, cycle
    # free; with the collector on, their allocations start full collections over the whole snapshot just
    # pulled: 1.75 CPU s for the first save of a 50k train against 0.7 without (docs/performance.md)
    with gc_paused():
        payload = _dump(snapshot)
    try:
        _write_atomically(path, payload)
    except OSError as exc:
        raise DeliveryError(
            f"cannot write the snapshot to {path}: {_why_not_written(path, exc)}; "
            "choose another path with --snapshot"
        ) from None
    return path


def _write_atomically(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=GZIP_LEVEL) as gz,
        ):
            gz.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _why_not_written(path: Path, exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return "that is a folder; give a file name"
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        return f"{blocking} is a file, not a folder"
    return exc.strerror or str(exc)


def load_snapshot(path: Path) -> Snapshot:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"snapshot file {path} does not exist; create it with 'syncreport fetch --snapshot {path}'"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read snapshot file {path}: {exc.strerror or exc}") from None
    with gc_paused():  # a big, cycle-free structure: see save_snapshot
        return _snapshot_of_file(path, raw)


def _snapshot_of_file(path: Path, raw: bytes) -> Snapshot:
    try:
        text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        data = orjson.loads(text)
    except (OSError, ValueError) as exc:  # orjson.JSONDecodeError is a ValueError
        raise ConfigError(f"snapshot file {path} is damaged or not JSON ({exc}); fetch it again") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"snapshot file {path} is JSON but not a syncreport snapshot (a {type(data).__name__}, not an "
            "object); pass a file from 'syncreport fetch --snapshot'"
        )
    try:
        if "@" in urlsplit(str(data.get("site_url", ""))).netloc:  # saved from a URL with user:token@
            raise ConfigError(
                f"snapshot file {path} names its Jira site with a user name or token in the URL; fetch it "
                "again with a plain jira.url"
            )
        return snapshot_from_dict(data)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ConfigError(
            f"snapshot file {path} is damaged ({type(exc).__name__} while reading it); fetch it again"
        ) from None


__all__ = [
    "SCHEMA_VERSION",
    "Board",
    "ChangeEvent",
    "ChangeField",
    "ChangeLog",
    "ChangeRow",
    "DependencyLink",
    "Issue",
    "LinkedIssue",
    "MovedIssue",
    "Objective",
    "OddIssue",
    "Risk",
    "Snapshot",
    "Sprint",
    "StaleSearch",
    "load_snapshot",
    "save_snapshot",
    "snapshot_from_dict",
    "snapshot_to_dict",
]
