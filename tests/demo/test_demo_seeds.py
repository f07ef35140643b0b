"""Every seed builds a demo whose answer key is exactly what its tables hold."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.demo.planted import billing_plants, expense_plants, near_same_day
from workbench.demo import bi
from workbench.demo.core import DemoContext, build_core

#: How many of each problem the BI generator plants (ids; a duplicate pair counts twice).
PLANTED_COUNTS = {
    "exact_duplicates": 8,
    "duplicates_same_same_different": 8,
    "just_below_approval_limit": 8,
    "round_amounts": 5,
    "weekend_postings": 6,
    "holiday_postings": 3,
    "outliers_robust": 1,
    "fuzzy_vendor_names": 2,
    "delivered_not_accepted": 6,
    "accepted_not_invoiced": 7,
    "invoiced_below_billable": 6,
    "long_unpaid_invoices": 8,
    "sequence_gaps_invoice_number": 3,
}


def bi_demo(seed: int) -> DemoContext:
    ctx = DemoContext(seed=seed)
    build_core(ctx)
    bi.generate(ctx)
    return ctx


@pytest.mark.parametrize("seed", range(41))
def test_bi_answer_key_is_what_every_seed_plants(seed: int) -> None:
    ctx = bi_demo(seed)
    key = ctx.answer_key["bi-assessment"]
    t = ctx.tables
    found = expense_plants(t["expenses"]) | billing_plants(
        t["milestones"], t["invoices"], t["payments"], pd.Timestamp(ctx.period_end)
    )
    assert {check: len(key[check]) for check in PLANTED_COUNTS} == PLANTED_COUNTS
    assert {check: key[check] for check in found} == found
    assert near_same_day(t["expenses"]) == []


def test_copy_of_a_posting_near_the_period_end_goes_weeks_earlier() -> None:
    # Seed 4 picked an original too late in the period for a copy weeks after it, which
    # crashed the generator ("high <= 0") before copies could go earlier.
    ctx = bi_demo(4)
    exp = ctx.tables["expenses"].set_index("expense_id")
    pairs = exp.loc[ctx.answer_key["bi-assessment"]["duplicates_same_same_different"]]
    gaps = pairs.groupby(["vendor", "amount"])["date"].agg(lambda d: d.max() - d.min())
    assert (gaps > pd.Timedelta(days=20)).all()
    copies = pairs.loc[pairs["invoice_number"].str.contains("-R")]
    originals = pairs.drop(copies.index)
    before = copies.merge(originals, on=["vendor", "amount"], suffixes=("", "_original"))
    assert (before["date"] < before["date_original"]).any()
