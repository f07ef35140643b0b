"""What every check shares: the audit context, bounded samples, name heuristics, the profile.

Only aggregates and bounded samples (at most ``sample_rows`` keys) ever cross the wire;
a check that fails on the server (a timeout, a rule the column's type cannot take) is
recorded as a limitation and the audit carries on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa

from workbench.dbaudit import dialect as dl
from workbench.dbaudit.connect import scrub
from workbench.dbaudit.inventory import Catalogue, ColumnInfo, TableInfo
from workbench.dbaudit.rules import AuditRules

T = TypeVar("T")

_DATE_WORDS = {"date", "dated", "day", "time", "timestamp", "datetime"}
_DATE_SUFFIX = {"at", "on"}
_NUMBER_WORDS = {
    "amount",
    "price",
    "total",
    "cost",
    "qty",
    "quantity",
    "hours",
    "value",
    "rate",
    "balance",
    "budget",
    "salary",
    "fee",
    "tax",
    "discount",
    "units",
    "weight",
    "score",
    "percent",
    "pct",
}
_NOT_A_NUMBER_WORDS = {
    "id",
    "code",
    "phone",
    "fax",
    "zip",
    "postal",
    "postcode",
    "number",
    "no",
    "account",
    "iban",
    "reference",
    "ref",
    "sku",
    "key",
    "mobile",
}
_NATURAL_KEY = re.compile(
    r"^(email|emailaddress|mail|username|login|sku|iban|name|code|.+code|.+number|.+no|.+ref"
    r"|reference)$"
)
_NOT_NATURAL_KEY = re.compile(
    r"(postal|zip|phone|fax|mobile|country|currency|language|status|type|area|region|state"
    r"|city|gender|category|colour|color)"
)
_REQUIRED_NAMES = {"name", "status", "created", "createdat", "createdon", "createddate"}


def words(name: str) -> list[str]:
    """``customer_id``, ``CustomerId`` and ``customerID`` all give ``["customer", "id"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def squash(name: str) -> str:
    """Lower case without separators: ``Customer_Id`` -> ``customerid``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def singulars(name: str) -> set[str]:
    """Squashed forms a table name may take for one entity (``customers`` -> ``customer``)."""
    s = squash(name)
    out = {s}
    if s.endswith("ies"):
        out.add(s[:-3] + "y")
    if s.endswith("es"):
        out.add(s[:-2])
    if s.endswith("s"):
        out.add(s[:-1])
    return out


def is_date_name(name: str) -> bool:
    """The column's name says it holds dates (``invoice_date``, ``created_on``, ``PaidAt``)."""
    w = words(name)
    return bool(_DATE_WORDS.intersection(w)) or (len(w) > 1 and w[-1] in _DATE_SUFFIX)


def is_number_name(name: str) -> bool:
    """The column's name says it holds amounts or quantities (``amount``, ``UnitPrice``)."""
    return bool(_NUMBER_WORDS.intersection(words(name)))


def may_be_number(name: str) -> bool:
    """Digits in this column may be a number (not an id, a code or a phone number)."""
    return not _NOT_A_NUMBER_WORDS.intersection(words(name))


def is_natural_key_name(name: str) -> bool:
    """The column's name suggests a business key (``email``, ``customer_code``, ``invoice_no``)."""
    s = squash(name)
    return bool(_NATURAL_KEY.match(s)) and not _NOT_NATURAL_KEY.search(s) and not s.endswith("id")


def own_id_names(table: str) -> set[str]:
    """Squashed names a table's own identifier may take: ``id``, ``customerid``, ``customersid``."""
    return {"id"} | {f"{s}id" for s in singulars(table)}


def is_required_name(table: str, column: str) -> bool:
    """The column's name says a value must be present (its own id, ``name``, ``status``)."""
    s = squash(column)
    return s in _REQUIRED_NAMES or s in own_id_names(table.split(".")[-1])


def candidate_key(t: TableInfo) -> list[str]:
    """The id column of a table without a primary key, if its name gives one away."""
    ids = own_id_names(t.name)
    for col in t.columns:
        if squash(col.name) in ids:
            return [col.name]
    return []


class SampleKeys(list[str]):
    """Sample keys of a check, with ``query``: the SQL (in the database's dialect) that
    returns all of them, for the findings register to quote. A plain list otherwise."""

    def __init__(self, keys: list[str], query: str | None = None) -> None:
        super().__init__(keys)
        self.query = query


def sql_text(stmt: Any, conn: sa.Connection) -> str | None:
    """A statement as SQL text with its values inline, or None when the dialect cannot."""
    try:
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    except Exception:  # a type with no literal rendering: the finding then names no query
        return None
    return " ".join(str(compiled).split())


def key_columns(t: TableInfo) -> list[str]:
    """Columns that identify a row in samples: PK, else the id column, else the first column."""
    return t.primary_key or candidate_key(t) or [t.columns[0].name]


def key_text(values: tuple[Any, ...] | list[Any]) -> str:
    """One row key as text; composite keys joined by ``|``."""
    return "|".join("" if v is None else _plain(v) for v in values)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def bind_value(col: ColumnInfo, value: Any) -> Any:
    """A rule's literal in the form the column's bind processor expects."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if col.kind == "datetime":
            return dt.datetime.combine(value, dt.time(0))
        if col.kind == "string":
            return value.isoformat()
    if col.kind == "number" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class Profile:
    """One scan of a table: rows, nulls and blanks per column, date- and number-shaped text."""

    rows: int
    nulls: dict[str, int]
    blanks: dict[str, int]
    date_shaped: dict[str, int]
    number_shaped: dict[str, int]

    def missing(self, column: str) -> int:
        """Nulls plus blank strings."""
        return self.nulls.get(column, 0) + self.blanks.get(column, 0)

    def filled(self, column: str) -> int:
        """Non-null, non-blank values."""
        return self.rows - self.missing(column)


@dataclass
class AuditContext:
    """The open connection, the catalogue, the rules and the audit's parameters."""

    conn: sa.Connection
    catalogue: Catalogue
    rules: AuditRules
    as_of: dt.date
    sample_rows: int = 20
    infer_foreign_keys: bool = True
    infer_natural_keys: bool = True
    natural_key_min_distinct: float = 0.9
    freshness_days: int = 45
    limitations: list[tuple[str, str]] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)

    @property
    def backend(self) -> str:
        """The engine family (see :func:`workbench.dbaudit.connect.backend`)."""
        return self.catalogue.backend

    def attempt(self, check: str, what: str, call: Callable[[], T]) -> T | None:
        """Run one query; on a server error record a limitation and return None."""
        try:
            return call()
        except sa.exc.SQLAlchemyError as exc:
            self._recover()
            text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            reason = scrub(text[0] if text else type(exc).__name__, self.secrets)
            self.limitations.append((check, f"{what}: {reason}"))
            return None
        except Exception as exc:  # a scrubbed driver error (connect.DatabaseError) and kin
            self._recover()
            self.limitations.append((check, f"{what}: {scrub(str(exc), self.secrets)}"))
            return None

    def _recover(self) -> None:
        # A failed statement aborts a PostgreSQL transaction; nothing was written, so a
        # rollback only ends the read snapshot.
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            self.conn.rollback()

    def count(self, t: TableInfo, where: Any) -> int:
        """Rows of ``t`` satisfying ``where``."""
        tc = t.clause()
        stmt = sa.select(sa.func.count()).select_from(tc).where(where(tc))
        return int(self.conn.execute(stmt).scalar_one())

    def sample(self, t: TableInfo, where: Any, limit: int | None = None) -> list[str]:
        """Keys of the first rows (by key) satisfying ``where``, at most ``sample_rows``.

        The list carries, as ``query``, the SQL that returns every such key (see
        :class:`SampleKeys`), so a finding can say how to get the rest.
        """
        tc = t.clause()
        cols = [tc.c[c] for c in key_columns(t)]
        every = sa.select(*cols).where(where(tc)).order_by(*cols)
        stmt = every.limit(limit or self.sample_rows)
        return SampleKeys(
            [key_text(tuple(r)) for r in self.conn.execute(stmt)], sql_text(every, self.conn)
        )

    def profile(self, t: TableInfo) -> Profile:
        """The table's profile, from one scan (cached)."""
        key = t.name if t.schema is None else f"{t.schema}.{t.name}"
        if key not in self.profiles:
            self.profiles[key] = _profile(self.conn, self.backend, t)
        return self.profiles[key]


def _nonblank(expr: Any) -> Any:
    return sa.and_(expr.is_not(None), sa.func.trim(expr) != "")


def _profile(conn: sa.Connection, backend: str, t: TableInfo) -> Profile:
    tc = t.clause()
    one, zero = sa.literal(1), sa.literal(0)
    exprs: list[Any] = [sa.func.count().label("rows")]
    labels: list[tuple[str, str, str]] = []
    for i, col in enumerate(t.columns):
        c = tc.c[col.name]
        exprs.append(sa.func.sum(sa.case((c.is_(None), one), else_=zero)).label(f"n{i}"))
        labels.append(("nulls", col.name, f"n{i}"))
        if col.kind == "string":
            trimmed = sa.func.trim(c)
            exprs.append(sa.func.sum(sa.case((trimmed == "", one), else_=zero)).label(f"b{i}"))
            labels.append(("blanks", col.name, f"b{i}"))
            for tag, pattern in (("d", dl.DATE_PATTERN), ("m", dl.NUMBER_PATTERN)):
                shaped = sa.and_(_nonblank(c), dl.regex_match(backend, trimmed, pattern))
                exprs.append(sa.func.sum(sa.case((shaped, one), else_=zero)).label(f"{tag}{i}"))
                labels.append(
                    ("date_shaped" if tag == "d" else "number_shaped", col.name, f"{tag}{i}")
                )
    row = conn.execute(sa.select(*exprs).select_from(tc)).mappings().one()
    out: dict[str, dict[str, int]] = {
        "nulls": {},
        "blanks": {},
        "date_shaped": {},
        "number_shaped": {},
    }
    for kind, column, label in labels:
        out[kind][column] = int(row[label] or 0)
    return Profile(rows=int(row["rows"]), **out)
