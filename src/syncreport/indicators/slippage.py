"""Slippage from each issue's changelog: carry-over, due-date and PI slips, commitment reliability, ageing.

The changelog records changes after creation only, so the value an issue was created with is the
``from`` of its first change (or its current value when it never changed): an issue created with a sprint
already set was in that sprint from its creation. Times are compared in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from syncreport.indicators.frames import (
    TIME,
    casefold_isin,
    exploded_ids,
    lookup,
    naive_utc,
    positions,
    set_contains,
    text_ranks,
    utc_timestamp,
    value_asof,
)
from syncreport.indicators.results import PiSlip


def event_codes(issues: pd.DataFrame, events: pd.DataFrame, codes: np.ndarray | None = None) -> np.ndarray:
    """The row number in ``issues`` of each event's issue (-1: not one of them): ``codes`` when the caller
    looked them up already (:func:`~syncreport.indicators.frames.positions` of ``issues.index``)."""
    if codes is None:
        return positions(issues.index, events["issue_key"])
    if len(codes) != len(events):
        raise ValueError(f"{len(codes)} row numbers for {len(events)} events")
    return codes


def sprint_memberships(
    issues: pd.DataFrame, sprint_events: pd.DataFrame, *, sprint_codes: np.ndarray | None = None
) -> pd.DataFrame:
    """Every (issue, sprint) the issue was ever in, with ``entered_at`` (first time it was in it), sorted by
    issue key (text) then sprint id; ``row``: the issue's row number in ``issues``.

    Sprint ids missing from the snapshot are kept here; callers join with the sprints they know. The times
    come from the changelog (the sprints an event put the issue in, or found it in); a sprint the issue is in
    now with no changelog at all, or one it was created in (the ``from`` of its first event), takes the
    issue's creation; so does a pair whose every time is unknown.
    """
    count = len(issues)
    created = naive_utc(issues["created"]).astype("int64")  # NaT: int64's minimum
    code = event_codes(issues, sprint_events, sprint_codes)
    kept = np.flatnonzero(code >= 0)
    code = code[kept]
    at = naive_utc(sprint_events["at"])[kept].astype("int64")
    has_events = np.zeros(count, dtype=bool)
    has_events[code] = True
    unknown = np.iinfo("int64").max  # an unknown time sorts after every known one
    rows_now, ids_now = exploded_ids(issues["sprint_ids"])
    row_parts = [rows_now]
    id_parts = [ids_now]
    time_parts = [np.where(has_events[rows_now], unknown, created[rows_now])]
    if len(code):
        from_values = sprint_events["from_value"].iloc[kept]
        # the sprints of the first event's ``from``: in them since the creation (events are in time order)
        first = np.unique(code, return_index=True)[1]
        where, ids = exploded_ids(from_values.iloc[first])
        row_parts.append(code[first][where])
        id_parts.append(ids)
        time_parts.append(created[code[first][where]])
        for values in (sprint_events["to_value"].iloc[kept], from_values):
            where, ids = exploded_ids(values)
            row_parts.append(code[where])
            id_parts.append(ids)
            time_parts.append(at[where])
    rows = np.concatenate(row_parts)
    sprint_ids = np.concatenate(id_parts)
    times = np.concatenate(time_parts)
    times[times == np.iinfo("int64").min] = unknown  # NaT (no time) is skipped by the minimum, as pandas does
    rank = text_ranks(issues.index.to_numpy(dtype=object))
    order = np.lexsort((times, sprint_ids, rank[rows]))
    rows, sprint_ids, times = rows[order], sprint_ids[order], times[order]
    starts = np.flatnonzero(
        np.concatenate([[len(rows) > 0], (rows[1:] != rows[:-1]) | (sprint_ids[1:] != sprint_ids[:-1])])
    )
    rows, sprint_ids, times = rows[starts], sprint_ids[starts], times[starts]  # the earliest of each pair
    times = np.where(times == unknown, created[rows], times)
    return pd.DataFrame(
        {
            "issue_key": pd.Series(issues.index.take(rows), index=pd.RangeIndex(len(rows))),
            "sprint_id": sprint_ids,
            "entered_at": pd.Series(times.astype("datetime64[us]")).dt.tz_localize(UTC),
            "row": rows,
        }
    )


def _member_at(
    pairs: pd.DataFrame,
    times: pd.Series,
    issues: pd.DataFrame,
    sprint_events: pd.DataFrame,
    sprint_codes: np.ndarray,
) -> np.ndarray:
    """Was each pair's issue (its ``row`` in ``issues``) in the pair's sprint at the time."""
    codes = pairs["row"].to_numpy()
    sets = value_asof(
        pairs["issue_key"], times, sprint_events, issues["sprint_ids"], codes=codes, event_codes=sprint_codes
    )
    created = pd.Series(issues["created"].array.take(codes), index=times.index)
    existed = (created <= times).fillna(False).to_numpy(dtype=bool)
    return set_contains(sets, pairs["sprint_id"]) & existed


def _done_at(
    pairs: pd.DataFrame,
    times: pd.Series,
    issues: pd.DataFrame,
    status_events: pd.DataFrame,
    status_codes: np.ndarray,
) -> np.ndarray:
    status = value_asof(
        pairs["issue_key"],
        times,
        status_events,
        issues["status_category"],
        codes=pairs["row"].to_numpy(),
        event_codes=status_codes,
    )
    return (status == "done").to_numpy(dtype=bool)


@dataclass(frozen=True)
class CarryOver:
    per_issue: pd.DataFrame  # index key: carry_over (int), sprints_passed (tuple of names), sprinted (bool)
    closed_pairs: pd.DataFrame  # issue_key, sprint_id, member_at_close, done_at_close, carried


def carry_over(
    issues: pd.DataFrame,
    sprints: pd.DataFrame,
    pairs: pd.DataFrame,
    sprint_events: pd.DataFrame,
    status_events: pd.DataFrame,
    *,
    sprint_codes: np.ndarray | None = None,
    status_codes: np.ndarray | None = None,
) -> CarryOver:
    """An issue carried out of a closed sprint: in it at the close, not done then, and in a later sprint since."""
    known = pairs[pairs["sprint_id"].isin(sprints.index)]
    known["sequence"] = known["sprint_id"].map(sprints["sequence"])
    known["name"] = known["sprint_id"].map(sprints["name"])
    closed = known[
        known["sprint_id"].map(sprints["state"]).eq("closed")
        & lookup(sprints["closed_at"], known["sprint_id"]).notna()
    ]
    closed["closed_at"] = lookup(sprints["closed_at"], closed["sprint_id"]).astype(TIME)
    sprint_codes = event_codes(issues, sprint_events, sprint_codes)
    closed["member_at_close"] = _member_at(closed, closed["closed_at"], issues, sprint_events, sprint_codes)
    status_codes = event_codes(issues, status_events, status_codes)
    closed["done_at_close"] = _done_at(closed, closed["closed_at"], issues, status_events, status_codes)
    # per issue by row number (numpy), never by key
    code = known["row"].to_numpy()
    closed_code = closed["row"].to_numpy()
    sequence = known["sequence"].to_numpy(dtype="float64")
    latest_seq = np.full(len(issues), -np.inf)
    np.maximum.at(latest_seq, code, sequence)
    closed["carried"] = (
        closed["member_at_close"]
        & ~closed["done_at_close"]
        & (latest_seq[closed_code] > closed["sequence"].to_numpy(dtype="float64"))
    )
    counts = np.bincount(
        closed_code, weights=closed["carried"].to_numpy(dtype="float64"), minlength=len(issues)
    )
    entered = known["entered_at"].astype(TIME)
    entered_order = np.where(
        entered.isna(), np.iinfo("int64").max, entered.to_numpy(dtype="int64", na_value=0)
    )
    order = np.lexsort((sequence, entered_order, code))  # by issue, then entry time (unknown last), sequence
    per_issue = pd.DataFrame(index=issues.index)
    per_issue["carry_over"] = counts.astype("int64")
    per_issue["sprints_passed"] = _tuples_by_row(
        code[order], known["name"].to_numpy(dtype=object)[order], len(issues)
    )
    per_issue["sprinted"] = np.bincount(code, minlength=len(issues)) > 0
    return CarryOver(per_issue, closed)


def _tuples_by_row(rows: np.ndarray, values: np.ndarray, count: int) -> list[tuple[Any, ...]]:
    """Consecutive values of equal rows as one tuple per row (rows sorted; () for a row with none)."""
    grouped: list[tuple[Any, ...]] = [()] * count
    if len(rows) == 0:
        return grouped
    starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))  # where each row's run begins
    ends = [*starts[1:].tolist(), len(rows)]
    items = values.tolist()
    for row, begin, end in zip(rows[starts].tolist(), starts.tolist(), ends, strict=True):
        grouped[row] = tuple(items[begin:end])
    return grouped


def _points_at(
    keys: pd.Series,
    times: pd.Series,
    issues: pd.DataFrame,
    point_events: pd.DataFrame,
    codes: np.ndarray,
    point_codes: np.ndarray | None,
) -> np.ndarray:
    found = event_codes(issues, point_events, point_codes)
    values = value_asof(keys, times, point_events, issues["points"], codes=codes, event_codes=found)
    return pd.to_numeric(values, errors="coerce").fillna(0.0).to_numpy(dtype="float64")


def sprint_reliability(
    issues: pd.DataFrame,
    sprints: pd.DataFrame,
    closed_pairs: pd.DataFrame,
    sprint_events: pd.DataFrame,
    point_events: pd.DataFrame,
    *,
    sprint_codes: np.ndarray | None = None,
    point_codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per closed sprint with a start: committed (in it at the start), completed (of those, in it and done at
    the end), added (in it at the end, not at the start), removed (committed, gone at the end).

    Points at the start for the commitment, at the end for scope added; issue counts for a sprint where no
    committed or added issue has points.
    """
    started = closed_pairs[lookup(sprints["start"], closed_pairs["sprint_id"]).notna()]
    if started.empty:
        return pd.DataFrame(
            columns=["sprint_id", "unit", "committed", "completed", "added", "added_completed", "removed"]
        )
    started["start"] = lookup(sprints["start"], started["sprint_id"]).astype(TIME)
    sprint_codes = event_codes(issues, sprint_events, sprint_codes)
    started["committed"] = _member_at(started, started["start"], issues, sprint_events, sprint_codes)
    started["added"] = ~started["committed"] & started["member_at_close"]
    started["completed"] = started["committed"] & started["member_at_close"] & started["done_at_close"]
    started["added_completed"] = started["added"] & started["done_at_close"]
    started["removed"] = started["committed"] & ~started["member_at_close"]
    # the points at the start and at the close in one replay of the points' history
    keys, n = started["issue_key"], len(started)
    points = _points_at(
        pd.concat([keys, keys], ignore_index=True),
        pd.concat([started["start"], started["closed_at"]], ignore_index=True),
        issues,
        point_events,
        np.concatenate([started["row"].to_numpy()] * 2),
        point_codes,
    )
    started["points_start"], started["points_end"] = points[:n], points[n:]
    relevant = started[started["committed"] | started["added"]]
    has_points = (
        relevant.assign(p=np.where(relevant["committed"], relevant["points_start"], relevant["points_end"]))
        .groupby("sprint_id")["p"]
        .apply(lambda p: bool((p > 0).any()))
    )
    started["use_points"] = started["sprint_id"].map(has_points).fillna(False).astype(bool)
    start_weight = np.where(started["use_points"], started["points_start"], 1.0)
    end_weight = np.where(started["use_points"], started["points_end"], 1.0)
    weights = pd.DataFrame(
        {
            "sprint_id": started["sprint_id"],
            "committed": start_weight * started["committed"],
            "completed": start_weight * started["completed"],
            "added": end_weight * started["added"],
            "added_completed": end_weight * started["added_completed"],
            "removed": start_weight * started["removed"],
            "use_points": started["use_points"],
        }
    )
    table = weights.groupby("sprint_id").agg(
        committed=("committed", "sum"),
        completed=("completed", "sum"),
        added=("added", "sum"),
        added_completed=("added_completed", "sum"),
        removed=("removed", "sum"),
        use_points=("use_points", "first"),
    )
    table["unit"] = np.where(table["use_points"], "points", "issues")
    return table.drop(columns="use_points").reset_index()


def due_date_slip(
    issues: pd.DataFrame, due_events: pd.DataFrame, *, due_codes: np.ndarray | None = None
) -> pd.DataFrame:
    """First due date ever set and the slip in days to the current one (later = positive).

    The first date is the ``from`` of the issue's first due-date change, or when that is empty the first
    date a change set; an issue with no due-date change keeps its current date. By row number (no key
    look-ups after the one that places the events), each distinct date text parsed once.
    """
    out = pd.DataFrame(index=issues.index)
    current = issues["due_date"]
    count = len(issues)
    code = event_codes(issues, due_events, due_codes)
    kept = code >= 0
    code = code[kept]
    from_values = due_events["from_value"].to_numpy(dtype=object)[kept]
    to_values = due_events["to_value"].to_numpy(dtype=object)[kept]
    changed = np.zeros(count, dtype=bool)
    changed[code] = True
    # the events are in time order: an issue's first event is its first occurrence
    rows, first_event = np.unique(code, return_index=True)
    initial = np.full(count, None, dtype=object)
    initial[rows] = from_values[first_event]
    set_to = pd.notna(to_values)
    set_rows, first_set = np.unique(code[set_to], return_index=True)
    first_to = np.full(count, None, dtype=object)
    first_to[set_rows] = to_values[set_to][first_set]
    chosen = np.where(pd.notna(initial), initial, first_to)
    parsed = naive_utc(_parsed_dates(chosen))
    naive = pd.Series(
        np.where(changed, parsed, naive_utc(current)), index=issues.index, dtype="datetime64[us]"
    )
    first = naive.dt.tz_localize(UTC)
    out["first_due_date"] = first
    out["due_date_slip_days"] = ((current - first).dt.total_seconds() / 86400).round().astype("Int64")
    return out


def _parsed_dates(values: np.ndarray) -> pd.Series:
    """``pd.to_datetime(values, utc=True, errors="coerce", format="mixed")`` (each value parsed on its own, so
    each distinct one once), as UTC times; a missing value is NaT."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object), utc=True, errors="coerce", format="mixed")
    times = parsed.astype(TIME).array
    taken = times.take(codes, allow_fill=True)  # -1 (missing) -> NaT
    return pd.Series(taken, dtype=TIME)


def pi_slips(
    issues: pd.DataFrame,
    pi_events: pd.DataFrame,
    pi_rank: dict[str, int],
    *,
    pi_codes: np.ndarray | None = None,
) -> dict[str, PiSlip]:
    """The latest move of each issue to a later PI (from the PI it was last planned in, to the new one).

    PI events are adds (to) and removes (from) of one PI each; the issue's PI set is replayed from its creation
    (the current PI with every change undone) and a slip is recorded whenever the latest PI of a non-empty
    set moves later than the last non-empty set's latest PI.
    """
    slips: dict[str, PiSlip] = {}
    code = event_codes(issues, pi_events, pi_codes)
    # A slip ends on a PI later than every PI of the last non-empty set, so one not in it: added since. Only
    # the histories that add a known PI can hold one; the others are not replayed.
    adds_known = (code >= 0) & pi_events["to_value"].isin(list(pi_rank)).to_numpy(dtype=bool)
    replayed = np.zeros(len(issues), dtype=bool)
    replayed[code[adds_known]] = True
    kept = np.flatnonzero(code >= 0)
    kept = kept[replayed[code[kept]]]
    if len(kept) == 0:
        return slips
    events = pi_events.iloc[kept]
    code = code[kept]
    # by issue (row number), then time; times as integer microseconds (no Timestamp objects)
    micros = events["at"].astype(TIME).to_numpy(dtype="datetime64[us]").astype("int64")
    order = np.lexsort((micros, code))
    codes = code[order]
    first = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))  # each issue's first event
    history = _PiHistory(
        micros[order].tolist(),
        events["from_value"].to_numpy(dtype=object)[order].tolist(),
        events["to_value"].to_numpy(dtype=object)[order].tolist(),
    )
    keys = events["issue_key"].to_numpy(dtype=object)[order][first].tolist()
    current_pi = issues["pi"].to_numpy(dtype=object)[codes[first]].tolist()
    ends = [*first[1:].tolist(), len(codes)]
    for key, current, begin, end in zip(keys, current_pi, first.tolist(), ends, strict=True):
        slip = history.slip(begin, end, current, pi_rank)
        if slip is not None:
            slips[str(key)] = slip
    return slips


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _PiHistory:
    """Every replayed PI event as three parallel lists, by issue then time; an issue's events are the
    slice [begin, end)."""

    micros: list[int]  # UTC microseconds
    removed: list[object]  # the PI removed (from), or None
    added: list[object]  # the PI added (to), or None

    def slip(self, begin: int, end: int, current: object, pi_rank: dict[str, int]) -> PiSlip | None:
        """The issue's latest slip: its PI set at creation (the current PI with every change undone), then
        replayed forward; events at the same moment are judged together, after the last of them."""
        removed, added, micros = self.removed, self.added, self.micros
        state: set[str] = {current} if isinstance(current, str) else set()
        for i in range(end - 1, begin - 1, -1):
            pi_out, pi_in = removed[i], added[i]
            if isinstance(pi_in, str):
                state.discard(pi_in)
            if isinstance(pi_out, str):
                state.add(pi_out)
        planned = _latest_pi(state, pi_rank)
        slip = None
        for i in range(begin, end):
            pi_out, pi_in = removed[i], added[i]
            if isinstance(pi_out, str):
                state.discard(pi_out)
            if isinstance(pi_in, str):
                state.add(pi_in)
            if i + 1 < end and micros[i + 1] == micros[i]:
                continue  # more changes at this moment
            now = _latest_pi(state, pi_rank)
            if now is None:
                continue
            if planned is not None and pi_rank.get(now, -1) > pi_rank.get(planned, 10**9):
                slip = PiSlip(from_pi=planned, to_pi=now, at=_EPOCH + timedelta(microseconds=micros[i]))
            planned = now
        return slip


def _latest_pi(state: set[str], pi_rank: dict[str, int]) -> str | None:
    if len(state) == 1:  # the usual case: one PI
        (only,) = state
        return only
    ranked = [p for p in state if p in pi_rank]
    if ranked:
        return max(ranked, key=lambda p: pi_rank[p])
    return min(state) if state else None


def ageing(
    issues: pd.DataFrame,
    flag_events: pd.DataFrame,
    status_events: pd.DataFrame,
    blocked_statuses: tuple[str, ...],
    taken_at: datetime,
    *,
    status_codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Unfinished issues flagged or in a blocked status: since when (the latest change into that state, or
    the issue's creation when no change shows it) and for how many whole days."""
    now = utc_timestamp(taken_at)
    open_issues = issues.loc[~issues["done"], ["flagged", "status", "created"]]  # the columns read
    blocked_names = {s.casefold() for s in blocked_statuses}
    flagged = open_issues[open_issues["flagged"].to_numpy(dtype=bool)]
    is_blocked = casefold_isin(open_issues["status"], blocked_names).to_numpy(dtype=bool)
    blocked = open_issues[is_blocked]
    flag_on = flag_events[flag_events["to_value"].astype(str).str.lower().eq("true")]
    flag_since = flag_on.groupby("issue_key")["at"].max().reindex(flagged.index).fillna(flagged["created"])
    # the status changes of blocked issues (by row number), into the status each is in now
    blocked_rows = np.zeros(len(issues), dtype=bool)
    blocked_rows[np.flatnonzero(~issues["done"].to_numpy(dtype=bool))[is_blocked]] = True
    code = event_codes(issues, status_events, status_codes)
    of_blocked = np.flatnonzero(code >= 0)
    of_blocked = of_blocked[blocked_rows[code[of_blocked]]]
    into_status = status_events.iloc[of_blocked]
    status_now = pd.Series(issues["status"].to_numpy(dtype=object)[code[of_blocked]], dtype=object)
    into_status = into_status[
        into_status["to_string"].astype(str).str.casefold().to_numpy()
        == status_now.astype(str).str.casefold().to_numpy()
    ]
    block_since = (
        into_status.groupby("issue_key")["at"].max().reindex(blocked.index).fillna(blocked["created"])
    )
    frame = pd.DataFrame({"flag_since": flag_since, "block_since": block_since})
    frame["since"] = frame.min(axis=1)
    frame["reason"] = np.select(
        [frame["flag_since"].notna() & frame["block_since"].notna(), frame["flag_since"].notna()],
        ["flagged and blocked", "flagged"],
        default="blocked",
    )
    frame["days"] = ((now - frame["since"]).dt.total_seconds() // 86400).clip(lower=0).astype("int64")
    return frame.sort_values(["days"], ascending=False, kind="stable")
