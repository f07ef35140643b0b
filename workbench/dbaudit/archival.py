"""Archival and timeliness: rows kept past retention, growth per month, freshness.

Each table's age is read from one date column: the one the rules name, else the first
native date/time column whose name reads like a record date (``created*`` first, then
``*_date``, ``*_on``, ``*_at``; birth dates are skipped). Text columns holding dates are
not used (their values may not parse), which the report says.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pandas as pd
import sqlalchemy as sa

from workbench.dbaudit.common import AuditContext, bind_value, words
from workbench.dbaudit.inventory import ColumnInfo, TableInfo


def _fetch_all(conn: sa.Connection, stmt: Any) -> list[Any]:
    return list(conn.execute(stmt).all())


def _fetch_one(conn: sa.Connection, stmt: Any) -> Any:
    return conn.execute(stmt).one()


def _rank(col: ColumnInfo) -> int:
    w = words(col.name)
    if w and w[0] in ("created", "creation", "inserted"):
        return 0
    if "date" in w or "day" in w:
        return 1
    if w and w[-1] in ("on", "at"):
        return 2
    return 3


def date_column(ctx: AuditContext, key: str, t: TableInfo) -> ColumnInfo | None:
    """The column that dates a table's rows, or None (rules may exclude a table with null)."""
    rules = ctx.rules.date_columns
    if key in rules or t.name in rules:
        name = rules.get(key, rules.get(t.name))
        if name is None:
            return None
        col = t.column(name)
        if col is None:
            ctx.limitations.append(("date_columns", f"{key}: no column {name}"))
        return col
    dated = [
        c
        for c in t.columns
        if c.kind in ("date", "datetime") and not {"birth", "dob"} & set(words(c.name))
    ]
    if not dated:
        return None
    return sorted(dated, key=_rank)[0]


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    stamp = pd.to_datetime(str(value), errors="coerce")
    return None if pd.isna(stamp) else stamp.date()


def retention_cutoff(as_of: dt.date, years: float) -> dt.date:
    """``as_of`` minus ``years`` (whole years by the calendar, fractions by 365.25 days)."""
    if float(years).is_integer():
        return (pd.Timestamp(as_of) - pd.DateOffset(years=int(years))).date()
    return as_of - dt.timedelta(days=round(years * 365.25))


def retention(ctx: AuditContext) -> pd.DataFrame:
    """Rows older than each table's retention period (rules ``retention``) still in the table."""
    rows = []
    for table, policy in ctx.rules.retention.items():
        t = ctx.catalogue.table(table)
        col = t.column(policy.date_column) if t is not None else None
        if t is None or col is None:
            ctx.limitations.append(
                ("retention", f"{table}: no table or no column {policy.date_column}")
            )
            continue
        cutoff = retention_cutoff(ctx.as_of, policy.retain_years)

        def old(tc: Any, col: ColumnInfo = col, cutoff: dt.date = cutoff) -> Any:
            c = tc.c[col.name]
            return sa.and_(c.is_not(None), c < sa.literal(bind_value(col, cutoff), col.type))

        def run(t: TableInfo = t, old: Any = old, col: ColumnInfo = col) -> dict[str, Any]:
            n = ctx.count(t, old)
            tc = t.clause()
            oldest = ctx.conn.execute(sa.select(sa.func.min(tc.c[col.name]))).scalar_one()
            return {
                "rows_past_retention": n,
                "oldest": _as_date(oldest),
                "sample_keys": ctx.sample(t, old) if n else [],
            }

        res = ctx.attempt("retention", table, run)
        if res is None:
            continue
        rows.append(
            {
                "table": table,
                "date_column": col.name,
                "retain_years": policy.retain_years,
                "cutoff": cutoff,
                "rows": t.rows,
                **res,
                "share": res["rows_past_retention"] / t.rows if t.rows else 0.0,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "table",
            "date_column",
            "retain_years",
            "cutoff",
            "rows",
            "rows_past_retention",
            "oldest",
            "sample_keys",
            "share",
        ],
    )


def growth_per_month(ctx: AuditContext) -> pd.DataFrame:
    """Rows per calendar month of each table's date column (``GROUP BY`` year, month)."""
    frames = []
    for key, t in ctx.catalogue.tables.items():
        col = date_column(ctx, key, t)
        if col is None or col.kind not in ("date", "datetime"):
            continue
        tc = t.clause()
        c = tc.c[col.name]
        year, month = sa.extract("year", c).label("y"), sa.extract("month", c).label("m")
        stmt = (
            sa.select(year, month, sa.func.count().label("n"))
            .where(c.is_not(None))
            .group_by(sa.literal_column("1"), sa.literal_column("2"))
        )
        res = ctx.attempt("growth", key, partial(_fetch_all, ctx.conn, stmt))
        if not res:
            continue
        df = pd.DataFrame([tuple(r) for r in res], columns=["y", "m", "rows"]).dropna()
        df["month"] = [f"{int(y):04d}-{int(m):02d}" for y, m in zip(df.y, df.m, strict=True)]
        df["table"] = key
        df["date_column"] = col.name
        frames.append(df[["table", "date_column", "month", "rows"]])
    if not frames:
        return pd.DataFrame(columns=["table", "date_column", "month", "rows"])
    out = pd.concat(frames, ignore_index=True)
    out["rows"] = out["rows"].astype("int64")
    return out.sort_values(["table", "month"]).reset_index(drop=True)


def freshness(ctx: AuditContext) -> pd.DataFrame:
    """Latest date of each table against the as-of date, and rows dated after it.

    A table is stale when its latest row dated on or before the as-of date is more than
    ``freshness_days`` before it (the engagement's period end). Rows dated after the as-of
    date are counted apart (``future_rows``, their latest in ``latest_future``): one
    mistyped future date must not make a table that stopped being updated look fresh.
    """
    rows = []
    for key, t in ctx.catalogue.tables.items():
        col = date_column(ctx, key, t)
        if col is None:
            continue
        if col.kind not in ("date", "datetime"):
            ctx.limitations.append(("freshness", f"{key}.{col.name} holds dates as text"))
            continue
        tc = t.clause()
        c = tc.c[col.name]
        as_of_next = ctx.as_of + dt.timedelta(days=1)
        future = c >= sa.literal(bind_value(col, as_of_next), col.type)
        stmt = sa.select(
            sa.func.min(c),
            sa.func.max(sa.case((future, sa.null()), else_=c)),
            sa.func.sum(sa.case((future, sa.literal(1)), else_=sa.literal(0))),
            sa.func.max(c),
        )
        res = ctx.attempt("freshness", key, partial(_fetch_one, ctx.conn, stmt))
        if res is None:
            continue
        first, latest = _as_date(res[0]), _as_date(res[1])
        lag = None if latest is None else (ctx.as_of - latest).days
        future_rows = int(res[2] or 0)
        rows.append(
            {
                "table": key,
                "date_column": col.name,
                "rows": t.rows,
                "earliest": first,
                "latest": latest,
                "days_behind": lag,
                "future_rows": future_rows,
                "latest_future": _as_date(res[3]) if future_rows else None,
                "stale": lag is not None and lag > ctx.freshness_days,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "table",
            "date_column",
            "rows",
            "earliest",
            "latest",
            "days_behind",
            "future_rows",
            "latest_future",
            "stale",
        ],
    )
