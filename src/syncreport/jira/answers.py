"""What one Jira answer says beyond its body: how long to wait, how loaded the site is, Jira's own errors.

Pure functions of a :class:`~syncreport.jira.transport.Response` or one header's text, used by
:class:`~syncreport.jira.client.JiraClient`'s retry policy: ``Retry-After`` (seconds or an HTTP date),
Cloud's ``X-RateLimit-Reset`` and ``X-RateLimit-NearLimit``, the ``Date`` header, and the
``errorMessages``/``errors`` of an error body.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import orjson

from syncreport.jira.limiter import Signal
from syncreport.jira.transport import Response


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds (``0`` included) or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    when = parse_http_date(text)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date (``Tue, 01 Dec 2026 16:20:00 GMT``) as an aware UTC datetime; None when absent or odd."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def parse_rate_limit_reset(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds until an X-RateLimit-Reset time, which Cloud writes ``yyyy-MM-ddTHH:mmZ`` (ISO 8601 with
    seconds accepted too); None when absent, unreadable or already past (then the usual backoff applies)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return seconds if seconds > 0 else None


def jira_error_messages(response: Response) -> list[str]:
    """Jira's own error texts from an error body (``errorMessages`` and ``errors``), if it is JSON."""
    try:
        body = orjson.loads(response.content)
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    messages = [str(m) for m in body.get("errorMessages") or [] if m]
    errors = body.get("errors")
    if isinstance(errors, dict):
        messages += [f"{k}: {v}" for k, v in errors.items()]
    for key in ("message", "errorMessage"):
        if isinstance(body.get(key), str) and body[key]:
            messages.append(body[key])
    return messages


def near_limit(response: Response) -> bool:
    """Cloud's X-RateLimit-NearLimit: true (the site is close to limiting this caller)."""
    return (response.header("X-RateLimit-NearLimit") or "").lower() == "true"


def load_signal(response: Response) -> Signal:
    """What an answer says about the site's load, for the limit on requests in flight."""
    if response.status in (429, 503):
        return Signal.THROTTLED
    if near_limit(response):
        return Signal.NEAR_LIMIT
    return Signal.CLEAN if response.status < 500 else Signal.FAILED


def advised_wait(response: Response) -> float | None:
    """How long Jira asks callers to wait after a 429 or 503: Retry-After, else (429) X-RateLimit-Reset.

    "429 responses may be accompanied by Retry-After and X-RateLimit-Reset headers": without the first,
    wait until the reset the second names."""
    if response.status not in (429, 503):
        return None
    wait = parse_retry_after(response.header("Retry-After"))
    if wait is None and response.status == 429:
        wait = parse_rate_limit_reset(response.header("X-RateLimit-Reset"))
    return wait
