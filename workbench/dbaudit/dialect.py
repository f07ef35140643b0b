"""The few SQL expressions that differ between engines, in one place.

Every check is written once with SQLAlchemy Core (which quotes identifiers with the
dialect's preparer and binds values); what SQLAlchemy does not make uniform is here:
regular expressions, case- and pad-sensitive string comparison on MySQL/MariaDB, and the
size of a table in the engine's catalogue.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

#: ISO dates (optionally with a time), day/month/year or month/day/year with ``/ . -``, and
#: year/month/day with ``/``. Written without backslashes so the same text works in
#: PostgreSQL, MySQL/MariaDB (PCRE), DuckDB (RE2) and Python (SQLite).
DATE_PATTERN = (
    "^("
    "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "([ T][0-2][0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?)?"
    "|(0?[1-9]|[12][0-9]|3[01])[/.-](0?[1-9]|[12][0-9]|3[01])[/.-][0-9]{4}"
    "|[0-9]{4}/(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])"
    ")$"
)
#: A plain decimal number with a point, optional sign (no thousands separators).
NUMBER_PATTERN = "^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)$"


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is reported to the user, not logged to stderr


@lru_cache(maxsize=256)
def compile_regex(pattern: str) -> Any:
    """``pattern`` compiled with RE2, the engine of DuckDB and of the SQLite connection.

    RE2 matches in time linear in the text (no backtracking), so a rule cannot hold a
    connection past its statement timeout; in exchange it has no backreferences or
    lookaround.

    Raises
    ------
    ValueError
        The pattern is not RE2 syntax; the message says why.
    """
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(text) from None


def regex_match(backend: str, expr: Any, pattern: str) -> ColumnElement[bool]:
    """``expr`` matches ``pattern`` (search semantics, case-sensitive) on any engine.

    PostgreSQL uses ``~``, MySQL ``REGEXP_LIKE(..., 'c')``, MariaDB ``REGEXP`` with the PCRE
    flag ``(?-i)`` (its REGEXP otherwise follows the column's case-insensitive collation),
    DuckDB ``regexp_matches`` and SQLite the ``regexp`` function registered on the
    read-only connection.
    """
    if backend == "duckdb":
        return sa.func.regexp_matches(expr, sa.literal(pattern), type_=sa.Boolean)
    if backend == "mariadb":
        return expr.op("REGEXP", is_comparison=True)(sa.literal("(?-i)" + pattern))
    if backend == "mysql":
        return sa.func.regexp_like(expr, sa.literal(pattern), sa.literal("c"), type_=sa.Boolean)
    if backend == "postgresql":
        return expr.op("~", is_comparison=True)(sa.literal(pattern))
    return expr.op("REGEXP", is_comparison=True)(sa.literal(pattern))


def exact_text(backend: str, expr: Any) -> Any:
    """``expr`` compared byte by byte: MySQL/MariaDB collations ignore case and trailing blanks."""
    if backend in ("mysql", "mariadb"):
        # Compared as bytes, bound values still processed as text.
        return sa.type_coerce(sa.cast(expr, sa.LargeBinary), sa.String)
    return expr


def as_text(expr: Any) -> Any:
    """``expr`` as a string, for a regex on a number or date column."""
    return sa.cast(expr, sa.String)


def table_sizes(conn: sa.Connection, backend: str, schema: str | None) -> dict[str, int]:
    """Bytes per table (data plus indexes) from the engine's catalogue, where it has one.

    PostgreSQL ``pg_total_relation_size``; MySQL/MariaDB ``information_schema.tables``
    (``data_length + index_length``, InnoDB estimates); SQLite the ``dbstat`` virtual table
    when compiled in. DuckDB has no per-table size: an empty dict.
    """
    try:
        if backend == "postgresql":
            rows = conn.execute(
                sa.text(
                    "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = COALESCE(:schema, current_schema()) "
                    "AND c.relkind IN ('r', 'p')"
                ),
                {"schema": schema},
            ).all()
        elif backend in ("mysql", "mariadb"):
            rows = conn.execute(
                sa.text(
                    "SELECT table_name, data_length + index_length FROM information_schema.tables "
                    "WHERE table_schema = COALESCE(:schema, DATABASE())"
                ),
                {"schema": schema},
            ).all()
        elif backend == "sqlite":
            rows = conn.execute(
                sa.text(
                    "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d "
                    "JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name"
                )
            ).all()
        else:
            return {}
    except sa.exc.DBAPIError:
        conn.rollback()
        return {}
    return {str(name): int(size) for name, size in rows if size is not None}


def database_size(conn: sa.Connection, backend: str) -> int | None:
    """Bytes of the whole database (or file), where the engine says."""
    try:
        if backend == "postgresql":
            query = sa.text("SELECT pg_database_size(current_database())")
            return int(conn.execute(query).scalar_one())
        if backend in ("mysql", "mariadb"):
            value = conn.execute(
                sa.text(
                    "SELECT SUM(data_length + index_length) FROM information_schema.tables "
                    "WHERE table_schema = DATABASE()"
                )
            ).scalar_one()
            return None if value is None else int(value)
        if backend == "sqlite":
            pages = conn.execute(sa.text("PRAGMA page_count")).scalar_one()
            size = conn.execute(sa.text("PRAGMA page_size")).scalar_one()
            return int(pages) * int(size)
    except sa.exc.DBAPIError:
        conn.rollback()
    return None
