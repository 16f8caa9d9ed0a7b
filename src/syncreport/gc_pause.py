"""``gc_paused()``: automatic garbage collection off while a big, cycle-free structure is built.

A pull, the generator and the indicators each make hundreds of thousands of small objects and no reference
cycles; every full collection those allocations trigger would scan them all again and free nothing (about a
second on the benchmark's train). Imports nothing of syncreport, so the simulator can use it too.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block; enable it again after, if it was enabled."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


__all__ = ["gc_paused"]
