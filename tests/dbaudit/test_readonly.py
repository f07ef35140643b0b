"""The audit cannot write: writes through its connection fail, and a full audit changes nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import sqlalchemy as sa

from workbench.dbaudit import run_audit
from workbench.demo import database as demo_db
from workbench.demo.core import DemoContext

WRITES = [
    "INSERT INTO customers (customer_id, name) VALUES (999, 'Intruder')",
    "UPDATE customers SET name = 'Changed' WHERE customer_id = 1",
    "CREATE TABLE audit_scratch (x INTEGER)",
    "DELETE FROM audit_log",
]


def checksum(server: Any) -> dict[str, str]:
    """A digest of every row of every table, read through the loading connection."""
    out = {}
    with server.admin.connect() as conn:
        for name in sorted(sa.inspect(conn).get_table_names()):
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            rows = conn.execute(sa.select(table).order_by(*table.c)).all()
            out[name] = hashlib.sha256(
                repr([tuple(map(str, r)) for r in rows]).encode()
            ).hexdigest()
    return out


@pytest.mark.parametrize("statement", WRITES)
def test_writes_through_the_audit_connection_fail(erp: Any, statement: str) -> None:
    engine = erp.audit_engine()
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as info:
        conn.execute(sa.text(statement))
        conn.commit()
    text = str(info.value).lower()
    assert ("read" in text and "only" in text) or "readonly" in text
    engine.dispose()


def test_full_audit_leaves_every_table_unchanged(erp: Any) -> None:
    before = checksum(erp)
    run_audit(erp.audit_engine(), demo_db.RULES, DemoContext().period_end)
    assert checksum(erp) == before
    assert "audit_scratch" not in before
