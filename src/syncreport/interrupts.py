"""Ctrl-C is never lost.

Python raises KeyboardInterrupt wherever the main thread happens to be when SIGINT arrives. Where that is a
weakref callback or a ``__del__`` (an import's module-lock callback during a lazy import, say), Python prints
"Exception ignored" and goes on, and the run would write and send the report its user stopped. The CLI
installs :func:`install`'s handler, which remembers the Ctrl-C before raising; the pipeline calls
:func:`check` between its steps, so a swallowed Ctrl-C still stops the run before the next thing is written
or sent.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_pressed = threading.Event()


def _on_sigint(_signum: int, _frame: FrameType | None) -> None:
    _pressed.set()
    raise KeyboardInterrupt


def install() -> None:
    """Remember every Ctrl-C from now on (the CLI's entry point calls it, in the main thread)."""
    _pressed.clear()
    signal.signal(signal.SIGINT, _on_sigint)


def pressed() -> bool:
    """Whether Ctrl-C was pressed since :func:`install` (False when it was never installed)."""
    return _pressed.is_set()


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even when its first raise was swallowed."""
    if _pressed.is_set():
        raise KeyboardInterrupt
