"""The report's tables for spreadsheets: an .xlsx workbook (openpyxl) and one CSV file per table.

Four tables, the same rows the report lists: cross-team dependencies, slipped issues, closed sprints
(reliability) and data-quality findings. In the workbook every sheet has a bold header row, frozen panes
below it, an auto-filter over the table, Jira links on issue keys, and dates and times as real dates (times
in UTC: Excel has no time zones). A text cell is always text: a Jira summary that starts with ``=`` is never
a formula, in the workbook (the cell is typed as a string) or in the CSV (a leading ``'``, as OWASP advises
against CSV injection).

Not the JSON export's rows (indicators/export.py) again: that document is a versioned schema of machine keys
(every field, ids and ISO times, the next run's "previous run"); these are tables for people (titles,
widths, cell kinds, the display labels, a chosen order of columns). Both read the same result records, where
each figure is defined once; sharing a column list would tie the schema's stability to a sheet's layout.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from syncreport.errors import ConfigError
from syncreport.indicators.results import IndicatorResults

Kind = Literal["text", "key", "number", "percent", "date", "datetime", "bool"]
TABLES = ("dependencies", "slips", "sprints", "data_quality")
SHEET_TITLES = {
    "dependencies": "Dependencies",
    "slips": "Slips",
    "sprints": "Sprints",
    "data_quality": "Data quality",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: Kind = "text"
    width: int = 14


@dataclass(frozen=True, slots=True)
class KeyCell:
    key: str
    url: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # one of TABLES: the CSV file's part of the name
    title: str  # the sheet's name
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def tables(results: IndicatorResults) -> tuple[Table, ...]:
    """The four tables, built from the results (nothing is computed here)."""
    deps = Table(
        "dependencies",
        SHEET_TITLES["dependencies"],
        (
            Column("Consumer", "key", 12),
            Column("Consumer team", width=16),
            Column("Consumer summary", width=40),
            Column("Needed in", width=12),
            Column("Provider", "key", 12),
            Column("Provider team", width=16),
            Column("Provider summary", width=40),
            Column("Planned in", width=12),
            Column("Provider status", width=14),
            Column("Dependency", width=16),
            Column("Reason", width=48),
            Column("Iterations late", "number", 10),
            Column("Cross-PI", "bool", 9),
            Column("Provider slipped from", width=16),
            Column("In a cycle", "bool", 9),
            Column("Link type", width=12),
        ),
        tuple(
            (
                KeyCell(d.consumer.key, d.consumer.url),
                d.consumer.team,
                d.consumer.summary,
                d.consumer.iteration_name,
                KeyCell(d.provider.key, d.provider.url),
                d.provider.team,
                d.provider.summary,
                d.provider.iteration_name,
                d.provider.status,
                d.status_label,
                d.reason,
                d.iterations_late,
                d.cross_pi,
                d.provider_slip_from,
                d.in_cycle,
                d.link_type,
            )
            for d in results.dependencies
        ),
    )
    slips = Table(
        "slips",
        SHEET_TITLES["slips"],
        (
            Column("Issue", "key", 12),
            Column("Team", width=16),
            Column("Summary", width=40),
            Column("Status", width=14),
            Column("Sprint", width=18),
            Column("Carried over", "number", 10),
            Column("Sprints passed", width=30),
            Column("First due date", "date", 12),
            Column("Due date", "date", 12),
            Column("Due date slip (days)", "number", 10),
            Column("PI slip from", width=10),
            Column("PI slip to", width=10),
            Column("PI slipped at (UTC)", "datetime", 18),
        ),
        tuple(
            (
                KeyCell(i.key, i.url),
                i.team,
                i.summary,
                i.status,
                i.sprint,
                i.carry_over,
                ", ".join(i.sprints_passed),
                i.first_due_date,
                i.due_date,
                i.due_date_slip_days,
                i.pi_slip.from_pi if i.pi_slip else None,
                i.pi_slip.to_pi if i.pi_slip else None,
                _utc(i.pi_slip.at) if i.pi_slip else None,
            )
            for i in results.slipped_issues
        ),
    )
    sprints = Table(
        "sprints",
        SHEET_TITLES["sprints"],
        (
            Column("Team", width=16),
            Column("Sprint", width=18),
            Column("Sprint id", "number", 9),
            Column("Iteration", width=10),
            Column("Start (UTC)", "datetime", 18),
            Column("End (UTC)", "datetime", 18),
            Column("Unit", width=8),
            Column("Committed", "number", 10),
            Column("Completed", "number", 10),
            Column("Added", "number", 8),
            Column("Added and completed", "number", 10),
            Column("Removed", "number", 8),
            Column("Reliability", "percent", 10),
        ),
        tuple(
            (
                s.team,
                s.sprint,
                s.sprint_id,
                s.iteration_name,
                _utc(s.start),
                _utc(s.end),
                s.unit,
                s.committed,
                s.completed,
                s.added,
                s.added_completed,
                s.removed,
                s.reliability,
            )
            for s in results.sprint_reliability
        ),
    )
    quality = Table(
        "data_quality",
        SHEET_TITLES["data_quality"],
        (
            Column("Severity", width=9),
            Column("Finding", width=30),
            Column("Count", "number", 8),
            Column("What it affects and how to fix it", width=60),
            Column("Issues", width=40),
            Column("Code", width=16),
        ),
        tuple(
            (f.severity, f.title, f.count, f.detail, ", ".join(f.keys), f.kind) for f in results.data_quality
        ),
    )
    return deps, slips, sprints, quality


# --- CSV -----------------------------------------------------------------------------------------------------


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_value(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, KeyCell):
        return value.key
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if kind == "percent" else f"{value:g}"
    if isinstance(value, str):
        return _csv_text(value)
    return str(value)


def render_csv(table: Table) -> bytes:
    """One table as CSV: UTF-8 with a byte-order mark (so Excel reads accents), a header row, CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.title for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")


# --- xlsx ----------------------------------------------------------------------------------------------------


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise ConfigError(
            "the xlsx format needs openpyxl: pip install 'syncreport[xlsx]' (or drop xlsx from --format)"
        ) from None
    return openpyxl


def render_xlsx(results: IndicatorResults) -> bytes:
    """The four tables as the sheets of one workbook."""
    openpyxl = _openpyxl()
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    stamp = _utc(results.train.generated_at)
    workbook.properties.created = stamp  # the report's time, not the clock's: same input, same workbook
    workbook.properties.modified = stamp
    workbook.properties.creator = "syncreport"
    workbook.properties.title = f"ART sync report: {results.train.name}"
    bold = Font(bold=True)
    for table in tables(results):
        sheet = workbook.create_sheet(table.title)
        for index, column in enumerate(table.columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.title)
            cell.font = bold
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        for row_index, row in enumerate(table.rows, start=2):
            for col_index, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
                _set(sheet.cell(row=row_index, column=col_index), value, column.kind)
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A1:{last}{max(len(table.rows) + 1, 1)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _set(cell: Any, value: Any, kind: Kind) -> None:
    if value is None:
        return
    if isinstance(value, KeyCell):
        cell.value = value.key
        cell.data_type = "s"
        cell.hyperlink = value.url
        cell.style = "Hyperlink"
        return
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif kind == "date":
        cell.number_format = "yyyy-mm-dd"
    elif kind == "datetime":
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif kind == "percent":
        cell.number_format = "0%"


def spreadsheet_outputs(results: IndicatorResults, formats: Sequence[str]) -> dict[str, bytes]:
    """``{"xlsx": ..., "dependencies.csv": ..., ...}`` for the spreadsheet formats among ``formats``."""
    outputs: dict[str, bytes] = {}
    if "xlsx" in formats:
        outputs["xlsx"] = render_xlsx(results)
    if "csv" in formats:
        for table in tables(results):
            outputs[f"{table.name.replace('_', '-')}.csv"] = render_csv(table)
    return outputs
