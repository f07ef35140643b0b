"""Excel as clients export it: banner rows above the header, totals rows under the data,
old .xls workbooks, dates as serial numbers or text in several formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from tests.factories import projects_frame
from workbench.contracts import CONTRACTS
from workbench.demo.xls import write_xls
from workbench.io.coerce import to_date
from workbench.io.layout import totals_rows
from workbench.io.loader import load_table


def _expenses(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "expense_id": [f"E-{i}" for i in range(1, n + 1)],
            "date": [dt.date(2025, 3, i) for i in range(1, n + 1)],
            "amount": [100.0 * i for i in range(1, n + 1)],
            "vendor": ["Acme", "Total Energies", "Acme", "Globex"][:n],
        }
    )


def test_an_xls_workbook_with_a_banner_and_a_totals_row_is_read(tmp_path: Path) -> None:
    frame = _expenses()
    totals = pd.DataFrame([{"expense_id": None, "date": None, "amount": 1000.0, "vendor": "Total"}])
    path = write_xls(
        tmp_path / "ledger.xls",
        {"Expenses": pd.concat([frame, totals], ignore_index=True)},
        banners={"Expenses": ["Acme Holdings", "Vendor ledger FY2025"]},
    )
    typed, issues, prov = load_table(CONTRACTS["expenses"], path, "Expenses")
    assert [i for i in issues if i.level == "error"] == []
    assert typed is not None
    # banner rows 1-2, an empty row 3, the header on row 4: data from row 5
    assert typed.index.tolist() == [5, 6, 7, 8]
    assert typed["amount"].sum() == 1000.0
    assert typed["date"].tolist() == [pd.Timestamp(2025, 3, d) for d in range(1, 5)]
    assert typed.loc[6, "vendor"] == "Total Energies"  # a vendor, not a totals row
    assert prov["rows_read"] == 5 and prov["rows"] == 4 and prov["totals_rows"] == [9]
    assert "header on row 4; 2 title or banner row(s) above it skipped" in prov["notes"]
    (warning,) = [i for i in issues if i.level == "warning"]
    assert warning.rows == [9] and "labelled 'Total'" in warning.message


def test_an_unlabelled_row_of_column_sums_at_the_bottom_is_a_totals_row(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Project register, exported 2025-12-31"])
    ws.append(list(projects_frame(1).columns))
    frame = projects_frame(3)
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    ws.append([None] * 9 + [frame["budget"].sum(), frame["contract_value"].sum()])
    path = tmp_path / "projects.xlsx"
    wb.save(path)
    typed, issues, prov = load_table(CONTRACTS["projects"], path)
    assert [i for i in issues if i.level == "error"] == []
    assert typed is not None and typed.index.tolist() == [3, 4, 5]
    assert prov["totals_rows"] == [6]
    assert any("sums of the columns above" in i.message for i in issues)


def test_a_last_row_with_an_id_is_data_even_when_it_reads_like_a_total() -> None:
    frame = pd.DataFrame(
        {"expense_id": ["E-1", "E-2", "Total"], "amount": ["5", "7", "12"], "vendor": list("abc")},
        index=[2, 3, 4],
    )
    assert totals_rows(frame, ["expense_id"]) == {4: "labelled 'Total'"}
    frame.loc[4, "expense_id"] = "E-3"
    assert totals_rows(frame, ["expense_id"]) == {}


def test_dates_as_excel_serials_and_text_in_several_formats() -> None:
    raw = pd.Series(
        [45730, 45730.0, "45730", "2025-03-14", "14.03.2025", "14 Mar 2025", "March 14, 2025"],
        dtype=object,
    )
    coerced = to_date(raw)
    assert coerced.bad_rows == []
    assert set(coerced.values) == {pd.Timestamp(2025, 3, 14)}


def test_the_day_month_order_is_read_from_the_column_when_it_shows_it() -> None:
    month_first = to_date(pd.Series(["03/14/2025", "04/01/2025"], dtype=object), dayfirst=True)
    assert month_first.values.tolist() == [pd.Timestamp(2025, 3, 14), pd.Timestamp(2025, 4, 1)]
    assert "month-first" in month_first.note
    day_first = to_date(pd.Series(["14.03.2025", "04.01.2025"], dtype=object), dayfirst=False)
    assert day_first.values.tolist() == [pd.Timestamp(2025, 3, 14), pd.Timestamp(2025, 1, 4)]
    undecided = to_date(pd.Series(["04/01/2025"], dtype=object), dayfirst=True)
    assert undecided.values.tolist() == [pd.Timestamp(2025, 1, 4)] and undecided.note == ""
