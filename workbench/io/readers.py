"""Readers per file format. Each returns raw values with the client's row numbers as index.

Nothing is coerced here: CSV cells stay text and Excel cells stay what openpyxl gives, so
that coercion can name the exact cell that does not fit. The index of the returned frame is
the row number the client sees in their own tool (the header is row 1 of a CSV file).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.contracts.schema import normalise_name
from workbench.errors import InputError
from workbench.io.bounds import bounded_rows, check_parquet, check_text_file, check_workbook

#: Files larger than this are refused with a message instead of exhausting memory
#: (``WORKBENCH_MAX_INPUT_MB`` changes it).
MAX_FILE_BYTES = 4 * 1024**3


def max_file_bytes() -> int:
    env = os.environ.get("WORKBENCH_MAX_INPUT_MB")
    return int(float(env) * 1024**2) if env else MAX_FILE_BYTES


_SAMPLE = 256 * 1024


@dataclass
class RawTable:
    """A table as read: raw values, the file it came from, and how it was read."""

    frame: pd.DataFrame
    source: str
    decimal: str = "."
    notes: tuple[str, ...] = ()


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes); expected a header row and data")
    limit = max_file_bytes()
    if size > limit:
        raise InputError(
            f"{path}: the file is {size / 1024**2:,.0f} MiB, above the {limit / 1024**2:,.0f}"
            " MiB limit for one table; send it as Parquet or split it by period"
        )


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else the best guess, else Windows-1252."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut by the sample's end
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    guess = best.encoding.replace("_", "-") if best is not None else "cp1252"
    latin = {"cp1250", "cp1252", "latin-1", "iso8859-1", "iso8859-15", "iso8859-2", "mac-roman"}
    if guess in latin or guess in ("utf-8", "ascii"):
        # Western European client files are far more often Windows-1252 than its look-alikes
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return guess if guess not in ("utf-8", "ascii") else "latin-1"
    return guess


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        header = lines[0]
        return max(",;\t|", key=header.count)


def _looks_decimal_comma(text: str, sep: str) -> bool:
    if sep == ",":
        return False
    import re

    commas = len(re.findall(r"(?<![\d.,])-?\d{1,3}(?:\.\d{3})*,\d+(?![\d.,])", text))
    dots = len(re.findall(r"(?<![\d.,])-?\d+\.\d{1,2}(?![\d.,])", text))
    return commas > dots


def read_csv(path: Path) -> RawTable:
    """Read a delimited text file: encoding, delimiter and decimal comma detected."""
    _check_file(path)
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
    if sample.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{path}: this is an Excel workbook (or another zip file) named .csv; "
            "rename it to .xlsx or export the sheet as CSV"
        )
    if b"\x00" in sample:
        raise InputError(
            f"{path}: binary content, not a text CSV file (a NUL byte in the first "
            f"{len(sample) // 1024} KiB); export the table as CSV, XLSX or Parquet"
        )
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    sep = detect_delimiter(text)
    check_text_file(path, sep)  # the whole file, before pandas expands it
    decimal = "," if _looks_decimal_comma(text, sep) else "."
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
            encoding_errors="strict",
        )
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: cannot be read as {encoding} text ({exc.reason}); save it as UTF-8 CSV"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: no header row; expected the column names on line 1") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: not a well-formed {sep!r}-separated file: {exc}") from None
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    notes = []
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"read as {encoding}")
    if sep != ",":
        notes.append(f"separator {sep!r}")
    if decimal == ",":
        notes.append("decimal comma")
    return RawTable(frame, str(path), decimal, tuple(notes))


def _header_score(row: Iterable[Any], expected: set[str]) -> int:
    """Known column names in the row, less the other filled cells."""
    cells = [normalise_name(v) for v in row if v is not None and str(v).strip()]
    hits = sum(1 for c in cells if c in expected)
    return hits - (len(cells) - hits) if hits else 0


def read_xlsx(path: Path, sheet: str | None, expected_columns: Iterable[str] = ()) -> RawTable:
    """Read one sheet; the header row is found among the first rows (guidance rows above it
    in the data-request workbook are skipped)."""
    _check_file(path)
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_workbook(path)  # shared strings are read whole by load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable Excel workbook ({exc})") from None
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise InputError(f"{path}: not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        names = wb.sheetnames
        match = _choose_sheet(
            path, names, [n for n in names if wb[n].sheet_state == "visible"], sheet
        )
        ws = wb[match]
        notes = []
        if ws.sheet_state != "visible":
            notes.append(f"sheet {match!r} is hidden")
        # the declared dimension may claim XFD1048576: rows as stored, bounded as they come
        ws.reset_dimensions()
        rows = bounded_rows(ws.iter_rows(min_row=1, values_only=True), f"{path} [{match}]")
    finally:
        wb.close()
    return _sheet_frame(rows, expected_columns, f"{path} [{match}]", notes)


def _choose_sheet(path: Path, names: list[str], visible: list[str], sheet: str | None) -> str:
    """The sheet asked for (names compared as column names are), else the first visible."""
    if sheet is None:
        sheet = visible[0] if visible else names[0]
    match = {normalise_name(n): n for n in names}.get(normalise_name(sheet))
    if match is None:
        raise InputError(
            f"{path}: no sheet named {sheet!r}; the workbook has "
            f"{', '.join(repr(n) for n in names)}"
        )
    return match


def _sheet_frame(
    rows: list[tuple[Any, ...]], expected_columns: Iterable[str], source: str, notes: list[str]
) -> RawTable:
    """A sheet's rows as a table: the header row found among the first rows (a title,
    banner or guidance rows above it are skipped and said so), the client's row numbers as
    index, layout columns without header or data dropped."""
    expected = {normalise_name(c) for c in expected_columns}
    window = rows[:20]
    header_at = 0
    if expected:
        scores = [_header_score(r, expected) for r in window]
        if scores and max(scores) > 0:
            # the last best row: guidance rows above a header may repeat column names
            header_at = len(scores) - 1 - scores[::-1].index(max(scores))
    else:
        header_at = next((i for i, r in enumerate(window) if any(v is not None for v in r)), 0)
    if not rows:
        return RawTable(pd.DataFrame(), source, ".", tuple(notes))
    above = [r for r in rows[:header_at] if any(_filled(v) for v in r)]
    if above:
        notes.append(
            f"header on row {header_at + 1}; {len(above)} title or banner row(s) above it skipped"
        )
    header = list(rows[header_at])
    width = max([len(header)] + [len(r) for r in rows[header_at + 1 :]])
    header += [None] * (width - len(header))
    cols = [
        str(h).strip() if _filled(h) else f"(unnamed column {i + 1})" for i, h in enumerate(header)
    ]
    body = [list(r) + [None] * (width - len(r)) for r in rows[header_at + 1 :]]
    frame = pd.DataFrame(body, columns=cols, dtype=object)
    frame.index = pd.RangeIndex(header_at + 2, header_at + 2 + len(frame))
    # Columns with no header and no data are layout, not data
    unnamed = [
        c for c in frame.columns if c.startswith("(unnamed column") and frame[c].isna().all()
    ]
    frame = frame.drop(columns=unnamed)
    return RawTable(frame, source, ".", tuple(notes))


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def read_calamine(path: Path, sheet: str | None, expected_columns: Iterable[str] = ()) -> RawTable:
    """Read one sheet of an old ``.xls`` (or ``.xlsb``, ``.ods``) workbook with calamine.

    Cells come back as Python values (numbers, dates, text); calamine's empty cells become
    ``None`` as openpyxl gives them, so both formats go through the same header search.
    """
    _check_file(path)
    from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable Excel workbook ({exc})") from None
    except Exception as exc:  # calamine's own errors for a damaged file
        raise InputError(f"{path}: not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        meta = {m.name: m for m in wb.sheets_metadata}
        names = list(wb.sheet_names)
        visible = [n for n in names if meta[n].visible == SheetVisibleEnum.Visible]
        match = _choose_sheet(path, names, visible, sheet)
        notes = []
        if meta[match].visible != SheetVisibleEnum.Visible:
            notes.append(f"sheet {match!r} is hidden")
        # skip_empty_area=False keeps the rows and columns above and left of the data, so
        # that row numbers are the ones the client sees
        cells = wb.get_sheet_by_name(match).to_python(skip_empty_area=False)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{path}: not a readable Excel workbook ({exc})") from None
    finally:
        wb.close()
    source = f"{path} [{match}]"
    rows = bounded_rows(([None if v == "" else v for v in row] for row in cells), source)
    return _sheet_frame(rows, expected_columns, source, notes)


def read_parquet(path: Path) -> RawTable:
    _check_file(path)
    check_parquet(path)
    import pyarrow as pa_arrow
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except (pa_arrow.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return RawTable(frame, str(path))


def read_raw(
    path: Path, sheet: str | None = None, expected_columns: Iterable[str] = ()
) -> RawTable:
    """Read any supported file by its extension."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet, expected_columns)
    if suffix in (".xls", ".xlsb", ".ods"):
        return read_calamine(path, sheet, expected_columns)
    if suffix in (".parquet", ".pq"):
        return read_parquet(path)
    if suffix in (".csv", ".txt", ".tsv", ""):
        if sheet:
            raise InputError(f"{path}: a sheet ({sheet!r}) is given but the file is not a workbook")
        return read_csv(path)
    raise InputError(f"{path}: unsupported file type {suffix!r}; send CSV, XLSX, XLS or Parquet")


def read_text_sample(path: Path, limit: int = 4096) -> str:
    with path.open("rb") as fh:
        return io.TextIOWrapper(io.BytesIO(fh.read(limit)), errors="replace").read()
