"""The SQLite cache: whole rows or none, and an unreadable file is set aside rather than trusted."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from syncreport.jira.cache import Cache


def row(n: int) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    return (
        {"id": str(n), "key": f"A-{n}", "fields": {"updated": f"u{n}"}},
        [{"id": str(n), "items": []}],
        "sig",
    )


def test_rows_round_trip_per_site(tmp_path: Path) -> None:
    with (
        Cache(tmp_path / "c.sqlite3", "https://a.example") as a,
        Cache(tmp_path / "c.sqlite3", "https://b.example") as b,
    ):
        a.put_issues([row(1), row(2)])
        assert a.versions() == {"1": ("u1", "sig"), "2": ("u2", "sig")}
        assert b.versions() == {}  # keyed by site
        assert a.get_issues(["2"])["2"].histories == [{"id": "2", "items": []}]


def test_has_issues_says_whether_this_sites_rows_are_kept_without_reading_them(tmp_path: Path) -> None:
    with (
        Cache(tmp_path / "c.sqlite3", "https://a.example") as a,
        Cache(tmp_path / "c.sqlite3", "https://b.example") as b,
    ):
        assert not a.has_issues()  # a cold run: the dialects list the whole scope
        a.put_issues([row(1)])
        assert a.has_issues()
        assert not b.has_issues()  # keyed by site


def test_an_interrupted_batch_writes_nothing(tmp_path: Path) -> None:
    def rows() -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], str]]:
        yield row(1)
        yield row(2)
        raise KeyboardInterrupt  # Ctrl-C in the middle of a batch

    with Cache(tmp_path / "c.sqlite3", "https://a.example") as cache:
        with pytest.raises(KeyboardInterrupt):
            cache.put_issues(rows())
        assert cache.versions() == {}
        cache.put_issues([row(3)])
        assert cache.versions() == {"3": ("u3", "sig")} and cache.integrity_ok()


def test_a_damaged_file_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with Cache(path, "https://a.example") as cache:
        assert cache.versions() == {} and cache.integrity_ok()
    assert [p.name.split(".broken-")[0] for p in tmp_path.glob("*.broken-*")] == ["c.sqlite3"]


def test_disabled_cache_lives_in_memory(tmp_path: Path) -> None:
    with Cache(None, "https://a.example") as cache:
        cache.put_issues([row(1)])
        assert list(cache.versions()) == ["1"]
    assert list(tmp_path.iterdir()) == []


def test_the_cache_keeps_what_a_link_shows_of_its_far_end() -> None:
    # an end the user cannot fetch is known only from the link: summary, status with its category, type
    from syncreport.jira.cache import slim_issue

    raw = {"id": "1", "key": "A-1", "fields": {"issuelinks": [{
        "id": "5", "self": "https://x/rest/api/3/issueLink/5", "type": {"name": "Blocks", "inward": "is blocked by"},
        "inwardIssue": {"id": "40", "key": "SEC-4", "self": "https://x/rest/api/3/issue/40", "fields": {
            "summary": "Embargoed fix", "priority": {"name": "High", "iconUrl": "https://x/p.svg"},
            "status": {"id": "10500", "name": "Resolved", "iconUrl": "https://x/s.png",
                       "statusCategory": {"id": 3, "key": "done", "colorName": "green"}},
            "issuetype": {"name": "Bug", "iconUrl": "https://x/bug.svg"}}}}]}}  # fmt: skip
    (link,) = slim_issue(raw)["fields"]["issuelinks"]
    assert link == {"id": "5", "type": {"name": "Blocks"}, "inwardIssue": {"id": "40", "key": "SEC-4", "fields": {
        "summary": "Embargoed fix", "status": {"id": "10500", "name": "Resolved", "statusCategory": {"key": "done"}},
        "issuetype": {"name": "Bug"}}}}  # fmt: skip


def test_rows_an_earlier_version_wrote_as_text_read_the_same(tmp_path: Path) -> None:
    # Rows are written as UTF-8 JSON bytes now; a cache file from before holds the same JSON as text.
    with Cache(tmp_path / "c.sqlite3", "https://acme.atlassian.net") as cache:
        cache.put_issues([({"id": "1", "key": "A-1", "fields": {"updated": "u1"}}, [{"id": "9"}], "sig")])
        with cache.transaction() as db:
            db.execute(
                "INSERT INTO issues (site, id, key, updated, fields_sig, issue, histories) VALUES (?,?,?,?,?,?,?)",
                ("https://acme.atlassian.net", "2", "A-2", "u2", "sig", '{"id":"2","key":"A-2"}', "null"),
            )
        rows = cache.get_issues(["1", "2"])
    assert rows["1"].issue["key"] == "A-1" and rows["1"].histories == [{"id": "9"}]
    assert rows["2"].issue == {"id": "2", "key": "A-2"} and rows["2"].histories is None


def test_a_new_cache_file_has_16_kb_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    def page_size(path: Path) -> int:
        with sqlite3.connect(path) as db:
            return int(db.execute("PRAGMA page_size").fetchone()[0])

    new = tmp_path / "new.sqlite3"
    with Cache(new, "https://a") as cache:
        cache.put_issues([row(1)])
    assert page_size(new) == 16_384
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as db:  # a cache file written before: 4 KB pages, SQLite's default
        db.execute("PRAGMA page_size=4096")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE kept (x)")
    with Cache(old, "https://a") as cache:
        cache.put_issues([row(1)])
        assert [c.key for c in cache.get_issues(["1"]).values()] == ["A-1"]
    assert page_size(old) == 4096


# --- the versions' index, and the whole-file check only after an unclean close ---------------------------


def _index_names(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_a_cache_written_before_the_versions_index_gains_it_once_and_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with Cache(path, "https://a.example") as cache:
        cache.put_issues([row(1), row(2)], {"1": b"[1]", "2": b"[2]"}, "r")
    with closing(sqlite3.connect(path)) as db:  # the file as an earlier version left it: no such index
        db.execute("DROP INDEX issues_versions")
    assert "issues_versions" not in _index_names(path)
    with Cache(path, "https://a.example") as cache:
        assert cache.versions() == {"1": ("u1", "sig"), "2": ("u2", "sig")}
        assert cache.get_normalized(["1", "2"], "r") == {"1": b"[1]", "2": b"[2]"}
    assert "issues_versions" in _index_names(path)
    with closing(sqlite3.connect(path)) as db:
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT id, updated, fields_sig FROM issues WHERE site=?", ("x",)
        ).fetchall()
    assert "COVERING INDEX issues_versions" in plan[0][-1]  # the versions read from the index, not the rows


def _damaged_cache(path: Path) -> None:
    """A cache file of three rows, closed cleanly, whose issues table's root page is then overwritten: SQLite
    finds the damage only when something reads that table (``PRAGMA quick_check`` does)."""
    with Cache(path, "https://a.example") as cache:
        cache.put_issues([row(1), row(2), row(3)])
    assert not Path(f"{path}-wal").exists()  # a clean close: SQLite removed its log
    with closing(sqlite3.connect(path)) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'issues'").fetchone()
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * 64)


def _leave_unclosed(path: Path) -> None:
    """What a run killed mid-write leaves: a process that wrote to the file and ended without closing it."""
    script = (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute(\"INSERT INTO meta VALUES ('https://a.example', 'x', '1', 0)\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    assert Path(f"{path}-wal").exists()


def _set_aside(folder: Path) -> set[str]:
    """The files set aside (a file with its log, if it has one, is one file here)."""
    return {p.name.split(".broken-")[0] for p in folder.glob("*.broken-*")}


def test_a_damaged_file_left_unclosed_is_found_at_open_and_set_aside(tmp_path: Path) -> None:
    # the case the whole-file check is for: the last run did not close the file (killed, power lost)
    path = tmp_path / "c.sqlite3"
    _damaged_cache(path)
    _leave_unclosed(path)
    with Cache(path, "https://a.example") as cache:
        assert cache.versions() == {} and cache.integrity_ok()  # started afresh
        assert cache.get_meta("x") is None
    assert _set_aside(tmp_path) == {"c.sqlite3"}


def test_a_file_closed_cleanly_opens_unchecked_and_damage_met_in_use_sets_it_aside(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    _damaged_cache(path)
    with pytest.raises(sqlite3.DatabaseError, match="malformed"), Cache(path, "https://a.example") as cache:
        assert _set_aside(tmp_path) == set()  # opened without reading the whole file
        cache.get_issues(["1"])
    assert _set_aside(tmp_path) == {"c.sqlite3"}  # set aside once closed: the next run starts afresh
    with Cache(path, "https://a.example") as cache:
        assert cache.versions() == {} and cache.integrity_ok()


def test_a_failure_that_is_not_damage_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with Cache(path, "https://a.example") as cache:
        cache.put_issues([row(1)])
    with (
        pytest.raises(sqlite3.IntegrityError),
        Cache(path, "https://a.example") as cache,
        cache.transaction() as db,
    ):
        db.execute("INSERT INTO meta VALUES (NULL, NULL, NULL, NULL)")  # a constraint, not a damaged file
    assert _set_aside(tmp_path) == set()
    with Cache(path, "https://a.example") as cache:
        assert list(cache.versions()) == ["1"]


def test_opening_a_kept_cache_writes_nothing_on_the_callers_thread(tmp_path: Path) -> None:
    # The log is begun on a thread of its own (its first write syncs the log's header to disk), so the
    # open does not wait for the file's write lock: here another connection holds it throughout the reads.
    path = tmp_path / "c.sqlite3"
    with Cache(path, "https://a.example") as cache:
        cache.put_issues([row(1)])
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # the write lock, as another run writing would hold it
        cache = Cache(path, "https://a.example")
        assert cache.versions() == {"1": ("u1", "sig")} and cache.get_meta("x") is None
        other.execute("COMMIT")
    cache.put_meta("x", 1)  # writes once the lock is free
    cache.close()
    assert not Path(f"{path}-wal").exists()  # closed cleanly: the log ended with the last connection
    with Cache(path, "https://a.example") as again:
        assert again.get_meta("x") is not None and list(again.versions()) == ["1"]
