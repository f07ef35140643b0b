"""The audit rules a consultant writes for one client database (YAML), parsed and checked.

A rules file says what the catalogue cannot: which columns are required although the
schema allows nulls, which columns form a natural key, what values are valid, which
cross-field relations must hold, how long rows may stay in live tables and which date
column tells a table's age. Every section is optional; an empty file still gives a full
audit from the catalogue and the column names. The documented example is
``playbooks/database-audit/criteria/db_rules.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.dbaudit.dialect import compile_regex
from workbench.engagement import read_yaml
from workbench.errors import InputError

#: ``left op right`` of a cross-field rule: a column, an operator, a column or a literal.
_COMPARE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|!=|<>|=|>|<)\s*(.+?)\s*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Range(BaseModel):
    """Inclusive bounds; numbers, or ISO dates for date columns."""

    model_config = ConfigDict(extra="forbid")

    min: float | dt.date | None = None
    max: float | dt.date | None = None


class Rule(BaseModel):
    """One validation rule on one table.

    Exactly one of ``range``, ``allowed``, ``regex`` or ``compare`` is given. ``column`` is
    required for the first three; ``compare`` names its own columns (``end_date >=
    start_date``). Nulls never violate a rule: missing values are a completeness matter.
    """

    model_config = ConfigDict(extra="forbid")

    table: str
    column: str | None = None
    name: str | None = None
    description: str = ""
    severity: Literal["critical", "high", "medium", "low", "info"] = "medium"
    range: Range | None = None
    allowed: list[Any] | None = None
    regex: str | None = None
    compare: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        kinds = [k for k in ("range", "allowed", "regex", "compare") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("give exactly one of range, allowed, regex or compare")
        if kinds[0] != "compare" and not self.column:
            raise ValueError(f"a {kinds[0]} rule needs a column")
        if self.compare is not None and not _COMPARE.match(self.compare):
            raise ValueError(
                f"compare {self.compare!r} is not 'column op column' or 'column op value' "
                "(op one of >= <= > < = !=)"
            )
        if self.regex is not None:
            try:
                compile_regex(self.regex)
            except ValueError as exc:
                raise ValueError(
                    f"regex {self.regex!r} does not compile as RE2 ({exc}); write it without "
                    "backreferences or lookaround"
                ) from None
        return self

    @property
    def kind(self) -> str:
        """``range``, ``allowed``, ``regex`` or ``compare``."""
        for k in ("range", "allowed", "regex", "compare"):
            if getattr(self, k):
                return k
        return ""  # unreachable after validation

    @property
    def label(self) -> str:
        """The rule's name, or one made from its table, column and kind."""
        if self.name:
            return self.name
        if self.kind == "compare":
            left, op, right = parse_compare(self.compare or "")
            words = {">=": "ge", "<=": "le", ">": "gt", "<": "lt", "=": "eq", "!=": "ne"}
            return f"{self.table}.{left}_{words[op]}_{right}"
        return f"{self.table}.{self.column}.{self.kind}"


class Retention(BaseModel):
    """Rows older than ``retain_years`` (by ``date_column``) should have left the live table."""

    model_config = ConfigDict(extra="forbid")

    date_column: str
    retain_years: float = Field(gt=0)


class AuditRules(BaseModel):
    """Everything a rules file may say; every field is optional."""

    model_config = ConfigDict(extra="forbid")

    schemas: list[str] = Field(default_factory=list)
    required: dict[str, list[str]] = Field(default_factory=dict)
    natural_keys: dict[str, list[list[str]]] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    retention: dict[str, Retention] = Field(default_factory=dict)
    date_columns: dict[str, str | None] = Field(default_factory=dict)
    ignore_tables: list[str] = Field(default_factory=list)

    @field_validator("natural_keys", mode="before")
    @classmethod
    def _keys_as_lists(cls, value: Any) -> Any:
        # ``customers: email`` and ``customers: [email]`` both mean one single-column key;
        # ``customers: [[first_name, last_name], email]`` gives two keys.
        if not isinstance(value, dict):
            return value
        out: dict[str, list[list[str]]] = {}
        for table, keys in value.items():
            if isinstance(keys, str):
                out[table] = [[keys]]
            else:
                out[table] = [[k] if isinstance(k, str) else list(k) for k in keys or []]
        return out

    @field_validator("required", mode="before")
    @classmethod
    def _required_as_lists(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {t: [c] if isinstance(c, str) else list(c or []) for t, c in value.items()}


def parse_compare(text: str) -> tuple[str, str, str]:
    """Split ``"end_date >= start_date"`` into ``("end_date", ">=", "start_date")``.

    ``<>`` is normalised to ``!=``.
    """
    match = _COMPARE.match(text)
    if not match:
        raise ValueError(f"not a comparison: {text!r}")
    left, op, right = match.groups()
    return left, "!=" if op == "<>" else op, right


def compare_literal(text: str) -> tuple[bool, Any]:
    """Whether the right side of a comparison is a column name, and its value otherwise.

    Returns ``(True, name)`` for an identifier, ``(False, value)`` for a quoted string, an
    ISO date or a number.
    """
    text = text.strip()
    if _IDENT.match(text):
        return True, text
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return False, text[1:-1]
    try:
        return False, dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return False, float(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a column, a quoted string, a date nor a number"
        ) from None


def load_rules(source: str | Path | dict[str, Any] | AuditRules | None) -> AuditRules:
    """Read and check a rules file (or a dict already parsed from one).

    Parameters
    ----------
    source : path, dict, AuditRules or None
        ``None`` gives empty rules (the audit then relies on the catalogue and names).

    Raises
    ------
    workbench.errors.InputError
        The file is missing, is not YAML, or breaks the schema; the message names the file
        and the field.
    """
    if source is None:
        return AuditRules()
    if isinstance(source, AuditRules):
        return source
    where = "rules"
    if isinstance(source, (str, Path)):
        path = Path(source)
        where = str(path)
        if not path.exists():
            raise InputError(f"database rules file {path} does not exist")
        # safe YAML without aliases, a regular file of settings size (see read_yaml)
        data = read_yaml(path) or {}
    else:
        data = source
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping at the top level")
    try:
        return AuditRules.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise InputError(f"{where}: {problems}") from None
