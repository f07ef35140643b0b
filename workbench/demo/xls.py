"""Old-format ``.xls`` workbooks, written as a client's ERP or an old Excel exports them.

Only the tests and the "as exported" demo twin write ``.xls`` (the workbench reads them
with calamine); ``xlwt`` is a development dependency, imported when a file is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_xls(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    banners: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write ``sheets`` (name -> table) to an ``.xls`` workbook.

    Parameters
    ----------
    path : Path
        The file to write.
    sheets : mapping of str to DataFrame
        One sheet per table; dates are written as date cells.
    banners : mapping of str to list of str, optional
        Title lines written above a sheet's header, followed by one empty row, as reports
        exported from an ERP carry them.
    """
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, frame in sheets.items():
        sheet = book.add_sheet(name)
        top = 0
        lines = list((banners or {}).get(name, ()))
        for line in lines:
            sheet.write(top, 0, line)
            top += 1
        if lines:
            top += 1
        for j, column in enumerate(frame.columns):
            sheet.write(top, j, str(column))
        for i, row in enumerate(frame.itertuples(index=False), start=top + 1):
            for j, value in enumerate(row):
                cell = _cell(value)
                if cell is None:
                    continue
                if isinstance(cell, (dt.date, dt.datetime)):
                    sheet.write(i, j, cell, date_style)
                else:
                    sheet.write(i, j, cell)
    book.save(str(path))
    return path
