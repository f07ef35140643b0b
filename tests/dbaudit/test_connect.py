"""Connections: relative paths, the password from the environment, clear errors, timeouts."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

from workbench.dbaudit import connect, redact_url, run_audit
from workbench.dbaudit.connect import DatabaseError, backend, resolve_url, scrub, sqlite_regexp
from workbench.errors import InputError


def test_redact_url_hides_the_password() -> None:
    url = "postgresql+psycopg://auditor:s3cr%40t@db.acme.internal:5432/erp"
    assert redact_url(url) == "postgresql+psycopg://auditor:***@db.acme.internal:5432/erp"
    assert "s3cr" not in redact_url(sa.engine.make_url(url))
    assert redact_url("not a url://me:pw@host").count("pw") == 0
    assert scrub("failed for s3cr@t and s3cr%40t", ["s3cr@t"]) == "failed for *** and ***"


def test_relative_sqlite_path_is_relative_to_the_engagement(tmp_path: Path) -> None:
    (tmp_path / "inputs").mkdir()
    sa.create_engine(f"sqlite:///{tmp_path / 'inputs' / 'x.sqlite'}").connect().exec_driver_sql(
        "CREATE TABLE t (a INTEGER)"
    ).close()
    url = resolve_url("sqlite:///inputs/x.sqlite", base_dir=tmp_path)
    assert url.database == str((tmp_path / "inputs" / "x.sqlite").resolve())
    with pytest.raises(InputError, match="does not exist"):
        connect("sqlite:///inputs/missing.sqlite", base_dir=tmp_path)


def test_password_comes_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    url = resolve_url(
        "postgresql+psycopg://auditor@db:5432/erp",
        password_env="ACME_DB_PW",
        environ={"ACME_DB_PW": "pa:ss@word"},
    )
    assert url.password == "pa:ss@word"
    with pytest.raises(InputError, match="ACME_DB_PW"):
        resolve_url("postgresql+psycopg://auditor@db/erp", password_env="ACME_DB_PW", environ={})
    with pytest.raises(InputError, match="holds a password") as info:
        resolve_url("postgresql+psycopg://auditor:hunter2@db/erp")
    assert "hunter2" not in str(info.value)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"])
def test_server_that_does_not_answer_gives_a_clear_error(scheme: str) -> None:
    port = _closed_port()
    with pytest.raises(InputError) as info:
        connect(
            f"{scheme}://auditor@127.0.0.1:{port}/erp",
            password_env="WB_TEST_PW",
            environ={"WB_TEST_PW": "Sup3rSecret"},
        )
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message and "did not answer" in message
    assert "Sup3rSecret" not in message
    assert info.value.__cause__ is None


def test_driver_errors_carrying_the_password_are_redacted(
    pg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = pg_factory("redact")
    monkeypatch.setenv("WB_TEST_PW", "Sup3rSecret")  # trust auth accepts any password
    engine = connect(server.url, password_env="WB_TEST_PW")
    with engine.connect() as conn, pytest.raises(DatabaseError) as info:
        conn.execute(sa.text("SELECT CAST('Sup3rSecret' AS integer)"))
    assert "Sup3rSecret" not in str(info.value) and "***" in str(info.value)
    assert "Sup3rSecret" not in repr(engine)
    engine.dispose()


def test_statement_timeout_stops_a_long_query_on_sqlite(erp_sqlite: Any) -> None:
    engine = erp_sqlite.audit_engine(statement_timeout_s=0.2)
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
    )
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError, match="interrupt"):
        conn.execute(sa.text(endless))
    engine.dispose()


def test_statement_timeout_on_postgresql(erp_pg: Any) -> None:
    engine = erp_pg.audit_engine(statement_timeout_s=0.5)
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError, match="timeout"):
        conn.execute(sa.text("SELECT pg_sleep(3)"))
    engine.dispose()


def test_statement_timeout_on_mariadb(erp_maria: Any) -> None:
    engine = erp_maria.audit_engine(statement_timeout_s=0.5)
    with engine.connect() as conn:
        assert float(conn.execute(sa.text("SELECT @@max_statement_time")).scalar_one()) == 0.5
        assert conn.execute(sa.text("SELECT @@session.tx_read_only")).scalar_one() == 1
    engine.dispose()


def test_backends_are_told_apart(erp: Any) -> None:
    engine = erp.audit_engine()
    assert backend(engine.connect()) == erp.backend
    engine.dispose()


def test_sqlite_regexp_function() -> None:
    assert sqlite_regexp("^a[0-9]$", "a1") is True
    assert sqlite_regexp("^a[0-9]$", "A1") is False
    assert sqlite_regexp("x", None) is None


def test_duckdb_file_is_opened_read_only_and_audited(tmp_path: Path) -> None:
    path = tmp_path / "erp.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, email VARCHAR)")
    con.execute(
        "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, "
        "order_date VARCHAR)"
    )
    con.execute("INSERT INTO customers VALUES (1, 'a@x.com'), (2, 'A@x.com'), (3, NULL)")
    con.execute("INSERT INTO orders VALUES (1, 1, '2025-01-02'), (2, 9, 'soon'), (3, 2, NULL)")
    con.close()
    engine = connect("duckdb:///erp.duckdb", base_dir=tmp_path)
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("INSERT INTO customers VALUES (4, 'b@x.com')"))
    r = run_audit(engine, {"natural_keys": {"customers": ["email"]}}, "2025-12-31")
    assert dict(zip(r.inventory["tables"].table, r.inventory["tables"].rows, strict=True)) == {
        "customers": 3,
        "orders": 3,
    }
    rel = r.relationships.set_index("relationship")
    assert rel.loc["orders.customer_id -> customers.customer_id", "orphan_rows"] == 1
    assert r.natural_keys.duplicate_rows.tolist() == [2]
    tt = r.text_types.set_index("column").loc["order_date"]
    assert (tt.unparseable, tt.sample_keys) == (1, ["2"])
    engine.dispose()
