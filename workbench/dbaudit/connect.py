"""Open a client database read-only, with a statement timeout, and never leak its password.

The database audit only ever reads. That is enforced by the connection itself, not by the
good behaviour of the queries, in three layers:

1. **The session is read-only where the server allows it.**

   - SQLite: the file is opened through a ``file:...?mode=ro`` URI with ``PRAGMA
     query_only``; a ``regexp`` function is registered (SQLite has no regex operator of its
     own) on RE2, whose matching time is linear, so that a rule's regex cannot backtrack
     past the statement timeout, which a progress handler enforces.
   - DuckDB: ``read_only=True`` and ``enable_external_access=false`` (no other file, no
     network, no extension), with the configuration locked.
   - PostgreSQL (psycopg 3): ``default_transaction_read_only=on`` and ``statement_timeout``
     as connection options, ``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY``, and
     psycopg opens every transaction ``READ ONLY``.
   - MySQL / MariaDB (PyMySQL): ``SET SESSION TRANSACTION READ ONLY`` on every new
     connection, and ``max_statement_time`` (MariaDB) or ``max_execution_time`` (MySQL).

2. **Every statement passes the guard** (:mod:`workbench.dbaudit.guard`): parsed as the
   server's dialect, it must have the shape of a read and call no function that acts
   beyond reading. Without it a read-only session is talked out of being read-only
   through the very same connection, or used to end other sessions and write server
   files. A refused statement fails with the driver's own error type, like any other
   refused write.

3. **Nothing is ever committed**: a commit on an audit connection is refused, so that
   whatever a server let through in a transaction is rolled back with it.

A SQLite or DuckDB file is confined to the engagement folder like an input (no absolute
path elsewhere, no ``../``, no symlink leading out) and must be a regular file.

The password is read from the environment variable that the engagement names; it is never
part of the URL given to this module (:mod:`workbench.dburl` refuses one anywhere in it),
and any error text that could carry it is scrubbed.
"""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.engine.interfaces import ExceptionContext

from workbench.dbaudit.dialect import compile_regex
from workbench.dbaudit.guard import refusal
from workbench.dburl import (
    file_database,
    parse_url,
    password_location,
    redact_text,
)
from workbench.dburl import redact_url as redact_url
from workbench.engagement import refuse_special_file, resolve_inside
from workbench.errors import InputError

#: Seconds to wait for a server to accept a connection before saying it does not answer.
CONNECT_TIMEOUT_S = 5


class DatabaseError(Exception):
    """A driver error whose text was scrubbed of the password."""


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret (and its URL-quoted form) replaced by ``***``."""
    out = text
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            out = out.replace(form, "***")
    return redact_text(out)


def backend(engine: Engine | sa.Connection) -> str:
    """The engine family: ``sqlite``, ``duckdb``, ``postgresql``, ``mysql`` or ``mariadb``."""
    dialect = engine.dialect
    if dialect.name == "mysql" and getattr(dialect, "is_mariadb", False):
        return "mariadb"
    return str(dialect.name)


def resolve_url(
    url: str,
    *,
    base_dir: str | Path | None = None,
    password_env: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> URL:
    """Parse ``url``, anchor relative file paths at ``base_dir`` and add the password.

    Parameters
    ----------
    url : str
        SQLAlchemy URL without a password (``sqlite:///inputs/erp.sqlite``,
        ``postgresql+psycopg://auditor@host:5432/erp``, ``mysql+pymysql://...``).
    base_dir : path, optional
        Folder that relative SQLite / DuckDB paths are relative to (the engagement folder).
    password_env : str, optional
        Name of the environment variable holding the password.
    environ : mapping, optional
        The environment to read (defaults to ``os.environ``).

    Returns
    -------
    sqlalchemy.engine.URL
    """
    try:
        parsed = parse_url(url)
    except ValueError as exc:
        raise InputError(f"database url {exc}") from None
    where = password_location(parsed)
    if where:
        raise InputError(
            f"database url {redact_url(parsed)!r} holds a password ({where}); put it in an "
            "environment variable and name that variable in password_env"
        )
    database = file_database(parsed)
    if database is not None:
        if parsed.query:
            # access_mode=read_write, mode=rw ...: how the file is opened is decided here
            raise InputError(
                f"database url {redact_url(parsed)!r}: a file database takes no options "
                f"({', '.join(sorted(parsed.query))}); it is opened read-only by the audit"
            )
        if database.startswith("file:"):
            raise InputError(
                f"database url {redact_url(parsed)!r} is a file: URI; give the database "
                "file's path (relative to the engagement folder)"
            )
        if base_dir is not None:
            path = resolve_inside(Path(base_dir), database, what="the database url")
        else:
            path = Path(database).expanduser().resolve()
        refuse_special_file(path, what="database file")
        if not path.exists():
            raise InputError(f"database file {path} (from url {redact_url(url)!r}) does not exist")
        if not path.is_file():
            raise InputError(f"database file {path} (from url {redact_url(url)!r}) is a folder")
        return parsed.set(database=str(path))
    if password_env:
        env = os.environ if environ is None else environ
        if password_env not in env:
            raise InputError(
                f"environment variable {password_env} (password_env of the database) is not set"
            )
        parsed = parsed.set(password=env[password_env])
    return parsed


def sqlite_regexp(pattern: str | None, value: Any) -> bool | None:
    """The ``regexp(pattern, value)`` function SQLite calls for ``value REGEXP pattern``.

    Matched with RE2 (as DuckDB does): its time is linear in the value, so a pattern that
    would backtrack catastrophically cannot hold the connection past the statement timeout
    (SQLite's progress handler never runs inside a function call).
    """
    if pattern is None or value is None:
        return None
    return compile_regex(pattern).search(str(value)) is not None


def _sqlite_engine(url: URL, timeout_s: float) -> Engine:
    path = url.database or ""
    uri = "file:" + urllib.parse.quote(path) + "?mode=ro"

    def creator() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    engine = sa.create_engine("sqlite+pysqlite://", creator=creator, poolclass=sa.pool.StaticPool)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        state: dict[str, float | None] = {"deadline": None}
        record.info["deadline"] = state
        dbapi_conn.execute("PRAGMA query_only = ON")
        # after SQLAlchemy's own connect hook, which registers a regexp on Python's re
        dbapi_conn.create_function("regexp", 2, sqlite_regexp, deterministic=True)

        def _progress() -> int:
            # A non-zero return interrupts the running statement: the statement timeout.
            deadline = state["deadline"]
            return 1 if deadline is not None and time.monotonic() > deadline else 0

        dbapi_conn.set_progress_handler(_progress, 50_000)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _arm(conn: Any, cursor: Any, statement: Any, params: Any, ctx: Any, many: Any) -> None:
        state = conn.info.get("deadline")
        if state is not None:
            state["deadline"] = time.monotonic() + timeout_s

    return engine


#: DuckDB settings of an audit connection: no file but the database, no network, no
#: extension, and no way to change that from SQL.
DUCKDB_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def _duckdb_engine(url: URL) -> Engine:
    return sa.create_engine(
        url,
        connect_args={"read_only": True, "config": dict(DUCKDB_CONFIG)},
        poolclass=sa.pool.StaticPool,
    )


def _postgres_engine(url: URL, timeout_s: float) -> Engine:
    options = f"-c default_transaction_read_only=on -c statement_timeout={int(timeout_s * 1000)}"
    engine = sa.create_engine(
        url,
        connect_args={"options": options, "connect_timeout": CONNECT_TIMEOUT_S},
        pool_pre_ping=False,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        # The session's default too, beside the connection option: either alone is
        # enough, and each is switched back by a different statement.
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_conn.commit()  # ends the transaction of the SET, which wrote nothing
        # psycopg opens every transaction as BEGIN READ ONLY from now on.
        dbapi_conn.read_only = True

    return engine


def _mysql_engine(url: URL, timeout_s: float) -> Engine:
    engine = sa.create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])
            if "mariadb" in version.lower():
                cursor.execute(f"SET SESSION max_statement_time = {float(timeout_s):.3f}")
            else:
                cursor.execute(f"SET SESSION max_execution_time = {int(timeout_s * 1000)}")
        finally:
            cursor.close()

    return engine


def _install_statement_guard(engine: Engine) -> None:
    dbapi = engine.dialect.loaded_dbapi
    refused = getattr(dbapi, "OperationalError", None) or dbapi.Error
    name = backend(engine)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _guard(conn: Any, cursor: Any, statement: Any, params: Any, ctx: Any, many: Any) -> None:
        reason = refusal(str(statement), name)
        if reason is not None:
            # the driver's own error type, so SQLAlchemy reports it as it reports a write
            # the server refused
            raise refused(f"read-only audit connection: statement refused ({reason})")

    @sa.event.listens_for(engine, "commit")
    def _never_commit(conn: Any) -> None:
        # whatever a server let through inside a transaction is rolled back with it
        raise sa.exc.OperationalError(
            "COMMIT",
            None,
            refused("read-only audit connection: commit refused (the audit never commits)"),
        )


def _install_redaction(engine: Engine, secrets: list[str]) -> None:
    @sa.event.listens_for(engine, "handle_error")
    def _redact(context: ExceptionContext) -> BaseException | None:
        text = str(context.original_exception)
        if context.sqlalchemy_exception is not None:
            text = str(context.sqlalchemy_exception)
        clean = scrub(text, secrets)
        if clean != text:
            return DatabaseError(clean)
        return None


def connect(
    url: str,
    *,
    base_dir: str | Path | None = None,
    password_env: str | None = None,
    statement_timeout_s: float = 60.0,
    environ: Mapping[str, str] | None = None,
) -> Engine:
    """A read-only SQLAlchemy engine on the client database, checked to answer.

    Parameters
    ----------
    url : str
        SQLAlchemy URL without a password (see :func:`resolve_url`).
    base_dir : path, optional
        The engagement folder; relative SQLite / DuckDB paths are relative to it.
    password_env : str, optional
        Name of the environment variable that holds the password.
    statement_timeout_s : float
        Longest a single statement may run before the server cancels it.
    environ : mapping, optional
        Environment to read the password from (defaults to ``os.environ``).

    Returns
    -------
    sqlalchemy.engine.Engine
        Every connection it opens is read-only.

    Raises
    ------
    workbench.errors.InputError
        The URL is malformed or holds a password, the file is missing, the password variable
        is unset, or the server does not answer (the message names host and port).
    """
    resolved = resolve_url(url, base_dir=base_dir, password_env=password_env, environ=environ)
    secrets = [resolved.password] if isinstance(resolved.password, str) else []
    name = resolved.get_backend_name()
    if name == "sqlite":
        engine = _sqlite_engine(resolved, statement_timeout_s)
    elif name == "duckdb":
        engine = _duckdb_engine(resolved)
    elif name == "postgresql":
        engine = _postgres_engine(resolved, statement_timeout_s)
    elif name in ("mysql", "mariadb"):
        engine = _mysql_engine(resolved, statement_timeout_s)
    else:
        raise InputError(
            f"database url {redact_url(url)!r}: engine {name!r} is not supported "
            "(sqlite, duckdb, postgresql+psycopg, mysql+pymysql)"
        )
    _install_statement_guard(engine)
    _install_redaction(engine, secrets)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        where = (
            resolved.database
            if name in ("sqlite", "duckdb")
            else f"{resolved.host or 'localhost'}:{resolved.port or _default_port(name)}"
        )
        message = scrub(str(getattr(exc, "orig", None) or exc), secrets).strip().splitlines()
        first = message[0] if message else type(exc).__name__
        raise InputError(
            f"the database at {where} ({redact_url(resolved)}) did not answer: {first}"
        ) from None
    return engine


def _default_port(name: str) -> int:
    return {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}.get(name, 0)
