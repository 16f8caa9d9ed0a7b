"""SAFe predictability: actual business value of all PI objectives / planned business value of the committed ones.

Per team and for the train, from the objectives' figures (:mod:`syncreport.indicators.objectives`, which
defines when a team is scored); 80-100% is the healthy band. Where the objectives or their business value
fields are missing, the report says what to configure instead of inventing a number.
"""

from __future__ import annotations

from syncreport.indicators.results import Objectives, ObjectiveTeam, Predictability, PredictabilityRow


def predictability_of(objectives: Objectives) -> Predictability:
    """SAFe predictability (the report's predictability section) from the objectives' figures."""

    def row(t: ObjectiveTeam) -> PredictabilityRow:
        return PredictabilityRow(
            scope=t.scope,
            planned=t.planned_committed,
            actual=t.actual or 0.0,
            ratio=t.predictability,
            in_band=t.in_band,
        )

    scored = [t for t in objectives.teams if t.predictability is not None]
    if not objectives.available:
        notes = "; ".join(objectives.notes) or "no PI objectives"
        return Predictability(False, notes, None, ())
    train = objectives.train
    if not scored and (train is None or train.predictability is None):
        reason = train.reason if train and train.reason else "no team is scored yet"
        return Predictability(False, f"not scored yet, {reason}", None, ())
    return Predictability(
        available=True,
        reason=None,
        train=row(train) if train is not None and train.predictability is not None else None,
        teams=tuple(row(t) for t in scored),
    )
