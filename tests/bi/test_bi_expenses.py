"""Expense analytics through the toolkit find exactly the planted demo problems."""

from __future__ import annotations

import pytest

from workbench.bi import expenses

pytestmark = pytest.mark.skipif(
    bool(expenses.missing_modules()),
    reason="analytics toolkit not complete",
)


def test_duplicate_tests_return_the_planted_groups_only(demo):
    run = expenses.duplicates(
        demo["tables"]["expenses"], near_amount_tolerance=0.01, near_days_window=7, fuzzy_score=90
    )
    by_check = {f.check: sorted(f.entities.ids) for f in run.findings}
    assert by_check["exact_duplicates"] == demo["key"]["exact_duplicates"]
    assert (
        by_check["duplicates_same_same_different"] == demo["key"]["duplicates_same_same_different"]
    )
    # Clean rows are never near duplicates; exact copies are not counted twice as near.
    assert "duplicates_same_same_near" not in by_check
    assert run.table().set_index("test").loc["exact", "groups"] == 4


def test_vendor_spelled_two_ways_is_found(demo):
    result = expenses.vendor_names(demo["tables"]["expenses"], fuzzy_score=90)
    assert result.ids_for("fuzzy_vendor_names") == demo["key"]["fuzzy_vendor_names"]


def test_invoice_number_gaps_are_reported_as_the_planted_ranges(demo):
    result = expenses.invoice_gaps(demo["tables"]["invoices"])
    assert (
        result.ids_for("sequence_gaps_invoice_number")
        == demo["key"]["sequence_gaps_invoice_number"]
    )
    assert result.findings[0].exceptions.count == 6
    assert result.table["missing"].tolist() == [1, 3, 2]


def test_benford_verdicts_on_lognormal_expenses_conform(demo):
    run = expenses.benford(demo["tables"]["expenses"], id_col="expense_id", entity_type="expense")
    verdicts = run.summary.set_index("test")["verdict"].to_dict()
    assert verdicts["first_digit"] in ("close", "acceptable")
    assert verdicts["first_two_digits"] in ("close", "acceptable")
    assert not [f for f in run.findings if f.check.startswith("benford_first")]


def test_samples_are_sized_by_the_method_and_reproducible(demo):
    exp = demo["tables"]["expenses"]
    plan = expenses.samples(
        exp, risk=0.05, tolerable_rate=0.05, tolerable_misstatement_share=0.02, seed=7
    )
    assert plan.attribute.n == 59  # AICPA table A-1: 5% tolerable rate, 5% risk
    assert len(plan.attribute_sample) == plan.attribute.n
    again = expenses.samples(
        exp, risk=0.05, tolerable_rate=0.05, tolerable_misstatement_share=0.02, seed=7
    )
    assert (
        again.attribute_sample["expense_id"].tolist()
        == plan.attribute_sample["expense_id"].tolist()
    )
    book = float(exp.loc[exp["amount"] > 0, "amount"].sum())
    assert plan.mus.n == pytest.approx(book * 3.0 / (book * 0.02), abs=1)


def test_ledger_tests_return_the_planted_postings(demo):
    runs = expenses.ledger_tests(
        demo["tables"]["expenses"],
        approval_limit=5000.0,
        holiday_country="GB",
        round_amount_unit=100.0,
    )
    for check in (
        "round_amounts",
        "just_below_approval_limit",
        "weekend_postings",
        "holiday_postings",
    ):
        assert runs[check].ids_for(check) == demo["key"][check], check
    assert runs["holiday_postings"].table["holiday"].notna().all()


def test_amount_outliers_on_the_log_scale_find_the_planted_expense(demo):
    result = expenses.amount_outliers(demo["tables"]["expenses"], by="category", threshold=3.5)
    assert result.ids_for("outliers_robust") == demo["key"]["outliers_robust"]
    assert result.findings[0].exceptions.value == 187450.20
