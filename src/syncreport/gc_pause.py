"""``gc_paused()``: automatic garbage collection off while a big, cycle-free structure is built;
``gc_frozen()``: what is alive now left out of the collections of a block.

A pull, the generator and the indicators each make hundreds of thousands of small objects and no reference
cycles; every full collection those allocations trigger would scan them all again and free nothing (about a
second on the benchmark's train). Imports nothing of syncreport, so the simulator can use it too.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator


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


@contextlib.contextmanager
def gc_frozen() -> Iterator[Callable[[], None]]:
    """Yields ``freeze``: the objects alive when it is called are left out of the collections (``gc.freeze``)
    until the block ends, when the collector sees them again (``gc.unfreeze``).

    For the rest of a run once its snapshot and results are made: they are long-lived and cycle-free, but
    the renderers (Jinja, WeasyPrint) make cycles, so the collector stays on for the new objects. When
    something froze objects before the block (the simulator in the same process), ``freeze`` does nothing:
    the block's end would let that caller's objects be seen again too.
    """
    if gc.get_freeze_count():
        yield _leave_as_is
        return
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def _leave_as_is() -> None:
    pass


__all__ = ["gc_frozen", "gc_paused"]
