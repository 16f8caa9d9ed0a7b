"""What changed since the previous run, from that run's JSON export document.

Dependencies are matched on (consumer, provider). "Turned late" includes a dependency that is new and
late; "recovered" is one that was late and is not any more (done included). An issue "newly slipped" when
its carry-over count or due-date slip grew, or it moved to a later PI, since the previous run (or it is new
to the report with slippage). "Resolved" is done now and not done then. A previous document of another
train or schema version, or one that cannot be read, is ignored with the reason shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from syncreport.indicators.frames import issue_order
from syncreport.indicators.results import (
    ChangesSinceLast,
    DependencyChange,
    DependencyRow,
    Health,
    HealthChange,
    IssueChange,
    IssueRow,
)
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


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _rows(value: object) -> list[dict[str, Any]]:
    """The dict rows of a list from the previous document; anything else is skipped."""
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def changes_since_last(
    previous: dict[str, Any] | None,
    train: str,
    dependencies: Sequence[DependencyRow],
    issues: Sequence[IssueRow],
    health: Mapping[str, Health] | None = None,
) -> ChangesSinceLast:
    """``health``: the current colour of the train (under its name) and of each team."""
    if previous is None:
        return _unavailable(
            "no previous run to compare with (this is the first report, or its JSON was not kept)"
        )
    if not isinstance(previous, dict) or previous.get("schema_version") not in READABLE_JSON_VERSIONS:
        version = previous.get("schema_version") if isinstance(previous, dict) else None
        return _unavailable(
            f"the previous run's JSON has schema version {version!r}, not {JSON_SCHEMA_VERSION}"
        )
    found = previous.get("train")
    prev_train: dict[str, Any] = found if isinstance(found, dict) else {}
    if prev_train.get("name") != train:
        return _unavailable(
            f"the previous run was for train '{isolate(prev_train.get('name'))}', not '{isolate(train)}'"
        )
    prev_deps: dict[tuple[Any, Any], dict[str, Any]] = {
        (d.get("consumer"), d.get("provider")): d
        for d in _rows(previous.get("dependencies"))
        if isinstance(d.get("consumer"), str) and isinstance(d.get("provider"), str)
    }
    prev_issues: dict[Any, dict[str, Any]] = {
        i.get("key"): i for i in _rows(previous.get("issues")) if isinstance(i.get("key"), str)
    }
    turned_late, recovered, new, removed = [], [], [], []
    now_pairs: set[tuple[Any, Any]] = set()
    for dep in dependencies:
        pair: tuple[Any, Any] = (dep.consumer.key, dep.provider.key)
        now_pairs.add(pair)
        before: dict[str, Any] | None = prev_deps.get(pair)
        before_status = before.get("status") if before else None
        change = DependencyChange(
            consumer=dep.consumer.key,
            provider=dep.provider.key,
            consumer_team=dep.consumer.team,
            provider_team=dep.provider.team,
            previous_status=before_status if isinstance(before_status, str) else None,
            status=dep.status,
        )
        if before is None:
            new.append(change)
        if dep.status == "late" and before_status != "late":
            turned_late.append(change)
        elif before_status == "late" and dep.status != "late":
            recovered.append(change)
    for pair, before in prev_deps.items():
        if pair not in now_pairs:
            removed.append(
                DependencyChange(
                    consumer=str(pair[0]),
                    provider=str(pair[1]),
                    consumer_team=str(before.get("consumer_team", "")),
                    provider_team=str(before.get("provider_team", "")),
                    previous_status=before.get("status") if isinstance(before.get("status"), str) else None,
                    status=None,
                )
            )
    slipped, resolved = [], []
    for issue in issues:
        before = prev_issues.get(issue.key)
        detail = _slip_detail(issue, before)
        if detail:
            slipped.append(IssueChange(issue.key, issue.team, issue.summary, detail))
        if issue.done and before is not None and before.get("done") is False:
            resolved.append(IssueChange(issue.key, issue.team, issue.summary, "done"))
    before_health = prev_train.get("health")
    return ChangesSinceLast(
        available=True,
        reason=None,
        previous_generated_at=_parse_time(prev_train.get("generated_at")),
        previous_train_health=before_health if before_health in _COLOURS else None,
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


_COLOURS: dict[str, int] = {"green": 0, "amber": 1, "red": 2}


def _health_changes(
    previous: dict[str, Any], train: str, now: Mapping[str, Health]
) -> tuple[HealthChange, ...]:
    before: dict[str, str] = {}
    found = previous.get("train")
    if isinstance(found, dict) and found.get("health") in _COLOURS:
        before[train] = found["health"]
    for team in _rows(previous.get("teams")):
        if isinstance(team.get("name"), str) and team.get("health") in _COLOURS:
            before.setdefault(team["name"], team["health"])
    changes = [
        HealthChange(scope, cast(Health, before[scope]), colour, _COLOURS[colour] > _COLOURS[before[scope]])
        for scope, colour in now.items()
        if scope in before and before[scope] != colour
    ]
    return tuple(sorted(changes, key=lambda c: (c.scope != train, not c.worse, c.scope)))


def _slip_detail(issue: IssueRow, before: dict[str, Any] | None) -> str:
    parts = []
    carry_before = int(_number(before.get("carry_over"))) if before else 0
    if issue.carry_over > carry_before:
        if before is None:
            parts.append(f"carried over {issue.carry_over}x")
        else:
            again = " again" if carry_before else ""
            parts.append(f"carried over{again} ({carry_before} -> {issue.carry_over})")
    due_before = _number(before.get("due_date_slip_days")) if before else 0.0
    if issue.due_date_slip_days is not None and issue.due_date_slip_days > max(due_before, 0):
        parts.append(f"due date slipped {issue.due_date_slip_days} days in all (was {int(due_before)})")
    if issue.pi_slip is not None:
        pi_before = before.get("pi_slip") if before else None
        if not isinstance(pi_before, dict) or pi_before.get("to") != issue.pi_slip.to_pi:
            parts.append(f"moved from {isolate(issue.pi_slip.from_pi)} to {isolate(issue.pi_slip.to_pi)}")
    if parts and before is None:
        parts.append("new in the report")
    return "; ".join(parts)
