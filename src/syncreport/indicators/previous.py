"""The previous run's JSON document, read once into typed values ("changes since last" and the risks' moves).

The document comes from disk and may be of another version, another train, hand-edited or cut short: every
field is checked for its type here, and what does not fit is left out (a row that is not an object, a key
that is not a string, a health that is none of green/amber/red). The indicators below see only these
values, never the raw ``dict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncreport.kinds import Health


@dataclass(frozen=True, slots=True)
class PreviousDependency:
    consumer: str
    provider: str
    consumer_team: str
    provider_team: str
    status: str | None  # as the document names it (a status of an older version stays a string)


@dataclass(frozen=True, slots=True)
class PreviousIssue:
    key: str
    done: bool | None  # None: the document does not say
    carry_over: int
    due_date_slip_days: float
    pi_slip_to: str | None  # the PI of its latest move to a later PI


@dataclass(frozen=True, slots=True)
class PreviousRun:
    schema_version: object  # as found: the reader of the changes decides which versions it can compare with
    train: object  # the train's name, as found (None when missing)
    generated_at: datetime | None
    health: Health | None  # the train's
    team_health: dict[str, Health]  # the first entry of a team wins
    dependencies: dict[tuple[str, str], PreviousDependency]  # by (consumer, provider)
    issues: dict[str, PreviousIssue]
    risks: dict[str, object] | None  # risk key -> ROAM state as found; None: the run recorded no risks


def read_previous(document: dict[str, Any] | None) -> PreviousRun | None:
    """The typed previous run; None when there is no document (or it is not a JSON object)."""
    if not isinstance(document, dict):
        return None
    found = document.get("train")
    train: dict[str, Any] = found if isinstance(found, dict) else {}
    team_health: dict[str, Health] = {}
    for team in document_rows(document.get("teams")):
        colour = Health.of(team.get("health"))
        if isinstance(team.get("name"), str) and colour is not None:
            team_health.setdefault(team["name"], colour)
    return PreviousRun(
        schema_version=document.get("schema_version"),
        train=train.get("name"),
        generated_at=document_time(train.get("generated_at")),
        health=Health.of(train.get("health")),
        team_health=team_health,
        dependencies={
            (d["consumer"], d["provider"]): PreviousDependency(
                consumer=d["consumer"],
                provider=d["provider"],
                consumer_team=str(d.get("consumer_team", "")),
                provider_team=str(d.get("provider_team", "")),
                status=d.get("status") if isinstance(d.get("status"), str) else None,
            )
            for d in document_rows(document.get("dependencies"))
            if isinstance(d.get("consumer"), str) and isinstance(d.get("provider"), str)
        },
        issues={
            i["key"]: _issue(i)
            for i in document_rows(document.get("issues"))
            if isinstance(i.get("key"), str)
        },
        risks=_risks(document.get("risks")),
    )


def _issue(row: dict[str, Any]) -> PreviousIssue:
    pi_slip = row.get("pi_slip")
    to = pi_slip.get("to") if isinstance(pi_slip, dict) else None
    done = row.get("done")
    return PreviousIssue(
        key=row["key"],
        done=done if isinstance(done, bool) else None,
        carry_over=int(_number(row.get("carry_over"))),
        due_date_slip_days=_number(row.get("due_date_slip_days")),
        pi_slip_to=to if isinstance(to, str) else None,
    )


def _risks(value: object) -> dict[str, object] | None:
    if not isinstance(value, dict) or not isinstance(value.get("risks"), list):
        return None
    return {
        str(r["key"]): r.get("roam")
        for r in value["risks"]
        if isinstance(r, dict) and isinstance(r.get("key"), str)
    }


def document_rows(value: object) -> list[dict[str, Any]]:
    """The object rows of a list from the document; anything else is skipped."""
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def document_time(value: object) -> datetime | None:
    """A time with its zone from the document (ISO 8601, "Z" allowed); anything else is None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
