"""The client's KPI catalogue against governance basics and against what the data can compute.

A KPI is governed when it has a definition, an owner and a target (PMO pillar 1: "KPIs and
how they are measured"). It is measurable when the data the client gave us can compute it:
each catalogue name is matched (exact alias, else fuzzy) to the editable list of KPIs the
workbench computes, and that KPI's source tables must be present.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from rapidfuzz import fuzz

from workbench.findings import CheckResult, Finding, finding_from_ids

AREA = "KPI catalogue"
#: Fuzzy-match score (rapidfuzz ``token_sort_ratio``, 0-100) from which names are the same KPI.
MATCH_SCORE = 88


def _norm(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype("string").str.strip().fillna("") == "")


def match_kpi(name: str, computable: pd.DataFrame) -> tuple[str | None, float]:
    """The computable KPI a catalogue name refers to, and the match score (100 = alias).

    Parameters
    ----------
    name : str
        The client's KPI name.
    computable : pandas.DataFrame
        Criteria ``kpi, aliases`` (aliases separated by ``;``).
    """
    target = _norm(name)
    best: tuple[str | None, float] = (None, 0.0)
    for _, row in computable.iterrows():
        names = [row["kpi"], *str(row.get("aliases", "") or "").split(";")]
        normed = [_norm(n) for n in names if str(n).strip()]
        if target in normed:
            return str(row["kpi"]), 100.0
        score = max(fuzz.token_sort_ratio(target, n) for n in normed)
        if score > best[1]:
            best = (str(row["kpi"]), float(score))
    return best if best[1] >= MATCH_SCORE else (None, best[1])


def catalogue_check(
    catalogue: pd.DataFrame, computable: pd.DataFrame, available_tables: Iterable[str]
) -> CheckResult:
    """KPIs without owner, target or definition, and KPIs the data cannot compute.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        ``kpi_catalogue`` table (kpi, definition, owner, target, frequency).
    computable : pandas.DataFrame
        Criteria ``kpi, aliases, tables`` (tables separated by ``;``).
    available_tables : iterable of str
        The input tables present in the engagement.

    Returns
    -------
    CheckResult
        One row per catalogue KPI (``has_definition, has_owner, has_target, matched_kpi,
        match_score, computable, reason``) and up to four findings:
        ``kpi_missing_definition``, ``kpi_missing_owner``, ``kpi_missing_target``,
        ``kpi_not_computable``.
    """
    present = set(available_tables)
    cat = catalogue.copy()
    table = pd.DataFrame({"kpi": cat["kpi"].astype("string")})
    for col in ("definition", "owner", "target"):
        table[f"has_{col}"] = ~_blank(cat[col]) if col in cat.columns else False
    needs = {
        str(r["kpi"]): [t for t in str(r.get("tables", "") or "").split(";") if t.strip()]
        for _, r in computable.iterrows()
    }
    matched, scores, ok, reasons = [], [], [], []
    for name in table["kpi"]:
        kpi, score = match_kpi(str(name), computable)
        matched.append(kpi)
        scores.append(score)
        if kpi is None:
            ok.append(False)
            reasons.append("not computable from the data requested")
            continue
        missing = [t.strip() for t in needs.get(kpi, []) if t.strip() not in present]
        ok.append(not missing)
        reasons.append(f"needs table(s) {', '.join(missing)}" if missing else "")
    table["matched_kpi"] = pd.Series(matched, dtype="string")
    table["match_score"] = scores
    table["computable"] = ok
    table["reason"] = pd.Series(reasons, dtype="string")

    findings: list[Finding] = []
    texts = {
        "definition": (
            "KPIs without a definition",
            "Write a one-line definition and the formula for each KPI, with its data source.",
        ),
        "owner": ("KPIs without an owner", "Name an accountable owner role for each KPI."),
        "target": (
            "KPIs without a target",
            "Set a target and a tolerance for each KPI so deviations can be reported.",
        ),
    }
    for col, (title, action) in texts.items():
        missing = table.loc[~table[f"has_{col}"], "kpi"].tolist()
        if missing:
            findings.append(
                finding_from_ids(
                    check=f"kpi_missing_{col}",
                    area=AREA,
                    code="KPI",
                    severity="medium",
                    title=f"{len(missing)} {title}",
                    summary=(
                        f"{len(missing)} of {len(table)} catalogue KPIs have no {col}: "
                        f"{', '.join(missing)}. A KPI without a {col} cannot be governed."
                    ),
                    entity_type="kpi",
                    ids=missing,
                    population_count=len(table),
                    recommendation=action,
                    corrective_action=action,
                    preventive_action="Make definition, owner and target mandatory fields of the "
                    "KPI catalogue and review it yearly.",
                    owner_role="PMO",
                )
            )
    not_ok = table.loc[~table["computable"]]
    if not not_ok.empty:
        detail = "; ".join(f"{r.kpi} ({r.reason})" for r in not_ok.itertuples())
        findings.append(
            finding_from_ids(
                check="kpi_not_computable",
                area=AREA,
                code="KPI",
                severity="low",
                title=f"{len(not_ok)} catalogue KPIs cannot be computed from the data provided",
                summary=f"{len(not_ok)} of {len(table)} KPIs cannot be measured: {detail}.",
                entity_type="kpi",
                ids=not_ok["kpi"].tolist(),
                population_count=len(table),
                recommendation="Name the system and table each KPI is computed from; add the "
                "missing data to the monthly extract or retire the KPI.",
                corrective_action="Agree a data source for each listed KPI.",
                preventive_action="Accept a KPI into the catalogue only with a tested data source.",
                owner_role="PMO",
            )
        )
    return CheckResult(table, findings)
