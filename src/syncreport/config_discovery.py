"""Where a command's config comes from, the same way for every command.

In order: ``--config FILE``; else ``$SYNCREPORT_CONFIG``; else ``./syncreport.toml``; else
``syncreport.toml`` in the user's config directory (platformdirs: ``~/.config/syncreport/`` on Linux,
``~/Library/Application Support/syncreport/`` on macOS). The first one given is used, and a given one that
does not exist is an error (it is not skipped for the next); the two defaults are used only when present.
The CLI says which one it used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV = "SYNCREPORT_CONFIG"
FILE_NAME = "syncreport.toml"


@dataclass(frozen=True, slots=True)
class FoundConfig:
    path: Path
    source: str  # "--config", "$SYNCREPORT_CONFIG", "./syncreport.toml", "the user config directory"


def user_config_file() -> Path:
    return Path(platformdirs.user_config_dir("syncreport", appauthor=False)) / FILE_NAME


def find_config(explicit: Path | None, *, cwd: Path | None = None) -> FoundConfig | None:
    """The config file to use, and why; None when none is given and neither default exists."""
    if explicit is not None:
        return FoundConfig(explicit, "--config")
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        return FoundConfig(Path(from_env).expanduser(), f"${ENV}")
    here = (cwd or Path.cwd()) / FILE_NAME
    if here.is_file():
        return FoundConfig(here, f"./{FILE_NAME}")
    user = user_config_file()
    if user.is_file():
        return FoundConfig(user, "the user config directory")
    return None


def searched() -> str:
    """For the message when there is none: where a config was looked for."""
    return f"--config, ${ENV}, ./{FILE_NAME}, {user_config_file()}"
