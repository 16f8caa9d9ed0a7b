"""Ctrl-C stops a run every time, and the process then exits 130 (README, "Exit codes")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syncreport import interrupts
from syncreport.pipeline import run_report
from syncreport.snapshot import Snapshot, save_snapshot


@pytest.fixture
def ctrl_c_handler() -> Iterator[None]:
    """The CLI's handler for the length of a test, and pytest's own back afterwards."""
    before = signal.getsignal(signal.SIGINT)
    interrupts.install()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        interrupts._pressed.clear()  # noqa: SLF001 - no Ctrl-C leaks into the next test


class _SwallowsCtrlC:
    """Ctrl-C arrives in a ``__del__``: Python prints "Exception ignored" and carries on, as it does for an
    import's module-lock callback (where a real run met it)."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(2)  # the KeyboardInterrupt is raised in here, and ignored


def _press_ctrl_c_where_python_ignores_it() -> None:
    doomed = _SwallowsCtrlC()
    del doomed


@pytest.mark.usefixtures("ctrl_c_handler")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed one
def test_a_ctrl_c_that_python_swallowed_is_still_remembered() -> None:
    interrupts.check()  # nothing pressed yet: no interrupt
    _press_ctrl_c_where_python_ignores_it()  # returns normally: the KeyboardInterrupt was swallowed

    assert interrupts.pressed()
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()


@pytest.mark.usefixtures("ctrl_c_handler")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_run_after_a_swallowed_ctrl_c_writes_nothing(
    pulled: tuple[dict[str, Any], Snapshot], tmp_path: Path
) -> None:
    _, snapshot = pulled
    snapshot_file = save_snapshot(snapshot, tmp_path / "snap.json.gz")
    _press_ctrl_c_where_python_ignores_it()

    with pytest.raises(KeyboardInterrupt):
        run_report(None, snapshot_path=snapshot_file, out_dir=tmp_path / "out", formats=["html", "json"])
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.suffix != ".lock"]
    assert written == []


def test_an_interrupted_run_under_python_m_exits_130_not_by_the_signal(tmp_path: Path) -> None:
    """CPython would end ``python -m`` with SIGINT (-2) once a KeyboardInterrupt ended a string exec, as the
    methods dataclasses generate are; the CLI exits 130 whatever the Ctrl-C interrupted."""
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "__main__.py").write_text(
        textwrap.dedent(
            """
            import typer
            from syncreport import cli

            probe = typer.Typer()

            @probe.command()
            def run() -> None:
                cli._run(lambda: exec("raise KeyboardInterrupt"))

            cli.app = probe
            cli.main()
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "probe"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (130, "syncreport: interrupted; nothing was written\n")
