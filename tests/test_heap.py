"""trim_heap(): the C heap's free pages go back to the system (glibc), measured in this process's RSS."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from syncreport.heap import trim_heap


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc are Linux's")
def test_freed_heap_memory_below_a_live_block_goes_back_to_the_system() -> None:
    # 2,000 buffers of 100,000 bytes (under glibc's 128 KiB mmap threshold: on the heap) = 190.7 MiB; all
    # but the last are freed, and the last one, on the heap's top, keeps glibc from shrinking the heap by
    # itself: the process still holds (nearly) all of it. trim_heap() gives the free pages back: at least
    # 150 MiB of it leave the RSS.
    before = _rss_mb()
    buffers = [bytearray(100_000) for _ in range(2000)]
    last = buffers[-1]
    del buffers
    held = _rss_mb()
    assert held - before >= 150
    assert trim_heap() is True
    assert held - _rss_mb() >= 150
    assert len(last) == 100_000
