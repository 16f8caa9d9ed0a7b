"""Names from Jira are isolated bidi runs in every sentence built around them (HTML, PDF, e-mail).

The scenario: team "\u202eComets" (a right-to-left override in front of its name) and team 東京 each
deliver three dependencies late, so both are red and page 1's headline reads "2 teams red: <names>".
Without isolation the override reverses everything after it: the PDF showed "2 teams red: 京東 ,stemoC".
Isolated, the override reverses only its own name: "2 teams red: stemoC, 東京".
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from syncreport.config import ReportSettings
from syncreport.indicators import compute_indicators
from syncreport.indicators.results import IndicatorResults
from syncreport.render import render_email_summary, render_html, render_pdf
from syncreport.render.view import bdi
from syncreport.snapshot import Snapshot
from syncreport.untrusted import isolate
from tests.indicators.builders import blocks, issue, sprints_for, train

RLO_TEAM = "\u202eComets"
FSI, PDI = "\u2068", "\u2069"


@pytest.fixture(scope="module")
def two_red_teams() -> tuple[IndicatorResults, Snapshot]:
    # A-1..A-6 (Rockets) need their providers in sprint 12 (I2); B-n (RLO_TEAM) and C-n (東京) deliver in
    # sprint 23 (I3): three late dependencies each, red from 3, so both providers are red.
    issues = [issue(f"A-{n}", "Rockets", (12,), parent_key="F-1") for n in range(1, 7)]
    issues += [issue(f"B-{n}", RLO_TEAM, (23,), parent_key="F-1") for n in (1, 2, 3)]
    issues += [issue(f"C-{n}", "東京", (23,), parent_key="F-1") for n in (1, 2, 3)]
    issues.append(issue("F-1", "Rockets", issue_type="Feature"))
    links = [blocks(f"B-{n}", f"A-{n}") for n in (1, 2, 3)] + [
        blocks(f"C-{n}", f"A-{n + 3}") for n in (1, 2, 3)
    ]
    snapshot = train(issues, sprints_for("A", "B", "C"), links)
    return compute_indicators(snapshot), snapshot


def test_the_headline_names_each_team_as_an_isolated_run(
    two_red_teams: tuple[IndicatorResults, Snapshot],
) -> None:
    results, _ = two_red_teams
    assert results.train_health.reasons == (f"2 teams red: {FSI}{RLO_TEAM}{PDI}, {FSI}東京{PDI}",)
    titles = {item.title for item in results.attention}
    assert f"{FSI}{RLO_TEAM}{PDI} is red" in titles
    assert f"B-1 ({FSI}{RLO_TEAM}{PDI}) is late for A-1 ({FSI}Rockets{PDI})" in titles


def test_the_html_marks_isolated_names_up_as_bdi(two_red_teams: tuple[IndicatorResults, Snapshot]) -> None:
    results, snapshot = two_red_teams
    html = render_html(results, snapshot, ReportSettings())
    assert f"<li>2 teams red: <bdi>{RLO_TEAM}</bdi>, <bdi>東京</bdi></li>" in html
    assert f"<bdi>{RLO_TEAM}</bdi> is red" in html
    assert FSI not in html.split("</title>")[1]  # after the <title>, every isolated run became a <bdi>


def test_the_pdf_headline_is_not_scrambled_by_an_override(
    two_red_teams: tuple[IndicatorResults, Snapshot],
) -> None:
    results, snapshot = two_red_teams
    pdf = render_pdf(results, snapshot, ReportSettings())
    first_page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    headline = next(line for line in first_page.splitlines() if "teams red" in line)
    assert headline.endswith("2 teams red: stemoC, 東京"), headline  # the override turns its own name only


def test_the_email_parts_isolate_names(two_red_teams: tuple[IndicatorResults, Snapshot]) -> None:
    results, snapshot = two_red_teams
    html, text = render_email_summary(results, snapshot, ReportSettings())
    assert f"2 teams red: {FSI}{RLO_TEAM}{PDI}, {FSI}東京{PDI}" in text  # plain text keeps FSI ... PDI
    assert f"ART sync report: {FSI}Rocket ART{PDI}" in text
    assert f"<li>2 teams red: <bdi>{RLO_TEAM}</bdi>, <bdi>東京</bdi></li>" in html
    assert "<bdi>Rocket ART</bdi>" in html


def test_a_name_cannot_end_its_isolate_early() -> None:
    # a stray PDI inside a name would close the run and let the rest of the name loose in the sentence
    assert isolate(f"A{PDI}\u202eB{FSI}") == f"{FSI}A\u202eB{PDI}"
    assert bdi(f"x {isolate('<b>T</b>')} y") == "x <bdi>&lt;b&gt;T&lt;/b&gt;</bdi> y"
