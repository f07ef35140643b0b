"""The demo client's ERP database (SQLite) for the database audit, with its answer key.

A small ERP of the demo client: customers, employees, projects, invoices, invoice lines,
payments, timesheet entries and an audit log without a primary key. Problems are planted
on purpose and recorded under ``answer_key["database-audit"]``: orphan rows behind declared
and undeclared foreign keys, duplicate natural keys, missing required values, dates and
numbers kept as text (some unparseable), rule violations, rows kept past retention, a
table that stopped being fed and foreign-key columns without an index.

The schema is SQLAlchemy metadata and the rows plain dicts, so the same database loads
identically into PostgreSQL and MariaDB (the tests do exactly that).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
import yaml

from workbench.demo.core import _CUSTOMERS, _FIRST, _LAST, DemoContext

PLAYBOOK = "database-audit"
TABLE_ORDER = [
    "customers",
    "employees",
    "projects",
    "invoices",
    "invoice_lines",
    "payments",
    "timesheet_entries",
    "audit_log",
]

#: The rules file shipped with the demo engagement (``inputs/db_rules.yaml``).
RULES: dict[str, Any] = {
    "required": {"customers": ["email"], "payments": ["paid_on"], "invoices": ["invoice_date"]},
    "natural_keys": {"customers": ["email"]},
    "date_columns": {"employees": None},
    "rules": [
        {
            "table": "invoices",
            "column": "amount",
            "name": "invoice_amount_not_negative",
            "range": {"min": 0},
            "severity": "high",
            "description": "Credit notes are kept in their own table.",
        },
        {
            "table": "timesheet_entries",
            "column": "hours",
            "name": "hours_per_entry",
            "range": {"min": 0, "max": 24},
        },
        {
            "table": "projects",
            "column": "status",
            "name": "project_status_values",
            "allowed": ["planned", "active", "closed"],
        },
        {
            "table": "customers",
            "column": "email",
            "name": "customer_email_format",
            "regex": "^[^@ ]+@[^@ ]+[.][A-Za-z]{2,}$",
        },
        {
            "table": "projects",
            "name": "project_end_after_start",
            "compare": "end_date >= start_date",
        },
        {"table": "employees", "name": "leave_after_hire", "compare": "leave_date >= hire_date"},
    ],
    "retention": {"timesheet_entries": {"date_column": "work_date", "retain_years": 7}},
}


def _key(name: str) -> sa.Column[Any]:
    """An integer primary key the generator numbers itself (so the ids are the answer key's)."""
    return sa.Column(name, sa.Integer, primary_key=True, autoincrement=False)


def _reference(name: str, target: str) -> sa.Column[Any]:
    """A declared, indexed foreign key to ``target`` (``"table.column"``)."""
    return sa.Column(name, sa.Integer, sa.ForeignKey(target), index=True)


def erp_metadata() -> sa.MetaData:
    """The ERP schema: keys, four indexed foreign keys, two relationships left undeclared."""
    md = sa.MetaData()
    sa.Table(
        "customers",
        md,
        _key("customer_id"),
        sa.Column("customer_code", sa.String(20)),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(120)),
        sa.Column("country", sa.String(2)),
        sa.Column("created_on", sa.Date),
    )
    sa.Table(
        "employees",
        md,
        _key("employee_id"),
        sa.Column("name", sa.String(100)),
        sa.Column("email", sa.String(120)),
        sa.Column("grade", sa.String(4)),
        sa.Column("hire_date", sa.Date, nullable=False),
        sa.Column("leave_date", sa.Date),
    )
    sa.Table(
        "projects",
        md,
        _key("project_id"),
        sa.Column("project_code", sa.String(20)),
        sa.Column("name", sa.String(100), nullable=False),
        _reference("customer_id", "customers.customer_id"),
        sa.Column("manager_id", sa.Integer),
        sa.Column("status", sa.String(20)),
        sa.Column("start_date", sa.Date),
        sa.Column("end_date", sa.Date),
        sa.Column("budget", sa.Numeric(12, 2)),
    )
    sa.Table(
        "invoices",
        md,
        _key("invoice_id"),
        sa.Column("invoice_number", sa.String(20)),
        _reference("project_id", "projects.project_id"),
        # The legacy billing module writes its dates as text.
        sa.Column("invoice_date", sa.String(20)),
        sa.Column("due_date", sa.Date),
        sa.Column("amount", sa.Numeric(12, 2)),
    )
    sa.Table(
        "invoice_lines",
        md,
        _key("line_id"),
        _reference("invoice_id", "invoices.invoice_id"),
        sa.Column("description", sa.String(120)),
        sa.Column("quantity", sa.String(10)),
        sa.Column("unit_price", sa.Numeric(12, 2)),
    )
    sa.Table(
        "payments",
        md,
        _key("payment_id"),
        sa.Column("invoice_id", sa.Integer),
        sa.Column("paid_on", sa.Date),
        sa.Column("amount", sa.Numeric(12, 2)),
    )
    sa.Table(
        "timesheet_entries",
        md,
        _key("entry_id"),
        sa.Column("employee_id", sa.Integer),
        _reference("project_id", "projects.project_id"),
        sa.Column("work_date", sa.Date),
        sa.Column("hours", sa.Numeric(5, 2)),
    )
    sa.Table(
        "audit_log",
        md,
        sa.Column("id", sa.Integer),
        sa.Column("logged_at", sa.DateTime),
        sa.Column("table_name", sa.String(40)),
        sa.Column("action", sa.String(10)),
        sa.Column("user_name", sa.String(40)),
    )
    return md


def _day(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def erp_rows(ctx: DemoContext) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """The rows of every table and the answer key of what was planted.

    Returns
    -------
    rows : dict
        Table name -> list of row dicts (values already typed: ints, strings, dates, floats).
    key : dict
        Check name -> sorted list of the keys planted (or a value), as in the answer key.
    """
    rng = ctx.rng_for("database")
    end = ctx.period_end
    start = ctx.period_start
    key: dict[str, Any] = {}

    customers: list[dict[str, Any]] = []
    for i in range(1, 31):
        company = _CUSTOMERS[(i - 1) % len(_CUSTOMERS)]
        name = (
            company
            if i <= len(_CUSTOMERS)
            else f"{company} {['Europe', 'Asia', 'Americas'][i % 3]} {i}"
        )
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:18]
        customers.append(
            {
                "customer_id": i,
                "customer_code": f"C-{i:04d}",
                "name": name,
                "email": f"finance{i}@{slug}.com",
                "country": ["GB", "DE", "FR", "NL", "SE"][int(rng.integers(0, 5))],
                "created_on": _day(rng, dt.date(2019, 1, 1), dt.date(2026, 5, 1)),
            }
        )
    customers[-1]["created_on"] = dt.date(2026, 6, 10)
    # Duplicate customer codes: a re-keyed copy and a case/blank variant.
    customers[28]["customer_code"] = "C-0005"
    customers[29]["customer_code"] = " c-0012"
    key["duplicate_key:customers.customer_code"] = [5, 12, 29, 30]
    customers[26]["email"] = customers[2]["email"].upper()
    key["duplicate_key:customers.email"] = [3, 27]
    for i in (8, 16):
        customers[i - 1]["email"] = None
    key["required_missing:customers.email"] = [8, 16]
    customers[10]["email"] = "accounts(at)northwind-client.com"
    customers[18]["email"] = "billing@tailspin"
    key["rule:customer_email_format"] = [11, 19]

    employees: list[dict[str, Any]] = []
    for i in range(1, 21):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
        hire = _day(rng, dt.date(2015, 1, 1), dt.date(2025, 12, 31))
        employees.append(
            {
                "employee_id": i,
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}{i}@northwind.example",
                "grade": f"G{int(rng.integers(2, 7))}",
                "hire_date": hire,
                "leave_date": None,
            }
        )
    employees[6]["name"] = ""
    key["required_missing:employees.name"] = [7]
    employees[4]["leave_date"] = employees[4]["hire_date"] + dt.timedelta(days=400)
    employees[13]["leave_date"] = employees[13]["hire_date"] - dt.timedelta(days=30)
    key["rule:leave_after_hire"] = [14]

    projects: list[dict[str, Any]] = []
    for i in range(1, 26):
        s = _day(rng, dt.date(2023, 1, 1), dt.date(2026, 5, 1))
        projects.append(
            {
                "project_id": i,
                "project_code": f"PRJ-{i:03d}",
                "name": f"{_CUSTOMERS[i % len(_CUSTOMERS)].split()[0]} programme {i:02d}",
                "customer_id": int(rng.integers(1, 31)),
                "manager_id": int(rng.integers(1, 21)),
                "status": ["planned", "active", "closed"][int(rng.integers(0, 3))],
                "start_date": s,
                "end_date": s + dt.timedelta(days=int(rng.integers(90, 500))),
                "budget": float(round(rng.uniform(50_000, 900_000), -2)),
            }
        )
    projects[-1]["start_date"] = dt.date(2026, 6, 1)
    projects[-1]["end_date"] = dt.date(2027, 3, 31)
    projects[22]["customer_id"] = 31
    projects[23]["customer_id"] = 40
    key["orphans:projects.customer_id"] = [23, 24]
    projects[5]["status"] = "Active"
    projects[16]["status"] = "on hold"
    key["rule:project_status_values"] = [6, 17]
    projects[19]["status"] = None
    key["required_missing:projects.status"] = [20]
    for i in (9, 15):
        projects[i - 1]["end_date"] = projects[i - 1]["start_date"] - dt.timedelta(days=20)
    key["rule:project_end_after_start"] = [9, 15]

    invoices: list[dict[str, Any]] = []
    for i in range(1, 61):
        d = _day(rng, dt.date(2024, 7, 1), dt.date(2026, 5, 31))
        text = d.isoformat() if i % 5 else d.strftime("%d/%m/%Y")
        invoices.append(
            {
                "invoice_id": i,
                "invoice_number": f"INV-{d.year}-{i:04d}",
                "project_id": int(rng.integers(1, 26)),
                "invoice_date": text,
                "due_date": d + dt.timedelta(days=30),
                "amount": float(round(rng.uniform(2_000, 80_000), 2)),
            }
        )
    invoices[-1]["due_date"] = dt.date(2026, 6, 28)
    invoices[43]["invoice_number"] = invoices[9]["invoice_number"]
    key["duplicate_key:invoices.invoice_number"] = [10, 44]
    invoices[6]["invoice_date"] = "TBD"
    invoices[32]["invoice_date"] = "2025-13-02"
    invoices[50]["invoice_date"] = "n/a"
    key["text_unparseable:invoices.invoice_date"] = [7, 33, 51]
    invoices[24]["amount"] = -1200.0
    invoices[37]["amount"] = -50.0
    key["rule:invoice_amount_not_negative"] = [25, 38]
    invoices[57]["project_id"] = 99
    key["orphans:invoices.project_id"] = [58]

    lines: list[dict[str, Any]] = []
    for i in range(1, 151):
        lines.append(
            {
                "line_id": i,
                "invoice_id": (i - 1) % 60 + 1,
                "description": ["Consulting days", "Licence", "Travel", "Training"][i % 4],
                "quantity": str(int(rng.integers(1, 20))) if i % 3 else f"{rng.integers(1, 9)}.5",
                "unit_price": float(round(rng.uniform(100, 1500), 2)),
            }
        )
    lines[19]["quantity"] = "three"
    lines[76]["quantity"] = "1,5"
    key["text_unparseable:invoice_lines.quantity"] = [20, 77]
    lines[146]["invoice_id"] = 61
    lines[147]["invoice_id"] = 61
    lines[148]["invoice_id"] = 62
    key["orphans:invoice_lines.invoice_id"] = [147, 148, 149]

    payments: list[dict[str, Any]] = []
    for i in range(1, 51):
        payments.append(
            {
                "payment_id": i,
                "invoice_id": i,
                # The payment feed stopped in mid-December.
                "paid_on": _day(rng, dt.date(2024, 8, 1), dt.date(2025, 12, 10)),
                "amount": float(round(rng.uniform(2_000, 80_000), 2)),
            }
        )
    payments[-1]["paid_on"] = dt.date(2025, 12, 15)
    payments[11]["paid_on"] = None
    key["required_missing:payments.paid_on"] = [12]
    payments[47]["invoice_id"] = 70
    payments[48]["invoice_id"] = 70
    key["orphans:payments.invoice_id"] = [48, 49]

    entries: list[dict[str, Any]] = []
    for i in range(1, 301):
        entries.append(
            {
                "entry_id": i,
                "employee_id": int(rng.integers(1, 21)),
                "project_id": int(rng.integers(1, 26)),
                "work_date": _day(rng, start, end - dt.timedelta(days=1)),
                "hours": float(rng.choice([2.0, 4.0, 6.0, 7.5, 8.0])),
            }
        )
    entries[-1]["work_date"] = dt.date(2026, 6, 29)
    for i, day_text in zip(
        range(1, 7),
        ["2017-03-14", "2017-08-01", "2018-01-22", "2018-05-30", "2018-11-05", "2019-02-11"],
        strict=True,
    ):
        entries[i - 1]["work_date"] = dt.date.fromisoformat(day_text)
    key["retention:timesheet_entries"] = [1, 2, 3, 4, 5, 6]
    entries[99]["employee_id"] = 21
    entries[199]["employee_id"] = 21
    key["orphans:timesheet_entries.employee_id"] = [100, 200]
    entries[49]["hours"] = 25.0
    entries[249]["hours"] = 30.0
    key["rule:hours_per_entry"] = [50, 250]
    key["orphans:timesheet_entries.project_id"] = []

    log: list[dict[str, Any]] = []
    for i in range(1, 41):
        stamp = dt.datetime.combine(_day(rng, dt.date(2026, 1, 1), end), dt.time(9, 0))
        log.append(
            {
                "id": i,
                "logged_at": stamp + dt.timedelta(minutes=int(rng.integers(0, 480))),
                "table_name": TABLE_ORDER[int(rng.integers(0, 7))],
                "action": ["INSERT", "UPDATE", "DELETE"][int(rng.integers(0, 3))],
                "user_name": ["etl", "finance_app", "admin"][int(rng.integers(0, 3))],
            }
        )
    log[-1]["logged_at"] = dt.datetime(2026, 6, 30, 17, 45)
    log[17]["id"] = 17  # a replayed batch wrote the same id twice
    key["key_not_unique:audit_log"] = [17, 17]

    key["no_primary_key"] = ["audit_log"]
    key["inferred_fk"] = [
        "payments.invoice_id -> invoices.invoice_id",
        "timesheet_entries.employee_id -> employees.employee_id",
    ]
    key["unindexed_fk"] = ["payments.invoice_id", "timesheet_entries.employee_id"]
    key["stale_tables"] = ["payments"]
    key["text_typed_columns"] = ["invoice_lines.quantity", "invoices.invoice_date"]
    rows = {
        "customers": customers,
        "employees": employees,
        "projects": projects,
        "invoices": invoices,
        "invoice_lines": lines,
        "payments": payments,
        "timesheet_entries": entries,
        "audit_log": log,
    }
    return rows, key


def load_rows(conn: sa.Connection, rows: dict[str, list[dict[str, Any]]], md: sa.MetaData) -> None:
    """Insert the rows table by table (the caller has switched foreign-key checks off)."""
    for name in TABLE_ORDER:
        conn.execute(md.tables[name].insert(), rows[name])


def write_sqlite(path: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Create the SQLite file at ``path`` (replacing it) with the schema and rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    engine = sa.create_engine(f"sqlite:///{path}")
    md = erp_metadata()
    try:
        with engine.begin() as conn:
            md.create_all(conn)
            load_rows(conn, rows, md)
    finally:
        engine.dispose()


def rules_yaml() -> str:
    """The demo's rules file as YAML text."""
    return yaml.safe_dump(RULES, sort_keys=False, allow_unicode=True)


def generate(ctx: DemoContext) -> None:
    """Register ``inputs/erp.sqlite`` and ``inputs/db_rules.yaml`` and plant the answer key."""
    rows, key = erp_rows(ctx)
    for check, ids in key.items():
        ctx.plant(PLAYBOOK, check, ids)

    def write_db(path: Path) -> None:
        write_sqlite(path, rows)

    def write_rules(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rules_yaml(), encoding="utf-8")

    ctx.extra_files["inputs/erp.sqlite"] = write_db
    ctx.extra_files["inputs/db_rules.yaml"] = write_rules
