"""SAFe predictability: actual / planned business value of the PI's objectives, per team and for the train.

Issues of the report's PI that carry a planned business value are the objectives. Where the site has no
such field, or no issue has a value, the report says so (with the reason) instead of inventing a number.
An objective with a planned value but no actual value yet counts as 0 achieved once any objective of the
same team has an actual value; before that the team's ratio is not available.
"""

from __future__ import annotations

import pandas as pd

from syncreport.indicators.results import Predictability, PredictabilityRow
from syncreport.snapshot import Snapshot
from syncreport.untrusted import isolate

BAND = (0.8, 1.0)


def _row(scope: str, planned: float, actual: float | None) -> PredictabilityRow:
    ratio = actual / planned if actual is not None and planned > 0 else None
    return PredictabilityRow(
        scope=scope,
        planned=float(planned),
        actual=float(actual or 0.0),
        ratio=ratio,
        in_band=ratio is not None and BAND[0] <= ratio <= BAND[1],
    )


def predictability(snapshot: Snapshot, issues: pd.DataFrame) -> Predictability:
    train = issues[issues["in_train"]]
    if snapshot.current_pi is not None:
        train = train[train["pi"] == snapshot.current_pi]
    objectives = train[train["bv_planned"].notna()]
    if objectives.empty:
        if "business_value" not in snapshot.available_fields and issues["bv_planned"].isna().all():
            reason = (
                "not available because the Jira site has no business value fields configured "
                "(set [train] business_value_planned_field and business_value_actual_field)"
            )
        else:
            pi = isolate(snapshot.current_pi) if snapshot.current_pi else "the train"
            reason = f"not available because no issue of {pi} has a planned business value"
        return Predictability(available=False, reason=reason, train=None, teams=())
    if objectives["bv_actual"].isna().all():
        return Predictability(
            available=False,
            reason="not available because no PI objective has an actual business value yet "
            "(it is scored at the end of the PI)",
            train=None,
            teams=(),
        )
    rows = []
    for team, group in objectives.groupby("team", sort=True):
        actual = float(group["bv_actual"].sum()) if group["bv_actual"].notna().any() else None
        rows.append(_row(str(team), float(group["bv_planned"].sum()), actual))
    scored = objectives[objectives["team"].isin([r.scope for r in rows if r.ratio is not None])]
    train_row = _row(snapshot.train, float(scored["bv_planned"].sum()), float(scored["bv_actual"].sum()))
    return Predictability(available=True, reason=None, train=train_row, teams=tuple(rows))
