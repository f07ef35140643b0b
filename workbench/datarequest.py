"""The data request: the Excel workbook sent to the client, and the engagement scaffold.

The workbook is generated from the contracts, so it always matches what ``validate``
checks: one sheet per table with each column's meaning, type, whether it is required and an
example above the header row; the client types data under the header. Sent back and saved
as ``inputs/data-request.xlsx``, it is the engagement's input as is.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from workbench.contracts import CONTRACTS, TableContract
from workbench.contracts.schema import KINDS
from workbench.errors import InputError
from workbench.paths import playbooks_dir

WORKBOOK = "inputs/data-request.xlsx"
HEADER_ROW = 4
_HEAD = PatternFill("solid", fgColor="1F3A5F")
_REQ = PatternFill("solid", fgColor="FCE4D6")
_OPT = PatternFill("solid", fgColor="EDEDED")
_GREY = Font(italic=True, color="666666", size=9)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "engagement"


def _table_sheet(wb: Workbook, contract: TableContract) -> None:
    ws = wb.create_sheet(contract.name)
    for idx, info in enumerate(contract.columns.values(), start=1):
        letter = get_column_letter(idx)
        ws.cell(1, idx, info.meaning).font = _GREY
        kind = KINDS[info.kind] + (f": {', '.join(info.allowed)}" if info.allowed else "")
        ws.cell(2, idx, f"{'REQUIRED' if info.required else 'optional'} · {kind}").font = _GREY
        ws.cell(
            3, idx, f"e.g. {info.example}" if info.example != "" else "e.g. (empty)"
        ).font = _GREY
        head = ws.cell(HEADER_ROW, idx, info.name)
        head.font = Font(bold=True, color="FFFFFF")
        head.fill = _HEAD
        for row in (1, 2, 3):
            ws.cell(row, idx).fill = _REQ if info.required else _OPT
            ws.cell(row, idx).alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[letter].width = max(14, min(34, len(info.meaning) // 2 + 8))
    ws.row_dimensions[1].height = 48
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)


def _questionnaire_sheet(wb: Workbook) -> None:
    path = playbooks_dir() / "pm-function-audit" / "criteria" / "questionnaire.csv"
    if not path.exists():
        return
    import pandas as pd

    frame = pd.read_csv(path, keep_default_na=False)
    ws = wb.create_sheet("questionnaire")
    ws.append(
        [
            "Read-only reference: answer each question in the maturity_responses sheet "
            "(one row per respondent and question, score 0-5 as anchored here)."
        ]
    )
    ws.append(list(frame.columns))
    for cell in ws[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEAD
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    for idx, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = (
            16 if col in ("area", "question_id") else 40
        )


def write_data_request(path: Path, client: str, tables: list[str] | None = None) -> Path:
    """Write the data-request workbook for ``client``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Instructions"
    ws.append([f"Data request for {client}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for line in (
        "Please fill in one sheet per table below, starting under the dark header row (row 4).",
        "Rows 1-3 of each sheet explain the columns: their meaning, whether they are REQUIRED, "
        "their type, and an example. Do not change the header row.",
        "Dates as YYYY-MM-DD or Excel dates; amounts as plain numbers in the engagement currency.",
        "Leave a sheet empty if you do not hold that data: the checks that need it are skipped "
        "and named in the report.",
        "Optional columns unlock more checks; fill them where you can.",
    ):
        ws.append([line])
    ws.append([])
    ws.append(["Sheet", "What it holds", "Used by", "Required columns"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    chosen = [CONTRACTS[t] for t in (tables or list(CONTRACTS))]
    for contract in chosen:
        ws.append(
            [
                contract.name,
                contract.purpose,
                ", ".join(contract.used_by),
                ", ".join(contract.required_columns),
            ]
        )
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 40
    ws.column_dimensions["D"].width = 70
    for contract in chosen:
        _table_sheet(wb, contract)
    _questionnaire_sheet(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def scaffold(
    folder: str | Path,
    client: str,
    *,
    engagement: str | None = None,
    period: tuple[dt.date, dt.date] | None = None,
    currency: str = "EUR",
    playbooks: list[str] | None = None,
) -> Path:
    """``workbench new``: an engagement folder with ``engagement.yaml`` and the workbook."""
    folder = Path(folder)
    if (folder / "engagement.yaml").exists():
        raise InputError(f"{folder}: already holds an engagement.yaml; choose a new folder")
    if not client.strip():
        raise InputError("--client must name the client")
    today = dt.date.today()
    start, end = period or (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    from workbench.playbooks import list_playbooks

    names = playbooks or [s.name for s in list_playbooks()]
    config: dict[str, Any] = {
        "client": client,
        "engagement": engagement or _slug(f"{client}-{end.year}"),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "currency": currency.upper(),
        "playbooks": names,
        "inputs": {name: {"path": WORKBOOK, "sheet": name} for name in CONTRACTS},
        "parameters": {},
    }
    folder.mkdir(parents=True, exist_ok=True)
    header = (
        "# Engagement file. Inputs point at the data-request workbook's sheets: save the\n"
        "# client's filled-in workbook as inputs/data-request.xlsx, or point a table at its own\n"
        "# CSV, XLSX or Parquet file. For the database audit add:\n"
        "# database: {url: 'postgresql+psycopg://auditor@host:5432/db',\n"
        "#            password_env: DB_PASSWORD}\n"
    )
    (folder / "engagement.yaml").write_text(
        header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8"
    )
    write_data_request(folder / WORKBOOK, client)
    return folder
