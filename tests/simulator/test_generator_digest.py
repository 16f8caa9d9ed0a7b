"""The generated site, pinned: same (seed, issues, teams, now) -> the very same site, to the last field.

The digests were computed on main before simulator/generator.py was split into the vocabulary
(simulator/vocabulary.py), the builder (simulator/builder.py) and the planted scenarios
(simulator/scenarios.py), so they prove the split moved code without changing one random draw. A change
that means to change the train (a new planted scenario, a new field) updates them, saying why in its commit.
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
         "75bd0c4b55818432267bab0173809801640c16ad18bd21e1417dbc5c12f39bbc"),
        # 200 issues (the Dependency link type joins in), three teams, a minute before a grid Monday's start
        (200, 3, 3, datetime(2027, 12, 28, 7, 59, tzinfo=UTC),
         "9bf23c241d09675544ae90c04a09ee95eb78659a7ce400872df3a670fa0d4a9d"),
        # the smallest train: 50 issues, two teams, midnight
        (50, 11, 2, datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
         "486ea8809142bdcea38f215a0831a5d32d961a4f8e384ca7a6bc838ba6685216"),
        # every team name used, heavy histories, a grid Monday at 08:00
        (2000, 7, 15, datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
         "ab27ba0b217046dc117ae273daa2fd94e4ac35d2d27b030288468ca347a0dcba"),
    ],
)  # fmt: skip
def test_the_generated_site_is_pinned(
    issues: int, seed: int, teams: int, now: datetime, expected: str
) -> None:
    assert _digest(generate_site(issues=issues, seed=seed, teams=teams, now=now)) == expected
