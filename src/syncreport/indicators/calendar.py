"""The iteration calendar (the program board's columns) and the iteration of every sprint and issue.

The calendar is configured (``[iterations] pi_start``, ``length_days``, ``count``) or derived from the sprints
as docs/indicators.md says: the distinct (start, end) windows, the ones used by the most teams first, keeping those
that overlap no window already chosen. A sprint belongs to the iteration it overlaps most (ties: the earlier).

Refinements for real Jira data (docs/indicators.md):
- Every sprint also gets an ``ordinal``: its iteration's number, extended beyond the calendar on a configured
  cadence (a sprint before the PI gets 0 or less, after it n+1 or more) so "later" can still be compared.
- Future sprints without dates (Jira creates them undated until they start) follow their board's cadence
  from its last dated sprint, one sprint each in id order, before the calendar is derived (so it keeps the
  PI's future iterations); closed or active sprints without dates get no iteration.
- The team of a sprint is its board's team, else the most common team of the issues in it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time
from typing import Any, Literal

import numpy as np
import pandas as pd

from syncreport.config import IterationSettings
from syncreport.indicators.frames import UNASSIGNED, explode_ids, utc_timestamp
from syncreport.indicators.results import Calendar, Iteration
from syncreport.snapshot import Snapshot


def _iteration_state(
    start: pd.Timestamp, end: pd.Timestamp, now: pd.Timestamp
) -> Literal["past", "current", "future"]:
    if end <= now:
        return "past"
    return "current" if start <= now else "future"


def _configured_windows(settings: IterationSettings) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    assert settings.pi_start is not None
    first = pd.Timestamp(datetime.combine(settings.pi_start, time(0), tzinfo=UTC))
    step = pd.Timedelta(days=settings.length_days)
    return [(first + i * step, first + (i + 1) * step) for i in range(settings.count)]


def _derived_windows(sprints: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    dated = sprints[sprints["start"].notna() & sprints["end"].notna() & (sprints["end"] > sprints["start"])]
    if dated.empty:
        return []
    owner = [
        team if isinstance(team, str) else (f"board:{board}" if pd.notna(board) else f"sprint:{sid}")
        for team, board, sid in zip(dated["team"], dated["board_id"], dated["id"], strict=True)
    ]
    usage = (
        dated.assign(owner=owner)
        .groupby(["start", "end"], sort=True)["owner"]
        .nunique()
        .reset_index(name="teams")
        .sort_values(["teams", "start", "end"], ascending=[False, True, True], kind="stable")
    )
    chosen: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for start, end in zip(usage["start"], usage["end"], strict=True):
        if all(not (start < c_end and c_start < end) for c_start, c_end in chosen):
            chosen.append((start, end))
    return sorted(chosen)


def sprint_teams(sprints: pd.DataFrame, issues: pd.DataFrame, snapshot: Snapshot) -> pd.Series:
    """The team of each sprint: its board's team, else the most common team of its current issues."""
    board_team = {b.id: b.team for b in snapshot.boards if b.team}
    by_board = sprints["board_id"].map(lambda b: board_team.get(int(b)) if pd.notna(b) else None)
    members = explode_ids(issues, "sprint_ids", ["team_raw"])  # one row per (issue, sprint id)
    members = members[members.notna().all(axis=1).to_numpy(dtype=bool)]  # dropna(), by a numpy mask
    if members.empty:
        by_issues = pd.Series(dtype=object)
    else:
        counts = members.groupby(["sprint_id", "team_raw"]).size().reset_index(name="n")
        counts = counts.sort_values(["n", "team_raw"], ascending=[False, True], kind="stable")
        by_issues = counts.drop_duplicates("sprint_id").set_index("sprint_id")["team_raw"]
        by_issues.index = by_issues.index.astype("int64")
    fallback = sprints["id"].map(by_issues)
    return by_board.where(by_board.notna(), fallback).astype(object)


def build_calendar(
    sprints: pd.DataFrame, settings: IterationSettings, taken_at: datetime
) -> tuple[Calendar, pd.DataFrame]:
    """The calendar, and ``sprints`` with ordinal, iteration_index, iteration_name, inferred_iteration."""
    now = utc_timestamp(taken_at)
    # Real future sprints have no dates until they start: they follow their board's cadence, so the calendar
    # (and each sprint's iteration) is the same as if the board had planned them with dates.
    filled, inferred = _follow_cadence(sprints)
    source: CalendarSource
    if settings.pi_start is not None:
        windows, source = _configured_windows(settings), "configured"
    else:
        windows = _derived_windows(filled)
        source = "derived" if windows else "none"
    calendar = _calendar(source, windows, now)
    placed = _place_sprints(filled, windows, settings if source == "configured" else None)
    placed["start"], placed["end"] = sprints["start"], sprints["end"]  # Jira's own dates (none when undated)
    placed.loc[inferred, "inferred_iteration"] = True
    return calendar, placed


def _follow_cadence(sprints: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """``sprints`` with dates for undated future sprints, and which got them.

    A board's undated future sprints, in id order (their order in the backlog), follow its last dated sprint:
    the k-th starts k steps after it, a step being the board's usual start-to-start interval (the median of
    its dated sprints'; with one dated sprint, its length in whole days), and lasts as long as that sprint.
    Boards with no dated sprint keep theirs undated.
    """
    dated = sprints["start"].notna() & sprints["end"].notna()
    undated_future = ~dated & (sprints["state"] == "future") & sprints["board_id"].notna()
    inferred = pd.Series(False, index=sprints.index)
    if not undated_future.any():
        return sprints, inferred
    filled = sprints.copy()
    for board_id, group in sprints[undated_future].sort_values("id").groupby("board_id", sort=True):
        own = sprints[dated & (sprints["board_id"] == board_id)].sort_values(["start", "id"])
        if own.empty:
            continue
        last = own.iloc[-1]
        length = last["end"] - last["start"]
        steps = own["start"].diff().dropna()
        step = pd.Timedelta(steps.median()) if not steps.empty else pd.Timedelta(length).ceil("D")
        if pd.isna(step) or step <= pd.Timedelta(0):
            continue
        for k, index in enumerate(group.index, start=1):
            start = last["start"] + k * step
            filled.at[index, "start"] = start
            filled.at[index, "end"] = start + length
            inferred.at[index] = True
    return filled, inferred


CalendarSource = Literal["configured", "derived", "none"]


def _calendar(
    source: CalendarSource, windows: list[tuple[pd.Timestamp, pd.Timestamp]], now: pd.Timestamp
) -> Calendar:
    iterations = tuple(
        Iteration(
            index=i + 1,
            name=f"I{i + 1}",
            start=start.to_pydatetime(),
            end=end.to_pydatetime(),
            state=_iteration_state(start, end, now),
        )
        for i, (start, end) in enumerate(windows)
    )
    current = next((it.index for it in iterations if it.state == "current"), None)
    return Calendar(source=source, iterations=iterations, current_index=current)


def _name_iterations(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """iteration_index (in the calendar, else NA) and iteration_name from each row's ``ordinal``."""
    ordinal = frame["ordinal"].astype("float64")
    in_range = ordinal.between(1, n) if n else pd.Series(False, index=frame.index)
    frame["iteration_index"] = ordinal.where(in_range).astype("Int64")
    frame["iteration_name"] = [
        None if np.isnan(o) else (f"I{int(o)}" if 1 <= o <= n else ("before I1" if o < 1 else f"after I{n}"))
        for o in ordinal.to_numpy()
    ]
    return frame


def focus_on_pi(
    calendar: Calendar, sprints: pd.DataFrame, issues: pd.DataFrame, pi: str | None, taken_at: datetime
) -> tuple[Calendar, pd.DataFrame, pd.DataFrame]:
    """Cut a derived calendar to the report's PI (the program board's columns are one PI's iterations).

    Sprints are fetched per board, so a derived calendar also holds the previous and next PIs' windows.
    The PI's span runs from the first to the last iteration where most train issues planned there belong
    to ``pi``; iterations outside it are renumbered "before I1" / "after In" (still comparable).
    """
    if calendar.source != "derived" or pi is None:
        return calendar, sprints, issues
    placed = issues.loc[
        (issues["in_train"] & issues["ordinal"].notna()).to_numpy(dtype=bool), ["pi", "ordinal"]
    ]
    if placed.empty:
        return calendar, sprints, issues
    share = (placed["pi"] == pi).groupby(placed["ordinal"]).mean()
    ours = share[share > 0.5].index
    if ours.empty:
        return calendar, sprints, issues
    first, last = int(min(ours)), int(max(ours))
    first, last = max(first, 1), min(last, len(calendar.iterations))
    if (first, last) == (1, len(calendar.iterations)):
        return calendar, sprints, issues
    windows = [(pd.Timestamp(it.start), pd.Timestamp(it.end)) for it in calendar.iterations[first - 1 : last]]
    n = len(windows)
    focused = _calendar("derived", windows, utc_timestamp(taken_at))
    sprints = _name_iterations(sprints.assign(ordinal=sprints["ordinal"] - (first - 1)), n)
    issues = _name_iterations(issues.assign(ordinal=issues["ordinal"] - (first - 1)), n)
    return focused, sprints, issues


def _nanoseconds(times: pd.Series) -> np.ndarray:
    return times.astype("datetime64[ns, UTC]").astype("int64").to_numpy()


def _place_sprints(
    sprints: pd.DataFrame,
    windows: list[tuple[pd.Timestamp, pd.Timestamp]],
    configured: IterationSettings | None,
) -> pd.DataFrame:
    out = sprints.copy()
    n = len(windows)
    ordinal = pd.Series(np.nan, index=out.index, dtype="float64")
    dated = out["start"].notna() & out["end"].notna()
    if n and dated.any():
        starts = np.array([w[0].value for w in windows], dtype="int64")
        ends = np.array([w[1].value for w in windows], dtype="int64")
        s = _nanoseconds(out.loc[dated, "start"])[:, None]
        e = _nanoseconds(out.loc[dated, "end"])[:, None]
        starts_ns, ends_ns = starts[None, :], ends[None, :]
        overlap = np.minimum(e, ends_ns) - np.maximum(s, starts_ns)
        best = overlap.argmax(axis=1)
        has_overlap = overlap.max(axis=1) > 0
        # zero-length or non-overlapping sprints: the window containing the start, else extend the cadence
        contains = (s >= starts_ns) & (s < ends_ns)
        contained = contains.any(axis=1)
        fallback = np.where(contained, contains.argmax(axis=1) + 1, np.nan)
        if configured is not None:
            step = pd.Timedelta(days=configured.length_days).value
            extended = np.floor((s[:, 0] - starts[0]) / step) + 1
            fallback = np.where(contained, fallback, extended)
        ordinal.loc[dated] = np.where(has_overlap, best + 1, fallback)
    out["inferred_iteration"] = False
    undated_future = ~dated & (out["state"] == "future") & out["board_id"].notna()
    if undated_future.any():
        last_dated = out[ordinal.notna()].assign(o=ordinal).groupby("board_id")["o"].max()
        future = out[undated_future].sort_values("id")
        rank = future.groupby("board_id").cumcount() + 1
        base = future["board_id"].map(last_dated).astype("float64")
        ordinal.loc[future.index] = (base + rank).to_numpy(dtype="float64", na_value=np.nan)
        out.loc[future.index[base.notna().to_numpy()], "inferred_iteration"] = True
    out["ordinal"] = ordinal
    return _name_iterations(out, n)


def with_team(sprints: pd.DataFrame, teams: pd.Series) -> pd.DataFrame:
    out = sprints.copy()
    out["team"] = teams
    out["team_label"] = out["team"].fillna(UNASSIGNED)
    return out


__all__ = ["build_calendar", "focus_on_pi", "place_issues", "sprint_sequence", "sprint_teams", "with_team"]


_STATE_RANK = {"closed": 0, "active": 1, "future": 2}


def sprint_sequence(sprints: pd.DataFrame) -> pd.Series:
    """A rank of every sprint in time: state (closed, active, future), then start (undated last), then id."""
    state = sprints["state"].map(_STATE_RANK).fillna(1)
    start = sprints["start"].astype("datetime64[ns, UTC]").astype("int64").where(sprints["start"].notna())
    keyed = pd.DataFrame({"state": state, "start": start.fillna(np.iinfo("int64").max), "id": sprints["id"]})
    order = keyed.sort_values(["state", "start", "id"], kind="stable").index
    return pd.Series(np.arange(len(order)), index=order).reindex(sprints.index)


def place_issues(issues: pd.DataFrame, sprints: pd.DataFrame) -> pd.DataFrame:
    """Each issue's latest sprint (docs/indicators.md: the sprint of an issue) and that sprint's iteration.

    Adds sprint_id (Int64), sprint, sprint_team, ordinal, iteration_index, iteration_name, scheduled,
    open_sprints (how many of its sprints are not closed) and unknown_sprint_ids (ids missing from the snapshot).
    Issues are told apart by their row number (numpy), never by key: one pass over the sprint-id tuples.
    """
    id_sets = issues["sprint_ids"].tolist()
    lengths = np.fromiter(map(len, id_sets), dtype="int64", count=len(id_sets))
    row = np.repeat(np.arange(len(id_sets)), lengths)
    sprint_id = np.fromiter(itertools.chain.from_iterable(id_sets), dtype="int64", count=int(lengths.sum()))
    known = pd.Index(sprints.index).get_indexer(sprint_id) >= 0
    unknown = _tuples_by_row(row[~known], sprint_id[~known], len(id_sets))
    row, sprint_id = row[known], sprint_id[known]
    seq = pd.Series(sprint_id).map(sprints["sequence"]).to_numpy(dtype="float64")
    is_open = pd.Series(sprint_id).map(sprints["state"]).ne("closed").to_numpy(dtype=bool)
    order = np.lexsort((seq, row))  # by issue, then sequence: the last of each issue is its latest sprint
    last = order[np.r_[row[order][1:] != row[order][:-1], True]] if len(order) else order
    latest = np.full(len(id_sets), -1, dtype="int64")
    latest[row[last]] = sprint_id[last]
    out = issues.copy(deep=False)  # copy-on-write: the new columns are its own
    out["sprint_id"] = pd.Series(pd.arrays.IntegerArray(latest, latest < 0), index=out.index)
    sid = out["sprint_id"]
    for column, source in (
        ("sprint", "name"),
        ("sprint_team", "team"),
        ("ordinal", "ordinal"),
        ("iteration_name", "iteration_name"),
    ):
        out[column] = sid.map(sprints[source]).astype(object if column != "ordinal" else "float64")
    out["iteration_index"] = sid.map(sprints["iteration_index"]).astype("Int64")
    out["scheduled"] = sid.notna()
    out["open_sprints"] = np.bincount(row[is_open], minlength=len(id_sets)).astype("int64")
    out["unknown_sprint_ids"] = pd.Series(unknown, index=out.index, dtype=object)
    return out


def _tuples_by_row(row: np.ndarray, values: np.ndarray, count: int) -> list[Any]:
    """values grouped by row as tuples (in their order), one entry per row; NaN for a row with none."""
    grouped: list[Any] = [np.nan] * count
    for r, group in itertools.groupby(zip(row.tolist(), values.tolist(), strict=True), key=lambda rv: rv[0]):
        grouped[r] = tuple(v for _, v in group)
    return grouped
