"""Nigrini's public data sets: the toolkit reproduces the published Benford results.

The files are not part of the repository. They are looked for in
``$WORKBENCH_NIGRINI_DIR`` or in ``../shared/external/nigrini`` beside the checkout; the
tests skip, saying so, when they are absent.

Reference: the ``benford.analysis`` R package (Cinelli), whose README runs
``benford(corporate.payment$Amount)`` (first-two digits, every positive amount) and prints
N = 185,083, MAD 0.002336614 and the five largest deviations 50 (5938.25), 11 (3331.98),
10 (2811.92), 14 (1043.68) and 98 (889.95). Nigrini's own practice drops amounts below
10, which gives N = 177,763 and a first-two digits MAD of 0.00243: nonconformity.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.analytics import benford as bf
from workbench.analytics import duplicates as dup


def _data_dir() -> Path:
    env = os.environ.get("WORKBENCH_NIGRINI_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "external" / "nigrini"


def _load(name: str) -> pd.DataFrame:
    path = _data_dir() / name
    if not path.exists():
        pytest.skip(f"{name} not found in {path.parent} (set WORKBENCH_NIGRINI_DIR to run)")
    return pd.read_csv(path, dtype={"VendorNum": "str", "InvNum": "str"})


@pytest.fixture(scope="module")
def payments() -> pd.DataFrame:
    """corporate.payment.csv as an expenses table."""
    raw = _load("corporate.payment.csv")
    return pd.DataFrame(
        {
            "expense_id": pd.Series(np.arange(1, len(raw) + 1)).astype("str"),
            "date": pd.to_datetime(raw["Date"]),
            "amount": raw["Amount"].astype("float64"),
            "vendor": raw["VendorNum"].astype("str"),
            "invoice_number": raw["InvNum"].astype("str"),
        }
    )


def test_corporate_payments_first_two_digits_are_nonconforming(payments: pd.DataFrame) -> None:
    assert len(payments) == 189_470
    result = bf.benford_test(payments, "first_two_digits")
    assert result.n == 177_763
    assert result.excluded["below_min_amount"] == 7_320
    assert result.mad == pytest.approx(0.0024299, abs=1e-7)
    assert result.verdict == "nonconformity"
    assert result.spikes()["digit"].head(5).tolist() == [50, 11, 10, 98, 90]
    assert result.table.set_index("digit").loc[50, "count"] == 7_343


def test_corporate_payments_match_benford_analysis_readme(payments: pd.DataFrame) -> None:
    result = bf.benford_test(payments, "first_two_digits", min_amount=None)
    assert result.n == 185_083
    assert result.mad == pytest.approx(0.002336614, abs=5e-10)
    deviation = (result.table["count"] - result.table["expected"] * result.n).abs()
    top = result.table.assign(deviation=deviation).nlargest(5, "deviation")
    assert top["digit"].tolist() == [50, 11, 10, 14, 98]
    assert top["deviation"].round(2).tolist() == [5938.25, 3331.98, 2811.92, 1043.68, 889.95]


def test_corporate_payments_drill_down_and_duplicates(payments: pd.DataFrame) -> None:
    rows = bf.drill_down(payments, 50)
    assert len(rows) == 7_343
    assert (payments["amount"] == 50.0).sum() == 6_022
    exact = dup.exact_duplicates(payments)
    assert len(exact) == 4_913
    assert exact["group_id"].nunique() == 2_431
    # copies beyond the first of each group: what pandas calls duplicated rows
    assert len(exact) - exact["group_id"].nunique() == 2_482


def test_corporate_payments_negative_amounts_analysed_apart(payments: pd.DataFrame) -> None:
    results = bf.benford_tests(payments, tests=["first_digit"])
    assert results[("positive", "first_digit")].n == 177_763
    assert results[("negative", "first_digit")].n == 4_069
    assert results[("positive", "first_digit")].verdict == "marginal"


def test_census_populations_conform_closely() -> None:
    census = _load("census.2009.csv")
    result = bf.benford_test(census, "first_digit", amount_col="pop.2009")
    assert result.n == 19_482
    assert result.mad == pytest.approx(0.003042, abs=1e-6)
    assert result.verdict == "close"
    two = bf.benford_test(census, "first_two_digits", amount_col="pop.2009")
    assert two.verdict == "close"


def test_journal_entries_first_digit() -> None:
    journal = _load("journal.entry.csv")
    results = bf.benford_tests(journal, amount_col="Amount", tests=["first_digit"])
    positive = results[("positive", "first_digit")]
    assert positive.n == 113_245
    assert positive.mad == pytest.approx(0.006101, abs=1e-6)
    assert positive.verdict == "acceptable"
    assert results[("negative", "first_digit")].verdict == "close"
