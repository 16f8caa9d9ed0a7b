"""The CLI's terminal side: a rich progress bar on stderr, handed to the pull (a
:class:`~syncreport.progress.Progress`). Only :mod:`syncreport.cli` imports this module."""

from __future__ import annotations

import sys
from typing import Any

from syncreport.progress import NO_PROGRESS, Progress


class RichProgress:
    """A transient rich progress bar on stderr: one task a stage."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> RichProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._bar.__exit__(*exc)

    def stage(self, description: str, total: int) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(description, total=total)

    def grow(self, amount: int) -> None:
        if self._task is not None:
            task = self._bar.tasks[-1]
            self._bar.update(self._task, total=(task.total or 0) + amount)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)


def progress_bar(enabled: bool) -> Progress:
    """A progress bar when asked for and stderr is a terminal; otherwise progress nobody sees."""
    return RichProgress() if enabled and sys.stderr.isatty() else NO_PROGRESS
