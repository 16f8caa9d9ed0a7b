"""The JSON report's bytes are json.dumps(indent=2)'s, whichever encoder wrote them."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from syncreport.kinds import DependencyStatus
from syncreport.render import json_text


def _standard(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def test_a_report_like_document_is_the_standard_librarys_bytes() -> None:
    document = {
        "train": "Orbit ART \u202eRTL\u202c 🚀 <b>&</b>",
        "counts": {DependencyStatus.LATE: 3, DependencyStatus.ON_TRACK: 0},  # str-enum keys, as the report's
        "rows": [
            {"key": "ORB-1", "ratio": 0.85, "days": -2.5, "big": 1e16, "none": None, "done": True},
            (1, 2.0, "tuple"),
            [],
            {},
        ],
        "text": "".join(chr(n) for n in range(0x250)) + "\u2028\u2029\ufeff",  # control characters too
    }
    assert json_text.encode(document) == _standard(document)


@pytest.mark.parametrize(
    "value",
    [1e-05, -2.5e-7, 0.00001234, float("nan"), float("inf"), float("-inf"), 2**70],
    ids=["1e-05", "-2.5e-07", "0.00001234", "nan", "inf", "-inf", "int beyond 64 bits"],
)
def test_what_orjson_writes_otherwise_is_written_by_the_standard_library(value: float | int) -> None:
    # json writes 1e-05, NaN, Infinity and any int; orjson would write 0.00001, null, null or refuse.
    document = {"figures": [1, {"value": value}, "x"]}
    assert json_text.encode(document) == _standard(document)


def test_a_nan_met_twice_and_text_that_looks_like_an_exponent_are_the_standard_librarys_bytes() -> None:
    nan = float("nan")
    shared = {"ratio": nan}  # the same objects twice: the screen's pickle keeps no memo, writes both
    for document in (
        {"rows": [shared, shared, [nan, nan]]},
        {"note": "re-1, e-5 and 2e-x are words here", "tuple": ("e-9", 3)},
        {"rows": [{"key": "ORB-1", "share": 1.5e-7}]},
    ):
        assert json_text.encode(document) == _standard(document)


def test_floats_of_every_magnitude_are_written_as_the_standard_library_writes_them() -> None:
    rng = random.Random(7)
    values = [rng.choice((1, -1)) * 10 ** rng.uniform(-12, 20) for _ in range(3000)]
    values += [0.0, -0.0, 1e-4, 9.999e-5, 1e16, 9999999999999998.0, 5e-324, 1.7976931348623157e308]
    for value in values:
        assert json_text.encode([value]) == _standard([value]), value


def test_what_json_cannot_encode_still_fails_as_it_does() -> None:
    @dataclass
    class Row:
        key: str

    for value in (Row("ORB-1"), datetime(2026, 12, 1, tzinfo=UTC)):
        with pytest.raises(TypeError, match="not JSON serializable"):
            json_text.encode({"row": value})
