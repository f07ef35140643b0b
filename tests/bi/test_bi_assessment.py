"""The whole assessment on the demo: every planted problem, and only those, becomes a finding."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench import bi
from workbench.result import Period

ROOT = Path(__file__).resolve().parents[2] / "playbooks" / "bi-assessment"


def _criteria() -> dict[str, pd.DataFrame]:
    return {
        n: pd.read_csv(ROOT / "criteria" / f"{n}.csv") for n in ("decision-kpis", "computable-kpis")
    }


def _run(demo, tables) -> bi.assessment.Result:
    period = Period.of(demo["start"], demo["as_of"])
    return bi.run(tables, _criteria(), bi.Params.defaults(), period, currency="EUR")


def test_every_planted_problem_is_found_exactly(demo):
    result = _run(demo, demo["tables"])
    found: dict[str, set[str]] = {}
    for f in result.findings:
        found.setdefault(f.check, set()).update(f.entities.ids)
    for check, ids in demo["key"].items():
        assert sorted(found.get(check, set())) == ids, check
    # Nothing else is raised except the informational ranking of pain points.
    assert set(found) - set(demo["key"]) == {"segment_pain_points"}
    assert [c for c, _ in result.limitations] == ["cost overrun"]  # no evm_snapshots here
    assert result.analysis.at_stake() > 0
    names = {m.metric for m in result.metrics}
    assert {"invoiced_revenue", "revenue_at_stake", "pain_points.score"} <= names
    leaked = result.tables["exceptions.accepted_not_invoiced"]
    assert sorted(leaked["milestone_id"]) == demo["key"]["accepted_not_invoiced"]
    assert result.markdown("summary").startswith("As of ")


def test_missing_tables_become_limitations_not_errors(demo):
    tables = {"projects": demo["tables"]["projects"], "staff": demo["tables"]["staff"]}
    result = _run(demo, tables)
    checks = [c for c, _ in result.limitations]
    assert {
        "revenue assurance",
        "decision effects",
        "quality of work",
        "KPI catalogue",
        "expense analytics",
    } <= set(checks)
    assert [f.check for f in result.findings] == ["segment_pain_points"]
    assert set(result.charts) == set()
    assert "exceptions.accepted_not_invoiced" not in result.tables


def test_a_ledger_alone_runs_the_expense_analytics(demo):
    result = _run(demo, {"expenses": demo["tables"]["expenses"]})
    found: dict[str, set[str]] = {}
    for f in result.findings:
        found.setdefault(f.check, set()).update(f.entities.ids)
    for check in (
        "exact_duplicates",
        "duplicates_same_same_different",
        "fuzzy_vendor_names",
        "just_below_approval_limit",
        "round_amounts",
        "weekend_postings",
        "holiday_postings",
        "outliers_robust",
    ):
        assert sorted(found[check]) == demo["key"][check], check
    assert {"benford_expenses", "duplicates", "samples"} <= set(result.tables)
    assert "revenue assurance" in {c for c, _ in result.limitations}
