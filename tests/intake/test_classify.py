"""Free-text activity labels classified against the activity catalogue, and what the PM
workload does with labels it cannot classify with confidence."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.classify import Matcher, extend_catalogue
from workbench.pm import Params, run_pm_audit
from workbench.pm.workload import activity_classification, classify_hours

CRITERIA = Path(__file__).parents[2] / "playbooks" / "pm-function-audit" / "criteria"
CATALOGUE = pd.read_csv(CRITERIA / "activity_catalogue.csv")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.from_frame(CATALOGUE, "activity", "category")


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("PMO governance", "pmo"),
        ("Template preparation", "pmo"),
        ("Audit", "pmo"),
        ("Procurement governance", "pmo"),
        ("Training planning", "pmo"),
        ("Record management", "pmo"),
        ("Design work", "delivery"),
    ],
)
def test_the_labels_of_the_reported_client_are_classified(
    matcher: Matcher, label: str, category: str
) -> None:
    decided = matcher.match(label)
    assert decided["class"] == category
    assert decided["confidence"] == 1.0
    assert decided["method"] in ("exact", "synonym")


def test_each_way_of_deciding_is_reported_with_its_confidence(matcher: Matcher) -> None:
    table = matcher.classify(
        ["KPI reporting", "Portfolo reportng", "Audits of the Q3 projects", "Coffee"]
    ).set_index("label")
    assert table.loc["KPI reporting", "method"] == "exact"
    assert table.loc["Portfolo reportng", "entry"] == "portfolio reporting"
    assert table.loc["Portfolo reportng", "method"].startswith("fuzzy ")
    assert 0.9 <= table.loc["Portfolo reportng", "confidence"] < 1.0
    assert table.loc["Audits of the Q3 projects", "method"] == "keyword"
    assert table.loc["Audits of the Q3 projects", "class"] == "pmo"
    assert table.loc["Audits of the Q3 projects", "confidence"] == 0.85
    assert table.loc["Coffee", "class"] == "unclassified"
    assert table.loc["Coffee", "confidence"] == 0.0


def test_the_longest_keyword_decides_and_a_disagreement_lowers_the_confidence(
    matcher: Matcher,
) -> None:
    # "template" (pmo) is longer than "design" (delivery): a design template is PMO work
    decided = matcher.match("Design template update")
    assert decided["class"] == "pmo" and decided["method"] == "keyword"
    assert decided["confidence"] == 0.6


def test_an_override_wins_and_names_a_class_or_a_catalogue_activity() -> None:
    matcher = Matcher.from_frame(
        CATALOGUE, "activity", "category", {"Audit": "delivery", "Coffee": "internal meeting"}
    )
    assert matcher.match("audit") == {
        "label": "audit", "class": "delivery", "entry": "", "confidence": 1.0,
        "method": "override",
    }  # fmt: skip
    assert matcher.match("Coffee")["entry"] == "internal meeting"
    assert matcher.match("Coffee")["class"] == "other"
    with pytest.raises(ValueError, match="neither a class"):
        Matcher.from_frame(CATALOGUE, "activity", "category", {"Audit": "pmo work"})


def test_a_client_catalogue_extends_the_shipped_one() -> None:
    client = pd.DataFrame({"Activity": ["Bid support", "Design"], "Category": ["other", "pm"]})
    merged = extend_catalogue(CATALOGUE, client, "activity")
    assert len(merged) == len(CATALOGUE) + 1
    matcher = Matcher.from_frame(merged, "activity", "category")
    assert matcher.match("Bid support")["class"] == "other"
    assert matcher.match("design")["class"] == "pm"  # the client's entry replaces ours
    assert matcher.match("PMO governance")["class"] == "pmo"  # ours is still there


def _timesheets() -> pd.DataFrame:
    rows = [
        ("P1", "PMO governance", 30.0),
        ("P1", "Template preparation", 10.0),
        ("P1", "Status report", 50.0),
        ("P1", "Design template update", 5.0),
        ("P1", "Coffee", 5.0),
    ]
    return pd.DataFrame(
        [
            {"person_id": p, "date": pd.Timestamp("2025-03-03"), "hours": h, "activity": a}
            for p, a, h in rows
        ]
    )


def test_the_classification_table_gives_each_label_its_hours_class_and_method() -> None:
    classified = classify_hours(_timesheets(), CATALOGUE)
    table = activity_classification(classified).set_index("activity")
    assert table["hours"].to_dict() == {
        "Status report": 50.0,
        "PMO governance": 30.0,
        "Template preparation": 10.0,
        "Coffee": 5.0,
        "Design template update": 5.0,
    }
    assert table.loc["Status report", "category"] == "pm"
    assert table.loc["PMO governance", "entry"] == "governance review"
    assert table.loc["Coffee", "method"] == "unclassified"


def test_uncertain_hours_are_a_limitation_naming_the_labels_and_pmo_share_counts_them() -> None:
    staff = pd.DataFrame(
        [{"person_id": "P1", "name": "Amira", "role": "Project Manager", "team": "PM",
          "segment": "E"}]
    )  # fmt: skip
    projects = pd.DataFrame(
        [{"project_id": "X", "pm_id": "P1", "status": "active", "budget": 1.0,
          "baseline_start": pd.Timestamp("2025-01-01"),
          "baseline_finish": pd.Timestamp("2025-12-31")}]
    )  # fmt: skip
    audit = run_pm_audit(
        {"timesheets": _timesheets(), "staff": staff, "projects": projects},
        questionnaire=pd.read_csv(CRITERIA / "questionnaire.csv"),
        activity_catalogue=CATALOGUE,
        size_bands=pd.read_csv(CRITERIA / "size_bands.csv"),
        governance_rules={"rules": {}},
        params=Params.defaults(),
        period_start="2025-01-01",
        period_end="2025-12-31",
        activity_overrides={"Status report": "status reporting"},
    )
    (reason,) = [r for c, r in audit.limitations if c == "pmo_work_on_pms"]
    assert "5 hours logged on activities the catalogue does not classify (Coffee)" in reason
    assert "Design template update as pmo (keyword)" in reason
    shares = audit.shares.set_index("person_id")
    assert shares.loc["P1", "pmo_hours"] == 45.0
    # Of the 95 hours worked: the 5 unclassified hours (Coffee) are not in the denominator.
    assert shares.loc["P1", "pmo_share"] == pytest.approx(45 / 95)
    assert audit.classification.set_index("activity").loc["Status report", "method"] == "override"
