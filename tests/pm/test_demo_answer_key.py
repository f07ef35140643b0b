"""Every problem planted in the demo engagement is found, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.pm.maturity import unanswered_areas

CHECKS = [
    "evm_cost_overrun",
    "evm_schedule_delay",
    "evm_no_data",
    "evm_reporting_gaps",
    "pmo_work_on_pms",
    "pm_overloaded",
    "maturity_evidence_cap",
    "maturity_below_target",
    "cr_decision_overdue",
    "cr_scope_growth",
    "risk_review_overdue",
    "risk_unowned",
    "risk_not_escalated",
    "governance_claim_unsupported",
]


def test_answer_key_covers_every_check_the_playbook_raises(demo_pm: dict[str, Any]) -> None:
    raised = {f.check for f in demo_pm["audit"].findings}
    assert raised == set(CHECKS)
    assert set(CHECKS) <= set(demo_pm["key"])


@pytest.mark.parametrize("check", CHECKS)
def test_check_finds_exactly_the_planted_ids(demo_pm: dict[str, Any], check: str) -> None:
    assert demo_pm["audit"].ids(check) == demo_pm["key"][check]


def test_pm_without_timesheets_and_unanswered_area_are_named_limitations(
    demo_pm: dict[str, Any],
) -> None:
    audit = demo_pm["audit"]
    shares = audit.shares
    assert (
        sorted(shares.loc[~shares["has_timesheets"], "person_id"])
        == demo_pm["key"]["pm_without_timesheets"]
    )
    assert unanswered_areas(audit.areas) == demo_pm["key"]["maturity_unanswered_areas"]
    text = " ".join(reason for _, reason in audit.limitations)
    assert "P014" in text and "Procurement" in text
    for pid in demo_pm["key"]["evm_no_data"]:
        assert pid in text


def test_demo_story_numbers(demo_pm: dict[str, Any]) -> None:
    audit = demo_pm["audit"]
    # The buried PMs spend over a third of their hours on PMO work; the others under 15%.
    shares = audit.shares.dropna(subset=["pmo_share"]).set_index("person_id")["pmo_share"]
    buried = demo_pm["key"]["pmo_work_on_pms"]
    assert shares[buried].min() > 0.30 and shares.drop(buried).max() < 0.15
    assert 1.5 < audit.pmo_fte < 3.5
    summary = audit.summary_markdown()
    assert summary.count("\n") in range(2, 5)  # three to five messages
    assert all(pid in summary for pid in buried)
    assert len(audit.metrics) > 1000
