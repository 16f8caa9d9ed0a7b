"""simulator.week: the scripted week changes only what the train's report can show."""

from __future__ import annotations

from datetime import date

import pytest

from syncreport.simulator import start_simulator
from syncreport.simulator.week import play_a_week


@pytest.mark.parametrize("today", [date(2026, 11, 26), date(2026, 12, 1)])
def test_the_week_changes_only_issues_of_the_train_the_user_can_see(today: date) -> None:
    # On 2026-12-01 the first two open issues with a due date, in site order, are NOVA-21 and SEC-1: SEC is a
    # project the API user may not browse, so a pushed SEC-1 is a change no report can show (the demo then
    # said "2 due dates pushed" while the report saw one).
    with start_simulator(issues=300, seed=7, today=today) as sim:
        week = play_a_week(sim)
        site = sim.site
        touched = {*week.turned_late, *week.finished, *week.due_dates_pushed, *week.new_links[0]}
        projects = {site.by_key[key].project for key in touched}
        assert projects <= set(site.train_projects())
        assert len(week.due_dates_pushed) == 2 and len(week.new_links) == 1
