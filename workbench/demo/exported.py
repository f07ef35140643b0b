"""The demo engagement "as exported": the same client's data as a real client sends it.

:func:`export_like_client` turns the clean demo engagement into its twin: the same records,
written the way exports come out of a client's tools: categorical columns in mixed case
and in synonyms (``In progress``, ``Closure``, ``Sev 1``, ``Ja``), CSV files with Windows
line ends, timesheet activities as free text (``PMO governance``, ``Design work``), a
finance workbook with a title banner above each header, totals rows under the data, dates
as Excel serial numbers and as text, and the staff list as an old ``.xls`` workbook. The
twin must validate and find the same planted problems as the clean engagement; the tests
prove it without editing a byte of the twin's inputs.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from openpyxl import Workbook

from workbench.demo.xls import write_xls

#: spellings clients use, cycled over the rows holding each value
SPELLINGS: dict[tuple[str, str], dict[str, Sequence[str]]] = {
    ("projects", "status"): {
        "planned": ("Not started", "Planned"),
        "active": ("In progress", "WIP", "Active"),
        "on_hold": ("On Hold", "Paused"),
        "closed": ("Completed", "Closed", "Done"),
        "cancelled": ("Cancelled", "Canceled"),
    },
    ("projects", "phase"): {
        "initiation": ("Initiation", "Kick-off"),
        "planning": ("Planning", "PLAN"),
        "execution": ("Execution", "Delivery", "Implementation"),
        "closing": ("Closure", "Close-out", "Stage 4"),
    },
    ("change_requests", "status"): {
        "open": ("Open", "New"),
        "submitted": ("Pending approval", "Submitted"),
        "approved": ("Approved", "Accepted"),
        "rejected": ("Rejected", "Declined"),
        "withdrawn": ("Withdrawn", "Cancelled"),
        "implemented": ("Implemented", "Done"),
        "closed": ("Closed", "Resolved"),
    },
    ("risks", "status"): {
        "open": ("Open", "Active"),
        "closed": ("Closed", "Retired"),
        "mitigated": ("Mitigated", "Treated"),
        "accepted": ("Accepted", "Tolerated"),
        "occurred": ("Occurred", "Materialised"),
        "escalated": ("Escalated",),
    },
    ("risks", "escalated"): {"True": ("Y", "Ja", "x"), "False": ("N", "No", "")},
    ("records", "legal_hold"): {"True": ("Yes", "Y"), "False": ("No", "N")},
    ("defects", "severity"): {
        "critical": ("Sev 1", "Blocker", "Critical"),
        "high": ("Sev 2", "Major", "High"),
        "medium": ("Sev 3", "Moderate", "MEDIUM"),
        "low": ("Sev 4", "Minor", "low"),
    },
    ("access", "principal_type"): {
        "user": ("User", "Person"),
        "group": ("Group", "Security group"),
        "external": ("External user", "External"),
        "guest": ("Guest",),
        "link": ("Sharing link", "Anyone link"),
    },
}

#: timesheet activities as a client's staff type them, each classified by the activity
#: catalogue as the activity it stands for (by synonym, keyword or a near spelling)
ACTIVITY_LABELS: dict[str, Sequence[str]] = {
    "governance review": ("PMO governance", "Governance"),
    "template maintenance": ("Template preparation", "Templates"),
    "process audit": ("Audit", "Project audits"),
    "record audit": ("Record management", "Records audit"),
    "training coordination": ("Training planning", "Training plan"),
    "portfolio reporting": ("Executive reporting", "Portfolo reporting"),
    "kpi reporting": ("KPI pack", "KPIs"),
    "resource pool management": ("Capacity planning", "Resource allocation"),
    "revenue assurance review": ("Revenue assurance", "Billing review"),
    "pmo administration": ("PMO meeting", "PMO support"),
    "design": ("Design work", "Solution design"),
    "development": ("Build", "Development"),
    "testing": ("QA", "Test execution"),
    "deployment": ("Go-live", "Rollout"),
    "consulting": ("Advisory", "Consulting"),
    "site work": ("On-site work", "Site visit"),
    "internal meeting": ("All hands", "Internal meeting"),
    "training attended": ("Course", "E-learning"),
    "administration": ("Admin", "Timesheet entry"),
    "leave": ("Holiday", "Sick leave"),
    "project planning": ("Project plan", "Planning"),
    "schedule control": ("Schedule update", "Progress tracking"),
    "cost control": ("Budget control", "Cost management"),
    "scope and change control": ("Change control", "Scope management"),
    "risk management": ("Risk register update", "Risk review"),
    "stakeholder management": ("Customer meeting", "SteerCo"),
    "team coordination": ("Team meeting", "Daily stand-up"),
    "vendor management": ("Supplier management", "Purchase orders"),
    "status reporting": ("Weekly status", "Status report"),
}

BANNER = ("Northwind Projects Ltd", "Export from the finance system")
#: the one value no vocabulary knows: placed by the twin's engagement.yaml, as a
#: consultant would after `workbench validate` proposed it
MAPPINGS = {"projects": {"phase": {"Stage 4": "closing"}}}


def _respell(values: pd.Series, spellings: Mapping[str, Sequence[str]]) -> pd.Series:
    """Each value written in one of its spellings, cycling over the rows that hold it."""
    seen: dict[str, int] = {}

    def one(value: object) -> object:
        key = str(value)
        choices = spellings.get(key)
        if not choices:
            return value
        n = seen.get(key, 0)
        seen[key] = n + 1
        return choices[n % len(choices)]

    return values.map(one)


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\r\n")


def _respelled(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for (name, column), spellings in SPELLINGS.items():
        if name == table and column in out.columns:
            out[column] = _respell(out[column], spellings)
    return out


def _with_totals(frame: pd.DataFrame, label_column: str, amount_column: str) -> pd.DataFrame:
    total = pd.to_numeric(frame[amount_column]).sum()
    row: dict[str, Any] = {c: None for c in frame.columns}
    row[label_column] = "Total"
    row[amount_column] = round(float(total), 2)
    return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def _finance_workbook(path: Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """Each sheet under a title banner; invoices and payments closed by a totals row;
    milestone dates as Excel serial numbers, payment dates as text."""
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    epoch = pd.Timestamp("1899-12-30")
    for name, frame in sheets.items():
        frame = frame.copy()
        if name == "Milestones":
            for col in ("planned_date", "delivered_date", "accepted_date"):
                stamps = pd.to_datetime(frame[col])
                frame[col] = ((stamps - epoch).dt.days).astype("Int64").astype(object)
        elif name == "Payments":
            frame["payment_date"] = pd.to_datetime(frame["payment_date"]).dt.strftime("%d %b %Y")
        amount = "amount" if "amount" in frame.columns else None
        if amount and name in ("Invoices", "Payments"):
            frame = _with_totals(frame, frame.columns[0], amount)
        sheet = book.create_sheet(name)
        for line in BANNER:
            sheet.append([f"{line}: {name}"])
        sheet.append([])
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
    book.save(path)


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def export_like_client(clean: str | Path, target: str | Path) -> Path:
    """Write the "as exported" twin of the clean demo engagement ``clean`` to ``target``.

    Parameters
    ----------
    clean : path
        A demo engagement built by :func:`workbench.demo.build_demo`.
    target : path
        The folder to write (replaced if it exists).

    Returns
    -------
    Path
        ``target``, holding ``engagement.yaml``, the inputs and the clean answer key.
    """
    clean, target = Path(clean), Path(target)
    config = yaml.safe_load((clean / "engagement.yaml").read_text(encoding="utf-8"))
    if target.exists():
        shutil.rmtree(target)
    (target / "inputs").mkdir(parents=True)
    inputs: dict[str, Any] = {}
    finance: dict[str, pd.DataFrame] = {}
    writers: dict[str, pd.DataFrame] = {}
    for table, spec in config["inputs"].items():
        path = spec if isinstance(spec, str) else spec["path"]
        source = clean / path
        if isinstance(spec, dict) and spec.get("sheet"):
            frame = pd.read_excel(source, sheet_name=spec["sheet"], dtype=object, engine="openpyxl")
            finance[spec["sheet"]] = frame
            inputs[table] = {"path": "inputs/finance.xlsx", "sheet": spec["sheet"]}
            continue
        if source.suffix == ".parquet":
            frame = pd.read_parquet(source)
            frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
        else:
            frame = _read_csv(source)
        frame = _respelled(table, frame)
        writers[table] = frame
        inputs[table] = f"inputs/{table}.csv"
    timesheets = writers["timesheets"]
    timesheets["activity"] = _respell(timesheets["activity"], ACTIVITY_LABELS)
    expenses = writers["expenses"]
    # day-first text dates, as a European ledger export writes them
    expenses["date"] = pd.to_datetime(expenses["date"]).dt.strftime("%d/%m/%Y")
    writers["expenses"] = _with_totals(expenses, "vendor", "amount")
    staff = writers.pop("staff")
    for col in ("hire_date", "leave_date"):
        staff[col] = pd.to_datetime(staff[col].replace("", None)).astype(object)
    write_xls(
        target / "inputs" / "staff.xls",
        {"Staff": staff},
        banners={"Staff": ("Northwind Projects Ltd", "HR export: staff list")},
    )
    inputs["staff"] = {"path": "inputs/staff.xls", "sheet": "Staff"}
    for table, frame in writers.items():
        _write_csv(frame, target / "inputs" / f"{table}.csv")
    _finance_workbook(target / "inputs" / "finance.xlsx", finance)
    for extra in ("erp.sqlite", "db_rules.yaml"):
        if (clean / "inputs" / extra).exists():
            shutil.copy2(clean / "inputs" / extra, target / "inputs" / extra)
    shutil.copy2(clean / "answer_key.json", target / "answer_key.json")
    config["inputs"] = {name: inputs[name] for name in config["inputs"]}
    config["mappings"] = MAPPINGS
    (target / "engagement.yaml").write_text(
        "# The demo engagement as a client exports it (see workbench.demo.exported).\n"
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return target
