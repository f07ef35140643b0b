"""Maturity of the PM function (PMBOK 6 knowledge areas) and of the PMO (its three pillars).

The questionnaire is editable criteria: per area, evidence-backed questions with anchored
answers 0-5 (0 absent, 1 ad hoc, 2 repeatable per project, 3 organisation standard,
4 measured against thresholds, 5 improved from data; the scale of Axelos P3M3 and Kerzner's
PMMM). Scoring, as the consultancy states it in its method:

* answers outside 0-5, blank, or for a question the questionnaire does not hold are excluded
  and named;
* a score above 2 without evidence is capped at 2 (an organisation standard that nobody can
  show is not a standard);
* a question's score is the median of its respondents' (capped) scores;
* an area's level achieved is the highest L with at least 80% of its questions at L or above
  (0 if none); an unanswered question counts below every level, so one question answered at
  5 out of five does not make a level 5 area; the radar shows the mean of the answered
  question scores, beside how many were answered;
* where the data measures the same practice (schedule with SPI(t), cost with CPI), the mean
  is blended with a score from the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from workbench.findings import Finding, finding_from_ids
from workbench.frames import select_present
from workbench.pm._frames import as_ids, fmt_ids, has_text

#: Area id -> label, PMBOK 6 knowledge areas first, then the three PMO pillars.
AREAS: dict[str, str] = {
    "integration": "Integration",
    "scope": "Scope",
    "schedule": "Schedule",
    "cost": "Cost",
    "quality": "Quality",
    "resource": "Resource",
    "communications": "Communications",
    "risk": "Risk",
    "procurement": "Procurement",
    "stakeholder": "Stakeholder",
    "pmo_governance": "PMO 1: governance rules",
    "pmo_monitoring": "PMO 2: monitoring and control",
    "pmo_reporting": "PMO 3: executive reporting",
}
KNOWLEDGE_AREAS = list(AREAS)[:10]
PMO_PILLARS = list(AREAS)[10:]

#: Columns of the questionnaire criteria file (also the sheet of the data-request workbook).
QUESTIONNAIRE_COLUMNS = [
    "area",
    "question_id",
    "question",
    "evidence_expected",
    "anchor_0",
    "anchor_1",
    "anchor_2",
    "anchor_3",
    "anchor_4",
    "anchor_5",
    "recommendation",
]

#: Meaning of each level, as the anchors use it.
LEVELS = {
    0: "absent",
    1: "ad hoc",
    2: "repeatable per project",
    3: "organisation standard",
    4: "measured against thresholds",
    5: "improved from data",
}


def area_label(area: str) -> str:
    """Readable name of an area id (unknown ids are returned as given)."""
    return AREAS.get(area, area)


def framework_of(area: str) -> str:
    """``PMBOK 6 knowledge area`` or ``PMO pillar`` (or ``other`` for a client's own area)."""
    if area in KNOWLEDGE_AREAS:
        return "PMBOK 6 knowledge area"
    if area in PMO_PILLARS:
        return "PMO pillar"
    return "other"


def maturity_level(scores: Sequence[float], share: float = 0.8) -> int:
    """Highest level L (1-5) with at least ``share`` of the scores at L or above, else 0."""
    values = np.asarray([s for s in scores if not pd.isna(s)], dtype="float64")
    if values.size == 0:
        return 0
    level = 0
    for candidate in range(1, 6):
        if (values >= candidate).mean() >= share - 1e-12:
            level = candidate
    return level


def validate_responses(
    responses: pd.DataFrame, questionnaire: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split answers into those that can be scored and those excluded, with the reason.

    Parameters
    ----------
    responses : DataFrame
        ``maturity_responses``: respondent_id, area, question_id, score [evidence].
    questionnaire : DataFrame
        The questionnaire criteria (area, question_id, ...): the question's area comes from
        here, whatever the response says.

    Returns
    -------
    (valid, excluded) : tuple of DataFrame
        Both carry response_id (``respondent_id:question_id``); ``excluded`` has a ``reason``.
    """
    resp = as_ids(responses, ["respondent_id", "question_id"]).copy()
    if "evidence" not in resp.columns:
        resp["evidence"] = pd.NA
    resp["response_id"] = (
        resp["respondent_id"].fillna("?").astype(str)
        + ":"
        + resp["question_id"].fillna("?").astype(str)
    )
    resp["raw_score"] = pd.to_numeric(resp["score"], errors="coerce").astype("float64")
    areas = as_ids(questionnaire, ["question_id"]).set_index("question_id")["area"]
    known = resp["question_id"].isin(areas.index)
    reason = pd.Series(pd.NA, index=resp.index, dtype="string")
    reason = reason.mask(resp["raw_score"].isna(), "score missing or not a number")
    out_of_range = resp["raw_score"].notna() & ~resp["raw_score"].between(0, 5)
    reason = reason.mask(out_of_range, "score outside 0-5")
    reason = reason.mask(~known, "question not in the questionnaire")
    resp["area"] = resp["question_id"].map(areas).astype("string")
    excluded = resp[reason.notna()].assign(reason=reason[reason.notna()])
    valid = resp[reason.isna()]
    keep = ["response_id", "respondent_id", "area", "question_id", "raw_score", "evidence"]
    return (
        valid[keep].reset_index(drop=True),
        excluded[[*keep, "reason"]].rename(columns={"raw_score": "score"}).reset_index(drop=True),
    )


def apply_evidence_cap(valid: pd.DataFrame, cap: float = 2) -> pd.DataFrame:
    """Cap at ``cap`` every score above it that comes without evidence.

    Returns
    -------
    DataFrame
        ``valid`` with ``has_evidence``, ``score`` (after the cap) and ``capped``.
    """
    out = valid.copy()
    out["has_evidence"] = has_text(out["evidence"])
    out["capped"] = (out["raw_score"] > cap) & ~out["has_evidence"]
    out["score"] = out["raw_score"].where(~out["capped"], float(cap))
    return out


def question_scores(scored: pd.DataFrame, questionnaire: pd.DataFrame) -> pd.DataFrame:
    """One row per questionnaire question: its median score over respondents.

    Questions nobody answered are kept with ``score`` NaN and ``respondents`` 0.
    """
    q = as_ids(questionnaire, ["question_id"])
    stats = scored.groupby("question_id").agg(
        respondents=("score", "size"),
        score=("score", "median"),
        raw_median=("raw_score", "median"),
        capped_responses=("capped", "sum"),
    )
    cols = ["area", "question_id", "question", "recommendation", "evidence_expected"]
    out = select_present(q, cols).merge(stats, left_on="question_id", right_index=True, how="left")
    out["respondents"] = out["respondents"].fillna(0).astype(int)
    out["capped_responses"] = out["capped_responses"].fillna(0).astype(int)
    return out.reset_index(drop=True)


def area_maturity(qscores: pd.DataFrame, share: float = 0.8) -> pd.DataFrame:
    """Level achieved, mean score and coverage per area (questionnaire order kept).

    The level counts every question of the area, unanswered ones as 0; an area with no
    answer at all has no level (NaN).
    """
    rows = []
    for area, group in qscores.groupby("area", sort=False):
        answered = group["score"].dropna()
        rows.append(
            {
                "area": area,
                "label": area_label(str(area)),
                "framework": framework_of(str(area)),
                "questions": len(group),
                "answered": len(answered),
                "coverage": len(answered) / len(group) if len(group) else np.nan,
                "mean": float(answered.mean()) if len(answered) else np.nan,
                # Unanswered questions count as 0: below every level (DOMAIN.md).
                "level": (
                    maturity_level(group["score"].fillna(0).tolist(), share)
                    if len(answered)
                    else np.nan
                ),
            }
        )
    return pd.DataFrame(rows)


def blend_with_data(
    areas: pd.DataFrame, data_scores: Mapping[str, float], weight: float
) -> pd.DataFrame:
    """Blend each area's questionnaire mean with a 0-5 score measured from the data.

    ``blended = (1 - weight) * mean + weight * data_score`` where the data measures the area;
    the questionnaire mean alone elsewhere. An area nobody answered takes the data score.
    """
    out = areas.copy()
    out["data_score"] = out["area"].map(
        {k: float(v) for k, v in data_scores.items() if v is not None and not pd.isna(v)}
    )
    both = out["mean"].notna() & out["data_score"].notna()
    out["blended"] = out["mean"]
    out.loc[both, "blended"] = (1 - weight) * out.loc[both, "mean"] + weight * out.loc[
        both, "data_score"
    ]
    only_data = out["mean"].isna() & out["data_score"].notna()
    out.loc[only_data, "blended"] = out.loc[only_data, "data_score"]
    return out


def gap_list(qscores: pd.DataFrame, target_level: int) -> pd.DataFrame:
    """Best practices not applied: answered questions scored below the target, largest gap first."""
    gaps = qscores[qscores["score"].notna() & (qscores["score"] < target_level)].copy()
    gaps["gap"] = target_level - gaps["score"]
    gaps["area_label"] = gaps["area"].map(area_label)
    gaps = gaps.sort_values(["gap", "area", "question_id"], ascending=[False, True, True])
    gaps.insert(0, "rank", range(1, len(gaps) + 1))
    cols = [
        "rank",
        "area",
        "area_label",
        "question_id",
        "question",
        "score",
        "gap",
        "capped_responses",
        "recommendation",
    ]
    return select_present(gaps, cols).reset_index(drop=True)


def unanswered_areas(areas: pd.DataFrame) -> list[str]:
    """Areas of the questionnaire with no scored answer at all."""
    return areas.loc[areas["answered"] == 0, "area"].astype(str).tolist()


def below_target_findings(
    gaps: pd.DataFrame, areas: pd.DataFrame, target_level: int
) -> list[Finding]:
    """Practices scored below the target (check ``maturity_below_target``).

    One finding per area whose level is below the target (medium when two or more levels
    short, low when one), and one low finding for the practices below the target in areas
    that reach it overall.
    """
    findings = []
    levels = areas.set_index("area")
    at_target = []
    for area, group in gaps.groupby("area", sort=False):
        row = levels.loc[area]
        level = int(row["level"])
        if level >= target_level:
            at_target.append(group)
            continue
        top = group.sort_values("gap", ascending=False).head(3)
        practices = "; ".join(f"{r.question_id} {r.question}" for r in top.itertuples())
        findings.append(
            finding_from_ids(
                check="maturity_below_target",
                area="Maturity",
                severity="medium" if level <= target_level - 2 else "low",
                title=f"{area_label(str(area))}: level {level} against a target of {target_level}",
                summary=(
                    f"{len(group)} of {int(row['answered'])} practices assessed in "
                    f"{area_label(str(area))} score below level {target_level} (mean "
                    f"{row['mean']:.1f}, level achieved {level}). Largest gaps: {practices}."
                ),
                entity_type="question",
                ids=group["question_id"].tolist(),
                population_count=int(row["answered"]),
                recommendation=" ".join(dict.fromkeys(top["recommendation"].dropna().astype(str))),
                corrective_action=(
                    "Agree an owner and a date for each practice in the gap list; start with the "
                    "largest gaps."
                ),
                preventive_action=(
                    "Re-assess the area with evidence every six months and report the level to "
                    "management with the other PMO KPIs."
                ),
                owner_role="PMO" if area in PMO_PILLARS else "PM",
                code="MAT",
            )
        )
    if at_target:
        rest = pd.concat(at_target)
        names = ", ".join(f"{r.question_id} ({area_label(str(r.area))})" for r in rest.itertuples())
        assessed = int(levels.loc[levels["level"] >= target_level, "answered"].sum())
        findings.append(
            finding_from_ids(
                check="maturity_below_target",
                area="Maturity",
                severity="low",
                title=f"{len(rest)} practices below level {target_level} in areas that reach it",
                summary=(f"Areas at the target level still have practices below it: {names}."),
                entity_type="question",
                ids=rest["question_id"].tolist(),
                population_count=assessed,
                recommendation=" ".join(dict.fromkeys(rest["recommendation"].dropna().astype(str))),
                corrective_action="Close each listed practice gap with its area owner.",
                preventive_action="Re-assess these practices with evidence at the next assessment.",
                owner_role="PMO",
                code="MAT",
            )
        )
    return findings


def evidence_cap_finding(scored: pd.DataFrame) -> list[Finding]:
    """Answers above 2 given without evidence and capped (check ``maturity_evidence_cap``)."""
    capped = scored[scored["capped"]]
    if capped.empty:
        return []
    questions = capped["question_id"].astype(str).unique().tolist()
    return [
        finding_from_ids(
            check="maturity_evidence_cap",
            area="Maturity",
            severity="medium",
            title=f"{len(capped)} self-assessed scores above 2 came without evidence",
            summary=(
                f"{len(capped)} of {len(scored)} answers claim an organisation standard or better "
                f"(score 3-5) but name no evidence; they were capped at 2. Questions concerned: "
                f"{fmt_ids(questions)}."
            ),
            entity_type="response",
            ids=capped["response_id"].tolist(),
            population_count=len(scored),
            recommendation=(
                "Ask the respondents for the evidence (template, report, audit record) behind each "
                "claim; where none exists, treat the practice as not yet standard."
            ),
            corrective_action="Collect the missing evidence or lower the self-assessment.",
            preventive_action=(
                "Keep the evidence of each PMO standard (template, procedure, audit record) in the "
                "record system, so that the next assessment can cite it."
            ),
            owner_role="PMO",
            code="EVID",
        )
    ]


def invalid_answer_finding(excluded: pd.DataFrame, answers: int) -> list[Finding]:
    """Answers that could not be scored (check ``maturity_invalid_answers``).

    ``answers`` is the number of answers received, valid or not (the population).
    """
    if excluded.empty:
        return []
    reasons = excluded["reason"].value_counts()
    text = "; ".join(f"{n} {reason}" for reason, n in reasons.items())
    return [
        finding_from_ids(
            check="maturity_invalid_answers",
            area="Maturity",
            severity="low",
            title=f"{len(excluded)} questionnaire answers could not be scored",
            summary=(
                f"Excluded from the scoring: {text}. Answers: {fmt_ids(excluded['response_id'])}."
            ),
            entity_type="response",
            ids=excluded["response_id"].tolist(),
            population_count=answers,
            recommendation="Return the answers to their respondents for a score between 0 and 5.",
            corrective_action="Correct the answers and re-run the assessment.",
            preventive_action="Collect the questionnaire with a form that accepts only 0-5.",
            owner_role="PMO",
            code="ANS",
        )
    ]
