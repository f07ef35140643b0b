"""Round amounts, approval limits, weekend and holiday postings, aging, stratification."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analytics import ledger


@pytest.fixture
def postings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "expense_id": ["E1", "E2", "E3", "E4", "E5", "E6"],
            "amount": [1000.0, 500.0, 4999.0, 4500.0, 123.45, np.nan],
            "date": pd.to_datetime(
                ["2025-12-25", "2025-12-27", "2025-12-29", "2025-05-05", None, "2025-01-01"]
            ),
        }
    )


def test_round_amounts_report_the_largest_multiple(postings: pd.DataFrame) -> None:
    rows = ledger.round_amounts(postings)
    assert rows["expense_id"].tolist() == ["E1", "E2", "E4"]
    assert rows["round_to"].tolist() == [1000.0, 100.0, 100.0]
    only_thousands = ledger.round_amounts(postings, multiples=[1000])
    assert only_thousands["expense_id"].tolist() == ["E1"]


def test_round_amounts_tolerate_spreadsheet_noise() -> None:
    frame = pd.DataFrame({"amount": [999.9999999, 0.0, -2000.0, 1000.01]})
    assert ledger.round_amounts(frame)["round_to"].tolist() == [1000.0, 1000.0]


def test_amounts_just_below_the_limit(postings: pd.DataFrame) -> None:
    rows = ledger.just_below_limit(postings, 5000)
    assert rows["expense_id"].tolist() == ["E3", "E4"]
    assert rows["share_of_limit"].tolist() == pytest.approx([0.9998, 0.9])
    narrow = ledger.just_below_limit(postings, 5000, band=(0.95, 1.0))
    assert narrow["expense_id"].tolist() == ["E3"]


def test_limit_per_row() -> None:
    frame = pd.DataFrame({"amount": [950.0, 950.0, 100.0], "limit": [1000.0, 5000.0, np.nan]})
    rows = ledger.just_below_limit(frame, limit_col="limit")
    assert rows.index.tolist() == [0]
    with pytest.raises(ValueError):
        ledger.just_below_limit(frame)


def test_weekend_postings(postings: pd.DataFrame) -> None:
    rows = ledger.weekend_postings(postings)
    assert rows["expense_id"].tolist() == ["E2"]
    assert rows["weekday"].tolist() == ["Saturday"]


def test_holiday_postings_depend_on_the_country(postings: pd.DataFrame) -> None:
    gb = ledger.holiday_postings(postings, country="GB")
    assert gb["expense_id"].tolist() == ["E1", "E4", "E6"]
    assert gb["holiday"].tolist() == ["Christmas Day", "May Day", "New Year's Day"]
    us = ledger.holiday_postings(postings, country="US")
    assert us["expense_id"].tolist() == ["E1", "E6"]


def test_aging_bands(postings: pd.DataFrame) -> None:
    aged = ledger.aging(postings, "2026-01-31")
    assert aged["age_days"].tolist()[:4] == [37.0, 35.0, 33.0, 271.0]
    assert aged["age_band"].astype("str").tolist() == [
        "31-60", "31-60", "31-60", ">120", "no date", ">120"
    ]  # fmt: skip


def test_aging_band_edges_are_inclusive() -> None:
    as_of = pd.Timestamp("2025-06-30")
    ages = [0, 30, 31, 60, 61, 90, 91, 120, 121, -5]
    frame = pd.DataFrame({"date": [as_of - pd.Timedelta(days=a) for a in ages]})
    bands = ledger.aging(frame, as_of)["age_band"].astype("str").tolist()
    assert bands == [
        "0-30", "0-30", "31-60", "31-60", "61-90", "61-90", "91-120", "91-120", ">120",
        "not yet due",
    ]  # fmt: skip


def test_aging_summary_shows_every_band(postings: pd.DataFrame) -> None:
    summary = ledger.aging_summary(ledger.aging(postings, "2026-01-31")).set_index("age_band")
    assert summary["count"].tolist() == [0, 0, 3, 0, 0, 2, 1]
    assert summary.loc["31-60", "amount"] == pytest.approx(6499.0)


def test_stratification(postings: pd.DataFrame) -> None:
    table = ledger.stratify(postings).set_index("stratum")
    assert table.loc["100 to < 1,000", "count"] == 2
    assert table.loc["1,000 to < 10,000", "amount"] == pytest.approx(10499.0)
    assert table.loc["1,000 to < 10,000", "min"] == 1000.0
    assert table.loc["1,000 to < 10,000", "max"] == 4999.0
    assert table["count"].sum() == 5
    custom = ledger.stratify(postings, edges=[0, 1000, np.inf])
    assert custom["count"].tolist() == [2, 3]


def test_ledger_findings(postings: pd.DataFrame) -> None:
    rnd = ledger.round_amounts_finding(ledger.round_amounts(postings), postings)
    assert rnd is not None
    assert (rnd.entities.ids, rnd.severity, rnd.code) == (["E1", "E2", "E4"], "low", "RND")
    assert rnd.exceptions.value == pytest.approx(6000.0)
    assert rnd.population.count == 6
    limit = ledger.just_below_limit_finding(
        ledger.just_below_limit(postings, 5000), postings, materiality=5000
    )
    assert limit is not None
    assert (limit.entities.ids, limit.severity) == (["E3", "E4"], "high")
    weekend = ledger.weekend_finding(ledger.weekend_postings(postings), postings)
    assert weekend is not None and weekend.entities.ids == ["E2"]
    hol = ledger.holiday_finding(ledger.holiday_postings(postings), postings)
    assert hol is not None and "Christmas Day" in hol.summary
    aged = ledger.aging_finding(ledger.aging(postings, "2026-01-31"))
    assert aged is not None and aged.entities.ids == ["E4", "E6"]
    for f in (rnd, limit, weekend, hol, aged):
        assert f.recommendation and f.corrective_action and f.preventive_action and f.owner_role
    assert ledger.weekend_finding(postings.iloc[:0], postings) is None
