"""Sync-health indicators over a :class:`~syncreport.snapshot.Snapshot` (see docs/indicators.md).

``compute_indicators(snapshot, thresholds=..., iterations=..., previous=...)`` returns the frozen
:class:`IndicatorResults` the renderer formats; ``to_json_document(results)`` is the JSON export.
"""

from syncreport.indicators.compute import compute_indicators
from syncreport.indicators.export import report_schema, to_json_document
from syncreport.indicators.results import IndicatorResults

__all__ = ["IndicatorResults", "compute_indicators", "report_schema", "to_json_document"]
