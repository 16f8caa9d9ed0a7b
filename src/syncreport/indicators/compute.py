"""compute_indicators: the snapshot in, every figure of the report out (see docs/indicators.md)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from syncreport.config import IterationSettings, ThresholdSettings
from syncreport.indicators import board as board_module
from syncreport.indicators.calendar import (
    build_calendar,
    focus_on_pi,
    place_issues,
    sprint_sequence,
    sprint_teams,
    with_team,
)
from syncreport.indicators.changes import changes_since_last
from syncreport.indicators.data_quality import (
    Findings,
    issue_findings,
    link_findings,
    odd_issue_findings,
    sprint_findings,
)
from syncreport.indicators.dependencies import NOT_VISIBLE, dependency_cycles, dependency_frame
from syncreport.indicators.frames import (
    UNASSIGNED,
    Frames,
    build_frames,
    issue_order,
    plain,
    plain_columns,
    rows,
    sort_by_issue_key,
    utc_timestamp,
)
from syncreport.indicators.health import sort_teams, team_health, train_health
from syncreport.indicators.misalignment import cadence, orphans
from syncreport.indicators.objectives import objective_board
from syncreport.indicators.predictability import predictability_of
from syncreport.indicators.results import (
    AgeingRow,
    AttentionItem,
    CadenceRow,
    Calendar,
    Cycle,
    DependencyEnd,
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
    ageing,
    carry_over,
    due_date_slip,
    pi_slips,
    sprint_memberships,
    sprint_reliability,
)
from syncreport.snapshot import ChangeField, Snapshot
from syncreport.untrusted import isolate


def _opt(value: Any) -> Any:
    """pandas missing values (NaN, NA, NaT, None) -> None; numpy scalars -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _opt_int(value: Any) -> int | None:
    value = _opt(value)
    return None if value is None else int(value)


def _opt_str(value: Any) -> str | None:
    value = _opt(value)
    return None if value is None else str(value)


def compute_indicators(
    snapshot: Snapshot,
    *,
    thresholds: ThresholdSettings | None = None,
    iterations: IterationSettings | None = None,
    previous: dict[str, Any] | None = None,
) -> IndicatorResults:
    """Every indicator of INDICATORS.md over one snapshot; ``previous`` is the last run's JSON document."""
    with _gc_paused():
        return _compute(
            snapshot, thresholds or ThresholdSettings(), iterations or IterationSettings(), previous
        )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause automatic garbage collection while computing.

    A big snapshot holds hundreds of thousands of objects; every full collection triggered by the rows built
    here would scan them all again (about a second in the benchmark) and find nothing: no cycles are made.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compute(
    snapshot: Snapshot,
    thresholds: ThresholdSettings,
    iterations: IterationSettings,
    previous: dict[str, Any] | None,
) -> IndicatorResults:
    browse = f"{snapshot.site_url.rstrip('/')}/browse/"
    frames = build_frames(snapshot)
    calendar, sprints, issues = _schedule(snapshot, frames, iterations)
    events = _events_by_field(frames.changes)
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
    train_issues = issues[issues["in_train"]]
    pairs = sprint_memberships(train_issues, events[ChangeField.SPRINT])
    carried = carry_over(train_issues, sprints, pairs, events[ChangeField.SPRINT], events[ChangeField.STATUS])
    reliability = sprint_reliability(
        train_issues,
        sprints,
        pairs,
        carried.closed_pairs,
        events[ChangeField.SPRINT],
        events[ChangeField.POINTS],
    )
    due = due_date_slip(train_issues, events[ChangeField.DUEDATE])
    slips = pi_slips(train_issues, events[ChangeField.PI], pi_rank)
    aged = ageing(
        train_issues,
        events[ChangeField.FLAGGED],
        events[ChangeField.STATUS],
        tuple(thresholds.blocked_statuses),
        snapshot.taken_at,
    )
    team_moves = set(events[ChangeField.TEAM]["issue_key"])

    board_teams = {b.team for b in snapshot.boards if b.team}
    teams = sorted(set(snapshot.teams) | set(train_issues["team_raw"].dropna()) | board_teams)
    train_team_set = set(teams)

    cross, same, cycles = _dependency_results(deps, issues, browse)
    # done-ness of every link end: fetched issues, and those the pull could not fetch as their links show them
    done_of = pd.concat([issues["done"], frames.linked["done"][~frames.linked.index.isin(issues.index)]])
    open_cycles = sum(1 for c in cycles if cycle_is_open(c.keys, done_of))

    issue_rows = _issue_rows(train_issues, carried.per_issue, due, slips, aged, team_moves, browse)
    slipped = sorted(
        (r for r in issue_rows if r.carry_over or (r.due_date_slip_days or 0) > 0 or r.pi_slip),
        key=lambda r: (-r.carry_over, -(r.due_date_slip_days or 0), r.pi_slip is None, issue_order(r.key)),
    )
    reliability_rows = _reliability_rows(reliability, sprints)
    cadence_frame = cadence(sprints, calendar, train_team_set, thresholds.cadence_tolerance_days)
    cadence_rows = [_cadence_row(r) for r in rows(cadence_frame)]
    orphan_frame = orphans(issues, snapshot.current_pi, teams)
    orphan_rows = tuple(
        OrphanRow(str(r.team), int(r.pi_issues), int(r.orphans), _opt(r.share), tuple(r.keys))
        for r in rows(orphan_frame)
    )
    unowned = tuple(
        _issue_ref(r, browse) for r in rows(sort_by_issue_key(train_issues[train_issues["team_raw"].isna()]))
    )
    ageing_rows = _ageing_rows(aged, issues, browse)

    issues_by_team = dict(tuple(train_issues.groupby("team", sort=False)))
    figures_by_team = {
        team: _figures(
            team_issues=issues_by_team.get(team, train_issues.iloc[0:0]),
            deps=deps[deps["cross_team"]],
            team=team,
            per_issue=carried.per_issue,
            reliability=[r for r in reliability_rows if r.team == team],
            orphan=next((o for o in orphan_rows if o.team == team), None),
            off_cadence=sum(1 for c in cadence_rows if c.team == team and c.off_cadence),
            ageing_rows=[a for a in ageing_rows if a.team == team],
            ageing_amber=thresholds.ageing_days_amber,
        )
        for team in teams
    }
    sprint_teams_present = set(sprints["team"].dropna())
    team_health_rows = sort_teams(
        [team_health(t, figures_by_team[t], thresholds, t in sprint_teams_present) for t in teams]
    )
    train_figures = _figures(
        team_issues=train_issues,
        deps=deps[deps["cross_team"]],
        team=None,
        per_issue=carried.per_issue,
        reliability=reliability_rows,
        orphan=_total_orphans(orphan_rows),
        off_cadence=sum(1 for c in cadence_rows if c.off_cadence),
        ageing_rows=list(ageing_rows),
        ageing_amber=thresholds.ageing_days_amber,
    )
    findings = Findings()
    risks = risk_board(snapshot, cross, thresholds, previous, findings)
    objectives = objective_board(snapshot, cross, issue_rows, findings)
    team_health_rows = sort_teams(with_risk_health(team_health_rows, risks))
    health = train_health(team_health_rows, train_figures, open_cycles, len(unowned))

    issue_findings(findings, snapshot, issues, frames.naive_times, frames.duplicate_keys)
    used_sprints = set(pairs["sprint_id"]) | set(issues["sprint_id"].dropna().astype(int))
    sprint_findings(findings, sprints, used_sprints, calendar.source)
    link_findings(findings, deps, dropped)
    odd_issue_findings(findings, snapshot)

    counts = board_module.status_counts(cross)
    carry_by_team = {t: f.carry_over_issues for t, f in figures_by_team.items()}
    board_rows = teams + ([UNASSIGNED] if len(unowned) else [])
    colours = {snapshot.train: health.health, **{t.team: t.health for t in team_health_rows}}
    changes = changes_since_last(previous, snapshot.train, cross, issue_rows, colours)
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
        train_health=health,
        teams=team_health_rows,
        attention=_attention(
            cycles,
            cross,
            team_health_rows,
            ageing_rows,
            thresholds.ageing_days_red,
            done_of,
            risk_attention(risks),
        ),
        status_counts=counts,
        dependencies=tuple(cross),
        same_team_links=tuple(same),
        clean_up=tuple(
            sorted(
                (d for d in cross if d.status == "consumer_done"),
                key=lambda d: (issue_order(d.consumer.key), issue_order(d.provider.key)),
            )
        ),
        cycles=cycles,
        cross_pi_dependencies=tuple(d for d in cross if d.cross_pi),
        issues=tuple(issue_rows),
        slipped_issues=tuple(slipped),
        sprint_reliability=tuple(reliability_rows),
        ageing=ageing_rows,
        cadence=tuple(cadence_rows),
        off_cadence=tuple(c for c in cadence_rows if c.off_cadence),
        orphans=orphan_rows,
        unowned=unowned,
        predictability=predictability_of(objectives),
        data_quality=findings.sorted(),
        changes=changes,
        board=board_module.program_board(board_rows, calendar, issues, cross, browse),
        charts=board_module.charts(calendar, teams, counts, cross, reliability_rows, carry_by_team),
        thresholds={
            k: float(v)
            for k, v in thresholds.model_dump().items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        },
        risks=risks,
        objectives=objectives,
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


def _dependency_results(
    deps: pd.DataFrame, issues: pd.DataFrame, browse: str
) -> tuple[list[DependencyRow], list[DependencyRow], tuple[Cycle, ...]]:
    """(cross-team dependencies, same-team links, cycles), each row flagged when it lies on a cycle."""
    cycle_keys = dependency_cycles(deps)
    in_cycle = {k for cycle in cycle_keys for k in cycle}
    rows_ = [_replace_cycle_flag(d, in_cycle) for d in _dependency_rows(deps, browse)]
    cross = [d for d, c in zip(rows_, deps["cross_team"], strict=True) if c]
    same = [d for d, c in zip(rows_, deps["cross_team"], strict=True) if not c]
    team_of = issues["team"]
    cycles = tuple(
        Cycle(keys=c, teams=tuple(str(team_of.get(k, NOT_VISIBLE)) for k in c)) for c in cycle_keys
    )
    return cross, same, cycles


def cycle_is_open(keys: Sequence[str], done_of: pd.Series) -> bool:
    """A cycle is open while at least two of its issues are not done (INDICATORS.md section 1): with one
    left, that one can finish first. An issue of unknown done-ness counts as not done."""
    return sum(1 for k in keys if not bool(done_of.get(k, False))) >= 2


def _ageing_rows(aged: pd.DataFrame, issues: pd.DataFrame, browse: str) -> tuple[AgeingRow, ...]:
    aged_issues = issues.loc[aged.index]
    summaries = dict(zip(aged_issues.index, aged_issues["summary"].tolist(), strict=True))
    team_names = dict(zip(aged_issues.index, aged_issues["team"].tolist(), strict=True))
    return tuple(
        AgeingRow(
            key=str(key),
            summary=str(summaries[key]),
            url=browse + str(key),
            team=str(team_names[key]),
            reason=reason,
            since=since,
            days=int(days),
        )
        for key, reason, since, days in zip(
            aged.index.tolist(),
            aged["reason"].tolist(),
            plain(aged["since"]),
            aged["days"].tolist(),
            strict=True,
        )
    )


# --- row builders ----------------------------------------------------------------------------------------


_END_FIELDS = (
    "summary",
    "team",
    "issue_type",
    "status",
    "done",
    "flagged",
    "in_train",
    "visible",
    "sprint",
    "sprint_id",
    "iteration_index",
    "iteration_name",
    "pi",
)


def _ends(deps: pd.DataFrame, prefix: str, keys: list[Any], browse: str) -> list[DependencyEnd]:
    cols = plain_columns(deps, [f"{prefix}_{name}" for name in _END_FIELDS])
    values = [cols[f"{prefix}_{name}"] for name in _END_FIELDS]
    return [
        DependencyEnd(
            key=str(key),
            summary=summary or "",
            url=browse + str(key),
            team=str(team),
            issue_type=issue_type or "",
            status=status or "",
            done=bool(done),
            flagged=bool(flagged),
            in_train=bool(in_train),
            visible=bool(visible),
            sprint=sprint,
            sprint_id=None if sprint_id is None else int(sprint_id),
            iteration_index=None if iteration_index is None else int(iteration_index),
            iteration_name=iteration_name,
            pi=pi,
        )
        for key, (
            summary,
            team,
            issue_type,
            status,
            done,
            flagged,
            in_train,
            visible,
            sprint,
            sprint_id,
            iteration_index,
            iteration_name,
            pi,
        ) in zip(keys, zip(*values, strict=True), strict=True)
    ]


def _dependency_rows(deps: pd.DataFrame, browse: str) -> list[DependencyRow]:
    if deps.empty:
        return []
    cols = plain_columns(
        deps,
        [
            "link_id",
            "link_type",
            "consumer",
            "provider",
            "status",
            "status_label",
            "severity_rank",
            "reason",
            "cross_pi",
            "iterations_late",
            "provider_slipped",
            "provider_slip_from",
        ],
    )
    consumers = _ends(deps, "c", cols["consumer"], browse)
    providers = _ends(deps, "p", cols["provider"], browse)
    return [
        DependencyRow(
            link_id=str(link_id),
            link_type=str(link_type),
            consumer=consumer,
            provider=provider,
            status=status,
            status_label=label,
            severity_rank=int(rank),
            reason=reason,
            cross_pi=bool(cross_pi),
            iterations_late=None if late is None else int(late),
            provider_slipped=bool(slipped),
            provider_slip_from=slip_from,
            in_cycle=False,
        )
        for link_id, link_type, consumer, provider, status, label, rank, reason, cross_pi, late, slipped, slip_from in zip(
            cols["link_id"],
            cols["link_type"],
            consumers,
            providers,
            cols["status"],
            cols["status_label"],
            cols["severity_rank"],
            cols["reason"],
            cols["cross_pi"],
            cols["iterations_late"],
            cols["provider_slipped"],
            cols["provider_slip_from"],
            strict=True,
        )
    ]


def _replace_cycle_flag(dep: DependencyRow, in_cycle: set[str]) -> DependencyRow:
    if dep.consumer.key in in_cycle and dep.provider.key in in_cycle:
        return replace(dep, in_cycle=True)
    return dep


def _issue_rows(
    train: pd.DataFrame,
    per_issue: pd.DataFrame,
    due: pd.DataFrame,
    slips: dict[str, PiSlip],
    aged: pd.DataFrame,
    team_moves: set[str],
    browse: str,
) -> list[IssueRow]:
    ordered = sort_by_issue_key(train)
    cols = plain_columns(
        ordered,
        [
            "key",
            "summary",
            "team",
            "issue_type",
            "status",
            "done",
            "sprint",
            "iteration_index",
            "iteration_name",
            "pi",
        ],
    )
    carry = per_issue["carry_over"].reindex(ordered.index).fillna(0).astype(int).tolist()
    passed = per_issue["sprints_passed"].reindex(ordered.index).tolist()
    due_dates = _dates(ordered["due_date"])
    first_due = _dates(due["first_due_date"].reindex(ordered.index))
    slip_days = plain(due["due_date_slip_days"].reindex(ordered.index))
    age_days = aged["days"].reindex(ordered.index).fillna(0).astype(int).tolist()
    return [
        IssueRow(
            key=key,
            summary=summary,
            url=browse + key,
            team=team,
            issue_type=issue_type,
            status=status,
            done=bool(done),
            sprint=sprint,
            iteration_index=None if index is None else int(index),
            iteration_name=iteration_name,
            pi=pi,
            carry_over=carried,
            sprints_passed=sprints if isinstance(sprints, tuple) else (),
            due_date=due_date,
            first_due_date=first,
            due_date_slip_days=None if slip is None else int(slip),
            pi_slip=slips.get(key),
            ageing_days=age,
            team_changed=key in team_moves,
        )
        for (
            key,
            summary,
            team,
            issue_type,
            status,
            done,
            sprint,
            index,
            iteration_name,
            pi,
            carried,
            sprints,
            due_date,
            first,
            slip,
            age,
        ) in zip(
            *(cols[name] for name in cols),
            carry,
            passed,
            due_dates,
            first_due,
            slip_days,
            age_days,
            strict=True,
        )
    ]


def _dates(times: pd.Series) -> list[date | None]:
    """Midnight-UTC timestamps -> dates (None when missing)."""
    return [None if t is None else t.date() for t in plain(times)]


def _reliability_rows(table: pd.DataFrame, sprints: pd.DataFrame) -> list[SprintReliability]:
    """The closed sprints of the report's PI (its calendar); all closed sprints when none falls in it.

    Sprints of earlier PIs are only partly visible (the train's JQL selects this PI's work), so their
    ratios would mislead.
    """
    if table.empty:
        return []
    joined = table.join(
        sprints[["name", "team_label", "iteration_index", "iteration_name", "start", "end"]], on="sprint_id"
    )
    in_calendar = joined["iteration_index"].notna()
    if in_calendar.any():
        joined = joined[in_calendar]
    joined = joined.sort_values(["team_label", "start", "sprint_id"], kind="stable")
    out_rows: list[SprintReliability] = []
    for r in rows(joined):
        committed = float(r.committed)
        out_rows.append(
            SprintReliability(
                team=str(r.team_label),
                sprint_id=int(r.sprint_id),
                sprint=str(r.name),
                iteration_index=_opt_int(r.iteration_index),
                iteration_name=_opt_str(r.iteration_name),
                start=_opt(r.start).to_pydatetime() if _opt(r.start) is not None else None,
                end=_opt(r.end).to_pydatetime() if _opt(r.end) is not None else None,
                unit=r.unit,
                committed=committed,
                completed=float(r.completed),
                added=float(r.added),
                added_completed=float(r.added_completed),
                removed=float(r.removed),
                reliability=float(r.completed) / committed if committed > 0 else None,
            )
        )
    return out_rows


def _cadence_row(r: Any) -> CadenceRow:
    return CadenceRow(
        team=str(r.team),
        sprint_id=int(r.id),
        sprint=str(r.name),
        iteration_index=int(r.iteration_index),
        iteration_name=str(r.iteration_name),
        sprint_start=r.start.to_pydatetime(),
        sprint_end=r.end.to_pydatetime(),
        iteration_start=r.iteration_start.to_pydatetime(),
        iteration_end=r.iteration_end.to_pydatetime(),
        start_offset_days=float(r.start_offset_days),
        end_offset_days=float(r.end_offset_days),
        off_cadence=bool(r.off_cadence),
    )


def _issue_ref(r: Any, browse: str) -> IssueRef:
    return IssueRef(
        key=r.key,
        summary=r.summary,
        url=browse + r.key,
        team=r.team,
        issue_type=r.issue_type,
        status=r.status,
        pi=_opt_str(r.pi),
        sprint=_opt_str(r.sprint),
    )


def _total_orphans(rows: Sequence[OrphanRow]) -> OrphanRow:
    work = sum(r.pi_issues for r in rows)
    orphan = sum(r.orphans for r in rows)
    return OrphanRow("train", work, orphan, orphan / work if work else None, ())


def _figures(
    *,
    team_issues: pd.DataFrame,
    deps: pd.DataFrame,
    team: str | None,
    per_issue: pd.DataFrame,
    reliability: Sequence[SprintReliability],
    orphan: OrphanRow | None,
    off_cadence: int,
    ageing_rows: Sequence[AgeingRow],
    ageing_amber: int,
) -> HealthFigures:
    provided = deps if team is None else deps[deps["p_team"] == team]
    consumed = deps if team is None else deps[deps["c_team"] == team]
    carry = per_issue.reindex(team_issues.index)
    sprinted = int(carry["sprinted"].fillna(False).astype(bool).sum())
    carried = int((carry["carry_over"].fillna(0) > 0).sum())
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


def _attention(
    cycles: Sequence[Cycle],
    cross: Sequence[DependencyRow],
    teams: Sequence[TeamHealth],
    ageing_rows: Sequence[AgeingRow],
    ageing_red: int,
    done_of: pd.Series,
    risk_items: Sequence[AttentionItem] = (),
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
    for team in teams:
        if team.health == "red":
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
    chosen = [item for item in ranked if item.kind == "red_team"][:1]
    per_kind: dict[str, int] = {"red_team": len(chosen)}
    for item in ranked:
        if item in chosen:
            continue
        if len(chosen) < _ATTENTION and per_kind.get(item.kind, 0) < _ATTENTION_PER_KIND:
            chosen.append(item)
            per_kind[item.kind] = per_kind.get(item.kind, 0) + 1
    chosen += [item for item in ranked if item not in chosen][: _ATTENTION - len(chosen)]
    chosen.sort(key=ranked.index)
    return tuple(replace(item, rank=i + 1) for i, item in enumerate(chosen))


_ATTENTION = 5
_ATTENTION_PER_KIND = 3
