"""The previous run's document read into typed values: what does not fit is left out, never guessed."""

from __future__ import annotations

from datetime import UTC, datetime

from syncreport.indicators.previous import PreviousDependency, PreviousIssue, read_previous
from syncreport.kinds import Health


def test_a_hand_edited_document_keeps_only_what_fits() -> None:
    document = {
        "schema_version": 2,
        "train": {"name": "Orbit ART", "health": "amber", "generated_at": "2026-11-19T10:30:00Z"},
        "teams": [
            {"name": "Vega", "health": "red"},
            {"name": "Vega", "health": "green"},  # the first entry of a team wins
            {"name": "Lyra", "health": "blue"},  # no such health: left out
            {"name": 7, "health": "red"},  # a name that is not a string: left out
            "Draco",  # not an object: skipped
        ],
        "dependencies": [
            {"consumer": "ORB-1", "provider": "NOVA-2", "status": "late", "consumer_team": "Vega"},
            {"consumer": "ORB-3", "provider": None, "status": "late"},  # no provider: left out
            {"consumer": "ORB-4", "provider": "ATL-5", "status": 3},  # a status that is not a string
        ],
        "issues": [
            {
                "key": "ORB-1",
                "done": False,
                "carry_over": 2,
                "due_date_slip_days": 7,
                "pi_slip": {"to": "PI 26.4"},
            },
            {"key": "ORB-2", "done": "yes", "carry_over": True, "pi_slip": "PI 26.4"},
            {"summary": "no key"},
        ],
        "risks": {"risks": [{"key": "ORB-9", "roam": "owned"}, {"roam": "owned"}]},
    }
    run = read_previous(document)
    assert run is not None
    assert (run.schema_version, run.train, run.health) == (2, "Orbit ART", Health.AMBER)
    assert run.generated_at == datetime(2026, 11, 19, 10, 30, tzinfo=UTC)
    assert run.team_health == {"Vega": Health.RED}
    assert run.dependencies == {
        ("ORB-1", "NOVA-2"): PreviousDependency("ORB-1", "NOVA-2", "Vega", "", "late"),
        ("ORB-4", "ATL-5"): PreviousDependency("ORB-4", "ATL-5", "", "", None),
    }
    # a boolean is not a count, "yes" is not a done-ness, a PI slip must be an object with "to"
    assert run.issues == {
        "ORB-1": PreviousIssue("ORB-1", False, 2, 7.0, "PI 26.4"),
        "ORB-2": PreviousIssue("ORB-2", None, 0, 0.0, None),
    }
    assert run.risks == {"ORB-9": "owned"}


def test_no_document_or_not_an_object_is_no_previous_run() -> None:
    assert read_previous(None) is None
    empty = read_previous({})
    assert empty is not None and empty.train is None and empty.health is None and empty.risks is None
    assert read_previous({"train": "Orbit ART", "teams": {}, "risks": {"risks": {}}}) == empty
