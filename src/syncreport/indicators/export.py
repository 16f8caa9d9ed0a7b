"""The JSON export: a plain, versioned document of the results (schema: syncreport/schema/report.schema.json).

The document is also the "previous run" the next run compares with (``compute_indicators(previous=...)``).
Times are ISO 8601 in UTC; keys and field names are stable within a schema version.

Longer than 400 lines: one small function per section of the document, in the document's order.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from syncreport.gc_pause import gc_paused
from syncreport.indicators.changes import JSON_SCHEMA_VERSION
from syncreport.indicators.results import (
    BaselineComparison,
    Capacity,
    DependencyChange,
    DependencyEnd,
    DependencyRow,
    Features,
    IndicatorResults,
    IssueChange,
    IssueRow,
    Objectives,
    ObjectiveTeam,
    Risks,
)
from syncreport.indicators.trends import trends_document

SCHEMA_VERSION = JSON_SCHEMA_VERSION
SCHEMA_ID = f"https://syncreport.dev/schema/report/v{SCHEMA_VERSION}.json"


@cache
def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) the export follows, shipped as package data."""
    text = resources.files("syncreport").joinpath("schema/report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _end(end: DependencyEnd) -> dict[str, Any]:
    return {
        "key": end.key,
        "team": end.team,
        "summary": end.summary,
        "status": end.status,
        "done": end.done,
        "in_train": end.in_train,
        "visible": end.visible,
        "sprint": end.sprint,
        "iteration": end.iteration_name,
        "iteration_index": end.iteration_index,
        "pi": end.pi,
    }


def _dependency(dep: DependencyRow) -> dict[str, Any]:
    return {
        "consumer": dep.consumer.key,
        "provider": dep.provider.key,
        "consumer_team": dep.consumer.team,
        "provider_team": dep.provider.team,
        "link_type": dep.link_type,
        "status": dep.status,
        "reason": dep.reason,
        "consumer_sprint": dep.consumer.sprint,
        "provider_sprint": dep.provider.sprint,
        "consumer_iteration": dep.consumer.iteration_name,
        "provider_iteration": dep.provider.iteration_name,
        "consumer_pi": dep.consumer.pi,
        "provider_pi": dep.provider.pi,
        "cross_pi": dep.cross_pi,
        "iterations_late": dep.iterations_late,
        "provider_slipped": dep.provider_slipped,
        "provider_slip_from": dep.provider_slip_from,
        "in_cycle": dep.in_cycle,
        "consumer_end": _end(dep.consumer),
        "provider_end": _end(dep.provider),
    }


def _issue(row: IssueRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "team": row.team,
        "summary": row.summary,
        "issue_type": row.issue_type,
        "status": row.status,
        "sprint": row.sprint,
        "iteration": row.iteration_name,
        "pi": row.pi,
        "done": row.done,
        "carry_over": row.carry_over,
        "sprints_passed": list(row.sprints_passed),
        "due_date": _day(row.due_date),
        "first_due_date": _day(row.first_due_date),
        "due_date_slip_days": row.due_date_slip_days,
        "pi_slip": None
        if row.pi_slip is None
        else {"from": row.pi_slip.from_pi, "to": row.pi_slip.to_pi, "at": _time(row.pi_slip.at)},
        "ageing_days": row.ageing_days,
        "team_changed": row.team_changed,
    }


def _dep_change(change: DependencyChange) -> dict[str, Any]:
    return {
        "consumer": change.consumer,
        "provider": change.provider,
        "consumer_team": change.consumer_team,
        "provider_team": change.provider_team,
        "previous_status": change.previous_status,
        "status": change.status,
    }


def _risks(risks: Risks) -> dict[str, Any]:
    return {
        "available": risks.available,
        "notes": list(risks.notes),
        "counts": {c.state: c.count for c in risks.counts},
        "open_high": risks.open_high,
        "roam_days": risks.roam_days,
        "risks": [
            {
                "key": r.key,
                "summary": r.summary,
                "team": r.team,
                "owner": r.owner,
                "roam": r.roam,
                "roam_since": _time(r.roam_since),
                "days_in_state": r.days_in_state,
                "age_days": r.age_days,
                "priority": r.priority,
                "high": r.high,
                "open": r.open,
                "linked": list(r.linked),
                "late_dependencies": list(r.late_dependencies),
                "flags": list(r.flags),
            }
            for r in risks.rows
        ],
        "changes_available": risks.changes_available,
        "changes": [
            {"key": c.key, "team": c.team, "previous": c.previous, "roam": c.roam} for c in risks.changes
        ],
    }


def _objective_team(t: ObjectiveTeam) -> dict[str, Any]:
    return {
        "scope": t.scope,
        "committed": t.committed,
        "uncommitted": t.uncommitted,
        "planned_committed": t.planned_committed,
        "planned_uncommitted": t.planned_uncommitted,
        "actual": t.actual,
        "predictability": t.predictability,
        "in_band": t.in_band,
        "at_risk": t.at_risk,
        "reason": t.reason,
    }


def _objectives(objectives: Objectives) -> dict[str, Any]:
    return {
        "available": objectives.available,
        "notes": list(objectives.notes),
        "pi": objectives.pi,
        "objectives": [
            {
                "key": o.key,
                "summary": o.summary,
                "team": o.team,
                "pi": o.pi,
                "committed": o.committed,
                "planned_value": o.planned_value,
                "actual_value": o.actual_value,
                "status": o.status,
                "done": o.done,
                "features": list(o.features),
                "outside": list(o.outside),
                "unit": o.unit,
                "work_total": o.work_total,
                "work_done": o.work_done,
                "progress": o.progress,
                "forecast": o.forecast,
                "forecast_reason": o.forecast_reason,
            }
            for o in objectives.rows
        ],
        "teams": [_objective_team(t) for t in objectives.teams],
        "train": None if objectives.train is None else _objective_team(objectives.train),
    }


def _features(features: Features) -> dict[str, Any]:
    return {
        "available": features.available,
        "pi": features.pi,
        "iterations": features.iterations,
        "notes": list(features.notes),
        "counts": {c.forecast: c.count for c in features.counts},
        "features": [
            {
                "key": f.key,
                "summary": f.summary,
                "team": f.team,
                "issue_type": f.issue_type,
                "status": f.status,
                "done": f.done,
                "pi": f.pi,
                "fetched": f.fetched,
                "children": f.children,
                "children_done": f.children_done,
                "unit": f.unit,
                "total": f.total,
                "completed": f.completed,
                "progress": f.progress,
                "last_ordinal": f.last_ordinal,
                "last_iteration": f.last_iteration,
                "unscheduled": f.unscheduled,
                "forecast": f.forecast,
                "reasons": list(f.reasons),
                "teams": list(f.teams),
            }
            for f in features.rows
        ],
    }


def _capacity(capacity: Capacity) -> dict[str, Any]:
    return {
        "available": capacity.available,
        "velocity_sprints": capacity.velocity_sprints,
        "overload_share": capacity.overload_share,
        "notes": list(capacity.notes),
        "teams": [
            {
                "team": t.team,
                "unit": t.unit,
                "velocity": t.velocity,
                "velocity_source": t.velocity_source,
                "sprints": list(t.sprints),
                "completed": list(t.completed),
                "committed": t.committed,
                "overloaded": list(t.overloaded),
                "loads": [
                    {
                        "iteration": load.iteration_name,
                        "iteration_index": load.iteration_index,
                        "planned": load.planned,
                        "unestimated": load.unestimated,
                        "load": load.load,
                        "overloaded": load.overloaded,
                        "past": load.past,
                    }
                    for load in t.loads
                ],
            }
            for t in capacity.teams
        ],
    }


def _baseline(baseline: BaselineComparison) -> dict[str, Any]:
    return {
        "available": baseline.available,
        "reason": baseline.reason,
        "source": baseline.source,
        "taken_at": _time(baseline.taken_at),
        "this_run": baseline.take_now,
        "notes": list(baseline.notes),
        "features_added": [
            {"key": f.key, "team": f.team, "summary": f.summary} for f in baseline.features_added
        ],
        "features_removed": [
            {"key": f.key, "team": f.team, "summary": f.summary} for f in baseline.features_removed
        ],
        "features_moved": [
            {"key": m.key, "team": m.team, "before": m.before, "after": m.after, "iterations": m.iterations}
            for m in baseline.features_moved
        ],
        "dependencies_added": [_dep_change(c) for c in baseline.dependencies_added],
        "scope": [
            {"team": c.team, "unit": c.unit, "baseline": c.baseline, "now": c.now, "growth": c.growth}
            for c in baseline.scope
        ],
    }


def _issue_change(change: IssueChange) -> dict[str, Any]:
    return {"key": change.key, "team": change.team, "detail": change.detail}


def to_json_document(results: IndicatorResults) -> dict[str, Any]:
    """The export document (valid against :func:`report_schema`).

    Built with the garbage collector paused: the document is a tree of new dicts and lists (no cycles), and
    every full collection its allocations would trigger rescans the whole results again (at 100,000 issues
    more than half of the export's time)."""
    with gc_paused():
        return _document(results)


def _document(results: IndicatorResults) -> dict[str, Any]:
    train = results.train
    changes = results.changes
    pred = results.predictability
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "train": {
            "name": train.name,
            "pi": train.pi,
            "pis": list(train.pis),
            "health": results.train_health.health,
            "reasons": list(results.train_health.reasons),
            "generated_at": _time(train.generated_at),
            "jira_url": train.jira_url,
            "issue_count": train.issue_count,
            "iteration_source": results.calendar.source,
            "current_iteration": results.calendar.current_index,
        },
        "iterations": [
            {
                "index": it.index,
                "name": it.name,
                "start": _time(it.start),
                "end": _time(it.end),
                "state": it.state,
            }
            for it in results.calendar.iterations
        ],
        "teams": [
            {
                "name": team.team,
                "health": team.health,
                "reasons": list(team.reasons),
                "issues": team.figures.issues,
                "late_dependencies": team.figures.late_dependencies,
                "unscheduled_dependencies": team.figures.unscheduled_dependencies,
                "carry_over_share": team.figures.carry_over_share,
                "reliability": team.figures.reliability,
                "orphan_share": team.figures.orphan_share,
                "off_cadence_sprints": team.figures.off_cadence_sprints,
                "max_ageing_days": team.figures.max_ageing_days,
            }
            for team in results.teams
        ],
        "dependency_counts": {
            **{c.status: c.count for c in results.status_counts},
            "consumer_done": len(results.clean_up),
        },
        "dependencies": [_dependency(d) for d in results.dependencies],
        "same_team_links": [_dependency(d) for d in results.same_team_links],
        "cycles": [list(c.keys) for c in results.cycles],
        "issues": [_issue(i) for i in results.issues],
        "sprints": [
            {
                "team": s.team,
                "sprint": s.sprint,
                "sprint_id": s.sprint_id,
                "iteration": s.iteration_name,
                "start": _time(s.start),
                "end": _time(s.end),
                "unit": s.unit,
                "committed": s.committed,
                "completed": s.completed,
                "added": s.added,
                "added_completed": s.added_completed,
                "removed": s.removed,
                "reliability": s.reliability,
            }
            for s in results.sprint_reliability
        ],
        "cadence": [
            {
                "team": c.team,
                "sprint": c.sprint,
                "iteration": c.iteration_name,
                "start_offset_days": c.start_offset_days,
                "end_offset_days": c.end_offset_days,
                "off_cadence": c.off_cadence,
            }
            for c in results.cadence
        ],
        "orphans": [
            {
                "team": o.team,
                "pi_issues": o.pi_issues,
                "orphans": o.orphans,
                "share": o.share,
                "keys": list(o.keys),
            }
            for o in results.orphans
        ],
        "unowned": [u.key for u in results.unowned],
        "ageing": [
            {"key": a.key, "team": a.team, "reason": a.reason, "since": _time(a.since), "days": a.days}
            for a in results.ageing
        ],
        "predictability": {
            "available": pred.available,
            "reason": pred.reason,
            "train": None
            if pred.train is None
            else {"planned": pred.train.planned, "actual": pred.train.actual, "ratio": pred.train.ratio},
            "teams": [
                {"team": r.scope, "planned": r.planned, "actual": r.actual, "ratio": r.ratio}
                for r in pred.teams
            ],
        },
        "data_quality": [
            {
                "kind": f.kind,
                "severity": f.severity,
                "title": f.title,
                "detail": f.detail,
                "count": f.count,
                "keys": list(f.keys),
            }
            for f in results.data_quality
        ],
        "risks": _risks(results.risks),
        "objectives": _objectives(results.objectives),
        "features": _features(results.features),
        "capacity": _capacity(results.capacity),
        "baseline": _baseline(results.baseline),
        "trends": trends_document(results.trends),
        "changes_since_last": {
            "available": changes.available,
            "reason": changes.reason,
            "previous_generated_at": _time(changes.previous_generated_at),
            "previous_health": changes.previous_train_health,
            "turned_late": [_dep_change(c) for c in changes.turned_late],
            "recovered": [_dep_change(c) for c in changes.recovered],
            "new_dependencies": [_dep_change(c) for c in changes.new_dependencies],
            "removed_dependencies": [_dep_change(c) for c in changes.removed_dependencies],
            "newly_slipped": [_issue_change(c) for c in changes.newly_slipped],
            "resolved": [_issue_change(c) for c in changes.resolved],
            "health_changes": [
                {"scope": c.scope, "previous": c.previous, "health": c.health, "worse": c.worse}
                for c in changes.health_changes
            ],
        },
    }
