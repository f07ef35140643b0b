"""Outliers per group by standard deviations, robust z-scores and IQR fences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analytics import outliers as out


@pytest.fixture
def claims() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "expense_id": [f"E{i}" for i in range(12)],
            "category": ["a"] * 6 + ["b"] * 6,
            "amount": [10, 11, 12, 10, 11, 100, 5, 5, 5, 5, 5, 50.0],
        }
    )


def test_robust_z_uses_median_and_mad(claims: pd.DataFrame) -> None:
    bounds = out.outlier_bounds(claims, by="category").set_index("category")
    # group a: median 11, MAD 1 -> scale 1/0.6745
    assert bounds.loc["a", "center"] == 11.0
    assert bounds.loc["a", "scale"] == pytest.approx(1 / 0.6745)
    # group b: MAD 0, so the mean absolute deviation (7.5) x 1.2533 stands in
    assert bounds.loc["b", "scale"] == pytest.approx(7.5 * 1.253314)
    rows = out.outliers(claims, by="category")
    assert rows["expense_id"].tolist() == ["E5", "E11"]
    assert rows["score"].iloc[0] == pytest.approx(0.6745 * 89)


def test_mean_plus_k_sd(claims: pd.DataFrame) -> None:
    # with six values one extreme value cannot pass mean + 3 SD; k = 2 catches it
    assert out.outliers(claims, by="category", method="sd").empty
    rows = out.outliers(claims, by="category", method="sd", k=2).set_index("expense_id")
    assert sorted(rows.index) == ["E11", "E5"]
    a = claims["amount"][:6]
    assert rows.loc["E5", "score"] == pytest.approx((100 - a.mean()) / a.std(ddof=1))


def test_median_centre_for_sd(claims: pd.DataFrame) -> None:
    bounds = out.outlier_bounds(claims, by="category", method="sd", center="median")
    assert bounds["center"].tolist() == [11.0, 5.0]


def test_iqr_fences(claims: pd.DataFrame) -> None:
    bounds = out.outlier_bounds(claims, by="category", method="iqr").set_index("category")
    assert (bounds.loc["a", "lower"], bounds.loc["a", "upper"]) == (8.0, 14.0)
    rows = out.outliers(claims, by="category", method="iqr")
    assert sorted(rows["expense_id"]) == ["E11", "E5"]


def test_small_groups_are_not_scored() -> None:
    frame = pd.DataFrame({"g": ["x"] * 5, "amount": [1.0, 1.0, 1.0, 1.0, 100.0]})
    assert out.outliers(frame, by="g").index.tolist() == [4]
    assert out.outliers(frame, by="g", min_group_size=6).empty
    assert not out.outlier_bounds(frame, by="g", min_group_size=6)["scored"].iloc[0]


def test_whole_population_and_missing_values() -> None:
    frame = pd.DataFrame({"amount": [10.0, 11.0, 9.0, 10.0, np.nan, 10.5, 9.5, 60.0]})
    rows = out.outliers(frame)
    assert rows.index.tolist() == [7]


def test_outliers_finding(claims: pd.DataFrame) -> None:
    rows = out.outliers(claims, by="category")
    finding = out.outliers_finding(rows, claims, by="category", materiality=100)
    assert finding is not None
    assert finding.entities.ids == ["E5", "E11"]
    assert finding.exceptions.value == pytest.approx(150.0)
    assert finding.severity == "high"
    assert finding.population.count == 12
    assert out.outliers_finding(rows.iloc[:0], claims) is None
