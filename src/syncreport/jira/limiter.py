"""How many requests are in flight: adapted to what the site says, never more than ``[jira].concurrency``.

Jira Cloud limits bursts per tenant and per endpoint and says so in its answers (JIRA.md, "Rate limits"):
429 with Retry-After, X-RateLimit-Reset, and ``X-RateLimit-NearLimit: true`` once under 20% of the budget
is left. Data Center's rate limiting answers 429 with Retry-After too. :class:`AdaptiveLimit` is additive
increase, multiplicative decrease (TCP's congestion control, the usual answer to "how fast may I go"):

- it starts at :data:`INITIAL_LIMIT` requests in flight and grows by one for every answer that comes back
  clean and fast (slow start: the limit doubles every round trip) up to the ceiling, ``[jira].concurrency``;
- a 429, a 503 or a NearLimit signal halves it (once per round trip: answers to requests sent before the
  cut do not cut again) and ends slow start: from then on it grows by one per round trip;
- Retry-After (or, on a 429 without it, X-RateLimit-Reset) pauses every new request until then, not only
  the retried one: the budget is the site's, shared by all workers;
- an answer much slower than the fastest one seen on its endpoint does not grow the limit (the site or the
  network is saturated: more in flight would only queue).

Nothing here reads the wall clock for a date; ``clock`` is a monotonic timer (tests hand in their own).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import Enum

INITIAL_LIMIT = 4
SLOW_FACTOR = 3.0  # an answer slower than 3x the endpoint's fastest (plus SLOW_SLACK) is "slow"
SLOW_SLACK_SECONDS = 0.05


class Signal(Enum):
    """What an answer said about the site's load."""

    CLEAN = "clean"  # answered, no throttling signal
    NEAR_LIMIT = "near limit"  # answered, with X-RateLimit-NearLimit: true
    THROTTLED = "throttled"  # 429 or 503
    FAILED = "failed"  # no answer (timeout, dropped connection): neither grows nor cuts


class AdaptiveLimit:
    """The gate every request passes: :meth:`acquire` before sending, :meth:`release` with what came back."""

    def __init__(
        self, ceiling: int, *, initial: int = INITIAL_LIMIT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(min(self.ceiling, max(1, initial)))
        self._clock = clock
        self._cond = threading.Condition()
        self._in_flight = 0
        self._sent = 0  # tickets handed out
        self._cut_after = 0  # answers to tickets up to this one do not cut again
        self._slow_start = True
        self._paused_until = 0.0
        self._fastest: dict[str, float] = {}
        # what happened, for logs and the benchmark
        self.most_in_flight = 0
        self.cuts = 0
        self.pauses = 0
        self.throttled = 0

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    def acquire(
        self,
        *,
        deadline: float | None = None,
        cancelled: threading.Event | None = None,
        ignore_pause: bool = False,
    ) -> int | None:
        """Wait for a slot (and, unless ``ignore_pause``, for any pause to end); returns a ticket for
        :meth:`release`, or None when the ``deadline`` (a ``clock()`` time) passed or ``cancelled`` was set
        first."""
        with self._cond:
            while True:
                if cancelled is not None and cancelled.is_set():
                    return None
                now = self._clock()
                if deadline is not None and now >= deadline:
                    return None
                paused = 0.0 if ignore_pause else self._paused_until - now
                if paused <= 0 and self._in_flight < int(self.limit):
                    break
                wait = paused if paused > 0 else 0.25  # woken by release(); the timeout re-checks cancel
                if deadline is not None:
                    wait = min(wait, deadline - now)
                self._cond.wait(max(wait, 0.001))
            self._in_flight += 1
            self._sent += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
            return self._sent

    def release(self, ticket: int, signal: Signal, *, endpoint: str = "", seconds: float = 0.0) -> None:
        """The answer to ``ticket`` came back (``seconds`` after it was sent) saying ``signal``."""
        with self._cond:
            self._in_flight -= 1
            if signal is Signal.CLEAN:
                fastest = min(self._fastest.get(endpoint, seconds), seconds)
                self._fastest[endpoint] = fastest
                if seconds <= SLOW_FACTOR * fastest + SLOW_SLACK_SECONDS:
                    step = 1.0 if self._slow_start else 1.0 / self.limit
                    self.limit = min(float(self.ceiling), self.limit + step)
            elif signal in (Signal.THROTTLED, Signal.NEAR_LIMIT):
                self.throttled += signal is Signal.THROTTLED
                self._slow_start = False
                if ticket > self._cut_after:  # sent after the last cut: a new signal, not an echo of it
                    self.limit = max(1.0, self.limit / 2)
                    self._cut_after = self._sent
                    self.cuts += 1
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """No new request starts for ``seconds`` (Retry-After, X-RateLimit-Reset)."""
        if seconds <= 0:
            return
        with self._cond:
            until = self._clock() + seconds
            if until > self._paused_until:
                self._paused_until = until
                self.pauses += 1
            self._cond.notify_all()
