"""Result records from frames: the typed rows of IndicatorResults (dependencies and their ends, issues,
sprint reliability, cadence, ageing, orphans, unowned issues), built column-wise from the DataFrames.

Nothing here decides anything: values are converted (pandas missing values to None, numpy scalars to
Python, timestamps to datetimes and dates) and put into the frozen dataclasses of indicators/results.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from syncreport.indicators.dependencies import NOT_VISIBLE, dependency_cycles
from syncreport.indicators.fast_rows import row_maker
from syncreport.indicators.frames import TIME, plain, plain_columns, rows, sort_by_issue_key
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
    flags = (deps["consumer"].isin(in_cycle) & deps["provider"].isin(in_cycle)).tolist()
    rows_ = dependency_rows(deps, browse, flags)
    cross_team = deps["cross_team"].tolist()
    cross = [d for d, c in zip(rows_, cross_team, strict=True) if c]
    same = [d for d, c in zip(rows_, cross_team, strict=True) if not c]
    team_of = issues["team"]
    cycles = tuple(
        Cycle(keys=c, teams=tuple(str(team_of.get(k, NOT_VISIBLE)) for k in c)) for c in cycle_keys
    )
    return cross, same, cycles


def ageing_rows(aged: pd.DataFrame, issues: pd.DataFrame, browse: str) -> tuple[AgeingRow, ...]:
    aged_issues = issues.loc[aged.index, ["summary", "team"]]
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
    """One end of every dependency, made positionally from column lists."""
    col = plain_columns(deps, [f"{prefix}_{name}" for name in _END_FIELDS])

    def text(name: str) -> list[str]:
        return [v or "" for v in col[f"{prefix}_{name}"]]

    def flag(name: str) -> list[bool]:
        return [bool(v) for v in col[f"{prefix}_{name}"]]

    def number(name: str) -> list[int | None]:
        return [None if v is None else int(v) for v in col[f"{prefix}_{name}"]]

    key_texts = [str(key) for key in keys]
    return list(
        map(
            row_maker(DependencyEnd),
            key_texts,
            text("summary"),
            [browse + key for key in key_texts],
            [str(team) for team in col[f"{prefix}_team"]],
            text("issue_type"),
            text("status"),
            flag("done"),
            flag("flagged"),
            flag("in_train"),
            flag("visible"),
            col[f"{prefix}_sprint"],
            number("sprint_id"),
            number("iteration_index"),
            col[f"{prefix}_iteration_name"],
            col[f"{prefix}_pi"],
        )
    )


def dependency_rows(deps: pd.DataFrame, browse: str, in_cycle: list[bool]) -> list[DependencyRow]:
    """One row per dependency; ``in_cycle``: whether both its ends lie on a cycle, per row."""
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
    return list(
        map(
            row_maker(DependencyRow),
            [str(v) for v in cols["link_id"]],
            [str(v) for v in cols["link_type"]],
            _ends(deps, "c", cols["consumer"], browse),
            _ends(deps, "p", cols["provider"], browse),
            [DependencyStatus(v) for v in cols["status"]],
            cols["status_label"],
            [int(v) for v in cols["severity_rank"]],
            cols["reason"],
            [bool(v) for v in cols["cross_pi"]],
            [None if v is None else int(v) for v in cols["iterations_late"]],
            [bool(v) for v in cols["provider_slipped"]],
            cols["provider_slip_from"],
            in_cycle,
        )
    )


def issue_rows(
    train: pd.DataFrame,
    per_issue: pd.DataFrame,
    due: pd.DataFrame,
    slips: dict[str, PiSlip],
    aged: pd.DataFrame,
    team_moves: set[str],
    browse: str,
) -> list[IssueRow]:
    """One IssueRow per train issue, in issue-key order: every field as one column list, then the rows
    made positionally in one ``map`` (no per-row keyword arguments or conversions)."""
    texts = ["key", "summary", "team", "issue_type", "status", "sprint", "iteration_name", "pi"]
    ordered = sort_by_issue_key(train[[*texts, "done", "iteration_index", "due_date"]])  # the columns read
    index = ordered.index
    cols = plain_columns(ordered, texts)
    keys = cols["key"]
    sprints_passed = per_issue["sprints_passed"].reindex(index).tolist()
    slip_days = plain(due["due_date_slip_days"].reindex(index))
    return list(
        map(
            row_maker(IssueRow),
            keys,
            cols["summary"],
            [browse + key for key in keys],
            cols["team"],
            cols["issue_type"],
            cols["status"],
            ordered["done"].astype(bool).tolist(),
            cols["sprint"],
            [None if i is None else int(i) for i in plain(ordered["iteration_index"])],
            cols["iteration_name"],
            cols["pi"],
            per_issue["carry_over"].reindex(index).fillna(0).astype(int).tolist(),
            [p if isinstance(p, tuple) else () for p in sprints_passed],
            _dates(ordered["due_date"]),
            _dates(due["first_due_date"].reindex(index)),
            [None if d is None else int(d) for d in slip_days],
            [slips.get(key) for key in keys],
            aged["days"].reindex(index).fillna(0).astype(int).tolist(),
            [key in team_moves for key in keys],
        )
    )


def _dates(times: pd.Series) -> list[date | None]:
    """UTC timestamps -> their UTC dates (None when missing), through numpy's day unit (floors, as .date())."""
    days = times.astype(TIME).dt.tz_localize(None).to_numpy(dtype="datetime64[D]")
    return cast(list[date | None], days.tolist())


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
