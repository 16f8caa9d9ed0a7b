"""What every rendered report holds, written once for the render tests."""

from __future__ import annotations

#: The PDF's top-level bookmarks, one per section, in order.
PDF_SECTIONS = [
    "Executive summary",
    "Program board",
    "Features and the PI baseline",
    "Capacity against load",
    "Dependencies",
    "ROAM risk board",
    "PI objectives",
    "Slippage",
    "Cadence and sprint commitment reliability",
    "Appendix: data quality",
]
