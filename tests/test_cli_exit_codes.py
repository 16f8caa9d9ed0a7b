"""Exit codes belong to the CLI: the library raises types, one table in cli.py maps them (README, "Exit codes")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from syncreport import errors
from syncreport.cli import EXIT_CODES, ExitCode, exit_code_of
from syncreport.errors import (
    ConfigError,
    DeliveryError,
    InterruptedAfterWriting,
    JiraError,
    NotifyError,
    PagingError,
    RunInProgress,
    RunTimeout,
    SyncreportError,
)

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (RunInProgress("another run holds the lock"), 0),
        (ConfigError("bad option"), 2),
        (JiraError("Jira said no", status=401), 1),
        (RunTimeout("too slow"), 1),
        (PagingError("paging did not end"), 1),
        (DeliveryError("disk full"), 1),
        (NotifyError("the webhook refused the card"), 4),
        (SyncreportError("something the user can fix"), 1),
        (InterruptedAfterWriting((Path("r.html"),)), 130),
        (KeyboardInterrupt(), 130),
        (ValueError("a bug"), 1),
    ],
)
def test_each_error_type_has_its_documented_exit_code(error: BaseException, code: int) -> None:
    assert exit_code_of(error) == code


def test_no_library_error_carries_an_exit_code() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, BaseException)]
    assert classes and not [c.__name__ for c in classes if hasattr(c, "exit_code")]
    assert not hasattr(errors, "ExitCode")


def test_the_readme_table_lists_every_exit_code() -> None:
    table = README.read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(n) for n in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert documented == {int(c) for c in ExitCode}
    assert {int(code) for _, code in EXIT_CODES} <= documented
