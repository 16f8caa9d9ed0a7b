"""A hand-built train and its indicator results, for the renderer's tests (no Jira, no indicator code).

Tests get it through the ``sample`` fixture (``sample.train(...)``, ``sample.SITE``...), so they import
nothing from this folder and run the same whether or not ``tests/`` is a package.

The figures are made up but consistent (a dependency's ends exist in the snapshot, board cells name real
teams and iterations), so the report renders as it would for a real train. ``hostile=True`` puts HTML,
a script tag, emoji and right-to-left text into summaries and team names.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Literal

import pytest

from syncreport.indicators.results import (
    ROAM_COLUMNS,
    ROAM_LABELS,
    AgeingRow,
    AttentionItem,
    BoardCard,
    BoardCell,
    BoardDependencyEnd,
    BoardString,
    CadenceRow,
    Calendar,
    ChangesSinceLast,
    Chart,
    Charts,
    ChartSeries,
    Cycle,
    DataQualityFinding,
    DependencyChange,
    DependencyEnd,
    DependencyRow,
    HealthFigures,
    IndicatorResults,
    IssueChange,
    IssueRef,
    IssueRow,
    Iteration,
    ObjectiveRow,
    Objectives,
    ObjectiveTeam,
    OrphanRow,
    PiSlip,
    Predictability,
    ProgramBoard,
    RiskRow,
    Risks,
    RoamCount,
    SprintReliability,
    StatusCount,
    TeamHealth,
    TrainHealth,
    TrainInfo,
)
from syncreport.kinds import HEALTH_WORST_FIRST, STATUS_SEVERITY, DependencyStatus, Health
from syncreport.snapshot import Issue, Snapshot, Sprint

SITE = "https://acme.atlassian.net"
TAKEN_AT = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
PI_START = datetime(2026, 10, 7, tzinfo=UTC)
HOSTILE_SUMMARY = '<script>alert("x")</script> Pay & ship <b>now</b> 🚀 تحديث الدفع'
HOSTILE_TEAM = "Team <i>Ω</i> 🚀"


def _figures(issues: int, late: int = 0, reliability: float | None = 0.85) -> HealthFigures:
    return HealthFigures(
        issues=issues,
        done=issues // 3,
        late_dependencies=late,
        unscheduled_dependencies=late // 2,
        at_risk_dependencies=late + 1,
        consumer_late_dependencies=late,
        carry_over_issues=issues // 7,
        carry_over_share=0.14,
        reliability=reliability,
        orphan_share=0.1,
        off_cadence_sprints=late % 3,
        max_ageing_days=late * 3,
        aged_issues=late,
    )


def _risks(teams: list[str], hostile: bool) -> Risks:
    """Five risks, one per ROAM column; the first high, not ROAMed for 9 days and linked to a late dependency."""
    rows = []
    for n, column in enumerate(ROAM_COLUMNS):
        summary = HOSTILE_SUMMARY if hostile else f"Risk number {n + 1}"
        rows.append(
            RiskRow(
                key=f"RSK-{n + 1}",
                summary=summary,
                url=f"{SITE}/browse/RSK-{n + 1}",
                team=teams[n % len(teams)],
                owner=None if n == 1 else f"Owner {n}",
                roam=column,
                roam_label=ROAM_LABELS[column],
                roam_since=None if column == "not_roamed" else TAKEN_AT - timedelta(days=3),
                days_in_state=None if column == "not_roamed" else 3,
                age_days=9 + n,
                priority="High" if n in (0, 1) else "Low",
                high=n in (0, 1),
                open=column != "resolved",
                linked=("ART-1",),
                late_dependencies=("ART-1 -> ART-2",) if n == 0 else (),
                flags=("high risk not ROAMed 9 days after creation",) if n == 0 else (),
            )
        )
    counts = tuple(RoamCount(c, ROAM_LABELS[c], 1, 1 if i < 2 else 0) for i, c in enumerate(ROAM_COLUMNS))
    return Risks(True, (), tuple(rows), counts, 2, False, "no previous run to compare with", (), 5)


def _objectives(teams: list[str], hostile: bool) -> Objectives:
    rows = tuple(
        ObjectiveRow(
            key=f"OBJ-{n + 1}",
            summary=HOSTILE_SUMMARY if hostile else f"Objective number {n + 1}",
            url=f"{SITE}/browse/OBJ-{n + 1}",
            team=teams[n % len(teams)],
            pi="PI 26.4",
            committed=n != 2,
            planned_value=float(8 - n),
            actual_value=None,
            status="In Progress",
            done=False,
            features=("ART-1",),
            outside=(),
            unit="points",
            work_total=10.0,
            work_done=float(n + 2),
            progress=(n + 2) / 10,
            forecast="at_risk" if n == 0 else "on_track",
            forecast_label="At risk" if n == 0 else "On track",
            forecast_reason="ART-1 is late for ART-2" if n == 0 else "",
        )
        for n in range(3)
    )
    per_team = tuple(
        ObjectiveTeam(r.team, 1 if r.committed else 0, 0 if r.committed else 1, r.planned_value or 0.0 if r.committed else 0.0,
                      0.0 if r.committed else r.planned_value or 0.0, None, None, False, 1 if r.forecast == "at_risk" else 0,
                      "scored at PI end: no actual business value yet")
        for r in rows
    )  # fmt: skip
    train = ObjectiveTeam("Train", 2, 1, 15.0, 6.0, None, None, False, 1, per_team[0].reason)
    return Objectives(True, (), "PI 26.4", rows, per_team, train)


def sample_train(
    *, issues: int = 120, teams: int = 6, iterations: int = 6, hostile: bool = False, seed: int = 3
) -> tuple[IndicatorResults, Snapshot]:
    """A train of ``issues`` stories over ``teams`` teams, with dependencies, slips and findings."""
    rng = random.Random(seed)
    team_names = [
        f"Team {name}"
        for name in (
            "Atlas",
            "Boreal",
            "Cirrus",
            "Delta",
            "Ember",
            "Fjord",
            "Gale",
            "Harbor",
            "Iris",
            "Juno",
            "Kite",
            "Lumen",
        )
    ][:teams]
    if hostile:
        team_names[-1] = HOSTILE_TEAM
    calendar_iterations = tuple(
        Iteration(
            index=i + 1,
            name=f"I{i + 1}",
            start=PI_START + timedelta(days=14 * i),
            end=PI_START + timedelta(days=14 * i + 13),
            state="past" if i < 3 else ("current" if i == 3 else "future"),
        )
        for i in range(iterations)
    )
    sprints: list[Sprint] = []
    for t, team in enumerate(team_names):
        for it in calendar_iterations:
            sprints.append(
                Sprint(
                    id=100 * (t + 1) + it.index,
                    name=f"{team.split()[-1]} Sprint {it.index}",
                    state="closed"
                    if it.state == "past"
                    else ("active" if it.state == "current" else "future"),
                    board_id=t + 1,
                    start=it.start,
                    end=it.end,
                )
            )
    snapshot_issues: list[Issue] = []
    rows: list[IssueRow] = []
    for n in range(1, issues + 1):
        team = team_names[n % teams]
        iteration = calendar_iterations[(n // teams) % iterations] if n % 11 else None
        summary = HOSTILE_SUMMARY if hostile and n % 5 == 0 else f"Story {n}: deliver capability {n * 7 % 97}"
        key = f"ART-{n}"
        done = iteration is not None and iteration.state == "past" and n % 4 != 0
        sprint = f"{team.split()[-1]} Sprint {iteration.index}" if iteration else None
        snapshot_issues.append(
            Issue(
                id=str(10000 + n),
                key=key,
                summary=summary,
                issue_type="Story",
                status="Done" if done else "In Progress",
                status_category="done" if done else "indeterminate",
                project="ART",
                created=PI_START - timedelta(days=20),
                updated=TAKEN_AT,
                team=team,
                pi="PI 26.4",
            )
        )
        carry = n % 9 == 0
        due_slip = (n * 3) % 17 if n % 6 == 0 else None
        rows.append(
            IssueRow(
                key=key,
                summary=summary,
                url=f"{SITE}/browse/{key}",
                team=team,
                issue_type="Story",
                status="Done" if done else "In Progress",
                done=done,
                sprint=sprint,
                iteration_index=iteration.index if iteration else None,
                iteration_name=iteration.name if iteration else None,
                pi="PI 26.4",
                carry_over=(n % 3) + 1 if carry else 0,
                sprints_passed=(f"{team.split()[-1]} Sprint 1", sprint or "") if carry else (),
                due_date=date(2026, 12, 1) + timedelta(days=due_slip or 0) if due_slip is not None else None,
                first_due_date=date(2026, 12, 1) if due_slip is not None else None,
                due_date_slip_days=due_slip,
                pi_slip=PiSlip("PI 26.3", "PI 26.4", PI_START - timedelta(days=3)) if n % 23 == 0 else None,
                ageing_days=n % 13 if n % 10 == 0 else 0,
                team_changed=False,
            )
        )
    by_key = {row.key: row for row in rows}

    def end(key: str) -> DependencyEnd:
        row = by_key[key]
        return DependencyEnd(
            key=row.key,
            summary=row.summary,
            url=row.url,
            team=row.team,
            issue_type=row.issue_type,
            status=row.status,
            done=row.done,
            flagged=False,
            in_train=True,
            visible=True,
            sprint=row.sprint,
            sprint_id=None,
            iteration_index=row.iteration_index,
            iteration_name=row.iteration_name,
            pi=row.pi,
        )

    def status_of(provider: IssueRow, consumer: IssueRow) -> DependencyStatus:
        if provider.done:
            return DependencyStatus.DONE
        if provider.iteration_index is None:
            return DependencyStatus.UNSCHEDULED
        if consumer.iteration_index is None:
            return DependencyStatus.CONSUMER_UNSCHEDULED
        if provider.iteration_index > consumer.iteration_index:
            return DependencyStatus.LATE
        if provider.iteration_index == consumer.iteration_index:
            return DependencyStatus.AT_RISK
        return DependencyStatus.ON_TRACK

    dependencies: list[DependencyRow] = []
    keys = list(by_key)
    for link in range(max(4, issues // 4)):
        consumer, provider = rng.sample(keys, 2)
        if by_key[consumer].team == by_key[provider].team:
            continue
        status = status_of(by_key[provider], by_key[consumer])
        ci, pi_ = by_key[consumer].iteration_index, by_key[provider].iteration_index
        dependencies.append(
            DependencyRow(
                link_id=str(link),
                link_type="Blocks",
                consumer=end(consumer),
                provider=end(provider),
                status=status,
                status_label=status.label,
                severity_rank=status.severity,
                reason=f"provider planned in I{pi_}, needed in I{ci}"
                if pi_ and ci
                else "provider not in a sprint",
                cross_pi=False,
                iterations_late=(pi_ - ci) if pi_ and ci else None,
                provider_slipped=link % 7 == 0,
                provider_slip_from="Sprint 2" if link % 7 == 0 else None,
                in_cycle=False,
            )
        )
    dependencies.sort(key=lambda d: (d.severity_rank, d.consumer.key))
    counts = {s: sum(d.status == s for d in dependencies) for s in STATUS_SEVERITY}
    cells: dict[tuple[str, int | None], tuple[list[BoardCard], list[BoardDependencyEnd]]] = {}
    for n, row in enumerate(rows):
        if n % 8 == 0:
            cells.setdefault((row.team, row.iteration_index), ([], []))[0].append(
                BoardCard(
                    key=f"FEAT-{n}",
                    summary=f"Feature {n} {row.summary}",
                    url=f"{SITE}/browse/FEAT-{n}",
                    done=row.done,
                    children=3,
                )
            )
    for dep in dependencies:
        roles: tuple[tuple[Literal["provider", "consumer"], DependencyEnd, DependencyEnd], ...] = (
            ("provider", dep.provider, dep.consumer),
            ("consumer", dep.consumer, dep.provider),
        )
        for role, here, other in roles:
            cells.setdefault((here.team, here.iteration_index), ([], []))[1].append(
                BoardDependencyEnd(
                    key=here.key,
                    role=role,
                    other_key=other.key,
                    other_team=other.team,
                    other_iteration_index=other.iteration_index,
                    status=dep.status,
                )
            )
    order = {t: i for i, t in enumerate(team_names)}
    board = ProgramBoard(
        teams=tuple(team_names),
        iterations=calendar_iterations,
        has_unscheduled=True,
        cells=tuple(
            BoardCell(team=t, iteration_index=i, features=tuple(f), dependency_ends=tuple(d))
            for (t, i), (f, d) in sorted(cells.items(), key=lambda kv: (order[kv[0][0]], kv[0][1] or 99))
        ),
        strings=tuple(
            BoardString(
                d.provider.key,
                d.consumer.key,
                d.provider.team,
                d.consumer.team,
                d.provider.iteration_index,
                d.consumer.iteration_index,
                d.status,
            )
            for d in dependencies
            if d.status != "done"
        ),
    )
    team_health = tuple(
        TeamHealth(
            team=t,
            health=HEALTH_WORST_FIRST[i % 3],
            reasons=(
                ()
                if i % 3 == 2
                else (f"{3 - i % 3} late dependencies as provider", "carry-over 31% (red at 30%)")
            ),
            figures=_figures(issues // teams, late=3 - i % 3, reliability=None if i == 1 else 0.7 + i / 50),
            has_sprints=True,
        )
        for i, t in enumerate(team_names)
    )
    reliability = tuple(
        SprintReliability(
            team=t,
            sprint_id=100 * (ti + 1) + it.index,
            sprint=f"{t.split()[-1]} Sprint {it.index}",
            iteration_index=it.index,
            iteration_name=it.name,
            start=it.start,
            end=it.end,
            unit="points",
            committed=30.0,
            completed=30.0 - (ti + it.index) % 9,
            added=ti % 4,
            added_completed=ti % 2,
            removed=it.index % 2,
            reliability=(30.0 - (ti + it.index) % 9) / 30,
        )
        for ti, t in enumerate(team_names)
        for it in calendar_iterations
        if it.state == "past"
    )
    cadence = tuple(
        CadenceRow(
            team=t,
            sprint_id=100 * (ti + 1) + it.index,
            sprint=f"{t.split()[-1]} Sprint {it.index}",
            iteration_index=it.index,
            iteration_name=it.name,
            sprint_start=it.start + timedelta(days=2 if ti == 1 else 0),
            sprint_end=it.end,
            iteration_start=it.start,
            iteration_end=it.end,
            start_offset_days=2.0 if ti == 1 else 0.0,
            end_offset_days=-1.5 if ti == 2 else 0.0,
            off_cadence=ti in (1, 2),
        )
        for ti, t in enumerate(team_names)
        for it in calendar_iterations
    )
    slipped = tuple(
        sorted(
            (r for r in rows if r.carry_over or r.due_date_slip_days or r.pi_slip),
            key=lambda r: (-r.carry_over, -(r.due_date_slip_days or 0), r.key),
        )
    )
    late_deps = [d for d in dependencies if d.status == "late"]
    attention = tuple(
        AttentionItem(
            rank=i + 1,
            severity="error" if i < 2 else "warning",
            kind="late_dependency",
            title=f"{d.consumer.team} needs {d.provider.key} from {d.provider.team} "
            f"{d.iterations_late} iteration(s) too late",
            detail=d.reason,
            keys=(d.provider.key, d.consumer.key),
            teams=(d.provider.team, d.consumer.team),
        )
        for i, d in enumerate(late_deps[:5])
    )
    changes = ChangesSinceLast(
        available=True,
        reason=None,
        previous_generated_at=TAKEN_AT - timedelta(days=7),
        previous_train_health=Health.AMBER,
        turned_late=tuple(
            DependencyChange(
                d.consumer.key, d.provider.key, d.consumer.team, d.provider.team, "at_risk", "late"
            )
            for d in late_deps[:8]
        ),
        recovered=tuple(
            DependencyChange(
                d.consumer.key, d.provider.key, d.consumer.team, d.provider.team, "late", "on_track"
            )
            for d in dependencies[-2:]
        ),
        new_dependencies=(),
        removed_dependencies=(),
        newly_slipped=tuple(
            IssueChange(r.key, r.team, r.summary, "carried over again (1 -> 2)") for r in slipped[:3]
        ),
        resolved=tuple(IssueChange(r.key, r.team, r.summary, "done") for r in rows[:2]),
    )
    unowned = tuple(
        IssueRef(
            key=f"ART-{9000 + i}",
            summary="No team yet",
            url=f"{SITE}/browse/ART-{9000 + i}",
            team="unassigned",
            issue_type="Story",
            status="To Do",
            pi="PI 26.4",
            sprint=None,
        )
        for i in range(3)
    )
    findings = (
        DataQualityFinding(
            kind="missing_team",
            severity="warning",
            title="Issues with no team",
            detail="Not on the board; set the Team field in Jira.",
            count=len(unowned),
            keys=tuple(u.key for u in unowned),
        ),
        DataQualityFinding(
            kind="missing_points",
            severity="info",
            title="Stories without points",
            detail="Reliability falls back to issue counts for these sprints.",
            count=issues // 3,
            keys=tuple(keys[: issues // 3]),
        ),
    )
    results = IndicatorResults(
        train=TrainInfo(
            name="Payments ART" + (" <b>&</b>" if hostile else ""),
            pi="PI 26.4",
            pis=("PI 26.3", "PI 26.4", "PI 27.1"),
            generated_at=TAKEN_AT,
            jira_url=SITE,
            deployment="cloud",
            issue_count=issues,
            team_count=teams,
        ),
        calendar=Calendar(source="derived", iterations=calendar_iterations, current_index=4),
        train_health=TrainHealth(
            health=Health.RED,
            reasons=(f"{counts[DependencyStatus.LATE]} late dependencies (red at 3)", "Team Atlas is red"),
            figures=_figures(issues, late=counts[DependencyStatus.LATE]),
        ),
        teams=team_health,
        attention=attention,
        status_counts=tuple(StatusCount(s, s.label, counts[s]) for s in STATUS_SEVERITY),
        dependencies=tuple(dependencies),
        same_team_links=(),
        cycles=(Cycle(keys=(keys[0], keys[1]), teams=(by_key[keys[0]].team, by_key[keys[1]].team)),),
        cross_pi_dependencies=(),
        issues=tuple(rows),
        slipped_issues=slipped,
        sprint_reliability=reliability,
        ageing=tuple(
            AgeingRow(
                key=r.key,
                summary=r.summary,
                url=r.url,
                team=r.team,
                reason="flagged",
                since=TAKEN_AT - timedelta(days=r.ageing_days),
                days=r.ageing_days,
            )
            for r in sorted(rows, key=lambda r: -r.ageing_days)
            if r.ageing_days
        ),
        cadence=cadence,
        off_cadence=tuple(c for c in cadence if c.off_cadence),
        orphans=tuple(
            OrphanRow(
                team=t,
                pi_issues=issues // teams,
                orphans=2,
                share=2 / max(1, issues // teams),
                keys=(f"ART-{i + 1}", f"ART-{i + 2}"),
            )
            for i, t in enumerate(team_names)
        ),
        unowned=unowned,
        predictability=Predictability(
            available=False,
            reason="the business value fields are not configured ([train] business_value_planned_field)",
            train=None,
            teams=(),
        ),
        data_quality=findings,
        changes=changes,
        board=board,
        charts=Charts(
            dependency_status=Chart(
                "Dependencies by status",
                tuple(s.label for s in STATUS_SEVERITY),
                (ChartSeries("dependencies", tuple(float(counts[s]) for s in STATUS_SEVERITY)),),
                "issues",
            ),
            reliability_by_iteration=Chart(
                "Sprint commitment reliability",
                tuple(it.name for it in calendar_iterations[:3]),
                tuple(
                    ChartSeries(t, tuple(100 * (30.0 - (ti + i) % 9) / 30 for i in (1, 2, 3)))
                    for ti, t in enumerate(team_names)
                ),
                "%",
            ),
            carry_over_by_team=Chart(
                "Carried-over issues by team",
                tuple(team_names),
                (ChartSeries("carried over", tuple(float(3 + i) for i in range(teams))),),
                "issues",
            ),
            dependencies_by_iteration=Chart(
                "Dependencies by the iteration that needs them",
                tuple(it.name for it in calendar_iterations),
                (
                    ChartSeries(
                        "Late", tuple(float(i % 3) for i in range(iterations)), DependencyStatus.LATE
                    ),
                    ChartSeries(
                        "At risk", tuple(float(i % 2) for i in range(iterations)), DependencyStatus.AT_RISK
                    ),
                    ChartSeries(
                        "On track", tuple(float(i) for i in range(iterations)), DependencyStatus.ON_TRACK
                    ),
                ),
                "issues",
            ),
        ),
        thresholds={"late_dependencies_red": 3.0, "reliability_amber": 0.8},
        risks=_risks(team_names, hostile),
        objectives=_objectives(team_names, hostile),
    )
    snapshot = Snapshot(
        train=results.train.name,
        site_url=SITE,
        taken_at=TAKEN_AT,
        pis=results.train.pis,
        current_pi="PI 26.4",
        teams=tuple(team_names),
        issues=tuple(snapshot_issues),
        sprints=tuple(sprints),
    )
    return results, snapshot


@pytest.fixture(scope="session")
def sample() -> ModuleType:
    """This module: ``sample.train(issues=..., teams=..., hostile=...)`` and the constants above."""
    return sys.modules[__name__]


train = sample_train
