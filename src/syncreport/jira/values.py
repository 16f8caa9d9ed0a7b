"""Jira field values of either dialect -> Python values: times, dates, numbers, display names, sprints.

Pure functions, no HTTP, no knowledge of a train: each takes one value as Jira's JSON carries it (Cloud's
objects, Data Center's ``Sprint@1a[...]`` strings, epoch numbers) and returns the snapshot module's form
(UTC-aware datetimes, ids joined by ", "), or None when the value says nothing. The issue normalizer
(:mod:`syncreport.jira.normalize`), the snapshot builder and the agenda share them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from syncreport.snapshot import Sprint


def parse_datetime(value: Any) -> datetime | None:
    """An ISO-8601 string (``+0000``, ``Z`` or ``+01:00``), or an epoch number in ms or s -> aware UTC."""
    if value is None or value in {"", "<null>"}:
        return None
    if isinstance(value, str) and len(value) > 10 and value[4] == "-":  # the common case: ISO-8601
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        try:
            number = float(value)  # an int beyond any float overflows here: not a time either
            return datetime.fromtimestamp(number / 1000 if abs(number) > 1e11 else number, UTC)
        except (OverflowError, OSError, ValueError):  # out of any calendar's range: not a time
            return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_date(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def value_number(value: Any) -> float | None:
    """A field value as a number: a number, an option {value}, or numeric text; None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return value_number(value.get("value"))
    try:
        return float(str(value))
    except ValueError:
        return None


def value_name(value: Any) -> str | None:
    """The display name of a field value: a string, an option {value}, a team {name|title}, a version."""
    if value is None:
        return None
    if isinstance(value, list):
        return value_name(value[0]) if value else None
    if isinstance(value, dict):
        for key in ("name", "title", "value", "displayName", "key"):
            if value.get(key):
                return str(value[key])
        return None
    text = str(value).strip()
    return text or None


_GREENHOPPER_KEYS = (
    "id|rapidViewId|state|name|goal|startDate|endDate|completeDate|activatedDate|sequence|autoStartStop"
    "|synced|incompleteIssuesDestinationId"
)
_GREENHOPPER_KEY = re.compile(rf"(?:^|,)({_GREENHOPPER_KEYS})=")


def parse_greenhopper_sprint(text: str) -> dict[str, Any]:
    """A Data Center sprint string ``com.atlassian.greenhopper.service.sprint.Sprint@1a[id=4,name=A, B,..]``.

    Sprint names may contain commas, so the string is split at the known ``,key=`` markers only.
    """
    inner = text[text.find("[") + 1 : text.rfind("]")] if "[" in text else text
    marks = list(_GREENHOPPER_KEY.finditer(inner))
    values: dict[str, Any] = {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(inner)
        raw = inner[mark.end() : end]
        values[mark.group(1)] = None if raw == "<null>" else raw
    return {
        "id": int(values["id"]) if values.get("id") else None,
        "name": values.get("name") or "",
        "state": str(values.get("state") or "").lower(),
        "boardId": int(values["rapidViewId"]) if values.get("rapidViewId") else None,
        "goal": values.get("goal") or "",
        "startDate": values.get("startDate"),
        "endDate": values.get("endDate"),
        "completeDate": values.get("completeDate"),
    }


# Every issue of a sprint carries the same sprint string on Data Center: parsed once each.
_greenhopper_sprint = functools.lru_cache(maxsize=4096)(parse_greenhopper_sprint)


def sprint_values(value: Any) -> list[dict[str, Any]]:
    """The sprint field's value in either dialect -> a list of sprint dicts (Cloud's shape)."""
    if not value:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
        elif isinstance(item, str) and "id=" in item:
            out.append(dict(_greenhopper_sprint(item)))  # a copy: callers may change what they get
        elif isinstance(item, int | str) and str(item).isdigit():
            out.append({"id": int(item)})
    return [s for s in out if s.get("id") is not None]


def sprint_from_json(data: Mapping[str, Any]) -> Sprint:
    board = data.get("originBoardId", data.get("boardId"))
    return Sprint(
        id=int(data["id"]),
        name=str(data.get("name") or f"Sprint {data['id']}"),
        state=str(data.get("state") or "future").lower(),
        board_id=int(board) if board is not None else None,
        start=parse_datetime(data.get("startDate")),
        end=parse_datetime(data.get("endDate")),
        complete=parse_datetime(data.get("completeDate")),
        goal=str(data.get("goal") or ""),
    )


def id_list(text: Any) -> str | None:
    """Comma-separated ids -> the same ids joined by ", " (the snapshot's form); None when there are none."""
    if text is None or text == "":
        return None
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    return ", ".join(parts) if parts else None
