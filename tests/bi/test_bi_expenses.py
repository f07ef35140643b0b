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


def _ledger(rows: list[tuple[str, str, float, str]]):
    import pandas as pd

    return pd.DataFrame(
        {
            "expense_id": [f"E{i}" for i in range(len(rows))],
            "vendor": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
            "invoice_number": [r[3] for r in rows],
        }
    )


def test_near_duplicate_groups_of_the_two_tests_keep_their_own_ids():
    # V1: the same amount twice, two days apart (near date); V2: the same day, amounts 0.2%
    # apart (near amount). Both tests numbered their group "1": merged, they read as one
    # group of four and 11,010 at risk instead of 1,000 + 5,010.
    exp = _ledger(
        [
            ("V1", "2025-03-03", 1000.0, "A-1"),
            ("V1", "2025-03-05", 1000.0, "A-1"),
            ("V2", "2025-04-07", 5000.0, "B-1"),
            ("V2", "2025-04-07", 5010.0, "B-2"),
        ]
    )
    run = expenses.duplicates(exp, near_amount_tolerance=0.01, near_days_window=7, fuzzy_score=90)
    near = next(f for f in run.findings if f.check == "duplicates_same_same_near")
    assert near.exceptions.value == 6010.0
    assert near.exceptions.count == 4
    assert "in 2 group(s)" in near.summary


def test_a_regular_monthly_payment_is_not_a_duplicate_but_a_repeat_inside_it_is():
    rent = [("Landlord", f"2025-{m:02d}-01", 2500.0, f"R-{m}") for m in range(1, 12)]
    exp = _ledger(
        [
            *rent,
            ("Landlord", "2025-03-04", 2500.0, "R-3b"),  # March rent paid twice
            ("Acme", "2025-06-02", 830.0, "X-1"),
            ("Acme", "2025-06-25", 830.0, "X-1-R"),  # re-keyed three weeks later
            ("Acme", "2024-01-10", 990.0, "X-0"),
            ("Acme", "2025-09-10", 990.0, "X-9"),  # a year and more apart: no duplicate
        ]
    )
    run = expenses.duplicates(
        exp, near_amount_tolerance=0.01, near_days_window=7, fuzzy_score=90, repeat_days_window=60
    )
    ssd = next(f for f in run.findings if f.check == "duplicates_same_same_different")
    ids = dict(zip(exp["expense_id"], exp["invoice_number"], strict=True))
    assert sorted(ids[i] for i in ssd.entities.ids) == ["R-3", "R-3b", "X-1", "X-1-R"]
    assert ssd.exceptions.value == 2500.0 + 830.0
    recurring = run.groups["same vendor and amount, recurring"]
    assert sorted(set(recurring["id"])) == sorted(exp["expense_id"][:11])


def test_an_outlier_finding_is_worth_its_amount_not_its_logarithm():
    import pandas as pd

    amounts = [100.0, 120, 150, 180, 200, 220, 250, 300, 320, 350, 400, 450, 500, 250_000]
    exp = pd.DataFrame(
        {
            "expense_id": [f"E{i}" for i in range(len(amounts))],
            "amount": amounts,
            "category": "travel",
        }
    )
    finding = expenses.amount_outliers(exp, by="category", threshold=3.5).findings[0]
    assert finding.entities.ids == ["E13"]
    assert "worth 250,000.00" in finding.summary and "5.40" not in finding.summary
    assert finding.title == "Unusual amounts within category"
    assert "log10" in finding.summary  # the method is still named
    assert finding.exceptions.value == 250_000.0


def _nigrini_payments():
    from pathlib import Path

    import pandas as pd

    path = Path(__file__).resolve().parents[3] / "shared" / "external" / "nigrini"
    path = path / "corporate.payment.csv"
    if not path.exists():
        pytest.skip(f"{path} not found")
    raw = pd.read_csv(path, dtype={"VendorNum": "str", "InvNum": "str"})
    return pd.DataFrame(
        {
            "expense_id": [str(i) for i in range(1, len(raw) + 1)],
            "amount": raw["Amount"].astype("float64"),
        }
    )


def test_benford_states_its_population_rule_and_the_all_positives_figure():
    # Amounts under 10 were dropped without a word: "177,763 positive amounts tested" where
    # 185,083 are positive, and a first-two digits MAD of 0.00243 beside the published
    # 0.002337 (benford.analysis, every positive amount).
    exp = _nigrini_payments()
    run = expenses.benford(exp, id_col="expense_id", entity_type="expense")
    row = run.summary.set_index("test").loc["first_two_digits"]
    assert row["amounts"] == 185_083 and row["n"] == 177_763
    assert row["excluded_below_min"] == 7_320 and row["min_amount"] == 10
    assert row["mad"] == pytest.approx(0.0024299, abs=1e-7)
    assert row["mad_all_amounts"] == pytest.approx(0.002336614, abs=5e-10)
    finding = next(f for f in run.findings if f.check == "benford_first_two_digits_positive")
    assert "177,763 of the 185,083 positive amounts" in finding.summary
    assert "10 or more" in finding.summary
    assert "0.00234 over all 185,083" in finding.summary
    everything = expenses.benford(exp, id_col="expense_id", entity_type="expense", min_amount=0)
    row = everything.summary.set_index("test").loc["first_two_digits"]
    assert row["n"] == 185_083 and row["mad"] == pytest.approx(0.002336614, abs=5e-10)


def test_the_chapter_shows_nigrinis_minimum_set(demo):
    run = expenses.benford(demo["tables"]["expenses"], id_col="expense_id", entity_type="expense")
    tests = list(run.summary["test"])
    assert tests == [
        "first_digit",
        "second_digit",
        "first_two_digits",
        "second_order",
        "last_two_digits",
    ]
    assert len(run.summation.table) == 90
    assert {"rank", "amount", "count", "share"} <= set(run.duplication.columns)
    # The planted exact duplicates recur, so number duplication lists their amounts.
    assert (run.duplication["count"] >= 2).all() and len(run.duplication) > 0
    names = {m.metric for m in expenses.benford_metrics(run, "expenses")}
    assert {
        "benford.expenses.first_two_digits.mad",
        "benford.expenses.first_two_digits.n",
        "benford.expenses.first_two_digits.amounts",
        "benford.expenses.min_amount",
        "benford.expenses.summation.mad",
    } <= names


def test_the_attribute_sample_is_labelled_by_the_method_that_sized_it():
    import pandas as pd

    from workbench.analytics import sampling as sp

    exp = pd.DataFrame(
        {"expense_id": [f"E{i}" for i in range(200)], "amount": [100.0 + i for i in range(200)]}
    )
    plan = expenses.samples(
        exp, risk=0.05, tolerable_rate=0.05, tolerable_misstatement_share=0.02, seed=1
    )
    hyper = sp.attribute_sample_size(0.05, 0.05, population=200)
    assert plan.attribute.n == hyper < 59  # the binomial (AICPA table A-1) size is 59
    method = plan.table().set_index("sample").loc["attribute (controls)", "method"]
    assert "hypergeometric" in method and "population of 200" in method
    assert "table A-1 size for a large population: 59" in method
