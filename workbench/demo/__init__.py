"""The bundled demo engagement: a seeded, realistic client with known, planted problems.

``build_demo(folder)`` writes ``engagement.yaml``, the input files (CSV, one Excel
workbook, Parquet), any extra files (the SQLite database for the database audit) and
``answer_key.json``: what each area planted, which the tests use to prove each check finds
exactly that.
"""

from __future__ import annotations

import importlib
import io
import json
import shutil
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from openpyxl.packaging.core import DocumentProperties
from openpyxl.xml.functions import fromstring, tostring

from workbench.demo.core import DemoContext, build_core

#: Area generators, in the order they run. A missing module is skipped.
AREAS = ("pm", "records", "bi", "database")
PLAYBOOK_OF_AREA = {
    "pm": "pm-function-audit",
    "records": "record-management-audit",
    "bi": "bi-assessment",
    "database": "database-audit",
}
#: Tables written to the Excel workbook (as a client would send finance data), not CSV.
XLSX_TABLES = {"invoices": "Invoices", "payments": "Payments", "milestones": "Milestones"}
PARQUET_TABLES = {"timesheets"}


def generate(seed: int = 20260101) -> DemoContext:
    """Run the core and every available area generator."""
    ctx = DemoContext(seed=seed)
    build_core(ctx)
    for area in AREAS:
        try:
            module = importlib.import_module(f"workbench.demo.{area}")
        except ModuleNotFoundError as exc:
            if exc.name == f"workbench.demo.{area}":
                continue
            raise
        module.generate(ctx)
    return ctx


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: hasattr(v, "isoformat")).any():
            out[col] = pd.to_datetime(out[col])
    return out


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame], stamp: datetime) -> None:
    """Write ``sheets`` (sheet name -> table) to the workbook at ``path``, dated ``stamp``.

    openpyxl dates the workbook's properties and every zip entry with the time of saving;
    here both carry ``stamp`` instead, so the file's bytes depend on its content only.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    path.write_bytes(_restamp_xlsx(buffer.getvalue(), stamp))


def _restamp_xlsx(data: bytes, stamp: datetime) -> bytes:
    """The workbook ``data`` with its created/modified properties and zip dates set to ``stamp``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            body = source.read(entry)
            if entry.filename == "docProps/core.xml":
                props = DocumentProperties.from_tree(fromstring(body))
                props.created = props.modified = stamp
                body = tostring(props.to_tree())
            fixed = zipfile.ZipInfo(entry.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = entry.compress_type
            fixed.external_attr = entry.external_attr
            target.writestr(fixed, body)
    return out.getvalue()


def available_playbooks(ctx: DemoContext) -> list[str]:
    from workbench.playbooks import list_playbooks

    known = {spec.name for spec in list_playbooks()}
    return [pb for area, pb in PLAYBOOK_OF_AREA.items() if pb in known]


def build_demo(folder: str | Path, seed: int = 20260101) -> Path:
    """Write the demo engagement to ``folder`` (replacing what was there)."""
    folder = Path(folder)
    ctx = generate(seed)
    if folder.exists():
        shutil.rmtree(folder)
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    spec: dict[str, Any] = {}
    xlsx = {n: s for n, s in XLSX_TABLES.items() if n in ctx.tables}
    for name, frame in ctx.tables.items():
        frame = _prepare(frame)
        if name in xlsx:
            continue
        if name in PARQUET_TABLES:
            frame.to_parquet(inputs / f"{name}.parquet", index=False)
            spec[name] = f"inputs/{name}.parquet"
        else:
            frame.to_csv(inputs / f"{name}.csv", index=False, date_format="%Y-%m-%d")
            spec[name] = f"inputs/{name}.csv"
    if xlsx:
        # Stamped with the period end, not the clock: the same seed gives the same bytes.
        write_xlsx(
            inputs / "finance.xlsx",
            {sheet: _prepare(ctx.tables[name]) for name, sheet in xlsx.items()},
            stamp=datetime.combine(ctx.period_end, datetime.min.time()),
        )
        for name, sheet in xlsx.items():
            spec[name] = {"path": "inputs/finance.xlsx", "sheet": sheet}
    for relative, writer in ctx.extra_files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        writer(target)
    engagement: dict[str, Any] = {
        "client": "Northwind Projects Ltd",
        "engagement": "northwind-demo",
        "period": {"start": ctx.period_start.isoformat(), "end": ctx.period_end.isoformat()},
        "currency": "EUR",
        "playbooks": available_playbooks(ctx),
        "inputs": spec,
    }
    if ctx.parameters:
        engagement["parameters"] = ctx.parameters
    if (folder / "inputs" / "erp.sqlite").exists():
        engagement["database"] = {"url": "sqlite:///inputs/erp.sqlite"}
        if (folder / "inputs" / "db_rules.yaml").exists():
            engagement["database"]["rules"] = "inputs/db_rules.yaml"
    (folder / "engagement.yaml").write_text(
        f"# Demo engagement generated by `workbench demo` (seed {seed}). Do not edit: rebuilt "
        "on every demo run.\n" + yaml.safe_dump(engagement, sort_keys=False),
        encoding="utf-8",
    )
    (folder / "answer_key.json").write_text(
        json.dumps(ctx.answer_key, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    return folder
