"""The HTML report in a real browser: Debian's Chromium, headless, driven through its chromedriver.

The train (worked out by hand, iterations I1-I3 of teams A, B, C):
    1. B-1 (B, I2) provides to A-1 (A, I1): late
    2. C-1 (C, I3) provides to B-1 (B, I2): late
    3. B-2 (B, I1) provides to C-1 (C, I3): on track
    4. C-2 (C, no sprint) provides to A-2 (A, I3): provider unscheduled
    5. A-2 (A, I3) provides to C-1 (C, I3): at risk (the same iteration)
So team A is an end of 1, 4 and 5 (three rows), status "late" is 1 and 2, and the consumers in key order
are A-1, A-2, B-1, C-1, C-1. No browser build is downloaded: ./dev.sh test installs chromium and
chromium-driver from Debian when they are missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chromium.webdriver import ChromiumDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from syncreport.config import ReportSettings
from syncreport.indicators import compute_indicators
from syncreport.render import render_html
from tests.indicators.builders import blocks, issue, sprints_for, train

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _browser(*, javascript: bool) -> WebDriver:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(
            "the browser tests need Debian's chromium and chromium-driver: ./dev.sh test installs them"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,900")
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    snapshot = train(
        [
            issue("A-1", "A", (11,)),
            issue("A-2", "A", (13,)),
            issue("B-1", "B", (22,)),
            issue("B-2", "B", (21,)),
            issue("C-1", "C", (23,)),
            issue("C-2", "C", ()),
        ],
        sprints_for("A", "B", "C"),
        [
            blocks("B-1", "A-1"),
            blocks("C-1", "B-1"),
            blocks("B-2", "C-1"),
            blocks("C-2", "A-2"),
            blocks("A-2", "C-1"),
        ],
    )
    results = compute_indicators(snapshot)
    assert sorted(d.status for d in results.dependencies) == [
        "at_risk",
        "late",
        "late",
        "on_track",
        "unscheduled",
    ]
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(render_html(results, snapshot, ReportSettings()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    driver = _browser(javascript=True)
    yield driver
    driver.quit()


def _rows(driver: WebDriver) -> list[tuple[str, str, str]]:
    """The dependency table's visible rows: (status, consumer key, provider key)."""
    shown = []
    for row in driver.find_elements(By.CSS_SELECTOR, "#dependency-table tbody tr"):
        if row.is_displayed():
            cells = row.find_elements(By.TAG_NAME, "td")
            consumer = cells[2].find_element(By.CSS_SELECTOR, "a.key").text
            provider = cells[3].find_element(By.CSS_SELECTOR, "a.key").text
            shown.append((str(row.get_attribute("data-status")), consumer, provider))
    return shown


def _controls(driver: WebDriver) -> tuple[Select, Select]:
    bar = driver.find_element(By.CSS_SELECTOR, "#dependencies .controls")
    team, status = bar.find_elements(By.TAG_NAME, "select")
    return Select(team), Select(status)


def _console(driver: WebDriver) -> list[dict[str, Any]]:
    """The browser console's entries ({"level", "message", ...}), from Chromium's log through chromedriver."""
    assert isinstance(driver, ChromiumDriver)
    # selenium 4 leaves ChromiumDriver.get_log unannotated: the entries are JSON objects
    entries: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return entries


def _open(driver: WebDriver, report: Path) -> None:
    driver.get(report.as_uri())
    driver.find_element(By.CSS_SELECTOR, "#dependencies .controls")  # the script has run


def test_the_script_runs_under_the_pages_policy_and_adds_controls(browser: WebDriver, report: Path) -> None:
    _open(browser, report)
    errors = [entry for entry in _console(browser) if entry["level"] == "SEVERE"]
    assert errors == []
    # one table to work in: the dependencies (no issue of this train slipped, so there is no slipped table)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".controls")) == 1
    assert browser.find_element(By.CSS_SELECTOR, "#dependencies .controls .count").text == "5 of 5 rows"


def test_filtering_to_one_team_leaves_only_its_rows(browser: WebDriver, report: Path) -> None:
    _open(browser, report)
    team, _ = _controls(browser)
    team.select_by_visible_text("A")
    rows = _rows(browser)
    # 1 (A-1 needs B-1), 4 (A-2 needs C-2), 5 (C-1 needs A-2): every row has team A at one end
    assert sorted((consumer, provider) for _, consumer, provider in rows) == [
        ("A-1", "B-1"),
        ("A-2", "C-2"),
        ("C-1", "A-2"),
    ]
    assert browser.find_element(By.CSS_SELECTOR, "#dependencies .controls .count").text == "3 of 5 rows"
    team.select_by_visible_text("all teams")
    assert len(_rows(browser)) == 5


def test_filtering_by_status_and_searching_by_key(browser: WebDriver, report: Path) -> None:
    _open(browser, report)
    _, status = _controls(browser)
    status.select_by_value("late")
    assert sorted(_rows(browser)) == [("late", "A-1", "B-1"), ("late", "B-1", "C-1")]
    status.select_by_value("")
    search = browser.find_element(By.CSS_SELECTOR, "#dependencies .controls input[type=search]")
    search.send_keys("C-2")
    assert _rows(browser) == [("unscheduled", "A-2", "C-2")]


def test_sorting_a_column_orders_the_rows_both_ways(browser: WebDriver, report: Path) -> None:
    _open(browser, report)
    header = browser.find_element(
        By.XPATH, "//table[@id='dependency-table']//th[contains(., 'Needed by')]//button"
    )
    header.click()
    assert [consumer for _, consumer, _ in _rows(browser)] == ["A-1", "A-2", "B-1", "C-1", "C-1"]
    header.click()
    assert [consumer for _, consumer, _ in _rows(browser)] == ["C-1", "C-1", "B-1", "A-2", "A-1"]
    status = browser.find_element(
        By.XPATH, "//table[@id='dependency-table']//th[contains(., 'Status')]//button"
    )
    status.click()  # by severity: late, unscheduled, at risk, ..., on track
    assert [s for s, _, _ in _rows(browser)] == ["late", "late", "unscheduled", "at_risk", "on_track"]


def test_with_javascript_off_the_page_is_complete(report: Path) -> None:
    driver = _browser(javascript=False)
    try:
        driver.get(report.as_uri())
        assert driver.find_elements(By.CSS_SELECTOR, ".controls") == []  # nothing half-built
        assert len(_rows(driver)) == 5  # every dependency, in the report's order (most severe first)
        assert [s for s, _, _ in _rows(driver)] == ["late", "late", "unscheduled", "at_risk", "on_track"]
        for section in ("summary", "board", "dependencies", "slippage", "cadence", "data-quality"):
            assert driver.find_element(By.ID, section).is_displayed()
        assert driver.find_element(By.CSS_SELECTOR, "svg.depmap title").get_attribute("textContent")
    finally:
        driver.quit()


def test_the_policy_blocks_any_other_script(browser: WebDriver, report: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.html"
    html = report.read_text(encoding="utf-8")
    tampered.write_text(html.replace("</main>", "</main><script>document.title = 'pwned';</script>"), "utf-8")
    browser.get(tampered.as_uri())
    assert browser.title != "pwned"
    assert any("Content Security Policy" in entry["message"] for entry in _console(browser))
    assert browser.find_elements(By.CSS_SELECTOR, ".controls")  # our own script still ran
