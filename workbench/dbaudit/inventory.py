"""The storage-approach inventory: what the database holds, read from its own catalogue.

Tables, columns and their types, exact row counts (``COUNT(*)``), sizes from the engine's
catalogue, indexes, declared keys and constraints. The :class:`Catalogue` built here is
what every other check works from, so the audit reflects the schema once.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.sql.expression import TableClause

from workbench.dbaudit import dialect as dl


@dataclass
class ColumnInfo:
    """One column as the catalogue declares it."""

    name: str
    type: sa.types.TypeEngine[Any]
    type_name: str
    nullable: bool
    default: str | None = None

    @property
    def kind(self) -> str:
        """``string``, ``number``, ``date``, ``datetime``, ``boolean`` or ``other``."""
        t = self.type
        if isinstance(t, sa.Boolean):
            return "boolean"
        if isinstance(t, sa.DateTime):
            return "datetime"
        if isinstance(t, sa.Date):
            return "date"
        if isinstance(t, (sa.Integer, sa.Numeric, sa.Float)):
            return "number"
        if isinstance(t, sa.String):
            return "string"
        return "other"


@dataclass
class ForeignKey:
    """A relationship, declared in the catalogue or inferred from column names."""

    table: str
    columns: list[str]
    referred_table: str
    referred_columns: list[str]
    name: str | None = None
    declared: bool = True

    @property
    def label(self) -> str:
        """``child.col -> parent.col`` as the report writes it."""
        return (
            f"{self.table}.{','.join(self.columns)} -> "
            f"{self.referred_table}.{','.join(self.referred_columns)}"
        )


@dataclass
class TableInfo:
    """One table: columns, keys, indexes, constraints, exact rows and size."""

    name: str
    schema: str | None
    columns: list[ColumnInfo]
    primary_key: list[str]
    foreign_keys: list[ForeignKey]
    indexes: list[dict[str, Any]]
    unique_constraints: list[list[str]]
    check_constraints: list[str]
    rows: int = 0
    size_bytes: int | None = None

    def column(self, name: str) -> ColumnInfo | None:
        """The column named ``name`` (case-insensitively), or None."""
        for col in self.columns:
            if col.name == name:
                return col
        lowered = name.lower()
        for col in self.columns:
            if col.name.lower() == lowered:
                return col
        return None

    def clause(self) -> TableClause:
        """A typed SQLAlchemy table clause, so queries quote and bind per dialect."""
        return sa.table(
            self.name, *[sa.column(c.name, c.type) for c in self.columns], schema=self.schema
        )

    def unique_sets(self) -> list[list[str]]:
        """Column lists that the engine keeps unique: the PK, unique constraints, unique indexes."""
        sets = [self.primary_key] if self.primary_key else []
        sets += [list(u) for u in self.unique_constraints if u]
        sets += [list(i["columns"]) for i in self.indexes if i.get("unique") and i["columns"]]
        return sets

    def indexed_prefixes(self) -> list[list[str]]:
        """Column lists of every index (PK and unique constraints included), in key order."""
        lists = [self.primary_key] if self.primary_key else []
        lists += [list(u) for u in self.unique_constraints if u]
        lists += [list(i["columns"]) for i in self.indexes if i["columns"]]
        return lists


@dataclass
class Catalogue:
    """The audited tables of one database, keyed by table name."""

    backend: str
    tables: dict[str, TableInfo] = field(default_factory=dict)
    database_size: int | None = None
    limitations: list[tuple[str, str]] = field(default_factory=list)

    def table(self, name: str) -> TableInfo | None:
        """The table named ``name`` (case-insensitively), or None."""
        if name in self.tables:
            return self.tables[name]
        lowered = name.lower()
        for key, info in self.tables.items():
            if key.lower() == lowered:
                return info
        return None


_DUCK_TYPES: list[tuple[tuple[str, ...], Any]] = [
    (("BOOLEAN",), sa.Boolean),
    (("TIMESTAMP", "DATETIME"), sa.DateTime),
    (("DATE",), sa.Date),
    (("DECIMAL", "NUMERIC"), sa.Numeric),
    (("DOUBLE", "FLOAT", "REAL"), sa.Float),
    (("INT", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"), sa.Integer),
    (("VARCHAR", "TEXT", "STRING", "CHAR"), sa.String),
]


class DuckDBInspector:
    """The catalogue of a DuckDB file from ``information_schema`` and ``duckdb_constraints()``.

    The duckdb-engine reflection queries PostgreSQL catalogue tables DuckDB does not have;
    this answers the same questions with DuckDB's own catalogue functions.
    """

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def _rows(self, sql: str, **params: Any) -> list[Any]:
        return list(self.conn.execute(sa.text(sql), params).all())

    def get_table_names(self, schema: str | None = None) -> list[str]:
        return [
            r[0]
            for r in self._rows(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                "AND table_schema = COALESCE(:s, current_schema())",
                s=schema,
            )
        ]

    def get_columns(self, table: str, schema: str | None = None) -> list[dict[str, Any]]:
        out = []
        for name, data_type, nullable in self._rows(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = :t AND table_schema = COALESCE(:s, current_schema()) "
            "ORDER BY ordinal_position",
            t=table,
            s=schema,
        ):
            upper = str(data_type).upper()
            kind: Any = sa.types.NullType
            for prefixes, candidate in _DUCK_TYPES:
                if upper.startswith(prefixes):
                    kind = candidate
                    break
            out.append(
                {
                    "name": name,
                    "type": kind(),
                    "nullable": nullable == "YES",
                    "default": None,
                    "type_text": upper,
                }
            )
        return out

    def _constraints(self, table: str, schema: str | None, kind: str) -> list[Any]:
        return self._rows(
            "SELECT constraint_column_names, referenced_table, referenced_column_names, "
            "constraint_text FROM duckdb_constraints() WHERE table_name = :t "
            "AND schema_name = COALESCE(:s, current_schema()) AND constraint_type = :k",
            t=table,
            s=schema,
            k=kind,
        )

    def get_pk_constraint(self, table: str, schema: str | None = None) -> dict[str, Any]:
        rows = self._constraints(table, schema, "PRIMARY KEY")
        return {"constrained_columns": list(rows[0][0]) if rows else []}

    def get_foreign_keys(self, table: str, schema: str | None = None) -> list[dict[str, Any]]:
        return [
            {
                "constrained_columns": list(r[0]),
                "referred_table": r[1],
                "referred_columns": list(r[2]),
                "referred_schema": None,
                "name": None,
            }
            for r in self._constraints(table, schema, "FOREIGN KEY")
        ]

    def get_unique_constraints(self, table: str, schema: str | None = None) -> list[dict[str, Any]]:
        return [{"column_names": list(r[0])} for r in self._constraints(table, schema, "UNIQUE")]

    def get_check_constraints(self, table: str, schema: str | None = None) -> list[dict[str, Any]]:
        return [{"sqltext": r[3]} for r in self._constraints(table, schema, "CHECK")]

    def get_indexes(self, table: str, schema: str | None = None) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT index_name, is_unique, expressions FROM duckdb_indexes() "
            "WHERE table_name = :t AND schema_name = COALESCE(:s, current_schema())",
            t=table,
            s=schema,
        )
        return [
            {
                "name": name,
                "unique": bool(unique),
                "column_names": [c.strip().strip('"') for c in str(expr).strip("[]").split(",")],
            }
            for name, unique, expr in rows
        ]


def _type_name(col_type: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> str:
    try:
        return str(col_type.compile(dialect=dialect))
    except Exception:
        return type(col_type).__name__


def _safe(
    inspector: Any,
    method: str,
    table: str,
    schema: str | None,
    default: Any,
    what: str,
    limitations: list[tuple[str, str]],
) -> Any:
    try:
        return getattr(inspector, method)(table, schema=schema)
    except (NotImplementedError, sa.exc.SQLAlchemyError):
        limitations.append(("inventory", f"the driver does not report {what}"))
        return default


def _left_out(
    conn: sa.Connection, table: str, exc: Exception, limitations: list[tuple[str, str]]
) -> None:
    """Record a table the audit could not read, and end the failed transaction."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    limitations.append(("inventory", f"table {table} left out of the audit: {reason}"))
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        conn.rollback()


def read_catalogue(
    conn: sa.Connection,
    *,
    schemas: list[str] | None = None,
    ignore_tables: list[str] | None = None,
) -> Catalogue:
    """Reflect tables, columns, keys, indexes; count rows exactly; read sizes.

    Parameters
    ----------
    conn : sqlalchemy.Connection
        A read-only connection (see :func:`workbench.dbaudit.connect.connect`).
    schemas : list of str, optional
        Schemas to audit; the connection's default schema when empty.
    ignore_tables : list of str, optional
        Tables left out of the audit (e.g. the engine's own bookkeeping).

    Returns
    -------
    Catalogue
    """
    from workbench.dbaudit.connect import backend as backend_of

    backend = backend_of(conn)
    inspector: Any = DuckDBInspector(conn) if backend == "duckdb" else sa.inspect(conn)
    ignore = {t.lower() for t in ignore_tables or []}
    cat = Catalogue(backend=backend)
    limits = cat.limitations
    schema_list: list[str | None] = list(schemas) if schemas else [None]
    for schema in schema_list:
        sizes = dl.table_sizes(conn, backend, schema)
        for name in sorted(inspector.get_table_names(schema=schema)):
            if name.lower() in ignore or name.startswith("sqlite_"):
                continue
            try:
                described = inspector.get_columns(name, schema=schema)
            except sa.exc.SQLAlchemyError as exc:
                # one table the server will not describe is a limitation, not the audit's end
                _left_out(conn, name, exc, limits)
                continue
            cols = [
                ColumnInfo(
                    name=c["name"],
                    type=c["type"],
                    type_name=c.get("type_text") or _type_name(c["type"], conn.dialect),
                    nullable=bool(c.get("nullable", True)),
                    default=None if c.get("default") is None else str(c.get("default")),
                )
                for c in described
            ]
            pk = _safe(inspector, "get_pk_constraint", name, schema, {}, "keys", limits)
            fks = _safe(inspector, "get_foreign_keys", name, schema, [], "foreign keys", limits)
            idx = _safe(inspector, "get_indexes", name, schema, [], "indexes", limits)
            uqs = _safe(
                inspector, "get_unique_constraints", name, schema, [], "unique constraints", limits
            )
            checks = _safe(
                inspector, "get_check_constraints", name, schema, [], "check constraints", limits
            )
            key = name if schema is None else f"{schema}.{name}"
            cat.tables[key] = TableInfo(
                name=name,
                schema=schema,
                columns=cols,
                primary_key=list((pk or {}).get("constrained_columns") or []),
                foreign_keys=[
                    ForeignKey(
                        table=key,
                        columns=list(f["constrained_columns"]),
                        referred_table=(
                            f["referred_table"]
                            if f.get("referred_schema") in (None, schema)
                            else f"{f['referred_schema']}.{f['referred_table']}"
                        ),
                        referred_columns=list(f["referred_columns"]),
                        name=f.get("name"),
                    )
                    for f in fks
                    if f.get("referred_table")
                ],
                indexes=[
                    {
                        "name": i.get("name"),
                        "columns": [c for c in i.get("column_names") or [] if c is not None],
                        "unique": bool(i.get("unique")),
                    }
                    for i in idx
                ],
                unique_constraints=[list(u.get("column_names") or []) for u in uqs],
                check_constraints=[str(c.get("sqltext", "")) for c in checks],
                size_bytes=sizes.get(name),
            )
    for key, info in list(cat.tables.items()):
        try:
            info.rows = int(
                conn.execute(sa.select(sa.func.count()).select_from(info.clause())).scalar_one()
            )
        except sa.exc.SQLAlchemyError as exc:
            _left_out(conn, key, exc, limits)
            del cat.tables[key]
    cat.database_size = dl.database_size(conn, backend)
    return cat


def inventory_frames(cat: Catalogue) -> dict[str, pd.DataFrame]:
    """The inventory as four tables: ``tables``, ``columns``, ``indexes``, ``constraints``.

    Row counts are exact (``COUNT(*)`` at audit time); sizes come from the engine's
    catalogue (PostgreSQL ``pg_total_relation_size``, MySQL/MariaDB ``information_schema``
    estimates, SQLite ``dbstat``) and are empty where the engine does not report them.
    """
    tables: list[dict[str, Any]] = []
    columns: list[dict[str, Any]] = []
    indexes: list[dict[str, Any]] = []
    constraints: list[dict[str, Any]] = []
    for key, t in cat.tables.items():
        tables.append(
            {
                "table": key,
                "rows": t.rows,
                "size_bytes": t.size_bytes,
                "columns": len(t.columns),
                "primary_key": ", ".join(t.primary_key),
                "foreign_keys": len(t.foreign_keys),
                "indexes": len(t.indexes),
            }
        )
        for pos, c in enumerate(t.columns, start=1):
            columns.append(
                {
                    "table": key,
                    "position": pos,
                    "column": c.name,
                    "type": c.type_name,
                    "kind": c.kind,
                    "nullable": c.nullable,
                    "in_primary_key": c.name in t.primary_key,
                }
            )
        for i in t.indexes:
            indexes.append(
                {
                    "table": key,
                    "index": i["name"],
                    "columns": ", ".join(i["columns"]),
                    "unique": i["unique"],
                }
            )
        if t.primary_key:
            constraints.append(
                {
                    "table": key,
                    "kind": "primary key",
                    "columns": ", ".join(t.primary_key),
                    "references": "",
                }
            )
        for fk in t.foreign_keys:
            constraints.append(
                {
                    "table": key,
                    "kind": "foreign key",
                    "columns": ", ".join(fk.columns),
                    "references": f"{fk.referred_table}({', '.join(fk.referred_columns)})",
                }
            )
        for u in t.unique_constraints:
            constraints.append(
                {"table": key, "kind": "unique", "columns": ", ".join(u), "references": ""}
            )
        for check in t.check_constraints:
            constraints.append({"table": key, "kind": "check", "columns": "", "references": check})
    return {
        "tables": pd.DataFrame(
            tables,
            columns=[
                "table",
                "rows",
                "size_bytes",
                "columns",
                "primary_key",
                "foreign_keys",
                "indexes",
            ],
        ),
        "columns": pd.DataFrame(
            columns,
            columns=["table", "position", "column", "type", "kind", "nullable", "in_primary_key"],
        ),
        "indexes": pd.DataFrame(indexes, columns=["table", "index", "columns", "unique"]),
        "constraints": pd.DataFrame(
            constraints, columns=["table", "kind", "columns", "references"]
        ),
    }
