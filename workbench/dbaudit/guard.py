"""The read-only guard: which statements an audit connection lets through to the server.

A read-only session is the first defence (see :mod:`workbench.dbaudit.connect`). It is not
enough on its own: a read-only PostgreSQL session still runs ``pg_terminate_backend()``,
``lo_export()`` writes a server file, a SQLite connection is switched back with ``PRAGMA
query_only(0)``, and a session can be talked out of being read-only through the same
connection. So every statement is parsed with sqlglot, the SQL parser of the dialect the
server speaks, and let through only when it has the shape of a read:

- one statement;
- a query (``SELECT``, ``WITH ... SELECT``, ``UNION`` and kin), ``SHOW``, ``DESCRIBE``, or a
  ``PRAGMA`` from :data:`READ_PRAGMAS`;
- with nothing inside that writes, locks or leaves the session (a data-modifying ``WITH``,
  ``SELECT ... INTO``, ``FOR UPDATE``, ``SET``, transaction control, ``COPY``, ``ATTACH``);
- calling no function of :data:`REFUSED_FUNCTIONS` or with a prefix of
  :data:`REFUSED_PREFIXES` (backends, large objects and server files, settings,
  sequences, locks, other databases, queries run from text, files read by the engine),
  however the name is quoted or qualified.

Names are told apart from keywords by the parser, so a table ``"Last Update Log"``, a
column ``"Merge Requests"`` or a name holding ``;`` or ``=`` reads like any other. A
statement the parser cannot read is refused: the audit's own statements all parse.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

#: sqlglot's dialect for each engine family of :func:`workbench.dbaudit.connect.backend`.
DIALECTS = {
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}

#: Statement shapes that read.
_READ_ROOTS = (exp.Query, exp.Show, exp.Describe, exp.Pragma)

#: Anything inside a read that writes, locks, changes the session or leaves the database.
_EFFECTS: tuple[type, ...] = (
    exp.DML,
    exp.DDL,
    exp.Into,
    exp.Lock,
    exp.Set,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Command,
    exp.Copy,
    exp.Attach,
    exp.Detach,
    exp.Use,
    exp.LoadData,
    exp.Grant,
    exp.Revoke,
    exp.Install,
    exp.Export,
    exp.Kill,
)

#: SQLite pragmas that only report. Those marked with an argument take a table or an index;
#: any other pragma given a value (``query_only(0)``, ``user_version = 5``) sets it.
READ_PRAGMAS: dict[str, bool] = {
    "table_info": True,
    "table_xinfo": True,
    "table_list": False,
    "index_list": True,
    "index_info": True,
    "index_xinfo": True,
    "foreign_key_list": True,
    "foreign_key_check": True,
    "integrity_check": True,
    "quick_check": True,
    "page_count": False,
    "page_size": False,
    "freelist_count": False,
    "database_list": False,
    "collation_list": False,
    "compile_options": False,
    "encoding": False,
    "schema_version": False,
    "user_version": False,
    "application_id": False,
    "data_version": False,
}

#: Functions that act beyond reading the audited database, on any engine.
REFUSED_FUNCTIONS = frozenset(
    {
        # PostgreSQL: settings, sequences, transactions, notifications, queries run from text
        "set_config",
        "nextval",
        "setval",
        "txid_current",
        "query_to_xml",
        "query_to_xml_and_xmlschema",
        "query_to_xmlschema",
        "cursor_to_xml",
        "cursor_to_xmlschema",
        "table_to_xml",
        "database_to_xml",
        "schema_to_xml",
        # MySQL / MariaDB: server files, locks
        "load_file",
        "get_lock",
        "release_lock",
        "release_all_locks",
        # SQLite: extensions and files (the CLI's readfile/writefile)
        "load_extension",
        "readfile",
        "writefile",
        "edit",
        # DuckDB: files, the network, extensions and other databases
        "glob",
        "sniff_csv",
        "parquet_metadata",
        "parquet_schema",
        "parquet_scan",
        "csv_scan",
        "json_scan",
        "query",
        "query_table",
        "sqlite_scan",
        "postgres_scan",
        "mysql_scan",
    }
)
#: Families refused by prefix: every PostgreSQL administration function (``pg_*`` other
#: than the catalogue readers of :data:`PG_CATALOGUE_FUNCTIONS`), large objects, dblink and
#: the foreign-data readers of DuckDB (``read_csv``, ``read_parquet``, ...).
REFUSED_PREFIXES = ("pg_", "lo_", "dblink", "read_", "xpath_table")
#: The ``pg_*`` functions that read the catalogue, which reflection and the size report use:
#: definitions (``pg_get_*``), visibility and properties, sizes, types, encodings; and
#: ``pg_sleep``, which the statement timeout bounds.
PG_CATALOGUE_FUNCTIONS = re.compile(
    r"pg_(?:get_\w+|\w+_is_visible|\w*_?size(?:_pretty)?|size_\w+|typeof|encoding_to_char"
    r"|is_in_recovery|my_temp_schema|is_other_temp_schema|has_role|\w+_has_property"
    r"|\w+_is_updatable|describe_object|identify_object\w*|backend_pid|sleep)"
)


#: The placeholders PyMySQL binds (``%s``, ``%(name)s``), which sqlglot's MySQL dialect does
#: not read; for the guard they are plain parameters.
_FORMAT_PARAMETER = re.compile(r"%\(\w+\)s|%s")


def _function_name(node: exp.Func) -> str:
    """The function's name as the server resolves it: unquoted, lower-case."""
    if isinstance(node, exp.Anonymous):
        name = node.this
        text = name.name if isinstance(name, exp.Identifier) else str(name)
    else:
        text = node.sql_name()
    return text.strip().lower()


def _refused_function(name: str) -> bool:
    if name in REFUSED_FUNCTIONS:
        return True
    if PG_CATALOGUE_FUNCTIONS.fullmatch(name):
        return False
    return name.startswith(REFUSED_PREFIXES)


def _pragma_refusal(node: exp.Pragma) -> str | None:
    target = node.this
    argument = isinstance(target, exp.EQ)
    if argument:
        target = target.this
    if isinstance(target, exp.Dot):  # schema.pragma
        target = target.expression
    name = target.name.lower() if isinstance(target, exp.Expression) else ""
    if name not in READ_PRAGMAS:
        return f"PRAGMA {name or '?'} is not one that only reports"
    if argument and not READ_PRAGMAS[name]:
        return f"PRAGMA {name} given a value sets it"
    return None


@lru_cache(maxsize=4096)
def refusal(statement: str, dialect: str | None = None) -> str | None:
    """Why ``statement`` may not run on an audit connection, or None for a read.

    Parameters
    ----------
    statement : str
        The SQL about to be sent (parameters are bound separately, so values a client
        wrote never appear in it).
    dialect : str, optional
        The engine family (``sqlite``, ``duckdb``, ``postgresql``, ``mysql``, ``mariadb``);
        the statement is parsed as that server would read it. None parses generic SQL.

    Returns
    -------
    str or None
        The reason to refuse it: it does not parse, it is more than one statement, it is
        not a read (``SET``, ``BEGIN``, ``COMMIT``, ``INSERT``, ``ATTACH``, ``EXPLAIN
        ANALYZE``, a ``PRAGMA`` that sets), a MySQL executable comment, or a read with an
        effect (a data-modifying ``WITH``, a row lock, ``INTO``, a refused function).
    """
    if "/*!" in statement:
        # MySQL runs the text of such a comment; the parser would skip it
        return "MySQL executable comments are not run"
    read = DIALECTS.get(dialect or "")
    text = statement
    if read == "mysql":
        text = _FORMAT_PARAMETER.sub("?", text).replace("%%", "%")
    try:
        parsed = [node for node in sqlglot.parse(text, read=read) if node is not None]
    except SqlglotError:
        return "not a statement of the shapes an audit reads with"
    if len(parsed) != 1:
        return "one statement at a time" if parsed else "an empty statement"
    (root,) = parsed
    if isinstance(root, exp.Subquery):
        root = root.unnest()
    if not isinstance(root, _READ_ROOTS):
        return f"{root.key.upper()} is not a read"
    if isinstance(root, exp.Pragma):
        return _pragma_refusal(root)
    for node in root.walk():
        if isinstance(node, _EFFECTS) and node is not root:
            return f"{node.key.upper()} has an effect beyond reading"
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if _refused_function(name):
                return f"function {name}() has an effect beyond reading this database"
    return None


__all__ = [
    "DIALECTS",
    "PG_CATALOGUE_FUNCTIONS",
    "READ_PRAGMAS",
    "REFUSED_FUNCTIONS",
    "REFUSED_PREFIXES",
    "refusal",
]
