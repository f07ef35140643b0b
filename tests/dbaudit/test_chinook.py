"""A database nobody here designed: Chinook, loaded into SQLite, PostgreSQL and MariaDB.

The scripts and the SQLite file live outside the repository (``../shared/external/chinook``);
the tests skip when they are absent.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from workbench.dbaudit import AuditResult, connect, run_audit
from workbench.dbaudit.common import squash

CHINOOK = Path(__file__).resolve().parents[3] / "shared" / "external" / "chinook"
AS_OF = "2025-12-31"
TABLES = {
    "album": 347,
    "artist": 275,
    "customer": 59,
    "employee": 8,
    "genre": 25,
    "invoice": 412,
    "invoiceline": 2240,
    "mediatype": 5,
    "playlist": 18,
    "playlisttrack": 8715,
    "track": 3503,
}
_CACHE: dict[str, AuditResult] = {}


def _need(name: str) -> str:
    path = CHINOOK / name
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path.read_text(encoding="utf-8-sig")


@pytest.fixture(scope="module")
def chinook_sqlite() -> AuditResult:
    path = CHINOOK / "Chinook_Sqlite.sqlite"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return run_audit(connect(f"sqlite:///{path}"), None, AS_OF)


@pytest.fixture(scope="module")
def chinook_pg(pg_factory: Any) -> AuditResult:
    script = _need("Chinook_PostgreSql.sql")
    body = script.split("\\c chinook;", 1)[1]
    server = pg_factory("chinook")
    raw = server.admin.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(body)  # no parameters: psycopg sends the whole script at once
        raw.commit()
    finally:
        raw.close()
    return run_audit(server.audit_engine(), None, AS_OF)


@pytest.fixture(scope="module")
def chinook_maria(maria_factory: Any) -> AuditResult:
    script = _need("Chinook_MySql.sql")
    body = re.sub(r"(?im)^\s*(DROP DATABASE|CREATE DATABASE|USE)\b[^;]*;", "", script)
    server = maria_factory("chinook")
    raw = server.admin.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(body)
        while cur.nextset():
            pass
        raw.commit()
    finally:
        raw.close()
    return run_audit(server.audit_engine(), None, AS_OF)


def digest(r: AuditResult) -> dict[str, Any]:
    """The audit's answer with names squashed (``InvoiceLine`` and ``invoice_line`` agree)."""
    t = r.inventory["tables"]
    rel = r.relationships
    return {
        "rows": {squash(n): int(v) for n, v in zip(t.table, t.rows, strict=True)},
        "without_pk": sorted(r.no_primary_key.table),
        "declared_fks": sorted(
            squash(x) for x in rel.loc[rel.declared.astype(bool), "relationship"]
        ),
        "orphans": int(rel.orphan_rows.sum()),
        "inferred": sorted(squash(x) for x in rel.loc[~rel.declared.astype(bool), "relationship"]),
        "natural_key_dups": sorted(
            (squash(a), squash(b), int(c))
            for a, b, c in zip(
                r.natural_keys.table,
                r.natural_keys.column,
                r.natural_keys.duplicate_rows,
                strict=True,
            )
        ),
        "missing": int(r.required.missing.sum()),
        "text_typed": sorted(squash(c) for c in r.text_types.column),
        "limitations": r.limitations,
    }


def test_chinook_on_sqlite_is_audited_right(chinook_sqlite: AuditResult) -> None:
    d = digest(chinook_sqlite)
    assert d["rows"] == TABLES
    assert d["without_pk"] == []
    assert len(d["declared_fks"]) == 11 and d["orphans"] == 0
    assert d["inferred"] == [] and d["limitations"] == []
    assert chinook_sqlite.unindexed_foreign_keys.empty
    # Track names repeat (cover versions); 92.7% distinct, above the 90% threshold.
    assert d["natural_key_dups"] == [("track", "name", 458)]
    assert d["text_typed"] == [] and d["missing"] == 0


def test_chinook_gives_the_same_answer_on_every_engine(
    chinook_sqlite: AuditResult, chinook_pg: AuditResult, chinook_maria: AuditResult
) -> None:
    expected = digest(chinook_sqlite)
    assert digest(chinook_pg) == expected
    assert digest(chinook_maria) == expected
    for r in (chinook_pg, chinook_maria):
        assert r.inventory["tables"].size_bytes.notna().all()
