"""The data-request workbook: generated from the contracts, and accepted back as filled in."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.factories import projects_frame, staff_frame
from workbench.contracts import CONTRACTS
from workbench.datarequest import HEADER_ROW, WORKBOOK, scaffold
from workbench.engagement import load_engagement
from workbench.io import load_inputs


def fill_sheet(path: Path, table: str, frame) -> None:
    wb = load_workbook(path)
    ws = wb[table]
    header = [c.value for c in ws[HEADER_ROW]]
    for row in frame.itertuples(index=False):
        values = dict(zip(frame.columns, row, strict=True))
        ws.append([values.get(col) for col in header])
    wb.save(path)


def test_workbook_has_a_sheet_per_table_with_guidance_above_the_header(tmp_path: Path) -> None:
    folder = scaffold(tmp_path / "acme", "Acme Holdings")
    wb = load_workbook(folder / WORKBOOK)
    assert wb.sheetnames[0] == "Instructions"
    assert set(CONTRACTS) <= set(wb.sheetnames)
    ws = wb["projects"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == list(CONTRACTS["projects"].columns)
    budget = header.index("budget") + 1
    assert ws.cell(1, budget).value.startswith("Approved budget")
    assert ws.cell(2, budget).value.startswith("REQUIRED")
    assert ws.cell(3, budget).value == "e.g. 450000"
    phase = header.index("phase") + 1
    assert (
        ws.cell(2, phase).value.startswith("optional") and "initiation" in ws.cell(2, phase).value
    )


def test_filled_in_workbook_round_trips_through_validation(tmp_path: Path) -> None:
    folder = scaffold(tmp_path / "acme", "Acme Holdings")
    fill_sheet(folder / WORKBOOK, "projects", projects_frame(4))
    fill_sheet(folder / WORKBOOK, "staff", staff_frame())
    result = load_inputs(load_engagement(folder))
    assert result.report.ok, result.report.render()
    assert set(result.tables) == {"projects", "staff"}
    assert result.tables["projects"]["budget"].tolist() == [
        100_000.0,
        200_000.0,
        300_000.0,
        400_000.0,
    ]
    not_provided = {i.table for i in result.report.warnings if "not provided" in i.message}
    assert not_provided == set(CONTRACTS) - {"projects", "staff"}


def test_errors_in_a_filled_workbook_point_at_excel_rows(tmp_path: Path) -> None:
    folder = scaffold(tmp_path / "acme", "Acme Holdings")
    projects = projects_frame(3).astype({"budget": "object"})
    projects.loc[1, "budget"] = "about 200k"
    fill_sheet(folder / WORKBOOK, "projects", projects)
    result = load_inputs(load_engagement(folder))
    [err] = result.report.errors
    # header on row 4, so the second data row is Excel row 6
    assert (err.table, err.column, err.rows) == ("projects", "budget", [6])
    assert "inputs/data-request.xlsx [projects]" in err.render()
