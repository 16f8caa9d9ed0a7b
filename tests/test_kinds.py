"""The product's words, each once (syncreport/kinds.py), and the one gc_paused() and gc_frozen()."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

from syncreport.gc_pause import gc_frozen, gc_paused
from syncreport.kinds import (
    COUNTED_STATUSES,
    DEPENDENCY_STATUSES,
    FORMATS,
    HEALTH_WORST_FIRST,
    STATUS_SEVERITY,
    DependencyStatus,
    Health,
)


def test_health_is_ordered_by_how_bad_it_is() -> None:
    # green < amber < red, whatever the alphabet says ("amber" < "green" < "red" as strings)
    assert Health.GREEN < Health.AMBER < Health.RED
    assert max(Health.GREEN, Health.RED, Health.AMBER) is Health.RED
    assert sorted([Health.RED, Health.GREEN, Health.AMBER], reverse=True) == list(HEALTH_WORST_FIRST)
    assert Health.RED >= "amber" and Health.AMBER >= "amber" and not Health.GREEN >= "amber"
    assert [h.rank for h in Health] == [0, 1, 2]


def test_a_health_is_its_string_in_json_and_look_ups() -> None:
    assert json.dumps({"health": Health.AMBER}) == '{"health": "amber"}'
    assert {"red": 1}[Health.RED] == 1 and f"{Health.RED}" == "red"
    assert Health.of("amber") is Health.AMBER
    assert Health.of("blue") is None and Health.of(None) is None and Health.of(3) is None


def test_dependency_status_carries_label_severity_and_mark() -> None:
    late = DependencyStatus("late")
    assert (late.label, late.severity, late.mark.css, late.mark.word) == ("Late", 0, "st-late", "LATE")
    assert DependencyStatus.UNSCHEDULED.label == "Provider unscheduled"
    assert DependencyStatus.DONE.severity == len(DependencyStatus) - 1  # the least severe
    # precedence is declaration order (docs/indicators.md section 1); severity is the display order
    assert (
        DEPENDENCY_STATUSES[0] is DependencyStatus.DONE
        and DEPENDENCY_STATUSES[-1] is DependencyStatus.ON_TRACK
    )
    assert [s.severity for s in STATUS_SEVERITY] == list(range(8))
    assert DependencyStatus.CONSUMER_DONE not in COUNTED_STATUSES and len(COUNTED_STATUSES) == 7
    assert len({s.mark.css for s in DependencyStatus}) == 8  # one pattern each


def test_formats_in_the_order_they_are_written() -> None:
    assert FORMATS == ("html", "pdf", "json", "csv", "xlsx")


def test_gc_is_paused_inside_and_as_before_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_gc_comes_back_when_the_block_raises() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


PAUSE_PROBE = """
from __future__ import annotations

import gc
from syncreport.gc_pause import gc_paused

# 100,000 lists built in the pause: unpaused, the next allocations after the block would start a young
# collection at once (the young count is far over its threshold of 700) and traverse them all. They go
# to the oldest generation instead: 500 new lists after the block start no collection (under 700, the
# count having restarted from 0). A cycle built in the block is still garbage a full collection frees.
import weakref

class Node:
    partner: Node | None = None

collections: list[int] = []

def count(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        collections.append(info["generation"])

with gc_paused():
    built = [[n] for n in range(100_000)]
    first, second = Node(), Node()
    first.partner, second.partner = second, first
    probe = weakref.ref(first)
    del first, second
gc.callbacks.append(count)
try:
    after = [[n] for n in range(500)]
finally:
    gc.callbacks.remove(count)
assert collections == []
assert gc.get_freeze_count() == 0
assert probe() is not None  # only a cycle now: refcounting cannot free it
gc.collect()
assert probe() is None
assert len(built) == 100_000 and len(after) == 500
print("ok")
"""


def test_leaving_the_pause_starts_no_collection_and_a_full_one_still_finds_cycles() -> None:
    # In a process of its own: the session's simulator froze this one's objects, and its threads may free
    # some of them at any moment (the freeze count then moves under the test).
    done = subprocess.run([sys.executable, "-c", PAUSE_PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "ok"


def test_objects_someone_else_froze_stay_frozen() -> None:
    # objects frozen by the application before the block: the pause leaves the permanent generation as it
    # found it. Not unfrozen (the count would fall to 0), and the block's 1000 lists not frozen with them (the
    # count would grow by at least 1000). Not "equal": a frozen object that dies meanwhile (its refcount at
    # 0) leaves the permanent generation, so the count may fall by a few while the rest of the suite runs.
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 1000
        with gc_paused():
            made = [[n] for n in range(1000)]
        assert frozen - 1000 < gc.get_freeze_count() <= frozen
        assert gc.isenabled() and len(made) == 1000
    finally:
        gc.unfreeze()


GC_FROZEN_PROBE = """
import gc
from syncreport.gc_pause import gc_frozen

assert gc.get_freeze_count() == 0
with gc_frozen() as freeze:
    assert gc.get_freeze_count() == 0  # nothing until asked
    freeze()
    frozen = gc.get_freeze_count()
    assert frozen > 0  # every tracked object alive then
    made_after = [[] for _ in range(1000)]
    freeze()  # and those alive now
    assert gc.get_freeze_count() >= frozen + len(made_after)
assert gc.get_freeze_count() == 0  # seen by the collector again
try:
    with gc_frozen() as freeze:
        freeze()
        raise ValueError("boom")
except ValueError:
    assert gc.get_freeze_count() == 0  # also when the block raises
print("ok")
"""


def test_gc_frozen_leaves_what_lives_when_asked_out_of_collections_until_the_block_ends() -> None:
    # In a process of its own: the session's simulator froze this one's objects (the next test's case).
    done = subprocess.run([sys.executable, "-c", GC_FROZEN_PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "ok"


def test_gc_frozen_changes_nothing_when_something_froze_objects_before() -> None:
    frozen_by_the_session = gc.get_freeze_count() > 0  # the session's simulator, when it runs
    gc.freeze()  # as the simulator does in the same process
    try:
        before = gc.get_freeze_count()
        with gc_frozen() as freeze:
            made_inside: list[list[int]] = [[] for _ in range(1000)]
            freeze()
            assert gc.get_freeze_count() < before + len(made_inside)  # not frozen by the block
        assert gc.get_freeze_count() > before - len(made_inside)  # the caller's objects stay frozen
    finally:
        if not frozen_by_the_session:
            gc.unfreeze()
