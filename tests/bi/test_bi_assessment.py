"""The whole assessment on the demo: every planted problem, and only those, becomes a finding."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from workbench.bi import assessment

ROOT = Path(__file__).resolve().parents[2] / "playbooks" / "bi-assessment"


def _params() -> dict:
    spec = yaml.safe_load((ROOT / "playbook.yaml").read_text())
    return {name: p.get("default") for name, p in spec["parameters"].items()}


def _criteria() -> dict[str, pd.DataFrame]:
    return {
        n: pd.read_csv(ROOT / "criteria" / f"{n}.csv") for n in ("decision-kpis", "computable-kpis")
    }


def test_every_planted_problem_is_found_exactly(demo):
    a = assessment.run_assessment(
        demo["tables"],
        _params(),
        period_start=demo["start"],
        period_end=demo["as_of"],
        criteria=_criteria(),
    )
    assessment.run_expense_analytics(a, demo["tables"], _params())
    found: dict[str, set[str]] = {}
    for f in a.findings:
        found.setdefault(f.check, set()).update(f.entities.ids)
    for check, ids in demo["key"].items():
        assert sorted(found.get(check, set())) == ids, check
    # Nothing else is raised except the informational ranking of pain points.
    assert set(found) - set(demo["key"]) == {"segment_pain_points"}
    assert [c for c, _ in a.limitations] == ["cost overrun"]  # no evm_snapshots here
    assert a.at_stake() > 0
    names = {m.metric for m in a.metrics()}
    assert {"invoiced_revenue", "revenue_at_stake", "pain_points.score"} <= names


def test_missing_tables_become_limitations_not_errors(demo):
    tables = {"projects": demo["tables"]["projects"], "staff": demo["tables"]["staff"]}
    a = assessment.run_assessment(
        tables,
        _params(),
        period_start=demo["start"],
        period_end=demo["as_of"],
        criteria=_criteria(),
    )
    assessment.run_expense_analytics(a, tables, _params())
    checks = [c for c, _ in a.limitations]
    assert {
        "revenue assurance",
        "decision effects",
        "quality of work",
        "KPI catalogue",
        "expense analytics",
    } <= set(checks)
    assert [f.check for f in a.findings] == ["segment_pain_points"]
