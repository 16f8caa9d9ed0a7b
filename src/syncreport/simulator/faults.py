"""The simulator's faults: what a test asks for (a :class:`Fault`: which paths, what kind, how many times) and
how an answer is broken by it (:func:`fail_second_half`, :func:`malform`). The kinds are described with the
knobs in :mod:`syncreport.simulator.state`; the request handler (:mod:`syncreport.simulator.handler`) applies
them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncreport.simulator.model import Site
from syncreport.simulator.render import Json


@dataclass(slots=True)
class Fault:
    path: str
    kind: str
    count: int = 1
    delay_s: float = 2.0
    retry_after: str = "1"
    variant: str = ""  # for "malformed": what is odd
    key: str = ""  # for "malformed": the issue made odd

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.kind == "malformed" and (self.variant not in MALFORMED or not self.key):
            raise ValueError(f"a malformed fault needs a key and a variant among {', '.join(MALFORMED)}")


FAULT_KINDS = (
    "500", "503", "429", "slow", "truncated", "cut_json", "issue_errors",
    "repeat_token", "never_last", "omit_issues", "malformed",
)  # fmt: skip
PAGING_FAULTS = ("repeat_token", "never_last")  # the API's paging code applies them (Api.paging_fault)
MALFORMED = (
    "status_string", "project_string", "link_without_key", "history_not_object", "created_out_of_range",
)  # fmt: skip


def fail_second_half(data: Any) -> None:
    """The "issue_errors" fault: a bulk fetch returns half its issues and lists the rest as retriable errors."""
    if not isinstance(data, dict) or "issueErrors" not in data:
        return
    keep = (len(data["issues"]) + 1) // 2
    failed, data["issues"] = data["issues"][keep:], data["issues"][:keep]
    data["issueErrors"] = [
        {
            "id": (i.value() if isinstance(i, Json) else i)["id"],
            "errorMessage": "Retrieving this issue timed out. Please try again.",
        }
        for i in failed
    ]


def malform(data: Any, fault: Fault, site: Site) -> Any:
    """The "malformed" fault: the issue ``fault.key`` in this answer made odd in the way ``fault.variant`` says."""
    if not isinstance(data, dict):
        return data
    target = site.by_key.get(fault.key.upper())
    if "issueChangeLogs" in data:
        if fault.variant == "history_not_object" and target is not None:
            logs = [e.value() if isinstance(e, Json) else e for e in data["issueChangeLogs"]]
            for entry in logs:
                if str(entry.get("issueId")) == str(target.id) and entry.get("changeHistories"):
                    entry["changeHistories"][0] = "a history that is not an object"
            data["issueChangeLogs"] = logs
        return data
    issues = [i.value() if isinstance(i, Json) else i for i in data.get("issues") or ()]
    for issue in issues:
        if issue.get("key") == fault.key:
            _malform_issue(issue, fault.variant)
    if "issues" in data:
        data["issues"] = issues
    return data


def _malform_issue(issue: dict[str, Any], variant: str) -> None:
    fields = issue.setdefault("fields", {})
    if variant == "status_string":
        fields["status"] = str((fields.get("status") or {}).get("name") or "In Progress")
    elif variant == "project_string":
        fields["project"] = str((fields.get("project") or {}).get("key") or "X")
    elif variant == "created_out_of_range":
        fields["created"] = 10**20  # an epoch number no calendar holds
    elif variant == "link_without_key":
        links = fields.setdefault("issuelinks", [])
        if links:
            for side in ("inwardIssue", "outwardIssue"):
                if isinstance(links[0].get(side), dict):
                    links[0][side].pop("key", None)
        else:
            links.append({"id": "990001", "type": {"name": "Blocks"}, "outwardIssue": {"id": "1"}})
    elif variant == "history_not_object":
        histories = (issue.get("changelog") or {}).get("histories")
        if histories:
            histories[0] = "a history that is not an object"
