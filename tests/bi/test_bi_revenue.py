"""Revenue assurance on a small hand-built client whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.bi import revenue

AS_OF = pd.Timestamp("2025-12-31")
D = pd.Timestamp


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    projects = pd.DataFrame(
        {"project_id": ["P1", "P2"], "segment": ["Retail", "Telecom"], "pm_id": ["A", "B"]},
        index=[10, 11],
    )
    milestones = pd.DataFrame(
        {
            "milestone_id": ["M1", "M2", "M3", "M4", "M5", "M6", "M7"],
            "project_id": ["P1", "P1", "P1", "P2", "P2", "P2", "P2"],
            "name": ["a", "b", "c", "d", "e", "f", "g"],
            "planned_date": [
                D("2025-03-01"),
                D("2025-05-01"),
                D("2025-07-01"),
                D("2025-08-01"),
                D("2025-09-01"),
                D("2026-03-01"),
                D("2025-11-01"),
            ],
            "billable_amount": [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0],
            # M5 delivered after as_of (not yet happened); M7 overdue
            "delivered_date": [
                D("2025-03-05"),
                D("2025-05-01"),
                D("2025-07-10"),
                D("2025-08-01"),
                D("2026-01-05"),
                pd.NaT,
                pd.NaT,
            ],
            "accepted_date": [
                D("2025-03-20"),
                D("2025-05-10"),
                pd.NaT,
                D("2025-08-15"),
                pd.NaT,
                pd.NaT,
                pd.NaT,
            ],
        },
        index=range(5, 12),
    )
    invoices = pd.DataFrame(
        {
            "invoice_id": ["I1", "I2", "I3"],
            "invoice_number": ["INV-1", "INV-2", "INV-3"],
            "project_id": ["P1", "P1", "P1"],
            "invoice_date": [D("2025-03-25"), D("2025-05-20"), D("2025-12-01")],
            "due_date": [D("2025-04-24"), D("2025-06-19"), D("2025-12-31")],
            "amount": [1000.0, 1500.0, 500.0],
            "milestone_id": ["M1", "M2", "M2"],
        }
    )
    payments = pd.DataFrame(
        {
            "payment_id": ["Y1", "Y2", "Y3"],
            "invoice_id": ["I1", "I2", "I3"],
            "payment_date": [D("2025-04-10"), D("2025-08-01"), D("2026-01-10")],
            "amount": [1000.0, 700.0, 500.0],
        }
    )
    return {
        "projects": projects,
        "milestones": milestones,
        "invoices": invoices,
        "payments": payments,
    }


@pytest.fixture
def ledger(tables) -> pd.DataFrame:
    return revenue.milestone_ledger(
        tables["milestones"],
        tables["invoices"],
        tables["payments"],
        tables["projects"],
        as_of=AS_OF,
    )


def test_ledger_status_follows_each_milestone_to_cash(ledger):
    status = ledger.set_index("milestone_id")["status"].to_dict()
    assert status == {
        "M1": "paid",
        "M2": "invoiced",
        "M3": "delivered",
        "M4": "accepted",
        "M5": "overdue",
        "M6": "not due",
        "M7": "overdue",
    }
    row = ledger.set_index("milestone_id").loc["M1"]
    assert row["delivery_delay_days"] == 4
    assert row["delivery_to_acceptance_days"] == 15
    assert row["acceptance_to_invoice_days"] == 5
    assert row["invoice_to_payment_days"] == 16
    # M2 is billed on two invoices (1500 + 500) and paid 700 by the as-of date.
    m2 = ledger.set_index("milestone_id").loc["M2"]
    assert m2["invoiced_amount"] == 2000.0 and m2["paid_amount"] == 700.0
    assert ledger.set_index("milestone_id").loc["M7", "days_overdue"] == 60


def test_checks_flag_stuck_unbilled_and_underbilled_milestones(ledger):
    stuck = revenue.delivered_not_accepted(ledger, as_of=AS_OF, max_days=30)
    assert stuck.ids == ["M3"] and stuck.table["days_waiting"].tolist() == [174]
    unbilled = revenue.accepted_not_invoiced(ledger, as_of=AS_OF, max_days=30)
    assert unbilled.ids == ["M4"]
    assert unbilled.findings[0].exceptions.value == 4000.0
    assert unbilled.findings[0].population.count == 3
    under = revenue.invoiced_below_billable(ledger)
    assert under.ids == []  # M2 is billed in full across two invoices


def test_underbilling_counts_the_shortfall(tables):
    inv = tables["invoices"].copy()
    inv.loc[inv["invoice_id"] == "I1", "amount"] = 900.0
    led = revenue.milestone_ledger(
        tables["milestones"], inv, tables["payments"], tables["projects"], as_of=AS_OF
    )
    result = revenue.invoiced_below_billable(led, tolerance=0.005)
    assert result.ids == ["M1"]
    assert result.findings[0].exceptions.value == 100.0
    # Within tolerance: no finding.
    assert revenue.invoiced_below_billable(led, tolerance=0.2).findings == []


def test_aging_bands_use_the_as_of_date_and_ignore_later_payments(tables):
    aging = revenue.invoice_aging(
        tables["invoices"], tables["payments"], tables["projects"], as_of=AS_OF
    )
    rows = aging.set_index("invoice_id")
    assert list(rows.index) == ["I2", "I3"]
    assert rows.loc["I2", "outstanding"] == 800.0 and rows.loc["I2", "age_days"] == 225
    assert rows.loc["I2", "band"] == ">120"
    assert rows.loc["I3", "band"] == "0-30"  # its payment comes after the as-of date
    late = revenue.long_unpaid_invoices(aging, min_days=90)
    assert late.ids == ["I2"] and late.findings[0].exceptions.value == 800.0
    by_due = revenue.invoice_aging(
        tables["invoices"], tables["payments"], as_of=AS_OF, basis="due_date"
    )
    assert by_due.set_index("invoice_id").loc["I2", "age_days"] == 195


def test_aging_band_edges():
    ages = pd.Series([-1, 0, 30, 31, 60, 61, 90, 91, 120, 121, 400], dtype="float64")
    assert revenue.aging_band(ages).tolist() == [
        "not due",
        "0-30",
        "0-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "91-120",
        "91-120",
        ">120",
        ">120",
    ]


def test_leakage_is_summed_per_segment(ledger):
    results = {
        "not accepted": revenue.delivered_not_accepted(ledger, as_of=AS_OF).table,
        "not invoiced": revenue.accepted_not_invoiced(ledger, as_of=AS_OF).table,
    }
    table = revenue.leakage_by(results, "segment").set_index("segment")
    assert table.loc["Retail", "not accepted"] == 3000.0
    assert table.loc["Telecom", "not invoiced"] == 4000.0
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.index[0] == "Telecom"


def test_cycle_times_per_segment(ledger):
    table = revenue.cycle_times(ledger, by="segment")
    retail = table.loc[(table["segment"] == "Retail")].set_index("stage")
    assert retail.loc["delivered -> accepted", "n"] == 2
    assert retail.loc["delivered -> accepted", "median_days"] == 12.0  # (15 + 9) / 2
    assert retail.loc["invoiced -> paid", "n"] == 1


def _one_client(milestones: pd.DataFrame, invoices: pd.DataFrame) -> dict[str, pd.DataFrame]:
    projects = pd.DataFrame(
        {
            "project_id": ["P1"],
            "name": ["Till rollout"],
            "segment": ["Retail"],
            "customer": ["Shop"],
            "pm_id": ["A"],
            "project_type": ["implementation"],
            "status": ["active"],
            "baseline_start": [D("2025-01-01")],
            "baseline_finish": [D("2025-12-31")],
            "budget": [120_000.0],
            "contract_value": [150_000.0],
        }
    )
    payments = pd.DataFrame(
        {
            "payment_id": pd.Series(dtype="string"),
            "invoice_id": pd.Series(dtype="string"),
            "payment_date": pd.Series(dtype="datetime64[ns]"),
            "amount": pd.Series(dtype="float64"),
        }
    )
    return {
        "projects": projects,
        "milestones": milestones,
        "invoices": invoices,
        "payments": payments,
    }


def test_revenue_at_stake_counts_each_milestone_once_at_its_furthest_stage():
    # M1 was delivered, never accepted, yet invoiced in June and never paid: it is both
    # "delivered, not accepted" and "unpaid > 90 days", but its 100,000 is at stake once.
    # M2 was accepted and never invoiced: 50,000 of leakage proper.
    from tests.bi.test_bi_assessment import _criteria
    from workbench import bi
    from workbench.result import Period

    milestones = pd.DataFrame(
        {
            "milestone_id": ["M1", "M2"],
            "project_id": ["P1", "P1"],
            "name": ["design", "build"],
            "planned_date": [D("2025-06-01"), D("2025-07-01")],
            "billable_amount": [100_000.0, 50_000.0],
            "delivered_date": [D("2025-06-01"), D("2025-07-01")],
            "accepted_date": [pd.NaT, D("2025-07-10")],
        }
    )
    invoices = pd.DataFrame(
        {
            "invoice_id": ["I1"],
            "invoice_number": ["INV-1"],
            "project_id": ["P1"],
            "invoice_date": [D("2025-06-05")],
            "due_date": [D("2025-07-05")],
            "amount": [100_000.0],
            "milestone_id": ["M1"],
        }
    )
    result = bi.run(
        _one_client(milestones, invoices),
        _criteria(),
        bi.Params.defaults(),
        Period.of("2025-01-01", AS_OF),
    )
    a = result.analysis
    # Both checks still report M1: the acceptance is missing and the invoice is unpaid.
    assert a.checks["delivered_not_accepted"].ids == ["M1"]
    assert a.checks["long_unpaid_invoices"].ids == ["I1"]
    assert a.at_stake() == 150_000.0
    row = a.tables["leakage_by_segment"].set_index("segment").loc["Retail"]
    assert row["leakage"] == 50_000.0  # accepted, not invoiced
    assert row["exposure"] == 100_000.0  # the unpaid invoice, not the missing acceptance too
    assert row["delivered, not accepted"] == 0.0
    metrics = {m.metric: m.value for m in result.metrics}
    assert metrics["revenue_at_stake"] == 150_000.0
    assert metrics["revenue_leakage"] == 50_000.0
    assert metrics["revenue_exposure"] == 100_000.0
    # The acceptance finding says its milestone is already invoiced, not that it cannot be.
    finding = a.checks["delivered_not_accepted"].findings[0]
    assert "cannot be invoiced" not in finding.summary
    assert "1 of them already invoiced" in finding.summary
    assert finding.exceptions.value == 0.0
