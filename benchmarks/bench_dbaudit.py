"""Benchmark: the database audit on a PostgreSQL table of many rows.

Creates a scratch database with ``generate_series`` (a ``customers`` table and an
``events`` table of ``--rows`` rows with planted orphans, duplicates, text dates and rule
violations), runs the full audit over a read-only connection, prints wall time and the
process's peak memory (``ru_maxrss``), checks the planted counts, and drops the database.

Run one size per process so that the peak memory belongs to that size::

    .venv/bin/python benchmarks/bench_dbaudit.py --rows 100000
    .venv/bin/python benchmarks/bench_dbaudit.py --rows 10000000

The server is 127.0.0.1:5432, user postgres (or ``--user``), trust authentication.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import time
import uuid

import sqlalchemy as sa

from workbench.dbaudit import connect, run_audit

RULES = {
    "rules": [
        {"table": "events", "column": "amount", "name": "amount_positive", "range": {"min": 0}},
        {
            "table": "events",
            "column": "status",
            "name": "status_values",
            "allowed": ["open", "closed", "void"],
        },
        {
            "table": "events",
            "column": "email",
            "name": "email_format",
            "regex": "^[^@ ]+@[^@ ]+[.][a-z]{2,}$",
        },
        {"table": "events", "name": "closed_after_created", "compare": "closed_on >= created_on"},
    ],
    "retention": {"events": {"date_column": "created_on", "retain_years": 7}},
}


def build(admin: sa.Engine, rows: int) -> None:
    """Create and fill the tables with set-based SQL (nothing crosses the wire)."""
    with admin.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE customers (customer_id integer PRIMARY KEY, name text NOT NULL)")
        )
        conn.execute(
            sa.text(
                "INSERT INTO customers SELECT g, 'Customer ' || g FROM generate_series(1, 10000) g"
            )
        )
        conn.execute(
            sa.text(
                """
            CREATE UNLOGGED TABLE events (
                event_id bigint, customer_id integer, amount numeric(12, 2), status text,
                email text, created_on date, closed_on date, booked text)
            """
            )
        )
        # Every 1000th row points at a missing customer; every 5000th has a negative
        # amount; every 2000th an unknown status; every 10000th a broken email, a
        # duplicate email and an unparseable booking date; every 3000th closes before it
        # opens; the first 0.5% are older than seven years.
        conn.execute(
            sa.text(
                f"""
            INSERT INTO events
            SELECT g,
                   CASE WHEN g % 1000 = 0 THEN 20000 + g % 7 ELSE 1 + g % 10000 END,
                   CASE WHEN g % 5000 = 0 THEN -1 ELSE (g % 997) * 1.5 END,
                   CASE WHEN g % 2000 = 0 THEN 'Open' WHEN g % 3 = 0 THEN 'closed'
                        ELSE 'open' END,
                   CASE WHEN g % 10000 = 0 THEN 'broken-address'
                        WHEN g % 10000 = 1 AND g > 1 THEN 'user' || (g - 1) || '@example.com'
                        ELSE 'user' || g || '@example.com' END,
                   d,
                   CASE WHEN g % 3000 = 0 THEN d - 5 ELSE d + 10 END,
                   CASE WHEN g % 10000 = 0 THEN 'n/a' ELSE to_char(d, 'YYYY-MM-DD') END
            FROM (
                SELECT g, CASE WHEN g <= {rows} / 200 THEN date '2015-01-01' + (g % 365)
                               ELSE date '2020-01-01' + (g % 2370) END AS d
                FROM generate_series(1, {rows}) g
            ) s
            """
            )
        )
        conn.execute(sa.text("ALTER TABLE events ADD PRIMARY KEY (event_id)"))
        conn.execute(sa.text("ANALYZE"))


def main() -> None:
    """Build, audit, report, drop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--host", default="127.0.0.1:5432")
    args = parser.parse_args()
    name = f"wb_bench_{uuid.uuid4().hex[:8]}"
    base = f"postgresql+psycopg://{args.user}@{args.host}"
    root = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with root.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin = sa.create_engine(f"{base}/{name}")
    try:
        started = time.perf_counter()
        build(admin, args.rows)
        build_s = time.perf_counter() - started
        with admin.connect() as conn:
            size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
        engine = connect(f"{base}/{name}", statement_timeout_s=1800)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        result = run_audit(engine, RULES, dt.date(2026, 6, 30), sample_rows=20)
        audit_s = time.perf_counter() - started
        engine.dispose()
        rel = result.relationships.set_index("relationship")
        rules = result.rules.set_index("rule")
        n = args.rows
        checks = {
            "orphans": int(rel.loc["events.customer_id -> customers.customer_id", "orphan_rows"])
            == n // 1000,
            "negative_amounts": int(rules.loc["amount_positive", "violations"]) == n // 5000,
            "status": int(rules.loc["status_values", "violations"]) == n // 2000,
            "text_dates": int(result.text_types.set_index("column").loc["booked", "unparseable"])
            == n // 10000,
        }
        report = {
            "rows": n,
            "database_bytes": size,
            "build_s": round(build_s, 1),
            "audit_s": round(audit_s, 1),
            "peak_rss_mb_before_audit": round(rss_before / 1024, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "findings": len(result.findings),
            "limitations": result.limitations,
            "planted_counts_found": checks,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
        }
        print(json.dumps(report, indent=2, default=str))
    finally:
        admin.dispose()
        with root.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        root.dispose()


if __name__ == "__main__":
    main()
