"""Sync-health indicators over a :class:`~syncreport.snapshot.Snapshot` (see docs/indicators.md)."""

from syncreport.indicators.results import IndicatorResults

__all__ = ["IndicatorResults"]
