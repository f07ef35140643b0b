"""Turn the database audit's result tables into findings and metrics.

Pure functions of DataFrames. Each finding names its table and column in the title and
carries the true exception count; ``entities.ids`` holds the sample keys behind it (at most
``sample_rows`` per check, since the audit never pulls a whole table), and where there are
more the summary quotes the read-only query that returns every one of them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.findings import Finding, Metric, finding_from_ids

AREA = "Data quality"


def _finding(
    check: str,
    code: str,
    severity: str,
    title: str,
    summary: str,
    entity_type: str,
    ids: list[Any],
    population: int,
    exceptions: int,
    recommendation: str = "",
    corrective_action: str = "",
    preventive_action: str = "",
    owner_role: str = "Data owner",
) -> Finding:
    """A data-quality finding: ``ids`` are the sample keys, ``exceptions`` the full count."""
    return finding_from_ids(
        check=check,
        area=AREA,
        severity=severity,  # type: ignore[arg-type]  # the rules file's severities are checked
        title=title,
        summary=summary,
        entity_type=entity_type,
        ids=ids,
        population_count=population,
        exception_count=exceptions,
        code=code,
        recommendation=recommendation,
        corrective_action=corrective_action,
        preventive_action=preventive_action,
        owner_role=owner_role,
    )


def _keys_note(sample: list[str], total: int) -> str:
    if not sample:
        return ""
    more = "" if len(sample) >= total else f" (first {len(sample)} of {total})"
    note = f" Keys{more}: {', '.join(sample[:5])}{', ...' if len(sample) > 5 else ''}."
    query = getattr(sample, "query", None)
    if len(sample) < total:
        note += (
            f" The register lists these {len(sample)}; every one of the {total} is returned by: "
            f"{query}"
            if query
            else f" The register lists these {len(sample)} of the {total}."
        )
    return note


def audit_findings(r: Any) -> list[Finding]:
    """Every finding of an :class:`~workbench.dbaudit.audit.AuditResult`, in section order."""
    out: list[Finding] = []
    tables = r.inventory["tables"]
    if len(r.no_primary_key):
        names = list(r.no_primary_key.table)
        out.append(
            _finding(
                "no_primary_key",
                "NOPK",
                "medium",
                f"{len(names)} table(s) without a primary key",
                f"{', '.join(names)} declare no primary key: nothing stops two identical rows, and "
                "no other table can reference a row reliably.",
                "table",
                names,
                len(tables),
                len(names),
                recommendation="Declare a primary key on every table.",
                corrective_action="Remove duplicates, then add a surrogate or natural primary key.",
                preventive_action="Make a primary key part of the schema review for new tables.",
            )
        )
    for k in r.keys.itertuples(index=False):
        if k.status == "tested" and k.duplicate_groups:
            out.append(
                _finding(
                    "key_not_unique",
                    "PKDUP",
                    "high",
                    f"{k.table}.{k.key} is not unique",
                    f"{k.table} has no primary key and its id column {k.key} repeats: "
                    f"{k.duplicate_groups} values on {k.duplicate_rows} rows."
                    + _keys_note(k.sample_keys, k.duplicate_rows),
                    str(k.table),
                    k.sample_keys,
                    int(tables.loc[tables.table == k.table, "rows"].iloc[0]),
                    k.duplicate_rows,
                    recommendation=f"Deduplicate {k.table} and declare {k.key} as its primary key.",
                )
            )
    for rel in r.relationships.itertuples(index=False):
        if rel.status != "tested" or not rel.orphan_rows:
            continue
        declared = bool(rel.declared)
        out.append(
            _finding(
                "orphan_rows" if declared else "orphan_rows_inferred",
                "ORPH" if declared else "IORPH",
                "high" if declared else "medium",
                f"{rel.orphan_rows} orphan rows in {rel.table}.{rel.column}",
                f"{rel.orphan_rows} of {rel.child_rows} rows of {rel.table} point through "
                f"{rel.column} at {rel.orphan_values} {rel.referred_table} key value(s) that do "
                f"not "
                f"exist ({'declared' if declared else 'undeclared, inferred from the name'} "
                f"relationship {rel.relationship})." + _keys_note(rel.sample_keys, rel.orphan_rows),
                str(rel.table),
                rel.sample_keys,
                rel.child_rows,
                rel.orphan_rows,
                recommendation="Restore or re-point the missing parents, then enforce the key.",
                corrective_action=f"Resolve the {rel.orphan_rows} rows listed.",
                preventive_action="Enforce the foreign key (validate it where the engine allows "
                "deferring validation).",
            )
        )
    undeclared = r.relationships[~r.relationships.declared.astype(bool)]
    if len(undeclared):
        labels = list(undeclared.relationship)
        out.append(
            _finding(
                "undeclared_foreign_keys",
                "UNDECL",
                "low",
                f"{len(labels)} relationship(s) used but not declared",
                "Column names imply these relationships but the schema does not declare them, so "
                f"the engine does not guard them: {'; '.join(labels)}.",
                "relationship",
                labels,
                len(r.relationships),
                len(labels),
                recommendation="Declare the foreign keys once their orphans are resolved.",
            )
        )
    if len(r.unindexed_foreign_keys):
        labels = [f"{x.table}.{x.column}" for x in r.unindexed_foreign_keys.itertuples()]
        out.append(
            _finding(
                "unindexed_foreign_keys",
                "FKIDX",
                "low",
                f"{len(labels)} foreign-key column(s) without an index",
                f"No index starts with {', '.join(labels)}: joins and parent deletes scan the "
                "whole child table.",
                "column",
                labels,
                len(r.relationships),
                len(labels),
                recommendation="Index each foreign-key column.",
                owner_role="DBA",
            )
        )
    for nk in r.natural_keys.itertuples(index=False):
        if not nk.duplicate_groups:
            continue
        out.append(
            _finding(
                "duplicate_natural_key",
                "NKDUP",
                "medium",
                f"Duplicate {nk.column} in {nk.table}",
                f"{nk.duplicate_groups} {nk.column} value(s) appear on {nk.duplicate_rows} rows of "
                f"{nk.table} (compared ignoring case and surrounding blanks; key from "
                f"{nk.source})." + _keys_note(nk.sample_keys, nk.duplicate_rows),
                str(nk.table),
                nk.sample_keys,
                nk.values,
                nk.duplicate_rows,
                recommendation=f"Merge the duplicates and make {nk.column} unique.",
            )
        )
    for m in r.required.itertuples(index=False):
        if not m.missing:
            continue
        out.append(
            _finding(
                "missing_required",
                "NULL",
                "medium",
                f"{m.missing} missing {m.table}.{m.column}",
                f"{m.table}.{m.column} is required ({m.source}) but {m.nulls} rows are null and "
                f"{m.blanks} blank, {m.share:.1%} of {m.rows}."
                + _keys_note(m.sample_keys, m.missing),
                str(m.table),
                m.sample_keys,
                m.rows,
                m.missing,
                recommendation=f"Complete {m.column} and declare it NOT NULL.",
            )
        )
    for x in r.text_types.itertuples(index=False):
        what = "dates" if x.holds == "date" else "numbers"
        out.append(
            _finding(
                f"{x.holds}_as_text",
                "TXTDATE" if x.holds == "date" else "TXTNUM",
                "medium" if x.unparseable else "low",
                f"{x.table}.{x.column} keeps {what} as text ({x.unparseable} do not parse)",
                f"{x.table}.{x.column} is {x.type} but holds {what}; {x.unparseable} of {x.values} "
                f"values ({x.share_unparseable:.1%}) do not parse, so sorting, filtering and sums "
                "on "
                "it are unreliable." + _keys_note(x.sample_keys, x.unparseable),
                str(x.table),
                x.sample_keys,
                x.values,
                x.unparseable,
                recommendation=f"Clean the values and convert the column to a {x.holds} type.",
            )
        )
    for v in r.rules.itertuples(index=False):
        if v.status != "tested" or not v.violations:
            continue
        out.append(
            _finding(
                "rule_violation",
                "RULE",
                str(v.severity),
                f"{v.violations} rows of {v.table} break rule {v.rule}",
                f"Rule {v.rule} ({v.definition}) fails on {v.violations} of {v.rows} rows of "
                f"{v.table} ({v.share:.1%}). {v.description}".rstrip()
                + _keys_note(v.sample_keys, v.violations),
                str(v.table),
                v.sample_keys,
                v.rows,
                v.violations,
                recommendation="Correct the rows and enforce the rule (CHECK constraint or "
                "application validation).",
            )
        )
    for x in r.retention.itertuples(index=False):
        if not x.rows_past_retention:
            continue
        out.append(
            _finding(
                "past_retention",
                "RET",
                "medium",
                f"{x.rows_past_retention} rows of {x.table} kept past retention",
                f"{x.rows_past_retention} rows of {x.table} have {x.date_column} before {x.cutoff} "
                f"({x.retain_years:g} years before the as-of date); the oldest is {x.oldest}."
                + _keys_note(x.sample_keys, x.rows_past_retention),
                str(x.table),
                x.sample_keys,
                x.rows,
                x.rows_past_retention,
                recommendation="Archive or dispose of the rows as the retention policy says.",
                owner_role="Records manager",
            )
        )
    stale = r.freshness[r.freshness.stale.astype(bool)]
    if len(stale):
        names = list(stale.table)
        detail = "; ".join(
            f"{s.table} (latest {s.latest}, {s.days_behind} days"
            + (
                f"; {s.future_rows} row(s) dated after the as-of date not counted"
                if s.future_rows
                else ""
            )
            + ")"
            for s in stale.itertuples()
        )
        out.append(
            _finding(
                "stale_tables",
                "STALE",
                "low",
                f"{len(names)} table(s) not updated recently",
                f"The latest row is more than {r.parameters['freshness_days']} days before "
                f"{r.as_of}: {detail}.",
                "table",
                names,
                len(r.freshness),
                len(names),
                recommendation="Confirm whether these tables are still fed, and by what.",
            )
        )
    for s in r.freshness.itertuples(index=False):
        if s.future_rows:
            out.append(
                _finding(
                    "future_dates",
                    "FUTURE",
                    "low",
                    f"{s.future_rows} rows of {s.table} dated after the as-of date",
                    f"{s.future_rows} rows of {s.table} have {s.date_column} after {r.as_of}.",
                    "table",
                    [s.table],
                    s.rows,
                    s.future_rows,
                    recommendation="Check the rows for keying errors.",
                )
            )
    return out


def audit_metrics(r: Any) -> list[Metric]:
    """The numbers the chapter shows, as metric rows."""
    out: list[Metric] = []
    for t in r.inventory["tables"].itertuples(index=False):
        out.append(Metric("rows", float(t.rows), "rows", "table", str(t.table)))
        if t.size_bytes is not None and not pd.isna(t.size_bytes):
            out.append(Metric("size", float(t.size_bytes), "bytes", "table", str(t.table)))
    for rel in r.relationships.itertuples(index=False):
        if rel.status == "tested":
            out.append(
                Metric(
                    "orphan_rows",
                    float(rel.orphan_rows),
                    "rows",
                    "relationship",
                    str(rel.relationship),
                )
            )
    for m in r.required.itertuples(index=False):
        if m.source != "not null":
            out.append(
                Metric(
                    "missing_required", float(m.missing), "rows", "column", f"{m.table}.{m.column}"
                )
            )
    for v in r.rules.itertuples(index=False):
        if v.status == "tested":
            out.append(Metric("rule_violations", float(v.violations), "rows", "rule", str(v.rule)))
    for s in r.scorecard.itertuples(index=False):
        for dim in ("completeness", "uniqueness", "validity", "consistency", "timeliness", "score"):
            value = getattr(s, dim)
            if value is not None and not pd.isna(value):
                out.append(Metric(f"dq_{dim}", float(value), "share", "table", str(s.table)))
    for d in r.database_score.itertuples(index=False):
        if d.score is not None and not pd.isna(d.score):
            out.append(
                Metric(f"dq_{d.dimension}", float(d.score), "share", "database", r.database_label)
            )
    return out
