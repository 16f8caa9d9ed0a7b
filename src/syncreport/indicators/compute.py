"""compute_indicators: the snapshot in, every figure of the report out (see docs/indicators.md).

The orchestration only, as the list of stages it is: schedule (calendar, sprints, issues placed in them),
dependencies, slippage, result records (indicators/records.py), health and attention
(indicators/health.py), the agenda (risks, PI objectives), data quality, changes since the last run.

A little over 400 lines: each stage is a short function next to the small frozen bundle it hands to the
next, so the stages read in order here; their work is in the modules they call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from syncreport.config import CapacitySettings, IterationSettings, ThresholdSettings
from syncreport.gc_pause import gc_paused
from syncreport.heap import trim_heap
from syncreport.indicators import board as board_module
from syncreport.indicators import records
from syncreport.indicators.calendar import (
    build_calendar,
    focus_on_pi,
    place_issues,
    sprint_sequence,
    sprint_teams,
    with_team,
)
from syncreport.indicators.capacity import with_capacity_health
from syncreport.indicators.changes import changes_since_last
from syncreport.indicators.data_quality import (
    Findings,
    issue_findings,
    link_findings,
    odd_issue_findings,
    sprint_findings,
    stale_search_findings,
)
from syncreport.indicators.dependencies import dependency_frame
from syncreport.indicators.features import feature_attention
from syncreport.indicators.frames import UNASSIGNED, Frames, build_frames, positions, rows, utc_timestamp
from syncreport.indicators.health import (
    attention,
    cycle_is_open,
    health_figures,
    sort_teams,
    team_health,
    train_health,
)
from syncreport.indicators.misalignment import cadence, orphans
from syncreport.indicators.objectives import objective_board
from syncreport.indicators.pictures import with_pictures
from syncreport.indicators.plan import BaselineInput, plan_indicators
from syncreport.indicators.predictability import predictability_of
from syncreport.indicators.previous import read_previous
from syncreport.indicators.results import (
    AgeingRow,
    CadenceRow,
    Calendar,
    Cycle,
    DependencyRow,
    HealthFigures,
    IndicatorResults,
    IssueRef,
    IssueRow,
    OrphanRow,
    PiSlip,
    SprintReliability,
    TeamHealth,
    TrainInfo,
)
from syncreport.indicators.risks import risk_attention, risk_board, with_risk_health
from syncreport.indicators.slippage import (
    CarryOver,
    ageing,
    carry_over,
    due_date_slip,
    pi_slips,
    sprint_memberships,
    sprint_reliability,
)
from syncreport.snapshot import ChangeField, Snapshot, issue_order


def compute_indicators(
    snapshot: Snapshot,
    *,
    thresholds: ThresholdSettings | None = None,
    iterations: IterationSettings | None = None,
    previous: dict[str, Any] | None = None,
    capacity: CapacitySettings | None = None,
    baseline: BaselineInput | None = None,
    history: Sequence[Mapping[str, Any]] = (),
) -> IndicatorResults:
    """Every indicator of docs/indicators.md over one snapshot; ``previous`` is the last run's JSON document,
    ``baseline`` the PI baseline (see :mod:`syncreport.indicators.baseline`), ``history`` the trend summaries
    of earlier runs (indicators/trends.py)."""
    with gc_paused():  # the rows built here make no reference cycles
        results = _compute(
            snapshot,
            thresholds or ThresholdSettings(),
            iterations or IterationSettings(),
            previous,
            capacity or CapacitySettings(),
            baseline or BaselineInput(),
        )
        results = with_pictures(results, history, previous)
    trim_heap()  # the frames' buffers are free now: back to the system before the export (syncreport/heap.py)
    return results


def _compute(
    snapshot: Snapshot,
    thresholds: ThresholdSettings,
    iterations: IterationSettings,
    previous: dict[str, Any] | None,
    capacity: CapacitySettings,
    baseline: BaselineInput,
) -> IndicatorResults:
    browse = f"{snapshot.site_url.rstrip('/')}/browse/"
    last_run = read_previous(previous)
    frames = build_frames(snapshot)
    events = _events_by_field(frames.changes)
    frames = dataclasses.replace(frames, changes=frames.changes.iloc[0:0])  # each row is in ``events`` now
    calendar, sprints, issues = _schedule(snapshot, frames, iterations)
    train_issues = issues[issues["in_train"].to_numpy(dtype=bool)]
    deps = _dependencies(snapshot, frames, issues, sprints, events, browse)
    slip = _slippage(train_issues, sprints, events, thresholds, snapshot)
    teams = _teams(snapshot, train_issues)
    rows_ = _records(
        snapshot,
        train_issues,
        issues,
        sprints,
        calendar,
        slip=slip,
        teams=teams,
        thresholds=thresholds,
        browse=browse,
    )
    health = _health(train_issues, sprints, deps, slip, rows_, teams, thresholds)

    findings = Findings()
    risks = risk_board(snapshot, deps.cross, thresholds, last_run, findings)
    objectives = objective_board(snapshot, deps.cross, rows_.issues, findings)
    plan = plan_indicators(
        snapshot,
        issues=issues,
        sprints=sprints,
        reliability=slip.reliability,
        calendar=calendar,
        teams=teams,
        dependencies=deps.cross,
        thresholds=thresholds,
        settings=capacity,
        baseline=baseline,
    )
    team_health_rows = sort_teams(with_capacity_health(with_risk_health(health.teams, risks), plan.capacity))
    verdict = train_health(team_health_rows, health.train, deps.open_cycles, len(rows_.unowned))
    _data_quality(
        findings,
        snapshot,
        frames,
        issues,
        sprints,
        calendar=calendar,
        deps=deps,
        slip=slip,
        status_events=events[ChangeField.STATUS],
    )

    counts = board_module.status_counts(deps.cross)
    carry_by_team = {t: f.carry_over_issues for t, f in health.by_team.items()}
    board_rows = teams + ([UNASSIGNED] if len(rows_.unowned) else [])
    colours = {snapshot.train: verdict.health, **{t.team: t.health for t in team_health_rows}}
    moved = {m.old_key: m.key for m in snapshot.moved}
    changes = changes_since_last(last_run, snapshot.train, deps.cross, rows_.issues, colours, moved)
    return IndicatorResults(
        train=TrainInfo(
            name=snapshot.train,
            pi=snapshot.current_pi,
            pis=snapshot.pis,
            generated_at=utc_timestamp(snapshot.taken_at).to_pydatetime(),
            jira_url=snapshot.site_url,
            deployment=snapshot.deployment,
            issue_count=len(train_issues),
            team_count=len(teams),
        ),
        calendar=calendar,
        train_health=verdict,
        teams=team_health_rows,
        attention=attention(
            deps.cycles,
            deps.cross,
            team_health_rows,
            rows_.ageing,
            thresholds.ageing_days_red,
            deps.done_of,
            risk_items=risk_attention(risks),
            feature_items=feature_attention(plan.features),
        ),
        status_counts=counts,
        dependencies=tuple(deps.cross),
        same_team_links=tuple(deps.same),
        clean_up=tuple(
            sorted(
                (d for d in deps.cross if d.status == "consumer_done"),
                key=lambda d: (issue_order(d.consumer.key), issue_order(d.provider.key)),
            )
        ),
        cycles=deps.cycles,
        cross_pi_dependencies=tuple(d for d in deps.cross if d.cross_pi),
        issues=tuple(rows_.issues),
        slipped_issues=rows_.slipped,
        sprint_reliability=tuple(rows_.reliability),
        ageing=rows_.ageing,
        cadence=tuple(rows_.cadence),
        off_cadence=tuple(c for c in rows_.cadence if c.off_cadence),
        orphans=rows_.orphans,
        unowned=rows_.unowned,
        predictability=predictability_of(objectives),
        data_quality=findings.sorted(),
        changes=changes,
        board=board_module.program_board(
            board_rows, calendar, issues, deps.cross, browse, features=plan.features, capacity=plan.capacity
        ),
        charts=board_module.charts(calendar, teams, counts, deps.cross, rows_.reliability, carry_by_team),
        thresholds={
            k: float(v)
            for k, v in thresholds.model_dump().items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        },
        risks=risks,
        objectives=objectives,
        features=plan.features,
        capacity=plan.capacity,
        baseline=plan.baseline,
    )


# --- stages ------------------------------------------------------------------------------------------------


def _schedule(
    snapshot: Snapshot, frames: Frames, iterations: IterationSettings
) -> tuple[Calendar, pd.DataFrame, pd.DataFrame]:
    """The calendar, the sprints placed in it, and every issue's latest sprint and iteration."""
    sprints = with_team(frames.sprints, sprint_teams(frames.sprints, frames.issues, snapshot))
    calendar, sprints = build_calendar(sprints, iterations, snapshot.taken_at)
    sprints["sequence"] = sprint_sequence(sprints)
    issues = place_issues(frames.issues, sprints)
    return focus_on_pi(calendar, sprints, issues, snapshot.current_pi, snapshot.taken_at)


def _events_by_field(changes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    by_field = dict(tuple(changes.groupby("field", sort=False)))
    empty = changes.iloc[0:0]
    return {f.value: by_field.get(f.value, empty) for f in ChangeField}


@dataclass(frozen=True)
class _Dependencies:
    frame: pd.DataFrame  # every link between two issues, one row each (dependencies.dependency_frame)
    dropped: pd.DataFrame  # links left out, for the data-quality findings
    cross: list[DependencyRow]
    same: list[DependencyRow]
    cycles: tuple[Cycle, ...]
    done_of: pd.Series  # done-ness of every link end: fetched issues, and those seen only through links
    open_cycles: int


def _dependencies(
    snapshot: Snapshot,
    frames: Frames,
    issues: pd.DataFrame,
    sprints: pd.DataFrame,
    events: dict[str, pd.DataFrame],
    browse: str,
) -> _Dependencies:
    pi_rank = {pi: i for i, pi in enumerate(snapshot.pis)}
    deps, dropped = dependency_frame(
        frames.links,
        issues,
        pi_rank,
        sprints,
        events[ChangeField.SPRINT],
        events[ChangeField.LINK],
        frames.linked,
    )
    cross, same, cycles = records.dependency_records(deps, issues, browse)
    # done-ness of every link end: fetched issues, and those the pull could not fetch as their links show them
    done_of = pd.concat([issues["done"], frames.linked["done"][~frames.linked.index.isin(issues.index)]])
    open_cycles = sum(1 for c in cycles if cycle_is_open(c.keys, done_of))
    return _Dependencies(deps, dropped, cross, same, cycles, done_of, open_cycles)


@dataclass(frozen=True)
class _Slippage:
    pairs: pd.DataFrame  # (issue, sprint) memberships
    carried: CarryOver
    reliability: pd.DataFrame
    due: pd.DataFrame
    pi_slips: dict[str, PiSlip]
    aged: pd.DataFrame
    team_moves: set[str]


def _slippage(
    train_issues: pd.DataFrame,
    sprints: pd.DataFrame,
    events: dict[str, pd.DataFrame],
    thresholds: ThresholdSettings,
    snapshot: Snapshot,
) -> _Slippage:
    pi_rank = {pi: i for i, pi in enumerate(snapshot.pis)}
    # each event's issue as a row number of the train's issues, looked up once per field
    codes = {
        field: positions(train_issues.index, events[field]["issue_key"])
        for field in (
            ChangeField.SPRINT,
            ChangeField.STATUS,
            ChangeField.POINTS,
            ChangeField.DUEDATE,
            ChangeField.PI,
        )
    }
    sprint_codes = codes[ChangeField.SPRINT]
    pairs = sprint_memberships(train_issues, events[ChangeField.SPRINT], sprint_codes=sprint_codes)
    carried = carry_over(
        train_issues,
        sprints,
        pairs,
        events[ChangeField.SPRINT],
        events[ChangeField.STATUS],
        sprint_codes=sprint_codes,
        status_codes=codes[ChangeField.STATUS],
    )
    reliability = sprint_reliability(
        train_issues,
        sprints,
        carried.closed_pairs,
        events[ChangeField.SPRINT],
        events[ChangeField.POINTS],
        sprint_codes=sprint_codes,
        point_codes=codes[ChangeField.POINTS],
    )
    return _Slippage(
        pairs=pairs,
        carried=carried,
        reliability=reliability,
        due=due_date_slip(train_issues, events[ChangeField.DUEDATE], due_codes=codes[ChangeField.DUEDATE]),
        pi_slips=pi_slips(train_issues, events[ChangeField.PI], pi_rank, pi_codes=codes[ChangeField.PI]),
        aged=ageing(
            train_issues,
            events[ChangeField.FLAGGED],
            events[ChangeField.STATUS],
            tuple(thresholds.blocked_statuses),
            snapshot.taken_at,
            status_codes=codes[ChangeField.STATUS],
        ),
        team_moves=set(events[ChangeField.TEAM]["issue_key"]),
    )


def _teams(snapshot: Snapshot, train_issues: pd.DataFrame) -> list[str]:
    """The train's teams: configured, owning train issues, or named by a board."""
    board_teams = {b.team for b in snapshot.boards if b.team}
    return sorted(set(snapshot.teams) | set(train_issues["team_raw"].dropna()) | board_teams)


@dataclass(frozen=True)
class _Records:
    issues: list[IssueRow]
    slipped: tuple[IssueRow, ...]
    reliability: list[SprintReliability]
    cadence: list[CadenceRow]
    orphans: tuple[OrphanRow, ...]
    unowned: tuple[IssueRef, ...]
    ageing: tuple[AgeingRow, ...]


def _records(
    snapshot: Snapshot,
    train_issues: pd.DataFrame,
    issues: pd.DataFrame,
    sprints: pd.DataFrame,
    calendar: Calendar,
    *,
    slip: _Slippage,
    teams: list[str],
    thresholds: ThresholdSettings,
    browse: str,
) -> _Records:
    issue_rows = records.issue_rows(
        train_issues, slip.carried.per_issue, slip.due, slip.pi_slips, slip.aged, slip.team_moves, browse
    )
    slipped = sorted(
        (r for r in issue_rows if r.carry_over or (r.due_date_slip_days or 0) > 0 or r.pi_slip),
        key=lambda r: (-r.carry_over, -(r.due_date_slip_days or 0), r.pi_slip is None, issue_order(r.key)),
    )
    cadence_frame = cadence(sprints, calendar, set(teams), thresholds.cadence_tolerance_days)
    return _Records(
        issues=issue_rows,
        slipped=tuple(slipped),
        reliability=records.reliability_rows(slip.reliability, sprints),
        cadence=[records.cadence_row(r) for r in rows(cadence_frame)],
        orphans=records.orphan_rows(orphans(issues, snapshot.current_pi, teams)),
        unowned=records.unowned_refs(train_issues, browse),
        ageing=records.ageing_rows(slip.aged, issues, browse),
    )


@dataclass(frozen=True)
class _Health:
    by_team: dict[str, HealthFigures]
    teams: tuple[TeamHealth, ...]  # before the risks have their say
    train: HealthFigures


def _health(
    train_issues: pd.DataFrame,
    sprints: pd.DataFrame,
    deps: _Dependencies,
    slip: _Slippage,
    rows_: _Records,
    teams: list[str],
    thresholds: ThresholdSettings,
) -> _Health:
    # the three columns the figures read (not the link frame's hundred): filtered per team, twice each
    cross_frame = deps.frame.loc[deps.frame["cross_team"], ["p_team", "c_team", "status"]]
    # the figures read the issues' done-ness and carry-over: those split by team, not every column
    carry = slip.carried.per_issue.reindex(train_issues.index)
    narrow = train_issues[["team", "done"]].assign(sprinted=carry["sprinted"], carry_over=carry["carry_over"])
    issues_by_team = dict(tuple(narrow.groupby("team", sort=False)))
    by_team = {
        team: health_figures(
            team_issues=issues_by_team.get(team, narrow.iloc[0:0]),
            deps=cross_frame,
            team=team,
            reliability=[r for r in rows_.reliability if r.team == team],
            orphan=next((o for o in rows_.orphans if o.team == team), None),
            off_cadence=sum(1 for c in rows_.cadence if c.team == team and c.off_cadence),
            ageing_rows=[a for a in rows_.ageing if a.team == team],
            ageing_amber=thresholds.ageing_days_amber,
        )
        for team in teams
    }
    sprint_teams_present = set(sprints["team"].dropna())
    team_rows = sort_teams([team_health(t, by_team[t], thresholds, t in sprint_teams_present) for t in teams])
    train = health_figures(
        team_issues=narrow,
        deps=cross_frame,
        team=None,
        reliability=rows_.reliability,
        orphan=records.total_orphans(rows_.orphans),
        off_cadence=sum(1 for c in rows_.cadence if c.off_cadence),
        ageing_rows=list(rows_.ageing),
        ageing_amber=thresholds.ageing_days_amber,
    )
    return _Health(by_team, team_rows, train)


def _data_quality(
    findings: Findings,
    snapshot: Snapshot,
    frames: Frames,
    issues: pd.DataFrame,
    sprints: pd.DataFrame,
    *,
    calendar: Calendar,
    deps: _Dependencies,
    slip: _Slippage,
    status_events: pd.DataFrame,
) -> None:
    issue_findings(findings, snapshot, issues, frames.naive_times, frames.duplicate_keys, status_events)
    used_sprints = set(slip.pairs["sprint_id"]) | set(issues["sprint_id"].dropna().astype(int))
    sprint_findings(findings, sprints, used_sprints, calendar.source)
    link_findings(findings, deps.frame, deps.dropped)
    odd_issue_findings(findings, snapshot)
    stale_search_findings(findings, snapshot)
