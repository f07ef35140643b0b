"""Open a client database read-only, with a statement timeout, and never leak its password.

The database audit only ever reads. That is enforced by the connection itself, not by the
good behaviour of the queries:

- SQLite: the file is opened through a ``file:...?mode=ro`` URI, so the driver refuses writes;
  a Python ``regexp`` function is registered on that connection (SQLite has no regex
  operator of its own) and a progress handler enforces the statement timeout.
- DuckDB: the file is opened with ``read_only=True``.
- PostgreSQL (psycopg 3): ``default_transaction_read_only=on`` and ``statement_timeout`` are
  set as connection options, and psycopg opens every transaction ``READ ONLY``.
- MySQL / MariaDB (PyMySQL): ``SET SESSION TRANSACTION READ ONLY`` on every new connection,
  and ``max_statement_time`` (MariaDB) or ``max_execution_time`` (MySQL).

On top of that, every statement the audit sends passes a guard (:func:`refusal`): only one
statement at a time, and only reads (``SELECT``, ``WITH``, ``SHOW``, ``PRAGMA``, ...).
Without it a read-only session can be talked out of being read-only through the very same
connection (``COMMIT`` then ``BEGIN READ WRITE`` on PostgreSQL, ``SET SESSION TRANSACTION
READ WRITE`` on MariaDB); the guard refuses such statements before they reach the server,
with the driver's own error type, so they fail like any other refused write.

The password is read from the environment variable that the engagement names; it is never
part of the URL given to this module, and any error text that could carry it is scrubbed.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
import urllib.parse
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.engine.interfaces import ExceptionContext

from workbench.errors import InputError

#: Seconds to wait for a server to accept a connection before saying it does not answer.
CONNECT_TIMEOUT_S = 5

_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@")


class DatabaseError(Exception):
    """A driver error whose text was scrubbed of the password."""


def redact_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``.

    Parameters
    ----------
    url : str or sqlalchemy.engine.URL
        A SQLAlchemy URL, possibly holding a password.

    Returns
    -------
    str
        The same URL, safe to show in a report, a log or a manifest.
    """
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        # Not a parseable URL: still never echo what looks like a password.
        return _PASSWORD_IN_URL.sub(r"\g<head>***@", str(url))


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret (and its URL-quoted form) replaced by ``***``."""
    out = text
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            out = out.replace(form, "***")
    return _PASSWORD_IN_URL.sub(r"\g<head>***@", out)


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
        parsed = make_url(url)
    except Exception:
        raise InputError(f"database url {redact_url(url)!r} is not a SQLAlchemy URL") from None
    if parsed.password:
        raise InputError(
            f"database url {redact_url(parsed)!r} holds a password; put it in an environment "
            "variable and name that variable in password_env"
        )
    backend_name = parsed.get_backend_name()
    if backend_name in ("sqlite", "duckdb"):
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return parsed
        path = Path(database).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        path = path.resolve()
        if not path.exists():
            raise InputError(f"database file {path} (from url {redact_url(url)!r}) does not exist")
        return parsed.set(database=str(path))
    if password_env:
        env = os.environ if environ is None else environ
        if password_env not in env:
            raise InputError(
                f"environment variable {password_env} (password_env of the database) is not set"
            )
        parsed = parsed.set(password=env[password_env])
    return parsed


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def sqlite_regexp(pattern: str | None, value: Any) -> bool | None:
    """The ``regexp(pattern, value)`` function SQLite calls for ``value REGEXP pattern``."""
    if pattern is None or value is None:
        return None
    return _compiled(pattern).search(str(value)) is not None


def _sqlite_engine(url: URL, timeout_s: float) -> Engine:
    path = url.database or ""
    uri = "file:" + urllib.parse.quote(path) + "?mode=ro"

    def creator() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.create_function("regexp", 2, sqlite_regexp, deterministic=True)
        return conn

    engine = sa.create_engine("sqlite+pysqlite://", creator=creator, poolclass=sa.pool.StaticPool)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        state: dict[str, float | None] = {"deadline": None}
        record.info["deadline"] = state
        dbapi_conn.execute("PRAGMA query_only = ON")

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


def _duckdb_engine(url: URL) -> Engine:
    return sa.create_engine(url, connect_args={"read_only": True}, poolclass=sa.pool.StaticPool)


def _postgres_engine(url: URL, timeout_s: float) -> Engine:
    options = f"-c default_transaction_read_only=on -c statement_timeout={int(timeout_s * 1000)}"
    engine = sa.create_engine(
        url,
        connect_args={"options": options, "connect_timeout": CONNECT_TIMEOUT_S},
        pool_pre_ping=False,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
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


#: First words of the statements an audit connection runs: reads and catalogue queries.
READ_STATEMENTS = frozenset({"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "PRAGMA"})
_LEADING_NOISE = re.compile(r"^(?:\s+|\(|--[^\n]*(?:\n|$)|/\*(?!!).*?\*/)*", re.S)
_FIRST_WORD = re.compile(r"[A-Za-z]+")
#: Reads that still write, lock or change the session: a data-modifying ``WITH``, ``FOR
#: UPDATE`` locks, ``INTO`` a table or a server file, a setting, a remote database.
_SIDE_EFFECTS = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|MERGE|TRUNCATE|INTO)\b|\bFOR\s+SHARE\b"
    r"|\bset_config\s*\(|\bdblink\w*\s*\(|\blo_(?:import|export)\s*\("
    r"|\bpg_(?:write_file|file_write|terminate_backend|cancel_backend|reload_conf)\s*\(",
    re.I,
)


def refusal(statement: str) -> str | None:
    """Why ``statement`` may not run on an audit connection, or None for a plain read.

    Parameters
    ----------
    statement : str
        The SQL about to be sent (parameters are bound separately, so literals a client
        wrote never appear in it).

    Returns
    -------
    str or None
        The reason to refuse it: more than one statement, a statement that is not a read
        (``SET``, ``BEGIN``, ``COMMIT``, ``INSERT``, ``ATTACH``, ``EXPLAIN ANALYZE``, ...), a
        MySQL executable comment, a ``PRAGMA`` that sets a value, or a read with a side
        effect (a data-modifying ``WITH``, row locks, ``INTO``, ``set_config()``, server
        files, ``dblink``). Quoted names are not told apart from keywords: a table named
        ``into`` is refused too, which costs a check, never a write.
    """
    text = statement.strip().rstrip(";").rstrip()
    if ";" in text:
        return "one statement at a time"
    if "/*!" in text:
        return "MySQL executable comments are not run"
    body = _LEADING_NOISE.sub("", text, count=1)
    match = _FIRST_WORD.match(body)
    word = match.group(0).upper() if match else ""
    if word not in READ_STATEMENTS:
        return f"{word or 'this statement'} is not a read"
    if word == "PRAGMA" and "=" in body:
        return "a PRAGMA that sets a value"
    side = _SIDE_EFFECTS.search(body)
    if side:
        return f"{side.group(0).strip()} has an effect beyond reading"
    return None


def _install_statement_guard(engine: Engine) -> None:
    dbapi = engine.dialect.loaded_dbapi
    refused = getattr(dbapi, "OperationalError", None) or dbapi.Error

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _guard(conn: Any, cursor: Any, statement: Any, params: Any, ctx: Any, many: Any) -> None:
        reason = refusal(str(statement))
        if reason is not None:
            # the driver's own error type, so SQLAlchemy reports it as it reports a write
            # the server refused
            raise refused(f"read-only audit connection: statement refused ({reason})")


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
