"""The PI plan against today: feature progress and forecast, capacity against load, the PI baseline.

One call from compute (:func:`plan_indicators`) over the frames compute already built, so the three
sections share one view of the train: the features' forecasts feed the baseline comparison, the teams'
committed work feeds the scope growth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from syncreport.config import CapacitySettings, ThresholdSettings
from syncreport.indicators.baseline import FIRST_ITERATION, baseline_comparison
from syncreport.indicators.capacity import capacity
from syncreport.indicators.features import feature_progress
from syncreport.indicators.results import BaselineComparison, Calendar, Capacity, DependencyRow, Features
from syncreport.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class BaselineInput:
    """The baseline handed in by the pipeline: a run's JSON document (None: none kept yet), where it came
    from, and the configured ``[baseline] date`` (None: the PI's first iteration decides)."""

    document: dict[str, Any] | None = None
    source: str = FIRST_ITERATION
    take_from: date | None = None
    damaged: str | None = None  # the kept baseline file, when it cannot be read (never replaced by a run)


@dataclass(frozen=True, slots=True)
class PlanResults:
    features: Features
    capacity: Capacity
    baseline: BaselineComparison


def plan_indicators(
    snapshot: Snapshot,
    *,
    issues: pd.DataFrame,
    sprints: pd.DataFrame,
    reliability: pd.DataFrame,
    calendar: Calendar,
    teams: Sequence[str],
    dependencies: Sequence[DependencyRow],
    thresholds: ThresholdSettings,
    settings: CapacitySettings,
    baseline: BaselineInput,
) -> PlanResults:
    browse = f"{snapshot.site_url.rstrip('/')}/browse/"
    features = feature_progress(
        issues,
        iterations=len(calendar.iterations),
        pi=snapshot.current_pi,
        pis=snapshot.pis,
        dependencies=dependencies,
        browse_url=browse,
    )
    load = capacity(
        issues,
        sprints,
        reliability,
        calendar,
        teams,
        pi=snapshot.current_pi,
        velocity_sprints=settings.velocity_sprints,
        configured=settings.velocity,
        overload_share=thresholds.overload_share,
    )
    comparison = baseline_comparison(
        baseline.document,
        source=baseline.source,
        features=features,
        dependencies=dependencies,
        capacity=load,
        calendar=calendar,
        taken_at=snapshot.taken_at,
        pi=snapshot.current_pi,
        take_from=baseline.take_from,
        damaged=baseline.damaged,
    )
    return PlanResults(features, load, comparison)
