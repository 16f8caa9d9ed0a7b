"""`syncreport init` against a `responses`-mocked Jira Cloud site (unit tests of the HTTP side).

The end-to-end run against the simulator is in tests/test_cli_init.py.
"""

import tomllib
from pathlib import Path

import pytest
import responses

from syncreport.config import load_config
from syncreport.errors import ConfigError, JiraError
from syncreport.setup_wizard import InitOptions, find_fields, render_toml, run_init

URL = "https://acme.atlassian.net"
TOKEN = "ATATT-wizard-token-123456"

FIELDS = [
    {"id": "summary", "name": "Summary", "schema": {"type": "string", "system": "summary"}},
    {
        "id": "customfield_10020",
        "name": "Sprint",
        "schema": {"type": "array", "custom": "com.pyxis.greenhopper.jira:gh-sprint"},
    },
    {
        "id": "customfield_10016",
        "name": "Story point estimate",
        "schema": {"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
    },
    {
        "id": "customfield_10001",
        "name": "Team",
        "schema": {"type": "team", "custom": "com.atlassian.teams:rm-teams-custom-field-team"},
    },
]


def _site(rsps: responses.RequestsMock, *, link_types: tuple[str, ...] = ("Blocks", "Relates")) -> None:
    rsps.get(f"{URL}/rest/api/2/serverInfo", json={"deploymentType": "Cloud", "version": "1001.0.0"})
    rsps.get(f"{URL}/rest/api/2/myself", json={"displayName": "Rita Engineer"})
    rsps.get(
        f"{URL}/rest/api/2/project",
        json=[
            {"key": "PHX", "name": "Phoenix"},
            {"key": "ATL", "name": "Atlas"},
            {"key": "HR", "name": "People"},
        ],
    )
    for key, board_id in (("PHX", 11), ("ATL", 12)):
        rsps.get(
            f"{URL}/rest/agile/1.0/board",
            # the first page, as the jira library asks for it (Jira's default startAt=0 left out)
            match=[responses.matchers.query_param_matcher({"projectKeyOrId": key, "maxResults": "50"})],
            json={
                "isLast": True,
                "values": [
                    {"id": board_id, "name": f"{key} board", "type": "scrum"},
                    {"id": board_id + 100, "name": f"{key} support", "type": "kanban"},
                ],
            },
        )
    rsps.get(f"{URL}/rest/api/2/field", json=FIELDS)
    rsps.get(
        f"{URL}/rest/api/2/issueLinkType",
        json={
            "issueLinkTypes": [
                {"id": str(i), "name": name, "inward": "is blocked by", "outward": "blocks"}
                for i, name in enumerate(link_types)
            ]
        },
    )
    rsps.get(
        f"{URL}/rest/api/2/project/PHX/versions",
        json=[
            {"name": "PI 26.4", "releaseDate": "2026-12-18"},
            {"name": "PI 26.3", "releaseDate": "2026-09-25"},
            {"name": "2.3.1", "releaseDate": "2026-10-01"},
        ],
    )
    rsps.get(
        f"{URL}/rest/api/2/project/ATL/versions", json=[{"name": "PI 26.4", "releaseDate": "2026-12-18"}]
    )


@responses.activate
def test_non_interactive_init_writes_a_config_that_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_JIRA_TOKEN", TOKEN)
    _site(responses.mock)
    path = tmp_path / "phoenix.toml"

    result = run_init(
        InitOptions(
            path=path,
            url=URL + "/",
            token_env="ACME_JIRA_TOKEN",
            email="rita@acme.test",
            projects=("PHX", "ATL"),
        )
    )

    text = path.read_text()
    assert TOKEN not in text
    config = load_config(path)
    assert config.jira.url == URL
    assert config.jira.deployment == "cloud"
    assert config.jira.token_env == "ACME_JIRA_TOKEN"
    assert config.jira.email == "rita@acme.test"
    assert config.train.name == "Phoenix train"
    assert config.train.jql == "project in (PHX, ATL)"
    assert config.train.boards == [11, 12]  # the scrum boards; kanban boards have no sprints
    assert config.train.team_source == "field" and config.train.team_field == "Team"
    assert config.train.sprint_field == "Sprint"
    assert config.train.story_points_field == "Story point estimate"
    assert config.train.parent_field == "parent"
    assert config.train.pi_order == ["PI 26.3", "PI 26.4"]  # PI-like versions by release date, 2.3.1 left out
    assert [(t.name, t.provider) for t in config.train.dependency_link_types] == [("Blocks", "outward")]
    assert result.deployment == "cloud"
    # Basic auth was used: the e-mail and the token from the variable.
    assert responses.calls[1].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_non_interactive_init_without_projects_lists_the_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_JIRA_TOKEN", TOKEN)
    _site(responses.mock)
    responses.mock.assert_all_requests_are_fired = False
    with pytest.raises(ConfigError, match=r"needs --project .*projects you can see: PHX, ATL, HR"):
        run_init(
            InitOptions(path=tmp_path / "c.toml", url=URL, token_env="ACME_JIRA_TOKEN", email="r@acme.test")
        )
    assert not (tmp_path / "c.toml").exists()


@responses.activate
def test_interactive_answers_choose_projects_boards_and_an_inverted_link_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    _site(responses.mock, link_types=("Blocks", "Dependency"))
    responses.mock.replace(
        responses.GET,
        f"{URL}/rest/api/2/issueLinkType",
        json={
            "issueLinkTypes": [
                {"id": "1", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                {"id": "2", "name": "Dependency", "inward": "is needed by", "outward": "depends on"},
                {"id": "3", "name": "Relates", "inward": "relates to", "outward": "relates to"},
            ]
        },
    )

    class Scripted:
        def __init__(self) -> None:
            self.said: list[str] = []
            self.answers = iter([URL, "", "rita@acme.test", "PHX, atl", "11", "Phoenix ART", ""])
            self.confirms = iter([False, True])  # Blocks: no; Dependency: yes

        def say(self, message: str) -> None:
            self.said.append(message)

        def ask(self, question: str, default: str | None = None) -> str:
            answer = next(self.answers)
            return answer or default or ""

        def confirm(self, question: str, default: bool = True) -> bool:
            return next(self.confirms)

    class ScriptedSide(Scripted):
        def ask(self, question: str, default: str | None = None) -> str:
            # the "which side provides" question gets "B"
            return "B" if "which issue delivers" in question else super().ask(question, default)

    prompter = ScriptedSide()
    run_init(InitOptions(path=tmp_path / "c.toml"), prompter)

    config = load_config(tmp_path / "c.toml")
    assert config.jira.token_env == "JIRA_API_TOKEN"  # the default name, accepted with Enter
    assert config.train.name == "Phoenix ART"
    assert config.train.boards == [11]
    # "A depends on B": B delivers, and B is the inward side of A's link.
    assert [(t.name, t.provider) for t in config.train.dependency_link_types] == [("Dependency", "inward")]
    assert "Signed in as Rita Engineer." in prompter.said
    assert TOKEN not in " ".join(prompter.said)


def test_a_pasted_token_instead_of_a_variable_name_is_refused_without_echoing_it(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{URL}/rest/api/2/serverInfo", json={"deploymentType": "Cloud"})
        with pytest.raises(ConfigError) as refused:
            run_init(InitOptions(path=tmp_path / "c.toml", url=URL, token_env="ATATT3x/FfGF0+secret=="))
    assert "did you paste the token?" in str(refused.value)
    assert "ATATT3x" not in str(refused.value)


@responses.activate
def test_a_rejected_token_is_a_one_line_jira_error_and_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "wrong-token-value")
    responses.get(f"{URL}/rest/api/2/serverInfo", json={"deploymentType": "Cloud"})
    responses.get(f"{URL}/rest/api/2/myself", status=401, json={"errorMessages": ["Unauthorized"]})
    with pytest.raises(JiraError) as refused:
        run_init(
            InitOptions(
                path=tmp_path / "c.toml",
                url=URL,
                token_env="JIRA_API_TOKEN",
                email="r@acme.test",
                projects=("PHX",),
            )
        )
    assert "\n" not in str(refused.value)
    assert "wrong-token-value" not in str(refused.value)
    assert not (tmp_path / "c.toml").exists()


def test_an_existing_config_is_not_overwritten_without_force(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("# mine\n")
    with pytest.raises(ConfigError, match="already exists; pass --force"):
        run_init(InitOptions(path=path, url=URL))
    assert path.read_text() == "# mine\n"


def test_find_fields_on_data_center_uses_epic_link_and_auto_points_when_ambiguous() -> None:
    fields = [
        *FIELDS[:2],
        {
            "id": "customfield_10002",
            "name": "Story Points",
            "schema": {"type": "number", "custom": "x:float"},
        },
        {
            "id": "customfield_10003",
            "name": "Story point estimate",
            "schema": {"custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
        },
        {
            "id": "customfield_10008",
            "name": "Epic Link",
            "schema": {"custom": "com.pyxis.greenhopper.jira:gh-epic-link"},
        },
    ]
    found = find_fields(fields, "datacenter")
    assert (found.sprint, found.story_points, found.team, found.parent) == (
        "Sprint",
        "auto",
        None,
        "Epic Link",
    )


def test_rendered_toml_escapes_quotes_and_reads_back() -> None:
    data = {
        "jira": {"url": URL, "token_env": "T"},
        "train": {
            "name": 'The "Red" train',
            "jql": 'project = "A\\B"',
            "boards": [],
            "dependency_link_types": [{"name": "Blocks", "provider": "outward"}],
        },
    }
    assert tomllib.loads(render_toml(data)) == data


def test_find_fields_names_the_pi_objectives_business_value_fields_or_says_they_are_missing() -> None:
    # "Business Value" is the planned one when there is no "Planned Business Value"; names match in any case.
    fields = [
        *FIELDS[:2],
        {"id": "customfield_10050", "name": "Business Value", "schema": {"type": "number"}},
        {"id": "customfield_10051", "name": "actual business value", "schema": {"type": "number"}},
    ]
    found = find_fields(fields, "cloud")
    assert (found.planned_value, found.actual_value) == ("Business Value", "actual business value")
    assert not any("business value" in n for n in found.notes)
    bare = find_fields(FIELDS[:2], "cloud")
    assert (bare.planned_value, bare.actual_value) == (None, None)
    assert any("[objectives] planned_value_field" in n for n in bare.notes)
