"""Sync-health indicators over a :class:`~syncreport.snapshot.Snapshot` (see docs/indicators.md).

``compute_indicators(snapshot, thresholds=..., iterations=..., previous=...)`` returns the frozen
:class:`IndicatorResults` the renderer formats; ``to_json_document(results)`` is the JSON export.

The names are imported when first used (PEP 562): importing a submodule for its types (the results, as
delivery does) does not import pandas with the computing modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from syncreport.indicators.compute import compute_indicators
    from syncreport.indicators.export import report_schema, to_json_document
    from syncreport.indicators.results import IndicatorResults

_HOMES = {
    "compute_indicators": "compute",
    "report_schema": "export",
    "to_json_document": "export",
    "IndicatorResults": "results",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = ["IndicatorResults", "compute_indicators", "report_schema", "to_json_document"]
