"""PMO governance evidence: which rules exist, and whether the data shows them followed.

Two sources. The questionnaire's PMO-pillar answers say which rules exist (templates, KPIs,
audits, reporting cadence); the data tests the rules it can measure (every active project
reports earned value every month, risks are reviewed and owned, change requests are decided
in time, PMO work is done by the PMO). A rule the questionnaire claims as an organisation
standard (score 3 or more) that the data shows followed less often than the compliance
minimum is a claim the evidence does not support.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.findings import Finding, finding_from_ids
from workbench.pm._frames import (
    as_dates,
    as_ids,
    ended_without_date,
    fmt_ids,
    lower_text,
    period_months,
)
from workbench.pm.maturity import PMO_PILLARS, area_label


def reporting_cadence(
    snapshots: pd.DataFrame | None,
    projects: pd.DataFrame,
    period_start: object,
    period_end: object,
) -> pd.DataFrame:
    """Months each running project should have reported earned value, and those it did.

    A project is expected to report every month from its start (actual, else baseline) to its
    actual finish (the period end while it runs), within the engagement period. Planned
    projects are not expected to report. A project closed or cancelled without an actual
    finish ended at an unknown date: it is expected up to its last snapshot, and not at all
    when it has none (see :func:`workbench.pm._frames.ended_without_date`).

    Returns
    -------
    DataFrame
        project_id, pm_id, status, expected_months, reported_months, missing_months,
        missing (the months, ``YYYY-MM``), has_data (any snapshot at all).
    """
    p_start, p_end = pd.Timestamp(period_start), pd.Timestamp(period_end)
    proj = as_ids(
        as_dates(projects, ["actual_start", "baseline_start", "actual_finish"]),
        ["project_id", "pm_id"],
    )
    start = proj["actual_start"] if "actual_start" in proj.columns else proj["baseline_start"]
    if "baseline_start" in proj.columns:
        start = start.fillna(proj["baseline_start"])
    finish = (
        proj["actual_finish"]
        if "actual_finish" in proj.columns
        else pd.Series(pd.NaT, index=proj.index)
    )
    status = (
        lower_text(proj["status"])
        if "status" in proj.columns
        else pd.Series("active", index=proj.index)
    )
    reported: dict[str, set[str]] = {}
    last_report: dict[str, pd.Timestamp] = {}
    if snapshots is not None and not snapshots.empty:
        snaps = as_ids(as_dates(snapshots, ["period_end"]), ["project_id"]).dropna(
            subset=["project_id", "period_end"]
        )
        snaps = snaps.assign(month=snaps["period_end"].dt.to_period("M").astype(str))
        reported = snaps.groupby("project_id")["month"].agg(set).to_dict()
        last_report = snaps.groupby("project_id")["period_end"].max().to_dict()
    undated = set(ended_without_date(projects))
    rows = []
    for i, row in proj.iterrows():
        if status[i] == "planned" or pd.isna(start[i]) or start[i] > p_end:
            continue
        end = finish[i] if pd.notna(finish[i]) else p_end
        if row["project_id"] in undated:
            end = last_report.get(row["project_id"], pd.NaT)
            if pd.isna(end):
                continue
        if end < p_start:
            continue
        expected = [str(m) for m in period_months(max(start[i], p_start), min(end, p_end))]
        done = reported.get(row["project_id"], set())
        missing = [m for m in expected if m not in done]
        rows.append(
            {
                "project_id": row["project_id"],
                "pm_id": row.get("pm_id"),
                "status": status[i],
                "expected_months": len(expected),
                "reported_months": len(expected) - len(missing),
                "missing_months": len(missing),
                "missing": ", ".join(missing),
                "has_data": bool(done),
            }
        )
    cols = [
        "project_id",
        "pm_id",
        "status",
        "expected_months",
        "reported_months",
        "missing_months",
        "missing",
        "has_data",
    ]
    return pd.DataFrame(rows, columns=cols)


def cadence_compliance(cadence: pd.DataFrame) -> float:
    """Share of expected project-months with an earned-value snapshot."""
    expected = cadence["expected_months"].sum()
    return float(cadence["reported_months"].sum() / expected) if expected else float("nan")


def no_data_findings(cadence: pd.DataFrame) -> list[Finding]:
    """Running projects without a single snapshot (check ``evm_no_data``)."""
    hit = cadence[~cadence["has_data"]]
    if hit.empty:
        return []
    return [
        finding_from_ids(
            check="evm_no_data",
            area="PMO governance",
            severity="medium",
            title=f"{len(hit)} running projects report no earned value at all",
            summary=(
                f"{len(hit)} of {len(cadence)} projects running in the period have no earned-value "
                f"snapshot: {fmt_ids(hit['project_id'])}. Their cost and schedule health cannot be "
                f"assessed; they are excluded from the portfolio indices."
            ),
            entity_type="project",
            ids=hit["project_id"].tolist(),
            population_count=len(cadence),
            recommendation="Require earned-value reporting from every project, whatever its size.",
            corrective_action=(
                "Set up the baseline (PV curve) and report EV and AC for the named projects from "
                "the next month-end."
            ),
            preventive_action=(
                "No project passes its planning gate without a time-phased baseline in the "
                "reporting tool."
            ),
            owner_role="PMO",
            code="NOEV",
        )
    ]


def reporting_gap_findings(cadence: pd.DataFrame) -> list[Finding]:
    """Projects that skipped monthly earned-value reporting (check ``evm_reporting_gaps``)."""
    hit = cadence[cadence["has_data"] & (cadence["missing_months"] > 0)]
    if hit.empty:
        return []
    detail = "; ".join(f"{r.project_id}: {r.missing}" for r in hit.head(5).itertuples())
    measured = cadence[cadence["has_data"]]
    return [
        finding_from_ids(
            check="evm_reporting_gaps",
            area="PMO governance",
            severity="low",
            title=f"{len(hit)} projects skipped monthly earned-value reporting",
            summary=(
                f"{int(hit['missing_months'].sum())} project-months without a snapshot on "
                f"{len(hit)} of {len(measured)} reporting projects ({detail})."
            ),
            entity_type="project",
            ids=hit["project_id"].tolist(),
            population_count=len(measured),
            recommendation="Enforce the monthly reporting cut-off for every running project.",
            corrective_action="Back-fill the missing months from the project's cost records.",
            preventive_action=(
                "The PMO checks completeness of the monthly snapshot at each cut-off and chases "
                "missing projects before the executive report goes out."
            ),
            owner_role="PMO",
            code="CAD",
        )
    ]


def _status_text(score: float) -> str:
    if pd.isna(score):
        return "not assessed"
    if score >= 4:
        return "standard, measured and followed"
    if score >= 3:
        return "organisation standard defined"
    if score >= 2:
        return "done per project, no standard"
    if score >= 1:
        return "ad hoc"
    return "absent"


def pillar_rules(qscores: pd.DataFrame) -> pd.DataFrame:
    """The PMO-pillar questions as governance rules, with what the questionnaire says."""
    rules = qscores[qscores["area"].isin(PMO_PILLARS)].copy()
    rules["pillar"] = rules["area"].map(area_label)
    # Unanswered: not known, neither true nor false.
    rules["exists"] = (rules["score"] >= 3).astype("boolean").mask(rules["score"].isna())
    rules["followed"] = (rules["score"] >= 4).astype("boolean").mask(rules["score"].isna())
    rules["status"] = rules["score"].map(_status_text)
    return rules[
        ["pillar", "question_id", "question", "score", "status", "exists", "followed"]
    ].reset_index(drop=True)


def data_rules(
    definitions: Mapping[str, Mapping[str, Any]],
    measures: Mapping[str, Mapping[str, Any]],
    qscores: pd.DataFrame,
    claim_level: float,
    compliance_min: float,
    values: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Rules tested against the data, beside the questionnaire's claim for each.

    Parameters
    ----------
    definitions : mapping
        ``rule_id -> {rule, question_id}`` from the governance-rules criteria; ``rule`` may
        name parameters in braces (``{risk_review_days}``), filled from ``values``.
    measures : mapping
        ``rule_id -> {compliance, population, exceptions, basis}`` measured from the data
        (``basis`` says what was counted); a rule without a measure is reported as "no data".
    qscores : DataFrame
        Question scores (question_id, score).
    claim_level, compliance_min : float
        A score at or above ``claim_level`` claims the rule; the data supports it when
        compliance is at least ``compliance_min``.
    """
    scores = (
        qscores.set_index("question_id")["score"]
        if not qscores.empty
        else pd.Series(dtype="float64")
    )
    rows = []
    for rule_id, spec in definitions.items():
        text = str(spec.get("rule", rule_id))
        with contextlib.suppress(KeyError, IndexError, ValueError):
            text = text.format(**(values or {}))
        qid = spec.get("question_id")
        claimed = float(scores.get(qid, np.nan)) if qid is not None else np.nan
        m = measures.get(rule_id, {})
        compliance = m.get("compliance", np.nan)
        if pd.isna(compliance):
            verdict = "no data"
        elif pd.isna(claimed):
            # Nobody answered the question: the data speaks, the questionnaire does not.
            followed = "followed" if compliance >= compliance_min else "not followed"
            verdict = f"question unanswered; {followed} in the data"
        elif claimed >= claim_level:
            verdict = (
                "claimed and supported"
                if compliance >= compliance_min
                else "claimed, not supported by the data"
            )
        else:
            verdict = "followed, not formalised" if compliance >= compliance_min else "not in place"
        rows.append(
            {
                "rule_id": rule_id,
                "rule": text,
                "question_id": qid,
                "claimed_score": claimed,
                "compliance": compliance,
                "population": m.get("population", np.nan),
                "exceptions": m.get("exceptions", np.nan),
                "basis": m.get("basis", ""),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "rule_id",
            "rule",
            "question_id",
            "claimed_score",
            "compliance",
            "population",
            "exceptions",
            "basis",
            "verdict",
        ],
    )


def claim_unsupported_findings(rules: pd.DataFrame, compliance_min: float) -> list[Finding]:
    """Rules claimed in the questionnaire that the data does not support
    (check ``governance_claim_unsupported``)."""
    hit = rules[rules["verdict"] == "claimed, not supported by the data"]
    if hit.empty:
        return []
    detail = "; ".join(
        f"{r.rule} (claimed {r.claimed_score:g} in {r.question_id}, followed {r.compliance:.0%})"
        for r in hit.itertuples()
    )
    return [
        finding_from_ids(
            check="governance_claim_unsupported",
            area="PMO governance",
            severity="medium",
            title=f"{len(hit)} governance rules claimed as standard are not followed in practice",
            summary=(
                f"The self-assessment rates these rules an organisation standard, but the data "
                f"shows them followed less than {compliance_min:.0%} of the time: {detail}."
            ),
            entity_type="governance_rule",
            ids=hit["rule_id"].tolist(),
            population_count=int(rules["verdict"].ne("no data").sum()),
            recommendation=(
                "Treat these rules as not yet in place: re-launch them with an owner, a "
                "measurement and a monthly compliance report."
            ),
            corrective_action="Bring each rule's compliance above the minimum within a quarter.",
            preventive_action=(
                "The PMO's monitoring pillar measures every governance rule from the data, not "
                "from self-assessment."
            ),
            owner_role="PMO",
            code="GOV",
        )
    ]
