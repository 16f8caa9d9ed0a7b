"""Team and train health: green/amber/red from ThresholdSettings, each rule that fires giving a reason.

Rules (docs/indicators.md): a count threshold of 0 switches that rule off; shares and days fire at or above
their threshold; reliability fires below its threshold. A team is judged on dependencies it *provides*
(the team that must deliver); the consumer side is shown as impact, not scored. The train is as bad as its
worst team, red with an open dependency cycle, and amber when train issues have no team.

Here too: the figures a verdict is taken on (:func:`health_figures`), whether a cycle is still open
(:func:`cycle_is_open`), and what needs attention on page 1 (:func:`attention`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from syncreport.config import ThresholdSettings
from syncreport.indicators.results import (
    AgeingRow,
    AttentionItem,
    Cycle,
    DependencyRow,
    HealthFigures,
    OrphanRow,
    SprintReliability,
    TeamHealth,
    TrainHealth,
)
from syncreport.kinds import HEALTH_WORST_FIRST, Health
from syncreport.untrusted import isolate

_ATTENTION = 5  # items on page 1 at the most
_ATTENTION_PER_KIND = 3  # of one kind while other kinds wait


@dataclass(frozen=True)
class Verdict:
    health: Health
    reason: str


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _count_rule(value: int, amber: int, red: int, text: str) -> Verdict | None:
    if red and value >= red:
        return Verdict(Health.RED, f"{text} (red from {red})")
    if amber and value >= amber:
        return Verdict(Health.AMBER, f"{text} (amber from {amber})")
    return None


def _high_rule(value: float | None, amber: float, red: float, text: str, unit: str = "%") -> Verdict | None:
    if value is None:
        return None

    def shown(v: float) -> str:
        return _percent(v) if unit == "%" else f"{v:g} days"

    if value >= red:
        return Verdict(Health.RED, f"{text} (red from {shown(red)})")
    if value >= amber:
        return Verdict(Health.AMBER, f"{text} (amber from {shown(amber)})")
    return None


def judge(figures: HealthFigures, t: ThresholdSettings) -> tuple[Health, tuple[str, ...]]:
    verdicts = [
        _count_rule(
            figures.late_dependencies,
            t.late_dependencies_amber,
            t.late_dependencies_red,
            f"{_plural(figures.late_dependencies, 'late dependency')} to deliver",
        ),
        _count_rule(
            figures.unscheduled_dependencies,
            t.unscheduled_dependencies_amber,
            t.unscheduled_dependencies_red,
            f"{_plural(figures.unscheduled_dependencies, 'dependency')} to deliver still in no sprint",
        ),
        _high_rule(
            figures.carry_over_share,
            t.carry_over_share_amber,
            t.carry_over_share_red,
            f"{_percent(figures.carry_over_share or 0)} of sprint work carried over",
        ),
        _high_rule(
            figures.orphan_share,
            t.orphan_share_amber,
            t.orphan_share_red,
            f"{_percent(figures.orphan_share or 0)} of PI work has no feature in the train",
        ),
        _high_rule(
            float(figures.max_ageing_days) if figures.aged_issues else None,
            t.ageing_days_amber,
            t.ageing_days_red,
            f"{_plural(figures.aged_issues, 'issue')} flagged or blocked, the oldest for {figures.max_ageing_days} days",
            unit="days",
        ),
        _count_rule(
            figures.off_cadence_sprints,
            t.off_cadence_sprints_amber,
            t.off_cadence_sprints_red,
            f"{_plural(figures.off_cadence_sprints, 'sprint')} off the train's cadence",
        ),
    ]
    if figures.reliability is not None:
        text = f"sprint commitment reliability {_percent(figures.reliability)}"
        if figures.reliability < t.reliability_red:
            verdicts.append(Verdict(Health.RED, f"{text} (red below {_percent(t.reliability_red)})"))
        elif figures.reliability < t.reliability_amber:
            verdicts.append(Verdict(Health.AMBER, f"{text} (amber below {_percent(t.reliability_amber)})"))
    fired = sorted((v for v in verdicts if v is not None), key=lambda v: -v.health.rank)
    health = fired[0].health if fired else Health.GREEN
    return health, tuple(v.reason for v in fired)


def team_health(
    team: str, figures: HealthFigures, thresholds: ThresholdSettings, has_sprints: bool
) -> TeamHealth:
    health, reasons = judge(figures, thresholds)
    if not has_sprints:
        reasons = (*reasons, "no sprints in the snapshot: reliability and carry-over cannot be measured")
    return TeamHealth(team=team, health=health, reasons=reasons, figures=figures, has_sprints=has_sprints)


def train_health(
    teams: Sequence[TeamHealth], figures: HealthFigures, open_cycles: int, unowned: int
) -> TrainHealth:
    reasons: list[tuple[Health, str]] = []
    for level in (Health.RED, Health.AMBER):
        named = [t.team for t in teams if t.health == level]
        if named:
            names = ", ".join(isolate(name) for name in named)  # a name's bidi cannot reorder the sentence
            reasons.append((level, f"{_plural(len(named), 'team')} {level}: {names}"))
    if open_cycles:
        reasons.append((Health.RED, f"{_plural(open_cycles, 'dependency cycle')} among unfinished issues"))
    if unowned:
        reasons.append((Health.AMBER, f"{_plural(unowned, 'train issue')} with no team"))
    reasons.sort(key=lambda r: -r[0].rank)
    health = reasons[0][0] if reasons else Health.GREEN
    return TrainHealth(health=health, reasons=tuple(r for _, r in reasons), figures=figures)


def sort_teams(teams: Sequence[TeamHealth]) -> tuple[TeamHealth, ...]:
    return tuple(sorted(teams, key=lambda t: (HEALTH_WORST_FIRST.index(t.health), t.team)))


def cycle_is_open(keys: Sequence[str], done_of: pd.Series) -> bool:
    """A cycle is open while at least two of its issues are not done (docs/indicators.md section 1): with one
    left, that one can finish first. An issue of unknown done-ness counts as not done."""
    return sum(1 for k in keys if not bool(done_of.get(k, False))) >= 2


def health_figures(
    *,
    team_issues: pd.DataFrame,
    deps: pd.DataFrame,
    team: str | None,
    reliability: Sequence[SprintReliability],
    orphan: OrphanRow | None,
    off_cadence: int,
    ageing_rows: Sequence[AgeingRow],
    ageing_amber: int,
) -> HealthFigures:
    """``team_issues``: the team's issues (all the train's for ``team=None``) with ``done`` and their
    carry-over figures (``sprinted``, ``carry_over``: :class:`~syncreport.indicators.slippage.CarryOver`)."""
    provided = deps if team is None else deps[deps["p_team"] == team]
    consumed = deps if team is None else deps[deps["c_team"] == team]
    sprinted = int(team_issues["sprinted"].fillna(False).astype(bool).sum())
    carried = int((team_issues["carry_over"].fillna(0) > 0).sum())
    ratios = [
        r.reliability for r in reliability if r.reliability is not None and r.iteration_index is not None
    ]
    aged = [a for a in ageing_rows if a.days >= ageing_amber]
    return HealthFigures(
        issues=len(team_issues),
        done=int(team_issues["done"].sum()),
        late_dependencies=int((provided["status"] == "late").sum()),
        unscheduled_dependencies=int((provided["status"] == "unscheduled").sum()),
        at_risk_dependencies=int((provided["status"] == "at_risk").sum()),
        consumer_late_dependencies=int((consumed["status"] == "late").sum()),
        carry_over_issues=carried,
        carry_over_share=carried / sprinted if sprinted else None,
        reliability=sum(ratios) / len(ratios) if ratios else None,
        orphan_share=orphan.share if orphan else None,
        off_cadence_sprints=off_cadence,
        max_ageing_days=max((a.days for a in ageing_rows), default=0),
        aged_issues=len(aged),
    )


def attention(
    cycles: Sequence[Cycle],
    cross: Sequence[DependencyRow],
    teams: Sequence[TeamHealth],
    ageing_rows: Sequence[AgeingRow],
    ageing_red: int,
    done_of: pd.Series,
    *,
    risk_items: Sequence[AttentionItem] = (),
    feature_items: Sequence[AttentionItem] = (),
) -> tuple[AttentionItem, ...]:
    items: list[AttentionItem] = []
    for cycle in cycles:
        if not cycle_is_open(cycle.keys, done_of):
            continue
        items.append(
            AttentionItem(
                0,
                "error",
                "cycle",
                "Dependency cycle: " + " -> ".join((*cycle.keys, cycle.keys[0])),
                "Each issue waits for the next: none of them can finish first. Break one link.",
                cycle.keys,
                tuple(sorted(set(cycle.teams))),
            )
        )
    items.extend(risk_items)  # high risks: an overdue ROAM is an error, right after the cycles
    for dep in cross:
        if dep.status not in ("late", "unscheduled") or dep.consumer.done:
            continue
        word = "is late for" if dep.status == "late" else "is unscheduled but needed by"
        items.append(
            AttentionItem(
                0,
                "error" if dep.status == "late" else "warning",
                f"{dep.status}_dependency",
                f"{dep.provider.key} ({isolate(dep.provider.team)}) {word} {dep.consumer.key} ({isolate(dep.consumer.team)})",
                dep.reason,
                (dep.provider.key, dep.consumer.key),
                tuple(sorted({dep.provider.team, dep.consumer.team})),
            )
        )
    items.extend(feature_items)  # features that will not finish in the PI, after the strings behind them
    for team in teams:
        if team.health is Health.RED:
            items.append(
                AttentionItem(
                    0,
                    "error",
                    "red_team",
                    f"{isolate(team.team)} is red",
                    "; ".join(team.reasons),
                    (),
                    (team.team,),
                )
            )
    for row in ageing_rows:
        if ageing_red and row.days >= ageing_red:
            items.append(
                AttentionItem(
                    0,
                    "warning",
                    "ageing",
                    f"{row.key} ({isolate(row.team)}) {row.reason} for {row.days} days",
                    row.summary,
                    (row.key,),
                    (row.team,),
                )
            )
    order = {"error": 0, "warning": 1, "info": 2}
    ranked = [item for _, item in sorted(enumerate(items), key=lambda p: (order[p[1].severity], p[0]))]
    # The first red team has its place first, whatever else is going on: cycles and late strings together
    # must not push the team verdict off page 1. Then at most three of one kind while other kinds wait
    # (more red teams among them), then the rest in order.
    # Membership by hash (the items are frozen dataclasses: equal items hash alike), as the list's ``in``
    # decides it; thousands of late strings made that a scan of the chosen ones per item.
    chosen = [item for item in ranked if item.kind == "red_team"][:1]
    taken = set(chosen)
    per_kind: dict[str, int] = {"red_team": len(chosen)}
    for item in ranked:
        if len(chosen) >= _ATTENTION:
            break  # full: nothing more is chosen
        if item in taken:
            continue
        if per_kind.get(item.kind, 0) < _ATTENTION_PER_KIND:
            chosen.append(item)
            taken.add(item)
            per_kind[item.kind] = per_kind.get(item.kind, 0) + 1
    if len(chosen) < _ATTENTION:
        chosen += [item for item in ranked if item not in taken][: _ATTENTION - len(chosen)]
    first_at: dict[AttentionItem, int] = {}
    for place, item in enumerate(ranked):
        first_at.setdefault(item, place)  # ranked.index: the first equal item's place
    chosen.sort(key=first_at.__getitem__)
    return tuple(replace(item, rank=i + 1) for i, item in enumerate(chosen))
