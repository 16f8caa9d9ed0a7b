"""Frozen result rows made in bulk at the cost of a plain class's ``__init__``.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (its own
``__setattr__`` refuses): three times the cost of a plain slot store, 0.4 s for the 100,000 IssueRows of
a large train. :func:`row_maker` gives a positional constructor that fills a mutable twin with the same
slots, then makes the object the frozen class (CPython allows ``__class__`` assignment between two classes
of one layout). The objects are the frozen class's own: equal, hashed, pickled and immutable as if made
by ``cls(*values)``. Only for frozen slots dataclasses with every field in ``__init__`` and no
``__post_init__``; every field is passed, positionally, in declaration order (no defaults).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, cast

_Row = TypeVar("_Row")


_MAKERS: dict[type[Any], Callable[..., Any]] = {}


def row_maker(cls: type[_Row]) -> Callable[..., _Row]:
    """``cls(*values)`` for a frozen slots dataclass, every field given positionally (made once a class)."""
    maker = _MAKERS.get(cls)
    if maker is None:
        maker = _MAKERS[cls] = _compiled(cls)
    return cast(Callable[..., _Row], maker)


def _compiled(cls: type[Any]) -> Callable[..., Any]:
    names = _field_names(cls)
    twin = type(f"Mutable{cls.__name__}", (), {"__slots__": names})
    if twin.__basicsize__ != cast(Any, cls).__basicsize__:
        raise TypeError(f"{cls.__name__} does not have the layout of its fields' slots")
    arguments = ", ".join(names)
    stores = "".join(f"    row.{name} = {name}\n" for name in names)
    source = f"def make({arguments}):\n    row = new(twin)\n{stores}    row.__class__ = cls\n    return row\n"
    namespace: dict[str, Any] = {"new": object.__new__, "twin": twin, "cls": cls}
    exec(source, namespace)  # as dataclasses makes __init__: one store per field, no loop
    return cast(Callable[..., Any], namespace["make"])


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or cls.__bases__ != (object,):
        raise TypeError(f"{cls.__name__} is not a frozen dataclass of its own")
    fields = dataclasses.fields(cls)
    names = tuple(f.name for f in fields)
    if cls.__dict__.get("__slots__") != names or not all(f.init for f in fields):
        raise TypeError(f"{cls.__name__}'s fields are not all slots set by __init__")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__: make it with its own __init__")
    return names
