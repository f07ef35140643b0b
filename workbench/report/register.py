"""The machine-readable and client-facing registers of a run.

- ``findings.json``: every finding, sorted deterministically (same findings, same bytes);
- ``findings.xlsx``: the findings register the client filters, assigns and tracks;
- ``metrics.csv``: every number the report shows, sorted deterministically.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from workbench.cells import csv_text
from workbench.charts import SEVERITY_COLOURS
from workbench.findings import METRIC_COLUMNS, SEVERITIES, SEVERITY_RANK, Finding, Metric
from workbench.report.document import ReportMeta, format_date

#: Status a new finding has in the register.
DEFAULT_STATUS = "Open"

#: Statuses offered in the register's drop-down.
STATUSES = ("Open", "In progress", "Closed", "Risk accepted")

#: Characters of evidence ids shown in the register cell; the rest is on the Evidence sheet.
#: Evidence rows per finding in the workbook; a finding over this is a population-wide
#: pattern, and writing every id would make the register slow to build and to open
#: (findings.json always holds every id).
MAX_EVIDENCE_ROWS_PER_FINDING = 5_000
MAX_EVIDENCE_CHARS = 1000

_EXCEL_MAX_CHARS = 32_000
_NAVY = "1F3A5F"
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor=_NAVY)
_THIN = Side(style="thin", color="D9DDE3")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


def finding_sort_key(finding: Finding) -> tuple[Any, ...]:
    """Most severe first, then value and count at stake, then id; total on every field used.

    Parameters
    ----------
    finding : Finding

    Returns
    -------
    tuple
    """
    return (
        SEVERITY_RANK.get(finding.severity, len(SEVERITIES)),
        -(finding.exceptions.value or 0.0),
        -finding.exceptions.count,
        finding.id,
        finding.playbook,
        finding.check,
        finding.title,
        finding.summary,
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in register order (see :func:`finding_sort_key`)."""
    return sorted(findings, key=finding_sort_key)


def findings_json(findings: Iterable[Finding]) -> str:
    """The text of ``findings.json``: a JSON list of findings as in DESIGN.md.

    Parameters
    ----------
    findings : iterable of Finding

    Returns
    -------
    str
        Indented JSON with a final newline; equal findings give equal text.
    """
    data = [f.to_dict() for f in sorted_findings(findings)]
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_findings_json(findings: Iterable[Finding], path: Path) -> None:
    """Write ``findings.json``.

    Parameters
    ----------
    findings : iterable of Finding
        Every finding of the run.
    path : Path
        Target file (parent folders are created).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(findings_json(findings).encode("utf-8"))


def _format_value(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def metric_sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """Order of ``metrics.csv`` rows: playbook, metric, entity, period, value, unit."""
    value = row["value"]
    return (
        row["playbook"],
        row["metric"],
        row["entity_type"],
        row["entity_id"],
        row["period"],
        value is None,
        0.0 if value is None else value,
        row["unit"],
    )


def metrics_csv(metrics: Iterable[Metric]) -> str:
    """The text of ``metrics.csv``.

    Parameters
    ----------
    metrics : iterable of Metric

    Returns
    -------
    str
        CSV with the columns of :data:`workbench.findings.METRIC_COLUMNS`, ``\\n`` line ends,
        sorted by :func:`metric_sort_key`; integral values without a decimal part, other
        values in Python's shortest round-trip form, missing values blank. Text a
        spreadsheet would read as a formula (a client id ``=cmd|...``) starts with ``'``
        (see :func:`workbench.cells.neutralise`).
    """
    rows = sorted((m.to_row() for m in metrics), key=metric_sort_key)
    return csv_text(
        [
            METRIC_COLUMNS,
            *(
                [_format_value(row[c]) if c == "value" else row[c] for c in METRIC_COLUMNS]
                for row in rows
            ),
        ]
    )


def write_metrics_csv(metrics: Iterable[Metric], path: Path) -> None:
    """Write ``metrics.csv`` (UTF-8, byte-identical for the same metrics).

    Parameters
    ----------
    metrics : iterable of Metric
        Every metric of the run.
    path : Path
        Target file (parent folders are created).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(metrics_csv(metrics).encode("utf-8"))


# ---------------------------------------------------------------------- findings.xlsx

#: Columns of the register: header, width, kind (text, wrap, int, amount, share).
REGISTER_COLUMNS: list[tuple[str, int, str]] = [
    ("ID", 15, "text"),
    ("Playbook", 22, "text"),
    ("Area", 20, "text"),
    ("Check", 24, "text"),
    ("Severity", 10, "text"),
    ("Title", 42, "wrap"),
    ("Summary", 60, "wrap"),
    ("Population (count)", 12, "int"),
    ("Population (value)", 15, "amount"),
    ("Exceptions (count)", 12, "int"),
    ("Exceptions (value)", 15, "amount"),
    ("Exceptions (share)", 11, "share"),
    ("Owner role", 16, "text"),
    ("Status", 12, "text"),
    ("Recommendation", 50, "wrap"),
    ("Corrective action", 42, "wrap"),
    ("Preventive action", 42, "wrap"),
    ("Evidence type", 14, "text"),
    ("Evidence ids", 45, "wrap"),
]

_NUMBER_FORMATS = {"int": "#,##0", "amount": "#,##0.00", "share": "0.0%"}


def _clean_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(text) > _EXCEL_MAX_CHARS:
        text = text[: _EXCEL_MAX_CHARS - 1] + "…"
    return text


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write a cell; text is always text (client data never becomes a formula)."""
    cell = ws.cell(row=row, column=column, value=_clean_text(value))
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def evidence_text(ids: Sequence[str], limit: int = MAX_EVIDENCE_CHARS) -> str:
    """Evidence ids joined for one cell, cut at ``limit`` characters with a pointer.

    Parameters
    ----------
    ids : sequence of str
    limit : int

    Returns
    -------
    str
    """
    shown: list[str] = []
    length = 0
    for entity_id in ids:
        if shown and length + len(entity_id) + 2 > limit:
            rest = len(ids) - len(shown)
            return ", ".join(shown) + f" … and {rest:,} more (see the Evidence sheet)"
        shown.append(entity_id)
        length += len(entity_id) + 2
    return ", ".join(shown)


def _register_row(finding: Finding) -> list[Any]:
    return [
        finding.id,
        finding.playbook,
        finding.area,
        finding.check,
        finding.severity,
        finding.title,
        finding.summary,
        finding.population.count,
        finding.population.value,
        finding.exceptions.count,
        finding.exceptions.value,
        finding.exceptions.share,
        finding.owner_role,
        DEFAULT_STATUS,
        finding.recommendation,
        finding.corrective_action,
        finding.preventive_action,
        finding.entities.type,
        evidence_text(finding.entities.ids),
    ]


def _header(ws: Worksheet, headers: Sequence[str], widths: Sequence[int]) -> None:
    for column, (name, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = _put(ws, 1, column, name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "B2"


def _severity_style(severity: str) -> tuple[PatternFill, Font]:
    colour = SEVERITY_COLOURS.get(severity, "#8c8c8c").lstrip("#").upper()
    dark_text = severity in ("medium", "info")
    return (
        PatternFill("solid", fgColor=colour),
        Font(bold=True, color="222222" if dark_text else "FFFFFF"),
    )


def _cover_sheet(ws: Worksheet, findings: list[Finding], meta: ReportMeta) -> None:
    ws.title = "Cover"
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 60
    title = _put(ws, 1, 1, "Findings register")
    title.font = Font(bold=True, size=18, color=_NAVY)
    _put(ws, 2, 1, "Confidential").font = Font(bold=True, color="C0392B")
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    facts: list[tuple[str, Any]] = [
        ("Client", meta.client),
        ("Engagement", meta.engagement),
        ("Period under review", meta.period_text),
        ("Currency", meta.currency),
        ("Run", meta.run_id),
        ("Generated", format_date(meta.generated_at) or str(meta.generated_at)),
        ("Audit Workbench", meta.version),
        ("Findings", len(findings)),
        *[(f"  {s.capitalize()}", counts[s]) for s in SEVERITIES],
    ]
    for row, (label, value) in enumerate(facts, start=4):
        _put(ws, row, 1, label).font = Font(bold=True, color="5A6270")
        cell = _put(ws, row, 2, value)
        cell.alignment = Alignment(horizontal="left")
    note_row = 4 + len(facts) + 1
    _put(
        ws,
        note_row,
        1,
        "How to use: filter the Findings sheet by severity, area, playbook or owner; record "
        "progress in the Status column. The Evidence sheet lists every record behind each "
        "finding (one row per finding and record).",
    ).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=2)
    ws.row_dimensions[note_row].height = 48


def _findings_sheet(ws: Worksheet, findings: list[Finding]) -> None:
    headers = [c[0] for c in REGISTER_COLUMNS]
    _header(ws, headers, [c[1] for c in REGISTER_COLUMNS])
    severity_col = headers.index("Severity") + 1
    status_col = headers.index("Status") + 1
    for row, finding in enumerate(findings, start=2):
        for column, (value, (_, _, kind)) in enumerate(
            zip(_register_row(finding), REGISTER_COLUMNS, strict=True), start=1
        ):
            cell = _put(ws, row, column, value)
            cell.alignment = _WRAP_TOP if kind == "wrap" else _TOP
            cell.border = Border(bottom=_THIN)
            if kind in _NUMBER_FORMATS:
                cell.number_format = _NUMBER_FORMATS[kind]
        fill, font = _severity_style(finding.severity)
        severity_cell = ws.cell(row=row, column=severity_col)
        severity_cell.fill, severity_cell.font = fill, font
    last_row = max(len(findings) + 1, 2)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last_row}"
    status = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True)
    status.error = "Choose a status from the list."
    ws.add_data_validation(status)
    column = get_column_letter(status_col)
    status.add(f"{column}2:{column}{max(last_row, 2) + 500}")


def _evidence_sheet(ws: Worksheet, findings: list[Finding]) -> None:
    headers = ["Finding ID", "Playbook", "Severity", "Entity type", "Entity ID"]
    _header(ws, headers, [15, 22, 10, 16, 30])
    ws.freeze_panes = "A2"
    row = 2
    for finding in findings:
        ids = finding.entities.ids
        for entity_id in ids[:MAX_EVIDENCE_ROWS_PER_FINDING]:
            values = [
                finding.id,
                finding.playbook,
                finding.severity,
                finding.entities.type,
                entity_id,
            ]
            for column, value in enumerate(values, start=1):
                _put(ws, row, column, value)
            row += 1
        if len(ids) > MAX_EVIDENCE_ROWS_PER_FINDING:
            more = len(ids) - MAX_EVIDENCE_ROWS_PER_FINDING
            note = f"... and {more:,} more ids: the full list is in findings.json"
            for column, value in enumerate(
                [finding.id, finding.playbook, finding.severity, finding.entities.type, note],
                start=1,
            ):
                _put(ws, row, column, value)
            row += 1
    ws.auto_filter.ref = f"A1:E{max(row - 1, 2)}"


def write_findings_xlsx(findings: Iterable[Finding], path: Path, meta: ReportMeta) -> None:
    """Write the findings register a client can filter and work through.

    Sheets: "Cover" (client, engagement, period, run, counts by severity), "Findings" (one
    row per finding with autofilter, frozen header, severity colours, a Status drop-down
    defaulting to "Open", evidence ids cut to :data:`MAX_EVIDENCE_CHARS`), and "Evidence"
    (one row per finding and entity id).

    Parameters
    ----------
    findings : iterable of Finding
        Every finding of the run.
    path : Path
        Target ``.xlsx`` file (parent folders are created).
    meta : ReportMeta
        Client and run for the cover sheet.
    """
    ordered = sorted_findings(findings)
    workbook = Workbook()
    cover = workbook.active
    assert cover is not None
    _cover_sheet(cover, ordered, meta)
    _findings_sheet(workbook.create_sheet("Findings"), ordered)
    _evidence_sheet(workbook.create_sheet("Evidence"), ordered)
    workbook.properties.title = f"Findings register: {meta.client}"
    workbook.properties.creator = "Audit Workbench"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(str(path))


__all__ = [
    "findings_json",
    "metrics_csv",
    "sorted_findings",
    "write_findings_json",
    "write_findings_xlsx",
    "write_metrics_csv",
]
