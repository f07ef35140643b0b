"""Each records check on small registers where the answer is known by construction."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.analytics.sampling import wilson_interval
from workbench.findings import CheckResult
from workbench.records import access, completeness, control, metadata, retention, scoring
from workbench.records.audit import inspection_sample, key_messages, run_audit
from workbench.records.register import (
    document_stem,
    file_name_of,
    outcome_frame,
    parse_version,
    prepare_register,
)

T = pd.Timestamp
AS_OF = T("2026-06-30")


def _records(rows: list[dict]) -> pd.DataFrame:
    base = {
        "project_id": "PRJ-001",
        "doc_type": "billing",
        "version": "1.0",
        "status": "final",
        "created": T("2025-01-10"),
        "modified": T("2025-01-12"),
    }
    out = []
    for i, row in enumerate(rows, start=1):
        rec = {"record_id": f"R{i:02d}", **base, **row}
        rec.setdefault("file_name", f"{rec['project_id']}_X{i}_v1.0.pdf")
        out.append(rec)
    frame = pd.DataFrame(out)
    for col in ("created", "modified", "approved_date", "disposed_date"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col])
    return frame


PROJECTS = pd.DataFrame(
    {
        "project_id": ["PRJ-001", "PRJ-002", "PRJ-003"],
        "pm_id": ["P001", "P002", "P001"],
        "project_type": ["Implementation", "consulting", "implementation"],
        "status": ["closed", "active", "planned"],
        "phase": ["closing", "execution", None],
        "actual_finish": pd.to_datetime(["2025-03-31", None, None]),
    }
)
STAFF = pd.DataFrame(
    {
        "person_id": ["P001", "P002", "P020", "P045"],
        "name": ["Amira Costa", "Ben Adler", "Dara Silva", "Omar Rossi"],
        "team": ["PM Enterprise", "PM Retail", "Delivery", "Delivery"],
        "leave_date": pd.to_datetime([None, None, "2025-09-30", "2026-02-28"]),
    }
)


# --------------------------------------------------------------------------- register


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("1.0", (1, 0, False, False)),
        ("v2", (2, 0, False, False)),
        ("V1.3", (1, 3, False, False)),
        ("final_v3", (3, 0, True, False)),
        ("0.3 draft", (0, 3, False, True)),
        (2.0, (2, 0, False, False)),
        ("rev 4", (4, 0, False, False)),
    ],
)
def test_versions_are_read_from_messy_labels(label, expected):
    major, minor, final, draft = parse_version(label)
    assert (major, minor, final, draft) == expected


def test_version_final_without_number_has_no_major():
    major, _, final, _ = parse_version("Final")
    assert final and pd.isna(major)
    assert pd.isna(parse_version(None)[0])


def test_file_name_is_last_component_of_paths_and_urls():
    assert (
        file_name_of("https://x.sharepoint.com/sites/P/Shared%20Documents/A%20B.docx?web=1")
        == "A B.docx"
    )
    assert (
        file_name_of("\\\\fs01\\projects\\PRJ-001\\PRJ-001_SOW_v1.0.docx")
        == "PRJ-001_SOW_v1.0.docx"
    )
    assert file_name_of("Projects/PRJ-001/") == "PRJ-001"
    assert file_name_of(None) == ""


def test_document_stem_drops_versions_labels_and_copy_marks():
    same = [
        "PRJ-001_SOW_v1.0.docx",
        "PRJ-001_SOW_v2.0.pdf",
        "PRJ-001_SOW_final_v3.docx",
        "PRJ-001_SOW_v1.0 (1).docx",
        "PRJ-001 SOW draft.docx",
    ]
    assert {document_stem(n) for n in same} == {"prj 001 sow"}
    assert document_stem("scan_0032.pdf") != document_stem("scan_0033.pdf")


def test_prepare_register_marks_finals_approvals_and_teams():
    reg = prepare_register(
        _records(
            [
                {"status": "superseded", "version": "final_v1"},
                {"status": "Final", "approved_by": "P057"},
                {"status": "draft", "version": "Final draft"},
                {"status": "in review", "version": "final", "project_id": "PRJ-002"},
            ]
        ),
        PROJECTS,
        STAFF,
    )
    assert reg["is_final"].tolist() == [False, True, False, True]
    assert reg["is_approved"].tolist() == [False, True, False, False]
    assert reg["team"].tolist() == ["PM Enterprise"] * 3 + ["PM Retail"]


# --------------------------------------------------------------------------- completeness


MATRIX = pd.DataFrame(
    {
        "project_type": ["*", "implementation", "all", "Consulting"],
        "phase": ["Initiation", "planning", "closing", "planning"],
        "doc_type": ["Scope of Work", "design", "acceptance certificate", "design"],
        "mandatory": ["yes", "Y", "TRUE", "no"],
    }
)


def test_projects_need_documents_of_their_phase_and_all_earlier_phases():
    reg = prepare_register(
        _records(
            [
                {"doc_type": "scope of work"},
                {"doc_type": "Design"},
                {"doc_type": "Scope of Work", "project_id": "PRJ-002"},
            ]
        ),
        PROJECTS,
        STAFF,
    )
    result = completeness.missing_mandatory_documents(reg, PROJECTS, MATRIX)
    # PRJ-001 closing: SOW, design, acceptance -> acceptance missing
    # PRJ-002 consulting execution: SOW only (design optional) -> complete
    # PRJ-003 planned, no phase -> initiation from status: SOW missing
    assert result.ids == ["PRJ-001/acceptance_certificate", "PRJ-003/scope_of_work"]
    assert result.population == 5
    by_doc = {f.entities.ids[0].split("/")[1]: f for f in result.findings}
    assert by_doc["acceptance_certificate"].severity == "high"
    assert by_doc["acceptance_certificate"].population.count == 1
    expected = completeness.expected_documents(PROJECTS, MATRIX)
    table = completeness.completeness_table(result, expected)
    assert table.loc["PRJ-001", "initiation"] == 1.0
    assert table.loc["PRJ-001", "closing"] == 0.0
    assert table.loc["PRJ-001", "overall"] == pytest.approx(2 / 3)
    assert pd.isna(table.loc["PRJ-002", "closing"])


def test_a_draft_unapproved_or_disposed_record_is_not_the_held_mandatory_document():
    projects = pd.DataFrame(
        {
            "project_id": ["A", "B", "C", "D"],
            "project_type": "consulting",
            "status": "closed",
            "phase": "closing",
        }
    )
    matrix = pd.DataFrame(
        {
            "project_type": ["*"],
            "phase": ["closing"],
            "doc_type": ["acceptance certificate"],
            "mandatory": ["yes"],
        }
    )
    approved = {"approved_by": "P001", "approved_date": T("2025-02-01")}
    reg = prepare_register(
        _records(
            [
                {"project_id": "A", "doc_type": "acceptance certificate", **approved},
                {"project_id": "B", "doc_type": "acceptance certificate", "status": "draft"},
                {"project_id": "C", "doc_type": "acceptance certificate"},  # never approved
                {
                    "project_id": "D",
                    "doc_type": "acceptance certificate",
                    "disposed_date": T("2025-06-01"),
                    **approved,
                },
            ]
        )
    )
    result = completeness.missing_mandatory_documents(reg, projects, matrix, as_of=AS_OF)
    assert result.ids == [
        "B/acceptance_certificate",
        "C/acceptance_certificate",
        "D/acceptance_certificate",
    ]
    reasons = result.table.set_index("project_id")["held"].to_dict()
    assert reasons == {"B": "draft only", "C": "not approved", "D": "disposed"}
    summary = result.findings[0].summary
    assert "signed" not in summary
    assert "3 of 4 projects" in summary and "none approved and kept" in summary


def test_matrix_without_required_column_is_a_clear_error():
    with pytest.raises(ValueError, match="doc_type"):
        completeness.normalise_matrix(pd.DataFrame({"project_type": ["*"], "phase": ["x"]}))


# --------------------------------------------------------------------------- control

TEMPLATES = pd.DataFrame(
    {
        "doc_type": ["billing", "minutes_of_meeting"],
        "template_id": ["TPL-BIL-v2", "TPL-MOM-v2"],
        "effective_from": ["2025-07-01", ""],
    }
)


def test_outdated_templates_respect_the_effective_date():
    reg = prepare_register(
        _records(
            [
                {"template_id": "TPL-BIL-v1", "created": T("2025-06-30")},  # before: fine
                {"template_id": "TPL-BIL-v1", "created": T("2025-07-01")},  # after: outdated
                {"template_id": "tpl-bil-v2 ", "created": T("2025-08-01")},  # current (case/space)
                {"template_id": None},  # metadata, not here
                {"doc_type": "Minutes of Meeting", "template_id": "TPL-MOM-v1"},
                {"doc_type": "design", "template_id": "ANY"},  # no criteria: untested
            ]
        )
    )
    result = control.outdated_templates(reg, TEMPLATES)
    assert result.ids == ["R02", "R05"]
    assert result.table["current_template"].tolist() == ["TPL-BIL-v2", "TPL-MOM-v2"]
    assert result.population == 4


def test_naming_rules_use_the_records_own_project_id():
    rules = pd.DataFrame(
        {
            "doc_type": ["billing", "*"],
            "pattern": [
                r"{project_id}_BIL_INV-\d{4,}_v\d+\.\d+\.pdf",
                r"{project_id}_[A-Z]+\.docx",
            ],
        }
    )
    reg = prepare_register(
        _records(
            [
                {"file_name": "PRJ-001_BIL_INV-20250101_v1.0.pdf"},
                {"file_name": "sites/PRJ-001/PRJ-001_BIL_INV-20250102_v1.0.pdf"},
                {"file_name": "PRJ-002_BIL_INV-20250103_v1.0.pdf"},  # wrong project
                {"file_name": "Invoice final.pdf"},
                {"doc_type": "design", "file_name": "PRJ-001_DES.docx"},
                {"doc_type": "design", "file_name": "design.docx"},
            ]
        )
    )
    result = control.naming_violations(reg, rules)
    assert result.ids == ["R03", "R04", "R06"]
    assert result.population == 6


def test_invalid_naming_pattern_is_reported_not_raised():
    rules = pd.DataFrame({"doc_type": ["billing"], "pattern": ["(unclosed"]})
    result = control.naming_violations(prepare_register(_records([{}])), rules)
    assert not result.ran and "regular expression" in result.limitation


def test_several_finals_gaps_unapproved_and_backdated_approvals():
    reg = prepare_register(
        _records(
            [
                # document A: two finals
                {
                    "file_name": "A_v1.0.pdf",
                    "version": "1.0",
                    "status": "final",
                    "approved_by": "P9",
                },
                {"file_name": "A_v2.0.pdf", "version": "final_v2", "status": "draft"},
                {"file_name": "A_final.pdf", "version": "Final", "status": "final"},
                # document B: 1.0 then 3.0, approved before created
                {"file_name": "B_v1.0.pdf", "version": "v1", "status": "superseded"},
                {
                    "file_name": "B_v3.0.pdf",
                    "version": "3.0",
                    "approved_date": T("2025-01-01"),
                    "created": T("2025-01-10"),
                },
                # document C: never approved, old; document D: never approved, young
                {"file_name": "C_v1.0.pdf", "created": T("2025-01-01")},
                {"file_name": "D_v1.0.pdf", "created": T("2026-06-20")},
            ]
        )
    )
    finals = control.several_finals(reg)
    assert finals.ids == ["R01", "R03"]
    assert finals.population == 4
    gaps = control.version_gaps(reg)
    assert gaps.ids == ["R05"]
    assert gaps.table[["previous", "next"]].iloc[0].tolist() == [1, 3]
    unapproved = control.unapproved_documents(reg, AS_OF, grace_days=30)
    assert unapproved.ids == ["R06"]
    assert unapproved.population == 3  # D is still within the grace period
    backdated = control.approval_before_creation(reg)
    assert backdated.ids == ["R05"]
    assert backdated.table["days_before"].tolist() == [9]


def test_version_checks_without_approval_columns_are_limitations():
    reg = prepare_register(_records([{}]))
    assert not control.unapproved_documents(reg, AS_OF).ran
    assert not control.approval_before_creation(reg).ran


# --------------------------------------------------------------------------- metadata

SCHEMA = pd.DataFrame(
    {
        "field": ["record_id", "owner_id", "classification", "retention_class", "location"],
        "element": ["Identifier", "Agent", "Security", "Disposal", "Storage"],
        "required": ["yes", "yes", "yes", "yes", "yes"],
        "finding": ["yes", "yes", "yes", "no", "yes"],
    }
)


def test_metadata_completeness_per_field_and_team():
    reg = prepare_register(
        _records(
            [
                {"owner_id": "P001", "classification": "internal", "retention_class": "X"},
                {"owner_id": " ", "classification": "internal", "retention_class": None},
                {
                    "owner_id": "P002",
                    "classification": None,
                    "retention_class": "X",
                    "project_id": "PRJ-002",
                },
                {
                    "owner_id": "P002",
                    "classification": "internal",
                    "retention_class": None,
                    "project_id": "PRJ-002",
                },
            ]
        ),
        PROJECTS,
        STAFF,
    )
    result = metadata.metadata_incomplete(reg, SCHEMA, threshold=0.8)
    assert result.ids == ["R02", "R03"]  # retention_class has its own check
    assert result.exceptions == 2
    assert {f.severity for f in result.findings} == {"medium"}  # 75% < 80%
    fields = metadata.field_completeness(reg, SCHEMA).set_index("field")
    assert fields.loc["owner_id", "completeness"] == 0.75
    assert fields.loc["retention_class", "completeness"] == 0.5
    assert not fields.loc["location", "provided"]
    teams = metadata.team_completeness(reg, SCHEMA)
    assert teams.loc["PM Retail", "classification"] == 0.5
    assert teams.loc["PM Enterprise", "owner_id"] == 0.5
    assert result.table.attrs["absent_fields"] == ["location"]


# --------------------------------------------------------------------------- retention

SCHEDULE = pd.DataFrame(
    {
        "retention_class": ["DRAFT-1Y", "FIN-7Y", "CORE-2Y", "PERM"],
        "retain_years": [1.0, 7.0, 2.0, 100.0],
        "trigger": ["modified", "Created", "project closed", "created"],
        "action": ["destroy", "destroy", "archive", "permanent"],
    }
)


def test_retention_clock_and_disposition_checks():
    reg = prepare_register(
        _records(
            [
                {"retention_class": "draft-1y", "modified": T("2025-01-15")},  # overdue
                {"retention_class": "DRAFT-1Y", "modified": T("2025-05-15")},  # in grace
                {
                    "retention_class": "DRAFT-1Y",
                    "modified": T("2025-01-15"),
                    "legal_hold": "yes",
                },  # held: fine
                {"retention_class": "FIN-7Y", "disposed_date": T("2025-06-01")},  # premature
                {
                    "retention_class": "CORE-2Y",
                    "project_id": "PRJ-002",
                    "disposed_date": T("2026-01-01"),
                },  # not started
                {"retention_class": "CORE-2Y", "disposed_date": T("2027-04-01")},  # on time
                {"retention_class": "PERM", "disposed_date": T("2026-01-01")},  # permanent
                {
                    "retention_class": "DRAFT-1Y",
                    "modified": T("2024-01-15"),
                    "disposed_date": T("2025-02-01"),
                    "legal_hold": "Y",
                },  # under hold
                {"retention_class": None},  # no class
                {"retention_class": "MYSTERY"},  # unknown
            ]
        ),
        PROJECTS,
        STAFF,
    )
    status = retention.retention_status(reg, SCHEDULE, PROJECTS, AS_OF)
    ends = status.set_index("record_id")["retention_end"]
    assert ends["R01"] == T("2026-01-15")
    assert ends["R06"] == T("2027-03-31")  # project closed 2025-03-31 + 2 years
    assert pd.isna(ends["R05"]) and pd.isna(ends["R07"])
    assert retention.no_retention_class(status).ids == ["R09"]
    assert retention.unknown_retention_class(status).ids == ["R10"]
    assert retention.disposal_overdue(status, AS_OF, grace_days=90).ids == ["R01"]
    assert retention.premature_disposal(status).ids == ["R04", "R05", "R07"]
    assert retention.disposed_under_legal_hold(status).ids == ["R08"]
    overdue = retention.disposal_overdue(status, AS_OF, grace_days=90)
    assert overdue.table["days_overdue"].tolist() == [(AS_OF - T("2026-01-15")).days]


def test_an_unknown_retention_trigger_date_is_a_limitation_not_a_premature_disposal():
    projects = pd.concat(
        [
            PROJECTS,
            pd.DataFrame(
                {
                    "project_id": ["PRJ-004"],
                    "pm_id": ["P001"],
                    "project_type": ["consulting"],
                    "status": ["closed"],  # closed, but nobody recorded when
                    "phase": ["closing"],
                    "actual_finish": pd.to_datetime([None]),
                }
            ),
        ],
        ignore_index=True,
    )
    reg = prepare_register(
        _records(
            [
                {"retention_class": "FIN-7Y", "created": None, "disposed_date": T("2025-06-01")},
                {
                    "retention_class": "CORE-2Y",
                    "project_id": "PRJ-004",
                    "disposed_date": T("2026-01-01"),
                },
                {
                    "retention_class": "CORE-2Y",
                    "project_id": "PRJ-999",  # not in the projects table
                    "disposed_date": T("2026-01-01"),
                },
                {
                    "retention_class": "CORE-2Y",
                    "project_id": "PRJ-002",  # still active: the clock has not started
                    "disposed_date": T("2026-01-01"),
                },
            ]
        ),
        projects,
        STAFF,
    )
    status = retention.retention_status(reg, SCHEDULE, projects, AS_OF)
    result = retention.premature_disposal(status)
    assert result.ids == ["R04"]
    assert result.findings[0].population.count == 1
    assert result.ran
    assert result.note == (
        "3 disposed record(s) could not be judged: their retention trigger date is unknown "
        "(R01 created date missing; R02 project PRJ-004 closed without actual_finish; R03 "
        "project PRJ-999 not in the projects table)."
    )


def test_retention_without_disposal_columns_is_a_limitation():
    reg = prepare_register(_records([{"retention_class": "FIN-7Y"}]))
    status = retention.retention_status(reg, SCHEDULE, PROJECTS, AS_OF)
    assert not retention.disposal_overdue(status, AS_OF).ran
    assert not retention.premature_disposal(status).ran
    assert not retention.disposed_under_legal_hold(status).ran
    assert retention.no_retention_class(status).ran


# --------------------------------------------------------------------------- access


def test_confidential_records_shared_with_externals_and_leavers():
    reg = prepare_register(
        _records(
            [
                {"classification": "Confidential"},
                {"classification": "confidential"},
                {"classification": "internal"},
                {"classification": "RESTRICTED"},
                {"classification": "confidential"},
            ]
        )
    )
    grants = pd.DataFrame(
        {
            "record_id": ["R01", "R01", "R02", "R03", "R04", "R04", "R05", "R05"],
            "principal": [
                "P001",
                "guest@x.com",
                "Dara Silva",
                "P020",
                "CORP\\p045",
                "Anyone with the link",
                "a.b@partner.eu",
                "P045 Team",
            ],
            "principal_type": ["user", "guest", "user", "user", "user", "link", "user", "group"],
            "permission": ["edit", "read", "read", "read", "read", "read", "read", "read"],
        }
    )
    ext, lvr = access.access_checks(
        grants, reg, STAFF, AS_OF, internal_domains=["northwind.example"]
    )
    assert ext.ids == ["R01", "R04", "R05"]
    assert lvr.ids == ["R02", "R04"]  # R03 is internal; groups never match a person
    assert ext.population == lvr.population == 4
    before_leaving = access.access_checks(grants, reg, STAFF, T("2025-06-30"))[1]
    assert before_leaving.ids == []


# --------------------------------------------------------------------------- scoring

SCORING = {
    "criteria": {
        "completeness": {"weight": 3, "checks": ["docs"]},
        "naming": {"weight": 1, "checks": ["names", "names2"]},
    },
    "pass_mark": 0.8,
    "ranking": {"confidence": 0.95, "min_items": 5, "max_interval_width": 1.0},
    "garp": {
        "levels": {2: 0.5, 3: 0.8, 4: 0.95, 5: 0.99},
        "data_cap": 4,
        "principles": {
            "Compliance": {"checks": ["docs"]},
            "Availability": {"checks": ["names"]},
            "Integrity": {"checks": ["missing"]},
        },
    },
}


def test_scores_weight_criteria_and_rank_with_wilson_intervals():
    results = {
        "docs": CheckResult(
            check="docs",
            tested=outcome_frame(
                ["a", "b", "c", "d"],
                ["PRJ-001", "PRJ-001", "PRJ-002", "PRJ-002"],
                [True, False, True, True],
            ),
        ),
        "names": CheckResult(
            check="names",
            tested=outcome_frame(
                ["r1", "r2", "r3"], ["PRJ-001", "PRJ-002", "PRJ-002"], [True, True, False]
            ),
        ),
        "names2": CheckResult(
            check="names2",
            tested=outcome_frame(["r1", "r2"], ["PRJ-001", "PRJ-002"], [False, True]),
        ),
    }
    items = scoring.scored_items(results, SCORING)
    # r1 fails names2 so fails naming; r3 fails names
    naming = items[items["criterion"] == "naming"].set_index("item_id")["passed"]
    assert naming.to_dict() == {"r1": False, "r2": True, "r3": False}
    teams = pd.DataFrame(
        {"project_id": ["PRJ-001", "PRJ-002"], "pm_id": ["P1", "P2"], "team": ["T1", "T2"]}
    )
    ranked = scoring.scores(items, teams, SCORING, by="project").set_index("project")
    # PRJ-001: completeness 1/2, naming 0/1 -> (3*0.5 + 1*0)/4 = 37.5
    # PRJ-002: completeness 2/2, naming 1/2 -> (3*1 + 1*0.5)/4 = 87.5
    assert ranked.loc["PRJ-001", "score"] == 37.5
    assert ranked.loc["PRJ-002", "score"] == 87.5
    assert ranked.loc["PRJ-002", "rank"] == 1
    assert ranked.loc["PRJ-002", "passed_audit"] and not ranked.loc["PRJ-001", "passed_audit"]
    assert ranked.loc["PRJ-001", "items"] == 3 and ranked.loc["PRJ-001", "passes"] == 1
    assert ranked["small_sample"].all()  # fewer than 5 items each
    low, high = ranked.loc["PRJ-002", ["ci_low", "ci_high"]]
    assert low == pytest.approx(0.3006, abs=1e-3) and high == pytest.approx(0.9544, abs=1e-3)


def test_garp_level_follows_the_weakest_check_and_is_capped():
    results = {
        "docs": CheckResult(
            check="docs", tested=outcome_frame(["a"] * 100, ["P"] * 100, [True] * 100)
        ),
        "names": CheckResult(
            check="names", tested=outcome_frame(["a"] * 10, ["P"] * 10, [True] * 7 + [False] * 3)
        ),
        "missing": CheckResult.skipped("missing", "no table"),
    }
    garp = scoring.garp_maturity(results, SCORING).set_index("principle")
    assert garp.loc["Compliance", "level"] == 4  # 100% but capped at 4
    assert garp.loc["Availability", "level"] == 2  # 70%: >= 0.5, < 0.8
    assert "70.0% pass (7 of 10)" in garp.loc["Availability", "evidence"]
    assert not garp.loc["Integrity", "assessed"]
    assert "no table" in garp.loc["Integrity", "evidence"]
    assert garp.loc["Retention", "label"] == "not assessed"


# --------------------------------------------------------------------------- sample, audit


def test_inspection_sample_is_seeded_and_excludes_disposed_records():
    reg = prepare_register(
        _records([{"disposed_date": T("2025-01-01") if i < 10 else None} for i in range(200)])
    )
    sample, plan, finding = inspection_sample(reg, tolerable_rate=0.05, risk=0.05, seed=3)
    again, _, _ = inspection_sample(reg.iloc[::-1], tolerable_rate=0.05, risk=0.05, seed=3)
    assert plan.n == 59 and plan.population == 190 and plan.allowed_deviations == 0
    assert sample["record_id"].tolist() == again["record_id"].tolist()
    assert not set(sample["record_id"]) & {f"R{i:02d}" for i in range(1, 11)}
    assert finding.severity == "info" and finding.check == "inspection_sample"
    assert finding.entities.ids == sample["record_id"].tolist()
    _, plan10, _ = inspection_sample(
        reg, tolerable_rate=0.10, risk=0.05, expected_rate=0.01, seed=3
    )
    assert plan10.n == 46 and plan10.allowed_deviations == 1


def test_run_audit_on_a_bare_register_states_what_it_could_not_do():
    bare = pd.DataFrame(
        {
            "record_id": ["1", "2"],
            "project_id": ["PRJ-001", "PRJ-001"],
            "doc_type": ["Billing", "Billing"],
            "file_name": ["a/b/x.pdf", "y.pdf"],
            "version": ["1.0", "Final"],
            "status": ["final", "final"],
            "created": pd.to_datetime(["2025-01-01", "2025-02-01"]),
            "modified": pd.to_datetime(["2025-01-01", "2025-02-01"]),
        }
    )
    audit = run_audit(
        {"records": bare},
        required_documents=MATRIX,
        metadata_schema=SCHEMA,
        scoring_spec=SCORING,
        as_of=AS_OF,
    )
    reasons = dict(audit.limitations)
    assert "projects table" in reasons["missing_mandatory_document"]
    assert "retention_class" in reasons["premature_disposal"]
    assert "access table" in reasons["confidential_shared_externally"]
    assert "approved" in reasons["unapproved_document"]
    assert audit.results["several_final_versions"].ran
    assert audit.sample_plan is not None and audit.sample_plan.n == 2
    text = key_messages(audit)
    assert text.startswith("- ")
    assert 1 <= text.count("\n- ") + 1 <= 5
    assert any(m.metric == "records" and m.value == 2 for m in audit.metrics())


def test_ranking_judges_the_gap_between_teams_by_a_test_not_by_overlapping_intervals():
    from workbench.records.audit import ranking_sentence

    # 90 of 100 against 78 of 100: the 95% Wilson intervals overlap (0.826 < 0.848), which
    # was read as "not a significant difference"; Fisher's exact test gives p = 0.03.
    teams = pd.DataFrame(
        {
            "team": ["Alpha", "Beta"],
            "score": [90.0, 78.0],
            "items": [100, 100],
            "passes": [90, 78],
            "pass_rate": [0.90, 0.78],
        }
    )
    lo, hi = zip(*(wilson_interval(p, 100, 0.95) for p in (90, 78)), strict=True)
    teams["ci_low"], teams["ci_high"] = lo, hi
    assert teams.loc[0, "ci_low"] < teams.loc[1, "ci_high"]
    text = ranking_sentence(teams, confidence=0.95)
    assert "overlap" not in text and "not significant" not in text
    assert "significant (Fisher's exact test, p=0.033)" in text
    # The level is the scoring's, not a hard-coded 95%.
    assert "90% CI" in ranking_sentence(teams, confidence=0.90)
    close = teams.assign(passes=[90, 88], pass_rate=[0.90, 0.88])
    assert "not significant (Fisher's exact test, p=0.8" in ranking_sentence(close, 0.95)
