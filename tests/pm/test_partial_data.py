"""What real clients send: missing tables, projects without EVM, PMs without timesheets,
answers out of range, areas nobody answered. Named as limitations, never a crash."""

from __future__ import annotations

import pandas as pd

from tests.pm.conftest import audit_of, criteria
from workbench import pm
from workbench.result import Period

PERIOD = Period.of("2024-07-01", "2026-06-30")


def _projects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": ["A", "B"],
            "name": ["Alpha", "Beta"],
            "segment": ["S", "S"],
            "customer": ["C", "C"],
            "pm_id": ["P1", "P2"],
            "project_type": ["x", "x"],
            "status": ["active", "active"],
            "baseline_start": pd.to_datetime(["2025-01-01"] * 2),
            "baseline_finish": pd.to_datetime(["2026-12-31"] * 2),
            "budget": [500_000.0, 900_000.0],
            "contract_value": [600_000.0, 1_000_000.0],
        }
    )


def test_projects_alone_run_with_every_other_section_named_as_a_limitation() -> None:
    result = pm.run({"projects": _projects()}, criteria(), pm.Params.defaults(), PERIOD)
    assert [check for check, _ in result.limitations] == [
        "evm_cost_overrun",
        "pmo_work_on_pms",
        "cr_decision_overdue",
        "risk_review_overdue",
        "maturity_below_target",
        "governance_claim_unsupported",
    ]
    # Two projects, one each, nothing measured: nothing to find, and the chapter says so.
    assert result.findings == []
    assert result.markdown("summary") == (
        "No exception was found in the data provided; see the limitations below."
    )
    assert result.tables["health"].empty and result.tables["workload"].empty
    assert set(result.charts) == {"load"}  # the projects alone give the concurrent load
    # each PM carries one medium project (weight 1) every month from January 2025 to the
    # period end in June 2026
    load = result.analysis.load
    assert sorted(load.groupby("pm_id")["month"].count().items()) == [("P1", 18), ("P2", 18)]
    assert (load["weighted"] == 1.0).all()


def test_nothing_at_all_is_a_limitation_not_an_error() -> None:
    result = pm.run({}, criteria(), pm.Params.defaults(), PERIOD)
    assert [check for check, _ in result.limitations] == [
        "project_health",
        "maturity_below_target",
        "governance_claim_unsupported",
    ]
    assert result.findings == [] and result.metrics == []


def test_messy_client_data_is_named_not_fatal() -> None:
    snaps = pd.DataFrame(
        {
            "project_id": ["A", "A", "ZZ"],
            "period_end": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-02-28"]),
            "pv": [10_000.0, 30_000.0, 1.0],
            "ev": [8_000.0, 20_000.0, 1.0],
            "ac": [9_000.0, 30_000.0, 1.0],
        }
    )
    timesheets = pd.DataFrame(
        {
            "person_id": ["P1", "P1"],
            "date": pd.to_datetime(["2025-01-06", "2025-01-13"]),
            "hours": [40.0, 40.0],
            "activity": ["project planning", "golf"],
        }
    )
    answers = pd.DataFrame(
        {
            "respondent_id": ["R1", "R1", "R1"],
            "area": ["risk"] * 3,
            "question_id": ["RSK-01", "RSK-02", "RSK-03"],
            "score": [9.0, 3.0, 2.0],
            "evidence": [None, "Risk policy", None],
        }
    )
    audit = audit_of(
        {
            "projects": _projects(),
            "evm_snapshots": snaps,
            "timesheets": timesheets,
            "maturity_responses": answers,
        }
    )
    reasons = " | ".join(f"{c}: {r}" for c, r in audit.limitations)
    assert "B" in reasons and "without earned-value data" in reasons  # no EVM for B
    assert "project not in the projects table (ZZ)" in reasons
    assert "P2" in reasons and "without timesheets" in reasons
    assert "golf" in reasons
    assert "R1:RSK-01" in reasons  # the 9 is excluded and named
    assert "No answer was scored for Scope" in reasons  # and every other unanswered area
    assert audit.ids("maturity_invalid_answers") == ["R1:RSK-01"]
    assert audit.latest["project_id"].tolist() == ["A"]
    assert audit.areas.set_index("area").loc["risk", "answered"] == 2
