"""Team and train health: green/amber/red from ThresholdSettings, each rule that fires giving a reason.

Rules (docs/indicators.md): a count threshold of 0 switches that rule off; shares and days fire at or above
their threshold; reliability fires below its threshold. A team is judged on dependencies it *provides*
(the team that must deliver); the consumer side is shown as impact, not scored. The train is as bad as its
worst team, red with an open dependency cycle, and amber when train issues have no team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from syncreport.config import ThresholdSettings
from syncreport.indicators.results import HEALTH_ORDER, Health, HealthFigures, TeamHealth, TrainHealth
from syncreport.untrusted import isolate

_RANK = {"green": 0, "amber": 1, "red": 2}


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
        return Verdict("red", f"{text} (red from {red})")
    if amber and value >= amber:
        return Verdict("amber", f"{text} (amber from {amber})")
    return None


def _high_rule(value: float | None, amber: float, red: float, text: str, unit: str = "%") -> Verdict | None:
    if value is None:
        return None
    shown = (lambda v: _percent(v)) if unit == "%" else (lambda v: f"{v:g} days")
    if value >= red:
        return Verdict("red", f"{text} (red from {shown(red)})")
    if value >= amber:
        return Verdict("amber", f"{text} (amber from {shown(amber)})")
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
            verdicts.append(Verdict("red", f"{text} (red below {_percent(t.reliability_red)})"))
        elif figures.reliability < t.reliability_amber:
            verdicts.append(Verdict("amber", f"{text} (amber below {_percent(t.reliability_amber)})"))
    fired = sorted((v for v in verdicts if v is not None), key=lambda v: -_RANK[v.health])
    health: Health = fired[0].health if fired else "green"
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
    levels: tuple[Health, ...] = ("red", "amber")
    for level in levels:
        named = [t.team for t in teams if t.health == level]
        if named:
            names = ", ".join(isolate(name) for name in named)  # a name's bidi cannot reorder the sentence
            reasons.append((level, f"{_plural(len(named), 'team')} {level}: {names}"))
    if open_cycles:
        reasons.append(("red", f"{_plural(open_cycles, 'dependency cycle')} among unfinished issues"))
    if unowned:
        reasons.append(("amber", f"{_plural(unowned, 'train issue')} with no team"))
    reasons.sort(key=lambda r: -_RANK[r[0]])
    health: Health = reasons[0][0] if reasons else "green"
    return TrainHealth(health=health, reasons=tuple(r for _, r in reasons), figures=figures)


def sort_teams(teams: Sequence[TeamHealth]) -> tuple[TeamHealth, ...]:
    return tuple(sorted(teams, key=lambda t: (HEALTH_ORDER.index(t.health), t.team)))
