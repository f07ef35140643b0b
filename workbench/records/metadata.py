"""Metadata completeness of the records register (ISO 15489-1:2016, ISO 16175).

Authoritative records carry metadata on their identity, business context, agents, dates,
format and storage, security and disposal. The schema (field -> ISO element, required) ships
as the playbook's criteria ``metadata_schema.csv``. Completeness is measured per field and
per team (the team of the project's PM).
"""

from __future__ import annotations

import pandas as pd

from workbench.findings import CheckResult, Finding
from workbench.records.register import (
    is_blank,
    normalise_key,
    outcome_frame,
    record_finding,
    truthy,
)


def schema_fields(schema: pd.DataFrame) -> pd.DataFrame:
    """The metadata schema in canonical form: field, element, required, finding (bools)."""
    frame = schema.copy()
    frame.columns = [normalise_key(c) for c in frame.columns]
    if "field" not in frame.columns:
        raise ValueError("the metadata schema needs a 'field' column")
    out = pd.DataFrame({"field": [normalise_key(v) for v in frame["field"]]})
    out["element"] = frame["element"].astype("string").to_numpy() if "element" in frame else ""
    out["required"] = truthy(frame["required"]).to_numpy() if "required" in frame else True
    out["finding"] = truthy(frame["finding"]).to_numpy() if "finding" in frame else True
    return out[out["field"] != ""].drop_duplicates("field").reset_index(drop=True)


def field_completeness(register: pd.DataFrame, schema: pd.DataFrame) -> pd.DataFrame:
    """Share of records with each schema field filled.

    Returns
    -------
    DataFrame
        field, element, required, provided (column present), filled, missing, completeness
        (NaN when the column was not provided).
    """
    fields = schema_fields(schema)
    rows = []
    for f in fields.itertuples(index=False):
        if f.field in register.columns:
            missing = int(is_blank(register[f.field]).sum())
            filled = len(register) - missing
            share = filled / len(register) if len(register) else float("nan")
            rows.append((f.field, f.element, f.required, True, filled, missing, share))
        else:
            rows.append((f.field, f.element, f.required, False, 0, len(register), float("nan")))
    return pd.DataFrame(
        rows,
        columns=["field", "element", "required", "provided", "filled", "missing", "completeness"],
    )


def team_completeness(register: pd.DataFrame, schema: pd.DataFrame) -> pd.DataFrame:
    """Completeness per team (rows) and provided required field (columns), plus ``overall``."""
    fields = schema_fields(schema)
    cols = [f for f in fields.loc[fields["required"], "field"] if f in register.columns]
    filled = pd.DataFrame({c: ~is_blank(register[c]) for c in cols}, index=register.index)
    filled["team"] = register["team"].to_numpy()
    table = filled.groupby("team")[cols].mean()
    table["overall"] = table[cols].mean(axis=1) if cols else float("nan")
    table["records"] = filled.groupby("team").size()
    return table


def metadata_incomplete(
    register: pd.DataFrame, schema: pd.DataFrame, threshold: float = 0.95
) -> CheckResult:
    """Records missing a required metadata field.

    One finding per field that is missing anywhere (fields flagged ``finding: no`` in the
    schema, e.g. ``retention_class`` which has its own check, count in the completeness
    table but raise no finding and fail no item here). Severity is medium when the field's
    completeness is below ``threshold``, else low.

    Returns
    -------
    CheckResult
        ``tested`` has one item per record: passed when every required, provided field
        that raises findings is filled.
    """
    check = "metadata_incomplete"
    fields = schema_fields(schema)
    required = fields[fields["required"]]
    present = [f for f in required["field"] if f in register.columns]
    absent = [f for f in required["field"] if f not in register.columns]
    if not present:
        return CheckResult.skipped(check, "none of the required metadata fields is provided")
    blank = pd.DataFrame({f: is_blank(register[f]) for f in present}, index=register.index)
    # fields with their own check (finding: no) are left to it, so a gap is not scored twice
    own = [f for f in present if f in set(required.loc[required["finding"], "field"])]
    failed = blank[own].any(axis=1) if own else pd.Series(False, index=register.index)
    tested = outcome_frame(register["record_id"], register["project_id"], ~failed)
    table = field_completeness(register, schema).set_index("field")
    findings: list[Finding] = []
    details = []
    for f in required.itertuples(index=False):
        if f.field not in present or not f.finding:
            continue
        missing = register.loc[blank[f.field], ["record_id", "project_id", "doc_type", "team"]]
        if missing.empty:
            continue
        details.append(missing.assign(field=f.field))
        share = float(table.loc[f.field, "completeness"])
        findings.append(
            record_finding(
                check,
                "Metadata",
                "medium" if share < threshold else "low",
                f"Metadata field '{f.field}' missing on {len(missing)} record(s)",
                (
                    f"'{f.field}' ({f.element}) is filled on {share:.1%} of {len(register)} "
                    f"records; {len(missing)} records lack it."
                ),
                sorted(missing["record_id"]),
                len(register),
                "META",
                recommendation=f"Complete '{f.field}' on the listed records.",
                corrective_action="Record owners fill the field; PMO samples the result.",
                preventive_action=(
                    f"Make '{f.field}' a mandatory library column with a default where one "
                    "exists (e.g. owner = author)."
                ),
                owner_role="Document controller",
            )
        )
    detail = (
        pd.concat(details, ignore_index=True)
        if details
        else pd.DataFrame(columns=["record_id", "project_id", "doc_type", "team", "field"])
    )
    result = CheckResult(detail, findings, check=check, tested=tested)
    if absent:
        result.table.attrs["absent_fields"] = absent
    return result
