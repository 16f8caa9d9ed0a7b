"""Dependencies: the program board's strings, their status, cross-team vs same-team, cycles, provider slip.

One row per dependency link with at least one end in the train. The status is the first of docs/indicators.md's
list that applies (see :class:`~syncreport.kinds.DependencyStatus`); refinements for data the
design page does not cover (docs/indicators.md):
- an end that is not in the snapshot's issues (the user cannot fetch it) has team ``NOT_VISIBLE`` and keeps what
  its link shows (summary, status with its category): a provider done there is ``done``, a consumer done there
  makes the link ``consumer_done``; otherwise an invisible provider is ``external`` (its sprint is unknown) and
  an invisible consumer counts as unscheduled;
- a link with an unassigned or invisible end is cross-team (nothing shows it is the same team);
- both ends scheduled but an iteration unknown (a sprint without dates) is ``at_risk``: the order cannot
  be checked.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from syncreport.indicators.cycles import find_cycles
from syncreport.indicators.frames import UNASSIGNED, parse_ids, rows, value_asof
from syncreport.kinds import DEPENDENCY_STATUSES, DependencyStatus
from syncreport.untrusted import isolate

NOT_VISIBLE = "(not visible)"
_END_COLUMNS = (
    "summary",
    "team",
    "issue_type",
    "status",
    "done",
    "flagged",
    "in_train",
    "scheduled",
    "sprint",
    "sprint_id",
    "ordinal",
    "iteration_index",
    "iteration_name",
    "pi",
    "created",
)


def _ends(links: pd.DataFrame, issues: pd.DataFrame, end: str, linked: pd.DataFrame | None) -> pd.DataFrame:
    keys = links[end]
    visible = keys.isin(issues.index)
    found = issues[list(_END_COLUMNS)].reindex(keys.to_numpy())  # the columns first: a narrow take
    found.index = links.index
    found["visible"] = visible
    found["team"] = found["team"].where(visible, NOT_VISIBLE)
    for column in ("flagged", "in_train", "scheduled"):
        found[column] = found[column].where(visible, False).astype(bool)
    # an end the pull could not fetch keeps what its link shows (Jira embeds summary, status and category)
    shown = (linked if linked is not None else _NO_LINKED).reindex(keys.to_numpy())
    shown.index = links.index
    found["done"] = _flag(found["done"]).where(visible, _flag(shown["done"]))
    for column in ("summary", "status", "issue_type"):
        found[column] = found[column].where(visible, shown[column]).fillna("")
    found["known"] = visible | _flag(shown["known"])
    return found.add_prefix(end[0] + "_")


def _flag(values: pd.Series) -> pd.Series:
    """A boolean column that reindexing filled with NaN for missing rows -> bool (missing = False)."""
    return values.astype("boolean").fillna(False).astype(bool)


_NO_LINKED = pd.DataFrame(
    {"summary": [], "status": [], "issue_type": [], "done": [], "known": []}, index=pd.Index([], dtype=object)
).astype({"summary": object, "status": object, "issue_type": object, "done": bool, "known": bool})


def _link_created(links: pd.DataFrame, link_events: pd.DataFrame) -> pd.Series:
    """When each link came into being: the link's own date, else the latest "link added" changelog item on
    either end naming the other end, else the later of the two issues' creation."""
    created = links["created"].copy()
    added = link_events[link_events["to_string"].notna()]
    if not added.empty:
        latest = added.groupby(["issue_key", "to_string"])["at"].max()
        as_consumer = pd.Series(
            latest.reindex(pd.MultiIndex.from_arrays([links["consumer"], links["provider"]])).to_numpy(),
            index=links.index,
        )
        as_provider = pd.Series(
            latest.reindex(pd.MultiIndex.from_arrays([links["provider"], links["consumer"]])).to_numpy(),
            index=links.index,
        )
        from_events = pd.concat([as_consumer, as_provider], axis=1).max(axis=1)
        created = created.fillna(from_events)
    fallback = pd.concat([links["c_created"], links["p_created"]], axis=1).max(axis=1)
    return created.fillna(fallback)


def dependency_frame(
    links: pd.DataFrame,
    issues: pd.DataFrame,
    pi_rank: dict[str, int],
    sprints: pd.DataFrame,
    sprint_events: pd.DataFrame,
    link_events: pd.DataFrame,
    linked: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(dependencies with status, links dropped as invalid: self-links and links with no end in the train).

    ``linked``: the link ends not fetched, as their links show them (:func:`~syncreport.indicators.frames.
    linked_frame`)."""
    self_link = links["provider"] == links["consumer"]
    ends = [_ends(links, issues, "provider", linked), _ends(links, issues, "consumer", linked)]
    frame = pd.concat([links, *ends], axis=1)
    touches_train = frame["p_in_train"] | frame["c_in_train"]
    dropped = frame[self_link | ~touches_train]
    frame = frame[~self_link & touches_train].copy()
    frame = frame.drop_duplicates(["provider", "consumer", "link_type"])
    frame["cross_team"] = (
        (frame["p_team"] != frame["c_team"])
        | frame["p_team"].isin([UNASSIGNED, NOT_VISIBLE])
        | frame["c_team"].isin([UNASSIGNED, NOT_VISIBLE])
    )
    p_pi = frame["p_pi"].map(pi_rank).astype("float64")
    c_pi = frame["c_pi"].map(pi_rank).astype("float64")
    p_ord, c_ord = frame["p_ordinal"].astype("float64"), frame["c_ordinal"].astype("float64")
    later_iteration = (p_ord > c_ord).fillna(False).astype(bool)
    later_pi = (p_pi > c_pi).fillna(False).astype(bool)
    conditions = [
        frame["p_done"],
        frame["c_done"],
        ~frame["p_visible"] | ~frame["p_in_train"],
        ~frame["p_scheduled"],
        later_iteration | later_pi,
        ~frame["c_scheduled"],
        (p_ord == c_ord).fillna(False).astype(bool) | frame["p_flagged"] | p_ord.isna() | c_ord.isna(),
    ]
    *first, last = DEPENDENCY_STATUSES  # precedence: the first condition that holds wins, else on_track
    frame["status"] = np.select(conditions, [s.value for s in first], default=last.value)
    frame["cross_pi"] = (
        frame["p_pi"].notna() & frame["c_pi"].notna() & (frame["p_pi"] != frame["c_pi"])
    ).astype(bool)
    frame["iterations_late"] = (p_ord - c_ord).astype("Int64")
    frame["later_pi"] = later_pi
    frame["severity_rank"] = frame["status"].map({s.value: s.severity for s in DependencyStatus})
    frame["status_label"] = frame["status"].map({s.value: s.label for s in DependencyStatus})
    reason_columns = ["status", "later_pi", "p_visible", "c_visible", "p_flagged", "p_ordinal", "c_ordinal"]
    reason_columns += ["p_status", "c_status", "p_known"]
    reason_columns += ["p_iteration_name", "c_iteration_name", "p_sprint", "c_sprint", "p_pi", "c_pi"]
    frame["reason"] = [_reason(row) for row in rows(frame[reason_columns])]
    frame["link_created"] = _link_created(frame, link_events)
    frame = _provider_slip(frame, sprints, sprint_events, issues["sprint_ids"])
    frame = frame.sort_values(
        ["severity_rank", "c_ordinal", "consumer", "provider"], na_position="last", kind="stable"
    )
    return frame, dropped


def _where(name: object, sprint: object) -> str:
    if isinstance(name, str):
        return name
    return f"sprint {isolate(sprint)} (no dates)" if isinstance(sprint, str) else "no sprint"


def _reason(row: Any) -> str:  # noqa: PLR0911 - one sentence per status and case, in precedence order
    """The one-line why of a status, in the RTE's words."""
    status = row.status
    provider_at = _where(row.p_iteration_name, row.p_sprint)
    consumer_at = _where(row.c_iteration_name, row.c_sprint)
    if status == "done":
        return (
            "provider is done" if row.p_visible else f"provider is done ({row.p_status}, as its link shows)"
        )
    if status == "consumer_done":
        shown = "" if row.c_visible else f" ({row.c_status}, as its link shows)"
        return f"consumer is done{shown} but the provider is not: the need has passed, the link may be stale"
    if status == "external":
        if not row.p_visible:
            shows = f"; its link shows {row.p_status}" if row.p_known and row.p_status else ""
            return f"provider is not visible to the Jira user (another project or no permission){shows}"
        return f"provider is outside the train ({provider_at})"
    if status == "unscheduled":
        return f"provider is in no sprint; the consumer needs it in {consumer_at}"
    if status == "late":
        if row.later_pi and not (isinstance(row.p_ordinal, float) and row.p_ordinal > row.c_ordinal):
            return f"provider is planned in {isolate(row.p_pi)}, after the consumer's {isolate(row.c_pi)}"
        return f"provider planned in {provider_at}, needed by the consumer in {consumer_at}"
    if status == "consumer_unscheduled":
        if not row.c_visible:
            return f"consumer is not visible to the Jira user; provider planned in {provider_at}"
        return f"consumer is in no sprint; provider planned in {provider_at}"
    if status == "at_risk":
        if row.p_flagged:
            return f"provider is flagged ({provider_at})"
        if np.isnan(row.p_ordinal) or np.isnan(row.c_ordinal):
            return f"iteration unknown: provider in {provider_at}, consumer in {consumer_at}"
        return f"delivered and needed in the same iteration ({provider_at})"
    return f"provider planned in {provider_at}, before the consumer's {consumer_at}"


def _latest_ordinal(
    ids_value: object, sequence: dict[int, int], ordinal: dict[int, float], names: dict[int, str]
) -> tuple[float, str | None]:
    ids = [i for i in parse_ids(ids_value) if i in sequence]
    if not ids:
        return np.nan, None
    best = max(ids, key=lambda i: sequence[i])
    return ordinal[best], names[best]


def _provider_slip(
    frame: pd.DataFrame, sprints: pd.DataFrame, sprint_events: pd.DataFrame, current_sprints: pd.Series
) -> pd.DataFrame:
    """A provider's sprint moved later (or out of every sprint) after the link was created."""
    frame["provider_slipped"] = False
    frame["provider_slip_from"] = None
    candidates = frame[frame["p_visible"] & ~frame["p_done"] & frame["link_created"].notna()]
    if candidates.empty:
        return frame
    then = value_asof(candidates["provider"], candidates["link_created"], sprint_events, current_sprints)
    ids = sprints["id"].tolist()
    sequence = dict(zip(ids, sprints["sequence"].tolist(), strict=True))
    ordinals = dict(zip(ids, sprints["ordinal"].tolist(), strict=True))
    names = dict(zip(ids, sprints["name"].tolist(), strict=True))
    # the sprint sets repeat (a few hundred distinct ones): each is read once; the last entry is "none"
    codes, sets = pd.factorize(then.to_numpy(dtype=object), use_na_sentinel=True)
    latest = [_latest_ordinal(s, sequence, ordinals, names) for s in sets] + [(np.nan, None)]
    ord_then = np.array([o for o, _ in latest], dtype="float64")[codes]
    name_then = np.array([n for _, n in latest], dtype=object)[codes]
    ord_now = candidates["p_ordinal"].to_numpy(dtype="float64")
    scheduled_now = candidates["p_scheduled"].to_numpy(dtype=bool)
    # NaN compares False: a later iteration only when both are known
    moved = (name_then != None) & (~scheduled_now | (ord_now > ord_then))  # noqa: E711 - element-wise
    slip_from = name_then.copy()
    slip_from[~moved] = None
    frame.loc[candidates.index, "provider_slipped"] = moved.tolist()
    frame.loc[candidates.index, "provider_slip_from"] = pd.Series(
        slip_from, index=candidates.index, dtype=object
    )
    frame["provider_slipped"] = frame["provider_slipped"].astype(bool)
    return frame


def dependency_cycles(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """Cycles among every dependency link (cross-team or not): consumer needs provider."""
    return find_cycles(zip(frame["consumer"], frame["provider"], strict=True))
