"""Ordinary client names never end a database audit.

The read-only guard once looked for words: a table "Last Update Log", a table "Merge
Requests", a column "Last Update", or a name holding ``;`` or ``=`` was refused inside its
quotes and the whole audit failed. Here a database holding exactly such names is audited
on SQLite, DuckDB, PostgreSQL and MariaDB: every table is inventoried with its exact row
count, the planted orphan is found, and no statement is refused. A check that cannot run
on one table (the server refuses to describe it) is a limitation of that table; the other
tables are still audited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from tests.servers import scratch_database
from workbench.dbaudit import connect, run_audit

LOG, MERGES, ODD = "Last Update Log", "Merge Requests", "a;b=c"


def _statements(quote: str) -> list[str]:
    def q(name: str) -> str:
        return f"{quote}{name}{quote}"

    return [
        f"CREATE TABLE {q(LOG)} (id INTEGER PRIMARY KEY, {q('Last Update')} VARCHAR(20), "
        f"{q('x=y')} INTEGER, {q('into')} VARCHAR(10))",
        f"CREATE TABLE {q(MERGES)} (id INTEGER PRIMARY KEY, {q('log_id')} INTEGER "
        f"REFERENCES {q(LOG)}(id), {q('commit; drop')} VARCHAR(10))",
        f"CREATE TABLE {q(ODD)} (id INTEGER PRIMARY KEY, {q('delete')} VARCHAR(10))",
        f"INSERT INTO {q(LOG)} VALUES (1, '2025-01-01', 3, 'a'), (2, '2025-02-01', 4, 'b')",
        f"INSERT INTO {q(MERGES)} VALUES (1, 1, 'x'), (2, 2, 'y'), (3, 9, 'z')",
        f"INSERT INTO {q(ODD)} VALUES (1, 'p')",
    ]


def _file_database(path: Path, module: object) -> None:
    con = module.connect(str(path))  # type: ignore[attr-defined]
    if module is sqlite3:
        con.execute("PRAGMA foreign_keys = OFF")  # the orphan is planted on purpose
    for statement in _statements('"'):
        if module is duckdb:
            statement = statement.replace(f'REFERENCES "{LOG}"(id)', "")
        con.execute(statement)
    con.commit()
    con.close()


@pytest.fixture(params=["sqlite", "duckdb", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    backend = request.param
    if backend in ("sqlite", "duckdb"):
        path = tmp_path / f"names.{backend}"
        _file_database(path, sqlite3 if backend == "sqlite" else duckdb)
        yield f"{backend}:///{path}"
        return
    with scratch_database(backend) as (url, admin):
        with admin.begin() as conn:
            if backend == "mariadb":
                conn.execute(sa.text("SET foreign_key_checks = 0"))
            else:
                conn.execute(sa.text("SET session_replication_role = replica"))
            for statement in _statements('"' if backend == "postgresql" else "`"):
                conn.execute(sa.text(statement.replace(":", "\\:")))
        yield url


@pytest.mark.db
def test_names_that_look_like_keywords_are_audited(database_url: str) -> None:
    engine = connect(database_url)
    try:
        result = run_audit(engine, None, "2025-12-31")
    finally:
        engine.dispose()
    tables = result.inventory["tables"]
    assert dict(zip(tables.table, tables.rows, strict=True)) == {LOG: 2, MERGES: 3, ODD: 1}
    refused = [r for _, r in result.limitations if "refused" in r]
    assert refused == []
    if not database_url.startswith("duckdb"):  # DuckDB would enforce the foreign key
        rel = result.relationships
        row = rel[rel.table == MERGES].iloc[0]
        assert (row.status, int(row.orphan_rows), list(row.sample_keys)) == ("tested", 1, ["3"])


def test_a_table_the_server_will_not_describe_is_a_limitation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "names.sqlite"
    _file_database(path, sqlite3)
    original = sa.engine.reflection.Inspector.get_columns

    def get_columns(self: object, table_name: str, *args: object, **kwargs: object) -> object:
        if table_name == ODD:
            raise sa.exc.OperationalError("PRAGMA table_xinfo", None, Exception("no access"))
        return original(self, table_name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sa.engine.reflection.Inspector, "get_columns", get_columns)
    engine = connect(f"sqlite:///{path}")
    try:
        result = run_audit(engine, None, "2025-12-31")
    finally:
        engine.dispose()
    tables = result.inventory["tables"]
    assert dict(zip(tables.table, tables.rows, strict=True)) == {LOG: 2, MERGES: 3}
    assert any(ODD in reason and "no access" in reason for _, reason in result.limitations)
