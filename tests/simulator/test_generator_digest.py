"""The generated site, pinned: same (seed, issues, teams, now) -> the very same site, to the last field.

The digests were computed on main before simulator/generator.py was split into the vocabulary
(simulator/vocabulary.py), the builder (simulator/builder.py) and the planted scenarios
(simulator/scenarios.py), so they prove the split moved code without changing one random draw. A change
that means to change the train (a new planted scenario, a new field) updates them, saying why in its commit.
Updated for ``Site.moved`` (issues moved to another project, empty when generated): the same digests as
before with that field left out, i.e. the same train.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime

import pytest

from syncreport.simulator import Site, generate_site


def _digest(site: Site) -> str:
    return hashlib.sha256(repr(dataclasses.asdict(site)).encode()).hexdigest()


@pytest.mark.parametrize(
    ("issues", "seed", "teams", "now", "expected"),
    [
        # the demo's size on a Thursday mid-sprint
        (600, 7, 8, datetime(2026, 11, 26, 10, 30, tzinfo=UTC),
         "604002c9ed651ea34f6f142516dd29b138ddfe780a1a8f079973b1a302d7d364"),
        # 200 issues (the Dependency link type joins in), three teams, a minute before a grid Monday's start
        (200, 3, 3, datetime(2027, 12, 28, 7, 59, tzinfo=UTC),
         "1f409e49152eac2f736ac8816de7b5d411bb3beb913c1e61b41b76f1cf9f9fa1"),
        # the smallest train: 50 issues, two teams, midnight
        (50, 11, 2, datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
         "fc12e165a0bd0ca09e571ce8b03ee02b11319b7f0ab9da493c5a86e57c1ec321"),
        # every team name used, heavy histories, a grid Monday at 08:00
        (2000, 7, 15, datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
         "e3b178f2f31b08baa967024e2fca149b957fc1cd02e53bb623293ef2777c875d"),
    ],
)  # fmt: skip
def test_the_generated_site_is_pinned(
    issues: int, seed: int, teams: int, now: datetime, expected: str
) -> None:
    assert _digest(generate_site(issues=issues, seed=seed, teams=teams, now=now)) == expected
