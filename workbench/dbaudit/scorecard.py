"""Data-quality scorecard per table and for the database, on the DAMA UK dimensions.

Each dimension is a share between 0 and 1 (1 is clean), computed only from the counts the
checks already took, so the scorecard costs no query:

- completeness: filled cells of required columns (rules, names, NOT NULL) over
  ``rows x required columns``; blanks count as missing;
- uniqueness: ``1 - surplus duplicate rows / rows`` over the tested keys (the id-like column
  of a table without a primary key, natural keys); a table with no key at all scores 0;
- validity: ``1 - (unparseable text values + single-column rule violations) / values tested``;
- consistency: ``1 - (orphan rows + cross-field rule violations) / rows tested``;
- timeliness: mean of freshness (1 when the latest row is within ``freshness_days`` of the
  as-of date, else 0) and ``1 - share of rows past retention``;
- accuracy is listed as not measured: it needs a source of truth outside the database.

A dimension with nothing to measure is left empty. The table score is the mean of its
measured dimensions; the database score per dimension is the unweighted mean over tables
(each table counts once, so a large log table does not hide a dirty master table).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: The scorecard's method as the report states it.
METHOD = """\
**Scorecard** (DAMA UK 2013 dimensions). Each dimension is a share between 0 and 1 (1 is
clean), from the counts of the checks:

- *completeness*: filled cells of required columns (rules, names, NOT NULL) over rows x
  required columns; blanks count as missing;
- *uniqueness*: 1 - surplus duplicate rows / rows over the tested keys (id-like column of
  a table without a primary key, natural keys); a table with no key at all scores 0;
- *validity*: 1 - (unparseable text values + single-column rule violations) / values tested;
- *consistency*: 1 - (orphan rows + cross-field rule violations) / rows tested;
- *timeliness*: mean of freshness (1 if the latest row is within `freshness_days` of the
  as-of date, else 0) and 1 - share of rows past retention;
- *accuracy*: not measured. Whether a value is true of the thing it describes needs a source
  of truth (the documents, another system, a confirmation); a database read alone cannot
  show it, so the score says so instead of guessing. Trace a sample to its source to assess
  it.

A dimension with nothing to measure is left empty; the table score is the mean of its
measured dimensions; the database score per dimension is the unweighted mean over tables,
and the chapter score is the overall database score in percent.
"""

DIMENSIONS = ["completeness", "uniqueness", "validity", "consistency", "timeliness"]
#: DAMA dimensions a database read cannot measure, and why (listed in the database score).
NOT_MEASURED = {
    "accuracy": "not measured: needs a source of truth (trace a sample to its documents)"
}


def _share(bad: float, tested: float) -> float | None:
    if tested <= 0:
        return None
    return max(0.0, 1.0 - bad / tested)


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None and not pd.isna(v)]
    return sum(present) / len(present) if present else None


def table_scores(
    tables: pd.DataFrame,
    required: pd.DataFrame,
    keys: pd.DataFrame,
    natural_keys: pd.DataFrame,
    text_types: pd.DataFrame,
    rules: pd.DataFrame,
    relationships: pd.DataFrame,
    freshness: pd.DataFrame,
    retention: pd.DataFrame,
) -> pd.DataFrame:
    """One row per table: the five dimension scores and their mean (``score``).

    Parameters are the frames of the inventory (``tables``) and of the checks, as
    :class:`workbench.dbaudit.audit.AuditResult` holds them.
    """
    out = []
    for t in tables.itertuples(index=False):
        name, rows = str(t.table), int(t.rows)
        rec: dict[str, Any] = {"table": name, "rows": rows}
        if rows == 0:
            out.append({**rec, **dict.fromkeys(DIMENSIONS), "score": None})
            continue
        req = required[required.table == name]
        rec["completeness"] = _share(float(req.missing.sum()), rows * len(req))

        k = keys[keys.table == name]
        nk = natural_keys[natural_keys.table == name]
        surplus = float((nk.duplicate_rows - nk.duplicate_groups).sum())
        if len(k) and k.iloc[0].status == "no key":
            rec["uniqueness"] = 0.0
        else:
            tested = k[k.status == "tested"]
            surplus += float((tested.duplicate_rows - tested.duplicate_groups).sum())
            rec["uniqueness"] = _share(min(surplus, rows), rows)

        tt = text_types[text_types.table == name]
        single = rules[
            (rules.table == name) & (rules.kind != "compare") & (rules.status == "tested")
        ]
        bad = float(tt.unparseable.sum()) + float(single.violations.sum())
        tested_values = float(tt["values"].sum()) + float(single.rows.sum())
        rec["validity"] = _share(bad, tested_values)

        rel = relationships[(relationships.table == name) & (relationships.status == "tested")]
        cross = rules[
            (rules.table == name) & (rules.kind == "compare") & (rules.status == "tested")
        ]
        rec["consistency"] = _share(
            float(rel.orphan_rows.sum()) + float(cross.violations.sum()),
            float(rel.child_rows.sum()) + float(cross.rows.sum()),
        )

        parts: list[float | None] = []
        fr = freshness[freshness.table == name]
        if len(fr) and fr.iloc[0].latest is not None:
            parts.append(0.0 if bool(fr.iloc[0].stale) else 1.0)
        ret = retention[retention.table == name]
        if len(ret):
            parts.append(_share(float(ret.rows_past_retention.sum()), rows))
        rec["timeliness"] = _mean(parts)
        rec["score"] = _mean([rec[d] for d in DIMENSIONS])
        out.append(rec)
    frame = pd.DataFrame(out, columns=["table", "rows", *DIMENSIONS, "score"])
    for col in [*DIMENSIONS, "score"]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").round(4)
    return frame


def database_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Per dimension, the unweighted mean over tables that measured it; then the overall mean."""
    rows: list[dict[str, Any]] = []
    for dim in DIMENSIONS:
        values = scores[dim].dropna()
        rows.append(
            {
                "dimension": dim,
                "score": round(float(values.mean()), 4) if len(values) else None,
                "tables_measured": len(values),
            }
        )
    measured = [float(r["score"]) for r in rows if r["score"] is not None]
    for dim, note in NOT_MEASURED.items():
        rows.append({"dimension": dim, "score": None, "tables_measured": 0, "note": note})
    rows.append(
        {
            "dimension": "overall",
            "score": round(sum(measured) / len(measured), 4) if measured else None,
            "tables_measured": int(scores["score"].notna().sum()),
        }
    )
    frame = pd.DataFrame(rows, columns=["dimension", "score", "tables_measured", "note"])
    frame["note"] = frame["note"].fillna("")
    return frame
