"""The pull's threads on one CPU core: the GIL handed over between threads of one core, not across cores.

A pull is one Python process whose threads (the main thread normalizing what comes in, the request
threads reading answers) take the GIL in turns, thousands of times a pull: every socket read of a request
thread lets go of it and takes it back. Spread over cores, each hand-over wakes a thread sleeping on
another core (a wake-up across cores, the GIL's lock and the data moving between the cores' caches); on one
core the hand-over is a switch between threads of that core. The threads can use only one core's worth of
Python at a time anyway (the GIL); what they would do beside it (socket system calls, SQLite's own steps,
TLS) is small beside their Python.

Measured on the development machine (2 cores, the simulator at 100 ms a request, load 2.3 to 4.7;
docs/performance.md, the cold pull, round six): a cold 10k pull pinned against the same code unpinned, four
each in turns, Cloud 2.89 s median against 3.24, Data Center 2.94 against 3.32, about 3% less CPU.

:func:`one_core` pins the calling thread (threads it starts afterwards inherit its affinity: the request
pool) to the core it runs on, and gives it back its own cores when the block ends. Only where the platform
lets a process choose (Linux's ``sched_setaffinity``); elsewhere, or when asking fails, it does nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


@contextmanager
def one_core() -> Iterator[None]:
    """The calling thread, and the threads it starts meanwhile, on the core it runs on; restored after."""
    allowed = _allowed()
    if allowed is None or len(allowed) < 2:
        yield
        return
    core = current_core(allowed)
    try:
        os.sched_setaffinity(0, {core})
    except OSError as exc:
        log.debug("the pull's threads not pinned to one core: %s", exc)
        yield
        return
    try:
        yield
    finally:
        try:
            os.sched_setaffinity(0, allowed)
        except OSError as exc:  # never seen: the cores were ours a moment ago
            log.debug("the main thread's cores not given back: %s", exc)


def _allowed() -> set[int] | None:
    """The cores this thread may run on; None where the platform does not say (not Linux)."""
    if not hasattr(os, "sched_getaffinity") or not hasattr(os, "sched_setaffinity"):
        return None
    try:
        return set(os.sched_getaffinity(0))
    except OSError:
        return None


def current_core(allowed: set[int]) -> int:
    """The core this thread runs on now (``/proc/thread-self/stat``'s 39th field), else the first allowed:
    several runs at once start on different cores and stay there."""
    try:
        with open("/proc/thread-self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        core = int(fields[36])  # field 39 of the line; the first two (pid, comm) are before ")"
    except (OSError, ValueError, IndexError):
        return min(allowed)
    return core if core in allowed else min(allowed)
