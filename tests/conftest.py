"""Shared fixtures: the Jira simulator on 127.0.0.1 for any test that needs a real Jira-like server.

- ``simulator``: a factory, ``simulator(deployment="cloud", issues=300, seed=7, ...)`` -> a started
  :class:`~syncreport.simulator.SimulatorHandle`, stopped after the test. Use it when the test changes data
  (``touch_issue``, ``remove_from_scope``) or knobs (latency, rate limits, faults).
- ``cloud_sim`` / ``dc_sim``: one shared, read-only simulator per session (300 issues, seed 7, today
  ``SIM_TODAY``). Do not change their data or knobs; stats may hold other tests' requests (reset them first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from syncreport.simulator import SimulatorHandle, start_simulator

SIM_TODAY = date(2026, 11, 26)  # a fixed day, so the generated train is the same on every run


@pytest.fixture
def simulator() -> Iterator[Callable[..., SimulatorHandle]]:
    started: list[SimulatorHandle] = []

    def start(**options: Any) -> SimulatorHandle:
        options.setdefault("issues", 300)
        options.setdefault("today", SIM_TODAY)
        handle = start_simulator(**options)
        started.append(handle)
        return handle

    yield start
    for handle in started:
        handle.stop()


@pytest.fixture(scope="session")
def cloud_sim() -> Iterator[SimulatorHandle]:
    with start_simulator(deployment="cloud", issues=300, seed=7, today=SIM_TODAY) as handle:
        yield handle


@pytest.fixture(scope="session")
def dc_sim() -> Iterator[SimulatorHandle]:
    with start_simulator(deployment="datacenter", issues=300, seed=7, today=SIM_TODAY) as handle:
        yield handle
