"""Maturity scoring: level achieved, mean, evidence cap, exclusions, gaps, the criteria file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.pm.maturity import (
    AREAS,
    QUESTIONNAIRE_COLUMNS,
    apply_evidence_cap,
    area_maturity,
    below_target_findings,
    blend_with_data,
    evidence_cap_finding,
    gap_list,
    invalid_answer_finding,
    maturity_level,
    question_scores,
    unanswered_areas,
    validate_responses,
)

CRITERIA = Path(__file__).resolve().parents[2] / "playbooks" / "pm-function-audit" / "criteria"


def _questionnaire() -> pd.DataFrame:
    rows = [("risk", f"RSK-0{i}") for i in range(1, 6)] + [("cost", "COS-01"), ("scope", "SCO-01")]
    return pd.DataFrame(
        [
            {
                "area": a,
                "question_id": q,
                "question": f"Practice {q}",
                "evidence_expected": "",
                "recommendation": f"Do {q}",
            }
            for a, q in rows
        ]
    )


def _answers(rows: list[tuple[str, str, float, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"respondent_id": r, "area": "x", "question_id": q, "score": s, "evidence": e}
            for r, q, s, e in rows
        ]
    )


def test_level_achieved_is_highest_level_with_80_percent_at_or_above() -> None:
    assert maturity_level([3, 3, 3, 3, 1]) == 3  # 80% at 3 or above
    assert maturity_level([3, 3, 3, 2, 1]) == 2  # 60% at 3, 80% at 2
    assert maturity_level([5, 5, 5, 5, 5]) == 5
    assert maturity_level([0, 0, 1, 1, 1]) == 0  # only 60% at 1
    assert maturity_level([]) == 0


def test_score_above_two_without_evidence_is_capped_at_two() -> None:
    valid, _ = validate_responses(
        _answers(
            [
                ("R1", "RSK-01", 4, None),
                ("R2", "RSK-01", 4, "Risk procedure v2"),
                ("R3", "RSK-01", 2, None),
                ("R4", "RSK-01", 3, "  "),
                ("R5", "RSK-01", 5, "n/a"),
            ]
        ),
        _questionnaire(),
    )
    scored = apply_evidence_cap(valid)
    assert scored.set_index("respondent_id")["score"].to_dict() == {
        "R1": 2.0,
        "R2": 4.0,
        "R3": 2.0,
        "R4": 2.0,
        "R5": 2.0,
    }
    assert sorted(scored.loc[scored["capped"], "response_id"]) == [
        "R1:RSK-01",
        "R4:RSK-01",
        "R5:RSK-01",
    ]
    finding = evidence_cap_finding(scored)[0]
    assert finding.check == "maturity_evidence_cap" and finding.exceptions.count == 3


def test_question_score_is_the_median_and_the_radar_the_mean() -> None:
    answers = _answers(
        [
            ("R1", "RSK-01", 4, "e"),
            ("R2", "RSK-01", 3, "e"),
            ("R3", "RSK-01", 1, None),
            ("R1", "RSK-02", 2, None),
            ("R2", "RSK-02", 2, None),
            ("R1", "RSK-03", 3, "e"),
            ("R1", "RSK-04", 3, "e"),
            ("R1", "RSK-05", 3, "e"),
            ("R1", "COS-01", 1, None),
        ]
    )
    q = _questionnaire()
    valid, _ = validate_responses(answers, q)
    scores = question_scores(apply_evidence_cap(valid), q)
    by_q = scores.set_index("question_id")["score"]
    assert by_q["RSK-01"] == 3.0 and by_q["RSK-02"] == 2.0
    areas = area_maturity(scores).set_index("area")
    assert areas.loc["risk", "mean"] == pytest.approx((3 + 2 + 3 + 3 + 3) / 5)
    assert areas.loc["risk", "level"] == 3  # 4 of 5 questions at 3 or above
    assert areas.loc["cost", "level"] == 1
    assert unanswered_areas(areas.reset_index()) == ["scope"]


def test_answers_outside_0_to_5_and_unknown_questions_are_excluded_and_named() -> None:
    answers = _answers(
        [
            ("R1", "RSK-01", 7, "e"),
            ("R2", "RSK-01", -1, None),
            ("R3", "RSK-01", "high", None),
            ("R4", "XYZ-99", 3, "e"),
            ("R5", "RSK-01", 3, "e"),
        ]
    )
    valid, excluded = validate_responses(answers, _questionnaire())
    assert valid["response_id"].tolist() == ["R5:RSK-01"]
    reasons = excluded.set_index("response_id")["reason"].to_dict()
    assert reasons == {
        "R1:RSK-01": "score outside 0-5",
        "R2:RSK-01": "score outside 0-5",
        "R3:RSK-01": "score missing or not a number",
        "R4:XYZ-99": "question not in the questionnaire",
    }
    finding = invalid_answer_finding(excluded, answers=len(answers))[0]
    assert finding.exceptions.count == 4 and finding.population.count == 5


def test_blend_weights_the_data_score() -> None:
    areas = pd.DataFrame({"area": ["schedule", "cost", "scope"], "mean": [2.0, 4.0, float("nan")]})
    out = blend_with_data(areas, {"schedule": 5.0, "scope": 1.0}, weight=0.4).set_index("area")
    assert out.loc["schedule", "blended"] == pytest.approx(0.6 * 2 + 0.4 * 5)
    assert out.loc["cost", "blended"] == pytest.approx(4.0)
    assert out.loc["scope", "blended"] == pytest.approx(1.0)


def test_gap_list_ranks_largest_gap_first_and_carries_the_recommendation() -> None:
    q = _questionnaire()
    answers = _answers(
        [
            ("R1", "RSK-01", 1, None),
            ("R1", "RSK-02", 2, None),
            ("R1", "RSK-03", 3, "e"),
            ("R1", "COS-01", 0, None),
        ]
    )
    valid, _ = validate_responses(answers, q)
    scores = question_scores(apply_evidence_cap(valid), q)
    gaps = gap_list(scores, target_level=3)
    assert gaps["question_id"].tolist() == ["COS-01", "RSK-01", "RSK-02"]
    assert gaps["rank"].tolist() == [1, 2, 3]
    assert gaps["recommendation"].iloc[0] == "Do COS-01"
    findings = below_target_findings(gaps, area_maturity(scores), 3)
    assert sorted(i for f in findings for i in f.entities.ids) == ["COS-01", "RSK-01", "RSK-02"]
    assert {f.owner_role for f in findings} == {"PM"}


def test_questionnaire_criteria_cover_every_area_with_anchored_questions() -> None:
    q = pd.read_csv(CRITERIA / "questionnaire.csv")
    assert list(q.columns) == QUESTIONNAIRE_COLUMNS
    counts = q["area"].value_counts()
    assert set(counts.index) == set(AREAS)
    assert counts.between(6, 10).all(), counts.to_dict()
    assert q["question_id"].is_unique
    assert q[QUESTIONNAIRE_COLUMNS].notna().all().all()


def test_unanswered_questions_count_below_every_level() -> None:
    # One of the five risk questions answered, at 5 with evidence: the answered question
    # alone reached level 5; the area's questions do not.
    q = _questionnaire()
    valid, _ = validate_responses(_answers([("R1", "RSK-01", 5, "audit report")]), q)
    areas = area_maturity(question_scores(apply_evidence_cap(valid), q)).set_index("area")
    assert areas.loc["risk", "answered"] == 1 and areas.loc["risk", "questions"] == 5
    assert areas.loc["risk", "level"] == 0
    assert areas.loc["risk", "mean"] == 5.0  # the radar still shows what was answered
    # Four of five answered at 3 reach level 3: 80% of the area's questions.
    answers = [("R1", f"RSK-0{i}", 3, "e") for i in range(1, 5)]
    valid, _ = validate_responses(_answers(answers), q)
    areas = area_maturity(question_scores(apply_evidence_cap(valid), q)).set_index("area")
    assert areas.loc["risk", "level"] == 3
