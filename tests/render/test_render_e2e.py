"""End to end: the simulator's train, pulled through the real client and computed, rendered as HTML and PDF.

The simulator plants hostile summaries (markup, script tags, emoji, right-to-left text), every dependency
status, cycles and external providers, so the templates meet real-shaped results, not only the hand-built
sample the other render tests use.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from html import escape

import pytest
from pypdf import PdfReader

from syncreport.config import ReportSettings, config_from_dict
from syncreport.indicators import compute_indicators
from syncreport.indicators.results import IndicatorResults
from syncreport.jira import pull_snapshot
from syncreport.render import render_email_summary, render_html, render_pdf
from syncreport.render.view import bdi
from syncreport.simulator import SimulatorHandle, demo_config
from syncreport.snapshot import Snapshot
from tests.render.expected import PDF_SECTIONS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pulled(cloud_sim: SimulatorHandle) -> Iterator[tuple[IndicatorResults, Snapshot]]:
    data = demo_config(cloud_sim, token_env="SYNCREPORT_RENDER_E2E_TOKEN")
    data["cache"] = {"enabled": False}
    config = config_from_dict(data, source="<render e2e config>")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SYNCREPORT_RENDER_E2E_TOKEN", cloud_sim.token)
        snapshot = pull_snapshot(config)
    yield compute_indicators(snapshot, thresholds=config.thresholds, iterations=config.iterations), snapshot


def test_the_html_links_every_dependency_and_escapes_every_hostile_summary(
    pulled: tuple[IndicatorResults, Snapshot],
) -> None:
    results, snapshot = pulled
    html = render_html(results, snapshot, ReportSettings())
    assert html.lower().count("<script") == 1  # the report's own inline script; nothing from Jira
    for dependency in results.dependencies:
        for end in (dependency.consumer, dependency.provider):
            assert f'href="{snapshot.issue_url(end.key)}">{end.key}</a>' in html
    hostile = [
        i for i in snapshot.issues if "<" in i.summary and i.key in {r.key for r in results.slipped_issues}
    ]
    for issue in hostile:
        assert escape(issue.summary) in html
        assert issue.summary not in html


def test_the_pdf_has_every_section_and_its_bookmark(pulled: tuple[IndicatorResults, Snapshot]) -> None:
    results, snapshot = pulled
    reader = PdfReader(io.BytesIO(render_pdf(results, snapshot, ReportSettings())))
    top_level = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top_level == PDF_SECTIONS
    assert "Executive summary" in reader.pages[0].extract_text().replace("\x00", "")
    # the board, landscape (the summary may take two pages: the dependency map follows it)
    texts = [page.extract_text() for page in reader.pages]
    board = reader.pages[next(i for i, t in enumerate(texts) if "The program board as drawn" in t)].mediabox
    assert board.width > board.height


def test_the_email_summary_names_the_top_items(pulled: tuple[IndicatorResults, Snapshot]) -> None:
    results, snapshot = pulled
    html, text = render_email_summary(results, snapshot, ReportSettings())
    for item in results.attention:
        assert item.title in text
        assert bdi(item.title) in html  # the team names in the title as <bdi> elements
