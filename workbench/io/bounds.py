"""How much a reader may expand one client file into, checked before it is expanded.

A small file can stand for a huge table: a 2 KB workbook with one cell at ``XFD1048576``
declares 17 billion cells, a 2 MB workbook can hold 1.6 GB of shared strings, and a CSV
with a valid head can hide gigabytes of NUL bytes in a sparse tail. Every reader asks these
functions first and refuses, with exit 2 and a message naming the file and the limit, what
would not fit:

- :func:`check_text_file` streams a delimited text file once (1 MiB at a time): a NUL byte
  anywhere, a line longer than :data:`MAX_LINE_BYTES`, or more rows x columns than
  :func:`max_cells`;
- :func:`check_workbook` reads a workbook's zip directory: a part the reader loads whole
  (shared strings, styles) above :data:`MAX_WHOLE_PART_BYTES`, a sheet above
  :data:`MAX_SHEET_BYTES`, or a part that expands more than :data:`MAX_RATIO` times;
- :func:`bounded_rows` takes a sheet's rows as they stream, each cut after its last value
  (a sheet's declared dimension is not trusted), and stops when the rows x columns
  actually used pass :func:`max_cells`;
- :func:`check_parquet` reads a Parquet file's footer: rows x columns and uncompressed bytes.

Zip sizes are safe to trust: Python's zipfile never inflates a member past its declared size
(a member that lies about it fails its CRC check instead).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workbench.errors import InputError

#: Most cells (rows x columns) one table may expand into (``WORKBENCH_MAX_INPUT_CELLS``).
MAX_CELLS = 20_000_000
#: Longest line of a delimited text file.
MAX_LINE_BYTES = 16 * 1024**2
#: Largest workbook part read whole into memory (shared strings, styles, the workbook).
MAX_WHOLE_PART_BYTES = 256 * 1024**2
#: Largest sheet XML, which is streamed.
MAX_SHEET_BYTES = 2 * 1024**3
#: A part larger than :data:`_RATIO_FLOOR` that expands more than this many times is a bomb:
#: real sheets compress 5 to 50 times.
MAX_RATIO = 250
_RATIO_FLOOR = 32 * 1024**2
_CHUNK = 1024**2
_LIMIT_HINT = (
    "send the table as Parquet, split it by period, or raise WORKBENCH_MAX_INPUT_CELLS "
    "if the machine has the memory"
)


def max_cells() -> int:
    """Most cells one table may hold: ``WORKBENCH_MAX_INPUT_CELLS`` or :data:`MAX_CELLS`."""
    env = os.environ.get("WORKBENCH_MAX_INPUT_CELLS")
    return int(float(env)) if env else MAX_CELLS


def _mib(size: float) -> str:
    return f"{size / 1024**2:,.0f} MiB"


def check_text_file(path: Path, sep: str) -> None:
    """Stream a delimited text file once and refuse what would not fit in memory.

    Parameters
    ----------
    path : Path
        The file.
    sep : str
        Its delimiter (columns are counted on the first line).

    Raises
    ------
    InputError
        A NUL byte (binary content), a line longer than :data:`MAX_LINE_BYTES`, or more
        rows x columns than :func:`max_cells`; the message names the file, the place and
        the limit.
    """
    limit = max_cells()
    with path.open("rb") as fh:
        header = fh.readline(MAX_LINE_BYTES + 1)
        columns = header.count(sep.encode("utf-8", "replace")) + 1
        lines = 1 if header.endswith(b"\n") else 0
        run = 0 if lines else len(header)  # bytes since the last line end
        offset = len(header)
        chunk = header
        while True:
            nul = chunk.find(b"\0")
            if nul >= 0:
                raise InputError(
                    f"{path}: binary content at byte {offset - len(chunk) + nul:,} (a NUL "
                    "byte), not a text CSV file; export the table as CSV, XLSX or Parquet"
                )
            if run > MAX_LINE_BYTES:
                raise InputError(
                    f"{path}: line {lines + 1:,} is longer than the {_mib(MAX_LINE_BYTES)} "
                    "limit for one line; check that the file is a table with one row per line"
                )
            if lines * columns > limit:
                raise InputError(
                    f"{path}: more than {lines:,} rows of {columns:,} columns, above the limit "
                    f"of {limit:,} cells for one table; {_LIMIT_HINT}"
                )
            chunk = fh.read(_CHUNK)
            if not chunk:
                return
            offset += len(chunk)
            first = chunk.find(b"\n")
            if first < 0:
                run += len(chunk)
                continue
            if run + first > MAX_LINE_BYTES:
                run += first
                continue  # refused at the top of the loop
            lines += chunk.count(b"\n")
            # lines wholly inside a chunk are shorter than the chunk, itself under the limit
            run = len(chunk) - chunk.rfind(b"\n") - 1


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def check_workbook(path: Path) -> None:
    """Refuse a workbook whose parts would expand past what the reader can hold.

    Parameters
    ----------
    path : Path
        An ``.xlsx`` / ``.xlsm`` file. A file that is not a zip archive is left to the
        reader, whose message says what it is.

    Raises
    ------
    InputError
        A part loaded whole above :data:`MAX_WHOLE_PART_BYTES`, a sheet above
        :data:`MAX_SHEET_BYTES`, or a large part that expands more than :data:`MAX_RATIO`
        times; the message names the file, the part and the limit.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    for info in members:
        limit = MAX_SHEET_BYTES if _is_sheet(info.filename) else MAX_WHOLE_PART_BYTES
        if info.file_size > limit:
            raise InputError(
                f"{path}: the part {info.filename} expands to {_mib(info.file_size)}, above "
                f"the {_mib(limit)} limit of the workbook reader; save the sheet as CSV or "
                "Parquet"
            )
        compressed = max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * compressed:
            raise InputError(
                f"{path}: the part {info.filename} expands {info.file_size // compressed:,} "
                f"times ({_mib(compressed)} to {_mib(info.file_size)}), beyond the "
                f"{MAX_RATIO} times of any real workbook; save the sheet as CSV or Parquet"
            )


def bounded_rows(
    rows: Iterable[Sequence[Any]], source: str, limit: int | None = None
) -> list[tuple[Any, ...]]:
    """A sheet's rows, each cut after its last value, refused past ``limit`` cells.

    Parameters
    ----------
    rows : iterable of sequences
        The rows as the workbook streams them (values only).
    source : str
        The file and sheet, for the message.
    limit : int, optional
        Most rows x columns (default :func:`max_cells`).

    Returns
    -------
    list of tuple
        The rows, without the empty cells after each one's last value.

    Raises
    ------
    InputError
        The rows read so far times the widest row pass ``limit``; the message names the
        sheet, the cell range and the limit.
    """
    limit = max_cells() if limit is None else limit
    out: list[tuple[Any, ...]] = []
    width = 0
    for index, row in enumerate(rows, start=1):
        used = len(row)
        while used and row[used - 1] is None:
            used -= 1
        out.append(tuple(row[:used]))
        width = max(width, used)
        if index * width > limit:
            raise InputError(
                f"{source}: the sheet's cells reach row {index:,} and column {width:,} "
                f"({index * width:,} cells), above the limit of {limit:,} cells for one "
                f"table; delete stray cells far from the table, or {_LIMIT_HINT}"
            )
    return out


def check_parquet(path: Path) -> None:
    """Refuse a Parquet file whose footer declares more than the reader can hold.

    Raises
    ------
    InputError
        More rows x columns than :func:`max_cells`, or more uncompressed bytes than
        :data:`MAX_SHEET_BYTES`; the message names the file and the limit.
    """
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:
        return  # not Parquet: the reader says so
    limit = max_cells()
    cells = meta.num_rows * meta.num_columns
    if cells > limit:
        raise InputError(
            f"{path}: {meta.num_rows:,} rows of {meta.num_columns:,} columns ({cells:,} "
            f"cells), above the limit of {limit:,} cells for one table; split it by period"
        )
    expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if expanded > MAX_SHEET_BYTES:
        raise InputError(
            f"{path}: expands to {_mib(expanded)}, above the {_mib(MAX_SHEET_BYTES)} limit "
            "for one table; split it by period"
        )


__all__ = [
    "MAX_CELLS",
    "MAX_LINE_BYTES",
    "MAX_RATIO",
    "MAX_SHEET_BYTES",
    "MAX_WHOLE_PART_BYTES",
    "bounded_rows",
    "check_parquet",
    "check_text_file",
    "check_workbook",
    "max_cells",
]
