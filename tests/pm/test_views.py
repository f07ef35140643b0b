"""The chapter's tables (``workbench.pm.views``) as the client reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.pm import Params, PMAudit, views


def _audit(**sections: object) -> PMAudit:
    audit = PMAudit(
        params=Params.defaults(),
        period_start=pd.Timestamp("2025-01-01"),
        period_end=pd.Timestamp("2025-12-31"),
    )
    for name, value in sections.items():
        setattr(audit, name, value)
    return audit


def test_a_section_that_is_empty_is_shown_as_it_is() -> None:
    audit = _audit()
    assert views.change_table(audit) is audit.cr_stats
    assert views.gap_table(audit).empty


def test_change_table_keeps_projects_with_requests_and_renumbers_them() -> None:
    stats = pd.DataFrame(
        {
            "project_id": ["A", "B", "C"],
            "change_requests": [0.0, 3.0, 1.0],
            "cr_per_month": [0.0, 0.25, 0.1],
            "pending": [0.0, 1.0, 0.0],
            "late": [0.0, 2.0, 0.0],
            "median_decision_days": [np.nan, 40.0, 12.0],
            "approved_cost": [0.0, 12_345.6, 100.0],
            "cost_growth": [0.0, 0.125, np.nan],
            "approved_schedule_days": [0.0, 10.4, 0.0],
        }
    )
    table = views.change_table(_audit(cr_stats=stats))
    assert table["project"].tolist() == ["B", "C"]
    assert table.index.tolist() == [0, 1]
    assert table["requests"].tolist() == [3, 1]
    assert table["median days"].tolist() == ["40", "12"]
    assert table["growth"].tolist() == ["12%", ""]
    assert table["approved cost"].tolist() == [12_346.0, 100.0]


def test_workload_table_puts_the_most_pmo_work_first_with_its_flags() -> None:
    shares = pd.DataFrame(
        {
            "person_id": ["P1", "P2", "P3"],
            "has_timesheets": [True, True, False],
            "total_hours": [100.4, 220.0, 0.0],
            "worked_hours": [100.4, 200.0, 0.0],
            "other_hours": [0.0, 20.0, 0.0],
            "pm_share": [0.5, 0.9, np.nan],
            "pmo_share": [0.4, 0.1, np.nan],
            "delivery_share": [0.1, 0.0, np.nan],
        }
    )
    overload = pd.DataFrame(
        {
            "pm_id": ["P1", "P2", "P3"],
            "peak_weighted": [4.3, 1.0, 0.0],
            "months_over": [5, 0, 0],
            "overloaded": [True, False, False],
        }
    )
    audit = _audit(shares=shares, overload=overload, names={"P1": "Amira Costa"})
    table = views.workload_table(audit)
    assert table["project manager"].tolist() == ["P1 Amira Costa", "P2", "P3"]
    assert table["flag"].tolist() == ["PMO work, overloaded", "", "no timesheets"]
    assert table["PMO"].tolist() == ["40%", "10%", ""]
    assert table["peak load"].tolist() == ["4.3", "1.0", "0.0"]
    assert table["hours worked"].tolist() == [100.0, 200.0, 0.0]
    assert table["leave and other hours"].tolist() == [0.0, 20.0, 0.0]


def _latest(ac: list[float], status: list[str] | None = None) -> pd.DataFrame:
    """Two projects of budget 100 at the end of February: PV 50, EV 40, the given AC."""
    from workbench.pm.evm import RagThresholds, latest_status, project_periods

    projects = pd.DataFrame(
        {
            "project_id": ["A", "B"],
            "status": status or ["active", "active"],
            "budget": [100.0, 100.0],
            "baseline_start": ["2025-01-01"] * 2,
            "baseline_finish": ["2025-04-30"] * 2,
        }
    )
    snaps = pd.DataFrame(
        {
            "project_id": ["A", "B"],
            "period_end": ["2025-02-28"] * 2,
            "pv": [50.0, 50.0],
            "ev": [40.0, 40.0],
            "ac": ac,
        }
    )
    return latest_status(project_periods(snaps, projects), RagThresholds())


def test_tcpi_says_why_it_is_blank_once_the_budget_is_spent() -> None:
    latest = _latest([120.0, 50.0])
    table = views.health_table(_audit(latest=latest)).set_index("project")
    # A has spent more than its budget: no efficiency recovers it, and the table says so.
    assert table.loc["A", "TCPI"] == "budget spent"
    assert table.loc["B", "TCPI"] == "1.20"
    done = latest.assign(ev=100.0, ac=[120.0, 90.0])
    table = views.health_table(_audit(latest=done)).set_index("project")
    assert table["TCPI"].tolist() == ["work complete", "work complete"]


def test_a_closed_project_gets_no_cost_forecast() -> None:
    latest = _latest([60.0, 60.0], status=["active", "closed"])
    table = views.forecast_table(_audit(latest=latest))
    assert table["project"].tolist() == ["A"]
