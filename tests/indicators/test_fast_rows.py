"""indicators/fast_rows.py: the bulk constructor of frozen rows gives the objects ``cls(*values)`` gives."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, date, datetime
from typing import Any

import pytest

from syncreport.indicators.fast_rows import row_maker
from syncreport.indicators.results import BoardCard, IssueRow, PiSlip


def _issue_values() -> tuple[Any, ...]:
    slip = PiSlip("PI-26.1", "PI-26.2", datetime(2026, 2, 3, 9, 30, tzinfo=UTC))
    return (
        "ART-7",
        "Checkout",
        "https://jira.example.com/browse/ART-7",
        "Team 01",
        "Story",
        "In Progress",
        False,
        None,  # no sprint
        None,
        None,
        "PI-26.2",
        2,
        ("S1", "S2"),
        date(2026, 3, 1),
        date(2026, 2, 1),
        28,
        slip,
        0,
        True,
    )


def test_a_made_row_is_the_frozen_class_s_own_object() -> None:
    values = _issue_values()
    made, built = row_maker(IssueRow)(*values), IssueRow(*values)

    assert type(made) is IssueRow
    assert made == built
    assert hash(made) == hash(built)
    assert repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    assert dataclasses.replace(made, team_changed=False) == dataclasses.replace(built, team_changed=False)
    assert tuple(getattr(made, f.name) for f in dataclasses.fields(made)) == values


def test_a_made_row_stays_immutable() -> None:
    made = row_maker(BoardCard)("ART-1", "Feature", "u", False, 3, None, "on_track")

    with pytest.raises(dataclasses.FrozenInstanceError):
        made.children = 4  # type: ignore[misc]
    assert made == BoardCard("ART-1", "Feature", "u", False, 3)  # the defaults, given positionally


def test_a_missing_value_is_refused_as_the_class_would() -> None:
    with pytest.raises(TypeError):
        row_maker(BoardCard)("ART-1", "Feature", "u", False, 3)


@dataclasses.dataclass(slots=True)
class _Mutable:
    a: int


@dataclasses.dataclass(frozen=True)
class _NoSlots:
    a: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Checked:
    a: int

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError("negative")


@dataclasses.dataclass(frozen=True, slots=True)
class _Base:
    a: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Derived(_Base):
    b: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Computed:
    a: int
    b: int = dataclasses.field(init=False, default=0)


@pytest.mark.parametrize("cls", [_Mutable, _NoSlots, _Checked, _Derived, _Computed])
def test_classes_it_cannot_make_the_same_way_are_refused(cls: type[object]) -> None:
    with pytest.raises(TypeError):
        row_maker(cls)
