"""The ROAM risk board: every risk in its ROAM column, the ones to raise at the sync, and what changed.

Definitions (docs/indicators.md, "Risks"):
- A risk's column is its ROAM state (Resolved, Owned, Accepted, Mitigated), or "not ROAMed".
- **Open**: not resolved. **High**: its priority (or impact) is one of ``[thresholds] high_risk_priorities``.
- **Linked to a late dependency**: an issue linked to the risk is the provider or the consumer of a late
  cross-team dependency, or the feature such an issue belongs to.
- Findings: a high open risk not ROAMed ``risk_roam_days`` after its creation; an owned risk with no
  owner (assignee); an open risk linked to a late dependency; a ROAM value that names no state.
- Order: open before resolved; high first; not ROAMed first; linked to a late dependency first; oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from syncreport.config import ThresholdSettings
from syncreport.indicators.data_quality import Findings
from syncreport.indicators.frames import UNASSIGNED
from syncreport.indicators.previous import PreviousRun
from syncreport.indicators.results import (
    ROAM_COLUMNS,
    ROAM_LABELS,
    AttentionItem,
    DependencyRow,
    RiskChange,
    RiskRow,
    Risks,
    RoamColumn,
    RoamCount,
    TeamHealth,
)
from syncreport.kinds import Health
from syncreport.snapshot import Snapshot, issue_order


def _days(seconds: float) -> int:
    return max(0, int(seconds // 86400))


def risk_board(
    snapshot: Snapshot,
    dependencies: Sequence[DependencyRow],
    thresholds: ThresholdSettings,
    previous: PreviousRun | None,
    findings: Findings,
) -> Risks:
    browse = f"{snapshot.site_url.rstrip('/')}/browse/"
    now = snapshot.taken_at
    high_names = {p.casefold() for p in thresholds.high_risk_priorities}
    parent_of = {i.key: i.parent_key for i in snapshot.issues if i.parent_key}
    late: dict[str, list[str]] = {}
    for dep in dependencies:
        if dep.status != "late":
            continue
        label = f"{dep.provider.key} -> {dep.consumer.key}"
        for key in (dep.provider.key, dep.consumer.key):
            for end in (key, parent_of.get(key)):
                if end:
                    late.setdefault(end, []).append(label)
    rows: list[RiskRow] = []
    overdue, ownerless, threatened, unknown = [], [], [], []
    for risk in snapshot.risks:
        column: RoamColumn = risk.roam if risk.roam in ROAM_COLUMNS else "not_roamed"
        is_open = column != "resolved"
        high = (risk.priority or "").casefold() in high_names
        age = _days((now - risk.created).total_seconds())
        late_deps = tuple(sorted({d for k in risk.linked_keys for d in late.get(k, ())}))
        flags: list[str] = []
        if is_open and high and column == "not_roamed" and age >= thresholds.risk_roam_days:
            flags.append(f"high risk not ROAMed {age} days after creation")
            overdue.append(risk.key)
        if column == "owned" and not risk.owner:
            flags.append("owned, but nobody is assigned")
            ownerless.append(risk.key)
        if is_open and late_deps:
            flags.append("linked to the late dependency " + ", ".join(late_deps))
            threatened.append(risk.key)
        if risk.roam_unknown:
            flags.append(f"ROAM value {risk.roam_unknown!r} names no ROAM state")
            unknown.append(risk.key)
        rows.append(
            RiskRow(
                key=risk.key,
                summary=risk.summary,
                url=browse + risk.key,
                team=risk.team or UNASSIGNED,
                owner=risk.owner,
                roam=column,
                roam_label=ROAM_LABELS[column],
                roam_since=risk.roam_since if column != "not_roamed" else None,
                days_in_state=_days((now - risk.roam_since).total_seconds())
                if risk.roam_since and column != "not_roamed"
                else None,
                age_days=age,
                priority=risk.priority,
                high=high,
                open=is_open,
                linked=risk.linked_keys,
                late_dependencies=late_deps,
                flags=tuple(flags),
            )
        )
    rows.sort(
        key=lambda r: (
            not r.open,
            not r.high,
            r.roam != "not_roamed",
            not r.late_dependencies,
            -r.age_days,
            issue_order(r.key),
        )
    )
    days = thresholds.risk_roam_days
    findings.add(
        "risk_not_roamed",
        "warning",
        "High risks not ROAMed in time",
        f"Open high-priority risks still not Resolved, Owned, Accepted or Mitigated {days} days or more after "
        "they were raised ([thresholds] risk_roam_days): ROAM them at the sync.",
        overdue,
    )
    findings.add(
        "risk_without_owner",
        "warning",
        "Owned risks with nobody assigned",
        "A risk in the Owned state needs an owner: assign the person who owns it in Jira.",
        ownerless,
    )
    findings.add(
        "risk_late_dependency",
        "warning",
        "Open risks linked to a late dependency",
        "The risk threatens work that is already late on the program board: review it with both teams.",
        threatened,
    )
    findings.add(
        "risk_roam_unknown",
        "warning",
        "Risks with a ROAM value syncreport cannot place",
        "The ROAM field or label names no state; fix the value in Jira or add it to the [risks] lists "
        "(resolved, owned, accepted, mitigated). These risks are shown as not ROAMed.",
        unknown,
    )
    counts = tuple(
        RoamCount(
            state,
            ROAM_LABELS[state],
            sum(1 for r in rows if r.roam == state),
            sum(1 for r in rows if r.roam == state and r.high),
        )
        for state in ROAM_COLUMNS
    )
    available, reason, changes = _changes(previous, snapshot.train, rows)
    return Risks(
        available=bool(rows) or not snapshot.risk_notes,
        notes=snapshot.risk_notes,
        rows=tuple(rows),
        counts=counts,
        open_high=sum(1 for r in rows if r.open and r.high),
        changes_available=available,
        changes_reason=reason,
        changes=changes,
        roam_days=days,
    )


def _changes(
    previous: PreviousRun | None, train: str, rows: Sequence[RiskRow]
) -> tuple[bool, str | None, tuple[RiskChange, ...]]:
    if previous is None:
        return False, "no previous run to compare with", ()
    if previous.train != train:
        return False, "the previous run was for another train", ()
    before = previous.risks
    if before is None:
        return False, "the previous run did not record risks (an older syncreport, or risks not set up)", ()
    out: list[RiskChange] = []
    now_keys = set()
    for row in rows:
        now_keys.add(row.key)
        if row.key not in before:
            out.append(RiskChange(row.key, row.team, row.summary, None, row.roam))
        elif before[row.key] != row.roam:
            prev = before[row.key]
            out.append(
                RiskChange(row.key, row.team, row.summary, prev if prev in ROAM_COLUMNS else None, row.roam)
            )
    for key in sorted(set(before) - now_keys, key=issue_order):
        prev = before[key]
        out.append(RiskChange(key, "", "", prev if prev in ROAM_COLUMNS else None, None))
    return True, None, tuple(out)


def with_risk_health(teams: Iterable[TeamHealth], risks: Risks) -> list[TeamHealth]:
    """A team with a high risk not ROAMed in time is at least amber (the reason names the risks)."""
    overdue: dict[str, list[str]] = {}
    for row in risks.rows:
        if row.open and row.high and row.roam == "not_roamed" and row.age_days >= risks.roam_days:
            overdue.setdefault(row.team, []).append(row.key)
    out = []
    for team in teams:
        keys = overdue.get(team.team)
        if keys:
            reason = (
                f"{len(keys)} high risk{'s' if len(keys) > 1 else ''} not ROAMed within "
                f"{risks.roam_days} days ({', '.join(keys)})"
            )
            health = max(team.health, Health.AMBER)
            team = replace(team, health=health, reasons=(*team.reasons, reason))
        out.append(team)
    return out


def risk_attention(risks: Risks) -> list[AttentionItem]:
    """Open high risks for the sync's attention list: an error when not ROAMed in time, a warning when not
    ROAMed yet or linked to a late dependency, else information."""
    items = []
    for row in risks.rows:
        if not (row.open and row.high):
            continue
        overdue = row.roam == "not_roamed" and row.age_days >= risks.roam_days
        urgent = row.roam == "not_roamed" or bool(row.late_dependencies)
        detail = "; ".join(row.flags) if row.flags else f"{row.roam_label}, owner {row.owner or 'nobody'}"
        items.append(
            AttentionItem(
                0,
                "error" if overdue else "warning" if urgent else "info",
                "high_risk",
                f"High risk {row.key} ({row.team}): {row.roam_label}",
                f"{row.summary} - {detail}",
                (row.key, *row.linked),
                (row.team,),
            )
        )
    return items
