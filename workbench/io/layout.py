"""Rows that are the export's layout, not data: totals rows at the bottom of a table.

Clients export registers from Excel or their ERP with a ``Total`` line (or a line of column
sums with no label) under the data. Such a row is not a record: read as one it would be an
expense of the whole ledger's amount, or a row with an empty key. It is found here, left
out of the table and named in the validation report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

_TOTAL_LABEL = re.compile(
    r"^\s*(grand\s*|sub\s*-?\s*)?(totals?|sum|summe|gesamt(summe)?|total\s+g[ée]n[ée]ral|totaal)"
    r"\b[\s\w():.,/-]{0,30}$",
    re.IGNORECASE,
)
#: how many rows at the bottom may be totals (a subtotal, a total, a grand total)
_MAX_TOTALS = 3


def _label(row: pd.Series) -> str | None:
    for value in row:
        if isinstance(value, str) and _TOTAL_LABEL.match(value):
            return value.strip()
    return None


def _is_sum_row(row: pd.Series, above: pd.DataFrame) -> bool:
    """Every number in the row equals its column's sum over the rows above, and there is
    at least one."""
    found = False
    for col, value in row.items():
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        if pd.isna(number):
            return False
        total = pd.to_numeric(above[col], errors="coerce").sum()
        if abs(total - number) > max(0.01, abs(total) * 1e-9):
            return False
        found = True
    return found


def totals_rows(frame: pd.DataFrame, id_columns: Sequence[str]) -> dict[int, str]:
    """The totals rows at the bottom of ``frame``: row number -> what gave it away.

    A bottom row is a totals row when its identifying columns are empty (or hold the label
    itself) and either a cell reads like ``Total``, ``Grand total``, ``Sum`` or ``Summe``,
    or every number in it is the sum of its column above. Rows with an id are always data:
    a vendor called "Total Energies" is a vendor.

    Parameters
    ----------
    frame : DataFrame
        The table as read (raw cells), blank rows already removed, indexed by row number.
    id_columns : sequence of str
        The columns that identify a record (the table's key, else its id columns).
    """
    ids = [c for c in id_columns if c in frame.columns]
    found: dict[int, str] = {}
    for position in range(len(frame) - 1, max(len(frame) - 1 - _MAX_TOTALS, 0), -1):
        row = frame.iloc[position]
        label = _label(row)
        id_values = [row[c] for c in ids]
        ids_empty = all(
            v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip() in ("", label)
            for v in id_values
        )
        if not ids_empty:
            break
        if label is not None:
            found[int(frame.index[position])] = f"labelled {label!r}"
        elif _is_sum_row(row, frame.iloc[:position]):
            found[int(frame.index[position])] = "the sums of the columns above"
        else:
            break
    return dict(sorted(found.items()))
