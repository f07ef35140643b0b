"""Governance evidence: reporting cadence, and claims that the data does not support."""

from __future__ import annotations

import pandas as pd

from workbench.pm.governance import (
    cadence_compliance,
    claim_unsupported_findings,
    data_rules,
    no_data_findings,
    reporting_cadence,
    reporting_gap_findings,
)


def test_reporting_cadence_counts_missing_months_within_the_period() -> None:
    projects = pd.DataFrame(
        {
            "project_id": ["A", "B", "C", "D"],
            "pm_id": ["P1"] * 4,
            "status": ["active", "closed", "active", "planned"],
            "baseline_start": ["2024-11-01", "2025-01-01", "2025-03-01", "2025-09-01"],
            "actual_start": ["2024-11-15", "2025-01-10", "2025-03-05", None],
            "actual_finish": [None, "2025-03-20", None, None],
        }
    )
    snaps = pd.DataFrame(
        {
            "project_id": ["A", "A", "A", "B", "B"],
            "period_end": ["2024-12-31", "2025-01-31", "2025-04-30", "2025-01-31", "2025-03-31"],
        }
    )
    cadence = reporting_cadence(snaps, projects, "2025-01-01", "2025-04-30").set_index("project_id")
    assert "D" not in cadence.index
    assert cadence.loc["A", "expected_months"] == 4
    assert cadence.loc["A", "missing"] == "2025-02, 2025-03"
    assert cadence.loc["B", "missing"] == "2025-02"
    assert not cadence.loc["C", "has_data"] and cadence.loc["C", "missing_months"] == 2
    assert cadence_compliance(cadence) == (2 + 2) / (4 + 3 + 2)
    assert no_data_findings(cadence.reset_index())[0].entities.ids == ["C"]
    assert reporting_gap_findings(cadence.reset_index())[0].entities.ids == ["A", "B"]


def test_rule_claimed_in_the_questionnaire_but_not_followed_is_a_finding() -> None:
    definitions = {
        "risk_review_cadence": {
            "rule": "Risks reviewed every {risk_review_days} days",
            "question_id": "RSK-04",
        },
        "risk_ownership": {"rule": "Every risk owned", "question_id": "RSK-03"},
        "cr_decision_time": {"rule": "Decided in time", "question_id": "INT-03"},
        "templates": {"rule": "Templates used", "question_id": "GOV-02"},
    }
    measures = {
        "risk_review_cadence": {"compliance": 0.80, "population": 50, "exceptions": 10},
        "risk_ownership": {"compliance": 0.98, "population": 50, "exceptions": 1},
        "cr_decision_time": {"compliance": 0.60, "population": 20, "exceptions": 8},
    }
    scores = pd.DataFrame(
        {"question_id": ["RSK-04", "RSK-03", "INT-03", "GOV-02"], "score": [4.0, 3.0, 2.0, 3.0]}
    )
    rules = data_rules(definitions, measures, scores, 3, 0.95, {"risk_review_days": 30})
    verdicts = rules.set_index("rule_id")["verdict"].to_dict()
    assert verdicts == {
        "risk_review_cadence": "claimed, not supported by the data",
        "risk_ownership": "claimed and supported",
        "cr_decision_time": "not in place",
        "templates": "no data",
    }
    assert rules.loc[0, "rule"] == "Risks reviewed every 30 days"
    finding = claim_unsupported_findings(rules, 0.95)[0]
    assert finding.entities.ids == ["risk_review_cadence"] and finding.population.count == 3


def test_an_unanswered_question_is_not_reported_as_a_rule_not_in_place() -> None:
    definitions = {
        "cr_decision_time": {"rule": "Decided in time", "question_id": "INT-03"},
        "risk_ownership": {"rule": "Every risk owned", "question_id": "RSK-03"},
    }
    measures = {
        "cr_decision_time": {"compliance": 0.60, "population": 20, "exceptions": 8},
        "risk_ownership": {"compliance": 0.99, "population": 20, "exceptions": 0},
    }
    scores = pd.DataFrame({"question_id": ["INT-03", "RSK-03"], "score": [float("nan")] * 2})
    verdicts = data_rules(definitions, measures, scores, 3, 0.95).set_index("rule_id")["verdict"]
    assert verdicts["cr_decision_time"] == "question unanswered; not followed in the data"
    assert verdicts["risk_ownership"] == "question unanswered; followed in the data"


def test_a_closed_project_without_finish_date_is_not_expected_to_report_to_the_period_end() -> None:
    projects = pd.DataFrame(
        {
            "project_id": ["A", "B"],
            "pm_id": ["P1"] * 2,
            "status": ["closed", "cancelled"],
            "baseline_start": ["2025-01-01"] * 2,
            "actual_finish": [None, None],
        }
    )
    snaps = pd.DataFrame({"project_id": ["A", "A"], "period_end": ["2025-01-31", "2025-02-28"]})
    cadence = reporting_cadence(snaps, projects, "2025-01-01", "2025-06-30").set_index("project_id")
    # A reported until February, then closed: nothing missing. B left no trace: not expected.
    assert cadence.loc["A", "expected_months"] == 2 and cadence.loc["A", "missing_months"] == 0
    assert "B" not in cadence.index
    assert no_data_findings(cadence.reset_index()) == []
