"""The one clock of a run: "what time is it" for the figures, the cache's max-ages and the file names.

The top (the CLI, the demo, a test) hands a :data:`Clock` down through the pipeline and the pull; nothing
below it reads the wall clock for that. Durations (timeouts, retry waits) use ``time.monotonic`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: Returns the current moment, timezone-aware.
Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """The machine's clock, in UTC: the default everywhere a clock is handed in."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock stopped at ``moment`` (timezone-aware): tests and the demo's "last week" pin time with it."""
    if moment.tzinfo is None:
        raise ValueError("a clock's moment must be timezone-aware")
    return lambda: moment


__all__ = ["Clock", "fixed_clock", "wall_clock"]
