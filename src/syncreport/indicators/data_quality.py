"""Data-quality findings: what in the Jira data weakens the figures, and how to fix it in Jira.

Bad data never stops the report: each problem becomes a finding (a stable ``kind``, a severity, the
affected issue keys or sprint ids) and the indicators carry on with what is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from syncreport.indicators.misalignment import feature_mask
from syncreport.indicators.results import DataQualityFinding, Severity
from syncreport.snapshot import Snapshot, issue_order

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Findings:
    items: list[DataQualityFinding] = field(default_factory=list)

    def add(
        self,
        kind: str,
        severity: Severity,
        title: str,
        detail: str,
        keys: Iterable[object],
        count: int | None = None,
    ) -> None:
        unique = tuple(sorted({str(k) for k in keys}, key=issue_order))
        total = len(unique) if count is None else count
        if total:
            self.items.append(DataQualityFinding(kind, severity, title, detail, total, unique))

    def sorted(self) -> tuple[DataQualityFinding, ...]:
        return tuple(sorted(self.items, key=lambda f: (_SEVERITY_ORDER[f.severity], -f.count, f.kind)))


def issue_findings(
    findings: Findings,
    snapshot: Snapshot,
    issues: pd.DataFrame,
    naive_times: int,
    duplicates: tuple[str, ...],
    status_events: pd.DataFrame,
) -> None:
    """``status_events``: the changes of the status field (frames' columns, indexed by place in
    ``snapshot.changes``)."""
    train = issues[issues["in_train"]]
    findings.add(
        "duplicate_issue",
        "error",
        "Issues listed twice in the snapshot",
        "The first copy of each key was used; fetch the snapshot again.",
        duplicates,
    )
    if naive_times:
        findings.add(
            "naive_time",
            "warning",
            "Times without a time zone",
            "They were read as UTC; the Jira connector should deliver aware times.",
            (),
            count=naive_times,
        )
    findings.add(
        "missing_team",
        "warning",
        "Issues with no team",
        "They count as 'unassigned': set the team field so their dependencies and sprints are attributed.",
        train.loc[train["team_raw"].isna(), "key"],
    )
    if snapshot.teams:
        known = set(snapshot.teams)
        findings.add(
            "team_not_in_train",
            "info",
            "Issues of a team that is not in the train's team list",
            "Add the team to [train] teams in the config, or correct the team field.",
            train.loc[train["team_raw"].notna() & ~train["team_raw"].isin(known), "key"],
        )
    work = train.loc[
        ~feature_mask(issues).to_numpy(dtype=bool)[issues["in_train"].to_numpy(dtype=bool)],
        ["key", "pi", "scheduled", "points", "done"],  # the columns read
    ]
    if snapshot.pis or train["pi"].notna().any():
        findings.add(
            "pi_unset",
            "warning",
            "Issues with no PI",
            "Set the PI (fix version, field or label) so cross-PI dependencies and PI slips can be seen.",
            work.loc[work["pi"].isna().to_numpy(dtype=bool), "key"],
        )
    if snapshot.pis:
        order = set(snapshot.pis)
        findings.add(
            "unknown_pi",
            "warning",
            "Issues in a PI that is not in the PI order",
            "Add the PI to [train] pi_order so 'later PI' can be decided.",
            train.loc[train["pi"].notna() & ~train["pi"].isin(order), "key"],
        )
    uses_points = "points" in snapshot.available_fields or bool(issues["points"].notna().any())
    if uses_points:
        findings.add(
            "missing_points",
            "info",
            "Scheduled work without story points",
            "Sprints that use points count these as 0; estimate them.",
            work.loc[(work["scheduled"] & work["points"].isna() & ~work["done"]).to_numpy(dtype=bool), "key"],
        )
    foreign = (
        train["sprint_team"].notna() & train["team_raw"].notna() & (train["sprint_team"] != train["team_raw"])
    )
    findings.add(
        "foreign_sprint",
        "warning",
        "Issues in another team's sprint",
        "The issue's team and its sprint's team differ (moved between teams?): fix the team or the sprint.",
        train.loc[foreign, "key"],
    )
    several = [i for i in snapshot.issues if i.in_train and len(i.team_choices) > 1]
    findings.add(
        "several_components",
        "warning",
        "Issues with more than one team (several components or team labels)",
        "The team is the first of [train] teams among them, else the first by name ("
        + _examples(f"{i.key}: {' / '.join(i.team_choices)} -> {i.team}" for i in several)
        + "): keep one team component (or label) per issue.",
        (i.key for i in several),
    )
    _unknown_status_findings(findings, snapshot, status_events)
    findings.add(
        "several_open_sprints",
        "warning",
        "Issues in more than one open sprint",
        "The latest sprint is used; remove the issue from the others.",
        train.loc[train["open_sprints"] > 1, "key"],
    )
    findings.add(
        "unknown_sprint",
        "warning",
        "Issues in sprints that are not in the snapshot",
        "Those sprints were ignored; add their boards to [train] boards.",
        train.loc[train["unknown_sprint_ids"].notna(), "key"],
    )
    kanban = sorted((b for b in snapshot.boards if b.board_type == "kanban"), key=lambda b: b.id)
    if kanban:
        projects = {b.project_key for b in kanban if b.project_key}
        on_kanban = {i.key for i in snapshot.issues if i.project in projects}
        findings.add(
            "kanban_board",
            "warning",
            "Issues on kanban boards have no sprints",
            f"{', '.join(b.name for b in kanban)} run{'s' if len(kanban) == 1 else ''} kanban: these issues "
            "have no sprint, so no iteration, and dependencies on them are judged without one. Plan them in "
            "a scrum team's sprint or set [iterations] and due dates.",
            train.loc[~train["scheduled"] & train["key"].isin(on_kanban), "key"],
        )


def _examples(texts: Iterable[str], limit: int = 3) -> str:
    items = list(texts)
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def _unknown_status_findings(findings: Findings, snapshot: Snapshot, status_events: pd.DataFrame) -> None:
    """Statuses in histories whose done-ness is unknown: deleted from the site (not in /status), with no
    resolution item in the same history and a name no current status has (a name and no category)."""
    keys: set[str] = set()
    names: set[str] = set()
    # the from side's name is read from the few events with no from category (the frame has no column
    # for it); the frame's index is the event's place in the snapshot's change log
    no_category = status_events.index[status_events["from_value"].isna().to_numpy()].tolist()
    from_names = list(map(snapshot.change_log.from_string.__getitem__, no_category))
    for key, name in zip(status_events.loc[no_category, "issue_key"].tolist(), from_names, strict=True):
        if name:
            keys.add(key)
            names.add(name)
    to_named = status_events["to_string"]
    unknown = status_events["to_value"].isna() & to_named.notna() & (to_named != "")
    keys.update(status_events.loc[unknown, "issue_key"].tolist())
    names.update(to_named[unknown].tolist())
    findings.add(
        "unknown_status",
        "warning",
        "Histories naming statuses the site no longer has",
        "Whether the issue was done then is unknown (no resolution change in the same history, no current "
        f"status of that name: {_examples(sorted(names))}); carry-over and sprint reliability take it as not "
        "done, so they may be wrong for these issues. A current status of that name (with its category) in "
        "Jira makes it known.",
        keys,
    )


def sprint_findings(
    findings: Findings, sprints: pd.DataFrame, train_sprint_ids: set[int], calendar_source: str
) -> None:
    used = sprints[sprints["id"].isin(train_sprint_ids)]
    undated = used["start"].isna() | used["end"].isna()
    findings.add(
        "sprint_without_dates",
        "warning",
        "Started or closed sprints without dates",
        "Their issues have no iteration: dependencies on them are 'at risk'. Set the sprint dates in Jira.",
        used.loc[undated & (used["state"] != "future"), "id"],
    )
    findings.add(
        "future_sprint_without_dates",
        "info",
        "Future sprints without dates",
        "Placed one iteration after the previous sprint of the same board; set their dates to be sure.",
        used.loc[undated & (used["state"] == "future") & used["inferred_iteration"], "id"],
    )
    findings.add(
        "future_sprint_unplaced",
        "warning",
        "Future sprints without dates and no dated sprint on their board",
        "Their issues have no iteration: set the sprint dates in Jira.",
        used.loc[undated & (used["state"] == "future") & ~used["inferred_iteration"], "id"],
    )
    findings.add(
        "sprint_dates_inverted",
        "warning",
        "Sprints that end before they start",
        "Correct the sprint dates in Jira.",
        used.loc[(used["end"] < used["start"]).fillna(False).astype(bool), "id"],
    )
    if calendar_source == "none":
        findings.add(
            "no_calendar",
            "warning",
            "No iteration calendar",
            "No sprint has dates and [iterations] pi_start is not set: iterations cannot be compared.",
            ("calendar",),
        )


def link_findings(findings: Findings, dependencies: pd.DataFrame, dropped: pd.DataFrame) -> None:
    hidden = pd.concat(
        [
            dependencies.loc[~dependencies["p_visible"], "provider"],
            dependencies.loc[~dependencies["c_visible"], "consumer"],
        ]
    )
    findings.add(
        "link_not_visible",
        "warning",
        "Dependencies on issues the Jira user cannot see",
        "Their sprint and team are unknown (their status is the one their link shows): grant the report's "
        "user browse permission on those projects.",
        hidden,
    )
    findings.add(
        "self_link",
        "info",
        "Issues linked to themselves",
        "Ignored; remove the link in Jira.",
        dropped.loc[dropped["provider"] == dropped["consumer"], "provider"],
    )


def odd_issue_findings(findings: Findings, snapshot: Snapshot) -> None:
    """Issues Jira returned in an odd shape (read with what could be kept; see syncreport.jira.shape)."""
    odd = snapshot.odd_issues
    if not odd:
        return
    shown = "; ".join(f"{o.issue_key}: {o.problem}" for o in odd[:5])
    more = f"; and {len(odd) - 5} more" if len(odd) > 5 else ""
    findings.add(
        "odd_issue",
        "warning",
        "Issues Jira returned in an odd shape",
        f"{shown}{more}. Figures about them may be incomplete: check them in Jira (a workflow or app may "
        "write unusual values) and report it to your Jira admin if it persists.",
        (o.issue_key for o in odd),
    )


def stale_search_findings(findings: Findings, snapshot: Snapshot) -> None:
    """Jira's search seen lagging behind the issues during the pull (Cloud; docs/jira-notes.md)."""
    stale = snapshot.stale_search
    if not stale:
        return
    shown = "; ".join(f"{s.issue}: {s.detail}" for s in stale[:5])
    more = f"; and {len(stale) - 5} more" if len(stale) > 5 else ""
    findings.add(
        "search_behind",
        "info",
        "Jira's search was behind its issues during this run",
        f"{shown}{more}. Jira Cloud's search shows edits seconds to minutes late: an edit made just before "
        "the run may be missing from this report; the next run includes it.",
        (s.issue for s in stale if not s.issue.startswith("id ")),
        count=len(stale),
    )
