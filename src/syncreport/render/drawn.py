"""Charts (and the dependency map) a run drew before, kept in the run's store (:mod:`syncreport.artifacts`) by what they were drawn
from: the drawing function, its exact arguments, and the code that draws and calls it.

``drawn(charts.columns, labels, series, chart_id=...)`` is ``charts.columns(labels, series, chart_id=...)``
when there is no store or nothing kept under that name; otherwise it is the SVG that call made then, byte
for byte. Arguments are named by their ``repr`` (the figures are tuples of numbers and strings, frozen
dataclasses of them, datetimes), functions by their qualified name: the presenter modules' own source is part
of the name, so changing a value format changes the name too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from markupsafe import Markup

from syncreport import __version__, artifacts

# The modules whose code decides what a chart looks like: the drawing, and the presenters that call it.
_CODE = ("charts.py", "plots.py", "depmap.py", "svg.py", "view.py", "pictures.py", "drawn.py")


def _key_part(value: object) -> str:
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


@functools.cache
def _code() -> str:
    here = Path(__file__).parent
    sources = [(here / name).read_bytes() if (here / name).is_file() else b"" for name in _CODE]
    return artifacts.digest(*sources, version("matplotlib"), version("networkx"), __version__)


def drawn(draw: Callable[..., Markup], *args: object, **kwargs: object) -> Markup:
    """``draw(*args, **kwargs)``, or the SVG it made before from exactly these arguments and this code."""
    store = artifacts.current()
    if store is None:
        return draw(*args, **kwargs)
    name = artifacts.digest(
        "chart",
        f"{draw.__module__}.{draw.__qualname__}",
        *map(_key_part, args),
        *(f"{k}={_key_part(v)}" for k, v in sorted(kwargs.items())),
        _code(),
    )
    return Markup(store.cached(name, lambda: str(draw(*args, **kwargs)).encode("utf-8")).decode("utf-8"))
