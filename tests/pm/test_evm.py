"""Earned value and earned schedule: the DOMAIN.md worked example and the edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.pm.evm import (
    RagThresholds,
    closed_before,
    cost_overrun_findings,
    earned_schedule,
    ended_before,
    evm_indicators,
    latest_status,
    portfolio_totals,
    project_periods,
    rag_status,
    schedule_delay_findings,
    snapshot_issues,
)

#: DOMAIN.md: BAC 100,000; plan 10/20/40/70/100% over 5 periods; status at period 3;
#: 35% complete; AC 63,000.
REFERENCE = {
    "pv": 40_000.0,
    "ev": 35_000.0,
    "sv": -5_000.0,
    "spi": 0.875,
    "cv": -28_000.0,
    "cpi": 0.555556,
    "eac_cpi": 180_000.0,
    "eac_atypical": 128_000.0,
    "eac_composite": 196_714.29,
    "etc": 117_000.0,
    "vac": -80_000.0,
    "tcpi": 1.756757,
    "es": 2.75,
    "sv_t": -0.25,
    "spi_t": 0.916667,
    "ieac_t": 5.454545,
}
PLAN = [10_000.0, 20_000.0, 40_000.0, 70_000.0, 100_000.0]


def _close(actual: float, expected: float) -> None:
    # DOMAIN.md rounds to 6 decimals (2 for the composite EAC): compare to its precision.
    decimals = 2 if expected > 1000 and expected != round(expected) else 6
    assert round(actual, decimals) == pytest.approx(expected, abs=1e-6)


def test_evm_worked_example_matches_domain_reference() -> None:
    es = earned_schedule([1, 2, 3, 4, 5], PLAN, 35_000.0)
    out = evm_indicators(40_000.0, 35_000.0, 63_000.0, 100_000.0, 3, es, 5)
    for key, expected in REFERENCE.items():
        _close(out[key], expected)
    assert out["eac_spread"] == pytest.approx(196_714.2857142857 - 128_000.0, abs=1e-6)


def test_evm_worked_example_through_monthly_snapshots() -> None:
    projects = pd.DataFrame(
        [
            {
                "project_id": "PRJ-1",
                "budget": 100_000.0,
                "baseline_start": "2025-01-10",
                "baseline_finish": "2025-05-20",
                "pm_id": "P1",
                "status": "active",
            }
        ]
    )
    snaps = pd.DataFrame(
        {
            "project_id": ["PRJ-1"] * 3,
            "period_end": ["2025-01-31", "2025-02-28", "2025-03-31"],
            "pv": PLAN[:3],
            "ev": [9_000.0, 18_000.0, 35_000.0],
            "ac": [12_000.0, 30_000.0, 63_000.0],
        }
    )
    periods = project_periods(snaps, projects)
    last = periods.iloc[-1]
    assert last["at"] == 3 and last["pd"] == 5 and last["month"] == "2025-03"
    for key, expected in REFERENCE.items():
        _close(float(last[key]), expected)


def test_earned_schedule_interpolates_across_a_skipped_month() -> None:
    # Period 2 was not reported: C = 1, next known point is period 3.
    assert earned_schedule([1, 3], [10.0, 40.0], 25.0) == pytest.approx(2.0)


def test_finished_late_project_earns_its_planned_duration_not_its_actual_one() -> None:
    # PV stays at BAC after the planned finish (period 4); the project finished in period 6.
    times, pv = [1, 2, 3, 4, 5, 6], [25.0, 50.0, 75.0, 100.0, 100.0, 100.0]
    assert earned_schedule(times, pv, 100.0) == pytest.approx(4.0)
    out = evm_indicators(100.0, 100.0, 100.0, 100.0, 6, 4.0, 4)
    assert out["spi_t"] == pytest.approx(4 / 6)
    assert out["spi"] == pytest.approx(1.0)


def test_project_ahead_of_plan_extrapolates_towards_the_planned_finish() -> None:
    projects = pd.DataFrame(
        [
            {
                "project_id": "A",
                "budget": 100.0,
                "baseline_start": "2025-01-01",
                "baseline_finish": "2025-04-30",
            }
        ]
    )
    snaps = pd.DataFrame(
        {
            "project_id": ["A"],
            "period_end": ["2025-01-31"],
            "pv": [20.0],
            "ev": [60.0],
            "ac": [50.0],
        }
    )
    row = project_periods(snaps, projects).iloc[0]
    # Curve (1, 20) -> (4, 100): EV 60 is reached at 1 + 40/80 * 3 = 2.5.
    assert row["es"] == pytest.approx(2.5)
    assert row["spi_t"] == pytest.approx(2.5)


def test_zero_denominators_give_blanks_not_errors() -> None:
    out = evm_indicators(0.0, 0.0, 0.0, 100.0, 1, 0.0, 4)
    assert np.isnan(out["spi"]) and np.isnan(out["cpi"]) and np.isnan(out["eac_cpi"])
    spent = evm_indicators(50.0, 40.0, 120.0, 100.0, 2, 1.5, 4)
    assert np.isnan(spent["tcpi"])  # budget already spent


def test_rag_thresholds_are_parameters() -> None:
    spi_t = pd.Series([0.80, 0.90, 1.00, np.nan, np.nan])
    cpi = pd.Series([1.00, 1.00, 1.00, 0.90, np.nan])
    default = rag_status(spi_t, cpi, RagThresholds())
    assert default.tolist() == ["red", "amber", "green", "amber", "no data"]
    strict = rag_status(
        spi_t, cpi, RagThresholds(spi_red=0.95, spi_amber=1.0, cpi_red=0.95, cpi_amber=1.0)
    )
    assert strict.tolist() == ["red", "red", "green", "red", "no data"]


def _portfolio() -> tuple[pd.DataFrame, pd.DataFrame]:
    projects = pd.DataFrame(
        {
            "project_id": ["A", "B", "C"],
            "budget": [100.0, 200.0, 300.0],
            "baseline_start": ["2025-01-01"] * 3,
            "baseline_finish": ["2025-04-30"] * 3,
        }
    )
    snaps = pd.DataFrame(
        {
            "project_id": ["A", "A", "B", "B", "C", "C"],
            "period_end": ["2025-01-31", "2025-02-28"] * 3,
            "pv": [25.0, 50.0, 50.0, 100.0, 75.0, 150.0],
            "ev": [25.0, 50.0, 30.0, 60.0, 75.0, 150.0],
            "ac": [25.0, 50.0, 30.0, 60.0, 100.0, 200.0],
        }
    )
    return projects, snaps


def test_overrun_and_late_projects_are_found_with_their_ids() -> None:
    projects, snaps = _portfolio()
    latest = latest_status(project_periods(snaps, projects), RagThresholds())
    over = cost_overrun_findings(latest, RagThresholds())
    late = schedule_delay_findings(latest, RagThresholds())
    assert [f.entities.ids for f in over] == [["C"]]  # CPI 0.75
    assert [f.entities.ids for f in late] == [["B"]]  # SPI(t) well below 0.85
    assert over[0].exceptions.value == pytest.approx(400.0 - 300.0)  # -VAC of C
    assert over[0].owner_role == "PM"
    assert latest["project_id"].tolist()[:2] == ["B", "C"]  # red first


def test_portfolio_totals_are_cost_weighted() -> None:
    projects, snaps = _portfolio()
    latest = latest_status(project_periods(snaps, projects), RagThresholds())
    totals = portfolio_totals(latest)
    assert totals["ev"] == pytest.approx(260.0)
    assert totals["cpi"] == pytest.approx(260.0 / 310.0)
    assert totals["spi"] == pytest.approx(260.0 / 300.0)
    assert totals["red"] == 2 and totals["green"] == 1


def test_snapshot_problems_are_named() -> None:
    projects, snaps = _portfolio()
    bad = pd.concat(
        [
            snaps,
            pd.DataFrame(
                {
                    "project_id": ["Z", "A"],
                    "period_end": ["2025-01-31", "2025-02-15"],
                    "pv": [1.0, 1.0],
                    "ev": [1.0, 1.0],
                    "ac": [1.0, 1.0],
                }
            ),
        ],
        ignore_index=True,
    )
    issues = snapshot_issues(bad, projects)
    assert set(issues["issue"]) == {
        "project not in the projects table",
        "two snapshots in one month (the later one is used)",
    }
    periods = project_periods(bad, projects)
    assert "Z" not in set(periods["project_id"])
    assert len(periods[periods["project_id"] == "A"]) == 2


def test_cost_with_no_earned_value_is_never_forecast_at_budget() -> None:
    # D has spent 80 of its 400 budget and earned nothing: CPI = 0, BAC/CPI is undefined.
    # The portfolio used to put BAC in its place and the finding said "0 over budget".
    projects, snaps = _portfolio()
    projects = pd.concat(
        [
            projects,
            pd.DataFrame(
                {
                    "project_id": ["D"],
                    "budget": [400.0],
                    "baseline_start": ["2025-01-01"],
                    "baseline_finish": ["2025-04-30"],
                }
            ),
        ],
        ignore_index=True,
    )
    snaps = pd.concat(
        [
            snaps,
            pd.DataFrame(
                {
                    "project_id": ["D"],
                    "period_end": ["2025-02-28"],
                    "pv": [200.0],
                    "ev": [0.0],
                    "ac": [80.0],
                }
            ),
        ],
        ignore_index=True,
    )
    latest = latest_status(project_periods(snaps, projects), RagThresholds())
    d = latest.set_index("project_id").loc["D"]
    assert d["cpi"] == 0.0 and np.isnan(d["eac_cpi"])
    # The labelled fallback: the rest of the work at plan rates, AC + (BAC - EV).
    assert d["eac"] == 480.0 and d["vac"] == -80.0 and d["etc"] == 400.0
    assert "CPI undefined" in d["eac_basis"]
    totals = portfolio_totals(latest)
    # A, B, C at BAC/CPI (100 + 200 + 400), D at AC + BAC - EV (480), never D's BAC (400).
    assert totals["eac"] == pytest.approx(100.0 + 200.0 + 400.0 + 480.0)
    assert totals["eac_fallback_projects"] == 1
    over = cost_overrun_findings(latest, RagThresholds(), "EUR")[0]
    assert sorted(over.entities.ids) == ["C", "D"]
    assert over.exceptions.value == pytest.approx(100.0 + 80.0)
    assert "cost incurred with no earned value" in over.summary
    assert "EUR 180 over budget" in over.summary


def test_projects_closed_before_the_period_are_left_out_of_project_health() -> None:
    projects, snaps = _portfolio()
    projects["status"] = ["active", "active", "closed"]
    # C overran (CPI 0.75) and closed in March 2025, before the engagement period.
    projects["actual_finish"] = pd.to_datetime([None, None, "2025-03-15"])
    periods = project_periods(snaps, projects, "2025-12-31", period_start="2025-04-01")
    assert set(periods["project_id"]) == {"A", "B"}
    latest = latest_status(periods, RagThresholds())
    assert cost_overrun_findings(latest, RagThresholds()) == []
    assert portfolio_totals(latest)["projects"] == 2
    # Closed inside the period it still counts: its last status is part of the period.
    within = project_periods(snaps, projects, "2025-12-31", period_start="2025-01-01")
    assert set(within["project_id"]) == {"A", "B", "C"}
    assert closed_before(projects, "2025-04-01") == ["C"]
    assert ended_before(snaps, projects, "2025-04-01") == ["C"]


def test_a_late_project_finding_does_not_carry_its_budget_as_money_at_risk() -> None:
    projects, snaps = _portfolio()
    latest = latest_status(project_periods(snaps, projects), RagThresholds())
    late = schedule_delay_findings(latest, RagThresholds(), "EUR")[0]
    assert late.entities.ids == ["B"]
    # B's budget (200) is not at risk because B is late: no exception value.
    assert late.exceptions.value is None
    assert late.population.value == 600.0
    assert "budget of EUR 200" in late.summary
