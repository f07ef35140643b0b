"""Gaps and repeated numbers in document-number sequences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analytics import gaps


@pytest.fixture
def invoices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "expense_id": [f"E{i}" for i in range(9)],
            "invoice_number": [
                "INV-000120", "INV-000121", "INV-000125", "INV-000121", "INV-000130",
                None, "XX", "CN-7", "CN-9",
            ],
            "amount": [10.0, 20.0, 30.0, 20.0, 50.0, 60.0, 70.0, 80.0, 90.0],
        }
    )  # fmt: skip


def test_document_numbers_split_into_prefix_and_number() -> None:
    parts = gaps.split_document_number(pd.Series(["INV-000123", "0496J10", "77", "none", None]))
    assert parts["prefix"].tolist()[:3] == ["INV-", "0496J", ""]
    assert parts["number"].tolist()[:3] == [123, 10, 77]
    assert parts["width"].tolist()[:3] == [6, 2, 2]
    assert parts["number"].isna().tolist() == [False, False, False, True, True]


def test_gaps_are_ranges_with_counts(invoices: pd.DataFrame) -> None:
    result = gaps.sequence_gaps(invoices)
    table = result.gaps
    assert table["prefix"].tolist() == ["CN-", "INV-", "INV-"]
    assert table["gap_start"].tolist() == [8, 122, 126]
    assert table["gap_end"].tolist() == [8, 124, 129]
    assert table["missing"].tolist() == [1, 3, 4]
    assert table["first_missing"].tolist() == ["CN-8", "INV-000122", "INV-000126"]
    assert table["last_missing"].tolist() == ["CN-8", "INV-000124", "INV-000129"]
    assert result.missing_count == 8


def test_repeated_numbers_and_unparsed_values(invoices: pd.DataFrame) -> None:
    result = gaps.sequence_gaps(invoices)
    assert result.duplicates["id"].tolist() == ["E1", "E3"]
    assert result.duplicates["times_used"].tolist() == [2, 2]
    assert result.unparsed["value"].tolist() == ["XX"]
    assert (result.n_records, result.n_missing) == (7, 1)
    seq = result.sequences.set_index("prefix")
    columns = ["first", "last", "used", "distinct", "expected", "missing"]
    assert seq.loc["INV-", columns].tolist() == [120, 130, 5, 4, 11, 7]
    assert seq.loc["INV-", "duplicated"] == 1


def test_numeric_numbers_and_sequences_per_group() -> None:
    frame = pd.DataFrame(
        {
            "expense_id": ["a", "b", "c", "d", "e"],
            "vendor": ["V1", "V1", "V2", "V2", "V2"],
            "invoice_number": [1.0, 4.0, 1.0, 2.0, 3.0],
        }
    )
    result = gaps.sequence_gaps(frame, by=["vendor"])
    assert result.gaps[["vendor", "gap_start", "gap_end", "missing"]].values.tolist() == [
        ["V1", 2, 3, 2]
    ]
    assert result.gaps["first_missing"].tolist() == ["2"]


def test_max_gap_leaves_out_separate_number_blocks() -> None:
    frame = pd.DataFrame({"invoice_number": ["A1", "A3", "A1000"]})
    assert gaps.sequence_gaps(frame, id_col=None).missing_count == 997
    assert gaps.sequence_gaps(frame, id_col=None, max_gap=10).missing_count == 1


def test_padding_only_when_the_sequence_is_padded() -> None:
    frame = pd.DataFrame({"invoice_number": ["A8", "A12"]})
    result = gaps.sequence_gaps(frame, id_col=None)
    assert result.gaps["first_missing"].tolist() == ["A9"]
    assert result.gaps["last_missing"].tolist() == ["A11"]


def test_gap_and_duplicate_findings(invoices: pd.DataFrame) -> None:
    result = gaps.sequence_gaps(invoices)
    finding = gaps.gaps_finding(result)
    assert finding is not None
    assert finding.entities.ids == ["CN-8", "INV-000122..INV-000124", "INV-000126..INV-000129"]
    assert finding.exceptions.count == 8
    assert finding.population.count == 14
    assert finding.exceptions.share == pytest.approx(8 / 14, abs=1e-6)
    amounts = invoices.set_index("expense_id")["amount"]
    dups = gaps.sequence_duplicates_finding(result, amount=amounts)
    assert dups is not None
    assert dups.entities.ids == ["E1", "E3"]
    assert dups.exceptions.value == pytest.approx(40.0)
    assert dups.severity == "high"


def test_complete_sequence_has_no_finding() -> None:
    frame = pd.DataFrame({"invoice_number": [f"N{i:04d}" for i in np.arange(1, 50)]})
    result = gaps.sequence_gaps(frame, id_col=None)
    assert result.gaps.empty
    assert gaps.gaps_finding(result) is None
    assert gaps.sequence_duplicates_finding(result) is None
