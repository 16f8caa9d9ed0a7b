"""config.example.toml stays complete: it loads, and every key of every section is written in it."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from syncreport.config import Config, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_the_example_config_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.jira.url == "https://acme.atlassian.net"
    assert [t.provider for t in config.train.dependency_link_types] == ["outward", "inward"]


def _keys(model: type[BaseModel], prefix: str) -> list[str]:
    keys = []
    for name, info in model.model_fields.items():
        if name == "source":
            continue
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += _keys(annotation, f"{name}.")
        else:
            keys.append(prefix + name)
    return keys


def test_every_key_is_written_in_the_example_commented_or_not() -> None:
    text = EXAMPLE.read_text()
    written = set(re.findall(r"^#?\s*([a-z_]+)\s*=", text, flags=re.MULTILINE))
    written |= set(re.findall(r"^\[\[\w+\.(\w+)\]\]", text, flags=re.MULTILINE))  # arrays of tables
    missing = [key for key in _keys(Config, "") if key.rsplit(".", 1)[-1] not in written]
    assert missing == []
