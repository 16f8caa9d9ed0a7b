"""How fast this machine runs plain Python, so that figures of different machines can be read side by side.

The development machine changes between sessions, and its speed with it: the same code (main ``a734368``)
took 1.70 s for the first warm Data Center 10k report on round six's machine and 5.21 s on the next one, and
2.01 against 7.66 CPU s for the indicators at 100k. The cron, fetch and indicators benchmarks print this
probe beside their load average; a figure is comparable with another only beside the probe of the machine it was taken on (or,
better, measured side by side with the old code on the same machine).

The probe is the best of three runs of a fixed pure-Python loop (10,000,000 additions, the interpreter's own
work, no I/O, no allocation to speak of): CPU seconds, lower is faster.

    .venv/bin/python benchmarks/machine_speed.py
"""

from __future__ import annotations

import time

LOOP = 10_000_000


def _loop() -> float:
    started = time.process_time()
    total = 0
    for number in range(LOOP):
        total += number
    assert total == LOOP * (LOOP - 1) // 2
    return time.process_time() - started


def machine_probe() -> float:
    """CPU seconds of the fixed loop, best of three: lower is a faster machine."""
    return min(_loop() for _ in range(3))


def probe_line(seconds: float | None = None) -> str:
    """The probe as the benchmarks print it: ``seconds`` when measured already (in a child), else now."""
    measured = machine_probe() if seconds is None else seconds
    return f"machine probe {measured:.3f} CPU s (benchmarks/machine_speed.py; lower is faster)"


if __name__ == "__main__":
    print(probe_line())
