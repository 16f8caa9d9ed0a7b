"""Cadence, orphan work, unowned issues, and the green/amber/red health built on them.

Team A's sprints are 11/12/13 in iterations 1/2/3 (days 0-14, 14-28, 28-42); the snapshot is taken on day 21.
Each expected figure is worked out by hand in the comment above its assertion.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from syncreport.config import IterationSettings, ThresholdSettings
from syncreport.indicators import compute_indicators, to_json_document
from syncreport.indicators.health import attention
from syncreport.indicators.results import AttentionItem, Severity
from syncreport.snapshot import Issue

from .builders import BOARDS, blocks, change, issue, sprint, sprints_for, train

PI_CALENDAR = IterationSettings(pi_start=date(2026, 1, 5), length_days=14, count=3)


def test_sprint_two_days_off_the_iteration_is_off_cadence_but_one_day_is_not() -> None:
    # C's sprints start and end 1 day late (within the default tolerance of 1); D's 2 days late (beyond)
    c_sprints = [sprint(30 + n, "C", n, start_shift=1, end_shift=1) for n in (1, 2, 3)]
    d_sprints = [sprint(40 + n, "D", n, start_shift=2, end_shift=2) for n in (1, 2, 3)]
    feature = issue("F-1", "A", issue_type="Feature")
    issues = [issue("C-1", "C", (32,), parent_key="F-1"), issue("D-1", "D", (42,), parent_key="F-1"), feature]
    results = compute_indicators(train(issues, [*c_sprints, *d_sprints]), iterations=PI_CALENDAR)
    assert [(r.team, r.sprint, r.start_offset_days, r.end_offset_days) for r in results.off_cadence] == [
        ("D", "D Sprint 1", 2.0, 2.0),
        ("D", "D Sprint 2", 2.0, 2.0),
        ("D", "D Sprint 3", 2.0, 2.0),
    ]
    assert len(results.cadence) == 6
    team_d = next(t for t in results.teams if t.team == "D")
    assert team_d.health == "amber"
    assert "3 sprints off the train's cadence (amber from 1)" in team_d.reasons


def test_cadence_tolerance_is_configurable() -> None:
    d_sprints = [sprint(40 + n, "D", n, start_shift=2, end_shift=2) for n in (1, 2, 3)]
    results = compute_indicators(
        train([issue("D-1", "D", (41,))], d_sprints),
        iterations=PI_CALENDAR,
        thresholds=ThresholdSettings(cadence_tolerance_days=2),
    )
    assert results.off_cadence == ()


def test_orphan_share_counts_pi_work_without_a_parent_feature_in_the_train() -> None:
    # A's PI-2 work: A-1 (parent F-1, in the train), A-2 (no parent), A-3 (parent X-1, not in the train).
    # A-4 is PI-3 work and F-1 is a feature: neither counts. -> 2 orphans of 3 = 67% -> red (from 40%)
    issues = [
        issue("F-1", "A", issue_type="Feature", pi="PI-2"),
        issue("A-1", "A", (12,), parent_key="F-1", pi="PI-2"),
        issue("A-2", "A", (12,), pi="PI-2"),
        issue("A-3", "A", (12,), parent_key="X-1", pi="PI-2"),
        issue("A-4", "A", (13,), pi="PI-3"),
    ]
    results = compute_indicators(train(issues, sprints_for("A")))
    orphan_a = next(o for o in results.orphans if o.team == "A")
    assert (orphan_a.pi_issues, orphan_a.orphans, orphan_a.keys) == (3, 2, ("A-2", "A-3"))
    assert orphan_a.share == 2 / 3
    team_a = next(t for t in results.teams if t.team == "A")
    assert (team_a.health, team_a.reasons) == (
        "red",
        ("67% of PI work has no feature in the train (red from 40%)",),
    )


def test_issue_with_no_team_is_unowned_and_makes_the_train_amber() -> None:
    issues = [
        issue("A-1", "A", (12,), parent_key="F-1"),
        issue("F-1", "A", issue_type="Epic"),
        issue("Z-1", None, (12,), parent_key="F-1"),
    ]
    results = compute_indicators(train(issues, sprints_for("A")))
    assert [u.key for u in results.unowned] == ["Z-1"]
    assert results.train_health.health == "amber"
    assert "1 train issue with no team" in results.train_health.reasons
    assert {f.kind: f.keys for f in results.data_quality}["missing_team"] == ("Z-1",)


def three_late_for_a() -> list[Issue]:
    # A's needs are in sprint 12 (I2, still active, so A has no closed sprint to be judged on);
    # B delivers all three in sprint 23 (I3): three late dependencies with B as provider
    issues = [issue(f"A-{n}", "A", (12,), parent_key="F-1") for n in (1, 2, 3)]
    issues += [issue(f"B-{n}", "B", (23,), parent_key="F-1") for n in (1, 2, 3)]
    issues.append(issue("F-1", "A", issue_type="Feature"))
    return issues


def test_team_with_three_late_dependencies_to_deliver_is_red_and_the_consumer_is_not_blamed() -> None:
    links = [blocks(f"B-{n}", f"A-{n}") for n in (1, 2, 3)]
    results = compute_indicators(train(three_late_for_a(), sprints_for("A", "B"), links))
    health = {t.team: t for t in results.teams}
    assert (health["B"].health, health["B"].reasons) == (
        "red",
        ("3 late dependencies to deliver (red from 3)",),
    )
    assert health["A"].health == "green"
    assert health["A"].figures.consumer_late_dependencies == 3
    assert results.train_health.health == "red"
    assert results.train_health.reasons == ("1 team red: \u2068B\u2069",)  # the name an isolated bidi run
    # teams are listed worst first
    assert results.teams[0].team == "B"


def test_thresholds_are_configurable() -> None:
    links = [blocks(f"B-{n}", f"A-{n}") for n in (1, 2, 3)]
    thresholds = ThresholdSettings(late_dependencies_amber=2, late_dependencies_red=5)
    results = compute_indicators(
        train(three_late_for_a(), sprints_for("A", "B"), links), thresholds=thresholds
    )
    team_b = next(t for t in results.teams if t.team == "B")
    assert (team_b.health, team_b.reasons) == ("amber", ("3 late dependencies to deliver (amber from 2)",))


def test_low_sprint_reliability_makes_a_team_red() -> None:
    # sprint 11 closed on day 14 with A-1 done (day 9) and A-2 not done -> 1 of 2 issues = 50% < 60%
    # A-2 stays in 11 only (not moved on): no carry-over, so reliability is the only rule that fires
    issues = [
        issue("A-1", "A", (11,), status="done", parent_key="F-1"),
        issue("A-2", "A", (11,), parent_key="F-1"),
        issue("F-1", "A", issue_type="Feature"),
    ]
    results = compute_indicators(
        train(issues, sprints_for("A"), changes=[change("A-1", 9, "status", "new", "done")])
    )
    team_a = next(t for t in results.teams if t.team == "A")
    assert team_a.figures.reliability == 0.5
    assert (team_a.health, team_a.reasons) == ("red", ("sprint commitment reliability 50% (red below 60%)",))


def test_team_with_no_sprints_is_judged_on_what_it_has_and_says_so() -> None:
    # D is a train team with one unscheduled issue and no sprint at all
    issues = [
        issue("A-1", "A", (12,), parent_key="F-1"),
        issue("F-1", "A", issue_type="Feature"),
        issue("D-1", "D", (), parent_key="F-1"),
    ]
    results = compute_indicators(train(issues, sprints_for("A"), teams=("A", "D")))
    team_d = next(t for t in results.teams if t.team == "D")
    assert (team_d.has_sprints, team_d.health, team_d.figures.reliability) == (False, "green", None)
    assert team_d.reasons == ("no sprints in the snapshot: reliability and carry-over cannot be measured",)


def test_carry_over_share_is_carried_issues_over_issues_that_were_in_a_sprint() -> None:
    # A-1 carried 11 -> 12; A-2 in 12 only; A-3 never in a sprint: 1 of 2 sprinted issues = 50% -> red
    issues = [
        issue("A-1", "A", (11, 12), parent_key="F-1"),
        issue("A-2", "A", (12,), parent_key="F-1"),
        issue("A-3", "A", (), parent_key="F-1"),
        issue("F-1", "A", issue_type="Feature"),
    ]
    changes = [change("A-1", 14, "sprint", "11", "11, 12")]
    results = compute_indicators(train(issues, sprints_for("A"), changes=changes))
    team_a = next(t for t in results.teams if t.team == "A")
    assert team_a.figures.carry_over_share == 0.5
    assert "50% of sprint work carried over (red from 30%)" in team_a.reasons
    assert [i.key for i in results.slipped_issues] == ["A-1"]


def test_sprint_ending_on_friday_before_the_next_iteration_is_on_cadence() -> None:
    # D's sprints start Monday 09:00 (day n*14 + 0.375) and end Friday 17:00 of week two (day n*14 + 11.7).
    # The iteration ends Monday 00:00 (day n*14 + 14): Friday -> Monday is 1 working day early, within 1
    # (3 calendar days would be off cadence).
    d_sprints = [sprint(40 + n, "D", n, start_shift=0.375, end_shift=-2.3) for n in (1, 2, 3)]
    results = compute_indicators(train([issue("D-1", "D", (42,))], d_sprints), iterations=PI_CALENDAR)
    assert [(r.start_offset_days, r.end_offset_days, r.off_cadence) for r in results.cadence] == [
        (0, -1, False)
    ] * 3


def test_attention_keeps_room_for_other_kinds_beside_many_late_dependencies() -> None:
    # five late dependencies, all provided by B (so B is red); A-9 flagged since day 1 (20 days: A is red too)
    # Attention: the three late dependencies needed soonest, then the two red teams (errors before the
    # ageing warning); the other two late strings wait.
    issues = [issue(f"A-{n}", "A", (12,), parent_key="F-1") for n in range(1, 6)]
    issues += [issue(f"B-{n}", "B", (23,), parent_key="F-1") for n in range(1, 6)]
    issues += [
        issue("F-1", "A", issue_type="Feature"),
        issue("A-9", "A", (12,), parent_key="F-1", flagged=True),
    ]
    changes = [change("A-9", 1, "flagged", "false", "true")]
    links = [blocks(f"B-{n}", f"A-{n}") for n in range(1, 6)]
    attention = compute_indicators(train(issues, sprints_for("A", "B"), links, changes)).attention
    assert [(a.rank, a.kind, a.title) for a in attention] == [
        (1, "late_dependency", "B-1 (\u2068B\u2069) is late for A-1 (\u2068A\u2069)"),
        (2, "late_dependency", "B-2 (\u2068B\u2069) is late for A-2 (\u2068A\u2069)"),
        (3, "late_dependency", "B-3 (\u2068B\u2069) is late for A-3 (\u2068A\u2069)"),
        (4, "red_team", "\u2068A\u2069 is red"),
        (5, "red_team", "\u2068B\u2069 is red"),
    ]


def test_a_red_team_keeps_its_place_beside_two_cycles_and_three_late_dependencies() -> None:
    # B provides three late dependencies (B-n in I3 for A-n in I2): B is red (red from 3). C and D wait for
    # each other twice (C-1 <-> D-1, C-2 <-> D-2, all in I2): two open cycles, at risk, nobody red for it.
    # Ranked: 2 cycles, 3 late strings, then "B is red" (errors all). Five places: cycles and late strings
    # alone would fill them (two kinds, at most three each); the red team has its place first, so the
    # third late string waits: cycle, cycle, late B-1, late B-2, B is red.
    issues = three_late_for_a()
    issues += [issue(f"{t}-{n}", t, (BOARDS[t] * 10 + 2,), parent_key="F-1") for t in "CD" for n in (1, 2)]
    links = [blocks(f"B-{n}", f"A-{n}") for n in (1, 2, 3)]
    links += [blocks(f"C-{n}", f"D-{n}") for n in (1, 2)] + [blocks(f"D-{n}", f"C-{n}") for n in (1, 2)]
    results = compute_indicators(train(issues, sprints_for("A", "B", "C", "D"), links))
    assert {t.team: t.health for t in results.teams} == {"A": "green", "B": "red", "C": "green", "D": "green"}
    assert [(a.rank, a.kind, a.title) for a in results.attention] == [
        (1, "cycle", "Dependency cycle: C-1 -> D-1 -> C-1"),
        (2, "cycle", "Dependency cycle: C-2 -> D-2 -> C-2"),
        (3, "late_dependency", "B-1 (\u2068B\u2069) is late for A-1 (\u2068A\u2069)"),
        (4, "late_dependency", "B-2 (\u2068B\u2069) is late for A-2 (\u2068A\u2069)"),
        (5, "red_team", "\u2068B\u2069 is red"),
    ]
    # the red team's reasons come whole, every one of them
    assert results.attention[4].detail == "; ".join(results.teams[0].reasons)


def test_health_changes_since_last_run_list_the_train_first_then_teams_worse_first() -> None:
    # now: B red (3 late to deliver), A green, train red (worst team). Last run (edited): train amber,
    # B amber, A green -> train amber->red and B amber->red, both worse; A unchanged is not listed.
    links = [blocks(f"B-{n}", f"A-{n}") for n in (1, 2, 3)]
    snapshot = train(three_late_for_a(), sprints_for("A", "B"), links)
    previous = to_json_document(compute_indicators(snapshot))
    previous["train"]["health"] = "amber"
    for team in previous["teams"]:
        team["health"] = {"A": "green", "B": "amber"}.get(team["name"], team["health"])
    changes = compute_indicators(snapshot, previous=previous).changes
    assert [(c.scope, c.previous, c.health, c.worse) for c in changes.health_changes] == [
        ("Rocket ART", "amber", "red", True),
        ("B", "amber", "red", True),
    ]


def test_late_dependency_of_a_finished_consumer_is_consumer_done_and_not_scored() -> None:
    # A-1 (I2) is done although B-1 (I3) would be late for it: the need has passed -> consumer_done
    # (docs/indicators.md 1, status 2): not late, no attention item, B not judged for it (0 late, green),
    # not in the summary's counts, listed for clean-up
    issues = [issue("A-1", "A", (12,), status="done"), issue("B-1", "B", (23,))]
    results = compute_indicators(train(issues, sprints_for("A", "B"), [blocks("B-1", "A-1")]))
    (dep,) = results.dependencies
    assert dep.status == "consumer_done"
    assert "the need has passed" in dep.reason
    assert [a.kind for a in results.attention if a.kind == "late_dependency"] == []
    team_b = next(t for t in results.teams if t.team == "B")
    assert (team_b.figures.late_dependencies, team_b.health) == (0, "green")
    assert results.train_health.figures.late_dependencies == 0
    assert sum(c.count for c in results.status_counts) == 0
    assert [(d.consumer.key, d.provider.key) for d in results.clean_up] == [("A-1", "B-1")]


def test_attention_chooses_an_item_once_even_when_an_equal_one_comes_again() -> None:
    # Five items (the page's most), at most three of a kind while other kinds wait. In order: f1, f1 again
    # (an equal item, as two link types between the same issues make), f2, f3, f4 (feature), a1 (ageing
    # warning, a later severity). Chosen: f1, f2, f3 (three features), then a1 (another kind), then the
    # fill from the rest in rank order: f4 (f1's twin is taken already). Shown in rank order: f1, f2, f3,
    # f4 (errors) then a1, ranked 1 to 5.
    def item(kind: str, title: str, severity: Severity = "error") -> AttentionItem:
        return AttentionItem(0, severity, kind, title, "", (), ())

    f1, f2, f3, f4 = (item("feature", f"f{n}") for n in range(1, 5))
    a1 = item("ageing", "a1", "warning")
    chosen = attention((), (), (), (), 0, pd.Series(dtype=bool), feature_items=[f1, f1, f2, f3, f4, a1])
    assert [(i.rank, i.title) for i in chosen] == [(1, "f1"), (2, "f2"), (3, "f3"), (4, "f4"), (5, "a1")]
