"""Cloud scoped API tokens and service accounts (issue 16 item 5): the API through the platform gateway,
the report's links on the site.

Atlassian KB "401 Unauthorized error when service account accesses Jira or Confluence API": a scoped token
uses https://api.atlassian.com/ex/jira/<cloudId>/{api}, NOT https://<your-domain>.atlassian.net/{api}; the
cloud id comes from https://<site>/_edge/tenant_info. The simulator serves both on 127.0.0.1 (its gateway is
``sim.gateway_url``); nothing here contacts api.atlassian.com.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncreport.config import Config, config_from_dict, load_config
from syncreport.errors import JiraError
from syncreport.jira.checks import run_checks
from syncreport.jira.fetch import pull
from syncreport.setup_wizard import InitOptions, run_init
from syncreport.simulator import SimulatorHandle, demo_config, start_simulator

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    with start_simulator(deployment="cloud", issues=120, seed=7) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _config(sim: SimulatorHandle, tmp_path: Path, **jira: object) -> Config:
    data = demo_config(sim, token_env="SCOPED_TOKEN")
    data["jira"].update(jira)
    return config_from_dict(data, source=tmp_path / "scoped.toml")


def test_init_finds_the_gateway_when_the_site_refuses_a_scoped_token(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: init stopped at "Jira Cloud rejected the API token" (the site URL answers 401 to a scoped
    token). Expected: it reads the cloud id from /_edge/tenant_info, signs in through
    <gateway>/ex/jira/<cloudId> and writes that as [jira].api_url, the site URL staying [jira].url."""
    monkeypatch.setenv("SCOPED_TOKEN", sim.scoped_token)
    path = tmp_path / "scoped.toml"
    options = InitOptions(
        path=path, url=sim.url, token_env="SCOPED_TOKEN", email=sim.email, projects=("ORB", "NOVA", "ATL"),
        link_types=("Blocks:outward",), gateway=sim.url,
    )  # fmt: skip
    result = run_init(options)
    config = load_config(path)
    assert (config.jira.url, config.jira.api_url) == (sim.url, sim.gateway_url)
    assert result.config["jira"]["api_url"] == sim.gateway_url
    assert sim.scoped_token not in path.read_text()


def test_a_pull_through_the_gateway_links_the_report_to_the_site(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request goes to the gateway; the snapshot's site URL (the report's issue links) is the site's.
    Expected: the same issues as a pull with a classic token on the site URL."""
    monkeypatch.setenv("SCOPED_TOKEN", sim.token)
    classic = pull(_config(sim, tmp_path), now=sim.now).snapshot
    monkeypatch.setenv("SCOPED_TOKEN", sim.scoped_token)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-scoped"))
    sim.reset_stats()
    through = pull(_config(sim, tmp_path, api_url=sim.gateway_url), now=sim.now).snapshot
    assert through.site_url == classic.site_url == sim.url
    assert [i.key for i in through.issues] == [i.key for i in classic.issues] and len(through.issues) > 100
    assert sim.stats()["statuses"].get("401", 0) == 0


def test_a_scoped_token_on_the_site_url_is_one_line_naming_the_gateway(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCOPED_TOKEN", sim.scoped_token)
    with pytest.raises(JiraError) as failure:
        pull(_config(sim, tmp_path), now=sim.now)
    message = failure.value.message
    assert "[jira].api_url" in message and "/_edge/tenant_info" in message and "\n" not in message
    assert sim.scoped_token not in message


def test_check_says_which_base_url_it_used(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCOPED_TOKEN", sim.scoped_token)
    results = {r.name: r for r in run_checks(_config(sim, tmp_path, api_url=sim.gateway_url))}
    auth = next(r for name, r in results.items() if "auth" in name.lower())
    assert auth.ok, auth.detail
    assert f"API gateway {sim.gateway_url}" in auth.detail and sim.url in auth.detail


def test_init_takes_the_gateway_the_user_names(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`syncreport init --api-url URL`: the token is tried there at once (no 401 from the site URL first)."""
    from typer.testing import CliRunner

    from syncreport.cli import app

    monkeypatch.setenv("SCOPED_TOKEN", sim.scoped_token)
    path = tmp_path / "named.toml"
    sim.reset_stats()
    args = [
        "init", "--non-interactive", "--config", str(path), "--url", sim.url, "--api-url", sim.gateway_url,
        "--token-env", "SCOPED_TOKEN", "--email", sim.email, "--project", "ORB", "--link-type", "Blocks:outward",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert load_config(path).jira.api_url == sim.gateway_url
    assert sim.stats()["statuses"].get("401", 0) == 0
    assert sim.scoped_token not in result.output


def test_init_through_the_named_gateway_when_the_site_hides_server_info(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site that answers serverInfo only signed in: init signs in to ask; with a scoped token that works
    only through the gateway, so a named --api-url is where it asks. Before: "cannot tell whether ... is Jira
    Cloud or Data Center" (the token refused on the site URL both ways)."""
    monkeypatch.setenv("SCOPED_TOKEN", sim.scoped_token)
    path = tmp_path / "hidden.toml"
    options = InitOptions(
        path=path, url=sim.url, api_url=sim.gateway_url, token_env="SCOPED_TOKEN", email=sim.email,
        projects=("ORB",), link_types=("Blocks:outward",),
    )  # fmt: skip
    sim.configure(anonymous_server_info=False)
    try:
        run_init(options)
    finally:
        sim.configure(anonymous_server_info=True)
    assert load_config(path).jira.api_url == sim.gateway_url
