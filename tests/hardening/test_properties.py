"""Property tests: whatever the contract accepts, the loaders and the checks answer.

The loaders must turn any cell into a value or a named bad row, never an exception; every
check must take any table the contract accepts (empty, a single row, optional columns left
empty, zero, negative and huge amounts, unicode and markup in names) and return findings
that serialise, never a traceback in the client's report.

Examples are kept few so that the module stays fast; a failure prints the seed to replay
it (``@reproduce_failure``) and the example database keeps it for the next run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.hardening.contract_data import (
    AWKWARD_TEXT,
    PERIOD_END,
    accepted,
    cell,
    engagement_tables,
    parameter_values,
    session_on,
    tables,
)
from workbench.contracts import CONTRACTS
from workbench.findings import SEVERITIES, Finding, Metric
from workbench.io.coerce import Coerced, coerce
from workbench.io.loader import load_table

pytestmark = pytest.mark.filterwarnings("error::pandas.errors.Pandas4Warning")

#: Multiplies the example counts (e.g. 10 for a nightly run); the default keeps ``make test``
#: fast.
SCALE = float(os.environ.get("WORKBENCH_PROPERTY_SCALE", "1"))

FAST = settings(
    max_examples=int(30 * SCALE),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(
    max_examples=int(6 * SCALE),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

KINDS = ("id", "text", "number", "integer", "date", "bool", "category")

#: Raw cells as readers hand them over: CSV text, and what openpyxl and Parquet give.
raw_cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "  ",
            "inf",
            "-Infinity",
            "1e400",
            "nan",
            "NaN",
            "1,234.50",
            "(12.00)",
            "€ 1 234",
            "12%",
            "1e30",
            "9.2e18",
            "45000",
            "45000.5",
            "99999",
            "0001-01-01",
            "9999-12-31",
            "31/12/1500",
            "2025-02-30",
            "2025-13-01",
            "03/04/2025",
            "yes",
            "No",
            "x",
            "-",
            *AWKWARD_TEXT,
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


# --------------------------------------------------------------------------- coercion


@settings(FAST, max_examples=int(120 * SCALE))
@given(values=st.lists(raw_cells, max_size=8), kind=st.sampled_from(KINDS))
@example(values=["inf", "-Infinity", "1e400", 1.5], kind="number")
@example(values=[float("inf"), 2.0], kind="number")
@example(values=["1e30", "9.3e18", "12"], kind="integer")
@example(values=["9999-12-31", "2025-01-01"], kind="date")
@example(values=["0001-01-01"], kind="date")
@example(values=["2025-01-01", "31/12/1500"], kind="date")
@example(values=[dt.date(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59)], kind="date")
def test_any_cell_is_coerced_or_named_as_a_bad_row(values: list[Any], kind: str) -> None:
    raw = pd.Series(values, index=pd.RangeIndex(2, len(values) + 2), dtype=object)
    result = coerce(raw, kind)
    assert isinstance(result, Coerced)
    assert result.values.index.equals(raw.index)
    assert set(result.bad_rows) <= set(raw.index)
    for row in result.bad_rows:
        assert not _is_blank(raw[row]), f"blank row {row} reported as bad"
        assert pd.isna(result.values[row]), f"bad row {row} kept a value"
    if kind in ("number", "integer"):
        finite = result.values.dropna().astype("float64")
        assert np.isfinite(finite).all(), "a number that is not finite was accepted"
    if kind == "integer":
        assert (result.values.dropna().abs() < 2**63).all()
    if kind == "date":
        assert str(result.values.dtype) == "datetime64[ns]"
    if kind in ("number", "integer", "date", "bool"):
        # every non-blank cell is either read or reported, never silently dropped
        for row, value in raw.items():
            if not _is_blank(value) and row not in result.bad_rows:
                assert not pd.isna(result.values[row]), f"row {row} ({value!r}) vanished"


@FAST
@given(
    amount=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    style=st.sampled_from(["plain", "thousands", "accounting", "currency", "comma"]),
)
def test_formatted_amounts_read_back_as_the_same_number(amount: float, style: str) -> None:
    value = round(amount, 2)
    decimal = "."
    if style == "plain":
        text = f"{value:.2f}"
    elif style == "thousands":
        text = f"{value:,.2f}"
    elif style == "accounting":
        text = f"({abs(value):,.2f})" if value < 0 else f"{value:,.2f}"
    elif style == "currency":
        text = f"€ {value:.2f}"
    else:
        text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
        decimal = ","
    result = coerce(pd.Series([text], dtype=object), "number", decimal=decimal)
    assert result.bad_rows == []
    assert result.values.iloc[0] == pytest.approx(value, rel=1e-12, abs=0.005)


@FAST
@given(
    day=st.dates(dt.date(1800, 1, 1), dt.date(2200, 12, 31)),
    form=st.sampled_from(["iso", "excel", "datetime"]),
)
def test_dates_read_back_as_the_same_day(day: dt.date, form: str) -> None:
    cell_value: Any = day.isoformat()
    if form == "excel":
        serial = (day - dt.date(1899, 12, 30)).days
        if not 10000 <= serial <= 80000:
            return  # outside the window where a bare number is taken for an Excel date
        cell_value = str(serial)
    elif form == "datetime":
        cell_value = dt.datetime.combine(day, dt.time(0))
    result = coerce(pd.Series([cell_value], dtype=object), "date")
    assert result.bad_rows == []
    assert result.values.iloc[0].date() == day


# ------------------------------------------------------------------------------ loading


@st.composite
def client_csv(draw: st.DrawFn) -> tuple[str, str, int]:
    """A CSV of one data-request table: header spelt as clients do, some cells junk."""
    name = draw(st.sampled_from(sorted(CONTRACTS)))
    contract = CONTRACTS[name]
    optional = [c for c in contract.optional_columns if draw(st.booleans())]
    columns = contract.required_columns + optional
    if draw(st.integers(0, 5)) == 0 and columns:
        columns = columns[:-1]  # a required column may be missing
    n = draw(st.integers(0, 5))
    junk = st.one_of(st.text(max_size=8), st.sampled_from(["n/a", "TBC", "#REF!", "-", ""]))
    rows = []
    for _ in range(n):
        row = []
        for col in columns:
            value = draw(cell(contract, contract.columns[col]))
            row.append(draw(junk) if draw(st.integers(0, 7)) == 0 else value)
        rows.append(row)
    header = [
        draw(st.sampled_from([c, c.upper(), c.replace("_", " ").title(), f" {c} "]))
        for c in columns
    ]
    sep = draw(st.sampled_from([",", ";"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep)  # CRLF, and cells holding CR or LF quoted
    writer.writerow(header)
    writer.writerows(rows)
    return name, buffer.getvalue(), n


def _check_issues(issues: Iterable[Any], table: str, shown: str, data_rows: set[int]) -> None:
    for issue in issues:
        assert issue.table == table
        assert issue.file == shown
        assert issue.level in ("error", "warning", "info")
        assert issue.render()  # the message a client reads is built without error
        assert set(issue.rows) <= data_rows, f"{issue.render()} names rows outside the file"


@FAST
@given(case=client_csv())
def test_load_table_answers_any_csv_with_a_frame_or_issues(case: tuple[str, str, int]) -> None:
    name, text, n = case
    contract = CONTRACTS[name]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        frame, issues, prov = load_table(contract, path, display_path=f"inputs/{name}.csv")
    assert prov["table"] == name
    _check_issues(issues, name, f"inputs/{name}.csv", set(range(2, n + 2)))
    errors = [i for i in issues if i.level == "error"]
    if frame is not None and not errors:
        assert set(frame.columns) <= set(contract.columns)
        assert accepted(contract, frame)
    if frame is None:
        assert errors or any(i.level == "warning" for i in issues)


@FAST
@given(content=st.binary(min_size=1, max_size=300), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_load_table_answers_any_bytes_with_issues(content: bytes, suffix: str) -> None:
    contract = CONTRACTS["expenses"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"expenses{suffix}"
        path.write_bytes(content)
        frame, issues, _ = load_table(contract, path, display_path=f"inputs/expenses{suffix}")
    if frame is None:
        assert any(i.level == "error" for i in issues)
    _check_issues(issues, "expenses", f"inputs/expenses{suffix}", set(range(1, 400)))


# ------------------------------------------------------------------- findings and metrics


def _assert_findings(findings: Iterable[Finding | None]) -> list[Finding]:
    """Every finding is complete and serialises to strict JSON (findings.json)."""
    out = [f for f in findings if f is not None]
    for f in out:
        assert isinstance(f, Finding)
        assert f.severity in SEVERITIES
        assert f.title.strip() and f.check
        assert f.population.count >= 0 and f.exceptions.count >= 0
        assert all(isinstance(i, str) for i in f.entities.ids)
        json.dumps(f.to_dict(), allow_nan=False)
    return out


def _assert_metrics(metrics: Iterable[Metric]) -> None:
    for m in metrics:
        json.dumps(m.to_row(), allow_nan=False)


# --------------------------------------------------------------------- the toolkit checks

expense_frames = tables("expenses", max_rows=6, max_bulk=250)
invoice_frames = tables("invoices", max_rows=6, max_bulk=120)


@SLOW
@given(expenses=expense_frames)
def test_benford_tests_take_any_expenses(expenses: pd.DataFrame) -> None:
    from workbench.analytics import benford as bf

    results = bf.benford_tests(expenses, tests=bf.TESTS, signs=("positive", "negative"))
    summary = bf.benford_summary(results)
    assert len(summary) == len(results)
    findings = [
        bf.benford_finding(r, expenses, id_col="expense_id", materiality=1000.0)
        for r in results.values()
    ]
    summation = bf.summation_test(expenses)
    findings.append(bf.summation_finding(summation, expenses, id_col="expense_id"))
    dupes = bf.number_duplication(expenses)
    assert (dupes["count"] >= 2).all()  # only amounts that recur
    first_two = results[("positive", "first_two_digits")]
    spikes = first_two.spikes()["digit"].head(3).tolist()
    bf.drill_down(expenses, spikes or [10])
    _assert_findings(findings)


@SLOW
@given(expenses=expense_frames)
def test_duplicate_tests_take_any_expenses(expenses: pd.DataFrame) -> None:
    from workbench.bi import expenses as checks

    run = checks.duplicates(
        expenses, near_amount_tolerance=0.01, near_days_window=7, fuzzy_score=90.0
    )
    table = run.table()
    assert (table["records"] >= 0).all()
    for groups in run.groups.values():
        if not groups.empty:
            assert set(groups["id"].astype(str)) <= set(expenses["expense_id"].astype(str))
    _assert_findings(run.findings)
    _assert_findings(checks.vendor_names(expenses, fuzzy_score=90.0).findings)


@SLOW
@given(expenses=expense_frames, limit=st.sampled_from([0.01, 100.0, 5000.0, 1e12]))
def test_ledger_tests_take_any_expenses(expenses: pd.DataFrame, limit: float) -> None:
    from workbench.analytics import ledger
    from workbench.bi import expenses as checks

    results = checks.ledger_tests(
        expenses, approval_limit=limit, holiday_country="GB", round_amount_unit=100.0
    )
    for result in results.values():
        _assert_findings(result.findings)
    aged = ledger.aging(expenses, PERIOD_END)
    summary = ledger.aging_summary(aged)
    assert int(summary["count"].sum()) == len(expenses)  # every expense in one age band
    _assert_findings([ledger.aging_finding(aged)])
    strata = ledger.stratify(expenses)
    assert int(strata["count"].sum()) == int(expenses["amount"].notna().sum())


@SLOW
@given(expenses=expense_frames, threshold=st.sampled_from([0.5, 3.5, 50.0]))
def test_outlier_tests_take_any_expenses(expenses: pd.DataFrame, threshold: float) -> None:
    from workbench.analytics import outliers
    from workbench.bi import expenses as checks

    result = checks.amount_outliers(expenses, by="category", threshold=threshold)
    _assert_findings(result.findings)
    for method in ("robust", "iqr", "sd"):
        rows = outliers.outliers(expenses, method=method, by="vendor", min_group_size=2)
        _assert_findings([outliers.outliers_finding(rows, expenses, method=method, by="vendor")])


@SLOW
@given(invoices=invoice_frames)
def test_sequence_gaps_take_any_invoice_numbers(invoices: pd.DataFrame) -> None:
    from workbench.analytics import gaps
    from workbench.bi import expenses as checks

    result = checks.invoice_gaps(invoices)
    _assert_findings(result.findings)
    capped = gaps.sequence_gaps(invoices, "invoice_number", id_col="invoice_id", max_gap=3)
    _assert_findings([gaps.gaps_finding(capped)])


@SLOW
@given(
    expenses=expense_frames,
    risk=st.one_of(st.sampled_from([0.01, 0.05, 0.1]), st.floats(0.01, 0.5)),
    rate=st.one_of(st.sampled_from([0.001, 0.05, 0.5]), st.floats(0.001, 0.5)),
    share=st.one_of(st.sampled_from([0.001, 0.02, 0.5]), st.floats(0.001, 0.5)),
    seed=st.integers(0, 2**31),
)
def test_sampling_takes_any_population(
    expenses: pd.DataFrame, risk: float, rate: float, share: float, seed: int
) -> None:
    from workbench.bi import expenses as checks

    plan = checks.samples(
        expenses, risk=risk, tolerable_rate=rate, tolerable_misstatement_share=share, seed=seed
    )
    assert len(plan.attribute_sample) <= len(expenses)
    assert set(plan.mus_sample["expense_id"]) <= set(expenses["expense_id"])
    assert len(plan.table()) == 2


@FAST
@given(
    tolerable=st.floats(0.001, 0.5),
    expected=st.floats(0.0, 0.5),
    risk=st.sampled_from([0.01, 0.05, 0.10]),
    population=st.one_of(st.none(), st.integers(0, 10**7)),
    deviations=st.integers(0, 50),
    taintings=st.lists(st.floats(-2.0, 2.0, allow_nan=False), max_size=8),
    book=st.floats(0.0, 1e13, allow_nan=False),
)
def test_sampling_formulas_answer_or_refuse_clearly(
    tolerable: float,
    expected: float,
    risk: float,
    population: int | None,
    deviations: int,
    taintings: list[float],
    book: float,
) -> None:
    from workbench.analytics import sampling as sp

    try:
        n = sp.attribute_sample_size(tolerable, risk, expected, population)
    except ValueError as exc:
        assert str(exc)  # a refused plan says why (e.g. expected rate >= tolerable)
    else:
        assert n >= 0 and (population is None or n <= max(population, 0))
        if n:
            assert 0.0 <= sp.attribute_upper_limit(n, min(deviations, n), risk) <= 1.0
            low, high = sp.wilson_interval(n - min(deviations, n), n)
            assert 0.0 <= low <= high <= 1.0
    try:
        plan = sp.mus_sample_size(book, book * tolerable, book * tolerable * expected, risk)
    except ValueError as exc:
        assert str(exc)
    else:
        assert plan.n >= 0
    bound = sp.stringer_bound(taintings, 1000.0, risk)
    assert math.isfinite(bound.upper_limit)


# ---------------------------------------------------------------- playbooks end to end


bi_tables = engagement_tables(
    ["projects", "staff", "milestones", "invoices", "payments", "expenses", "defects"],
    max_rows=5,
    max_bulk=40,
)


@SLOW
@given(tables_=bi_tables, overrides=parameter_values("bi-assessment"))
def test_bi_assessment_takes_any_accepted_tables(
    tables_: dict[str, pd.DataFrame], overrides: dict[str, Any]
) -> None:
    from workbench import bi

    pb = session_on("bi-assessment", tables_, overrides)
    result = pb.run(bi)
    _assert_findings(result.findings)
    _assert_metrics(result.metrics)
    assert result.markdown("summary")
    json.dumps(pb.results(), allow_nan=False)


pm_tables = engagement_tables(
    [
        "projects",
        "staff",
        "evm_snapshots",
        "timesheets",
        "maturity_responses",
        "change_requests",
        "risks",
    ],
    max_rows=5,
    max_bulk=30,
)


@SLOW
@given(tables_=pm_tables, overrides=parameter_values("pm-function-audit"))
def test_pm_function_audit_takes_any_accepted_tables(
    tables_: dict[str, pd.DataFrame], overrides: dict[str, Any]
) -> None:
    from workbench import pm

    pb = session_on("pm-function-audit", tables_, overrides)
    result = pb.run(pm)
    _assert_findings(result.findings)
    _assert_metrics(result.metrics)
    assert result.markdown("summary") and result.markdown("method")
    json.dumps(pb.results(), allow_nan=False)


rm_tables = engagement_tables(
    ["records", "retention_schedule", "access", "projects", "staff"],
    required=("records",),
    max_rows=5,
    max_bulk=40,
)


@SLOW
@given(tables_=rm_tables, overrides=parameter_values("record-management-audit"))
def test_records_audit_takes_any_accepted_tables(
    tables_: dict[str, pd.DataFrame], overrides: dict[str, Any]
) -> None:
    from workbench import records

    pb = session_on("record-management-audit", tables_, overrides)
    result = pb.run(records)
    _assert_findings(result.findings)
    _assert_metrics(result.metrics)
    assert result.markdown("summary") and result.markdown("scope") and result.markdown("method")
    assert len(result.tables["checks"]) >= 1
    for check, reason in result.limitations:
        assert check and reason
    json.dumps(pb.results(), allow_nan=False)


@SLOW
@given(
    snapshots=tables("evm_snapshots", max_rows=6, max_bulk=40),
    projects=tables("projects", max_rows=6),
)
def test_earned_value_takes_any_snapshots(snapshots: pd.DataFrame, projects: pd.DataFrame) -> None:
    from workbench.pm import evm

    thresholds = evm.RagThresholds(0.85, 0.95, 0.85, 0.95)
    periods = evm.project_periods(snapshots, projects, PERIOD_END)
    latest = evm.latest_status(periods, thresholds)
    # one latest status per project that has periods, and its RAG follows the thresholds
    assert latest["project_id"].is_unique
    assert set(latest["project_id"]) == set(periods["project_id"])
    assert set(latest["rag"].astype(str)) <= {"red", "amber", "green", "no data"}
    red = (latest["spi_t"] < 0.85) | (latest["cpi"] < 0.85)
    assert (latest.loc[red, "rag"].astype(str) == "red").all()

    totals = evm.portfolio_totals(latest)
    if latest.empty:
        assert totals == {}
    else:
        known = int((latest["rag"].astype(str) != "no data").sum())
        assert totals["projects"] == len(latest)
        assert totals["red"] + totals["amber"] + totals["green"] == known
        for column in ("bac", "pv", "ev", "ac"):
            assert totals[column] == pytest.approx(latest[column].sum())
        assert totals["vac"] == pytest.approx(totals["bac"] - totals["eac"], nan_ok=True)
        if totals["pv"] > 0 and math.isfinite(totals["ev"] / totals["pv"]):
            assert totals["spi"] == pytest.approx(totals["ev"] / totals["pv"])

    trend = evm.portfolio_trend(periods)
    assert trend["month"].is_monotonic_increasing
    assert trend["projects"].sum() == periods.groupby("month")["project_id"].nunique().sum()
    assert trend["ev"].sum() == pytest.approx(periods["ev"].sum())

    issues = evm.snapshot_issues(snapshots, projects)
    named = {
        "project not in the projects table",
        "period_end missing",
        "two snapshots in one month (the later one is used)",
        "negative PV, EV or AC",
    }
    assert set(issues["issue"]) <= named
    unknown = ~snapshots["project_id"].astype("string").str.strip().isin(
        set(projects["project_id"].astype("string").str.strip())
    )
    assert (issues["issue"] == "project not in the projects table").sum() == unknown.sum()

    findings = evm.cost_overrun_findings(latest, thresholds) if len(latest) else []
    findings += evm.schedule_delay_findings(latest, thresholds) if len(latest) else []
    _assert_findings(findings)
    overrun = latest.loc[latest["cpi"] < 0.85, "project_id"].astype(str)
    flagged = {i for f in findings if f.check == "evm_cost_overrun" for i in f.entities.ids}
    assert flagged <= set(overrun)
