"""--format csv,xlsx: the dependencies, slips, sprints and data-quality tables, read back with csv and openpyxl."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from types import ModuleType

import openpyxl
import pytest

from syncreport.indicators.results import DataQualityFinding, IndicatorResults, PiSlip, SprintReliability
from syncreport.render.spreadsheet import render_csv, render_xlsx, spreadsheet_outputs, tables

FORMULA = '=HYPERLINK("https://evil.test","click")'


@pytest.fixture
def results(sample: ModuleType) -> IndicatorResults:
    """The sample train cut down to one row per table, each written out here so the expectations are by hand."""
    full: IndicatorResults
    full, _ = sample.train(issues=40, teams=3)
    dep = replace(
        full.dependencies[0],
        consumer=replace(full.dependencies[0].consumer, key="ORB-12", url=f"{sample.SITE}/browse/ORB-12"),
        provider=replace(
            full.dependencies[0].provider,
            key="ORB-7",
            url=f"{sample.SITE}/browse/ORB-7",
            summary=FORMULA,
            team="Team Boreal",
            iteration_name="I4",
        ),
        status_label="Late",
        iterations_late=2,
        cross_pi=False,
        in_cycle=True,
    )
    slip = replace(
        full.issues[0],
        key="ORB-3",
        url=f"{sample.SITE}/browse/ORB-3",
        summary="Pay & ship — Zahlungsverkehr",
        carry_over=2,
        sprints_passed=("A Sprint 1", "A Sprint 2", "A Sprint 3"),
        first_due_date=date(2026, 10, 30),
        due_date=date(2026, 11, 13),
        due_date_slip_days=14,
        pi_slip=PiSlip("PI 26.3", "PI 26.4", datetime(2026, 11, 2, 9, 30, tzinfo=UTC)),
    )
    sprint = SprintReliability(
        team="Team Atlas",
        sprint_id=101,
        sprint="A Sprint 2",
        iteration_index=2,
        iteration_name="I2",
        start=datetime(2026, 10, 21, 8, 0, tzinfo=UTC),
        end=datetime(2026, 11, 4, 8, 0, tzinfo=UTC),
        unit="points",
        committed=20.0,
        completed=15.0,
        added=3.0,
        added_completed=1.0,
        removed=2.0,
        reliability=0.75,
    )
    finding = DataQualityFinding(
        kind="missing_team",
        severity="warning",
        title="Issues with no team",
        detail="Set the Team field.",
        count=2,
        keys=("ORB-5", "ORB-9"),
    )
    return replace(
        full,
        dependencies=(dep,),
        slipped_issues=(slip,),
        sprint_reliability=(sprint,),
        data_quality=(finding,),
    )


def test_xlsx_has_four_sheets_with_header_frozen_panes_filters_links_and_real_dates(
    results: IndicatorResults, sample: ModuleType
) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(results)))
    assert workbook.sheetnames == ["Dependencies", "Slips", "Sprints", "Data quality"]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}2"

    deps = workbook["Dependencies"]
    header = [c.value for c in deps[1]]
    row = dict(zip(header, [c for c in deps[2]], strict=True))
    assert row["Consumer"].value == "ORB-12"
    assert row["Consumer"].hyperlink.target == f"{sample.SITE}/browse/ORB-12"
    assert row["Provider"].hyperlink.target == f"{sample.SITE}/browse/ORB-7"
    # A Jira summary that looks like a formula stays text.
    assert row["Provider summary"].value == FORMULA and row["Provider summary"].data_type == "s"
    assert (row["Planned in"].value, row["Dependency"].value, row["Iterations late"].value) == (
        "I4",
        "Late",
        2,
    )
    assert (row["Cross-PI"].value, row["In a cycle"].value) == (False, True)

    slips = workbook["Slips"]
    slip = dict(zip([c.value for c in slips[1]], [c.value for c in slips[2]], strict=True))
    # openpyxl reads date cells back as datetimes at midnight: they are dates in Excel, not text.
    assert slip["First due date"] == datetime(2026, 10, 30)
    assert slip["Due date"] == datetime(2026, 11, 13)
    assert slip["Due date slip (days)"] == 14
    assert slip["PI slipped at (UTC)"] == datetime(2026, 11, 2, 9, 30)
    assert slip["Sprints passed"] == "A Sprint 1, A Sprint 2, A Sprint 3"
    assert slips["H2"].number_format == "yyyy-mm-dd"

    sprints = workbook["Sprints"]
    sprint = dict(zip([c.value for c in sprints[1]], [c.value for c in sprints[2]], strict=True))
    assert sprint["Start (UTC)"] == datetime(2026, 10, 21, 8, 0)
    assert (sprint["Committed"], sprint["Completed"], sprint["Reliability"]) == (20, 15, 0.75)
    assert sprints["M2"].number_format == "0%"

    quality = [c.value for c in workbook["Data quality"][2]]
    assert quality == [
        "warning",
        "Issues with no team",
        2,
        "Set the Team field.",
        "ORB-5, ORB-9",
        "missing_team",
    ]


def test_csv_is_one_file_per_table_and_a_formula_is_defused(results: IndicatorResults) -> None:
    outputs = spreadsheet_outputs(results, ["csv"])
    assert sorted(outputs) == ["data-quality.csv", "dependencies.csv", "slips.csv", "sprints.csv"]
    assert outputs["slips.csv"].startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8

    def read(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(outputs[name].decode("utf-8-sig"))))

    [dep] = read("dependencies.csv")
    assert (dep["Consumer"], dep["Provider"], dep["Dependency"]) == ("ORB-12", "ORB-7", "Late")
    assert dep["Provider summary"] == "'" + FORMULA  # OWASP: a leading quote keeps it text
    assert (dep["Cross-PI"], dep["In a cycle"]) == ("no", "yes")
    [slip] = read("slips.csv")
    assert slip["Summary"] == "Pay & ship — Zahlungsverkehr"
    assert (slip["First due date"], slip["Due date"]) == ("2026-10-30", "2026-11-13")
    assert slip["PI slipped at (UTC)"] == "2026-11-02T09:30:00Z"
    [sprint] = read("sprints.csv")
    assert (sprint["Committed"], sprint["Reliability"], sprint["Start (UTC)"]) == (
        "20",
        "0.75",
        "2026-10-21T08:00:00Z",
    )
    [finding] = read("data-quality.csv")
    assert finding["Issues"] == "ORB-5, ORB-9"


def test_empty_tables_still_have_their_header(results: IndicatorResults) -> None:
    empty = replace(results, dependencies=(), slipped_issues=(), sprint_reliability=(), data_quality=())
    for table in tables(empty):
        lines = render_csv(table).decode("utf-8-sig").splitlines()
        assert lines == [",".join(c.title for c in table.columns)]
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(empty)))
    assert all(sheet.max_row == 1 for sheet in workbook.worksheets)


def test_the_workbook_is_stamped_with_the_report_time_not_the_clock(results: IndicatorResults) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(results)))
    generated = results.train.generated_at.astimezone(UTC).replace(tzinfo=None)
    assert workbook.properties.created == generated
