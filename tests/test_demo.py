"""The demo is the newcomer's first command: the real report path, end to end, against the simulator."""

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncreport.cli import app
from syncreport.simulator import start_simulator
from syncreport.simulator.week import play_a_week

from .conftest import SIM_TODAY

pytestmark = pytest.mark.e2e


def test_demo_writes_html_pdf_and_json_that_show_last_weeks_changes(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--issues", "300"])
    assert result.exit_code == 0, result.output
    printed = [Path(line) for line in result.output.splitlines() if line.startswith(str(tmp_path))]
    assert sorted(p.suffix for p in printed) == [".html", ".json", ".pdf"]
    assert printed[0].parent == tmp_path
    assert all(p.stat().st_size > 0 for p in printed)
    assert next(p for p in printed if p.suffix == ".pdf").read_bytes().startswith(b"%PDF-")

    document = json.loads(next(p for p in printed if p.suffix == ".json").read_text())
    changes = document["changes_since_last"]
    # play_a_week moves two on-track providers past their consumers, finishes two late providers,
    # pushes two due dates by a week and agrees one new dependency: the second run must see all of it.
    # Every working day the teams work their sprints too (simulator.teamwork), and every other week the
    # boards' sprints close (the wall clock decides which week this is), their open issues carried into the
    # next sprint: a consumer carried into its provider's iteration recovers from late, and so does a late
    # dependency whose provider or consumer a team finished (the exact rules, worked out from the
    # iterations, are in tests/test_any_day.py).
    assert changes["available"] is True
    # each week says what the teams finished, how many sprints closed and how many open issues they carried
    # on: 9 boards (8 teams and the other train's platform board) over the 3 weeks' 21 days, each closing once
    # or twice; every week has 5 working days, and a 300-issue train's active sprints hold some 30 issues, so
    # the teams finish some each week
    weeks = re.findall(
        r"A week in Jira: the teams finished (\d+) sprint issues?, (\d+) sprints? closed \(\d+ open issues? "
        r"carried",
        result.output,
    )
    assert len(weeks) == 3 and 9 <= sum(int(closed) for _, closed in weeks) <= 18
    assert all(int(finished) > 0 for finished, _ in weeks)
    assert changes["turned_late"]
    assert {d["status"] for d in document["dependencies"] if d["provider"] in
            {c["provider"] for c in changes["turned_late"]}} == {"late"}  # fmt: skip
    assert len(changes["new_dependencies"]) == 1
    # resolved: the script's two late providers and what the teams finished in the last week
    resolved = {i["key"] for i in changes["resolved"]}
    assert len(resolved) >= 2
    carried = {i["key"] for i in changes["newly_slipped"] if "carried over" in i["detail"]}
    # every dependency no longer late is explained: its provider finished (done), its consumer finished
    # (consumer_done), or its consumer carried into the provider's iteration
    for d in changes["recovered"]:
        assert (
            (d["status"] == "done" and d["provider"] in resolved)
            or (d["status"] == "consumer_done" and d["consumer"] in resolved)
            or d["consumer"] in carried
        ), d
    assert sum(d["status"] == "done" for d in changes["recovered"]) >= 2  # the script's two at least
    # the ROAM board moves too: one risk ROAMed (not ROAMed -> owned), one owned risk resolved
    risks = document["risks"]
    assert sorted((c["previous"], c["roam"]) for c in risks["changes"]) == [
        ("not_roamed", "owned"),
        ("owned", "resolved"),
    ]
    assert document["objectives"]["available"] is True and document["objectives"]["objectives"]
    assert len(changes["newly_slipped"]) >= 2
    # last week's run was taken a week ago on the simulator's clock (it used to be seconds old), and the
    # demo says so: figures as of now, compared with the run of a week ago
    generated = datetime.fromisoformat(document["train"]["generated_at"])
    previous = datetime.fromisoformat(changes["previous_generated_at"])
    assert timedelta(days=7) <= generated - previous < timedelta(days=7, minutes=5)
    assert f"compared with the run of {previous:%Y-%m-%d %H:%M} UTC" in result.output
    # the demo played several weeks before this one (DEMO_WEEKS = 3), so the report shows four runs of trends,
    # and page 1 says how the late count moved since the last run: "Late N (+k since D Mon)"
    html = next(p for p in printed if p.suffix == ".html").read_text()
    assert 'id="trends"' in html and "Health, run by run" in html
    assert len(list((tmp_path / ".syncreport" / "orbit-art" / "trends").glob("*.json"))) == 4
    # the summary on pages 1 and 2 (its teams, changes and risks go on over page 2), the whole trends section
    # on page 3 (the two charts side by side, the strip beside the weeks' table: one page, not two), and the
    # landscape board from page 4. The trends start a page of their own on purpose: every run adds a point to
    # them, so the PDF is laid out in parts (render/print_parts.py) and a warm run lays out only the trends'
    # page and the margins again, never the summary's pages before them.
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(next(p for p in printed if p.suffix == ".pdf")).pages]
    trends_parts = (
        "Dependencies by status, run by run",
        "Health, run by run",
        "Carry-over and slips per week",
    )
    assert "Executive summary" in pages[0] and "Changes since the last run" in pages[1]
    assert pages[2].startswith("Trends") and all(part in pages[2] for part in trends_parts)
    # and the thresholds that colour the strip, in the room under the weeks' table (the appendix's last
    # page was a 7-row table on a page 70% empty)
    assert "Thresholds used" in pages[2] and not any("Thresholds used" in page for page in pages[3:])
    assert "Program board" in pages[3]
    late_now = document["dependency_counts"]["late"]
    assert re.search(
        rf"{late_now} <span class=\"delta\">\([+−±]\d+ since {previous.day} {previous:%b}\)</span>", html
    )


def test_a_week_of_changes_goes_through_the_public_mutators_and_is_reported_back() -> None:
    with start_simulator(issues=300, seed=7, today=SIM_TODAY) as sim:
        before = {key: (issue.updated, len(issue.histories)) for key, issue in sim.site.by_key.items()}
        week = play_a_week(sim)
        touched = {*week.turned_late, *week.finished, *week.due_dates_pushed, *week.new_links[0]}
        assert len(week.risks_roamed) == 1 and len(week.risks_resolved) == 1  # the ROAM board moves too
        touched |= {*week.risks_roamed, *week.risks_resolved}
        # the plan drifts too: a feature pulled in and one descoped, each with its stories
        assert len(week.features_added) == 1 and len(week.features_removed) == 1
        assert {*week.features_added, *week.features_removed, *week.stories_descoped} <= set(
            week.feature_issues
        )
        touched |= set(week.feature_issues)
        # the sprints that ended by the simulator's clock closed, their open issues carried on, and the next
        # sprints planned to the teams' velocities (the rest back to the backlog)
        touched |= {key for closed in week.sprints_closed for key in (*closed.carried, *closed.to_backlog)}
        for key in touched:
            issue = sim.site.by_key[key]
            assert issue.updated > before[key][0]  # an incremental pull will pick it up
            assert len(issue.histories) > before[key][1]  # with a changelog entry, as Jira writes one
        untouched = set(before) - touched
        assert all(sim.site.by_key[k].updated == before[k][0] for k in untouched)
