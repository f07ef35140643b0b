"""Relational integrity: keys, foreign keys and their orphans, indexes, natural-key duplicates.

Every test is an aggregate or an anti-join run inside the client's database:

- tables without a primary key; for those, whether the column that looks like their id is
  unique (the engine enforces declared keys, so those are not re-tested);
- declared foreign keys, and relationships inferred from names (``customer_id``,
  ``CustomerId`` -> table ``customer``/``customers`` with a matching key), with the number
  of orphan rows: ``NOT EXISTS (SELECT 1 FROM parent WHERE parent.key = child.fk)``;
- foreign-key columns with no index starting with them;
- duplicate natural keys (from the rules, or columns whose name and near-uniqueness give
  them away), compared after ``LOWER(TRIM(...))`` so that every engine agrees.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import sqlalchemy as sa

from workbench.dbaudit import dialect as dl
from workbench.dbaudit.common import (
    AuditContext,
    candidate_key,
    is_natural_key_name,
    key_columns,
    key_text,
    singulars,
    squash,
    words,
)
from workbench.dbaudit.inventory import Catalogue, ForeignKey, TableInfo

_FK_COLUMNS = [
    "relationship",
    "table",
    "column",
    "referred_table",
    "referred_columns",
    "declared",
    "status",
    "child_rows",
    "orphan_rows",
    "orphan_values",
    "sample_keys",
]


def tables_without_primary_key(cat: Catalogue) -> pd.DataFrame:
    """Tables with no declared primary key, and the id-like column each has (if any)."""
    rows = [
        {"table": key, "rows": t.rows, "id_like_column": ", ".join(candidate_key(t))}
        for key, t in cat.tables.items()
        if not t.primary_key
    ]
    return pd.DataFrame(rows, columns=["table", "rows", "id_like_column"])


def _group_duplicates(
    ctx: AuditContext, t: TableInfo, columns: list[str], normalise: bool
) -> tuple[int, int, list[str]] | None:
    """(duplicate groups, rows in them, sample row keys) for a key over ``columns``."""
    tc = t.clause()

    def value(name: str) -> Any:
        col = tc.c[name]
        info = t.column(name)
        if normalise and info is not None and info.kind == "string":
            return dl.exact_text(ctx.backend, sa.func.lower(sa.func.trim(col)))
        return col

    keys = [value(c).label(f"k{i}") for i, c in enumerate(columns)]
    present = sa.and_(
        *[tc.c[c].is_not(None) for c in columns],
        *[sa.func.trim(tc.c[c]) != "" for c in columns if (t.column(c) or _NOCOL).kind == "string"],
    )
    dups = (
        sa.select(*keys, sa.func.count().label("n"))
        .where(present)
        .group_by(*[sa.literal_column(str(i + 1)) for i in range(len(keys))])
        .having(sa.func.count() > 1)
        .subquery()
    )
    stats = ctx.conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(dups.c.n), 0))
    ).one()
    groups, rows = int(stats[0]), int(stats[1])
    if groups == 0:
        return 0, 0, []
    # Sample: rows of the first duplicate groups (by value), at most sample_rows keys.
    first = (
        sa.select(*[dups.c[f"k{i}"] for i in range(len(keys))])
        .order_by(*[dups.c[f"k{i}"] for i in range(len(keys))])
        .limit(ctx.sample_rows)
        .subquery()
    )
    tk = [tc.c[c] for c in key_columns(t)]
    join_on = sa.and_(*[value(c) == first.c[f"k{i}"] for i, c in enumerate(columns)])
    stmt = (
        sa.select(*tk)
        .select_from(tc.join(first, join_on))
        .where(present)
        .order_by(*[first.c[f"k{i}"] for i in range(len(keys))], *tk)
        .limit(ctx.sample_rows)
    )
    sample = [key_text(tuple(r)) for r in ctx.conn.execute(stmt)]
    return groups, rows, sample


class _NoColumn:
    kind = ""


_NOCOL = _NoColumn()


def key_uniqueness(ctx: AuditContext) -> pd.DataFrame:
    """Duplicate values of the id-like column of each table that has no primary key.

    Declared primary keys and unique constraints are enforced by every supported engine,
    so they are reported as enforced and not scanned again.
    """
    rows = []
    for key, t in ctx.catalogue.tables.items():
        if t.primary_key:
            rows.append(
                {
                    "table": key,
                    "key": ", ".join(t.primary_key),
                    "source": "declared",
                    "status": "enforced",
                    "duplicate_groups": 0,
                    "duplicate_rows": 0,
                    "sample_keys": [],
                }
            )
            continue
        cand = candidate_key(t)
        if not cand:
            rows.append(
                {
                    "table": key,
                    "key": "",
                    "source": "none",
                    "status": "no key",
                    "duplicate_groups": None,
                    "duplicate_rows": None,
                    "sample_keys": [],
                }
            )
            continue
        res = ctx.attempt(
            "key_uniqueness",
            f"{key}.{cand[0]}",
            partial(_group_duplicates, ctx, t, cand, False),
        )
        groups, dup_rows, sample = res if res else (None, None, [])
        rows.append(
            {
                "table": key,
                "key": ", ".join(cand),
                "source": "id-like column",
                "status": "tested" if res else "failed",
                "duplicate_groups": groups,
                "duplicate_rows": dup_rows,
                "sample_keys": sample,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "table",
            "key",
            "source",
            "status",
            "duplicate_groups",
            "duplicate_rows",
            "sample_keys",
        ],
    )


def infer_foreign_keys(cat: Catalogue) -> list[ForeignKey]:
    """Relationships the names imply but the catalogue does not declare.

    A column whose name ends in ``id`` (``customer_id``, ``CustomerId``, ``customerid``)
    points at a table named after its stem (``customer``, ``customers``, ``customeries`` is
    not tried) when that table has a single-column primary key, or a column with the same
    squashed name. A table's own key and columns already in a declared foreign key are
    skipped.
    """
    by_name: dict[str, list[str]] = {}
    for key, t in cat.tables.items():
        for s in singulars(t.name):
            by_name.setdefault(s, []).append(key)
    out: list[ForeignKey] = []
    for key, t in cat.tables.items():
        declared = {c for fk in t.foreign_keys for c in fk.columns}
        for col in t.columns:
            w = words(col.name)
            if len(w) < 2 or w[-1] != "id" or col.name in declared:
                continue
            if t.primary_key == [col.name]:
                continue
            stem = squash("".join(w[:-1]))
            parents = by_name.get(stem, [])
            for parent_key in parents:
                parent = cat.tables[parent_key]
                if parent_key == key and parent.primary_key == [col.name]:
                    continue
                if len(parent.primary_key) == 1:
                    ref = parent.primary_key[0]
                else:
                    ref = next(
                        (
                            c.name
                            for c in parent.columns
                            if squash(c.name) in (squash(col.name), "id")
                        ),
                        "",
                    )
                if not ref:
                    continue
                out.append(
                    ForeignKey(
                        table=key,
                        columns=[col.name],
                        referred_table=parent_key,
                        referred_columns=[ref],
                        declared=False,
                    )
                )
                break
    return out


def _compatible(child: TableInfo, parent: TableInfo, fk: ForeignKey) -> bool:
    for c, p in zip(fk.columns, fk.referred_columns, strict=True):
        ci, pi = child.column(c), parent.column(p)
        if ci is None or pi is None:
            return False
        if ci.kind != pi.kind and {ci.kind, pi.kind} != {"date", "datetime"}:
            return False
    return True


def orphan_rows(ctx: AuditContext, fk: ForeignKey) -> dict[str, Any]:
    """Count the child rows whose (non-null) foreign key has no parent row, with samples."""
    cat = ctx.catalogue
    child, parent = cat.table(fk.table), cat.table(fk.referred_table)
    base = {
        "relationship": fk.label,
        "table": fk.table,
        "column": ", ".join(fk.columns),
        "referred_table": fk.referred_table,
        "referred_columns": ", ".join(fk.referred_columns),
        "declared": fk.declared,
        "child_rows": None,
        "orphan_rows": None,
        "orphan_values": None,
        "sample_keys": [],
    }
    if child is None or parent is None:
        return {**base, "status": "parent table not audited"}
    if not _compatible(child, parent, fk):
        return {**base, "status": "types differ, not tested"}
    p = parent.clause().alias("p")

    def orphan(tc: Any) -> Any:
        match = sa.and_(
            *[p.c[pc] == tc.c[cc] for cc, pc in zip(fk.columns, fk.referred_columns, strict=True)]
        )
        return sa.and_(
            *[tc.c[cc].is_not(None) for cc in fk.columns],
            ~sa.exists(sa.select(sa.literal(1)).select_from(p).where(match)),
        )

    def run() -> dict[str, Any]:
        n = ctx.count(child, orphan)
        values = 0
        sample: list[str] = []
        if n:
            tc = child.clause()
            distinct = (
                sa.select(*[tc.c[c] for c in fk.columns]).where(orphan(tc)).distinct().subquery()
            )
            values = int(
                ctx.conn.execute(sa.select(sa.func.count()).select_from(distinct)).scalar_one()
            )
            sample = ctx.sample(child, orphan)
        return {
            **base,
            "status": "tested",
            "child_rows": child.rows,
            "orphan_rows": n,
            "orphan_values": values,
            "sample_keys": sample,
        }

    res = ctx.attempt("orphans", fk.label, run)
    return res if res is not None else {**base, "status": "failed"}


def foreign_key_orphans(ctx: AuditContext) -> pd.DataFrame:
    """Orphan rows per declared foreign key and per inferred relationship."""
    fks = [fk for t in ctx.catalogue.tables.values() for fk in t.foreign_keys]
    if ctx.infer_foreign_keys:
        fks += infer_foreign_keys(ctx.catalogue)
    rows = [orphan_rows(ctx, fk) for fk in fks]
    return pd.DataFrame(rows, columns=_FK_COLUMNS)


def unindexed_foreign_keys(cat: Catalogue, relationships: pd.DataFrame) -> pd.DataFrame:
    """Foreign-key columns (declared or inferred) that no index starts with.

    A join or a cascading check on such a column scans the whole child table.
    """
    rows = []
    for rel in relationships.itertuples(index=False):
        t = cat.table(str(rel.table))
        if t is None:
            continue
        cols = [c.strip() for c in str(rel.column).split(",")]
        covered = any(
            [c.lower() for c in idx[: len(cols)]] == [c.lower() for c in cols]
            for idx in t.indexed_prefixes()
        )
        if not covered:
            rows.append(
                {
                    "table": rel.table,
                    "column": rel.column,
                    "relationship": rel.relationship,
                    "declared": rel.declared,
                    "rows": t.rows,
                }
            )
    return pd.DataFrame(rows, columns=["table", "column", "relationship", "declared", "rows"])


def natural_key_duplicates(ctx: AuditContext) -> pd.DataFrame:
    """Duplicate values of natural keys declared in the rules or inferred from names.

    Inferred candidates are single string or number columns named like a business key
    (``email``, ``*_code``, ``*_number``, ``name``) that the engine does not already keep
    unique; they are reported only when at least ``natural_key_min_distinct`` of their
    values are distinct (the column is meant to be unique, a few rows break it). Values are
    compared after ``LOWER(TRIM(...))``.
    """
    rows = []
    for key, t in ctx.catalogue.tables.items():
        declared = [
            list(k)
            for k in ctx.rules.natural_keys.get(key, []) or ctx.rules.natural_keys.get(t.name, [])
        ]
        candidates: list[tuple[list[str], str]] = []
        for cols in declared:
            resolved = [t.column(c) for c in cols]
            if any(r is None for r in resolved):
                ctx.limitations.append(("natural_keys", f"{key}: no column {cols}"))
                continue
            candidates.append(([r.name for r in resolved if r is not None], "rules"))
        if ctx.infer_natural_keys:
            unique = {tuple(c.lower() for c in u) for u in t.unique_sets()}
            taken = {tuple(c.lower() for c in cols) for cols, _ in candidates}
            fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
            for col in t.columns:
                if (
                    col.kind in ("string", "number")
                    and is_natural_key_name(col.name)
                    and (col.name.lower(),) not in unique | taken
                    and col.name not in fk_cols
                ):
                    candidates.append(([col.name], "name"))
        for cols, source in candidates:
            res = ctx.attempt(
                "natural_keys",
                f"{key}.{'+'.join(cols)}",
                partial(_group_duplicates, ctx, t, cols, True),
            )
            if res is None:
                continue
            groups, dup_rows, sample = res
            filled = t.rows
            if len(cols) == 1:
                filled = ctx.profile(t).filled(cols[0])
            distinct = filled - dup_rows + groups
            share = distinct / filled if filled else 1.0
            if source == "name" and (share < ctx.natural_key_min_distinct or groups == 0):
                continue
            rows.append(
                {
                    "table": key,
                    "column": ", ".join(cols),
                    "source": source,
                    "values": filled,
                    "distinct_share": round(share, 6),
                    "duplicate_groups": groups,
                    "duplicate_rows": dup_rows,
                    "sample_keys": sample,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "table",
            "column",
            "source",
            "values",
            "distinct_share",
            "duplicate_groups",
            "duplicate_rows",
            "sample_keys",
        ],
    )
