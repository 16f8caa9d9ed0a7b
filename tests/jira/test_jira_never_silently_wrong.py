"""Never silently wrong, never silently hung: the Jira side, end to end against the simulator on 127.0.0.1.

Each test breaks the simulator the way real sites and proxies do (a JQL that matches nothing, issues left
out of a bulk fetch, paging that never ends, a hung answer, odd issue JSON) and states what the run must
do: one line and exit 1, or a complete snapshot with a data-quality finding naming the issue.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncreport.cli import app
from syncreport.config import Config, config_from_dict
from syncreport.errors import JiraError, PagingError, RunTimeout
from syncreport.indicators import compute_indicators
from syncreport.jira import pull, run_checks
from syncreport.simulator import SimulatorHandle, demo_config
from syncreport.snapshot import Snapshot
from tests.jira.test_jira_e2e import _toml, train_keys

pytestmark = pytest.mark.e2e
Start = Callable[..., SimulatorHandle]


def make_config(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> Config:
    data = demo_config(sim)
    monkeypatch.setenv(data["jira"]["token_env"], sim.token)
    data["cache"] = {"path": str(tmp_path / "cache.sqlite3")}
    for section, values in overrides.items():
        data[section] = {**data.get(section, {}), **values}
    return config_from_dict(data, tmp_path / "syncreport.toml")


def in_train(snapshot: Snapshot) -> set[str]:
    return {i.key for i in snapshot.issues if i.in_train}


def cached_keys(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        return {row[0] for row in db.execute("SELECT key FROM issues")}


# --- an empty JQL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_jql_that_matches_no_issue_is_an_error_naming_the_jql(
    deployment: str, simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(deployment=deployment)
    jql = 'project in (ORB) AND summary ~ "no issue is called this"'
    with pytest.raises(JiraError) as empty:
        pull(make_config(sim, tmp_path, monkeypatch, train={"jql": jql}))
    assert jql in empty.value.message and "[train].jql" in empty.value.message
    assert "\n" not in empty.value.message


def test_the_cli_says_one_line_and_exits_1_on_an_empty_jql(
    simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(deployment="cloud")
    data = demo_config(sim)
    monkeypatch.setenv(data["jira"]["token_env"], sim.token)
    data["train"]["jql"] = 'project in (ORB) AND summary ~ "no issue is called this"'
    toml = tmp_path / "syncreport.toml"
    toml.write_text(_toml(data, tmp_path / "cache.sqlite3"))
    result = CliRunner().invoke(app, ["fetch", "--config", str(toml), "--snapshot", str(tmp_path / "s.gz")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "matches no issue" in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "s.gz").exists()


# --- issues missing from a bulk fetch -------------------------------------------------------------------


def test_an_issue_left_out_of_a_bulk_fetch_once_is_asked_for_again(
    simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(deployment="cloud")
    sim.inject_fault("*/issue/bulkfetch", "omit_issues", count=1)  # the first answer drops its last issue
    snapshot = pull(make_config(sim, tmp_path, monkeypatch)).snapshot
    assert in_train(snapshot) == train_keys(sim)


def test_an_issue_always_left_out_of_a_bulk_fetch_fails_the_run_naming_it(
    simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(deployment="cloud")
    sim.inject_fault("*/issue/bulkfetch", "omit_issues", count=1000)
    config = make_config(sim, tmp_path, monkeypatch, jira={"concurrency": 1, "max_retry_seconds": 5})
    with pytest.raises(JiraError) as failed:
        pull(config)
    message = failed.value.message
    ids = {str(i.id) for i in sim.site.issues}
    named = [word.strip("(),") for word in message.split() if word.strip("(),") in ids]
    assert "left out" in message and "issueErrors" in message and named, message
    assert cached_keys(tmp_path / "cache.sqlite3") != train_keys(sim)  # and no report on part of it


# --- paging that never ends ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deployment", "path", "kind"),
    [
        ("cloud", "*/search/jql", "repeat_token"),
        ("cloud", "*/search/jql", "never_last"),
        ("cloud", "*/changelog/bulkfetch", "repeat_token"),
        ("cloud", "*/changelog/bulkfetch", "never_last"),
        ("cloud", "/rest/agile/1.0/board/*/sprint", "never_last"),
        ("datacenter", "/rest/agile/1.0/board/*/sprint", "never_last"),
    ],
)
def test_paging_that_never_ends_stops_the_run_with_one_line(
    deployment: str, path: str, kind: str, simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(deployment=deployment)
    sim.inject_fault(path, kind, count=10_000)
    started = time.monotonic()
    with pytest.raises(PagingError) as stuck:
        pull(make_config(sim, tmp_path, monkeypatch))
    assert "did not end" in stuck.value.message and "\n" not in stuck.value.message
    assert time.monotonic() - started < 30  # stopped by the guard, not by the run's deadline
    assert sim.stats()["total"] < 200  # a handful of pages, not thousands


# --- a run past its deadline -----------------------------------------------------------------------------


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_hung_answer_ends_the_run_at_run_timeout_seconds(
    deployment: str, simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(deployment=deployment)
    search = "*/search/jql" if deployment == "cloud" else "*/search"
    sim.inject_fault(search, "slow", count=50, delay_s=4.0)  # longer than the whole run may take
    config = make_config(sim, tmp_path, monkeypatch, jira={"run_timeout_seconds": 1.0})
    started = time.monotonic()
    with pytest.raises(RunTimeout) as late:
        pull(config)
    elapsed = time.monotonic() - started
    # timeout_seconds is 30 and max_retry_seconds 120: only the run's deadline can end it this soon
    assert elapsed < 3.5, elapsed
    assert "[jira].run_timeout_seconds" in late.value.message and "\n" not in late.value.message


def test_the_cli_ends_a_hung_run_with_one_line_and_exit_1(
    simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(deployment="cloud")
    sim.inject_fault("*/search/jql", "slow", count=50, delay_s=4.0)
    data = demo_config(sim)
    monkeypatch.setenv(data["jira"]["token_env"], sim.token)
    data["jira"]["run_timeout_seconds"] = 1.0
    toml = tmp_path / "syncreport.toml"
    toml.write_text(_toml(data, tmp_path / "cache.sqlite3"))
    result = CliRunner().invoke(app, ["fetch", "--config", str(toml), "--snapshot", str(tmp_path / "s.gz")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "run_timeout_seconds" in lines[0], result.output


# --- odd issues ------------------------------------------------------------------------------------------


def _linked_train_issue(sim: Any) -> str:
    train = train_keys(sim)
    return str(next(link.source for link in sim.site.links if link.source in train and link.type == "Blocks"))


@pytest.mark.parametrize(
    ("deployment", "variant", "where"),
    [
        ("cloud", "status_string", "*/issue/bulkfetch"),
        ("cloud", "project_string", "*/issue/bulkfetch"),
        ("cloud", "link_without_key", "*/issue/bulkfetch"),
        ("cloud", "created_out_of_range", "*/issue/bulkfetch"),
        ("cloud", "history_not_object", "*/changelog/bulkfetch"),
        ("datacenter", "status_string", "*/search"),
        ("datacenter", "link_without_key", "*/search"),
        ("datacenter", "history_not_object", "*/search"),
        ("datacenter", "created_out_of_range", "*/search"),
    ],
)
def test_an_odd_issue_is_a_finding_naming_it_and_does_not_poison_the_cache(
    deployment: str,
    variant: str,
    where: str,
    simulator: Start,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = simulator(deployment=deployment)
    config = make_config(sim, tmp_path, monkeypatch)
    reference = pull(make_config(sim, tmp_path / "reference", monkeypatch)).snapshot
    key = _linked_train_issue(sim)
    sim.inject_fault(where, "malformed", count=10_000, variant=variant, key=key)

    odd_run = pull(config).snapshot

    # The train is complete; the odd issue is named by a finding, not an internal error.
    assert in_train(odd_run) == train_keys(sim)
    assert {o.issue_key for o in odd_run.odd_issues} == {key}
    findings = {f.kind: f for f in compute_indicators(odd_run).data_quality}
    assert findings["odd_issue"].keys == (key,) and key in findings["odd_issue"].detail
    # Only rows that normalized cleanly are cached: the odd issue is fetched again next time.
    assert key not in cached_keys(tmp_path / "cache.sqlite3")

    sim.configure(faults=[])  # Jira's answer is right again
    fixed = pull(config).snapshot
    assert fixed.odd_issues == ()
    assert dataclasses.replace(fixed, taken_at=reference.taken_at) == reference
    assert key in cached_keys(tmp_path / "cache.sqlite3")


# --- deployment = "auto" and check -----------------------------------------------------------------------


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_auto_signs_in_when_serverinfo_refuses_anonymous_callers(
    deployment: str, simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The simulator runs on http://127.0.0.1, not *.atlassian.net: a guess from the URL says Data Center.
    sim = simulator(deployment=deployment)
    sim.configure(anonymous_server_info=False)
    config = make_config(sim, tmp_path, monkeypatch, jira={"deployment": "auto"})
    result = pull(config)
    assert result.stats.deployment == deployment
    assert in_train(result.snapshot) == train_keys(sim)
    connectivity = {r.name: r for r in run_checks(config)}["connectivity"]
    kind = "Jira Cloud" if deployment == "cloud" else "Jira Data Center"
    dialect = "Cloud API" if deployment == "cloud" else "Data Center API"
    assert connectivity.ok and kind in connectivity.detail and "signed in" in connectivity.detail
    assert f"using the {dialect}" in connectivity.detail


def test_auto_with_no_answer_anywhere_is_one_line_asking_for_the_deployment(
    simulator: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator(deployment="cloud")
    sim.configure(anonymous_server_info=False)
    config = make_config(sim, tmp_path, monkeypatch, jira={"deployment": "auto"})
    monkeypatch.setenv(config.jira.token_env, "not-the-token")  # signed-in serverInfo is refused too
    with pytest.raises(JiraError) as unknown:
        pull(config)
    assert "[jira].deployment" in unknown.value.message and "not-the-token" not in unknown.value.message


def test_check_names_the_dialect_it_uses(
    cloud_sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = {r.name: r for r in run_checks(make_config(cloud_sim, tmp_path, monkeypatch))}
    assert results["connectivity"].detail.endswith(
        "using the Cloud API (REST v3, search/jql, bulk fetches) ([jira].deployment)"
    )
