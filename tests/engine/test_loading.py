"""Loading client files: formats, encodings, coercion, and messages that point at cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.factories import projects_frame
from workbench.contracts import CONTRACTS
from workbench.engagement import load_engagement
from workbench.io import load_inputs
from workbench.io.loader import load_table


def _load(path: Path, table: str = "projects", sheet: str | None = None):
    return load_table(CONTRACTS[table], path, sheet)


def test_semicolon_windows1252_csv_with_decimal_commas_is_read(tmp_path: Path) -> None:
    text = (
        "project_id;name;segment;customer;pm_id;project_type;status;baseline_start;"
        "baseline_finish;budget;contract_value\n"
        "PRJ-1;Café Müller;Retail;Señor Ltd;P001;consulting;Active;2025-01-06;2025-06-30;"
        "1.234,50;2.000,00\n"
    )
    path = tmp_path / "projects.csv"
    path.write_bytes(text.encode("cp1252"))
    frame, issues, prov = _load(path)
    assert [i for i in issues if i.level == "error"] == []
    assert frame is not None
    assert frame.loc[2, "name"] == "Café Müller"
    assert frame.loc[2, "budget"] == 1234.5
    assert frame.loc[2, "contract_value"] == 2000.0
    assert frame.loc[2, "status"] == "active"
    assert "decimal comma" in prov["notes"] and "read as cp1252" in prov["notes"]


def test_utf8_bom_header_is_matched(tmp_path: Path) -> None:
    path = tmp_path / "projects.csv"
    projects_frame(2).to_csv(path, index=False, encoding="utf-8-sig")
    frame, _issues, _ = _load(path)
    assert frame is not None and list(frame["project_id"]) == ["PRJ-001", "PRJ-002"]


def test_text_in_a_numeric_column_names_the_client_rows(tmp_path: Path) -> None:
    df = projects_frame(5).astype({"budget": "object"})
    df.loc[1, "budget"] = "tbc"
    df.loc[3, "budget"] = "n/a"
    path = tmp_path / "projects.csv"
    df.to_csv(path, index=False)
    _, issues, _ = _load(path)
    errors = [i for i in issues if i.level == "error"]
    assert len(errors) == 1
    assert errors[0].column == "budget"
    assert errors[0].rows == [3, 5]  # header is row 1, so data row index 1 is row 3
    assert "rows 3, 5" in errors[0].render()
    assert "tbc" in errors[0].render()


def test_misspelt_required_column_is_named_with_a_suggestion(tmp_path: Path) -> None:
    df = projects_frame(2).rename(columns={"budget": "budjet"})
    path = tmp_path / "projects.csv"
    df.to_csv(path, index=False)
    frame, issues, _ = _load(path)
    assert frame is None
    [err] = [i for i in issues if i.level == "error"]
    assert err.column == "budget" and "'budjet'" in err.message


def test_column_names_match_case_and_spaces_insensitively(tmp_path: Path) -> None:
    df = projects_frame(2).rename(columns={"project_id": " Project ID ", "pm_id": "PM-Id"})
    path = tmp_path / "projects.csv"
    df.to_csv(path, index=False)
    frame, _issues, _ = _load(path)
    assert frame is not None and "project_id" in frame.columns and "pm_id" in frame.columns


def test_duplicate_keys_and_disallowed_values_are_reported_with_rows(tmp_path: Path) -> None:
    df = projects_frame(4)
    df.loc[2, "project_id"] = "PRJ-001"
    df.loc[3, "status"] = "sleeping"
    path = tmp_path / "projects.csv"
    df.to_csv(path, index=False)
    _, issues, _ = _load(path)
    by_column = {i.column: i for i in issues if i.level == "error"}
    assert by_column["project_id"].rows == [2, 4]
    assert by_column["status"].rows == [5]
    assert "one of: planned, active" in by_column["status"].render()


def test_excel_dates_serials_and_error_values(tmp_path: Path) -> None:
    df = projects_frame(3).astype({"baseline_start": "object", "budget": "object"})
    df.loc[0, "baseline_start"] = 45663  # Excel serial for 2025-01-06
    df.loc[1, "budget"] = "#REF!"
    path = tmp_path / "finance.xlsx"
    df.to_excel(path, sheet_name="Projects", index=False)
    frame, issues, _ = _load(path, sheet="projects")
    assert frame is not None
    assert frame.loc[2, "baseline_start"] == pd.Timestamp("2025-01-06")
    [err] = [i for i in issues if i.level == "error"]
    assert (err.column, err.rows, err.examples) == ("budget", [3], ["#REF!"])


def test_missing_sheet_lists_the_sheets_the_workbook_has(tmp_path: Path) -> None:
    path = tmp_path / "finance.xlsx"
    projects_frame(1).to_excel(path, sheet_name="Projects", index=False)
    frame, issues, _ = _load(path, sheet="Invoices")
    assert frame is None and "no sheet named 'Invoices'" in issues[0].message
    assert "'Projects'" in issues[0].message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00", "binary content"),
        (b"PK\x03\x04rest-of-zip", "Excel workbook"),
        (
            b"project_id,name,segment,customer,pm_id,project_type,status,baseline_start,"
            b"baseline_finish,budget,contract_value\n",
            "header but no data rows",
        ),
    ],
)
def test_unreadable_files_get_a_plain_message(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "projects.csv"
    path.write_bytes(content)
    frame, issues, _ = _load(path)
    assert frame is None
    assert expected in issues[0].message


def test_parquet_keeps_types(tmp_path: Path) -> None:
    df = projects_frame(3)
    df["baseline_start"] = pd.to_datetime(df["baseline_start"])
    path = tmp_path / "projects.parquet"
    df.to_parquet(path)
    frame, issues, _ = _load(path)
    assert frame is not None and frame["budget"].sum() == 600_000.0
    assert [i for i in issues if i.level == "error"] == []


def test_cross_table_orphans_are_warnings_with_rows(make_engagement) -> None:
    projects = projects_frame(3)
    projects.loc[2, "pm_id"] = "P999"
    folder = make_engagement()
    projects.to_csv(folder / "inputs" / "projects.csv", index=False)
    result = load_inputs(load_engagement(folder))
    [warning] = result.report.warnings
    assert (warning.table, warning.column, warning.rows) == ("projects", "pm_id", [4])
    assert result.report.ok


def test_mixed_date_formats_are_read_and_flagged(tmp_path: Path) -> None:
    df = projects_frame(3)
    df.loc[1, "baseline_start"] = "06/02/2025"
    path = tmp_path / "projects.csv"
    df.to_csv(path, index=False)
    frame, issues, _ = _load(path)
    assert frame is not None and frame.loc[3, "baseline_start"] == pd.Timestamp("2025-02-06")
    assert any(i.level == "warning" and i.column == "baseline_start" for i in issues)


def test_soft_rule_failures_are_warnings_and_rows_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    pd.DataFrame(
        {
            "respondent_id": ["R1", "R1", "R2"],
            "area": ["Cost"] * 3,
            "question_id": ["C1", "C2", "C1"],
            "score": [3, 7, -1],
        }
    ).to_csv(path, index=False)
    frame, issues, _ = load_table(CONTRACTS["maturity_responses"], path)
    assert frame is not None and len(frame) == 3
    assert [i.level for i in issues] == ["warning", "warning"]
    assert sorted(r for i in issues for r in i.rows) == [3, 4]


def test_client_headers_are_mapped_and_missing_ids_numbered(make_engagement) -> None:
    folder = make_engagement()
    (folder / "inputs" / "payments.csv").write_text(
        "VendorNum,Date,InvNum,Amount\n2001,2010-01-04,A-1,36.08\n2002,2010-01-05,B-7,1000\n"
    )
    text = (
        (folder / "engagement.yaml")
        .read_text()
        .replace(
            "inputs:\n",
            (
                "inputs:\n  expenses:\n    path: inputs/payments.csv\n    row_ids: true\n"
                "    columns: {vendor: VendorNum, invoice_number: InvNum}\n"
            ),
        )
    )
    (folder / "engagement.yaml").write_text(text)
    result = load_inputs(load_engagement(folder))
    assert result.report.ok, result.report.render()
    expenses = result.tables["expenses"]
    assert expenses["expense_id"].tolist() == ["row-2", "row-3"]
    assert expenses["vendor"].tolist() == ["2001", "2002"]
    assert expenses["amount"].tolist() == [36.08, 1000.0]
