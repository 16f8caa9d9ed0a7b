"""The incremental cache: an SQLite file (stdlib ``sqlite3``) keyed by site and issue id with ``updated``.

What it keeps, per site:
- ``issues``: each issue's raw JSON and its *complete* changelog, written together in one transaction, so a
  row is either whole or absent (a run killed mid-fetch leaves only whole rows; the next run resumes);
- ``normalized``: what the last pull normalized of each issue row (:mod:`syncreport.jira.normalized`), with
  the ``updated``, fields signature and recipe it was made from; written with its issue row, or after it,
  and used only while all three match;
- ``scopes``: the issue ids a train's JQL matched last time, to notice issues that left the scope;
- ``board_sprints``: each board's sprint list with the time it was fetched (see ``boards.py`` for when
  it is fetched again);
- ``meta``: the deployment type, the field list and the status list.

Writes happen on the calling thread, each batch in a transaction (round five wrote the pull's rows on a
thread of their own; measured, it cost CPU and saved no wall time). The journal is WAL, so a killed
process never corrupts the file. A file that is not a readable cache (or an older layout) is moved aside
and rebuilt: it is only a cache. The whole file is checked at open only when the last run left it unclosed
(:func:`left_unclosed`); damage met in use sets the file aside when it is closed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import platformdirs

from syncreport.config import CacheSettings

log = logging.getLogger(__name__)

# 3: only rows that normalized cleanly are stored; older files may hold odd rows that fail every run
LAYOUT_VERSION = 3
PAGE_SIZE = 16_384  # of a new cache file (see Cache._init)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    site TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, fetched_at REAL NOT NULL,
    PRIMARY KEY (site, name));
CREATE TABLE IF NOT EXISTS issues (
    site TEXT NOT NULL, id TEXT NOT NULL, key TEXT NOT NULL, updated TEXT NOT NULL,
    fields_sig TEXT NOT NULL, issue TEXT NOT NULL, histories TEXT,
    PRIMARY KEY (site, id));
CREATE INDEX IF NOT EXISTS issues_by_key ON issues (site, key);
CREATE INDEX IF NOT EXISTS issues_versions ON issues (site, id, updated, fields_sig);
CREATE TABLE IF NOT EXISTS normalized (
    site TEXT NOT NULL, id TEXT NOT NULL, updated TEXT NOT NULL, fields_sig TEXT NOT NULL,
    recipe TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (site, id));
CREATE TABLE IF NOT EXISTS scopes (
    site TEXT NOT NULL, jql TEXT NOT NULL, ids TEXT NOT NULL, taken_at REAL NOT NULL,
    PRIMARY KEY (site, jql));
CREATE TABLE IF NOT EXISTS board_sprints (
    site TEXT NOT NULL, board_id INTEGER NOT NULL, sprints TEXT NOT NULL, fetched_at REAL NOT NULL,
    PRIMARY KEY (site, board_id));
"""


def default_cache_path() -> Path:
    return Path(platformdirs.user_cache_dir("syncreport", appauthor=False)) / "jira-cache.sqlite3"


def _pack(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes (orjson: the rows of a cold pull are written in a fifth of the json
    module's time; SQLite keeps the bytes as they are, with no decoding to text and back)."""
    return orjson.dumps(value)


def _unpack(text: str | bytes | None) -> Any:
    """A packed value; rows written by earlier versions hold text, which reads the same."""
    return None if text is None else orjson.loads(text)


def _id_chunks(ids: list[str], size: int = 500) -> Iterator[tuple[list[str], str]]:
    """``ids`` in chunks of ``size``, each with its ``?,?,...`` placeholders (SQLite caps a statement's
    parameters)."""
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


@dataclass(frozen=True, slots=True)
class CachedIssue:
    id: str
    key: str
    updated: str
    fields_sig: str
    issue: dict[str, Any]
    histories: list[dict[str, Any]] | None


class Cache:
    """One site's view of the cache file. ``Cache(None)`` is an in-memory cache (caching disabled)."""

    def __init__(self, path: Path | None, site: str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.site = site.rstrip("/")
        self._clock = clock  # the run's clock (epoch seconds): fetch times compared with max-ages
        self._log_ahead: threading.Thread | None = None  # begins the write-ahead log (_begin_log_ahead)
        self._conn = self._open()

    @property
    def _db(self) -> sqlite3.Connection:
        return self._conn

    @classmethod
    def for_settings(
        cls, settings: CacheSettings, site: str, *, clock: Callable[[], float] = time.time
    ) -> Cache:
        if not settings.enabled:
            return cls(None, site, clock=clock)
        return cls(settings.path or default_cache_path(), site, clock=clock)

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            return self._init(db, check=False)[0]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db, kept = self._init(self._connect(self.path), check=left_unclosed(self.path))
        except sqlite3.DatabaseError as exc:
            self._set_aside(exc)
            return self._init(self._connect(self.path), check=False)[0]
        if kept:
            self._begin_log_ahead(self.path)
        return db

    def _begin_log_ahead(self, path: Path) -> None:
        """Begin the write-ahead log on a thread of its own, in a connection of its own, while this one reads.

        SQLite writes the log's header, and syncs it to disk, when the first write after a clean close
        begins the log: 0.001 to 0.18 s at the warm run's first write (the watermark, before the kept
        issues are read), on a shared disk. Written here with the layout version (unchanged), it happens
        while the pull waits for Jira; the pull's own writes then add to a log begun already."""
        self._log_ahead = threading.Thread(target=_begin_log, args=(path,), name="cache-log", daemon=True)
        self._log_ahead.start()

    def _set_aside(self, damage: sqlite3.DatabaseError) -> None:
        """Move the file (with its log) aside: the next connection starts an empty cache (it is only a cache)."""
        assert self.path is not None
        aside = self.path.with_name(f"{self.path.name}.broken-{int(time.time())}")
        log.warning(
            "the cache %s is unreadable (%s); moved it to %s and starting afresh", self.path, damage, aside
        )
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.replace(f"{aside}{suffix}")

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        # one use at a time, but not only on the opening thread (a pull may be driven from another thread)
        return sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)

    @staticmethod
    def _init(db: sqlite3.Connection, *, check: bool) -> tuple[sqlite3.Connection, bool]:
        """Set the connection up, the tables made or kept, and whether the file had this layout already;
        ``check``: look the whole file over first (``PRAGMA quick_check``, raising
        :class:`sqlite3.DatabaseError` when it is damaged)."""
        try:
            # A new file's pages: 16 KB (SQLite's default is 4 KB; a row holds an issue and its changelog,
            # a few KB each, so most spilled onto overflow pages: a cold 10k pull wrote its rows in 0.7 to
            # 1.0 s of the main thread, now 0.5 to 0.7). A file that exists keeps its pages (a no-op there).
            db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if check:
                _check_whole(db)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, LAYOUT_VERSION):  # an older layout: start afresh
                db.executescript(
                    "DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS issues; DROP TABLE IF EXISTS scopes;"
                    "DROP TABLE IF EXISTS board_sprints;"
                )
            # made when missing: a cache file written before an index was added gains it here, once
            db.executescript(_SCHEMA)
            if version != LAYOUT_VERSION:
                db.execute(f"PRAGMA user_version={LAYOUT_VERSION}")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db, version == LAYOUT_VERSION

    def close(self, *, error: BaseException | None = None) -> None:
        """Close the file. ``error`` (what the caller is failing with) saying the file is damaged moves it
        aside once closed: the next run starts afresh rather than failing on it again."""
        damage = error if is_damage(error) else None
        try:
            if self._log_ahead is not None:  # its connection closes first: this one ends the log
                self._log_ahead.join()
        finally:
            self._conn.close()
            if damage is not None and self.path is not None:
                assert isinstance(damage, sqlite3.DatabaseError)
                self._set_aside(damage)

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, *_: object) -> None:
        self.close(error=error)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (KeyboardInterrupt too)."""
        db = self._db
        with _transaction(db):
            yield db

    def integrity_ok(self) -> bool:
        return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    # --- meta -------------------------------------------------------------------------------------------

    def get_meta(self, name: str) -> tuple[Any, float] | None:
        row = self._db.execute(
            "SELECT value, fetched_at FROM meta WHERE site=? AND name=?", (self.site, name)
        ).fetchone()
        return (json.loads(row[0]), float(row[1])) if row else None

    def put_meta(self, name: str, value: Any) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO meta (site, name, value, fetched_at) VALUES (?, ?, ?, ?)",
                (self.site, name, json.dumps(value), self._clock()),
            )

    # --- issues -----------------------------------------------------------------------------------------

    def has_issues(self) -> bool:
        """Whether any whole issue row of this site is kept (a cold run has none)."""
        return (
            self._db.execute("SELECT 1 FROM issues WHERE site=? LIMIT 1", (self.site,)).fetchone() is not None
        )

    def versions(self) -> dict[str, tuple[str, str]]:
        """id -> (updated, fields signature) of every whole issue row of this site."""
        rows = self._db.execute("SELECT id, updated, fields_sig FROM issues WHERE site=?", (self.site,))
        return {r[0]: (r[1], r[2]) for r in rows}

    def put_issues(
        self,
        rows: Iterable[tuple[Mapping[str, Any], list[dict[str, Any]] | None, str]],
        normalized: Mapping[str, bytes] | None = None,
        recipe: str = "",
    ) -> int:
        """Store (raw issue, complete histories or None, fields signature) rows in one transaction, with what
        they normalized to (id -> body, made by ``recipe``); a row stored without one drops its old one."""
        return self._put_issues(self._db, rows, normalized, recipe)

    def _put_issues(
        self,
        db: sqlite3.Connection,
        rows: Iterable[tuple[Mapping[str, Any], list[dict[str, Any]] | None, str]],
        normalized: Mapping[str, bytes] | None,
        recipe: str,
    ) -> int:
        normalized = normalized or {}
        values = [
            (
                self.site,
                str(issue["id"]),
                str(issue["key"]),
                str((issue.get("fields") or {}).get("updated") or ""),
                sig,
                _pack(issue),
                _pack(histories),
            )
            for issue, histories, sig in rows
        ]
        with _transaction(db):
            db.executemany(
                "INSERT OR REPLACE INTO issues (site, id, key, updated, fields_sig, issue, histories) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            db.executemany(
                "DELETE FROM normalized WHERE site=? AND id=?",
                [(self.site, v[1]) for v in values if v[1] not in normalized],
            )
            db.executemany(
                "INSERT OR REPLACE INTO normalized (site, id, updated, fields_sig, recipe, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (self.site, v[1], v[3], v[4], recipe, normalized[v[1]])
                    for v in values
                    if v[1] in normalized
                ],
            )
        return len(values)

    def get_normalized(self, ids: Iterable[str], recipe: str) -> dict[str, bytes]:
        """id -> what the issue row the cache holds now normalized to by ``recipe`` (ids without one left out)."""
        wanted = list(ids)
        out: dict[str, bytes] = {}
        for chunk, marks in _id_chunks(wanted):
            rows = self._db.execute(
                "SELECT n.id, n.body FROM normalized n JOIN issues i ON i.site = n.site AND i.id = n.id "
                "AND i.updated = n.updated AND i.fields_sig = n.fields_sig "
                f"WHERE n.site=? AND n.recipe=? AND n.id IN ({marks})",
                (self.site, recipe, *chunk),
            )
            out.update((r[0], r[1]) for r in rows)
        return out

    def put_normalized(self, bodies: Mapping[str, bytes], recipe: str) -> None:
        """Keep what these cached issue rows normalized to (id -> body), made from the rows as they are now."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO normalized (site, id, updated, fields_sig, recipe, body) "
                "SELECT site, id, updated, fields_sig, ?, ? FROM issues WHERE site=? AND id=?",
                [(recipe, body, self.site, issue_id) for issue_id, body in bodies.items()],
            )

    def get_issues(self, ids: Iterable[str]) -> dict[str, CachedIssue]:
        wanted = list(ids)
        out: dict[str, CachedIssue] = {}
        for chunk, marks in _id_chunks(wanted):
            rows = self._db.execute(
                f"SELECT id, key, updated, fields_sig, issue, histories FROM issues WHERE site=? AND id IN ({marks})",
                (self.site, *chunk),
            )
            for r in rows:
                out[r[0]] = CachedIssue(r[0], r[1], r[2], r[3], _unpack(r[4]), _unpack(r[5]))
        return out

    def ids_for_keys(self, keys: Iterable[str]) -> dict[str, str]:
        wanted = list(keys)
        out: dict[str, str] = {}
        for chunk, marks in _id_chunks(wanted):
            rows = self._db.execute(
                f"SELECT key, id FROM issues WHERE site=? AND key IN ({marks})", (self.site, *chunk)
            )
            out.update({r[0]: r[1] for r in rows})
        return out

    # --- scopes -----------------------------------------------------------------------------------------

    def get_scope(self, jql: str) -> list[str] | None:
        row = self._db.execute("SELECT ids FROM scopes WHERE site=? AND jql=?", (self.site, jql)).fetchone()
        return json.loads(row[0]) if row else None

    def put_scope(self, jql: str, ids: list[str]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO scopes (site, jql, ids, taken_at) VALUES (?, ?, ?, ?)",
                (self.site, jql, json.dumps(ids), self._clock()),
            )

    # --- sprints ----------------------------------------------------------------------------------------

    def get_board_sprints(self) -> dict[int, tuple[list[dict[str, Any]], float]]:
        rows = self._db.execute(
            "SELECT board_id, sprints, fetched_at FROM board_sprints WHERE site=?", (self.site,)
        )
        return {int(r[0]): (json.loads(r[1]), float(r[2])) for r in rows}

    def put_board_sprints(
        self, sprints_by_board: Mapping[int, list[dict[str, Any]]], fetched_at: float
    ) -> None:
        with self.transaction() as db:
            for board_id, sprints in sprints_by_board.items():
                db.execute(
                    "INSERT OR REPLACE INTO board_sprints (site, board_id, sprints, fetched_at) VALUES (?, ?, ?, ?)",
                    (self.site, board_id, json.dumps(sprints), fetched_at),
                )


def left_unclosed(path: Path) -> bool:
    """Whether the cache file's write-ahead log is there before this process opens it: SQLite removes it
    when the last connection closes the file, so one left behind means the last run did not close it
    (killed, crashed, the machine lost power) or another run has it open now."""
    return Path(f"{path}-wal").exists()


def _begin_log(path: Path) -> None:
    """Write the file's layout version again (a write of the same value) in a connection of its own: the
    write-ahead log is begun. A failure (the file locked past the timeout) only leaves that to the run's
    first write."""
    try:
        with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as db:
            db.execute(f"PRAGMA user_version={LAYOUT_VERSION}")
    except sqlite3.Error as exc:
        log.debug("the cache's log was not begun ahead: %s", exc)


def _check_whole(db: sqlite3.Connection) -> None:
    """``PRAGMA quick_check`` over the whole file (0.06 to 0.13 s at 10,000 issues): run after an unclean
    close only. SQLite's own recovery makes a killed process's file whole (an unfinished transaction in
    the log is dropped when the file is next opened), so what this can find is what that recovery cannot
    promise: pages a lost power left half-written on a disk that acknowledged writes it had not made. A
    file damaged otherwise (a disk error, another program) between two clean runs is found by the first
    use that meets the damage: that run fails, and its close sets the file aside (:func:`is_damage`)."""
    found = db.execute("PRAGMA quick_check").fetchone()[0]
    if found != "ok":
        raise sqlite3.DatabaseError(f"the cache file is damaged: {found}")


def is_damage(error: BaseException | None) -> bool:
    """Whether SQLite said the file is damaged (or not a database at all), not busy, full or misused."""
    code = getattr(error, "sqlite_errorcode", None) if isinstance(error, sqlite3.DatabaseError) else None
    # the primary code (the low byte): SQLITE_CORRUPT_INDEX and the like are SQLITE_CORRUPT
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# --- what a cached row keeps -----------------------------------------------------------------------


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
