"""Each fault the property tests found, pinned as a plain example.

Hypothesis found these with generated tables and parameters; each is kept here as the
smallest input that showed it, so that it stays fixed whatever the random search visits.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from workbench.io.coerce import coerce

# ------------------------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("cells", "kind", "bad"),
    [
        (["12.5", "inf", "-Infinity", "1e400"], "number", [3, 4, 5]),
        ([1.0, float("inf")], "number", [3]),
        (["3", "1e30", "9.3e18"], "integer", [3, 4]),
        (["2025-01-31", "9999-12-31", "0001-01-01", "31/12/1500"], "date", [3, 4, 5]),
        (
            [dt.date(2025, 1, 31), dt.date(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59)],
            "date",
            [3, 4],
        ),
    ],
)
def test_numbers_and_dates_out_of_range_are_bad_rows_not_values_or_crashes(
    cells: list[object], kind: str, bad: list[int]
) -> None:
    result = coerce(pd.Series(cells, index=range(2, len(cells) + 2), dtype=object), kind)
    assert result.bad_rows == bad
    assert result.values.drop(index=bad).notna().all()
    assert result.values.loc[bad].isna().all()
    if kind == "date":
        assert "9999-12-31" in result.note and "leave such cells empty" in result.note


def test_a_9999_end_date_is_reported_with_file_column_and_row(
    make_engagement, capsys: pytest.CaptureFixture[str]
) -> None:
    """Used by HR systems for 'still employed'; it stopped the load with a traceback."""
    from tests.factories import staff_frame
    from workbench.cli import main

    staff = staff_frame().assign(leave_date=["", "9999-12-31"])
    folder = make_engagement(tables={"staff": staff})
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "inputs/staff.csv" in err and "column leave_date" in err and "row 3" in err
    assert "9999-12-31" in err and "Traceback" not in err


# ------------------------------------------------------------------------------ analytics


def expenses(**columns: object) -> pd.DataFrame:
    n = 8
    frame = pd.DataFrame(
        {
            "expense_id": [f"E-{i}" for i in range(n)],
            "date": pd.date_range("2025-01-06", periods=n, freq="7D"),
            "amount": [120.0, 80.0, 95.0, 110.0, 101.0, 99.0, 5000.0, 100.0],
            "vendor": ["Acme"] * n,
        }
    )
    for name, value in columns.items():
        frame[name] = value
    return frame


def test_outliers_by_a_group_column_left_empty() -> None:
    from workbench.analytics import outliers
    from workbench.bi import expenses as checks

    frame = expenses(category=pd.Series([None] * 8, dtype="str"))
    assert outliers.outliers(frame, by="category").empty  # no group: nothing scored
    result = checks.amount_outliers(frame, by="category", threshold=3.5)
    assert result.table["expense_id"].tolist() == ["E-6"]  # scored as one population


@pytest.mark.parametrize("risk", [0.01, 0.02, 0.05, 0.35])
def test_samples_for_every_risk_the_playbook_accepts(risk: float) -> None:
    from workbench.bi import expenses as checks

    plan = checks.samples(
        expenses(), risk=risk, tolerable_rate=0.05, tolerable_misstatement_share=0.02, seed=1
    )
    method = plan.table()["method"].iloc[1]
    assert method.startswith("aicpa" if risk in (0.01, 0.05) else "poisson")
    assert len(plan.mus_sample) >= 1


def test_samples_of_credits_only_draw_no_monetary_units() -> None:
    from workbench.bi import expenses as checks

    credits = expenses(amount=[-10.0] * 8)
    plan = checks.samples(
        credits, risk=0.05, tolerable_rate=0.05, tolerable_misstatement_share=0.02, seed=1
    )
    assert plan.mus is None and plan.mus_sample.empty
    assert "no expense has a positive amount" in plan.table()["method"].iloc[1]


def test_an_expected_rate_near_the_tolerable_rate_is_sized() -> None:
    """Its time is measured in benchmarks/bench_report.py."""
    from workbench.analytics import sampling

    assert sampling.attribute_sample_size(0.2, 0.05, 0.19) == 4400
    with pytest.raises(ValueError, match="below 100,000"):
        sampling.attribute_sample_size(0.011, 0.01, 0.0109)


def test_kpi_events_when_no_milestone_was_delivered_yet() -> None:
    """Every event table comes out empty: a client early in its projects."""
    from workbench.bi import kpis, revenue

    milestones = pd.DataFrame(
        {
            "milestone_id": ["M-1", "M-2"],
            "project_id": ["PRJ-1", "PRJ-2"],
            "name": ["Design", "Build"],
            "planned_date": pd.to_datetime(["2026-03-01", "2026-06-01"]),
            "billable_amount": [1000.0, 2000.0],
        }
    )
    as_of = pd.Timestamp("2025-12-31")
    ledger = revenue.milestone_ledger(milestones, None, None, None, as_of=as_of)
    events = kpis.kpi_events(ledger=ledger, as_of=as_of)
    assert events.empty and list(events.columns) == kpis.EVENT_COLUMNS


def test_dashboard_and_comparisons_with_events_outside_or_in_one_period() -> None:
    from workbench.bi import dashboard, periods

    events = pd.DataFrame(
        {
            "kpi": ["expense_cost"] * 3,
            "date": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-09"]),
            "segment": ["A"] * 3,
            "project_id": ["P"] * 3,
            "person_id": ["X"] * 3,
            "entity_id": ["E1", "E2", "E3"],
            "value": [1.0, 2.0, 3.0],
        }
    )
    year = {"start": pd.Timestamp("2025-01-01"), "end": pd.Timestamp("2025-12-31")}
    board = dashboard.dashboard_table(events, None, freq="Q", **year)
    assert board["period"].tolist() == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    before_start = {"start": pd.Timestamp("2025-01-01"), "end": pd.Timestamp("2024-06-30")}
    assert dashboard.dashboard_table(events, None, freq="Q", **before_start).empty
    comparison = periods.compare_periods(events, freq="Q")
    assert comparison.empty and "relative_change" in comparison.columns


def test_change_requests_without_a_decided_date_column() -> None:
    from workbench.pm import change_risk

    crs = pd.DataFrame(
        {
            "cr_id": ["CR-1", "CR-2"],
            "project_id": ["PRJ-1", "PRJ-1"],
            "raised_date": pd.to_datetime(["2025-01-10", "2025-11-20"]),
            "status": ["approved", "open"],
        }
    )
    status = change_risk.change_request_status(crs, "2025-12-31", 30)
    assert status["state"].tolist() == ["decided", "pending"]
    assert status["late"].tolist() == [False, True]


def test_an_empty_records_register_is_prepared() -> None:
    from workbench.records.register import prepare_register

    columns = ["record_id", "project_id", "doc_type", "file_name", "version", "status"]
    reg = prepare_register(pd.DataFrame({c: pd.Series(dtype="str") for c in columns}))
    assert reg.empty and "document_id" in reg.columns


def test_an_impossible_inspection_sample_is_a_limitation(tmp_path: Path) -> None:
    from tests.hardening.contract_data import session_on
    from workbench import records as playbook

    records = pd.DataFrame(
        {
            "record_id": ["DOC-1", "DOC-2"],
            "project_id": ["PRJ-1", "PRJ-1"],
            "doc_type": ["design", "memo"],
            "file_name": ["a.docx", "b.docx"],
            "version": ["1.0", "2.0"],
            "status": ["final", "draft"],
            "created": pd.to_datetime(["2025-01-02", "2025-02-03"]),
            "modified": pd.to_datetime(["2025-01-05", "2025-02-04"]),
        }
    )
    pb = session_on(
        "record-management-audit",
        {"records": records},
        {"sample_tdr": 0.05, "sample_expected_rate": 0.1},
    )
    result = pb.run(playbook)
    assert result.analysis.sample_plan is None and result.analysis.sample_finding is None
    reasons = dict(result.limitations)
    assert "expected_rate must be below tolerable_rate" in reasons["inspection_sample"]
    assert "inspection_sample" not in {f.check for f in result.findings}
    assert result.tables["sample"].empty


def test_project_teams_with_an_empty_staff_table() -> None:
    from workbench.records.register import project_teams

    projects = pd.DataFrame(
        {"project_id": ["A", "B"], "pm_id": pd.Series(["P1", None], dtype="str")}
    )
    staff = pd.DataFrame(
        {"person_id": pd.Series([], dtype="str"), "team": pd.Series([], dtype="str")}
    )
    teams = project_teams(projects, staff)
    assert teams["team"].tolist() == ["(no team)", "(no team)"]
    assert teams["pm_id"].tolist() == ["P1", "(no PM)"]
