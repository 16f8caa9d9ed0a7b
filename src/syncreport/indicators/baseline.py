"""The PI baseline: the plan as it stood at PI planning, and what moved since (docs/indicators.md).

The baseline is the JSON document of one earlier run (see :mod:`syncreport.deliver.state`): by default the
first run inside the PI's first iteration, or one named in ``[baseline]`` (a snapshot file, or the first run
on or after a date). The comparison lists features added and removed since, features whose forecast
iteration moved later (by how many iterations), cross-team dependencies agreed after planning, and the
committed work per team then and now (scope growth).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from syncreport.indicators.changes import READABLE_JSON_VERSIONS
from syncreport.indicators.previous import document_rows, document_time
from syncreport.indicators.results import (
    BaselineComparison,
    Calendar,
    Capacity,
    DependencyChange,
    DependencyRow,
    FeatureMove,
    FeatureRef,
    Features,
    ScopeChange,
)
from syncreport.snapshot import issue_order
from syncreport.untrusted import isolate

FIRST_ITERATION = "the first run in the PI's first iteration"


def _span(calendar: Calendar) -> str:
    first = calendar.iterations[0]
    return f"{first.name}, {first.start:%Y-%m-%d} to {first.end:%Y-%m-%d}"


def baseline_comparison(
    baseline: dict[str, Any] | None,
    *,
    source: str,
    features: Features,
    dependencies: Sequence[DependencyRow],
    capacity: Capacity,
    calendar: Calendar,
    taken_at: datetime,
    pi: str | None,
    take_from: date | None = None,
    damaged: str | None = None,
) -> BaselineComparison:
    """Compare this run with ``baseline`` (a run's JSON document), or say why there is none and when it
    will be taken; ``take_now``: this run becomes the baseline (the pipeline keeps its document).

    ``source`` describes where the baseline came from; ``take_from``: the configured ``[baseline] date``;
    ``damaged``: the kept baseline file that cannot be read (a run never replaces it on its own).
    """
    if damaged is not None:
        return _none(
            f"the kept baseline {damaged} cannot be read; delete it and the next run in the PI's first "
            "iteration (or on or after [baseline] date) takes a new one, or name one in [baseline]",
            source,
            False,
        )
    if pi is None:
        return _none("the report's PI is unknown, so there is no PI to keep a baseline of", source, False)
    if baseline is None:
        return _no_baseline_yet(source, calendar, taken_at, pi, take_from)
    if baseline.get("schema_version") not in READABLE_JSON_VERSIONS:
        return _none(
            f"the baseline document has schema version {baseline.get('schema_version')!r}, which this "
            "syncreport cannot read",
            source,
            False,
        )
    train = baseline.get("train") if isinstance(baseline.get("train"), dict) else {}
    assert isinstance(train, dict)
    if train.get("pi") != pi:
        return _none(
            f"the baseline is of {isolate(str(train.get('pi')))}, not of {isolate(pi)}: name this PI's "
            "planning in [baseline]",
            source,
            False,
        )
    notes: list[str] = []
    then_section = baseline.get("features")
    has_features = isinstance(then_section, dict)
    then_rows = document_rows(then_section.get("features") if isinstance(then_section, dict) else None)
    then = {str(r.get("key")): r for r in then_rows}
    if not has_features:
        notes.append("the baseline was kept by an older syncreport, without features: none are compared")
    now = {r.key: r for r in features.rows}
    added = [FeatureRef(r.key, r.summary, r.team) for k, r in now.items() if has_features and k not in then]
    removed = [
        FeatureRef(k, str(r.get("summary") or ""), str(r.get("team") or ""))
        for k, r in then.items()
        if k not in now
    ]
    moved = []
    for key, row in now.items():
        before = then.get(key)
        if before is None:
            continue
        was = before.get("last_ordinal")
        if isinstance(was, int) and row.last_ordinal is not None and row.last_ordinal > was:
            moved.append(
                FeatureMove(
                    key,
                    row.summary,
                    row.team,
                    str(before.get("last_iteration") or f"I{was}"),
                    row.last_iteration,
                    row.last_ordinal - was,
                )
            )
    moved.sort(key=lambda m: (-(m.iterations or 0), issue_order(m.key)))
    agreed = {
        (str(d.get("consumer")), str(d.get("provider"))) for d in document_rows(baseline.get("dependencies"))
    }
    new_deps = [
        DependencyChange(d.consumer.key, d.provider.key, d.consumer.team, d.provider.team, None, d.status)
        for d in dependencies
        if (d.consumer.key, d.provider.key) not in agreed
    ]
    scope = _scope(baseline, capacity, notes)
    return BaselineComparison(
        available=True,
        reason=None,
        source=source,
        taken_at=document_time(train.get("generated_at")),
        take_now=False,
        features_added=tuple(sorted(added, key=lambda f: issue_order(f.key))),
        features_removed=tuple(sorted(removed, key=lambda f: issue_order(f.key))),
        features_moved=tuple(moved),
        dependencies_added=tuple(new_deps),
        scope=scope,
        notes=tuple(notes),
    )


def _scope(baseline: dict[str, Any], capacity: Capacity, notes: list[str]) -> tuple[ScopeChange, ...]:
    section = baseline.get("capacity")
    if not isinstance(section, dict):
        notes.append("the baseline has no committed work per team (kept by an older syncreport)")
        return ()
    then = {str(t.get("team")): t for t in document_rows(section.get("teams"))}
    out = []
    for team in capacity.teams:
        before = then.get(team.team)
        value = before.get("committed") if before else None
        was = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        if before is not None and before.get("unit") != team.unit:
            was = None  # measured in another unit then: not comparable
        if not was and not team.committed:
            continue  # a team with no work then or now (a board's team of another train, say)
        growth = (team.committed - was) / was if was else None
        out.append(ScopeChange(team.team, team.unit, was, team.committed, growth))
    return tuple(out)


def _none(reason: str, source: str, take_now: bool) -> BaselineComparison:
    return BaselineComparison(False, reason, source, None, take_now)


def _no_baseline_yet(
    source: str, calendar: Calendar, taken_at: datetime, pi: str, take_from: date | None
) -> BaselineComparison:
    if take_from is not None:
        if taken_at.date() >= take_from:
            return _this_run(source, taken_at)
        return _none(
            f"no baseline yet: it will be taken by the first run on or after {take_from}", source, False
        )
    if not calendar.iterations:
        return _none(
            "no iteration calendar, so the PI's first iteration is unknown: name the baseline in [baseline]",
            source,
            False,
        )
    first = calendar.iterations[0]
    if taken_at < first.start:
        return _none(
            f"no baseline yet: it will be taken by the first run in {_span(calendar)}", source, False
        )
    if taken_at < first.end:
        return _this_run(source, taken_at)
    return _none(
        f"no baseline for {isolate(pi)}: no run was kept from its first iteration ({_span(calendar)}); name a "
        "PI-planning snapshot or a date in [baseline]",
        source,
        False,
    )


def _this_run(source: str, taken_at: datetime) -> BaselineComparison:
    return BaselineComparison(
        available=True,
        reason=None,
        source=source,
        taken_at=taken_at,
        take_now=True,
        notes=("this run is the PI baseline: later reports show what moved since",),
    )
