"""Dependency status, precedence, same-team links, invisible ends, cross-PI, cycles and provider slip.

Sprint ids: team A 11/12/13, team B 21/22/23 in iterations 1/2/3 (builders.sprints_for); the snapshot is
taken on day 21, in iteration 2. Every expected status below is read off docs/indicators.md's list by hand.
"""

from __future__ import annotations

from syncreport.indicators import compute_indicators
from syncreport.indicators.results import DependencyRow, IndicatorResults
from syncreport.kinds import DependencyStatus
from syncreport.snapshot import DependencyLink, Issue, LinkedIssue

from .builders import blocks, change, issue, sprints_for, train

SPRINTS = sprints_for("A", "B", "C")


def only_dependency(results: IndicatorResults) -> DependencyRow:
    assert len(results.dependencies) == 1, results.dependencies
    return results.dependencies[0]


def status_of(*issues: Issue, links: list[DependencyLink] | None = None) -> str:
    snapshot = train(list(issues), SPRINTS, links or [blocks("B-1", "A-1")])
    return only_dependency(compute_indicators(snapshot)).status


def test_provider_in_later_iteration_is_late() -> None:
    # consumer A-1 needs it in I1 (sprint 11), provider B-1 delivers in I3 (sprint 23): 3 > 1 -> late
    assert status_of(issue("A-1", "A", (11,)), issue("B-1", "B", (23,))) == "late"


def test_provider_in_earlier_iteration_is_on_track() -> None:
    # provider in I1, consumer in I3 -> delivered before it is needed
    assert status_of(issue("A-1", "A", (13,)), issue("B-1", "B", (21,))) == "on_track"


def test_provider_and_consumer_in_same_iteration_is_at_risk() -> None:
    assert status_of(issue("A-1", "A", (12,)), issue("B-1", "B", (22,))) == "at_risk"


def test_flagged_provider_before_consumer_is_at_risk() -> None:
    # on track by iterations (I1 < I3), but a flagged provider is at risk (rule 6 comes before rule 7)
    assert status_of(issue("A-1", "A", (13,)), issue("B-1", "B", (21,), flagged=True)) == "at_risk"


def test_done_provider_is_done_even_when_its_sprint_is_later() -> None:
    # rule 1 wins over rule 4
    assert status_of(issue("A-1", "A", (11,)), issue("B-1", "B", (23,), status="done")) == "done"


def test_unscheduled_provider_is_unscheduled() -> None:
    assert status_of(issue("A-1", "A", (11,)), issue("B-1", "B", ())) == "unscheduled"


def test_provider_outside_train_is_external_before_unscheduled() -> None:
    # rule 2 (external) comes before rule 3 (unscheduled)
    assert status_of(issue("A-1", "A", (11,)), issue("B-1", "B", (), in_train=False)) == "external"


def test_scheduled_provider_for_unscheduled_consumer_is_consumer_unscheduled() -> None:
    assert status_of(issue("A-1", "A", ()), issue("B-1", "B", (22,))) == "consumer_unscheduled"


def test_provider_in_later_pi_is_late_even_if_consumer_unscheduled() -> None:
    # rule 4 by PI (PI-3 after PI-2) comes before rule 5 (consumer unscheduled)
    consumer = issue("A-1", "A", (), pi="PI-2")
    provider = issue("B-1", "B", (21,), pi="PI-3")
    snapshot = train([consumer, provider], SPRINTS, [blocks("B-1", "A-1")])
    dep = only_dependency(compute_indicators(snapshot))
    assert (dep.status, dep.cross_pi) == ("late", True)
    assert "PI-3" in dep.reason


def test_provider_not_visible_is_external_and_reported() -> None:
    # X-9 is not in the snapshot: the Jira user cannot see it
    snapshot = train([issue("A-1", "A", (11,))], SPRINTS, [blocks("X-9", "A-1")])
    results = compute_indicators(snapshot)
    dep = only_dependency(results)
    assert (dep.status, dep.provider.visible, dep.provider.team) == ("external", False, "(not visible)")
    finding = next(f for f in results.data_quality if f.kind == "link_not_visible")
    assert finding.keys == ("X-9",)


def test_same_team_link_is_listed_apart_and_not_scored() -> None:
    snapshot = train([issue("A-1", "A", (11,)), issue("A-2", "A", (13,))], SPRINTS, [blocks("A-2", "A-1")])
    results = compute_indicators(snapshot)
    assert results.dependencies == ()
    assert [(d.consumer.key, d.provider.key) for d in results.same_team_links] == [("A-1", "A-2")]
    assert results.train_health.figures.late_dependencies == 0


def test_issue_that_moved_between_teams_counts_for_its_current_team() -> None:
    # B-1 was team A's, moved to B (team change in the changelog): the link A-1 <- B-1 is now cross-team
    provider = issue("B-1", "B", (23,))
    changes = [change("B-1", 3, "team", from_string="A", to_string="B")]
    snapshot = train([issue("A-1", "A", (11,)), provider], SPRINTS, [blocks("B-1", "A-1")], changes)
    results = compute_indicators(snapshot)
    dep = only_dependency(results)
    assert (dep.provider.team, dep.status) == ("B", "late")
    assert next(i for i in results.issues if i.key == "B-1").team_changed


def test_link_removed_later_is_not_a_dependency() -> None:
    # the changelog shows the link added on day 1 and removed on day 5; the snapshot has no such link
    changes = [
        change("A-1", 1, "link", to_string="B-1"),
        change("A-1", 5, "link", from_string="B-1"),
    ]
    snapshot = train([issue("A-1", "A", (11,)), issue("B-1", "B", (23,))], SPRINTS, [], changes)
    assert compute_indicators(snapshot).dependencies == ()


def test_dependencies_are_sorted_most_severe_first() -> None:
    issues = [
        issue("A-1", "A", (13,)),
        issue("A-2", "A", (11,)),
        issue("B-1", "B", (21,)),  # on track for A-1
        issue("B-2", "B", (23,)),  # late for A-2
        issue("B-3", "B", ()),  # unscheduled for A-1
    ]
    links = [blocks("B-1", "A-1"), blocks("B-2", "A-2"), blocks("B-3", "A-1")]
    results = compute_indicators(train(issues, SPRINTS, links))
    assert [d.status for d in results.dependencies] == ["late", "unscheduled", "on_track"]
    counts = {c.status: c.count for c in results.status_counts}
    assert counts == {
        "late": 1,
        "unscheduled": 1,
        "at_risk": 0,
        "external": 0,
        "consumer_unscheduled": 0,
        "on_track": 1,
        "done": 0,
    }  # consumer_done is not a summary count (listed for clean-up instead)


def test_cycle_names_every_issue_in_order() -> None:
    # A-1 needs B-1 needs C-1 needs A-1
    issues = [issue("A-1", "A", (11,)), issue("B-1", "B", (22,)), issue("C-1", "C", (33,))]
    links = [blocks("B-1", "A-1"), blocks("C-1", "B-1"), blocks("A-1", "C-1")]
    results = compute_indicators(train(issues, SPRINTS, links))
    assert [c.keys for c in results.cycles] == [("A-1", "B-1", "C-1")]
    assert results.cycles[0].teams == ("A", "B", "C")
    assert all(d.in_cycle for d in results.dependencies)
    assert results.train_health.health == "red"
    assert results.attention[0].kind == "cycle"


def test_provider_sprint_moved_later_after_link_created_is_a_dependency_slip() -> None:
    # link created day 2 while B-1 was in sprint 21 (I1); on day 10 B-1 moved to sprint 23 (I3)
    provider = issue("B-1", "B", (23,))
    changes = [change("B-1", 10, "sprint", "21", "23")]
    links = [blocks("B-1", "A-1", created=2)]
    snapshot = train([issue("A-1", "A", (13,)), provider], SPRINTS, links, changes)
    dep = only_dependency(compute_indicators(snapshot))
    assert (dep.provider_slipped, dep.provider_slip_from) == (True, "B Sprint 1")


def test_provider_moved_before_link_created_is_no_dependency_slip() -> None:
    # the move (day 10) happened before the link existed (day 12)
    changes = [change("B-1", 10, "sprint", "21", "23")]
    links = [blocks("B-1", "A-1", created=12)]
    snapshot = train([issue("A-1", "A", (13,)), issue("B-1", "B", (23,))], SPRINTS, links, changes)
    assert only_dependency(compute_indicators(snapshot)).provider_slipped is False


def test_two_cycle_and_knot_are_each_reported_once_with_every_issue() -> None:
    # 2-cycle: A-1 <-> B-1. Knot: C-1 needs needs C-1 and B-2, B-2 needs A-2 (no simple cycle through
    # all three: it is reported as one cycle naming C-1, A-2 and B-2 in a walk order)
    issues = [
        issue("A-1", "A", (12,)),
        issue("B-1", "B", (22,)),
        issue("A-2", "A", (12,)),
        issue("B-2", "B", (22,)),
        issue("C-1", "C", (32,)),
    ]
    links = [
        blocks("B-1", "A-1"),
        blocks("A-1", "B-1"),
        blocks("A-2", "C-1"),
        blocks("C-1", "A-2"),
        blocks("B-2", "A-2"),
        blocks("A-2", "B-2"),
    ]
    cycles = compute_indicators(train(issues, SPRINTS, links)).cycles
    assert [c.keys for c in cycles] == [("A-1", "B-1"), ("A-2", "B-2", "C-1")]


def test_consumer_not_visible_counts_as_unscheduled_and_is_reported() -> None:
    # B-1 (in the train, sprint 22) provides for X-1, which the user cannot see -> consumer_unscheduled
    snapshot = train([issue("B-1", "B", (22,))], SPRINTS, [blocks("B-1", "X-1")])
    results = compute_indicators(snapshot)
    dep = only_dependency(results)
    assert (dep.status, dep.consumer.visible) == ("consumer_unscheduled", False)
    assert "not visible" in dep.reason
    assert {f.kind: f.keys for f in results.data_quality}["link_not_visible"] == ("X-1",)


def test_link_with_an_unassigned_end_is_cross_team() -> None:
    # nothing shows that Z-1 (no team) belongs to team A: the link is scored, not listed as same-team
    snapshot = train([issue("A-1", "A", (11,)), issue("Z-1", None, (23,))], SPRINTS, [blocks("Z-1", "A-1")])
    dep = only_dependency(compute_indicators(snapshot))
    assert (dep.provider.team, dep.status, dep.iterations_late) == ("unassigned", "late", 2)


def test_visible_provider_outside_the_train_is_external_with_its_sprint() -> None:
    # P-1 belongs to another train (in_train False) but is visible: its sprint 23 is shown in the reason
    provider = issue("P-1", "C", (23,), in_train=False)
    dep = only_dependency(
        compute_indicators(train([issue("A-1", "A", (11,)), provider], SPRINTS, [blocks("P-1", "A-1")]))
    )
    assert (dep.status, dep.provider.visible, dep.provider.in_train) == ("external", True, False)
    assert dep.reason == "provider is outside the train (I3)"


def test_provider_taken_out_of_every_sprint_after_the_link_is_a_slip_and_unscheduled() -> None:
    # link made on day 2 while B-1 was in sprint 22; on day 9 it went back to the backlog
    changes = [change("B-1", 9, "sprint", "22", None)]
    links = [blocks("B-1", "A-1", created=2)]
    snapshot = train([issue("A-1", "A", (13,)), issue("B-1", "B", ())], SPRINTS, links, changes)
    dep = only_dependency(compute_indicators(snapshot))
    assert (dep.status, dep.provider_slipped, dep.provider_slip_from) == ("unscheduled", True, "B Sprint 2")


def test_link_date_comes_from_the_changelog_when_the_link_has_none() -> None:
    # no date on the link; the consumer's changelog shows it added on day 12, after B-1 moved (day 10)
    changes = [change("B-1", 10, "sprint", "21", "23"), change("A-1", 12, "link", to_string="B-1")]
    snapshot = train(
        [issue("A-1", "A", (13,)), issue("B-1", "B", (23,))], SPRINTS, [blocks("B-1", "A-1")], changes
    )
    assert only_dependency(compute_indicators(snapshot)).provider_slipped is False


# --- consumer_done, far ends as their links show them, open cycles (docs/indicators.md section 1) ---------------


def test_done_consumer_of_an_open_provider_is_consumer_done_whatever_the_provider_schedule() -> None:
    # A-1 is done; B-1 in a later iteration (would be late), B-2 in no sprint (would be unscheduled),
    # P-1 outside the train (would be external): each -> consumer_done, status 2, before all of those
    issues = [
        issue("A-1", "A", (11,), status="done"),
        issue("B-1", "B", (23,)),
        issue("B-2", "B", ()),
        issue("P-1", "C", (31,), in_train=False),
    ]
    links = [blocks("B-1", "A-1"), blocks("B-2", "A-1"), blocks("P-1", "A-1")]
    results = compute_indicators(train(issues, SPRINTS, links))
    assert {(d.provider.key, d.status) for d in results.dependencies} == {
        ("B-1", "consumer_done"),
        ("B-2", "consumer_done"),
        ("P-1", "consumer_done"),
    }
    # listed for clean-up, never scored or counted: team B has 0 late and 0 unscheduled to deliver
    assert [d.provider.key for d in results.clean_up] == ["B-1", "B-2", "P-1"]
    team_b = next(t for t in results.teams if t.team == "B")
    assert (team_b.figures.late_dependencies, team_b.figures.unscheduled_dependencies) == (0, 0)
    assert {c.status: c.count for c in results.status_counts}.get(DependencyStatus.CONSUMER_DONE) is None


def test_done_provider_wins_over_done_consumer() -> None:
    # both ends done: status 1 (done) applies first
    done_both = (issue("A-1", "A", (11,), status="done"), issue("B-1", "B", (23,), status="done"))
    assert status_of(*done_both) == "done"


def test_consumer_done_sorts_after_every_open_status_and_before_done() -> None:
    issues = [
        issue("A-1", "A", (11,), status="done"),
        issue("A-2", "A", (13,)),
        issue("A-3", "A", (11,)),
        issue("B-1", "B", (23,)),  # A-1 done -> consumer_done
        issue("B-2", "B", (21,)),  # on track for A-2
        issue("B-3", "B", (21,), status="done"),  # done for A-3
    ]
    links = [blocks("B-1", "A-1"), blocks("B-2", "A-2"), blocks("B-3", "A-3")]
    results = compute_indicators(train(issues, SPRINTS, links))
    assert [d.status for d in results.dependencies] == ["on_track", "consumer_done", "done"]


def test_provider_the_user_cannot_fetch_keeps_the_done_status_its_link_shows() -> None:
    # X-9 (another project, not browsable) is Resolved (category done) in A-1's link -> done, not external
    linked = (LinkedIssue("X-9", "Embargoed fix", "Resolved", "done", "Bug"),)
    results = compute_indicators(
        train([issue("A-1", "A", (11,))], SPRINTS, [blocks("X-9", "A-1")], linked=linked)
    )
    dep = only_dependency(results)
    assert (dep.status, dep.provider.visible, dep.provider.status, dep.provider.done) == (
        "done",
        False,
        "Resolved",
        True,
    )
    assert dep.provider.summary == "Embargoed fix"
    assert "as its link shows" in dep.reason


def test_open_provider_the_user_cannot_fetch_is_external_and_says_what_its_link_shows() -> None:
    linked = (LinkedIssue("X-9", "Embargoed fix", "In Progress", "indeterminate", "Bug"),)
    results = compute_indicators(
        train([issue("A-1", "A", (11,))], SPRINTS, [blocks("X-9", "A-1")], linked=linked)
    )
    dep = only_dependency(results)
    assert (dep.status, dep.provider.status, dep.provider.done) == ("external", "In Progress", False)
    assert dep.reason.endswith("its link shows In Progress")


def test_consumer_the_user_cannot_fetch_done_in_its_link_is_consumer_done() -> None:
    # B-1 (sprint 22, open) provides for X-1, not fetchable, Done in the link -> consumer_done (not
    # consumer_unscheduled as an unknown consumer would be)
    linked = (LinkedIssue("X-1", "Their story", "Done", "done", "Story"),)
    results = compute_indicators(
        train([issue("B-1", "B", (22,))], SPRINTS, [blocks("B-1", "X-1")], linked=linked)
    )
    assert only_dependency(results).status == "consumer_done"


def test_cycle_through_issues_done_in_their_links_is_not_open() -> None:
    # A-1 (Resolved, in the train) <-> X-2 (not fetchable, Resolved in the link): a cycle of two done
    # issues is listed but not open: no attention item, the train is not red for it
    linked = (LinkedIssue("X-2", "Their fix", "Resolved", "done", "Bug"),)
    issues = [issue("A-1", "A", (11,), status="done", status_name="Resolved")]
    links = [blocks("X-2", "A-1"), blocks("A-1", "X-2")]
    results = compute_indicators(train(issues, SPRINTS, links, linked=linked))
    assert [c.keys for c in results.cycles] == [("A-1", "X-2")]
    assert [d.status for d in results.dependencies] == ["done", "done"]
    assert [a.kind for a in results.attention if a.kind == "cycle"] == []
    assert results.train_health.health == "green"


def test_cycle_with_one_open_issue_is_not_open_but_with_two_it_is() -> None:
    # docs/indicators.md: a cycle is open while at least two of its issues are not done.
    # A-1 (done) -> B-1 -> C-1 -> A-1 with B-1 and C-1 open: open (red). With C-1 done too: only B-1 is
    # open, it can finish first: not open.
    links = [blocks("B-1", "A-1"), blocks("C-1", "B-1"), blocks("A-1", "C-1")]
    two_open = [issue("A-1", "A", (11,), status="done"), issue("B-1", "B", (22,)), issue("C-1", "C", (33,))]
    assert compute_indicators(train(two_open, SPRINTS, links)).train_health.health == "red"
    one_open = [*two_open[:2], issue("C-1", "C", (33,), status="done")]
    results = compute_indicators(train(one_open, SPRINTS, links))
    assert [a.kind for a in results.attention if a.kind == "cycle"] == []
    assert "cycle" not in " ".join(results.train_health.reasons)
