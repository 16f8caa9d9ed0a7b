"""Trends over the previous runs: how the train moves week over week.

Every delivered run leaves its JSON document in the report's state folder (deliver/state.py), and beside it
a small **trend summary** of that document (:func:`trend_summary`): its time, train, PI, train and team
health, dependency counts by status, and two slippage counts. Reading summaries instead of whole documents
keeps a PI of daily runs of a 10,000-issue train cheap to chart.

- **Points**: the summaries of earlier runs of the same train and the same PI (a new PI starts its trends
  again: its dependencies and sprints are other ones), oldest first, one per run time, then this run.
- **Carried over** = issues carried over at least once; **slipped** = issues whose due date moved later or
  that moved to a later PI (the same definitions as the slippage section).
- **Weeks**: the last run of each week (weeks start on Monday, UTC) and its change from the week before.
- **Deltas** (page 1, "Late 7 (+2 since 24 Nov)"): each counted status now against the run "changes since
  the last run" compares with, so both say the same thing.
- A summary that cannot be read (another schema, a damaged file) is skipped: it never stops a report.
- The JSON export carries the same series (:func:`trends_document`): every run's point, the weeks, the
  deltas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from syncreport.indicators.results import (
    NO_TRENDS,
    DependencyStatus,
    Health,
    IndicatorResults,
    StatusDelta,
    TrendPoint,
    Trends,
    WeekFigures,
)
from syncreport.kinds import COUNTED_STATUSES
from syncreport.kinds import HEALTH_WORST_FIRST as HEALTH_ORDER

SUMMARY_VERSION = 1


def _slipped(issue: Mapping[str, Any]) -> bool:
    days = issue.get("due_date_slip_days")
    return (isinstance(days, int | float) and days > 0) or bool(issue.get("pi_slip"))


def trend_summary(document: Mapping[str, Any]) -> dict[str, Any]:
    """The small part of a run's JSON document the trends read (saved beside the document)."""
    train = document.get("train") or {}
    issues = [i for i in document.get("issues") or () if isinstance(i, Mapping)]
    return {
        "summary_version": SUMMARY_VERSION,
        "generated_at": train.get("generated_at"),
        "train": train.get("name"),
        "pi": train.get("pi"),
        "health": train.get("health"),
        "teams": [
            [t.get("name"), t.get("health")] for t in document.get("teams") or () if isinstance(t, Mapping)
        ],
        "dependency_counts": dict(document.get("dependency_counts") or {}),
        "carried_over": sum(1 for i in issues if (i.get("carry_over") or 0) > 0),
        "slipped": sum(1 for i in issues if _slipped(i)),
    }


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _health(value: Any) -> Health | None:
    return Health(value) if value in HEALTH_ORDER else None


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _point(summary: Mapping[str, Any]) -> TrendPoint | None:
    """A summary read back, or None when it is not one this version can read."""
    if not isinstance(summary, Mapping) or summary.get("summary_version") != SUMMARY_VERSION:
        return None
    moment, health = _time(summary.get("generated_at")), _health(summary.get("health"))
    counts = summary.get("dependency_counts")
    if moment is None or health is None or not isinstance(counts, Mapping):
        return None
    teams = []
    for entry in summary.get("teams") or ():
        if isinstance(entry, list | tuple) and len(entry) == 2 and isinstance(entry[0], str):
            team_health = _health(entry[1])
            if team_health is not None:
                teams.append((entry[0], team_health))
    return TrendPoint(
        generated_at=moment,
        health=health,
        teams=tuple(teams),
        dependency_counts=tuple((s, _count(counts.get(s))) for s in COUNTED_STATUSES),
        carried_over=_count(summary.get("carried_over")),
        slipped=_count(summary.get("slipped")),
    )


def current_point(results: IndicatorResults) -> TrendPoint:
    """This run's point, by the same definitions as :func:`trend_summary`."""
    counts = {c.status: c.count for c in results.status_counts}
    return TrendPoint(
        generated_at=results.train.generated_at,
        health=results.train_health.health,
        teams=tuple((t.team, t.health) for t in results.teams),
        dependency_counts=tuple((s, counts.get(s, 0)) for s in COUNTED_STATUSES),
        carried_over=sum(1 for i in results.issues if i.carry_over > 0),
        slipped=sum(
            1
            for i in results.issues
            if (i.due_date_slip_days is not None and i.due_date_slip_days > 0) or i.pi_slip is not None
        ),
    )


def _weeks(points: Sequence[TrendPoint]) -> tuple[WeekFigures, ...]:
    last_of_week: dict[Any, TrendPoint] = {}
    for point in points:  # oldest first: the last one of a week wins
        day = point.generated_at.astimezone(UTC).date()
        last_of_week[day - timedelta(days=day.weekday())] = point
    weeks: list[WeekFigures] = []
    for monday, point in sorted(last_of_week.items()):
        before = weeks[-1] if weeks else None
        weeks.append(
            WeekFigures(
                week_start=monday,
                carried_over=point.carried_over,
                carried_over_change=None if before is None else point.carried_over - before.carried_over,
                slipped=point.slipped,
                slipped_change=None if before is None else point.slipped - before.slipped,
            )
        )
    return tuple(weeks)


def _deltas(
    results: IndicatorResults, previous: Mapping[str, Any] | None
) -> tuple[datetime | None, tuple[StatusDelta, ...]]:
    changes = results.changes
    before = (previous or {}).get("dependency_counts") if changes.available else None
    since = changes.previous_generated_at if isinstance(before, Mapping) else None
    deltas = []
    for count in results.status_counts:
        status: DependencyStatus = count.status
        old = before.get(status) if isinstance(before, Mapping) else None
        change = count.count - int(old) if isinstance(old, int) and not isinstance(old, bool) else None
        deltas.append(StatusDelta(status, count.count, change))
    return since, tuple(deltas)


def compute_trends(
    results: IndicatorResults,
    history: Sequence[Mapping[str, Any]],
    previous: Mapping[str, Any] | None = None,
) -> Trends:
    """The trends of ``results`` over ``history`` (trend summaries, any order); ``previous`` is the document
    "changes since the last run" compared with (page 1's deltas)."""
    now = current_point(results)
    train, pi = results.train.name, results.train.pi
    earlier: dict[datetime, TrendPoint] = {}
    for summary in history:
        point = _point(summary)
        if point is None or summary.get("train") != train or summary.get("pi") != pi:
            continue
        if point.generated_at < now.generated_at:
            earlier[point.generated_at] = point
    points = (*(earlier[moment] for moment in sorted(earlier)), now)
    seen = [team.team for team in results.teams]
    for point in points:
        seen.extend(name for name, _ in point.teams)
    since, deltas = _deltas(results, previous)
    reason = None
    if not earlier:
        reason = (
            "this is the first run of this train and PI kept in the report's state folder: "
            "trends start with the next run"
        )
    return Trends(
        available=bool(earlier),
        reason=reason,
        points=points,
        teams=tuple(dict.fromkeys(seen)),
        weeks=_weeks(points),
        since=since,
        deltas=deltas,
    )


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def trends_document(trends: Trends | None) -> dict[str, Any]:
    """The trends as the JSON export has them (``trends`` in the schema): the series the report's trends
    section shows, oldest run first, this run last."""
    trends = trends or NO_TRENDS
    return {
        "available": trends.available,
        "reason": trends.reason,
        "runs": [
            {
                "generated_at": _moment(p.generated_at),
                "health": p.health,
                "teams": [{"team": team, "health": health} for team, health in p.teams],
                "dependency_counts": dict(p.dependency_counts),
                "carried_over": p.carried_over,
                "slipped": p.slipped,
            }
            for p in trends.points
        ],
        "weeks": [
            {
                "week_start": w.week_start.isoformat(),
                "carried_over": w.carried_over,
                "carried_over_change": w.carried_over_change,
                "slipped": w.slipped,
                "slipped_change": w.slipped_change,
            }
            for w in trends.weeks
        ],
        "since": _moment(trends.since),
        "deltas": [{"status": d.status, "count": d.count, "change": d.change} for d in trends.deltas],
    }
