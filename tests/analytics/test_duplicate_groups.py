"""Duplicate tests: exact, same-same-different, same-same-near, same-same-similar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analytics import duplicates as dup


@pytest.fixture
def expenses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "expense_id": [f"E{i}" for i in range(1, 11)],
            "vendor": [
                "Acme Ltd", "Acme Ltd", "ACME Limited.", "Beta GmbH", "Beta GmbH",
                "Gamma Inc", "Acme Ltd", None, None, "Gamma, Inc.",
            ],
            "amount": [100.0, 100.0, 100.0, 50.0, 50.0, 75.0, 100.0, 20.0, 20.0, 75.0],
            "date": pd.to_datetime(
                [
                    "2025-01-01", "2025-01-01", "2025-01-03", "2025-02-01", "2025-02-05",
                    "2025-03-01", "2025-01-20", "2025-01-01", "2025-01-01", "2025-03-02",
                ]
            ),
            "invoice_number": ["A1", "A1", "A2", "B1", "B2", "C1", "A3", None, None, "C1"],
        }
    )  # fmt: skip


def _groups(result: pd.DataFrame) -> list[list[str]]:
    return [sorted(g["id"]) for _, g in result.groupby("group_id", sort=True)]


def test_group_codes_number_combinations_by_first_appearance() -> None:
    frame = pd.DataFrame({"a": ["x", "y", "x", None], "b": [1, 2, 1, 1]})
    codes, n = dup.group_codes(frame, ["a", "b"])
    assert codes.tolist() == [0, 1, 0, 2]
    assert n == 3
    codes, n = dup.group_codes(frame, ["a", "b"], missing_is_value=False)
    assert codes.tolist() == [0, 1, 0, -1]
    assert n == 2


def test_exact_duplicates_group_identical_records(expenses: pd.DataFrame) -> None:
    result = dup.exact_duplicates(expenses)
    assert _groups(result) == [["E1", "E2"], ["E8", "E9"]]
    assert result["group_id"].tolist() == [1, 1, 2, 2]
    assert result["group_size"].tolist() == [2, 2, 2, 2]
    assert list(result.columns) == [
        "group_id", "group_size", "id", "vendor", "date", "amount", "invoice_number"
    ]  # fmt: skip


def test_exact_duplicates_ignore_absent_optional_columns(expenses: pd.DataFrame) -> None:
    result = dup.exact_duplicates(expenses.drop(columns="invoice_number"))
    assert _groups(result) == [["E1", "E2"], ["E8", "E9"]]


def test_same_vendor_and_amount_with_different_invoice_numbers(expenses: pd.DataFrame) -> None:
    result = dup.same_same_different(expenses)
    assert _groups(result) == [["E1", "E2", "E7"], ["E4", "E5"]]
    assert result.set_index("id").loc["E7", "invoice_number"] == "A3"


def test_same_same_near_on_dates_within_a_window(expenses: pd.DataFrame) -> None:
    result = dup.same_same_near(expenses, tolerance="7D")
    assert _groups(result) == [["E4", "E5"]]
    assert result["spread"].iloc[0] == pd.Timedelta(days=4)
    # a wider window reaches the Acme payment 19 days later
    wide = dup.same_same_near(expenses, tolerance=20)
    assert _groups(wide) == [["E1", "E2", "E7"], ["E4", "E5"]]


def test_same_same_near_on_amounts_within_a_tolerance() -> None:
    frame = pd.DataFrame(
        {
            "expense_id": ["A", "B", "C", "D", "E"],
            "vendor": ["V", "V", "V", "W", "W"],
            "date": pd.to_datetime(["2025-01-01"] * 5),
            "amount": [1000.0, 1004.0, 1200.0, 10.0, 10.0],
        }
    )
    absolute = dup.same_same_near(frame, same=["vendor", "date"], near="amount", tolerance=5)
    assert _groups(absolute) == [["A", "B"]]
    assert absolute["spread"].tolist() == [4.0, 4.0]
    relative = dup.same_same_near(
        frame, same=["vendor", "date"], near="amount", tolerance=0.2, relative=True
    )
    assert _groups(relative) == [["A", "B", "C"]]
    with_equal = dup.same_same_near(
        frame, same=["vendor", "date"], near="amount", tolerance=5, require_difference=False
    )
    assert _groups(with_equal) == [["A", "B"], ["D", "E"]]


def test_names_normalise_legal_forms_punctuation_and_case() -> None:
    got = dup.normalise_names(
        pd.Series(["ACME Ltd.", "Acme Limited", "acme", "Müller GmbH", "B & C Inc", None])
    )
    assert got.tolist()[:5] == ["acme", "acme", "acme", "muller", "b and c"]
    assert pd.isna(got.iloc[5])


def test_similar_names_cluster_distinct_names_only() -> None:
    names = pd.Series(
        ["Acme Trading Ltd", "Acme Tradng Limited", "Acme Trading Ltd", "Zeta plc", "Bcme Trading"]
    )
    table = dup.similar_names(names)
    assert table["name"].tolist() == [
        "Acme Trading Ltd", "Acme Tradng Limited", "Zeta plc", "Bcme Trading"
    ]  # fmt: skip
    assert table["cluster_id"].tolist() == [1, 1, 0, 0]
    # without blocking the first-letter typo is found too
    unblocked = dup.similar_names(names, block_chars=0, threshold=85)
    assert unblocked["cluster_id"].tolist() == [1, 1, 0, 1]


def test_same_amount_to_look_alike_vendors(expenses: pd.DataFrame) -> None:
    result = dup.same_same_similar(expenses)
    assert _groups(result) == [["E1", "E2", "E3", "E7"], ["E10", "E6"]]
    assert set(result["vendor"]) == {"Acme Ltd", "ACME Limited.", "Gamma Inc", "Gamma, Inc."}


def test_group_summary_lists_ids_and_totals(expenses: pd.DataFrame) -> None:
    summary = dup.group_summary(dup.same_same_different(expenses))
    assert summary["ids"].tolist() == ["E1, E2, E7", "E4, E5"]
    assert summary["amount_total"].tolist() == [300.0, 100.0]


def test_duplicates_finding_reports_value_at_risk(expenses: pd.DataFrame) -> None:
    groups = dup.exact_duplicates(expenses)
    finding = dup.duplicates_finding(groups, expenses, kind="exact")
    assert finding is not None
    assert finding.severity == "high"
    assert finding.entities.ids == ["E1", "E2", "E8", "E9"]
    assert finding.exceptions.count == 4
    assert finding.exceptions.value == pytest.approx(120.0)
    assert finding.population.count == 10
    assert finding.population.value == pytest.approx(690.0)
    assert finding.code == "DUP"
    assert finding.recommendation and finding.corrective_action and finding.preventive_action


def test_duplicates_finding_escalates_from_materiality(expenses: pd.DataFrame) -> None:
    groups = dup.same_same_near(expenses)
    low = dup.duplicates_finding(groups, expenses, kind="same_same_near", other="date")
    high = dup.duplicates_finding(
        groups, expenses, kind="same_same_near", other="date", materiality=50
    )
    assert low is not None and high is not None
    assert (low.severity, high.severity) == ("medium", "high")


def test_no_groups_no_finding(expenses: pd.DataFrame) -> None:
    empty = dup.exact_duplicates(expenses.iloc[:1])
    assert empty.empty
    assert dup.duplicates_finding(empty, expenses, kind="exact") is None


def test_large_frames_group_without_row_loops() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    frame = pd.DataFrame(
        {
            "expense_id": pd.Series(np.arange(n)).astype("str"),
            "vendor": pd.Series(rng.integers(0, 500, n)).astype("str"),
            "amount": rng.integers(1, 2000, n).astype(float),
        }
    )
    result = dup.exact_duplicates(frame, ["vendor", "amount"])
    expected = frame.duplicated(["vendor", "amount"], keep=False).sum()
    assert len(result) == expected
