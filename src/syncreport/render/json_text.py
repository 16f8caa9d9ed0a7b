"""The JSON report's bytes: ``json.dumps(document, ensure_ascii=False, indent=2)`` in UTF-8, made fast.

With ``indent`` the standard library encodes in Python (about 0.2 CPU s for a 10,000-issue train's 6 MB);
orjson writes the same bytes in a twentieth of that for everything this document holds (strings, ints,
floats, None, booleans, lists, tuples, dicts with str or str-enum keys), except three cases, which are
screened for and then encoded by the standard library, so the bytes are always what it writes:

- a float below 1e-4 in magnitude (``json`` writes ``1e-05``, orjson ``0.00001`` or ``1e-5``): the screen
  looks for ``0.0000`` and for a digit, ``e-``, a digit in orjson's output (``e-`` and a digit first,
  which the regular expression engine finds by its literal start: a third of the time of a class first);
- NaN and the infinities (``json`` writes ``NaN``/``Infinity``, orjson ``null``): the screen looks for a
  non-finite double in the document's pickle (opcode ``G`` and an exponent of all ones), written without
  the pickle's memo (a fifth less time: only the floats' bytes matter here);
- anything orjson refuses (an int beyond 64 bits, a dataclass, a datetime: ``json`` then raises its own
  error).

Keys that are not str are written as orjson writes them (a str enum's value, an int's digits: what
``json`` writes for the document's only such keys, the dependency statuses).

A screen that fires on text that only looks like a number (a summary saying "0.00001") costs the slow
path, never a different byte.
"""

from __future__ import annotations

import io
import json
import pickle
import re
from typing import Any

import orjson

_EXPONENT = re.compile(rb"e-[0-9]")
_NON_FINITE = re.compile(rb"G[\x7f\xff][\xf0-\xff]")  # pickle's binary float, exponent bits all ones


def encode(document: Any) -> bytes:
    """``json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")``, byte for byte."""
    fast = _orjson(document)
    if fast is None or _small_float(fast) or _non_finite(document):
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return fast


# Dataclasses and datetimes pass through to a default there is none of: orjson refuses them like json does.
_OPTIONS = (
    orjson.OPT_INDENT_2
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


def _orjson(document: Any) -> bytes | None:
    try:
        return orjson.dumps(document, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _small_float(encoded: bytes) -> bool:
    """Whether orjson's ``encoded`` may hold a float ``json`` writes another way (below 1e-4)."""
    if b"0.0000" in encoded:
        return True
    return any(
        found.start() > 0 and encoded[found.start() - 1] in _DIGITS for found in _EXPONENT.finditer(encoded)
    )


_DIGITS = frozenset(b"0123456789")


def _non_finite(document: Any) -> bool:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: every float written where it is (deprecated in the docs, in both picklers)
    try:
        pickler.dump(document)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return True  # cannot tell (a cycle raises ValueError without the memo): the slow path
    return _NON_FINITE.search(buffer.getbuffer()) is not None


__all__ = ["encode"]
