"""Misalignment: off-cadence sprints, orphan work, unowned issues (cross-PI lives with the dependencies).

- Cadence compares dates (UTC) in working days: a sprint starting at 09:00 on its iteration's first day is on
  cadence, and so is one ending on the Friday before the next iteration's Monday; offsets beyond
  ``cadence_tolerance_days`` working days are off cadence.
- Orphan work: a team's issues of the report's PI (all its issues when the snapshot names no PI) that are
  not features themselves and whose parent is not a train issue. Features are issues of the types in
  :data:`FEATURE_TYPES` or parents of other train issues.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from syncreport.indicators.frames import TIME, casefold_isin
from syncreport.indicators.results import Calendar
from syncreport.snapshot import issue_order

FEATURE_TYPES = frozenset(
    {"epic", "feature", "capability", "initiative", "business epic", "portfolio epic", "enabler", "objective"}
)


def feature_mask(issues: pd.DataFrame) -> pd.Series:
    parents = set(issues.loc[issues["in_train"], "parent_key"].dropna().tolist())
    return casefold_isin(issues["issue_type"], FEATURE_TYPES) | issues["key"].isin(parents)


def working_day_offset(actual: pd.Series, planned: pd.Series) -> np.ndarray:
    """Working days (Monday-Friday, UTC dates) from the planned date to the actual one; later = positive.

    A sprint that ends on the Friday of an iteration ending on Monday 00:00 is 1 day early, not 3.
    """

    def days(times: pd.Series) -> np.ndarray:
        return pd.Series(times).astype(TIME).dt.tz_localize(None).to_numpy(dtype="datetime64[D]")

    return np.busday_count(days(planned), days(actual)).astype("int64")


def cadence(
    sprints: pd.DataFrame, calendar: Calendar, train_teams: set[str], tolerance_days: int
) -> pd.DataFrame:
    """One row per dated sprint of a train team that falls in the calendar, with its day offsets."""
    rows = sprints[
        sprints["start"].notna()
        & sprints["end"].notna()
        & sprints["iteration_index"].notna()
        & sprints["team"].isin(train_teams)
        & ~sprints["inferred_iteration"]
    ].copy()
    if rows.empty or not calendar.iterations:
        return rows.assign(start_offset_days=[], end_offset_days=[], off_cadence=[])
    starts = pd.Series({it.index: pd.Timestamp(it.start) for it in calendar.iterations})
    ends = pd.Series({it.index: pd.Timestamp(it.end) for it in calendar.iterations})
    index = rows["iteration_index"].astype("int64")
    rows["iteration_start"] = index.map(starts)
    rows["iteration_end"] = index.map(ends)

    rows["start_offset_days"] = working_day_offset(rows["start"], rows["iteration_start"])
    rows["end_offset_days"] = working_day_offset(rows["end"], rows["iteration_end"])
    rows["off_cadence"] = (rows["start_offset_days"].abs() > tolerance_days) | (
        rows["end_offset_days"].abs() > tolerance_days
    )
    return rows.sort_values(["team", "start", "id"], kind="stable")


def _sorted_keys(keys: pd.Series) -> Any:
    return tuple(sorted(keys.to_numpy(dtype=object).tolist(), key=issue_order))


def orphans(issues: pd.DataFrame, pi: str | None, train_teams: list[str]) -> pd.DataFrame:
    """Per team: PI work items, orphans among them, share, orphan keys."""
    in_train = issues["in_train"].to_numpy(dtype=bool)
    train = issues.loc[in_train, ["key", "team", "pi", "parent_key"]]  # the columns used: a narrow copy
    train_keys = set(train["key"].to_numpy(dtype=object).tolist())
    work = train[~feature_mask(issues).to_numpy(dtype=bool)[in_train]]
    if pi is not None:
        work = work[(work["pi"] == pi).to_numpy(dtype=bool)]
    orphan = ~work["parent_key"].isin(train_keys)
    table = pd.DataFrame({"team": work["team"], "orphan": orphan, "key": work["key"]})
    grouped = table.groupby("team")
    out = pd.DataFrame(
        {
            "pi_issues": grouped.size(),
            "orphans": grouped["orphan"].sum(),
            "keys": table[table["orphan"].to_numpy(dtype=bool)].groupby("team")["key"].agg(_sorted_keys),
        }
    ).reindex(sorted(set(train_teams) | set(table["team"].unique().tolist())))
    out["pi_issues"] = out["pi_issues"].fillna(0).astype("int64")
    out["orphans"] = out["orphans"].fillna(0).astype("int64")
    out["keys"] = out["keys"].map(lambda k: k if isinstance(k, tuple) else ())
    out["share"] = np.where(
        out["pi_issues"] > 0, out["orphans"] / out["pi_issues"].where(out["pi_issues"] > 0, 1), np.nan
    )
    out.index.name = "team"
    return out.reset_index().sort_values(
        ["share", "team"], ascending=[False, True], na_position="last", kind="stable"
    )
