"""Freshness and archival on a small database whose answers are known."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from workbench.dbaudit import connect, run_audit


def _database(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, order_date DATE)")
    con.executemany(
        "INSERT INTO orders VALUES (?, ?)",
        [(1, "2024-01-10"), (2, "2024-03-05"), (3, "2030-01-01")],  # 3 is mistyped
    )
    con.commit()
    con.close()


def test_one_future_dated_row_does_not_make_a_stale_table_look_fresh(tmp_path: Path) -> None:
    _database(tmp_path / "erp.sqlite")
    engine = connect("sqlite:///erp.sqlite", base_dir=tmp_path)
    r = run_audit(engine, None, "2025-12-31", freshness_days=90)
    engine.dispose()
    row = r.freshness.set_index("table").loc["orders"]
    # The latest row on or before the as-of date decides; the 2030 row is counted apart.
    assert row["latest"] == dt.date(2024, 3, 5)
    assert row["days_behind"] == (dt.date(2025, 12, 31) - dt.date(2024, 3, 5)).days
    assert bool(row["stale"]) and row["future_rows"] == 1
    stale = [f for f in r.findings if f.check == "stale_tables"]
    assert stale and stale[0].entities.ids == ["orders"]


def test_a_finding_with_more_rows_than_its_sample_quotes_the_query_for_all(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "erp.sqlite")
    con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER)")
    con.execute("INSERT INTO customers VALUES (1, 'a')")
    con.executemany("INSERT INTO orders VALUES (?, ?)", [(i, 9) for i in range(1, 31)])
    con.commit()
    con.close()
    engine = connect("sqlite:///erp.sqlite", base_dir=tmp_path)
    r = run_audit(engine, None, "2025-12-31", sample_rows=5)
    orphans = next(f for f in r.findings if f.check.startswith("orphan_rows"))
    assert orphans.exceptions.count == 30 and len(orphans.entities.ids) == 5
    query = orphans.summary.split("is returned by: ")[1]
    with engine.connect() as conn:
        every = [str(row[0]) for row in conn.execute(sa.text(query))]
    engine.dispose()
    assert every == [str(i) for i in range(1, 31)]


def test_the_database_score_lists_accuracy_as_not_measured() -> None:
    import pandas as pd

    from workbench.dbaudit.scorecard import database_scores

    scores = pd.DataFrame(
        {
            "table": ["a", "b"],
            "rows": [10, 10],
            "completeness": [1.0, 0.5],
            "uniqueness": [1.0, 1.0],
            "validity": [None, 0.8],
            "consistency": [None, None],
            "timeliness": [1.0, 0.0],
            "score": [1.0, 0.575],
        }
    )
    db = database_scores(scores).set_index("dimension")
    assert pd.isna(db.loc["accuracy", "score"]) and db.loc["accuracy", "tables_measured"] == 0
    assert "source of truth" in db.loc["accuracy", "note"]
    # The overall score is over the measured dimensions only.
    assert db.loc["overall", "score"] == round((0.75 + 1.0 + 0.8 + 0.5) / 4, 4)
