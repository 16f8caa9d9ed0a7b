"""Result records from frames: the typed rows of IndicatorResults (dependencies and their ends, issues,
sprint reliability, cadence, ageing, orphans, unowned issues), built column-wise from the DataFrames.

Nothing here decides anything: values are converted (pandas missing values to None, numpy scalars to
Python, timestamps to datetimes and dates) and put into the frozen dataclasses of indicators/results.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from syncreport.indicators.dependencies import NOT_VISIBLE, dependency_cycles
from syncreport.indicators.frames import plain, plain_columns, rows, sort_by_issue_key
from syncreport.indicators.results import (
    AgeingRow,
    CadenceRow,
    Cycle,
    DependencyEnd,
    DependencyRow,
    IssueRef,
    IssueRow,
    OrphanRow,
    PiSlip,
    SprintReliability,
)
from syncreport.kinds import DependencyStatus


def _opt(value: Any) -> Any:
    """pandas missing values (NaN, NA, NaT, None) -> None; numpy scalars -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _opt_int(value: Any) -> int | None:
    value = _opt(value)
    return None if value is None else int(value)


def _opt_str(value: Any) -> str | None:
    value = _opt(value)
    return None if value is None else str(value)


def dependency_records(
    deps: pd.DataFrame, issues: pd.DataFrame, browse: str
) -> tuple[list[DependencyRow], list[DependencyRow], tuple[Cycle, ...]]:
    """(cross-team dependencies, same-team links, cycles), each row flagged when it lies on a cycle."""
    cycle_keys = dependency_cycles(deps)
    in_cycle = {k for cycle in cycle_keys for k in cycle}
    rows_ = [_replace_cycle_flag(d, in_cycle) for d in dependency_rows(deps, browse)]
    cross = [d for d, c in zip(rows_, deps["cross_team"], strict=True) if c]
    same = [d for d, c in zip(rows_, deps["cross_team"], strict=True) if not c]
    team_of = issues["team"]
    cycles = tuple(
        Cycle(keys=c, teams=tuple(str(team_of.get(k, NOT_VISIBLE)) for k in c)) for c in cycle_keys
    )
    return cross, same, cycles


def ageing_rows(aged: pd.DataFrame, issues: pd.DataFrame, browse: str) -> tuple[AgeingRow, ...]:
    aged_issues = issues.loc[aged.index]
    summaries = dict(zip(aged_issues.index, aged_issues["summary"].tolist(), strict=True))
    team_names = dict(zip(aged_issues.index, aged_issues["team"].tolist(), strict=True))
    return tuple(
        AgeingRow(
            key=str(key),
            summary=str(summaries[key]),
            url=browse + str(key),
            team=str(team_names[key]),
            reason=reason,
            since=since,
            days=int(days),
        )
        for key, reason, since, days in zip(
            aged.index.tolist(),
            aged["reason"].tolist(),
            plain(aged["since"]),
            aged["days"].tolist(),
            strict=True,
        )
    )


_END_FIELDS = (
    "summary",
    "team",
    "issue_type",
    "status",
    "done",
    "flagged",
    "in_train",
    "visible",
    "sprint",
    "sprint_id",
    "iteration_index",
    "iteration_name",
    "pi",
)


def _ends(deps: pd.DataFrame, prefix: str, keys: list[Any], browse: str) -> list[DependencyEnd]:
    cols = plain_columns(deps, [f"{prefix}_{name}" for name in _END_FIELDS])
    values = [cols[f"{prefix}_{name}"] for name in _END_FIELDS]
    return [
        DependencyEnd(
            key=str(key),
            summary=summary or "",
            url=browse + str(key),
            team=str(team),
            issue_type=issue_type or "",
            status=status or "",
            done=bool(done),
            flagged=bool(flagged),
            in_train=bool(in_train),
            visible=bool(visible),
            sprint=sprint,
            sprint_id=None if sprint_id is None else int(sprint_id),
            iteration_index=None if iteration_index is None else int(iteration_index),
            iteration_name=iteration_name,
            pi=pi,
        )
        for key, (
            summary,
            team,
            issue_type,
            status,
            done,
            flagged,
            in_train,
            visible,
            sprint,
            sprint_id,
            iteration_index,
            iteration_name,
            pi,
        ) in zip(keys, zip(*values, strict=True), strict=True)
    ]


def dependency_rows(deps: pd.DataFrame, browse: str) -> list[DependencyRow]:
    if deps.empty:
        return []
    cols = plain_columns(
        deps,
        [
            "link_id",
            "link_type",
            "consumer",
            "provider",
            "status",
            "status_label",
            "severity_rank",
            "reason",
            "cross_pi",
            "iterations_late",
            "provider_slipped",
            "provider_slip_from",
        ],
    )
    consumers = _ends(deps, "c", cols["consumer"], browse)
    providers = _ends(deps, "p", cols["provider"], browse)
    return [
        DependencyRow(
            link_id=str(link_id),
            link_type=str(link_type),
            consumer=consumer,
            provider=provider,
            status=DependencyStatus(status),
            status_label=label,
            severity_rank=int(rank),
            reason=reason,
            cross_pi=bool(cross_pi),
            iterations_late=None if late is None else int(late),
            provider_slipped=bool(slipped),
            provider_slip_from=slip_from,
            in_cycle=False,
        )
        for link_id, link_type, consumer, provider, status, label, rank, reason, cross_pi, late, slipped, slip_from in zip(
            cols["link_id"],
            cols["link_type"],
            consumers,
            providers,
            cols["status"],
            cols["status_label"],
            cols["severity_rank"],
            cols["reason"],
            cols["cross_pi"],
            cols["iterations_late"],
            cols["provider_slipped"],
            cols["provider_slip_from"],
            strict=True,
        )
    ]


def _replace_cycle_flag(dep: DependencyRow, in_cycle: set[str]) -> DependencyRow:
    if dep.consumer.key in in_cycle and dep.provider.key in in_cycle:
        return replace(dep, in_cycle=True)
    return dep


def issue_rows(
    train: pd.DataFrame,
    per_issue: pd.DataFrame,
    due: pd.DataFrame,
    slips: dict[str, PiSlip],
    aged: pd.DataFrame,
    team_moves: set[str],
    browse: str,
) -> list[IssueRow]:
    ordered = sort_by_issue_key(train)
    cols = plain_columns(
        ordered,
        [
            "key",
            "summary",
            "team",
            "issue_type",
            "status",
            "done",
            "sprint",
            "iteration_index",
            "iteration_name",
            "pi",
        ],
    )
    carry = per_issue["carry_over"].reindex(ordered.index).fillna(0).astype(int).tolist()
    passed = per_issue["sprints_passed"].reindex(ordered.index).tolist()
    due_dates = _dates(ordered["due_date"])
    first_due = _dates(due["first_due_date"].reindex(ordered.index))
    slip_days = plain(due["due_date_slip_days"].reindex(ordered.index))
    age_days = aged["days"].reindex(ordered.index).fillna(0).astype(int).tolist()
    return [
        IssueRow(
            key=key,
            summary=summary,
            url=browse + key,
            team=team,
            issue_type=issue_type,
            status=status,
            done=bool(done),
            sprint=sprint,
            iteration_index=None if index is None else int(index),
            iteration_name=iteration_name,
            pi=pi,
            carry_over=carried,
            sprints_passed=sprints if isinstance(sprints, tuple) else (),
            due_date=due_date,
            first_due_date=first,
            due_date_slip_days=None if slip is None else int(slip),
            pi_slip=slips.get(key),
            ageing_days=age,
            team_changed=key in team_moves,
        )
        for (
            key,
            summary,
            team,
            issue_type,
            status,
            done,
            sprint,
            index,
            iteration_name,
            pi,
            carried,
            sprints,
            due_date,
            first,
            slip,
            age,
        ) in zip(
            *(cols[name] for name in cols),
            carry,
            passed,
            due_dates,
            first_due,
            slip_days,
            age_days,
            strict=True,
        )
    ]


def _dates(times: pd.Series) -> list[date | None]:
    """Midnight-UTC timestamps -> dates (None when missing)."""
    return [None if t is None else t.date() for t in plain(times)]


def reliability_rows(table: pd.DataFrame, sprints: pd.DataFrame) -> list[SprintReliability]:
    """The closed sprints of the report's PI (its calendar); all closed sprints when none falls in it.

    Sprints of earlier PIs are only partly visible (the train's JQL selects this PI's work), so their
    ratios would mislead.
    """
    if table.empty:
        return []
    joined = table.join(
        sprints[["name", "team_label", "iteration_index", "iteration_name", "start", "end"]], on="sprint_id"
    )
    in_calendar = joined["iteration_index"].notna()
    if in_calendar.any():
        joined = joined[in_calendar]
    joined = joined.sort_values(["team_label", "start", "sprint_id"], kind="stable")
    out_rows: list[SprintReliability] = []
    for r in rows(joined):
        committed = float(r.committed)
        out_rows.append(
            SprintReliability(
                team=str(r.team_label),
                sprint_id=int(r.sprint_id),
                sprint=str(r.name),
                iteration_index=_opt_int(r.iteration_index),
                iteration_name=_opt_str(r.iteration_name),
                start=_opt(r.start).to_pydatetime() if _opt(r.start) is not None else None,
                end=_opt(r.end).to_pydatetime() if _opt(r.end) is not None else None,
                unit=r.unit,
                committed=committed,
                completed=float(r.completed),
                added=float(r.added),
                added_completed=float(r.added_completed),
                removed=float(r.removed),
                reliability=float(r.completed) / committed if committed > 0 else None,
            )
        )
    return out_rows


def cadence_row(r: Any) -> CadenceRow:
    return CadenceRow(
        team=str(r.team),
        sprint_id=int(r.id),
        sprint=str(r.name),
        iteration_index=int(r.iteration_index),
        iteration_name=str(r.iteration_name),
        sprint_start=r.start.to_pydatetime(),
        sprint_end=r.end.to_pydatetime(),
        iteration_start=r.iteration_start.to_pydatetime(),
        iteration_end=r.iteration_end.to_pydatetime(),
        start_offset_days=float(r.start_offset_days),
        end_offset_days=float(r.end_offset_days),
        off_cadence=bool(r.off_cadence),
    )


def issue_ref(r: Any, browse: str) -> IssueRef:
    return IssueRef(
        key=r.key,
        summary=r.summary,
        url=browse + r.key,
        team=r.team,
        issue_type=r.issue_type,
        status=r.status,
        pi=_opt_str(r.pi),
        sprint=_opt_str(r.sprint),
    )


def total_orphans(teams: Sequence[OrphanRow]) -> OrphanRow:
    work = sum(r.pi_issues for r in teams)
    orphan = sum(r.orphans for r in teams)
    return OrphanRow("train", work, orphan, orphan / work if work else None, ())


def orphan_rows(frame: pd.DataFrame) -> tuple[OrphanRow, ...]:
    return tuple(
        OrphanRow(str(r.team), int(r.pi_issues), int(r.orphans), _opt(r.share), tuple(r.keys))
        for r in rows(frame)
    )


def unowned_refs(train_issues: pd.DataFrame, browse: str) -> tuple[IssueRef, ...]:
    """The train's issues with no team, in issue-key order."""
    return tuple(
        issue_ref(r, browse) for r in rows(sort_by_issue_key(train_issues[train_issues["team_raw"].isna()]))
    )
