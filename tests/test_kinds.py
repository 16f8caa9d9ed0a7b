"""The product's words, each once (syncreport/kinds.py), and the one gc_paused()."""

from __future__ import annotations

import gc
import json

import pytest

from syncreport.gc_pause import gc_paused
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
