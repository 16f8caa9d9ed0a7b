from pathlib import Path

import pytest

from syncreport.config import load_config
from syncreport.errors import ConfigError

MINIMAL = """
[jira]
url = "https://acme.atlassian.net/"
email = "rte@acme.com"

[train]
name = "Payments ART"
jql = "project = PAY"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "etc" / "syncreport.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_are_anchored_next_to_the_config_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        MINIMAL
        + '[report]\nout_dir = "reports"\ntemplates_dir = "brand"\n'
        + '[cache]\npath = "/var/cache/sr.sqlite"\n[logging]\nfile = "logs/run.log"\n',
    )
    (path.parent / "brand").mkdir()  # a templates_dir must exist (checked when the config is loaded)
    config = load_config(path)
    assert config.report.out_dir == tmp_path / "etc" / "reports"
    assert config.report.templates_dir == tmp_path / "etc" / "brand"
    assert config.logging.file == tmp_path / "etc" / "logs" / "run.log"
    assert config.cache.path == Path("/var/cache/sr.sqlite")  # absolute stays as written
    assert config.jira.url == "https://acme.atlassian.net"  # trailing slash dropped


def test_defaults_fill_every_optional_section(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.jira.deployment == "auto"
    assert config.jira.token_env == "JIRA_API_TOKEN"
    assert config.report.formats == ["html", "pdf", "json"]
    assert config.report.out_dir == tmp_path / "etc" / "reports"
    assert config.train.dependency_link_types[0].name == "Blocks"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[jira]\nurl = "acme.atlassian.net"\n[train]\nname = "x"\njql = "y"\n', "key 'jira.url'"),
        ('[jira]\nurl = "https://a"\n[train]\nname = "x"\n', "required key 'train.jql' is missing"),
        (MINIMAL + "[report]\npaper = 'A3'\n", "key 'report.paper'"),
        (MINIMAL + "[jira.extra]\n", "unknown key 'jira.extra'"),
        (MINIMAL + "token = 'abc'\n", "unknown key"),
        ("[jira\n", "not valid TOML"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_file_and_the_key(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = _write(tmp_path, extra)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert message in text
    assert str(path) in text
    assert "\n" not in text


def test_a_missing_config_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="syncreport init"):
        load_config(tmp_path / "nope.toml")
