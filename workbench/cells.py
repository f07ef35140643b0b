"""Client text in the tables the workbench writes: text stays text, never a formula.

A spreadsheet that opens a CSV file reads a cell starting with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) as a formula: a vendor called ``=cmd|' /C calc'!A0``
or ``=HYPERLINK("http://...")`` would run or call out on the reader's machine. Every CSV the
workbench writes is made by :func:`csv_text`, which passes each cell through
:func:`neutralise`: such text gets an apostrophe in front (the OWASP advice; spreadsheets
show the text as written), numbers stay numbers. The register
(``findings.xlsx``) gets the same protection by storing every text cell as a string.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain number (``-12``, ``+3.5``, ``1e-3``): a spreadsheet reads it as that number, never
#: as a formula, so it is left as written.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that a spreadsheet would run gets a leading ``'``.

    Parameters
    ----------
    value : Any
        A cell. Numbers and other non-text values are returned unchanged, and so is text that
        is a plain number (``"-12.5"``).

    Returns
    -------
    Any
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """CSV text (``\\n`` line ends) with every cell through :func:`neutralise`.

    Parameters
    ----------
    rows : iterable of iterables
        The rows, header first.

    Returns
    -------
    str
        Fields holding a delimiter, a quote or a line end are quoted; a row with a carriage
        return in a cell is quoted whole (the csv module quotes only the characters of its
        own line terminator, and a bare ``\\r`` would split the row for a reader).
    """
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        cells = [neutralise(cell) for cell in row]
        has_cr = any(isinstance(c, str) and "\r" in c for c in cells)
        (quoted if has_cr else plain).writerow(cells)
    return buffer.getvalue()


__all__ = ["FORMULA_STARTS", "csv_text", "neutralise"]
