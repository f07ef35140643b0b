"""Change control and risk-register currency, on requests and risks with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.pm.change_risk import (
    change_request_stats,
    change_request_status,
    cr_overdue_findings,
    risk_findings,
    risk_register,
    risk_scale_problems,
    risk_stats,
    scope_growth_findings,
)

AS_OF = "2025-06-30"


def _crs() -> pd.DataFrame:
    rows = [
        ("CR-1", "A", "2025-03-01", "approved", "2025-03-10", 5_000.0, 5),
        ("CR-2", "A", "2025-03-01", "approved", "2025-05-01", 20_000.0, 10),  # 61 days
        ("CR-3", "A", "2025-05-01", "open", None, 1_000.0, 0),  # waiting 60 days
        ("CR-4", "B", "2025-06-20", "submitted", None, 1_000.0, 0),  # waiting 10 days
        ("CR-5", "B", "2025-01-01", "withdrawn", None, 1_000.0, 0),
        ("CR-6", "B", "2025-04-01", "implemented", "2025-04-20", 3_000.0, 2),
        ("CR-7", "B", "2025-05-20", "approved", "2025-07-15", 1_000.0, 0),  # decided after cut-off
        ("CR-8", "B", "2025-07-10", "open", None, 1_000.0, 0),  # raised after cut-off
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "cr_id",
            "project_id",
            "raised_date",
            "status",
            "decided_date",
            "cost_impact",
            "schedule_impact_days",
        ],
    )


def test_requests_decided_or_waiting_beyond_the_target_are_late() -> None:
    status = change_request_status(_crs(), AS_OF, decision_days=30).set_index("cr_id")
    assert "CR-8" not in status.index
    assert status["state"].to_dict() == {
        "CR-1": "decided",
        "CR-2": "decided",
        "CR-3": "pending",
        "CR-4": "pending",
        "CR-5": "withdrawn",
        "CR-6": "decided",
        "CR-7": "pending",
    }
    assert status.loc["CR-2", "decision_days"] == 61 and status.loc["CR-3", "age_days"] == 60
    assert sorted(status.index[status["late"]]) == ["CR-2", "CR-3", "CR-7"]
    finding = cr_overdue_findings(status.reset_index(), 30)[0]
    assert finding.entities.ids == ["CR-2", "CR-3", "CR-7"]  # raised-date order
    assert finding.population.count == 7


def test_scope_growth_is_approved_change_cost_over_budget() -> None:
    projects = pd.DataFrame(
        {
            "project_id": ["A", "B"],
            "budget": [200_000.0, 100_000.0],
            "baseline_start": ["2025-01-01"] * 2,
            "actual_start": ["2025-01-01", "2025-01-01"],
        }
    )
    status = change_request_status(_crs(), AS_OF, 30)
    stats = change_request_stats(status, projects, AS_OF).set_index("project_id")
    assert stats.loc["A", "approved_cost"] == 25_000 and stats.loc["A", "approved"] == 2
    assert stats.loc["A", "cost_growth"] == pytest.approx(0.125)
    assert stats.loc["B", "cost_growth"] == pytest.approx(0.03)  # implemented counts
    assert stats.loc["A", "median_decision_days"] == pytest.approx((9 + 61) / 2)
    findings = scope_growth_findings(stats.reset_index(), threshold=0.10)
    assert findings[0].entities.ids == ["A"] and findings[0].exceptions.value == 25_000


def _risks() -> pd.DataFrame:
    rows = [
        ("R1", "A", "2025-01-01", "open", 0.5, 2, "P1", "2025-06-20", False),  # fine
        ("R2", "A", "2025-01-01", "open", 0.5, 2, "P1", "2025-04-01", False),  # stale
        ("R3", "A", "2025-01-01", "mitigated", 0.5, 2, None, "2025-06-20", False),  # no owner
        ("R4", "A", "2025-01-01", "open", 0.3, 2, "P8", "2025-06-20", False),  # owner left
        ("R5", "B", "2025-01-01", "open", 0.9, 4, "P1", "2025-06-20", False),  # not escalated
        ("R6", "B", "2025-01-01", "escalated", 0.9, 5, "P1", "2025-06-20", None),  # escalated
        ("R7", "B", "2025-01-01", "closed", 0.9, 5, None, "2025-01-10", False),  # closed
        ("R8", "B", "2025-05-01", "open", 0.1, 1, "P5", None, False),  # never reviewed, 60 d
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "risk_id",
            "project_id",
            "raised_date",
            "status",
            "probability",
            "impact",
            "owner_id",
            "last_review_date",
            "escalated",
        ],
    )


def test_stale_unowned_and_unescalated_risks_are_found() -> None:
    staff = pd.DataFrame(
        {"person_id": ["P1", "P8"], "name": ["A", "B"], "leave_date": [None, "2025-03-31"]}
    )
    reg = risk_register(
        _risks(),
        staff,
        AS_OF,
        review_days=30,
        escalation_score=0.5,
        probability_scale=1,
        impact_scale=5,
    )
    reg = reg.set_index("risk_id")
    assert reg.loc["R5", "exposure"] == pytest.approx(0.72)  # 1-5 impact scale / 5
    assert sorted(reg.index[reg["stale"]]) == ["R2", "R8"]
    assert reg["owner_state"].to_dict() == {
        "R1": "ok",
        "R2": "ok",
        "R3": "missing",
        "R4": "left",
        "R5": "ok",
        "R6": "ok",
        "R7": "missing",
        "R8": "unknown person",
    }
    assert sorted(reg.index[reg["unowned"]]) == ["R3", "R4", "R8"]  # R7 is closed
    assert sorted(reg.index[reg["not_escalated"]]) == ["R5"]
    findings = {f.check: f for f in risk_findings(reg.reset_index(), 30, 0.5)}
    assert findings["risk_review_overdue"].entities.ids == ["R2", "R8"]
    assert findings["risk_unowned"].entities.ids == ["R3", "R4", "R8"]
    assert findings["risk_not_escalated"].entities.ids == ["R5"]
    assert findings["risk_unowned"].population.count == 7
    stats = risk_stats(reg.reset_index()).set_index("project_id")
    assert stats.loc["B", "escalated"] == 1 and stats.loc["A", "stale"] == 1


def _ten_point_register() -> pd.DataFrame:
    """A register scored 1-10 on both axes whose top score happens to be 5."""
    risks = _risks()
    risks["probability"] = [5.0, 4, 3, 2, 5, 5, 1, 1]
    risks["impact"] = [5.0, 4, 3, 2, 5, 5, 1, 1]
    return risks


def test_risk_scales_come_from_the_engagement_not_the_registers_own_maximum() -> None:
    # Read as 1-5 from its own top score, R1 (5 x 5 on a 1-10 scale) scored 1.0 and every
    # 5 x 5 risk was "high"; on the declared 1-10 scales it is 0.25.
    reg = risk_register(
        _ten_point_register(),
        None,
        AS_OF,
        review_days=30,
        escalation_score=0.5,
        probability_scale=10,
        impact_scale=10,
    ).set_index("risk_id")
    assert reg.loc["R1", "exposure"] == pytest.approx(0.25)
    assert not reg["high"].any()


def test_money_impacts_are_not_divided_by_the_largest_risk() -> None:
    risks = _risks()
    risks["impact"] = [20_000.0, 5_000, 1_000, 2_000, 250_000, 10_000, 100, 50]
    reg = risk_register(
        risks,
        None,
        AS_OF,
        review_days=30,
        escalation_score=0.5,
        probability_scale=1,
        impact_scale=None,
    )
    # No declared impact scale: exposure is unknown, never a share of the largest risk.
    assert reg["exposure"].isna().all() and not reg["not_escalated"].any()
    problems = risk_scale_problems(risks, probability_scale=1, impact_scale=None)
    assert problems == [
        "The scale of risk impact is not declared (parameter risk_impact_scale: the top of "
        "the scale, e.g. 5 for 1-5, 100 for percent, or the amount of the worst impact): "
        "exposure and escalation were not assessed."
    ]


def test_scores_beyond_the_declared_scale_are_named_and_not_scored() -> None:
    risks = _risks()
    problems = risk_scale_problems(risks, probability_scale=1, impact_scale=4)
    assert problems == [
        "Risk impact above the declared scale of 4 on R6, R7: those risks are not scored."
    ]
    reg = risk_register(risks, None, AS_OF, 30, 0.5, probability_scale=1, impact_scale=4).set_index(
        "risk_id"
    )
    assert np.isnan(reg.loc["R6", "exposure"]) and reg.loc["R5", "exposure"] == 0.9


def test_late_change_requests_do_not_sum_absolute_cost_impacts_as_money_at_risk() -> None:
    status = change_request_status(_crs(), AS_OF, decision_days=30)
    finding = cr_overdue_findings(status, 30)[0]
    assert finding.exceptions.value is None
    assert "net cost impact" in finding.summary
