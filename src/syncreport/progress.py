"""How a long step (the pull) tells its caller how far it got, without writing to the terminal itself.

Kept outside :mod:`syncreport.jira` so that the pipeline and the demo name it without importing the
Jira layer.

The pull calls a :class:`Progress` it is handed (as ``syncreport init`` is handed a Prompter); the CLI hands
in a rich progress bar on a terminal (:mod:`syncreport.terminal`), everything else gets
:data:`NO_PROGRESS`. Calls come from the pulling thread only.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """A stage at a time: ``stage`` starts one (``total`` 0 when not known yet), ``grow`` adds to its total,
    ``advance`` counts work done. ``__enter__``/``__exit__`` bracket the whole pull."""

    def __enter__(self) -> object: ...

    def __exit__(self, *exc: object) -> None: ...

    def stage(self, description: str, total: int) -> None: ...

    def grow(self, amount: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class NoProgress:
    """Progress nobody watches."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    # The Progress protocol's signatures, with nothing to do with their arguments:
    def stage(self, description: str, total: int) -> None:  # noqa: ARG002
        return None

    def grow(self, amount: int) -> None:  # noqa: ARG002
        return None

    def advance(self, amount: int = 1) -> None:  # noqa: ARG002
        return None


NO_PROGRESS: Progress = NoProgress()
