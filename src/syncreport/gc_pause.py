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
    """Disable the cyclic garbage collector inside the block; enable it again after, if it was enabled.

    On leaving, what the block built goes straight to the oldest generation (``gc.freeze()`` then
    ``gc.unfreeze()``: two list moves, and the young count back to 0) rather than through the young
    collection its allocations would start at once, which traverses every object the block made (0.5 s for
    two million containers): the block's objects are long-lived by construction, and a full collection still
    sees them. Objects someone else froze are left frozen: then the collector is simply enabled again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


__all__ = ["gc_paused"]
