"""Dashboard, KPI events, pain points, people, KPI catalogue and the executive summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.bi import catalogue, dashboard, kpis, people, revenue, segments, summary
from workbench.findings import finding_from_ids

D = pd.Timestamp
AS_OF = D("2025-06-30")


@pytest.fixture
def small() -> dict[str, pd.DataFrame]:
    projects = pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3"],
            "segment": ["Retail", "Retail", "Telecom"],
            "pm_id": ["A", "A", "B"],
            "budget": [100.0, 200.0, 300.0],
            "baseline_finish": [D("2025-06-01"), D("2025-06-01"), D("2025-06-01")],
            "forecast_finish": [D("2025-06-11"), D("2025-05-01"), D("2025-07-01")],
            "actual_finish": [pd.NaT, pd.NaT, pd.NaT],
        }
    )
    milestones = pd.DataFrame(
        {
            "milestone_id": ["M1", "M2", "M3", "M4"],
            "project_id": ["P1", "P1", "P2", "P3"],
            "name": ["a", "b", "c", "d"],
            "planned_date": [D("2025-01-10"), D("2025-02-10"), D("2025-04-10"), D("2025-05-10")],
            "billable_amount": [100.0, 200.0, 300.0, 400.0],
            "delivered_date": [D("2025-01-10"), D("2025-02-20"), D("2025-04-05"), pd.NaT],
            "accepted_date": [D("2025-01-20"), D("2025-03-10"), pd.NaT, pd.NaT],
        }
    )
    invoices = pd.DataFrame(
        {
            "invoice_id": ["I1", "I2"],
            "invoice_number": ["1", "2"],
            "project_id": ["P1", "P1"],
            "invoice_date": [D("2025-01-25"), D("2025-03-15")],
            "due_date": [D("2025-02-25"), D("2025-04-15")],
            "amount": [100.0, 200.0],
            "milestone_id": ["M1", "M2"],
        }
    )
    payments = pd.DataFrame(
        {
            "payment_id": ["Y1"],
            "invoice_id": ["I1"],
            "payment_date": [D("2025-02-20")],
            "amount": [100.0],
        }
    )
    expenses = pd.DataFrame(
        {
            "expense_id": ["E1", "E2", "E3"],
            "date": [D("2025-01-05"), D("2025-02-05"), D("2025-02-06")],
            "amount": [10.0, 20.0, 30.0],
            "vendor": ["V", "V", "W"],
            "project_id": ["P1", "P3", "P3"],
        }
    )
    defects = pd.DataFrame(
        {
            "defect_id": ["X1", "X2", "X3"],
            "project_id": ["P1", "P3", "P3"],
            "found_date": [D("2025-01-15"), D("2025-02-01"), D("2025-02-02")],
            "severity": ["high", "low", "critical"],
            "closed_date": [D("2025-01-25"), pd.NaT, D("2025-02-05")],
            "person_id": ["Q", "R", "R"],
        }
    )
    ledger = revenue.milestone_ledger(milestones, invoices, payments, projects, as_of=AS_OF)
    return {
        "projects": projects,
        "milestones": milestones,
        "invoices": invoices,
        "payments": payments,
        "expenses": expenses,
        "defects": defects,
        "ledger": ledger,
    }


@pytest.fixture
def events(small) -> pd.DataFrame:
    return kpis.kpi_events(
        ledger=small["ledger"],
        invoices=small["invoices"],
        payments=small["payments"],
        expenses=small["expenses"],
        defects=small["defects"],
        projects=small["projects"],
        as_of=AS_OF,
    )


def test_kpi_events_carry_one_row_per_event_with_segment(events):
    counts = events.groupby("kpi").size().to_dict()
    assert counts["milestones_delivered"] == 3 and counts["on_time_delivery_rate"] == 4
    assert counts["invoiced_revenue"] == 2 and counts["cash_collected"] == 1
    assert counts["expense_cost"] == 3 and counts["defects_found"] == 3
    assert counts["defect_close_days"] == 2
    on_time = events.loc[events["kpi"] == "on_time_delivery_rate"].set_index("entity_id")
    # M4 is overdue and undelivered: late, in the month it was due.
    assert on_time["value"].to_dict() == {"M1": 1.0, "M2": 0.0, "M3": 1.0, "M4": 0.0}
    severe = events.loc[events["kpi"] == "critical_defect_rate"].set_index("entity_id")
    assert severe["value"].to_dict() == {"X1": 1.0, "X2": 0.0, "X3": 1.0}
    assert set(events.loc[events["kpi"] == "expense_cost", "segment"]) == {"Retail", "Telecom"}
    pay_days = events.loc[events["kpi"] == "invoice_to_payment_days", "value"].tolist()
    assert pay_days == [26.0]


def test_dashboard_has_flows_stocks_and_an_all_row_per_period(small, events):
    table = dashboard.dashboard_table(
        events, small["ledger"], freq="Q", start=D("2025-01-01"), end=AS_OF
    )
    q1 = table.loc[table["period"] == "2025Q1"].set_index("segment")
    assert list(q1.index) == ["All", "Retail", "Telecom"]
    assert q1.loc["Retail", "milestones_delivered"] == 2
    assert q1.loc["Retail", "on_time_delivery_rate"] == 0.5
    assert q1.loc["Retail", "invoiced_revenue"] == 300.0
    assert q1.loc["Retail", "planned_billable"] == 300.0
    assert q1.loc["Retail", "revenue_deviation"] == 0.0
    assert q1.loc["Telecom", "expense_cost"] == 50.0
    assert q1.loc["All", "expense_cost"] == 60.0
    q2 = table.loc[table["period"] == "2025Q2"].set_index("segment")
    # At 30 June: M3 awaits acceptance; M4 is overdue.
    assert q2.loc["Retail", "acceptance_backlog"] == 1
    assert q2.loc["Telecom", "overdue_backlog"] == 1
    assert q2.loc["Retail", "revenue_deviation"] == -300.0
    fig = dashboard.dashboard_figure(table)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == len(dashboard.BOARD_VIEW)


def test_pain_points_rank_segments_by_mean_share(small):
    overrun = segments.project_overrun(small["projects"], as_of=AS_OF)
    assert overrun.set_index("project_id")["schedule_overrun_days"].to_dict() == {
        "P1": 10.0,
        "P2": -31.0,
        "P3": 30.0,
    }
    at_stake = pd.Series({"P3": 400.0, "P2": 300.0})
    table = segments.pain_points(
        projects=small["projects"],
        ledger=small["ledger"],
        at_stake=at_stake,
        overrun=overrun,
        defects=small["defects"],
        by="segment",
    )
    rows = table.set_index("segment")
    # Delay: M2 10 days late, M4 51 days overdue at 30 June.
    assert rows.loc["Retail", "delay_days"] == 10.0 and rows.loc["Telecom", "delay_days"] == 51.0
    assert rows.loc["Telecom", "schedule_overrun_days_share"] == pytest.approx(0.75)
    assert rows.loc["Telecom", "defects"] == 2
    assert table.iloc[0]["segment"] == "Telecom" and table.iloc[0]["rank"] == 1
    result = segments.pain_point_findings(table)
    assert result.ids == ["Telecom"]
    assert "leakage" in result.table.set_index("segment").loc["Telecom", "leading_on"]
    cut = segments.pareto(
        segments.pain_points(projects=small["projects"], ledger=small["ledger"], by="project_id"),
        "delay_days",
    )
    assert cut["project_id"].tolist() == ["P3"]


def test_cost_overrun_uses_the_last_cpi_before_as_of(small):
    evm = pd.DataFrame(
        {
            "project_id": ["P1", "P1", "P1"],
            "period_end": [D("2025-04-30"), D("2025-05-31"), D("2025-07-31")],
            "pv": [10.0, 20.0, 30.0],
            "ev": [10.0, 20.0, 30.0],
            "ac": [10.0, 25.0, 60.0],
        }
    )
    over = segments.project_overrun(small["projects"], evm, as_of=AS_OF).set_index("project_id")
    assert over.loc["P1", "cpi"] == 0.8 and over.loc["P1", "cost_overrun"] == 25.0
    assert np.isnan(over.loc["P2", "cost_overrun"])


def test_people_performance_and_candidates_show_the_evidence():
    ledger = pd.DataFrame(
        {
            "pm_id": ["A"] * 20 + ["B"] * 20 + ["C"] * 2,
            "project_id": ["P1"] * 20 + ["P2"] * 20 + ["P3"] * 2,
            "segment": ["S"] * 42,
            "delivered_date": [D("2025-01-01")] * 42,
            "delivery_delay_days": [0.0] * 19 + [5.0] + [9.0] * 14 + [0.0] * 6 + [9.0, 9.0],
            "invoiced_amount": [10.0] * 42,
        }
    )
    ledger["planned_date"] = ledger["delivered_date"] - pd.to_timedelta(
        ledger["delivery_delay_days"], unit="D"
    )
    perf = people.pm_performance(ledger, as_of=AS_OF).set_index("person_id")
    assert perf.loc["A", "on_time"] == 19 and perf.loc["B", "on_time_rate"] == 0.3
    below = people.delivery_below_peers(perf.reset_index(), min_n=10)
    # C is 0/2 but too small to judge; B is clearly below the others.
    assert below.ids == ["B"]
    cands = people.role_candidates(perf.reset_index(), min_n=10)
    assert cands.set_index("person_id")["suggestion"].to_dict() == {
        "A": "larger portfolio / mentor",
        "B": "training: schedule management",
    }
    assert "6/20 milestones due on time" in cands.set_index("person_id").loc["B", "evidence"]
    top = people.key_players(perf.reset_index(), top=1)
    assert top["person_id"].tolist() == ["A"]


def test_training_hours_are_correlated_with_results():
    trainings = pd.DataFrame(
        {
            "person_id": list("ABCDEF"),
            "course": "c",
            "date": D("2025-01-01"),
            "hours": [1.0, 2, 3, 4, 5, 6],
        }
    )
    perf = pd.DataFrame(
        {
            "person_id": list("ABCDEF"),
            "shrunk_rate": [0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
            "delivered": 10,
        }
    )
    table, corr = people.training_vs_results(trainings, perf)
    assert len(table) == 6
    row = corr.set_index("result").loc["on-time rate (shrunk)"]
    assert row["n"] == 6 and row["spearman_rho"] == 1.0


def test_catalogue_matches_aliases_fuzzily_and_names_missing_tables():
    computable = pd.DataFrame(
        {
            "kpi": ["on_time", "cpi"],
            "aliases": ["on-time delivery rate", "cost performance index"],
            "tables": ["milestones", "evm_snapshots"],
        }
    )
    cat = pd.DataFrame(
        {
            "kpi": ["On time delivery rate", "Cost Performance Indx", "NPS"],
            "definition": ["x", "y", None],
            "owner": ["o", "", "o"],
            "target": ["1", "2", "3"],
            "frequency": "monthly",
        }
    )
    result = catalogue.catalogue_check(cat, computable, ["milestones"])
    rows = result.table.set_index("kpi")
    assert rows.loc["On time delivery rate", "matched_kpi"] == "on_time"
    assert rows.loc["Cost Performance Indx", "matched_kpi"] == "cpi"
    assert rows.loc["Cost Performance Indx", "reason"] == "needs table(s) evm_snapshots"
    assert result.ids_for("kpi_not_computable") == ["Cost Performance Indx", "NPS"]
    assert result.ids_for("kpi_missing_owner") == ["Cost Performance Indx"]
    assert result.ids_for("kpi_missing_definition") == ["NPS"]
    assert result.ids_for("kpi_missing_target") == []


def _finding(check: str, severity: str, value: float | None) -> object:
    return finding_from_ids(
        check=check,
        area="a",
        severity=severity,
        title=check.upper(),
        summary=f"{check} happened. More detail.",
        entity_type="x",
        ids=["1"],
        population_count=10,
        exception_value=value,
        recommendation="Fix it.",
    )


def test_executive_summary_orders_by_severity_and_money_and_skips_info_when_enough():
    items = [
        _finding("low_one", "low", 5.0),
        _finding("info_one", "info", None),
        _finding("high_small", "high", 10.0),
        _finding("high_big", "high", 1000.0),
        _finding("medium_one", "medium", 1.0),
    ]
    chosen = summary.top_findings(items, top=5)
    assert [f.check for f in chosen] == ["high_big", "high_small", "medium_one", "low_one"]
    text = summary.executive_summary(items, currency="EUR", facts=["Fact one."])
    assert text.startswith("Fact one.\n")
    assert "Fact one." in text and "1. **HIGH\\_BIG**" in text and "EUR 1,000" in text
    assert "INFO_ONE" not in text
    few = summary.top_findings([items[1], items[0]])
    assert [f.check for f in few] == ["low_one", "info_one"]


def _ten_due_two_delivered() -> pd.DataFrame:
    """Ten milestones due in January; two delivered on time, eight overdue and undelivered,
    and one more due after the as-of date (not yet due, so not counted)."""
    milestones = pd.DataFrame(
        {
            "milestone_id": [f"M{i}" for i in range(11)],
            "project_id": "P1",
            "name": "m",
            "planned_date": [D("2025-01-15")] * 10 + [D("2025-09-01")],
            "billable_amount": 100.0,
            "delivered_date": [D("2025-01-15")] * 2 + [pd.NaT] * 9,
            "accepted_date": pd.NaT,
        }
    )
    projects = pd.DataFrame({"project_id": ["P1"], "segment": ["Retail"], "pm_id": ["A"]})
    return revenue.milestone_ledger(milestones, projects=projects, as_of=AS_OF)


def test_on_time_rate_counts_every_milestone_due_not_only_the_delivered_ones():
    ledger = _ten_due_two_delivered()
    events = kpis.kpi_events(ledger=ledger, as_of=AS_OF)
    on_time = events.loc[events["kpi"] == "on_time_delivery_rate"]
    assert len(on_time) == 10 and on_time["value"].mean() == pytest.approx(0.2)
    # Each milestone counts in the period it was due.
    assert set(on_time["date"]) == {D("2025-01-15")}
    board = dashboard.dashboard_table(events, ledger, freq="Q", start=D("2025-01-01"), end=AS_OF)
    q1 = board.set_index(["period", "segment"]).loc[("2025Q1", "All")]
    assert q1["on_time_delivery_rate"] == pytest.approx(0.2)
    perf = people.pm_performance(ledger, as_of=AS_OF).set_index("person_id")
    assert perf.loc["A", "due"] == 10 and perf.loc["A", "delivered"] == 2
    assert perf.loc["A", "on_time"] == 2 and perf.loc["A", "on_time_rate"] == 0.2


def test_an_undelivered_milestone_within_the_grace_days_is_not_late_yet():
    ledger = _ten_due_two_delivered()
    # 166 days of grace: on 30 June the eight undelivered January milestones are not late yet.
    events = kpis.kpi_events(ledger=ledger, as_of=AS_OF, grace_days=166)
    on_time = events.loc[events["kpi"] == "on_time_delivery_rate"]
    assert len(on_time) == 2 and on_time["value"].mean() == 1.0


def test_pain_points_are_ranked_per_unit_of_exposure_not_by_raw_share():
    # Big runs ten projects with fifty milestones, 2 days late each (100 days); Small runs
    # one project with five milestones, 6 days late each (30 days). By raw share Big is
    # always worst (77% of the delay); per milestone due Small is three times worse.
    projects = pd.DataFrame(
        {
            "project_id": [f"B{i}" for i in range(10)] + ["S0"],
            "segment": ["Big"] * 10 + ["Small"],
            "pm_id": "A",
        }
    )
    rows = []
    for pid, days in [(f"B{i}", 2) for i in range(10)] + [("S0", 6)]:
        count = 5
        for k in range(count):
            rows.append(
                (f"{pid}-{k}", pid, D("2025-03-01"), D("2025-03-01") + pd.Timedelta(days=days))
            )
    milestones = pd.DataFrame(
        rows, columns=["milestone_id", "project_id", "planned_date", "delivered_date"]
    )
    milestones["name"] = "m"
    milestones["billable_amount"] = 100.0
    milestones["accepted_date"] = pd.NaT
    ledger = revenue.milestone_ledger(milestones, projects=projects, as_of=AS_OF)
    table = segments.pain_points(projects=projects, ledger=ledger, by="segment")
    rows_ = table.set_index("segment")
    assert rows_.loc["Big", "delay_days_share"] == pytest.approx(100 / 130, abs=1e-4)
    assert rows_.loc["Small", "delay_days_per_unit"] == 6.0
    assert rows_.loc["Big", "delay_days_per_unit"] == 2.0
    # Index against the client's rate (130 days over 55 milestones).
    assert rows_.loc["Small", "delay_days_index"] == pytest.approx(6.0 / (130 / 55), abs=1e-3)
    assert table.iloc[0]["segment"] == "Small"
    finding = segments.pain_point_findings(table).findings[0]
    assert finding.entities.ids == ["Small"]
    assert "per milestone due" in finding.summary


def test_person_quality_is_a_rate_per_month_worked_against_peers_without_the_person():
    # A worked all year with 6 defects, B all year with 2, C joined in October and had 2,
    # D worked all year with none (so D is in no defect row). Raw counts against a peer mean
    # that included the person put C below average (2 against 3.3) and left D out.
    staff = pd.DataFrame(
        {
            "person_id": ["A", "B", "C", "D", "F"],
            "name": ["a", "b", "c", "d", "f"],
            "role": ["Engineer", "Engineer", "Engineer", "Engineer", "Finance Officer"],
            "segment": "S",
            "hire_date": [
                D("2020-01-01"),
                D("2020-01-01"),
                D("2025-10-01"),
                D("2020-01-01"),
                D("2020-01-01"),
            ],
            "leave_date": pd.NaT,
        }
    )
    found = {"A": 6, "B": 2, "C": 2}
    defects = pd.DataFrame(
        {
            "defect_id": [f"X{i}" for i in range(10)],
            "project_id": "P1",
            "found_date": D("2025-11-15"),
            "severity": "low",
            "person_id": [p for p, k in found.items() for _ in range(k)],
        }
    )
    start, end = D("2025-01-01"), D("2025-12-31")
    table = people.person_quality(defects, staff, as_of=end, period_start=start).set_index(
        "person_id"
    )
    assert set(table.index) == {"A", "B", "C", "D"}  # F's role never carries defects
    assert table.loc["D", "defects"] == 0
    year = (end - start).days + 1
    late = (end - D("2025-10-01")).days + 1
    assert table.loc["C", "days"] == late and table.loc["A", "days"] == year
    # C's peers (A, B, D): 8 defects over three full years of work.
    peer_rate = 8 / (3 * year)
    assert table.loc["C", "expected"] == pytest.approx(peer_rate * late, rel=1e-3)
    assert table.loc["C", "ratio"] == pytest.approx(2 / (peer_rate * late), abs=0.01)
    assert table.loc["C", "ratio"] > 1.0
    # A's peers (B, C, D): 4 defects over two full years and C's quarter.
    assert table.loc["A", "expected"] == pytest.approx(4 / (2 * year + late) * year, rel=1e-3)


def test_the_interval_level_in_the_wording_follows_alpha():
    perf = pd.DataFrame(
        {
            "person_id": ["A", "B"],
            "name": ["a", "b"],
            "due": [40, 40],
            "on_time": [10, 30],
            "on_time_rate": [0.25, 0.75],
            "ci_low": [0.15, 0.62],
            "ci_high": [0.38, 0.85],
        }
    )
    finding = people.delivery_below_peers(perf, min_n=10, alpha=0.10).findings[0]
    assert "(90% interval 15%-38%)" in finding.summary and "95%" not in finding.summary


def test_the_pain_view_keeps_rank_score_and_indices():
    table = pd.DataFrame(
        {
            "segment": ["S", "T"],
            "delay_days": [1.0, 2.0],
            "delay_days_share": [0.3, 0.7],
            "delay_days_per_unit": [0.5, 1.0],
            "delay_days_index": [0.6, 1.3],
            "milestones_due": [2.0, 2.0],
            "score": [1.3, 0.6],
            "rank": [1, 2],
        }
    )
    view = segments.pain_view(table)
    assert list(view.columns) == ["segment", "rank", "score", "delay_days_index"]


def test_person_quality_with_no_defect_in_the_period_is_an_empty_table_not_an_error():
    staff = pd.DataFrame(
        {"person_id": ["A"], "name": ["a"], "role": ["Engineer"], "segment": ["S"]}
    )
    defects = pd.DataFrame(
        {
            "defect_id": ["X1"],
            "project_id": ["P1"],
            "found_date": [D("2027-01-01")],  # after the as-of date
            "severity": ["low"],
            "person_id": ["A"],
        }
    )
    table = people.person_quality(defects, staff, as_of=AS_OF, period_start=D("2025-01-01"))
    assert table.empty or int(table["defects"].sum()) == 0
