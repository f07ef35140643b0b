"""Validity and accuracy: missing required values, numbers and dates kept as text, user rules.

- Required columns are those the rules list, or whose name says a value must be present
  (the table's own id, ``name``, ``status``, ``created_at``), where the schema does not
  declare ``NOT NULL``. Missing means null or blank.
- A text column holds dates when its name says so or at least half its values are
  date-shaped; numbers when its name says so, or at least 90% of values are plain
  decimals and the name is not an id, code or phone number. The values that do not
  parse are counted (patterns in :mod:`workbench.dbaudit.dialect`).
- Rules (range, allowed values, regex, cross-field comparison) are evaluated as one
  ``COUNT(*)`` each; nulls never violate a rule.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pandas as pd
import sqlalchemy as sa

from workbench.dbaudit import dialect as dl
from workbench.dbaudit.common import (
    AuditContext,
    bind_value,
    is_date_name,
    is_number_name,
    is_required_name,
    may_be_number,
)
from workbench.dbaudit.inventory import TableInfo
from workbench.dbaudit.rules import Rule, compare_literal, parse_compare

_OPS = {">=": "__ge__", "<=": "__le__", ">": "__gt__", "<": "__lt__", "=": "__eq__", "!=": "__ne__"}


def required_columns(ctx: AuditContext, t: TableInfo, key: str) -> list[tuple[str, str]]:
    """(column, source) of the required columns of a table: rules, name, or NOT NULL."""
    listed = ctx.rules.required.get(key) or ctx.rules.required.get(t.name) or []
    out: list[tuple[str, str]] = []
    for name in listed:
        col = t.column(name)
        if col is None:
            ctx.limitations.append(("required", f"{key}: no column {name}"))
            continue
        out.append((col.name, "rules"))
    seen = {c for c, _ in out}
    for col in t.columns:
        if col.name in seen:
            continue
        if not col.nullable:
            out.append((col.name, "not null"))
        elif is_required_name(key, col.name):
            out.append((col.name, "name"))
    return out


def missing_required(ctx: AuditContext) -> pd.DataFrame:
    """Nulls and blanks in required columns, per column (declared NOT NULL: blanks only)."""
    rows = []
    for key, t in ctx.catalogue.tables.items():
        prof = ctx.attempt("required", key, partial(ctx.profile, t))
        if prof is None:
            continue
        for name, source in required_columns(ctx, t, key):
            col = t.column(name)
            assert col is not None
            nulls, blanks = prof.nulls.get(name, 0), prof.blanks.get(name, 0)
            missing = nulls + blanks
            sample: list[str] = []
            if missing:

                def where(tc: Any, name: str = name, is_text: bool = col.kind == "string") -> Any:
                    c = tc.c[name]
                    return sa.or_(c.is_(None), sa.func.trim(c) == "") if is_text else c.is_(None)

                sample = (
                    ctx.attempt("required", f"{key}.{name}", partial(ctx.sample, t, where)) or []
                )
            rows.append(
                {
                    "table": key,
                    "column": name,
                    "source": source,
                    "rows": prof.rows,
                    "nulls": nulls,
                    "blanks": blanks,
                    "missing": missing,
                    "share": missing / prof.rows if prof.rows else 0.0,
                    "sample_keys": sample,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "table",
            "column",
            "source",
            "rows",
            "nulls",
            "blanks",
            "missing",
            "share",
            "sample_keys",
        ],
    )


def text_typed_values(ctx: AuditContext) -> pd.DataFrame:
    """Text columns that hold dates or numbers, and how many of their values do not parse."""
    rows = []
    for key, t in ctx.catalogue.tables.items():
        prof = ctx.attempt("text_types", key, partial(ctx.profile, t))
        if prof is None:
            continue
        for col in t.columns:
            if col.kind != "string":
                continue
            filled = prof.filled(col.name)
            if filled == 0:
                continue
            dates, numbers = prof.date_shaped[col.name], prof.number_shaped[col.name]
            holds = ""
            if is_date_name(col.name) or dates / filled >= 0.5:
                holds, parsed, pattern = "date", dates, dl.DATE_PATTERN
            elif is_number_name(col.name) or (numbers / filled >= 0.9 and may_be_number(col.name)):
                holds, parsed, pattern = "number", numbers, dl.NUMBER_PATTERN
            if not holds:
                continue
            bad = filled - parsed
            sample: list[str] = []
            if bad:

                def where(tc: Any, name: str = col.name, pattern: str = pattern) -> Any:
                    c = tc.c[name]
                    return sa.and_(
                        c.is_not(None),
                        sa.func.trim(c) != "",
                        sa.not_(dl.regex_match(ctx.backend, sa.func.trim(c), pattern)),
                    )

                sample = (
                    ctx.attempt(
                        "text_types",
                        f"{key}.{col.name}",
                        partial(ctx.sample, t, where),
                    )
                    or []
                )
            rows.append(
                {
                    "table": key,
                    "column": col.name,
                    "type": col.type_name,
                    "holds": holds,
                    "values": filled,
                    "parsed": parsed,
                    "unparseable": bad,
                    "share_unparseable": bad / filled,
                    "sample_keys": sample,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "table",
            "column",
            "type",
            "holds",
            "values",
            "parsed",
            "unparseable",
            "share_unparseable",
            "sample_keys",
        ],
    )


def _rule_condition(ctx: AuditContext, t: TableInfo, rule: Rule) -> Any:
    """A function of the table clause giving the violation condition, or a reason string."""
    backend = ctx.backend
    if rule.kind == "compare":
        left_name, op, right_text = parse_compare(rule.compare or "")
        left = t.column(left_name)
        if left is None:
            return f"no column {left_name}"
        is_col, right_value = compare_literal(right_text)
        right = t.column(right_value) if is_col else None
        if is_col and right is None:
            return f"no column {right_value}"

        def compare(tc: Any) -> Any:
            lhs = tc.c[left.name]
            rhs = (
                tc.c[right.name]
                if right is not None
                else sa.literal(bind_value(left, right_value), left.type)
            )
            holds = getattr(lhs, _OPS[op])(rhs)
            present = [lhs.is_not(None)] + ([rhs.is_not(None)] if right is not None else [])
            return sa.and_(*present, sa.not_(holds))

        return compare
    col = t.column(rule.column or "")
    if col is None:
        return f"no column {rule.column}"
    if rule.kind == "range":
        rng = rule.range
        assert rng is not None
        bounds = [b for b in (rng.min, rng.max) if b is not None]
        if col.kind == "number" and any(isinstance(b, dt.date) for b in bounds):
            return "date bounds on a number column"
        if col.kind in ("date", "datetime") and any(not isinstance(b, dt.date) for b in bounds):
            return "number bounds on a date column"
        if col.kind not in ("number", "date", "datetime", "string"):
            return f"range on a {col.type_name} column"
        if col.kind == "string" and any(not isinstance(b, dt.date) for b in bounds):
            return "number bounds on a text column (see the numbers-stored-as-text check)"

        def out_of_range(tc: Any) -> Any:
            c = tc.c[col.name]
            parts = []
            if rng.min is not None:
                parts.append(c < sa.literal(bind_value(col, rng.min), col.type))
            if rng.max is not None:
                parts.append(c > sa.literal(bind_value(col, rng.max), col.type))
            return sa.and_(c.is_not(None), sa.or_(*parts))

        return out_of_range
    if rule.kind == "allowed":
        values = [bind_value(col, v) for v in rule.allowed or []]
        if col.kind == "string":
            values = [str(v) for v in values]

        def not_allowed(tc: Any) -> Any:
            c = tc.c[col.name]
            target = dl.exact_text(backend, c) if col.kind == "string" else c
            return sa.and_(c.is_not(None), target.not_in(values))

        return not_allowed

    pattern = rule.regex or ""

    def no_match(tc: Any) -> Any:
        c = tc.c[col.name]
        text = c if col.kind == "string" else dl.as_text(c)
        return sa.and_(c.is_not(None), sa.not_(dl.regex_match(backend, text, pattern)))

    return no_match


def rule_violations(ctx: AuditContext) -> pd.DataFrame:
    """Each rule of the rules file: rows tested, violations, share and sample keys."""
    rows = []
    for rule in ctx.rules.rules:
        t = ctx.catalogue.table(rule.table)
        base: dict[str, Any] = {
            "rule": rule.label,
            "table": rule.table,
            "column": rule.column or "",
            "kind": rule.kind,
            "definition": _definition(rule),
            "severity": rule.severity,
            "description": rule.description,
            "rows": None,
            "violations": None,
            "share": None,
            "sample_keys": [],
        }
        if t is None:
            ctx.limitations.append(("rules", f"{rule.label}: no table {rule.table}"))
            rows.append({**base, "status": "no such table"})
            continue
        cond = _rule_condition(ctx, t, rule)
        if isinstance(cond, str):
            ctx.limitations.append(("rules", f"{rule.label}: {cond}"))
            rows.append({**base, "status": cond})
            continue

        def run(t: TableInfo = t, cond: Any = cond) -> tuple[int, list[str]]:
            n = ctx.count(t, cond)
            return n, (ctx.sample(t, cond) if n else [])

        res = ctx.attempt("rules", rule.label, run)
        if res is None:
            rows.append({**base, "status": "failed"})
            continue
        n, sample = res
        rows.append(
            {
                **base,
                "status": "tested",
                "rows": t.rows,
                "violations": n,
                "share": n / t.rows if t.rows else 0.0,
                "sample_keys": sample,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "rule",
            "table",
            "column",
            "kind",
            "definition",
            "severity",
            "description",
            "status",
            "rows",
            "violations",
            "share",
            "sample_keys",
        ],
    )


def _definition(rule: Rule) -> str:
    if rule.kind == "range" and rule.range is not None:
        return f"{rule.column} between {rule.range.min} and {rule.range.max}"
    if rule.kind == "allowed":
        return f"{rule.column} in {rule.allowed}"
    if rule.kind == "regex":
        return f"{rule.column} matches {rule.regex}"
    return str(rule.compare)
