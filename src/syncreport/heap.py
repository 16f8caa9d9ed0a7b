"""``trim_heap()``: hand the C heap's free memory back to the system (glibc's ``malloc_trim``), where there is
one; elsewhere a no-op.

pandas and numpy free their temporary buffers into the C heap, and glibc keeps what it cannot give back from
the heap's top for later mallocs. Python's own small objects (the result rows, the JSON export's dicts) come
from separate memory (pymalloc's arenas) and never reuse it: without a trim, a process that computes the
indicators and then exports them holds both (at 100,000 issues about 110 MB of the 515 MB peak).
Imports nothing of syncreport.
"""

from __future__ import annotations

import ctypes
import functools
from typing import Any


@functools.cache
def _malloc_trim() -> Any | None:
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library already loaded into the process
    except (OSError, AttributeError, TypeError):  # no glibc (macOS, musl without it, Windows)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def trim_heap() -> bool:
    """Give every whole free page of the C heap back to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["trim_heap"]
