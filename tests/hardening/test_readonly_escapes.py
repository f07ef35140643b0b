"""The audit connection cannot be talked out of being read-only.

``tests/dbaudit/test_readonly.py`` proves that writes through the audit connection fail and
that a full audit changes nothing. A session that is read-only can still be switched back:
``COMMIT`` then ``BEGIN READ WRITE`` on PostgreSQL, ``SET SESSION TRANSACTION READ WRITE``
on MariaDB, ``PRAGMA query_only = OFF``, ``PRAGMA query_only(0)`` or ``ATTACH`` on SQLite.
Each such escape is tried here, followed by a write, on SQLite, PostgreSQL and MariaDB: all
are refused before they reach the server and the table is unchanged. A read-only
PostgreSQL session also still ends other sessions (``"pg_terminate_backend"(pid)``, quoted
so that a word check misses it), writes server files (``"lo_export"``) and deletes large
objects (``lo_unlink`` plus a commit): each is tried against the real server and leaves the
other session, the file system and the large object as they were. The server's own
read-only setting is proven as well, by writes sent on the raw driver connection, beneath
the statement guard.

PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306) with trust/root access are
expected; a server that does not answer skips its cases, except with ``CI=true``.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.servers import scratch_database
from workbench.dbaudit.connect import connect, refusal

pytestmark = pytest.mark.db

#: Where ``SELECT ... INTO OUTFILE`` would write on the server (unique per run; the test
#: ids keep the word OUTFILE, so that every test process collects the same ids).
OUTFILE = f"/tmp/wb-escape-{uuid.uuid4().hex[:12]}.txt"

ESCAPES: dict[str, list[list[str]]] = {
    "common": [
        ["COMMIT", "INSERT INTO ledger VALUES (99)"],
        ["ROLLBACK", "INSERT INTO ledger VALUES (99)"],
        ["SELECT 1; INSERT INTO ledger VALUES (99)"],
        ["SELECT 1 /*!; INSERT INTO ledger VALUES (99) */"],
        ["WITH x AS (SELECT 1) INSERT INTO ledger SELECT 99 FROM x"],
    ],
    "postgresql": [
        ["SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "INSERT INTO ledger VALUES (99)"],
        ["SET default_transaction_read_only = off", "INSERT INTO ledger VALUES (99)"],
        ["COMMIT", "SET TRANSACTION READ WRITE", "INSERT INTO ledger VALUES (99)"],
        ["ROLLBACK", "BEGIN READ WRITE", "INSERT INTO ledger VALUES (99)", "COMMIT"],
        ["COMMIT; BEGIN READ WRITE; INSERT INTO ledger VALUES (99); COMMIT"],
        ["SELECT set_config('default_transaction_read_only', 'off', false)"],
        ["WITH d AS (DELETE FROM ledger RETURNING *) SELECT count(*) FROM d"],
        ["SELECT * INTO ledger_copy FROM ledger"],
        ["SELECT \"set_config\"('default_transaction_read_only', 'off', false)"],
        ["SELECT 1", "COMMIT; INSERT INTO ledger VALUES (99)"],
    ],
    "mariadb": [
        ["SET SESSION TRANSACTION READ WRITE", "INSERT INTO ledger VALUES (99)"],
        ["COMMIT", "SET TRANSACTION READ WRITE", "INSERT INTO ledger VALUES (99)"],
        ["START TRANSACTION READ WRITE", "INSERT INTO ledger VALUES (99)", "COMMIT"],
        ["SET SESSION tx_read_only = 0", "INSERT INTO ledger VALUES (99)"],
        ["SELECT * FROM ledger FOR UPDATE"],
        ["SELECT * INTO OUTFILE 'OUTFILE' FROM ledger"],
    ],
    "sqlite": [
        ["PRAGMA query_only = OFF", "INSERT INTO ledger VALUES (99)"],
        ["PRAGMA query_only(0)", "INSERT INTO ledger VALUES (99)"],
        ["PRAGMA main.query_only(false)"],
        ["PRAGMA writable_schema = 1"],
        ["ATTACH DATABASE ':memory:' AS scratch", "CREATE TABLE scratch.t (x INTEGER)"],
        ["BEGIN", "INSERT INTO ledger VALUES (99)", "COMMIT"],
    ],
}


@dataclass
class Scratch:
    backend: str
    url: str  # what the audit connects to (no password: trust auth / root)
    admin: Engine  # the loading connection, for the checks

    def rows(self) -> list[int]:
        with self.admin.connect() as conn:
            return sorted(v for (v,) in conn.execute(sa.text("SELECT x FROM ledger")))

    def tables(self) -> set[str]:
        with self.admin.connect() as conn:
            return set(sa.inspect(conn).get_table_names())


def _server(backend: str) -> Iterator[Scratch]:
    with scratch_database(backend) as (url, admin):
        with admin.begin() as conn:
            conn.execute(sa.text("CREATE TABLE ledger (x INTEGER)"))
            conn.execute(sa.text("INSERT INTO ledger VALUES (1), (2), (3)"))
        yield Scratch(backend, url, admin)


@pytest.fixture(scope="module")
def postgres() -> Iterator[Scratch]:
    yield from _server("postgresql")


@pytest.fixture(scope="module")
def mariadb() -> Iterator[Scratch]:
    yield from _server("mariadb")


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    path = tmp_path_factory.mktemp("escape") / "ledger.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE ledger (x INTEGER)")
    con.execute("INSERT INTO ledger VALUES (1), (2), (3)")
    con.commit()
    con.close()
    admin = sa.create_engine(f"sqlite:///{path}")
    yield Scratch("sqlite", f"sqlite:///{path}", admin)
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def scratch(request: pytest.FixtureRequest) -> Scratch:
    name = {"sqlite": "sqlite_db", "postgresql": "postgres", "mariadb": "mariadb"}
    found: Scratch = request.getfixturevalue(name[request.param])
    return found


def _cases() -> list[tuple[str, list[str]]]:
    return [
        (backend, steps)
        for backend in ("sqlite", "postgresql", "mariadb")
        for steps in ESCAPES["common"] + ESCAPES[backend]
    ]


@pytest.mark.parametrize(
    ("backend", "steps"), _cases(), ids=[f"{b}: {' / '.join(s)}"[:90] for b, s in _cases()]
)
def test_an_escape_from_read_only_is_refused(
    backend: str, steps: list[str], request: pytest.FixtureRequest
) -> None:
    scratch: Scratch = request.getfixturevalue(
        {"sqlite": "sqlite_db", "postgresql": "postgres", "mariadb": "mariadb"}[backend]
    )
    before, tables = scratch.rows(), scratch.tables()
    engine = connect(scratch.url)
    try:
        with engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError) as info:
                # refused among the statements, not merely at the commit after them
                for statement in steps:
                    conn.execute(sa.text(statement.replace("'OUTFILE'", f"'{OUTFILE}'")))
            with pytest.raises(sa.exc.DBAPIError):
                conn.commit()
    finally:
        engine.dispose()
    assert "read" in str(info.value).lower()
    assert scratch.rows() == before == [1, 2, 3]
    assert scratch.tables() == tables
    if backend == "mariadb":
        assert not Path(OUTFILE).exists()  # when the server runs on this machine


def test_the_server_itself_refuses_writes_beneath_the_guard(scratch: Scratch) -> None:
    """Writes sent on the raw driver connection, which the statement guard never sees."""
    engine = connect(scratch.url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with pytest.raises(Exception) as info:
            cursor.execute("INSERT INTO ledger VALUES (99)")
            raw.commit()
        text = str(info.value).lower()
        assert ("read" in text and "only" in text) or "readonly" in text
    finally:
        raw.close()
        engine.dispose()
    assert scratch.rows() == [1, 2, 3]


def test_the_audit_still_reads(scratch: Scratch) -> None:
    """The guard lets through what an audit sends: catalogue queries and counts."""
    from workbench.dbaudit import run_audit

    engine = connect(scratch.url)
    try:
        result = run_audit(engine, None, "2025-12-31")
    finally:
        engine.dispose()
    tables = dict(
        zip(result.inventory["tables"].table, result.inventory["tables"].rows, strict=True)
    )
    assert tables == {"ledger": 3}
    assert not [r for _, r in result.limitations if "statement refused" in r]


@pytest.mark.parametrize(
    ("dialect", "statement"),
    [
        (None, "SELECT count(*) FROM ledger"),
        (None, "  (SELECT 1)"),
        (None, "-- a comment\nSELECT 1"),
        (None, "/* a comment */ SELECT 1;"),
        (None, "WITH a AS (SELECT 1 AS x) SELECT x FROM a"),
        ("mariadb", "SHOW TABLES"),
        ("sqlite", 'PRAGMA table_info("ledger")'),
        (None, "SELECT updated_at, deleted FROM t"),
        ("postgresql", 'SELECT count(*) FROM "Last Update Log" WHERE "Last Update" IS NULL'),
        ("postgresql", 'SELECT "a;b", "x=y" FROM "Merge Requests" WHERE "into" = %(p)s'),
        ("mariadb", "SELECT `a;b` FROM `Merge Requests` WHERE `x=y` = %s"),
        ("sqlite", 'PRAGMA main.table_xinfo("Last Update Log; DROP TABLE x")'),
        ("duckdb", 'SELECT count(*) FROM "Last Update Log" WHERE "commit" = $1'),
    ],
)
def test_reads_pass_the_guard(dialect: str | None, statement: str) -> None:
    assert refusal(statement, dialect) is None


def test_a_quoted_pg_terminate_backend_leaves_the_other_session_alive(postgres: Scratch) -> None:
    victim = sa.create_engine(postgres.url, connect_args={"application_name": "wb-victim"})
    engine = connect(postgres.url)
    try:
        with victim.connect() as other:
            other.execute(sa.text("SELECT 1"))
            with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as info:
                conn.execute(
                    sa.text(
                        'SELECT "pg_terminate_backend"(pid) FROM pg_stat_activity '
                        "WHERE application_name = 'wb-victim'"
                    )
                )
            assert "pg_terminate_backend" in str(info.value)
            assert other.execute(sa.text("SELECT 42")).scalar_one() == 42  # still connected
    finally:
        engine.dispose()
        victim.dispose()


@pytest.fixture()
def large_object(postgres: Scratch) -> Iterator[int]:
    with postgres.admin.begin() as conn:
        oid = int(conn.execute(sa.text("SELECT lo_from_bytea(0, 'client secret')")).scalar_one())
    yield oid
    with postgres.admin.begin() as conn:
        if _large_object_exists(postgres, oid):
            conn.execute(sa.text("SELECT lo_unlink(:oid)"), {"oid": oid})


def _large_object_exists(postgres: Scratch, oid: int) -> bool:
    with postgres.admin.connect() as conn:
        query = sa.text("SELECT count(*) FROM pg_largeobject_metadata WHERE oid = :oid")
        return bool(conn.execute(query, {"oid": oid}).scalar_one())


def test_a_quoted_lo_export_writes_no_server_file(postgres: Scratch, large_object: int) -> None:
    target = f"/tmp/wb-lo-export-{uuid.uuid4().hex[:12]}"
    engine = connect(postgres.url)
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as info:
            conn.execute(sa.text(f"SELECT \"lo_export\"({large_object}, '{target}')"))
    finally:
        engine.dispose()
    assert "lo_export" in str(info.value)
    assert not Path(target).exists()  # the server runs on this machine


def test_lo_unlink_and_a_commit_delete_no_large_object(
    postgres: Scratch, large_object: int
) -> None:
    engine = connect(postgres.url)
    try:
        with engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError):
                conn.execute(sa.text(f"SELECT lo_unlink({large_object})"))
            with pytest.raises(sa.exc.DBAPIError) as info:
                conn.commit()
    finally:
        engine.dispose()
    assert "commit refused" in str(info.value)
    assert _large_object_exists(postgres, large_object)


def test_the_audit_connection_never_commits(scratch: Scratch) -> None:
    engine = connect(scratch.url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM ledger")).scalar_one() == 3
            with pytest.raises(sa.exc.DBAPIError) as info:
                conn.commit()
    finally:
        engine.dispose()
    assert "commit refused" in str(info.value)


def test_the_server_session_is_read_only_by_default(postgres: Scratch) -> None:
    """Beneath the guard, a new transaction on the raw connection is read-only too."""
    engine = connect(postgres.url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SHOW default_transaction_read_only")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW transaction_read_only")
        assert cursor.fetchone()[0] == "on"
    finally:
        raw.close()
        engine.dispose()
