"""Each BI check finds exactly what the demo generator planted, and nothing on the clean rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from workbench.bi import catalogue, kpis, people, periods, quality, revenue

CRITERIA = Path(__file__).resolve().parents[2] / "playbooks" / "bi-assessment" / "criteria"


@pytest.fixture(scope="module")
def ledger(demo: dict[str, Any]) -> pd.DataFrame:
    t = demo["tables"]
    return revenue.milestone_ledger(
        t["milestones"], t["invoices"], t["payments"], t["projects"], as_of=demo["as_of"]
    )


def test_delivered_not_accepted_finds_the_planted_milestones(demo, ledger):
    result = revenue.delivered_not_accepted(ledger, as_of=demo["as_of"], max_days=30)
    assert result.ids_for("delivered_not_accepted") == demo["key"]["delivered_not_accepted"]
    billable = demo["tables"]["milestones"].set_index("milestone_id")["billable_amount"]
    expected = billable[demo["key"]["delivered_not_accepted"]].sum()
    assert result.findings[0].exceptions.value == pytest.approx(expected)


def test_accepted_not_invoiced_finds_the_planted_milestones(demo, ledger):
    result = revenue.accepted_not_invoiced(ledger, as_of=demo["as_of"], max_days=30)
    assert result.ids_for("accepted_not_invoiced") == demo["key"]["accepted_not_invoiced"]
    assert result.findings[0].severity in ("high", "critical")


def test_invoiced_below_billable_finds_the_planted_milestones(demo, ledger):
    result = revenue.invoiced_below_billable(ledger, tolerance=0.005)
    assert result.ids_for("invoiced_below_billable") == demo["key"]["invoiced_below_billable"]
    assert (result.table["shortfall_share"].between(0.05, 0.20)).all()


def test_long_unpaid_invoices_finds_the_planted_invoices(demo):
    t = demo["tables"]
    aging = revenue.invoice_aging(t["invoices"], t["payments"], t["projects"], as_of=demo["as_of"])
    result = revenue.long_unpaid_invoices(aging, min_days=90)
    assert result.ids_for("long_unpaid_invoices") == demo["key"]["long_unpaid_invoices"]
    # Clean open invoices are all younger than 90 days.
    assert set(aging["band"]) - {"0-30", "31-60", "61-90"} <= {"91-120", ">120"}
    assert set(aging.loc[aging["age_days"] <= 90, "invoice_id"]).isdisjoint(
        demo["key"]["long_unpaid_invoices"]
    )


def test_defect_hotspot_is_the_planted_segment(demo, ledger):
    t = demo["tables"]
    summary = quality.defect_summary(
        t["defects"],
        t["projects"],
        as_of=demo["as_of"],
        units=quality.exposure(ledger, t["projects"]),
    )
    result = quality.defect_hotspots(summary, alpha=0.05, min_ratio=1.5)
    assert result.ids_for("defect_hotspot") == demo["key"]["defect_hotspot"]


def test_delivery_below_peers_is_the_planted_project_manager(demo, ledger):
    perf = people.pm_performance(ledger, demo["tables"]["staff"], as_of=demo["as_of"])
    result = people.delivery_below_peers(perf, min_n=10)
    assert result.ids_for("delivery_below_peers") == demo["key"]["delivery_below_peers"]


def test_decision_effects_match_the_plants(demo, ledger):
    t = demo["tables"]
    events = kpis.kpi_events(
        ledger=ledger,
        invoices=t["invoices"],
        payments=t["payments"],
        expenses=t["expenses"],
        defects=t["defects"],
        projects=t["projects"],
        as_of=demo["as_of"],
    )
    mapping = pd.read_csv(CRITERIA / "decision-kpis.csv")
    effects = periods.decision_effects(
        t["decisions"],
        events,
        mapping,
        as_of=demo["as_of"],
        window_days=180,
        alpha=0.05,
        materiality=0.10,
    )
    result = periods.decision_findings(effects)
    assert result.ids_for("decision_effect") == demo["key"]["decision_effect"]
    assert result.ids_for("decision_no_effect") == demo["key"]["decision_no_effect"]
    assert result.ids_for("decision_adverse_effect") == []
    moved = effects.loc[effects["verdict"] == "improved"].iloc[0]
    assert moved["kpi"] == "delivery_to_acceptance_days"
    assert moved["segment"] == "Public Sector"
    assert moved["relative_change"] < -0.5


def test_kpi_catalogue_checks_match_the_plants(demo):
    t = demo["tables"]
    computable = pd.read_csv(CRITERIA / "computable-kpis.csv")
    result = catalogue.catalogue_check(t["kpi_catalogue"], computable, t.keys())
    for check in (
        "kpi_missing_owner",
        "kpi_missing_target",
        "kpi_missing_definition",
        "kpi_not_computable",
    ):
        assert result.ids_for(check) == demo["key"][check], check
