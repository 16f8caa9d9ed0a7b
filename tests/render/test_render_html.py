"""The HTML report: escaped, self-contained, complete, in the agreed order, and overridable."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest
from pypdf import PdfReader

from syncreport.config import ReportSettings
from syncreport.errors import ConfigError
from syncreport.indicators import compute_indicators, to_json_document
from syncreport.render import render_email_summary, render_html, render_pdf
from syncreport.render.html import render_document
from syncreport.snapshot import Snapshot
from tests.indicators.builders import blocks, issue, sprints_for, train
from tests.render.expected import PDF_SECTIONS

REPORT_JS = (Path(__file__).parents[2] / "src/syncreport/templates/assets/report.js").read_text(
    encoding="utf-8"
)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def hostile(sample: ModuleType) -> tuple[str, object]:
    results, snapshot = sample.train(hostile=True)
    return render_html(results, snapshot, ReportSettings()), results


def test_hostile_summaries_and_team_names_are_escaped(
    hostile: tuple[str, object], sample: ModuleType
) -> None:
    html, _ = hostile
    assert html.lower().count("<script") == 1  # the report's own inline script, nothing from Jira
    assert f"<script>{REPORT_JS}</script>" in html
    assert sample.HOSTILE_SUMMARY not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Pay &amp; ship &lt;b&gt;now&lt;/b&gt;" in html
    assert "Team &lt;i&gt;Ω&lt;/i&gt; 🚀" in html
    assert sample.HOSTILE_TEAM not in html
    # The train name goes into <title>, the header and the PDF's running header: escaped everywhere.
    assert "Payments ART <b>&</b>" not in html
    assert "Payments ART &lt;b&gt;&amp;&lt;/b&gt;" in html


def test_right_to_left_text_is_isolated_from_its_neighbours(hostile: tuple[str, object]) -> None:
    html, _ = hostile
    assert '<bdi class="summary-text">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Pay' in html


def test_report_loads_nothing_from_outside(hostile: tuple[str, object], sample: ModuleType) -> None:
    html, _ = hostile
    parsed = _parse(html)
    names = [tag for tag, _ in parsed.tags]
    assert names.count("script") == 1  # ours, inline, allowed by the page's policy by its hash alone
    policy = next(
        a["content"]
        for t, a in parsed.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy is not None and "default-src 'none'" in policy
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]{44}';", policy)
    assert "link" not in names
    assert "iframe" not in names and "img" not in names and "object" not in names
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, (tag, attrs)
        for name in ("href", "xlink:href"):
            value = attrs.get(name) or ""
            if value.startswith(("http:", "https:", "//")):
                assert tag == "a" and value.startswith(f"{sample.SITE}/browse/"), (tag, attrs)
            else:
                assert value == "" or value.startswith("#"), (tag, attrs)
    style = "".join(parsed.styles)
    assert "@import" not in style
    assert "url(http" not in style and "url(//" not in style and "url(file" not in style


def test_every_issue_key_links_to_jira(sample: ModuleType) -> None:
    results, snapshot = sample.train()
    html = render_html(results, snapshot, ReportSettings())
    keys = {d.consumer.key for d in results.dependencies} | {d.provider.key for d in results.dependencies}
    keys |= {r.key for r in results.slipped_issues} | {a.key for a in results.ageing}
    for key in keys:
        assert f'<a class="key" href="{sample.SITE}/browse/{key}">{key}</a>' in html, key


def test_sections_come_in_the_agreed_order(sample: ModuleType) -> None:
    results, snapshot = sample.train()
    html = render_html(results, snapshot, ReportSettings())
    ids = ["summary", "board", "dependencies", "slippage", "cadence", "data-quality"]
    positions = [
        html.index(f'<section class="report-section{extra}" id="{i}">')
        for i, extra in zip(ids, [" summary", " board-section", "", "", "", ""], strict=True)
    ]
    assert positions == sorted(positions)


def test_html_lists_every_row_while_print_lists_are_capped(sample: ModuleType) -> None:
    results, snapshot = sample.train(issues=400, teams=8)
    assert len(results.dependencies) > 25  # the default PDF cap, so the HTML must go past it
    html = render_html(results, snapshot, ReportSettings(pdf_list_limit=25))
    assert html.count('<tr class="st-') == len(results.dependencies)
    assert "see the HTML report" not in html
    # The board too: a crowded cell folds its tail into <details>, but every card is in the page.
    cards = [card.key for cell in results.board.cells for card in cell.features]
    assert max(len(cell.features) for cell in results.board.cells) > 6  # some cell does fold
    assert all(f">{key}</a>" in html for key in cards)
    assert "<details><summary" in html


def test_charts_are_inline_svg(sample: ModuleType) -> None:
    results, snapshot = sample.train()
    html = render_html(results, snapshot, ReportSettings())
    assert html.count('<svg xmlns:xlink="http://www.w3.org/1999/xlink" class="chart"') == 7
    assert "<?xml" not in html and "<metadata>" not in html


def test_a_users_template_overrides_one_partial_and_keeps_the_rest(
    tmp_path: Path, sample: ModuleType
) -> None:
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "board.html").write_text(
        '<section class="report-section" id="board"><h2>Our board</h2>{{ results.train.name }}</section>'
    )
    (tmp_path / "branding.html").write_text("<p class='brand'>ACME Payments</p>")
    results, snapshot = sample.train(hostile=True)
    html = render_html(results, snapshot, ReportSettings(templates_dir=tmp_path))
    assert "<h2>Our board</h2>" in html
    assert "<p class='brand'>ACME Payments</p>" in html
    assert "Executive summary" in html and "Appendix: data quality" in html  # the packaged sections
    assert '<table class="board">' not in html
    # The user's template is autoescaped as well.
    assert "<h2>Our board</h2>Payments ART &lt;b&gt;&amp;&lt;/b&gt;</section>" in html


def test_a_missing_templates_dir_is_a_config_error(tmp_path: Path, sample: ModuleType) -> None:
    results, snapshot = sample.train()
    with pytest.raises(ConfigError, match=r"report\.templates_dir .*nope is not a directory"):
        render_html(results, snapshot, ReportSettings(templates_dir=tmp_path / "nope"))


def test_a_broken_user_template_names_the_file_and_line(tmp_path: Path, sample: ModuleType) -> None:
    (tmp_path / "branding.html").write_text("<p>\n{% if %}</p>")
    results, snapshot = sample.train()
    with pytest.raises(ConfigError, match=r"template .*branding.html, line 2: "):
        render_html(results, snapshot, ReportSettings(templates_dir=tmp_path))


def test_email_summary_has_health_top_items_and_links_in_both_parts(sample: ModuleType) -> None:
    results, snapshot = sample.train(hostile=True)
    html, text = render_email_summary(results, snapshot, ReportSettings())
    first = results.attention[0]
    assert "Train health: RED" in html and "Train health: RED" in text
    assert f'<a href="{sample.SITE}/browse/{first.keys[0]}">{first.keys[0]}</a>' in html
    assert f"{first.keys[0]}: {sample.SITE}/browse/{first.keys[0]}" in text
    assert "<bdi>Payments ART &lt;b&gt;&amp;&lt;/b&gt;</bdi>" in html
    # plain text: nothing is markup; the names are isolated bidi runs (FSI ... PDI)
    assert "ART sync report: \u2068Payments ART <b>&</b>\u2069 · \u2068PI 26.4\u2069" in text
    assert "&lt;" not in text and "&amp;" not in text and "&#34;" not in text


def test_an_empty_train_renders_sentences_instead_of_empty_tables_and_charts() -> None:
    # The real indicators on a snapshot with nothing in it: the report still renders, page by page.
    snapshot = Snapshot(
        train="Empty ART", site_url="https://x.atlassian.net", taken_at=datetime(2026, 11, 25, tzinfo=UTC)
    )
    results = compute_indicators(snapshot)
    html = render_html(results, snapshot, ReportSettings())
    assert "No team yet: no train issue has a team." in html
    assert "Cross-team dependencies by status: none." in html
    assert "<svg" not in html
    pdf = PdfReader(io.BytesIO(render_pdf(results, snapshot, ReportSettings())))
    assert [item.title for item in pdf.outline if not isinstance(item, list)] == PDF_SECTIONS


def test_a_train_with_no_risks_and_no_objective_fields_renders_how_to_set_them_up() -> None:
    # What the fetch records on a site with no Risk issue type and no business value fields.
    snapshot = Snapshot(
        train="Bare ART",
        site_url="https://x.atlassian.net",
        taken_at=datetime(2026, 11, 25, tzinfo=UTC),
        risk_notes=(
            "no risks: no issue matches 'project in (A) AND issuetype = \"Risk\"'; record risks ...",
        ),
        objective_notes=(
            "no planned business value field: set [objectives] planned_value_field to the field ...",
            "no actual business value field: set [objectives] actual_value_field to the field ...",
        ),
    )
    results = compute_indicators(snapshot)
    html = render_html(results, snapshot, ReportSettings())
    risks = html[html.index('id="risks"') : html.index('id="objectives"')]
    objectives = html[html.index('id="objectives"') : html.index('id="slippage"')]
    assert "No risks to show. How to set it up:" in risks
    assert "record risks ..." in risks and "[risks] roam_source" in risks
    assert "No PI objectives to show. How to set it up:" in objectives
    assert "set [objectives] planned_value_field" in objectives
    assert "set [objectives] actual_value_field" in objectives
    assert "%" not in objectives  # no number invented
    assert "Risks: not set up" in html and "PI objectives: not set up" in html  # the summary says so too
    assert "Not available: no planned business value field" in html  # predictability


def test_the_email_summary_can_be_overridden_too(tmp_path: Path, sample: ModuleType) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "summary.txt").write_text("Our train: {{ results.train.name }}\n")
    results, snapshot = sample.train(hostile=True)
    html, text = render_email_summary(results, snapshot, ReportSettings(templates_dir=tmp_path))
    assert text == "Our train: Payments ART <b>&</b>"
    assert "Train health: RED" in html  # the packaged HTML part is still there


def test_a_consumer_done_dependency_is_listed_for_clean_up_and_not_in_the_summary_counts() -> None:
    # A-1 (done) needs B-1 (open, a later sprint): consumer_done. The summary's counts stay at zero and say one
    # link was left out; the dependencies section lists it under "Links to clean up" with its mark.
    from tests.indicators.builders import blocks, issue, sprints_for, train

    snapshot = train(
        [issue("A-1", "A", (11,), status="done"), issue("B-1", "B", (23,))],
        sprints_for("A", "B"),
        [blocks("B-1", "A-1")],
    )
    html = render_html(compute_indicators(snapshot), snapshot, ReportSettings())
    assert "Not counted: 1 whose consumer is done" in html
    clean_up = html[html.index('id="clean-up"') : html.index("<h3>Dependency cycles</h3>")]
    assert "A-1" in clean_up and "B-1" in clean_up
    assert "CONSUMER DONE" in html


def _text(html: str) -> str:
    """The page's words as read: cells and blocks apart, inline tags (marks, bdi, links) run into the text."""
    blocks_apart = re.sub(r"</?(td|th|tr|li|p|div|h\d|table|thead|tbody|br)\b[^>]*>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", blocks_apart)).split())


def test_page_one_gives_team_reasons_whole_and_health_changes_and_the_appendix_speaks_percent() -> None:
    # B provides three late dependencies (B-1..3 in I3 for A-1..3 in I2) and one in no sprint (B-4 for A-4):
    # B is red, "3 late dependencies to deliver (red from 3)" then "1 dependency to deliver still in no
    # sprint (amber from 1)" (56 characters: the print cut it at 48). Last run (edited): B and the train
    # amber, so the summary lists "the train: AMBER -> RED; B: AMBER -> RED".
    issues = [issue(f"A-{n}", "A", (12,), parent_key="F-1") for n in (1, 2, 3, 4)]
    issues += [issue(f"B-{n}", "B", (23,), parent_key="F-1") for n in (1, 2, 3)]
    issues += [issue("B-4", "B", (), parent_key="F-1"), issue("F-1", "A", issue_type="Feature")]
    links = [blocks(f"B-{n}", f"A-{n}") for n in (1, 2, 3, 4)]
    snapshot = train(issues, sprints_for("A", "B"), links)
    previous = to_json_document(compute_indicators(snapshot))
    previous["train"]["health"] = "amber"
    for team in previous["teams"]:
        team["health"] = "amber" if team["name"] == "B" else team["health"]
    results = compute_indicators(snapshot, previous=previous)
    assert next(t for t in results.teams if t.team == "B").reasons == (
        "3 late dependencies to deliver (red from 3)",
        "1 dependency to deliver still in no sprint (amber from 1)",
    )
    page = _text(render_document(results, snapshot, ReportSettings(), for_print=True))
    assert (
        "B ✗ RED 3 late dependencies to deliver (red from 3); 1 dependency to deliver still in no sprint "
        "(amber from 1)"
    ) in page
    assert "Health changed 2 the train: ⚠ AMBER → ✗ RED; B: ⚠ AMBER → ✗ RED" in page
    mail_html, mail_text = render_email_summary(results, snapshot, ReportSettings())
    assert "Health changed: the train AMBER → RED; B AMBER → RED" in _text(mail_html)
    assert "Health changed: the train AMBER -> RED; B AMBER -> RED\n" in mail_text
    # the thresholds appendix: shares in percent like the health reasons, days in days, 0 counts "off"
    assert "share of sprinted issues carried over from 15% from 30%" in page
    assert "sprint commitment reliability below 80% below 60%" in page
    assert "oldest flagged or blocked issue from 5 days from 10 days" in page
    assert "sprints off the train's cadence from 1 off" in page
    assert "0.15" not in page and "0.8" not in page
