"""Fixtures of the PM-function tests: the playbook's criteria and the demo engagement loaded
through the real loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from workbench.engagement import load_engagement
from workbench.io import load_inputs
from workbench.pm import Params, PMAudit, run_pm_audit

CRITERIA = Path(__file__).resolve().parents[2] / "playbooks" / "pm-function-audit" / "criteria"
TABLES = [
    "projects",
    "staff",
    "evm_snapshots",
    "timesheets",
    "maturity_responses",
    "change_requests",
    "risks",
]


def criteria() -> dict[str, Any]:
    """The shipped criteria, read as the session reads them."""
    read = {"keep_default_na": False, "na_values": [""]}
    return {
        "questionnaire": pd.read_csv(CRITERIA / "questionnaire.csv", **read),
        "activity_catalogue": pd.read_csv(CRITERIA / "activity_catalogue.csv", **read),
        "size_bands": pd.read_csv(CRITERIA / "size_bands.csv", **read),
        "governance_rules": yaml.safe_load((CRITERIA / "governance_rules.yaml").read_text()),
    }


def audit_of(tables: dict[str, pd.DataFrame], **params: Any) -> PMAudit:
    """The audit with the shipped criteria over a 2024-07 to 2026-06 period."""
    return run_pm_audit(
        tables,
        **criteria(),
        params=Params.defaults(**params),
        period_start="2024-07-01",
        period_end="2026-06-30",
        currency="EUR",
    )


@pytest.fixture(scope="session")
def demo_pm(demo_engagement: Path) -> dict[str, Any]:
    """The demo's PM tables as the loader types them, the audit on them, and the answer key."""
    engagement = load_engagement(demo_engagement)
    loaded = load_inputs(engagement, TABLES)
    assert not loaded.report.errors, [i.render() for i in loaded.report.errors]
    key = json.loads((demo_engagement / "answer_key.json").read_text())["pm-function-audit"]
    params = engagement.config.parameters.get("pm-function-audit", {})
    return {"tables": loaded.tables, "audit": audit_of(loaded.tables, **params), "key": key}
