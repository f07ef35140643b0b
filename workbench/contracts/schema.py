"""Building blocks of the contracts: a column declaration and a table contract.

A column is declared with :func:`column`, which returns a ``pandera.Column`` whose metadata
carries what the workbench needs beyond validation: the column's kind (how to coerce
client text into it), its meaning and an example for the data-request workbook.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandera.pandas as pa

from workbench.contracts.vocabulary import YES_NO, Vocabulary

Kind = Literal["id", "text", "date", "number", "integer", "bool", "category"]
KINDS: dict[str, str] = {
    "id": "identifier (text)",
    "text": "text",
    "date": "date (YYYY-MM-DD or an Excel date)",
    "number": "number",
    "integer": "whole number",
    "bool": "yes/no (true/false, yes/no, 1/0)",
    "category": "one of a fixed list",
}


def normalise_name(name: Any) -> str:
    """Column and table names as matched: trimmed, lower-case, spaces and dashes as ``_``."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def column(
    kind: Kind,
    meaning: str,
    example: Any,
    *,
    required: bool = True,
    nullable: bool | None = None,
    unique: bool = False,
    allowed: Sequence[str] | Vocabulary | None = None,
    ge: float | None = None,
    le: float | None = None,
    regex: str | None = None,
    soft: bool = False,
) -> pa.Column:
    """Declare one column of the data request.

    Parameters
    ----------
    kind : str
        How the value is read: id, text, date, number, integer, bool or category.
    meaning : str
        What the column holds, in the client's words (goes into the data-request workbook).
    example : Any
        An example value for the workbook's example row.
    required : bool
        The column must be present. Required columns are also non-null unless ``nullable``.
    allowed : list of str or Vocabulary, optional
        Allowed values. A :class:`Vocabulary` also declares the other spellings that mean
        each (``Closure`` -> ``closing``); values are compared after lower-casing and turning
        spaces and punctuation into ``_``. A bool column takes the yes/no vocabulary.
    ge, le : float, optional
        Inclusive bounds for numbers.
    regex : str, optional
        A pattern every non-empty value must match.
    soft : bool
        Rule failures (allowed values, bounds, pattern) are warnings, not errors: the rows
        are kept and the playbook excludes and names them (e.g. questionnaire answers
        outside 0-5 should not stop a whole audit).
    """
    vocabulary: Vocabulary | None = None
    if isinstance(allowed, Vocabulary):
        vocabulary, allowed = allowed, allowed.values
    elif allowed is not None:
        vocabulary = Vocabulary({value: () for value in allowed})
    if kind == "bool":
        vocabulary = YES_NO
    checks: list[pa.Check] = []
    if allowed is not None:
        checks.append(pa.Check.isin(list(allowed), error=f"one of: {', '.join(allowed)}"))
    if ge is not None:
        checks.append(pa.Check.ge(ge, error=f"a value >= {ge:g}"))
    if le is not None:
        checks.append(pa.Check.le(le, error=f"a value <= {le:g}"))
    if regex is not None:
        checks.append(pa.Check.str_matches(regex, error=f"text matching {regex}"))
    return pa.Column(
        None,
        checks=checks,
        nullable=(not required) if nullable is None else nullable,
        unique=unique,
        required=required,
        description=meaning,
        metadata={
            "kind": kind,
            "example": example,
            "allowed": list(allowed or []),
            "soft": soft,
            "vocabulary": vocabulary,
        },
    )


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the loader and the workbook see it."""

    name: str
    kind: str
    meaning: str
    example: Any
    required: bool
    nullable: bool
    allowed: list[str]
    soft: bool = False
    #: allowed values and their other spellings (category and bool columns)
    vocabulary: Vocabulary | None = None


@dataclass
class TableContract:
    """One input table: its pandera schema, its key and where it is used."""

    name: str
    title: str
    purpose: str
    schema: pa.DataFrameSchema
    key: tuple[str, ...] = ()
    used_by: tuple[str, ...] = ()
    columns: dict[str, ColumnInfo] = field(init=False)

    def __post_init__(self) -> None:
        self.columns = {
            name: ColumnInfo(
                name=name,
                kind=col.metadata["kind"],
                meaning=col.description or "",
                example=col.metadata["example"],
                required=col.required,
                nullable=col.nullable,
                allowed=col.metadata["allowed"],
                soft=col.metadata.get("soft", False),
                vocabulary=col.metadata.get("vocabulary"),
            )
            for name, col in self.schema.columns.items()
        }

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.required]

    @property
    def optional_columns(self) -> list[str]:
        return [c.name for c in self.columns.values() if not c.required]


def table(
    name: str,
    title: str,
    purpose: str,
    columns: dict[str, pa.Column],
    *,
    key: Sequence[str] = (),
    used_by: Sequence[str] = (),
) -> TableContract:
    """Declare a table; a composite ``key`` becomes a pandera uniqueness rule."""
    schema = pa.DataFrameSchema(
        columns,
        name=name,
        strict=False,
        unique=list(key) if len(key) > 1 else None,
        report_duplicates="all",
    )
    return TableContract(name, title, purpose, schema, tuple(key), tuple(used_by))
