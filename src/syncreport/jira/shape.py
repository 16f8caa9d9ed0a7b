"""An issue from Jira checked for odd shapes before it is normalized, stored or counted.

Real answers (and the proxies in front of them) sometimes hold a status or a project as a plain string, a
link whose other end has no key, a changelog history that is not an object, or a time no calendar holds.
The normalizer expects Jira's documented shapes; rather than fail on the first odd value (``internal error:
AttributeError``) or guess silently, :func:`check_issue` returns the issue in the documented shape, with
what it could not keep left out, and one line per problem naming what was odd and what was done. The pull
turns those lines into data-quality findings naming the issue, and never caches such an issue (it is
fetched again next run, so the finding stays until Jira's answer is right).

An issue without an id or key cannot be named, fetched again or linked to: that is an error, not a finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from syncreport.errors import JiraError
from syncreport.jira.values import parse_datetime

_TIMES = ("created", "updated", "resolutiondate")
_LISTS = ("labels", "fixVersions", "components")
# epoch milliseconds from 1970 to 9999 (or seconds, smaller): surely a time (others go to parse_datetime)
_IN_RANGE = (0, 253_402_300_799_999)


def check_issue(
    raw: Any, histories: Sequence[Any] | None, *, sprint_field: str | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]] | None, list[str]]:
    """(the issue in Jira's documented shape, its histories likewise, the problems found: one line each)."""
    if not isinstance(raw, Mapping):
        raise JiraError(
            f"Jira answered an issue that is not an object ({str(raw)[:60]!r}): a proxy or a Jira bug; try again later"
        )
    issue_id, key = raw.get("id"), raw.get("key")
    if issue_id in (None, "") or not isinstance(key, str) or not key:
        named = f"key {key}" if key else f"id {issue_id}" if issue_id not in (None, "") else "no id nor key"
        raise JiraError(
            f"Jira answered an issue without an id or key ({named}): it cannot be counted or linked; a proxy "
            "or a Jira bug, try again later"
        )
    problems: list[str] = []
    fields = raw.get("fields")
    if fields is None:
        fields = {}
    elif not isinstance(fields, Mapping):
        problems.append("its fields are not an object: they were left out")
        fields = {}
    clean = _checked_fields(fields, problems, sprint_field)
    out = (
        {**raw, "fields": clean} if (clean is not fields or not isinstance(raw.get("fields"), dict)) else raw
    )
    checked = _checked_histories(histories, problems)
    return dict(out), checked, problems


def _checked_fields(fields: Mapping[str, Any], problems: list[str], sprint_field: str | None) -> Any:
    changed: dict[str, Any] = {}
    status = fields.get("status")
    if status is not None and not isinstance(status, Mapping):
        if isinstance(status, str) and status.strip():
            changed["status"] = {"name": status.strip()}
            problems.append(f"its status is the string {status.strip()!r}, not an object: read by its name")
        else:
            changed["status"] = None
            problems.append("its status is not an object: left unknown (counted as not started)")
    elif isinstance(status, Mapping) and not isinstance(status.get("statusCategory") or {}, Mapping):
        changed["status"] = {k: v for k, v in status.items() if k != "statusCategory"}
        problems.append("its status category is not an object: the category was looked up by status")
    for name in _LISTS:
        value = fields.get(name)
        if value is not None and not isinstance(value, list):
            changed[name] = []
            problems.append(f"its {name} are not a list: left out")
    project = fields.get("project")
    if project is not None and not isinstance(project, Mapping):
        if isinstance(project, str) and project.strip():
            changed["project"] = {"key": project.strip()}
            problems.append(f"its project is the string {project.strip()!r}, not an object: read as its key")
        else:
            changed["project"] = None
            problems.append("its project is not an object: taken from the issue key")
    for name in _TIMES:
        value = fields.get(name)
        if value not in (None, "") and parse_datetime(value) is None:
            changed[name] = None
            problems.append(f"its {name} time {str(value)[:40]!r} is not a date Jira writes: left out")
    links = fields.get("issuelinks")
    if links is not None:
        kept = _checked_links(links, problems)
        if kept is not links:
            changed["issuelinks"] = kept
    if sprint_field and fields.get(sprint_field) is not None:
        sprints = _checked_sprints(fields[sprint_field], problems)
        if sprints is not fields[sprint_field]:
            changed[sprint_field] = sprints
    return {**fields, **changed} if changed else fields


def _checked_links(links: Any, problems: list[str]) -> Any:
    if not isinstance(links, list):
        problems.append("its issue links are not a list: they were left out")
        return []
    kept = []
    for link in links:
        if not isinstance(link, Mapping):
            problems.append("an issue link that is not an object was left out")
            continue
        ends = [link.get(side) for side in ("inwardIssue", "outwardIssue") if link.get(side) is not None]
        if any(not isinstance(end, Mapping) or not end.get("key") for end in ends):
            type_name = link.get("type", {}).get("name") if isinstance(link.get("type"), Mapping) else None
            problems.append(
                f"a {type_name or 'typed'} link (id {link.get('id')}) names no key for its other issue: "
                "the dependency was left out"
            )
            continue
        kept.append(link)
    return links if len(kept) == len(links) else kept


def _checked_sprints(value: Any, problems: list[str]) -> Any:
    items = value if isinstance(value, list) else [value]
    kept = []
    for item in items:
        sprint_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(item, Mapping) and not _is_int(sprint_id):
            problems.append(f"a sprint with the id {str(sprint_id)[:20]!r} was left out (not a number)")
            continue
        boards = [item.get(k) for k in ("originBoardId", "boardId")] if isinstance(item, Mapping) else []
        if any(b is not None and not _is_int(b) for b in boards):
            problems.append(
                f"sprint {sprint_id} names a board id that is not a number: the sprint was left out"
            )
            continue
        kept.append(item)
    return value if len(kept) == len(items) else kept


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().isdigit()


def _checked_histories(histories: Sequence[Any] | None, problems: list[str]) -> list[dict[str, Any]] | None:
    if histories is None:
        return None
    if not isinstance(histories, list | tuple):
        problems.append("its changelog is not a list: its history was left out")
        return []
    kept: list[dict[str, Any]] = []
    odd = odd_items = 0
    for history in histories:
        if not isinstance(history, dict):
            odd += 1
            continue
        items, created = history.get("items"), history.get("created")
        # an epoch number (changelog/bulkfetch) is a time whenever it is in a calendar's range
        timed = (type(created) is int and _IN_RANGE[0] <= created <= _IN_RANGE[1]) or parse_datetime(
            created
        ) is not None
        if not isinstance(items, list | None) or not timed:
            odd += 1
            continue
        good = [i for i in items or () if isinstance(i, dict)]
        if len(good) != len(items or ()):
            odd_items += len(items or ()) - len(good)
            history = {**history, "items": good}
        kept.append(history)
    if odd:
        problems.append(
            f"{odd} changelog histor{'y is' if odd == 1 else 'ies are'} not an object with a creation time "
            "and a list of items: left out, so the changes recorded there are missing"
        )
    if odd_items:
        problems.append(f"{odd_items} changelog item(s) not an object: left out")
    return kept if odd or odd_items else list(histories)
