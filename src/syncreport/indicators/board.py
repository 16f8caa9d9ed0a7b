"""The program board (team x iteration: features and dependency ends) and the report's chart series.

A feature card sits in the row of each team that has scheduled children of it, in the iteration of that
team's last scheduled child (where the team plans to finish its part), or in the unscheduled column when
none of the team's children is scheduled. Dependency ends sit at their issue's team and iteration; ends
outside the calendar or of teams that are not rows appear only in the strings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

import pandas as pd

from syncreport.indicators.fast_rows import row_maker
from syncreport.indicators.results import (
    BoardCard,
    BoardCell,
    BoardDependencyEnd,
    BoardString,
    Calendar,
    Capacity,
    Chart,
    Charts,
    ChartSeries,
    DependencyRow,
    Features,
    IterationLoad,
    ProgramBoard,
    SprintReliability,
    StatusCount,
)
from syncreport.kinds import COUNTED_STATUSES, DependencyStatus
from syncreport.snapshot import issue_order

#: The series of the chart of dependencies by the iteration that needs them.
_NEED_SERIES = (DependencyStatus.LATE, DependencyStatus.AT_RISK, DependencyStatus.ON_TRACK)

CellKey = tuple[str, int | None]
Role = Literal["provider", "consumer"]


def program_board(
    teams: Sequence[str],
    calendar: Calendar,
    issues: pd.DataFrame,
    dependencies: Sequence[DependencyRow],
    browse_url: str,
    *,
    features: Features | None = None,
    capacity: Capacity | None = None,
) -> ProgramBoard:
    """``features`` gives each card its feature's progress and forecast, ``capacity`` each cell its load."""
    rows = set(teams)
    forecasts = {f.key: f for f in features.rows} if features is not None else {}
    loads: dict[CellKey, IterationLoad] = {
        (t.team, load.iteration_index): load for t in (capacity.teams if capacity else ()) for load in t.loads
    }
    n = len(calendar.iterations)
    cards: dict[CellKey, list[BoardCard]] = defaultdict(list)
    in_train = issues["in_train"] & issues["parent_key"].isin(issues.index)
    children = issues.loc[in_train, ["parent_key", "team", "iteration_index"]]
    if not children.empty:
        child = pd.DataFrame(
            {
                "feature": children["parent_key"],
                "team": children["team"],
                "ordinal": children["iteration_index"].astype("float64"),
                "scheduled": children["iteration_index"].notna(),
            }
        )
        grouped = child.groupby(["feature", "team"], sort=True).agg(
            last=("ordinal", "max"), scheduled=("scheduled", "sum")
        )
        parents = issues.loc[grouped.index.get_level_values(0).unique(), ["summary", "done"]]
        summaries = dict(zip(parents.index, parents["summary"].tolist(), strict=True))
        done = dict(zip(parents.index, parents["done"].tolist(), strict=True))
        make_card = row_maker(BoardCard)
        for (feature, team), last, scheduled in zip(
            grouped.index.tolist(), grouped["last"].tolist(), grouped["scheduled"].tolist(), strict=True
        ):
            if team not in rows:
                continue
            where = None if pd.isna(last) else int(last)
            row = forecasts.get(str(feature))
            cards[(team, where)].append(
                make_card(
                    str(feature),
                    str(summaries[feature]),
                    f"{browse_url}{feature}",
                    bool(done[feature]),
                    int(scheduled),
                    row.progress if row else None,
                    row.forecast if row else ("done" if done[feature] else "on_track"),
                )
            )
    strings, ends = _strings_and_ends(dependencies, rows)
    order = {team: i for i, team in enumerate(teams)}
    cells = []
    for key in sorted(
        set(cards) | set(ends) | {k for k, load in loads.items() if k[0] in rows and load.planned},
        key=lambda k: (order[k[0]], n + 1 if k[1] is None else k[1]),
    ):
        cells.append(
            BoardCell(
                team=key[0],
                iteration_index=key[1],
                features=tuple(sorted(cards.get(key, []), key=lambda c: issue_order(c.key))),
                dependency_ends=tuple(ends.get(key, [])),
                load=loads.get(key),
            )
        )
    return ProgramBoard(
        teams=tuple(teams),
        iterations=calendar.iterations,
        has_unscheduled=any(c.iteration_index is None for c in cells),
        cells=tuple(cells),
        strings=tuple(strings),
    )


def _strings_and_ends(
    dependencies: Sequence[DependencyRow], rows: set[str]
) -> tuple[list[BoardString], dict[CellKey, list[BoardDependencyEnd]]]:
    """Every dependency's string, and its ends in the cells of their team and iteration: the ends of teams
    that are not rows, or in a sprint outside the calendar, appear only in the strings."""
    make_string, make_end = row_maker(BoardString), row_maker(BoardDependencyEnd)
    ends: dict[CellKey, list[BoardDependencyEnd]] = defaultdict(list)
    strings = []
    for dep in dependencies:
        provider, consumer, status = dep.provider, dep.consumer, dep.status
        p_team, p_index, c_team, c_index = (
            provider.team,
            provider.iteration_index,
            consumer.team,
            consumer.iteration_index,
        )
        strings.append(make_string(provider.key, consumer.key, p_team, c_team, p_index, c_index, status))
        if p_team in rows and (p_index is not None or provider.sprint is None):
            ends[(p_team, p_index)].append(
                make_end(provider.key, "provider", consumer.key, c_team, c_index, status)
            )
        if c_team in rows and (c_index is not None or consumer.sprint is None):
            ends[(c_team, c_index)].append(
                make_end(consumer.key, "consumer", provider.key, p_team, p_index, status)
            )
    return strings, ends


def status_counts(dependencies: Sequence[DependencyRow]) -> tuple[StatusCount, ...]:
    """Counts by status of the dependencies that count: consumer_done ones are listed for clean-up instead."""
    counts = {s: 0 for s in COUNTED_STATUSES}
    for dep in dependencies:
        if dep.status in counts:
            counts[dep.status] += 1
    return tuple(StatusCount(s, s.label, counts[s]) for s in COUNTED_STATUSES)


def charts(
    calendar: Calendar,
    teams: Sequence[str],
    counts: Sequence[StatusCount],
    dependencies: Sequence[DependencyRow],
    reliability: Sequence[SprintReliability],
    carry_over_by_team: dict[str, int],
) -> Charts:
    names = tuple(it.name for it in calendar.iterations)
    by_team: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in reliability:
        if row.iteration_index is not None and row.reliability is not None:
            by_team[row.team][row.iteration_index].append(row.reliability)
    reliability_series = tuple(
        ChartSeries(
            name=team,
            values=tuple(
                round(100 * sum(v) / len(v), 1) if (v := by_team[team].get(it.index)) else None
                for it in calendar.iterations
            ),
        )
        for team in teams
        if team in by_team
    )
    need: dict[DependencyStatus, list[float]] = {s: [0.0] * len(names) for s in _NEED_SERIES}
    for dep in dependencies:
        index = dep.consumer.iteration_index
        if dep.status in need and index is not None:
            need[dep.status][index - 1] += 1
    return Charts(
        dependency_status=Chart(
            title="Cross-team dependencies by status",
            labels=tuple(c.label for c in counts),
            series=(ChartSeries("Dependencies", tuple(float(c.count) for c in counts)),),
            unit="dependencies",
        ),
        reliability_by_iteration=Chart(
            title="Sprint commitment reliability by iteration",
            labels=names,
            series=reliability_series,
            unit="%",
        ),
        carry_over_by_team=Chart(
            title="Issues carried over, by team",
            labels=tuple(teams),
            series=(ChartSeries("Carried over", tuple(float(carry_over_by_team.get(t, 0)) for t in teams)),),
            unit="issues",
        ),
        dependencies_by_iteration=Chart(
            title="Dependencies by the iteration that needs them",
            labels=names,
            series=tuple(ChartSeries(s.label, tuple(need[s]), status=s) for s in _NEED_SERIES),
            unit="dependencies",
        ),
    )
