"""PI objectives: per team, planned and actual business value, progress and forecast, and SAFe predictability.

Definitions (docs/indicators.md, "PI objectives"):
- The objectives of the report's PI (``snapshot.current_pi``; all of them when the PI is unknown).
- **Work** of an objective: for each linked train issue (a feature), its child issues in the snapshot, or
  the feature itself when it has none. Measured in points when every work item has points, else in issues.
  **Progress** = done work / all work; the work of a done feature counts as done.
- **Forecast**: "no_features" when nothing linked is in the train; "done" when every linked feature is
  done; "at_risk" when a linked feature or its work is an end of a late cross-team dependency, moved to a
  later PI (or is planned in a later PI than the objective), or the feature's due date slipped; else
  "on_track".
- **Predictability** (SAFe) of a team: actual BV of all its objectives, committed and uncommitted, divided
  by the planned BV of the committed ones only. Scored once every committed objective has an actual BV
  (business owners score them at the end of the PI); an uncommitted objective not scored counts 0. The
  train's figure is the same ratio over all teams' objectives, once every team is scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Literal

from syncreport.indicators.data_quality import Findings
from syncreport.indicators.frames import UNASSIGNED
from syncreport.indicators.results import (
    FORECAST_LABELS,
    DependencyRow,
    Forecast,
    IssueRow,
    ObjectiveRow,
    Objectives,
    ObjectiveTeam,
)
from syncreport.snapshot import Issue, Objective, Snapshot, issue_order

BAND = (0.8, 1.0)


def objective_board(
    snapshot: Snapshot,
    dependencies: Sequence[DependencyRow],
    issue_rows: Sequence[IssueRow],
    findings: Findings,
) -> Objectives:
    browse = f"{snapshot.site_url.rstrip('/')}/browse/"
    pi = snapshot.current_pi
    in_pi = [o for o in snapshot.objectives if pi is None or o.pi == pi]
    no_pi = [o.key for o in snapshot.objectives if o.pi is None and pi is not None]
    findings.add(
        "objective_no_pi",
        "warning",
        "PI objectives with no PI",
        "These objectives name no PI, so they are in no PI's predictability: set their PI in Jira.",
        no_pi,
    )
    rows = _rows(snapshot, in_pi, dependencies, issue_rows, browse) if in_pi else []
    rows.sort(key=lambda r: (r.team, r.committed is not True, -(r.planned_value or 0.0), issue_order(r.key)))
    findings.add(
        "objective_commitment_unknown",
        "warning",
        "PI objectives with no commitment",
        "Committed or uncommitted is not set, so the team's predictability cannot be scored: set it in Jira "
        "(see [objectives] committed_source).",
        [r.key for r in rows if r.committed is None],
    )
    findings.add(
        "objective_no_planned_value",
        "warning",
        "PI objectives with no planned business value",
        "Business owners assign planned business value at PI planning; without it the objective weighs "
        "nothing in predictability: set it in Jira.",
        [
            r.key
            for r in rows
            if r.planned_value is None and "planned" not in " ".join(snapshot.objective_notes)
        ],
    )
    teams = [_team(name, [r for r in rows if r.team == name]) for name in sorted({r.team for r in rows})]
    train_row = _train(snapshot.train, rows, teams) if rows else None
    notes = list(snapshot.objective_notes)
    if snapshot.objectives and not in_pi:
        notes.append(f"none of the {len(snapshot.objectives)} PI objectives found belongs to {pi}")
    return Objectives(
        available=bool(rows),
        notes=tuple(notes),
        pi=pi,
        rows=tuple(rows),
        teams=tuple(teams),
        train=train_row,
    )


def _rows(
    snapshot: Snapshot,
    in_pi: Sequence[Objective],
    dependencies: Sequence[DependencyRow],
    issue_rows: Sequence[IssueRow],
    browse: str,
) -> list[ObjectiveRow]:
    """The objectives' rows, with what their features' work shows (looked up only when there are some)."""
    train = {i.key: i for i in snapshot.issues if i.in_train}
    children: dict[str, list[Issue]] = {}
    for issue in train.values():
        if issue.parent_key:
            children.setdefault(issue.parent_key, []).append(issue)
    late: dict[str, str] = {}
    for dep in dependencies:
        if dep.status == "late":
            late.setdefault(dep.provider.key, f"{dep.provider.key} is late for {dep.consumer.key}")
            late.setdefault(dep.consumer.key, f"{dep.consumer.key} waits for the late {dep.provider.key}")
    slipped: dict[str, str] = {}
    for row in issue_rows:
        if row.pi_slip is not None:
            slipped[row.key] = f"{row.key} moved from {row.pi_slip.from_pi} to {row.pi_slip.to_pi}"
    pi_rank = {name: n for n, name in enumerate(snapshot.pis)}
    return [_row(o, browse, train, children, late, slipped, pi_rank) for o in in_pi]


def _row(
    o: Objective,
    browse: str,
    train: Mapping[str, Issue],
    children: Mapping[str, list[Issue]],
    late: Mapping[str, str],
    slipped: Mapping[str, str],
    pi_rank: Mapping[str, int],
) -> ObjectiveRow:
    features = [train[k] for k in o.linked_keys if k in train]
    outside = tuple(k for k in o.linked_keys if k not in train)
    # (work item, done): a done feature's work counts as done, leftovers under it included
    work = [(w, f.done or w.done) for f in features for w in (children.get(f.key) or [f])]
    unit: Literal["points", "issues"] = (
        "points" if work and all(w.points is not None for w, _ in work) else "issues"
    )
    total = sum((w.points or 0.0) if unit == "points" else 1.0 for w, _ in work)
    done = sum((w.points or 0.0) if unit == "points" else 1.0 for w, finished in work if finished)
    reasons: list[str] = []
    for feature in features:
        if feature.done:
            continue
        for item in (feature, *children.get(feature.key, ())):
            if item.key in late:
                reasons.append(late[item.key])
            if item.key in slipped:
                reasons.append(slipped[item.key])
        if o.pi and feature.pi and pi_rank.get(feature.pi, -1) > pi_rank.get(o.pi, -1):
            reasons.append(f"{feature.key} is planned in {feature.pi}")
    forecast: Forecast
    if not features:
        forecast = "no_features"
    elif all(f.done for f in features):
        forecast = "done"
    elif reasons:
        forecast = "at_risk"
    else:
        forecast = "on_track"
    unique = list(dict.fromkeys(reasons))
    reason = "; ".join(unique[:3]) + (f" (and {len(unique) - 3} more)" if len(unique) > 3 else "")
    return ObjectiveRow(
        key=o.key,
        summary=o.summary,
        url=browse + o.key,
        team=o.team or UNASSIGNED,
        pi=o.pi,
        committed=o.committed,
        planned_value=o.planned_value,
        actual_value=o.actual_value,
        status=o.status,
        done=o.status_category == "done",
        features=tuple(f.key for f in features),
        outside=outside,
        unit=unit,
        work_total=total,
        work_done=done,
        progress=done / total if total else None,
        forecast=forecast,
        forecast_label=FORECAST_LABELS[forecast],
        forecast_reason=reason if forecast == "at_risk" else "",
    )


def _ratio(actual: float | None, planned: float) -> tuple[float | None, bool]:
    if actual is None or planned <= 0:
        return None, False
    ratio = actual / planned
    return ratio, BAND[0] <= ratio <= BAND[1]


def _team(scope: str, rows: Sequence[ObjectiveRow]) -> ObjectiveTeam:
    committed = [r for r in rows if r.committed is True]
    uncommitted = [r for r in rows if r.committed is False]
    planned_committed = sum(r.planned_value or 0.0 for r in committed)
    reason: str | None = None
    actual: float | None = None
    unknown = [r.key for r in rows if r.committed is None]
    unplanned = [r.key for r in committed if r.planned_value is None]
    unscored = [r.key for r in committed if r.actual_value is None]
    if unknown:
        reason = f"commitment not set on {', '.join(unknown)}"
    elif not committed:
        reason = "no committed objective"
    elif unplanned:
        reason = f"no planned business value on {', '.join(unplanned)}"
    elif len(unscored) == len(committed):
        reason = "scored at PI end: no actual business value yet"
    elif unscored:
        reason = f"not every committed objective is scored yet ({', '.join(unscored)} has no actual value)"
    else:
        actual = sum(r.actual_value or 0.0 for r in rows)
    ratio, in_band = _ratio(actual, planned_committed)
    return ObjectiveTeam(
        scope=scope,
        committed=len(committed),
        uncommitted=len(uncommitted),
        planned_committed=planned_committed,
        planned_uncommitted=sum(r.planned_value or 0.0 for r in uncommitted),
        actual=actual,
        predictability=ratio,
        in_band=in_band,
        at_risk=sum(1 for r in rows if r.forecast == "at_risk"),
        reason=reason,
    )


def _train(name: str, rows: Sequence[ObjectiveRow], teams: Sequence[ObjectiveTeam]) -> ObjectiveTeam:
    total = _team(name, rows)
    waiting = [t.scope for t in teams if t.actual is None]
    if total.actual is not None or not waiting:
        return total
    if all(t.reason and t.reason.startswith("scored at PI end") for t in teams):
        reason = total.reason
    else:
        reason = f"not every team is scored yet ({', '.join(waiting)})"
    return replace(total, actual=None, predictability=None, in_band=False, reason=reason)
