"""`syncreport init` end to end: the CLI against the Jira simulator on 127.0.0.1 (real HTTP, both dialects)."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncreport.cli import app
from syncreport.config import load_config
from syncreport.logs import reset_logging
from syncreport.simulator import SimulatorHandle

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _quiet_logging_after() -> Iterator[None]:
    yield
    reset_logging()


def test_non_interactive_init_on_cloud_writes_a_config_that_reports(
    cloud_sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORBIT_TOKEN", cloud_sim.token)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the pull's cache stays in the test
    path = tmp_path / "orbit.toml"
    args = [
        "init",
        "--non-interactive",
        "--config",
        str(path),
        "--url",
        cloud_sim.url,
        "--token-env",
        "ORBIT_TOKEN",
        "--email",
        cloud_sim.email,
        "--project",
        "ORB",
        "--project",
        "NOVA",
        "--project",
        "ATL",
        "--link-type",
        "Blocks:outward",
        "--link-type",
        "Dependency:inward",
        "--train",
        "Orbit ART",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Wrote {path}. Next: syncreport check --config {path}"
    assert cloud_sim.token not in path.read_text()

    config = load_config(path)
    assert (config.jira.deployment, config.jira.email, config.jira.token_env) == (
        "cloud",
        cloud_sim.email,
        "ORBIT_TOKEN",
    )
    assert config.train.jql == "project in (ORB, NOVA, ATL)"
    assert config.train.team_source == "field" and config.train.team_field == "Team"
    assert config.train.sprint_field == "Sprint"
    assert config.train.parent_field == "parent"
    assert config.train.boards == [1, 2, 3, 4, 5, 6, 7, 8]

    # The written config is good enough to pull the train and render a report.
    report = CliRunner().invoke(
        app, ["--quiet", "report", "--config", str(path), "--format", "json", "--out", str(tmp_path / "out")]
    )
    assert report.exit_code == 0, report.output
    assert [p.name for p in sorted((tmp_path / "out").glob("orbit-art-*.json"))][
        -1
    ] == "orbit-art-latest.json"


def test_interactive_init_on_data_center_asks_and_writes(
    dc_sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", dc_sim.token)
    path = tmp_path / "dc.toml"
    answers = [
        dc_sim.url,  # site URL
        "",  # variable name: the default JIRA_API_TOKEN
        "orb, nope",  # projects: NOPE is not on the site, so the question comes again
        "orb, nova",
        "1,2,3",  # boards
        "y",
        "A",  # Blocks is a dependency; in "A blocks B" A delivers
        "y",
        "C",  # not an answer: asked again
        "B",  # Dependency ("A is blocked by B") is one too; B delivers
        "Orbit DC",  # train name
        "",  # JQL: the proposal
    ]
    result = CliRunner().invoke(app, ["init", "--config", str(path)], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "is Jira Data Center" in result.stderr
    assert "project NOPE is not on this site or not visible to you" in result.stderr
    assert "answer A or B" in result.stderr
    assert dc_sim.token not in result.output

    config = load_config(path)
    assert config.jira.deployment == "datacenter" and config.jira.email is None
    assert config.train.name == "Orbit DC"
    assert config.train.jql == "project in (ORB, NOVA)"
    assert config.train.boards == [1, 2, 3]
    assert config.train.parent_field == "Epic Link"
    assert [(t.name, t.provider) for t in config.train.dependency_link_types] == [
        ("Blocks", "outward"),
        ("Dependency", "inward"),
    ]


def test_init_with_an_unset_token_variable_is_one_line(
    cloud_sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_TOKEN", raising=False)
    result = CliRunner().invoke(
        app,
        [
            "init",
            "--non-interactive",
            "--config",
            str(tmp_path / "c.toml"),
            "--url",
            cloud_sim.url,
            "--token-env",
            "NOT_SET_TOKEN",
            "--email",
            cloud_sim.email,
            "--project",
            "ORB",
        ],
    )
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("syncreport: error: the environment variable NOT_SET_TOKEN is empty or not set")
    assert not (tmp_path / "c.toml").exists()


def test_end_of_input_at_a_prompt_stops_cleanly_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    result = CliRunner().invoke(app, ["init", "--config", str(path)], input="")
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "syncreport: interrupted; nothing was written"
    assert "internal error" not in result.output
    assert not path.exists()


def test_init_asks_serverinfo_signed_in_when_the_site_refuses_anonymous_callers(
    simulator: Callable[..., SimulatorHandle], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Cloud site whose serverInfo refuses anonymous callers, on a URL that is not *.atlassian.net (the
    simulator's http://127.0.0.1). Before: init guessed from the URL and wrote deployment = "datacenter"
    (and no e-mail). Expected: init signs in to ask serverInfo, as deployment = "auto" does, and writes
    "cloud" with the e-mail given."""
    sim = simulator(deployment="cloud", issues=100)
    sim.configure(anonymous_server_info=False)
    monkeypatch.setenv("ORBIT_TOKEN", sim.token)
    path = tmp_path / "orbit.toml"
    args = [
        "init",
        "--non-interactive",
        "--config",
        str(path),
        "--url",
        sim.url,
        "--token-env",
        "ORBIT_TOKEN",
    ]
    args += ["--email", sim.email, "--project", "ORB", "--train", "Orbit ART"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    config = load_config(path)
    assert (config.jira.deployment, config.jira.email) == ("cloud", sim.email)
