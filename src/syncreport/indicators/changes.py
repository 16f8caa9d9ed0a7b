"""What changed since the previous run, from that run's JSON export document.

Dependencies are matched on (consumer, provider). "Turned late" includes a dependency that is new and
late; "recovered" is one that was late and is not any more (done included). An issue "newly slipped" when
its carry-over count or due-date slip grew, or it moved to a later PI, since the previous run (or it is new
to the report with slippage). "Resolved" is done now and not done then. A previous document of another
train or schema version, or one that cannot be read, is ignored with the reason shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from syncreport.indicators.previous import PreviousIssue, PreviousRun
from syncreport.indicators.results import (
    ChangesSinceLast,
    DependencyChange,
    DependencyRow,
    HealthChange,
    IssueChange,
    IssueRow,
)
from syncreport.kinds import Health
from syncreport.snapshot import issue_order
from syncreport.untrusted import isolate

JSON_SCHEMA_VERSION = 2  # 2: risks and PI objectives added; a version 1 document is still compared with
READABLE_JSON_VERSIONS = (1, 2)


def _unavailable(reason: str) -> ChangesSinceLast:
    return ChangesSinceLast(
        available=False,
        reason=reason,
        previous_generated_at=None,
        previous_train_health=None,
        turned_late=(),
        recovered=(),
        new_dependencies=(),
        removed_dependencies=(),
        newly_slipped=(),
        resolved=(),
    )


def changes_since_last(
    previous: PreviousRun | None,
    train: str,
    dependencies: Sequence[DependencyRow],
    issues: Sequence[IssueRow],
    health: Mapping[str, Health] | None = None,
    moved: Mapping[str, str] | None = None,
) -> ChangesSinceLast:
    """``health``: the current colour of the train (under its name) and of each team; ``moved``: old key ->
    key now of issues moved to another project since (the previous run named them by the old key)."""
    if previous is None:
        return _unavailable(
            "no previous run to compare with (this is the first report, or its JSON was not kept)"
        )
    if previous.schema_version not in READABLE_JSON_VERSIONS:
        return _unavailable(
            f"the previous run's JSON has schema version {previous.schema_version!r}, not {JSON_SCHEMA_VERSION}"
        )
    if previous.train != train:
        return _unavailable(
            f"the previous run was for train '{isolate(previous.train)}', not '{isolate(train)}'"
        )
    if moved:
        previous = _renamed(previous, moved)
    turned_late, recovered, new, removed = [], [], [], []
    now_pairs: set[tuple[str, str]] = set()
    for dep in dependencies:
        pair = (dep.consumer.key, dep.provider.key)
        now_pairs.add(pair)
        before = previous.dependencies.get(pair)
        before_status = before.status if before else None
        change = DependencyChange(
            consumer=dep.consumer.key,
            provider=dep.provider.key,
            consumer_team=dep.consumer.team,
            provider_team=dep.provider.team,
            previous_status=before_status,
            status=dep.status,
        )
        if before is None:
            new.append(change)
        if dep.status == "late" and before_status != "late":
            turned_late.append(change)
        elif before_status == "late" and dep.status != "late":
            recovered.append(change)
    for pair, gone in previous.dependencies.items():
        if pair not in now_pairs:
            removed.append(
                DependencyChange(
                    consumer=gone.consumer,
                    provider=gone.provider,
                    consumer_team=gone.consumer_team,
                    provider_team=gone.provider_team,
                    previous_status=gone.status,
                    status=None,
                )
            )
    slipped, resolved = [], []
    for issue in issues:
        was = previous.issues.get(issue.key)
        detail = _slip_detail(issue, was)
        if detail:
            slipped.append(IssueChange(issue.key, issue.team, issue.summary, detail))
        if issue.done and was is not None and was.done is False:
            resolved.append(IssueChange(issue.key, issue.team, issue.summary, "done"))
    return ChangesSinceLast(
        available=True,
        reason=None,
        previous_generated_at=previous.generated_at,
        previous_train_health=previous.health,
        health_changes=_health_changes(previous, train, health or {}),
        turned_late=tuple(turned_late),
        recovered=tuple(recovered),
        new_dependencies=tuple(new),
        removed_dependencies=tuple(
            sorted(removed, key=lambda c: (issue_order(c.consumer), issue_order(c.provider)))
        ),
        newly_slipped=tuple(slipped),
        resolved=tuple(resolved),
    )


def _renamed(previous: PreviousRun, moved: Mapping[str, str]) -> PreviousRun:
    """The previous run with each moved issue under the key it has now (an issue is its id, not its key)."""

    def key(old: str) -> str:
        return moved.get(old, old)

    dependencies = {
        (key(c), key(p)): replace(d, consumer=key(d.consumer), provider=key(d.provider))
        for (c, p), d in previous.dependencies.items()
    }
    issues = {key(k): replace(i, key=key(i.key)) for k, i in previous.issues.items()}
    return replace(previous, dependencies=dependencies, issues=issues)


def _health_changes(previous: PreviousRun, train: str, now: Mapping[str, Health]) -> tuple[HealthChange, ...]:
    before: dict[str, Health] = {train: previous.health} if previous.health is not None else {}
    for team, colour in previous.team_health.items():
        before.setdefault(team, colour)
    changes = [
        HealthChange(scope, before[scope], colour, colour > before[scope])
        for scope, colour in now.items()
        if scope in before and before[scope] != colour
    ]
    return tuple(sorted(changes, key=lambda c: (c.scope != train, not c.worse, c.scope)))


def _slip_detail(issue: IssueRow, before: PreviousIssue | None) -> str:
    parts = []
    carry_before = before.carry_over if before else 0
    if issue.carry_over > carry_before:
        if before is None:
            parts.append(f"carried over {issue.carry_over}x")
        else:
            again = " again" if carry_before else ""
            parts.append(f"carried over{again} ({carry_before} -> {issue.carry_over})")
    due_before = before.due_date_slip_days if before else 0.0
    if issue.due_date_slip_days is not None and issue.due_date_slip_days > max(due_before, 0):
        parts.append(f"due date slipped {issue.due_date_slip_days} days in all (was {int(due_before)})")
    if issue.pi_slip is not None:
        pi_before = before.pi_slip_to if before else None
        if pi_before != issue.pi_slip.to_pi:
            parts.append(f"moved from {isolate(issue.pi_slip.from_pi)} to {isolate(issue.pi_slip.to_pi)}")
    if parts and before is None:
        parts.append("new in the report")
    return "; ".join(parts)
