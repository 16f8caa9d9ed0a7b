"""What a run remembers for the next one: the JSON documents of earlier reports, for "changes since last".

The state of a report series lives next to its outputs, in ``<out_dir>/.syncreport/`` (or
``report.state_dir``): one folder per train, ``<train-slug>/``, holding the JSON document of each
delivered run named by the snapshot's time (``20261126T070000Z.json``), plus the run lock
``<train-slug>.lock``. Why next to the outputs rather than in a cache directory: the state belongs to the
series of reports in that folder (a different ``--out`` starts a different series), cache directories are
cleaned without warning, and the lock then guards exactly the folder that must not be written twice.

Beside the documents, ``trends/`` holds each run's trend summary, ``trends/20261126T070000Z.json`` (a few hundred bytes, see
indicators/trends.py): the trends read those, so a PI of daily runs of a big train stays cheap to chart.
Documents are kept by count (``report.keep``, at least what ``changes_since_days`` needs); summaries by age
(``report.history_days``, a whole PI by default).

The previous document is the latest one whose snapshot is older than this run's by at least
``report.changes_since_days`` (0: simply the previous run). A damaged state file is skipped with a
warning; it never stops a report.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from syncreport.deliver.files import atomic_write, slugify

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{8}T\d{6}Z)\.json$")
TRENDS_FOLDER = "trends"
_FORMAT = "%Y%m%dT%H%M%SZ"


def _history(folder: Path) -> list[tuple[datetime, Path]]:
    """The saved documents (or summaries), oldest first (times are naive UTC)."""
    if not folder.is_dir():
        return []
    entries = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            entries.append((datetime.strptime(match[1], _FORMAT), path))
    return sorted(entries)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def load_previous(
    folder: Path, taken_at: datetime, *, min_age_days: int = 0
) -> tuple[dict[str, Any] | None, Path | None]:
    """The JSON document of the run to compare with, and its file (``(None, None)`` on a first run)."""
    now = _naive_utc(taken_at)
    newest_allowed = now - timedelta(days=min_age_days)
    for moment, path in reversed(_history(folder)):
        if moment >= now or moment > newest_allowed:
            continue
        try:
            document = orjson.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            log.warning("skipping the damaged state file %s (%s)", path, exc)
            continue
        if isinstance(document, dict):
            return document, path
        log.warning("skipping the state file %s: not a report document", path)
    return None, None


def load_history(folder: Path, taken_at: datetime, *, days: int) -> list[dict[str, Any]]:
    """The trend summaries of the runs of the last ``days`` days before ``taken_at``, oldest first.

    A damaged or unreadable summary is skipped with a warning."""
    now = _naive_utc(taken_at)
    summaries = []
    for moment, path in _history(folder / TRENDS_FOLDER):
        if not now - timedelta(days=days) <= moment < now:
            continue
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("skipping the damaged trend summary %s (%s)", path, exc)
            continue
        if isinstance(summary, dict):
            summaries.append(summary)
    return summaries


def save_document(
    folder: Path,
    taken_at: datetime,
    document: dict[str, Any],
    *,
    keep: int,
    summary: dict[str, Any] | None = None,
    history_days: int = 0,
    encoded: bytes | None = None,
) -> Path:
    """Save this run's document (and its trend ``summary``) atomically; drop the documents beyond ``keep``
    and the summaries older than ``history_days`` days. ``encoded``: the document's JSON already written
    (the report's JSON file, indented: it reads back as the same document), so it is not encoded again."""
    stamp = _naive_utc(taken_at).strftime(_FORMAT)
    path = folder / f"{stamp}.json"
    if encoded is None:
        encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    atomic_write(path, encoded)
    if summary is not None:
        atomic_write(
            folder / TRENDS_FOLDER / f"{stamp}.json", json.dumps(summary, ensure_ascii=False).encode()
        )
    for _, old in _history(folder)[:-keep]:
        old.unlink(missing_ok=True)
    oldest = _naive_utc(taken_at) - timedelta(days=history_days)
    for moment, old in _history(folder / TRENDS_FOLDER):
        if moment < oldest:
            old.unlink(missing_ok=True)
    return path


# --- the PI baseline ------------------------------------------------------------------------------------
#
# The plan as it stood at PI planning is kept apart from the rolling history (retention never drops it):
# ``<train-slug>/baseline/<PI-slug>.json``, written once and never replaced. It is staged in a temporary
# file and hard-linked into place, which fails when a baseline exists: a second writer, or a run killed
# half-way, can neither replace nor corrupt it (a killed run leaves at most a stray ``.tmp`` file).

BASELINE_FOLDER = "baseline"


def baseline_path(folder: Path, pi: str) -> Path:
    return folder / BASELINE_FOLDER / f"{slugify(pi)}.json"


def load_baseline(folder: Path, pi: str) -> tuple[dict[str, Any] | None, Path | None]:
    """The kept baseline document of ``pi`` and its file, or ``(None, None)`` (a damaged one is skipped with a
    warning: the report says there is no baseline rather than comparing with half a plan)."""
    path = baseline_path(folder, pi)
    if not path.is_file():
        return None, None
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        log.warning("skipping the damaged baseline file %s (%s)", path, exc)
        return None, None
    if not isinstance(document, dict):
        log.warning("skipping the baseline file %s: not a report document", path)
        return None, None
    return document, path


def save_baseline(folder: Path, pi: str, document: dict[str, Any]) -> Path | None:
    """Keep ``document`` as the baseline of ``pi`` unless one is kept already; the path written, or None."""
    path = baseline_path(folder, pi)
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    for stray in path.parent.glob(f".{path.name}.*.tmp"):  # left by a run killed while keeping it
        stray.unlink(missing_ok=True)
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, and never over an existing baseline
        except FileExistsError:
            return None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def first_document_since(folder: Path, day: date, pi: str) -> dict[str, Any] | None:
    """The earliest kept run document of ``pi`` taken on or after ``day`` ([baseline] date), or None."""
    start = datetime.combine(day, datetime.min.time())
    for moment, path in _history(folder):
        if moment < start:
            continue
        try:
            document = orjson.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        if isinstance(document, dict) and (document.get("train") or {}).get("pi") == pi:
            return document
    return None
