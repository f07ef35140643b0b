"""What the demo's tables show, computed straight from the data, to hold the answer key against.

Each function reads only the generated tables and the generator's own promises (approval
limit, round-amount unit, the period), not the workbench checks: the demo tests prove the
generator plants what its answer key says whatever the seed, and the area tests prove the
checks find it.
"""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path
from typing import Any

import holidays
import pandas as pd

from workbench.demo import bi

#: Round amounts as the demo's BI assessment is configured to see them.
ROUND_UNIT = 100.0


def _ids(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted(str(v) for v in frame[column])


def expense_plants(expenses: pd.DataFrame) -> dict[str, Any]:
    """The BI expense problems present in ``expenses``, in the answer key's form."""
    exp = expenses.assign(date=pd.to_datetime(expenses["date"]))
    body = [c for c in exp.columns if c != "expense_id"]
    exact = exp.loc[exp.duplicated(body, keep=False)]
    pairs = exp.groupby(["vendor", "amount"])["invoice_number"].transform("nunique") > 1
    low = bi.APPROVAL_LIMIT * (1 - bi.LIMIT_MARGIN)
    years = sorted(set(exp["date"].dt.year))
    holiday = set(holidays.country_holidays("GB", years=years))
    weekend = exp["date"].dt.day_of_week >= 5
    on_holiday = exp["date"].dt.date.isin(holiday) & ~weekend
    return {
        "exact_duplicates": _ids(exact, "expense_id"),
        "duplicates_same_same_different": _ids(exp.loc[pairs], "expense_id"),
        "just_below_approval_limit": _ids(
            exp.loc[exp["amount"].between(low, bi.APPROVAL_LIMIT, inclusive="left")], "expense_id"
        ),
        "round_amounts": _ids(exp.loc[exp["amount"] % ROUND_UNIT == 0], "expense_id"),
        "weekend_postings": _ids(exp.loc[weekend], "expense_id"),
        "holiday_postings": _ids(exp.loc[on_holiday], "expense_id"),
        "outliers_robust": _ids(exp.loc[[exp["amount"].idxmax()]], "expense_id"),
        "fuzzy_vendor_names": sorted({bi.FUZZY_VENDOR, bi.FUZZY_VARIANT} & set(exp["vendor"])),
    }


def billing_plants(
    milestones: pd.DataFrame, invoices: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp
) -> dict[str, Any]:
    """The BI milestone-to-cash problems present in the tables, in the answer key's form.

    A month is past every clean lag (acceptance within 25 days of delivery, invoicing within
    20 days of acceptance); 90 days past every clean payment (within 75 days of invoicing).
    """
    m = milestones.assign(
        delivered_date=pd.to_datetime(milestones["delivered_date"]),
        accepted_date=pd.to_datetime(milestones["accepted_date"]),
    )
    inv = invoices.assign(invoice_date=pd.to_datetime(invoices["invoice_date"]))
    month = as_of - pd.Timedelta(days=30)
    billed = m["milestone_id"].isin(inv["milestone_id"])
    not_accepted = m["delivered_date"].lt(month) & m["accepted_date"].isna()
    not_invoiced = m["accepted_date"].lt(month) & ~billed
    billable = m.set_index("milestone_id")["billable_amount"]
    under = inv.loc[inv["amount"] < inv["milestone_id"].map(billable)]
    unpaid = inv.loc[
        ~inv["invoice_id"].isin(payments["invoice_id"])
        & inv["invoice_date"].lt(as_of - pd.Timedelta(days=90))
    ]
    numbers = sorted(int(n.removeprefix("INV-")) for n in inv["invoice_number"])
    gaps = []
    for before, after in pairwise(numbers):
        if after - before > 1:
            first, last = before + 1, after - 1
            gaps.append(f"INV-{first}" if first == last else f"INV-{first}..INV-{last}")
    return {
        "delivered_not_accepted": _ids(m.loc[not_accepted], "milestone_id"),
        "accepted_not_invoiced": _ids(m.loc[not_invoiced], "milestone_id"),
        "invoiced_below_billable": _ids(under, "milestone_id"),
        "long_unpaid_invoices": _ids(unpaid, "invoice_id"),
        "sequence_gaps_invoice_number": sorted(gaps),
    }


def near_same_day(expenses: pd.DataFrame, share: float = 0.01) -> list[str]:
    """Ids of rows of one vendor and day whose amounts differ, by ``share`` of the larger at most.

    The demo plants none: such rows would be unplanted near duplicates.
    """
    exp = expenses.sort_values(["vendor", "date", "amount"]).reset_index(drop=True)
    a = exp["amount"]
    same_day = (exp["vendor"] == exp["vendor"].shift()) & (exp["date"] == exp["date"].shift())
    close = same_day & (a != a.shift()) & (a - a.shift() <= share * a)
    return sorted(
        {*exp.loc[close, "expense_id"], *exp.loc[close.shift(-1, fill_value=False), "expense_id"]}
    )


def database_plants(path: Path, checks: list[str]) -> dict[str, list[str]]:
    """Orphan rows and missing required values in the SQLite file, for the ``checks`` named
    ``orphans:<table>.<column>`` or ``required_missing:<table>.<column>``, as primary keys.

    An orphan's parent is the table whose primary key has the column's name.
    """
    found: dict[str, list[str]] = {}
    with sqlite3.connect(path) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        keys = {}
        for table in tables:
            pk = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[5]]
            keys[table] = pk[0] if pk else None
        parent_of = {column: table for table, column in keys.items() if column}
        for check in checks:
            kind, _, target = check.partition(":")
            table, _, column = target.partition(".")
            if kind == "orphans":
                parent = parent_of[column]
                where = f"{column} IS NOT NULL AND {column} NOT IN (SELECT {column} FROM {parent})"
            elif kind == "required_missing":
                where = f"{column} IS NULL OR TRIM({column}) = ''"
            else:
                continue
            rows = con.execute(f"SELECT {keys[table]} FROM {table} WHERE {where}")
            found[check] = sorted(str(r[0]) for r in rows)
    return found
