"""typer's rich help without the parts of rich it imports for what the CLI's help never shows.

``typer.rich_utils`` formats every ``--help`` and usage error (panels, tables, colours). At its import it
also imports ``rich.markdown`` (with ``markdown_it`` and, through ``rich.syntax``, pygments) for
``rich_markup_mode="markdown"``, and ``rich.traceback`` (with ``rich.pretty`` and ``attrs``) for pretty
exceptions: the CLI uses rich markup and has pretty exceptions off (a traceback shows under ``--debug``
only, redacted), so neither is used, yet together they are about 40% of the help's imports (0.05 s of
``syncreport --help``'s 0.25 s on a quiet machine, twice that under load).

:func:`install` (the CLI calls it at import) makes ``typer.rich_utils`` a module that imports itself
when first used (:class:`importlib.util.LazyLoader`, the standard library's recipe), and while it does,
``rich.markdown``'s ``Markdown`` and ``rich.traceback``'s ``Traceback`` are classes that import the real
one when first called or asked for an attribute. After that import both modules are again what they are
for everything else: a later ``import rich.markdown`` imports it as usual.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

_HELP = "typer.rich_utils"
_DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


class _Deferred(type):
    """The class of a stand-in: calling it, or asking it for an attribute (``Traceback.from_exception``),
    imports the real class and hands the call on."""

    _module: str
    _name: str

    def real(cls) -> Any:
        return getattr(importlib.import_module(cls._module), cls._name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls.real(), name)


def stand_in(module: str, name: str) -> type:
    """A class that stands for ``module.name`` until it is used (see :class:`_Deferred`)."""
    return _Deferred(name, (), {"_module": module, "_name": name})


class _Loader:
    """``typer.rich_utils``' own loader, run with the stand-ins in place."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        with _stand_ins():
            self._loader.exec_module(module)


@contextlib.contextmanager
def _stand_ins() -> Iterator[None]:
    placed = {}
    for module, name in _DEFERRED.items():
        if module not in sys.modules:
            stub = ModuleType(module)
            setattr(stub, name, stand_in(module, name))
            sys.modules[module] = placed[module] = stub
    try:
        yield
    finally:
        for module, stub in placed.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]


def install() -> None:
    """``typer.rich_utils`` imported when first used, without ``rich.markdown`` and ``rich.traceback``
    (see the module's docstring). Nothing when it is imported already or cannot be found."""
    if _HELP in sys.modules:
        return
    spec = importlib.util.find_spec(_HELP)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    spec.loader = importlib.util.LazyLoader(_Loader(spec.loader))  # type: ignore[arg-type]
    module = importlib.util.module_from_spec(spec)
    sys.modules[_HELP] = module
    spec.loader.exec_module(module)  # LazyLoader: executed when an attribute is first asked for
    typer = sys.modules.get("typer")
    if typer is not None:
        typer.rich_utils = module  # type: ignore[attr-defined]


__all__ = ["install", "stand_in"]
