"""Feature progress and forecast: will each feature of the PI land in the PI? (docs/indicators.md, "Features")

Definitions:
- A **feature** is a parent of train work (Cloud ``parent``; Data Center Epic Link or Advanced Roadmaps
  Parent Link), or a train issue of a feature type (:data:`FEATURE_TYPES`) with no child yet. The report's
  features are those of its PI: the feature is in the PI, or one of its children is (every feature when
  the PI is unknown).
- Its **children** are the train issues under it. **Progress**: points done / points in total when every
  child has points, else children done / children. A done feature counts as complete.
- The **forecast iteration** is the iteration of its last scheduled open child (of its last child when all
  are done). A child's iteration past the PI's last one, or a child planned in a later PI, means the feature
  **will not finish in the PI**; no child in any sprint is **no plan**; no child at all is **no stories**;
  the last open child in the PI's last iteration, or an open child waiting for a late dependency, is
  **at risk**; otherwise **on track**. First that applies wins; a done feature (or all children done) is done.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, cast

import numpy as np
import pandas as pd

from syncreport.indicators.frames import UNASSIGNED, casefold_isin, records
from syncreport.indicators.misalignment import FEATURE_TYPES
from syncreport.indicators.results import (
    FEATURE_FORECAST_LABELS,
    FEATURE_FORECASTS,
    AttentionItem,
    DependencyRow,
    FeatureCount,
    FeatureForecast,
    FeatureRow,
    Features,
)
from syncreport.snapshot import issue_order
from syncreport.untrusted import isolate

_REASONS_SHOWN = 3


def feature_progress(
    issues: pd.DataFrame,
    *,
    iterations: int,
    pi: str | None,
    pis: Sequence[str],
    dependencies: Sequence[DependencyRow],
    browse_url: str,
) -> Features:
    """Every feature of the report's PI with progress and forecast.

    ``issues`` is the placed issue frame (``ordinal``, ``iteration_name``, ``scheduled`` from the calendar);
    ``iterations`` the PI's iteration count (the last one is the PI's last iteration).
    """
    rank = {name: n for n, name in enumerate(pis)}
    # the columns read below (a narrow copy: the issue frame has dozens)
    columns = ["key", "parent_key", "pi", "ordinal", "iteration_name", "done", "points", "scheduled", "team"]
    columns.append("issue_type")  # the features themselves, by type
    train = issues.loc[issues["in_train"].to_numpy(dtype=bool), columns]
    kids = train[train["parent_key"].notna()]
    waiting = {d.consumer.key: d.provider.key for d in dependencies if d.status == "late"}
    kid_rank = kids["pi"].map(rank).astype("float64")
    current = rank.get(pi, np.nan) if pi is not None else np.nan
    ordinal = kids["ordinal"].astype("float64")
    open_ = ~kids["done"].astype(bool)
    frame = pd.DataFrame(
        {
            "parent": kids["parent_key"].astype(str),
            "key": kids["key"],
            "done": ~open_,
            "points": kids["points"].astype("float64"),
            "ordinal": ordinal,
            "open_ordinal": ordinal.where(open_),
            "scheduled": kids["scheduled"].astype(bool),
            "later_pi": open_ & (kid_rank > current),
            "beyond": open_ & (ordinal > iterations) if iterations else pd.Series(False, index=kids.index),
            "late": open_ & kids["key"].isin(list(waiting)),
            "unscheduled": open_ & ~kids["scheduled"].astype(bool),
            "in_pi": kids["pi"].eq(pi) if pi is not None else pd.Series(True, index=kids.index),
            "team": kids["team"],
            "pi": kids["pi"],
        }
    )
    frame["done_points"] = frame["points"].where(frame["done"], 0.0)
    grouped = frame.groupby("parent", sort=False)
    agg = grouped.agg(
        children=("key", "size"),
        children_done=("done", "sum"),
        with_points=("points", "count"),
        total_points=("points", "sum"),
        done_points=("done_points", "sum"),
        last_open=("open_ordinal", "max"),
        last_any=("ordinal", "max"),
        any_scheduled=("scheduled", "any"),
        later_pi=("later_pi", "any"),
        beyond=("beyond", "any"),
        late=("late", "any"),
        unscheduled=("unscheduled", "sum"),
        in_pi=("in_pi", "any"),
    )
    by_team = frame.groupby(["parent", "team"], sort=False).size().reset_index(name="n")
    by_team = by_team.sort_values(["parent", "n", "team"], ascending=[True, False, True], kind="stable")
    main_team = by_team.drop_duplicates("parent").set_index("parent")["team"]
    teams_by = _teams_by_parent(by_team["parent"].tolist(), by_team["team"].tolist())

    typed = train[casefold_isin(train["issue_type"], FEATURE_TYPES)]
    own_pi = typed["pi"].eq(pi) | typed["pi"].isna() if pi is not None else pd.Series(True, index=typed.index)
    pi_of = issues["pi"].reindex(agg.index)
    in_scope = agg["in_pi"].astype(bool) | (pi_of.eq(pi) if pi is not None else True)
    keys = [str(k) for k in agg.index[in_scope.to_numpy(dtype=bool)]]
    keys += [k for k in typed.index[own_pi.to_numpy(dtype=bool)] if k not in agg.index]
    names = _iteration_names(kids)
    # plain dicts from here: a feature at a time through pandas objects is far too slow at 100,000 issues
    keys = list(dict.fromkeys(keys))
    stats_of = cast(dict[str, dict[str, Any]], agg.to_dict("index"))
    fetched = [k for k in keys if k in issues.index]
    own_of = cast(
        dict[str, dict[str, Any]],
        issues.loc[fetched, ["summary", "issue_type", "status", "done", "pi", "team_raw"]].to_dict("index"),
    )
    flagged = frame.loc[  # the columns the reasons read
        (frame["later_pi"] | frame["beyond"] | frame["late"]).to_numpy(dtype=bool),
        ["parent", "key", "pi", "ordinal", "later_pi", "beyond", "late"],
    ]
    kids_of: dict[str, list[dict[str, Any]]] = {}
    for child in records(flagged):
        kids_of.setdefault(str(child["parent"]), []).append(child)
    main_of = main_team.to_dict()
    rows = [
        _row(
            str(key),
            own=own_of.get(key),
            stats=stats_of.get(key),
            kids=sorted(kids_of.get(key, []), key=lambda c: issue_order(str(c["key"]))),
            main_team=main_of.get(key),
            teams=teams_by.get(key, ()),
            n=iterations,
            waiting=waiting,
            names=names,
            browse=browse_url,
        )
        for key in keys
    ]
    order = {f: n for n, f in enumerate(FEATURE_FORECASTS)}
    rows.sort(
        key=lambda r: (order[r.forecast], -1.0 if r.progress is None else r.progress, issue_order(r.key))
    )
    counts = tuple(
        FeatureCount(f, FEATURE_FORECAST_LABELS[f], sum(1 for r in rows if r.forecast == f))
        for f in FEATURE_FORECASTS
    )
    notes = []
    outside = [r.key for r in rows if not r.fetched]
    if outside:
        notes.append(
            f"{len(outside)} feature{'s' if len(outside) != 1 else ''} outside the train's JQL "
            "(only their children are known, no summary or status): widen the JQL to include them"
        )
    return Features(bool(rows), pi, iterations, tuple(rows), counts, tuple(notes))


def _teams_by_parent(parents: list[str], teams: list[str]) -> dict[str, tuple[str, ...]]:
    """Each parent's teams in name order, from distinct (parent, team) pairs."""
    pairs = sorted(zip(parents, teams, strict=True))
    return {
        parent: tuple(team for _, team in group)
        for parent, group in itertools.groupby(pairs, key=itemgetter(0))
    }


def _iteration_names(kids: pd.DataFrame) -> dict[int, str]:
    """The first iteration name seen for each iteration ordinal; each distinct (ordinal, name) pair read once,
    in the order of its first row."""
    pairs = kids[["ordinal", "iteration_name"]]
    pairs = pairs[~pairs.duplicated().to_numpy(dtype=bool)]  # drop_duplicates() with a numpy mask
    names: dict[int, str] = {}
    for ordinal, name in zip(pairs["ordinal"].tolist(), pairs["iteration_name"].tolist(), strict=True):
        if ordinal is not None and not math.isnan(ordinal) and name:
            names.setdefault(int(ordinal), str(name))
    return names


def _row(  # noqa: C901 - one decision table of docs/indicators.md section 7, read top to bottom
    key: str,
    *,
    own: Mapping[str, Any] | None,
    stats: Mapping[str, Any] | None,
    kids: list[dict[str, Any]],
    main_team: str | None,
    teams: tuple[str, ...],
    n: int,
    waiting: Mapping[str, str],
    names: Mapping[int, str],
    browse: str,
) -> FeatureRow:
    """One feature; ``kids``: its open children that are planned later, past the PI, or waiting for a late
    dependency (the ones the reasons name), in key order."""
    feature_done = bool(own["done"]) if own is not None else False
    team_raw = own["team_raw"] if own is not None else None
    team = str(team_raw) if isinstance(team_raw, str) and team_raw else (main_team or UNASSIGNED)
    children = int(stats["children"]) if stats is not None else 0
    children_done = int(stats["children_done"]) if stats is not None else 0
    points = stats is not None and children > 0 and int(stats["with_points"]) == children
    total = float(stats["total_points"]) if points and stats is not None else float(children)
    completed = float(stats["done_points"]) if points and stats is not None else float(children_done)
    if feature_done:
        completed = total
    last: int | None = None
    if stats is not None:
        value = stats["last_open"] if not np.isnan(stats["last_open"]) else stats["last_any"]
        last = None if np.isnan(value) else int(value)
    reasons: list[str] = []
    forecast: FeatureForecast
    if children == 0:
        forecast = "done" if feature_done else "no_stories"
        if not feature_done:
            reasons.append("no story or other issue points at it yet")
    elif feature_done or children_done == children:
        forecast = "done"
    elif stats is not None and (bool(stats["later_pi"]) or bool(stats["beyond"])):
        forecast = "will_not_finish"
        for child in kids:
            if child["later_pi"]:
                reasons.append(f"{child['key']} is planned in {child['pi']}")
            elif child["beyond"]:
                ordinal = int(child["ordinal"])
                name = names.get(ordinal, f"iteration {ordinal}")
                where = name if name.startswith("after") else f"in {name}, after the PI's last iteration"
                reasons.append(f"{child['key']} is planned {where}")
    elif stats is not None and not bool(stats["any_scheduled"]):
        forecast = "no_plan"
        reasons.append(f"none of its {children} children is in a sprint")
    else:
        if n and last == n:
            last_name = names.get(n, f"I{n}")
            reasons.append(f"its last open story is planned in the PI's last iteration ({last_name})")
        for child in kids:
            if child["late"]:
                reasons.append(f"{child['key']} waits for the late {waiting[child['key']]}")
        forecast = "at_risk" if reasons else "on_track"
    unscheduled = int(stats["unscheduled"]) if stats is not None else 0
    if unscheduled and forecast in ("at_risk", "on_track"):
        reasons.append(f"{unscheduled} open child{'ren' if unscheduled != 1 else ''} in no sprint yet")
    shown = reasons[:_REASONS_SHOWN]
    if len(reasons) > _REASONS_SHOWN:
        shown.append(f"and {len(reasons) - _REASONS_SHOWN} more")
    return FeatureRow(
        key=key,
        summary=str(own["summary"]) if own is not None else "",
        url=browse + key,
        team=team,
        issue_type=str(own["issue_type"]) if own is not None else "",
        status=str(own["status"]) if own is not None else "",
        done=feature_done,
        pi=(str(own["pi"]) if isinstance(own["pi"], str) else None) if own is not None else None,
        fetched=own is not None,
        children=children,
        children_done=children_done,
        unit="points" if points else "issues",
        total=total,
        completed=completed,
        progress=completed / total if total else None,
        last_ordinal=last,
        last_iteration=None if last is None else names.get(last, f"I{last}"),
        unscheduled=unscheduled,
        forecast=forecast,
        forecast_label=FEATURE_FORECAST_LABELS[forecast],
        reasons=tuple(shown),
        teams=tuple(teams),
    )


def feature_attention(features: Features) -> list[AttentionItem]:
    """A feature of this PI that will not finish in it is an attention item (ranked by health.attention)."""
    items = []
    for row in features.rows:
        if row.forecast != "will_not_finish" or (
            features.pi is not None and row.pi not in (features.pi, None)
        ):
            continue
        where = f"in {isolate(features.pi)}" if features.pi else "in the PI"
        items.append(
            AttentionItem(
                0,
                "warning",
                "feature_will_not_finish",
                f"{row.key} ({isolate(row.team)}) will not finish {where}",
                "; ".join(row.reasons),
                (row.key,),
                row.teams or (row.team,),
            )
        )
    return items
