"""The figures behind the report's pictures: the team dependency map and slippage by team.

Both are aggregates of rows the indicators already produced (the cross-team dependencies, the cycles, the
slipped issues), so the renderer only draws: it never counts.

- **Team map**: one edge per (providing team, consuming team) pair over the dependencies that are still
  owed: ``done`` (delivered) and ``consumer_done`` (the need has passed) are left out, every other status
  counts, the same set the summary's "dependencies by status" counts. Its colour is the worst status of the
  pair (by DependencyStatus.severity); ``in_cycle`` when one of them is part of a dependency cycle.
- **Slippage by team**: per team (in the report's team order, the order of the slippage table), the issues
  carried over at least once, the issues whose due date moved later, and those moved to a later PI.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from syncreport.indicators.results import (
    Cycle,
    DependencyRow,
    DependencyStatus,
    IndicatorResults,
    IssueRow,
    TeamHealth,
    TeamMap,
    TeamMapEdge,
    TeamSlippage,
)
from syncreport.indicators.trends import compute_trends


def with_pictures(
    results: IndicatorResults, history: Sequence[Mapping[str, Any]], previous: Mapping[str, Any] | None
) -> IndicatorResults:
    """``results`` with the figures of the pictures added: the team map, slippage by team, the trends."""
    return replace(
        results,
        team_map=team_map(results.dependencies, results.cycles, results.teams),
        slippage_by_team=slippage_by_team(results.slipped_issues, results.teams),
        trends=compute_trends(results, history, previous),
    )


NOT_OWED: frozenset[str] = frozenset({"done", "consumer_done"})


def team_map(
    dependencies: Sequence[DependencyRow], cycles: Sequence[Cycle], teams: Sequence[TeamHealth]
) -> TeamMap:
    """The team dependency map of the still-owed cross-team dependencies (see the module docstring)."""
    pairs: dict[tuple[str, str], Counter[DependencyStatus]] = defaultdict(Counter)
    cyclic: set[tuple[str, str]] = set()
    for dep in dependencies:
        if dep.status in NOT_OWED:
            continue
        pair = (dep.provider.team, dep.consumer.team)
        pairs[pair][dep.status] += 1
        if dep.in_cycle:
            cyclic.add(pair)
    edges = []
    for (provider, consumer), counts in pairs.items():
        ordered = tuple(sorted(counts.items(), key=lambda item: item[0].severity))
        edges.append(
            TeamMapEdge(
                provider_team=provider,
                consumer_team=consumer,
                count=sum(counts.values()),
                worst=ordered[0][0],
                by_status=ordered,
                in_cycle=(provider, consumer) in cyclic,
            )
        )
    edges.sort(key=lambda e: (e.worst.severity, -e.count, e.provider_team, e.consumer_team))
    order = {team.team: index for index, team in enumerate(teams)}
    named = {name for edge in edges for name in (edge.provider_team, edge.consumer_team)}
    team_cycles = tuple(dict.fromkeys(_team_cycle(cycle) for cycle in cycles if len(set(cycle.teams)) > 1))
    return TeamMap(
        teams=tuple(sorted(named, key=lambda name: (order.get(name, len(order)), name))),
        edges=tuple(edges),
        team_cycles=team_cycles,
    )


def _team_cycle(cycle: Cycle) -> tuple[str, ...]:
    """The teams of an issue cycle in its order, runs of one team merged (A A B A -> A B)."""
    teams: list[str] = []
    for team in cycle.teams:
        if not teams or teams[-1] != team:
            teams.append(team)
    if len(teams) > 1 and teams[0] == teams[-1]:
        teams.pop()
    return tuple(teams)


def slippage_by_team(slipped: Sequence[IssueRow], teams: Sequence[TeamHealth]) -> tuple[TeamSlippage, ...]:
    """Carry-over, due-date slips and PI slips per team, in the report's team order (teams with none kept).

    Carried over is the team's health figure (the slippage table's column), the slips are counted here."""
    due: Counter[str] = Counter()
    pi: Counter[str] = Counter()
    for row in slipped:
        if row.due_date_slip_days is not None and row.due_date_slip_days > 0:
            due[row.team] += 1
        if row.pi_slip is not None:
            pi[row.team] += 1
    return tuple(TeamSlippage(t.team, t.figures.carry_over_issues, due[t.team], pi[t.team]) for t in teams)
