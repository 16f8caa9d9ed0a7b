"""What the last runs computed, kept by what it was made from, so a run where nothing changed skips the work.

An entry is named by the SHA-256 of everything its value was made from: the inputs (a chart's figures, the
PDF's print document) and the code that makes it (the source of the module that draws, the version of the
library under it). Same name, same bytes: a warm run gets exactly what a cold run would have written, and
anything that changed (a figure, a template, an upgrade) is a new name, never a stale hit.

The folder sits beside the Jira cache (``[cache] path``, else the user cache directory) and holds only
rendered parts of reports (SVG charts, PDFs, the HTML's sections: :mod:`syncreport.render.kept_sections`) and the
report templates' compiled bytecode: never a token, a password or a request. Each entry is written
to a temp file and renamed into place, and carries the SHA-256 of its value: a torn or damaged entry fails
the check, is ignored and rebuilt. Entries unused for :data:`KEEP_DAYS` days are removed as new ones are
written. Turning the cache off (``[cache] enabled = false``) turns this off too.

The store of a run is handed down from the pipeline with :func:`using`; code that renders asks
:func:`current` (None: no store, compute everything).
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER_NAME = "rendered"
KEEP_DAYS = 14
_MAGIC = b"syncreport-artifact-1\n"
_current: contextvars.ContextVar[ArtifactStore | None] = contextvars.ContextVar("artifacts", default=None)


def digest(*parts: str | bytes) -> str:
    """The SHA-256 name of an entry made from ``parts`` (their order matters; parts cannot run together)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class ArtifactStore:
    """A folder of entries named by :func:`digest`; see the module docstring."""

    def __init__(self, folder: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.folder = Path(folder)
        self._clock = clock  # file ages only (which entries to drop), never "what day is it"
        self.hits = 0
        self.misses = 0

    def now(self) -> float:
        """The store's clock (what entries' ages are measured with), for a process that shares the store."""
        return self._clock()

    def get(self, name: str) -> bytes | None:
        """The value stored under ``name``, or None (absent, or damaged: then it is removed)."""
        path = self.folder / name
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        head, value = raw[: len(_MAGIC) + 32], raw[len(_MAGIC) + 32 :]
        if head[: len(_MAGIC)] != _MAGIC or head[len(_MAGIC) :] != hashlib.sha256(value).digest():
            log.warning("ignoring the damaged cache entry %s; it is made again", path)
            path.unlink(missing_ok=True)
            self.misses += 1
            return None
        try:
            now = self._clock()
            os.utime(path, (now, now))  # still in use: not one to drop
        except OSError:
            pass
        self.hits += 1
        return value

    def put(self, name: str, value: bytes) -> None:
        """Store ``value`` under ``name`` (atomically). A cache that cannot be written is only a slower run."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{name[:16]}.", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_MAGIC + hashlib.sha256(value).digest() + value)
                os.replace(tmp, self.folder / name)
                now = self._clock()
                os.utime(self.folder / name, (now, now))
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self._prune()
        except OSError as exc:
            log.warning(
                "could not keep a rendered part in %s (%s); the next run makes it again", self.folder, exc
            )

    def cached(self, name: str, make: Callable[[], bytes]) -> bytes:
        """The value under ``name``, made (and kept) when absent."""
        value = self.get(name)
        if value is None:
            value = make()
            self.put(name, value)
        return value

    def _prune(self) -> None:
        oldest = self._clock() - KEEP_DAYS * 86400
        for entry in self.folder.iterdir():
            try:
                if entry.stat().st_mtime < oldest:
                    entry.unlink(missing_ok=True)
            except OSError:
                continue


def current() -> ArtifactStore | None:
    """The store of the run being rendered (None: keep nothing, make everything)."""
    return _current.get()


@contextmanager
def using(store: ArtifactStore | None) -> Iterator[ArtifactStore | None]:
    """Render with ``store`` inside the block (the pipeline hands it down this way)."""
    token = _current.set(store)
    try:
        yield store
    finally:
        _current.reset(token)


__all__ = ["ArtifactStore", "current", "digest", "using"]
