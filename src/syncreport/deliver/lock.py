"""One run at a time per train: a non-blocking file lock (filelock).

Cron may start a run while the previous one is still pulling from a slow Jira. The second run must not
wait, overlap or fail loudly: it notices the lock and stops at once, and the first run delivers. The lock
is an OS-level lock (``fcntl``/``msvcrt`` via filelock), so a run that is killed releases it with its process;
no stale lock file ever blocks the next cron run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from syncreport.errors import DeliveryError, RunInProgress

__all__ = ["RunInProgress", "run_lock"]


@contextmanager
def run_lock(path: Path) -> Iterator[Path]:
    """Hold the run lock at ``path`` for the ``with`` block, or raise :class:`RunInProgress` at once."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeliveryError(
            f"cannot create the folder {path.parent} for the run lock: {exc.strerror or exc}; "
            "choose a writable --out / report.out_dir (or report.state_dir)"
        ) from None
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RunInProgress(f"another syncreport run holds {path}; this run did nothing") from None
    try:
        yield path
    finally:
        lock.release()
