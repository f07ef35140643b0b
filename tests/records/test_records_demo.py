"""Every record-management check finds exactly what the demo generator planted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from workbench.demo import records as demo_records
from workbench.demo.core import DemoContext, build_core
from workbench.records.audit import run_audit

CRITERIA = (
    Path(__file__).resolve().parents[2] / "playbooks" / "record-management-audit" / "criteria"
)
PLAYBOOK = "record-management-audit"


def _criteria(name: str) -> pd.DataFrame:
    return pd.read_csv(CRITERIA / f"{name}.csv", keep_default_na=False, na_values=[""])


def _typed(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The demo tables as the loader hands them over: dates as datetime64."""
    out = dict(tables)
    date_cols = {
        "hire_date",
        "leave_date",
        "baseline_start",
        "baseline_finish",
        "actual_start",
        "actual_finish",
        "forecast_finish",
    }
    for name in ("staff", "projects"):
        frame = out[name].copy()
        for col in date_cols & set(frame.columns):
            frame[col] = pd.to_datetime(frame[col])
        out[name] = frame
    return out


@pytest.fixture(scope="module")
def demo() -> tuple[DemoContext, object]:
    ctx = DemoContext()
    build_core(ctx)
    demo_records.generate(ctx)
    audit = run_audit(
        _typed(ctx.tables),
        required_documents=_criteria("required_documents"),
        metadata_schema=_criteria("metadata_schema"),
        scoring_spec=yaml.safe_load((CRITERIA / "scoring.yaml").read_text()),
        naming_rules=_criteria("naming_rules"),
        templates=_criteria("templates"),
        as_of=pd.Timestamp(ctx.period_end),
    )
    return ctx, audit


CHECKS = [
    "missing_mandatory_document",
    "outdated_template",
    "naming_violation",
    "several_final_versions",
    "version_gap",
    "unapproved_document",
    "approval_before_creation",
    "metadata_incomplete",
    "no_retention_class",
    "unknown_retention_class",
    "disposal_overdue",
    "premature_disposal",
    "disposed_under_legal_hold",
    "confidential_shared_externally",
    "confidential_shared_with_leavers",
]


@pytest.mark.parametrize("check", CHECKS)
def test_each_check_returns_exactly_the_planted_ids(demo, check):
    ctx, audit = demo
    planted = ctx.answer_key[PLAYBOOK][check]
    result = audit.results[check]
    assert result.ran, result.limitation
    assert result.ids == sorted(planted)


def test_every_check_has_a_plant_recorded(demo):
    ctx, _ = demo
    assert set(CHECKS) == set(ctx.answer_key[PLAYBOOK])


def test_plants_are_realistic_in_size(demo):
    ctx, _ = demo
    records = ctx.tables["records"]
    assert 2_000 <= len(records) <= 4_000
    assert records["record_id"].is_unique
    for check, ids in ctx.answer_key[PLAYBOOK].items():
        if check != "unknown_retention_class":
            assert 3 <= len(ids) <= 40, check
    acceptance = [
        i
        for i in ctx.answer_key[PLAYBOOK]["missing_mandatory_document"]
        if i.endswith("/acceptance_certificate")
    ]
    assert len(acceptance) == 5


def test_demo_register_is_messy_in_the_documented_ways(demo):
    ctx, audit = demo
    records = ctx.tables["records"]
    assert records["file_name"].str.startswith("https://").any()
    assert records["file_name"].str.startswith("\\\\").any()
    versions = set(records["version"])
    assert {"Final"} <= versions
    assert any(v.startswith("final_v") for v in versions)
    assert any(v.startswith("v") for v in versions)
    assert any(v.startswith("V") for v in versions)
    assert set(ctx.tables["access"]["principal_type"]) == {
        "user",
        "group",
        "external",
        "guest",
        "link",
    }
    assert any("paths or URLs" in n for n in audit.notes)


def test_leavers_are_the_two_staff_who_left(demo):
    _, audit = demo
    detail = audit.results["confidential_shared_with_leavers"].table
    assert set(detail["person_id"]) == {"P020", "P045"}


def test_demo_generation_is_deterministic():
    first, second = DemoContext(), DemoContext()
    for ctx in (first, second):
        build_core(ctx)
        demo_records.generate(ctx)
    pd.testing.assert_frame_equal(first.tables["records"], second.tables["records"])
    pd.testing.assert_frame_equal(first.tables["access"], second.tables["access"])
    assert first.answer_key == second.answer_key


def test_demo_constants_match_the_shipped_criteria():
    templates = _criteria("templates")
    shipped = {
        r.doc_type: (r.template_id, r.effective_from, r.previous_template_id or "")
        for r in templates.fillna("").itertuples(index=False)
    }
    assert shipped == demo_records.TEMPLATES
    matrix = _criteria("required_documents")
    rows = {
        (r.phase, r.doc_type, r.project_type, r.mandatory == "yes")
        for r in matrix.itertuples(index=False)
    }
    expected = set()
    for phase, doc, types, mandatory in demo_records.REQUIRED:
        for t in types or ("*",):
            expected.add((phase, doc, t, mandatory))
    assert rows == expected


def test_scores_rank_the_four_pm_teams_with_intervals(demo):
    _, audit = demo
    teams = audit.team_scores
    assert sorted(teams["team"]) == ["PM Enterprise", "PM Public Sector", "PM Retail", "PM Telecom"]
    assert teams["rank"].tolist() == sorted(teams["rank"].tolist())
    assert (teams["ci_low"] < teams["pass_rate"]).all()
    assert (teams["pass_rate"] < teams["ci_high"]).all()
    assert len(audit.project_scores) == 40
    # small projects are flagged rather than ranked with false confidence
    projects = audit.project_scores
    flagged = (projects["items"] < 300) | (projects["ci_high"] - projects["ci_low"] > 0.05)
    assert projects["small_sample"].tolist() == flagged.tolist()
    assert 0 < projects["small_sample"].sum() < len(projects)


def test_inspection_sample_is_the_aicpa_size_and_lands_as_info_finding(demo):
    _, audit = demo
    assert audit.sample_plan.n == 59
    assert len(audit.sample) == 59
    finding = audit.sample_finding
    assert finding.severity == "info"
    assert finding.entities.ids == audit.sample["record_id"].tolist()
    assert not set(finding.entities.ids) & set(
        ctx_ids
        for ctx_ids in audit.register.loc[audit.register["disposed_date"].notna(), "record_id"]
    )


def test_overall_score_is_the_weighted_score_of_every_tested_item(demo):
    _, audit = demo
    score = audit.overall_score()
    teams = audit.team_scores
    assert teams["score"].min() - 0.1 <= score <= teams["score"].max() + 0.1
    assert 90 < score < 100
