"""Capacity against load: each team's planned work per iteration against its demonstrated velocity.

Definitions (docs/indicators.md, "Capacity against load"):
- A team's **unit** is points when any of its train work has points, else issues.
- **Velocity**: the mean completed work of the team's last ``[capacity] velocity_sprints`` (default 3)
  closed sprints that hold train work: every issue in the sprint at its end and done by then (committed or
  added mid-sprint, as Jira's velocity chart counts it). Sprints of the report's PI count once the team has
  closed one; before that (the PI's first iteration) the last sprints of earlier PIs, which a train JQL that
  selects one PI sees only in part (the section says so). ``[capacity] velocity`` sets it by hand per team.
- **Planned** work of an iteration: the points (or issues) of the team's train work whose sprint lies in
  that iteration, done or not; features themselves are containers, not work. Issues without points are
  counted apart (``unestimated``) when the unit is points.
- **Load** = planned / velocity. A current or future iteration loaded beyond ``[thresholds]
  overload_share`` (default 110%) is **overloaded**, and its team is amber; a past iteration is history.
- **Committed** work of a team: the points (or issues) of its train work in the report's PI, the scope the
  PI baseline compares.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd

from syncreport.indicators.misalignment import feature_mask
from syncreport.indicators.results import Calendar, Capacity, IterationLoad, TeamCapacity, TeamHealth
from syncreport.kinds import Health


def capacity(
    issues: pd.DataFrame,
    sprints: pd.DataFrame,
    reliability: pd.DataFrame,
    calendar: Calendar,
    teams: Sequence[str],
    *,
    pi: str | None,
    velocity_sprints: int = 3,
    configured: Mapping[str, float] | None = None,
    overload_share: float = 1.10,
) -> Capacity:
    """``reliability``: :func:`~syncreport.indicators.slippage.sprint_reliability`'s table (every closed sprint)."""
    configured = configured or {}
    in_train = issues["in_train"].to_numpy(dtype=bool)
    # the four columns read below (a narrow copy: the issue frame has dozens, split again by team)
    columns = ["team", "iteration_index", "points", "pi"]
    work = issues.loc[in_train & ~feature_mask(issues).to_numpy(dtype=bool), columns]
    measured = _measured(reliability, sprints)
    cells = (
        work.assign(unestimated=work["points"].isna(), one=1.0, points=work["points"].fillna(0.0))
        .groupby(["team", "iteration_index"])[["points", "one", "unestimated"]]
        .sum()
    )
    per_cell: dict[tuple[str, int], tuple[float, float, int]] = {
        (str(t), int(i)): (float(p), float(n), int(u))
        for (t, i), p, n, u in zip(
            cells.index.tolist(), cells["points"], cells["one"], cells["unestimated"], strict=True
        )
    }
    used: set[str] = set()
    out = []
    work_of = dict(tuple(work.groupby("team", sort=False)))  # one pass, not a mask of every row per team
    for team in teams:
        mine = work_of.get(team, work.iloc[0:0])
        unit: Literal["points", "issues"] = "points" if (mine["points"].fillna(0) > 0).any() else "issues"
        history = measured[measured["team"] == team].tail(velocity_sprints)
        if team not in configured and len(history):
            used.add(team)
        values = (history["points"] if unit == "points" else history["issues"]).tolist()
        done = [
            float(v) for v in values if not math.isnan(v)
        ]  # NaN: a sprint measured in points, for a team of issues
        velocity: float | None
        source: Literal["measured", "configured", "none"]
        if team in configured:
            velocity, source = float(configured[team]), "configured"
        elif done:
            velocity, source = sum(done) / len(done), "measured"
        else:
            velocity, source = None, "none"
        loads = tuple(
            _load(
                team,
                per_cell.get((team, it.index)),
                unit,
                velocity,
                index=it.index,
                name=it.name,
                state=it.state,
                overload_share=overload_share,
            )
            for it in calendar.iterations
        )
        scope = mine if pi is None else mine[(mine["pi"] == pi).to_numpy(dtype=bool)]
        out.append(
            TeamCapacity(
                team=team,
                unit=unit,
                velocity=velocity,
                velocity_source=source,
                sprints=tuple(str(name) for name in history["name"].tolist()) if source == "measured" else (),
                completed=tuple(done) if source == "measured" else (),
                committed=_amount(scope, unit),
                loads=loads,
                overloaded=tuple(load.iteration_name for load in loads if load.overloaded),
            )
        )
    notes = []
    unmeasured = [t.team for t in out if t.velocity is None and any(load.planned for load in t.loads)]
    if unmeasured:
        notes.append(
            f"no closed sprint to measure the velocity of {', '.join(unmeasured)}: "
            "set it in [capacity] velocity to see their load"
        )
    short = [t.team for t in out if t.velocity_source == "measured" and len(t.completed) < velocity_sprints]
    if short:
        notes.append(
            f"velocity of {', '.join(short)} measured on fewer than {velocity_sprints} closed sprints"
        )
    return Capacity(
        available=bool(out) and bool(calendar.iterations),
        velocity_sprints=velocity_sprints,
        overload_share=overload_share,
        teams=tuple(out),
        notes=tuple(notes),
    )


def _measured(reliability: pd.DataFrame, sprints: pd.DataFrame) -> pd.DataFrame:
    """Per closed sprint with train work, oldest first: team, name, completed points and issues."""
    if reliability.empty:
        return pd.DataFrame({"team": [], "name": [], "points": [], "issues": [], "unit": [], "in_pi": []})
    table = reliability.join(sprints[["name", "team", "closed_at", "iteration_index"]], on="sprint_id")
    table = table[table["team"].notna()]
    done = table["completed"].astype("float64") + table["added_completed"].astype("float64")
    held = table["committed"].astype("float64") + table["added"].astype("float64")
    table = table.assign(
        points=np.where(table["unit"] == "points", done, 0.0),
        issues=np.where(table["unit"] == "issues", done, np.nan),
    )
    table = table[held > 0].sort_values(["closed_at", "sprint_id"], kind="stable")
    # a team's sprints of the report's PI when it has closed ones; earlier PIs' only before that (the train's
    # JQL may select one PI's work, so earlier sprints can be partly visible: see the note in the section)
    in_pi = table["iteration_index"].notna()
    has_pi = table["team"].map(in_pi.groupby(table["team"]).any())
    table = table.assign(in_pi=in_pi)[in_pi | ~has_pi.astype(bool)]
    return table[["team", "name", "points", "issues", "unit", "in_pi"]]


def _amount(work: pd.DataFrame, unit: str) -> float:
    return float(work["points"].fillna(0).sum()) if unit == "points" else float(len(work))


def _load(
    team: str,
    cell: tuple[float, float, int] | None,  # (points, issues, issues with no points) planned in it
    unit: Literal["points", "issues"],
    velocity: float | None,
    *,
    index: int,
    name: str,
    state: str,
    overload_share: float,
) -> IterationLoad:
    points, count, unestimated = cell or (0.0, 0.0, 0)
    planned = points if unit == "points" else count
    load = planned / velocity if velocity else None
    past = state == "past"
    return IterationLoad(
        team=team,
        iteration_index=index,
        iteration_name=name,
        planned=planned,
        unestimated=unestimated if unit == "points" else 0,
        velocity=velocity,
        load=load,
        overloaded=bool(load is not None and overload_share > 0 and load > overload_share and not past),
        past=past,
    )


def with_capacity_health(teams: Iterable[TeamHealth], result: Capacity) -> list[TeamHealth]:
    """A team with an overloaded current or future iteration is at least amber (the reason names them)."""
    by_team = {t.team: t for t in result.teams}
    out = []
    for team in teams:
        cap = by_team.get(team.team)
        if cap is not None and cap.overloaded:
            worst = max((load for load in cap.loads if load.overloaded), key=lambda x: x.load or 0.0)
            others = [n for n in cap.overloaded if n != worst.iteration_name]
            reason = (
                f"{worst.iteration_name} planned at {round(100 * (worst.load or 0))}% of its velocity "
                f"{round(worst.velocity or 0.0, 1):g} {cap.unit}"  # a mean of sprints: 19.7, not 19.6667
                + (f" ({', '.join(others)} too)" if others else "")
                + f" (amber beyond {round(100 * result.overload_share)}%)"
            )
            health = max(team.health, Health.AMBER)
            team = replace(team, health=health, reasons=(*team.reasons, reason))
        out.append(team)
    return out
