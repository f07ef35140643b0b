"""The helpers every analytics companion shares: severity, values, ids and the summary."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from workbench.analytics._common import (
    absolute_total,
    as_list,
    escalate,
    record_ids,
    require_columns,
    rows_finding,
)
from workbench.findings import Finding


def _finding(rows: pd.DataFrame, population: pd.DataFrame, **given: Any) -> Finding | None:
    """rows_finding with plain wording, low by default, amounts in ``amount``."""
    arguments: dict[str, Any] = {
        "check": "some_check",
        "code": "CHK",
        "title": "Some check",
        "summary": "they look odd.",
        "base": "low",
        "severity": None,
        "materiality": None,
        "amount_col": "amount",
        "id_col": "expense_id",
        "entity_type": "expense",
        "area": "Expense analytics",
        "owner_role": "Finance controller",
        "recommendation": "Review.",
        "corrective_action": "Fix.",
        "preventive_action": "Prevent.",
    }
    return rows_finding(rows, population, **(arguments | given))


@pytest.fixture
def population() -> pd.DataFrame:
    return pd.DataFrame(
        {"expense_id": ["E1", "E2", "E3", "E4"], "amount": [100.0, -250.0, 40.0, 10.0]}
    )


def test_severity_goes_one_level_up_once_the_value_reaches_materiality() -> None:
    assert escalate("low", 999.0, 1000.0) == "low"
    assert escalate("low", 1000.0, 1000.0) == "medium"
    assert escalate("medium", 5000.0, 1000.0) == "high"
    assert escalate("critical", 5000.0, 1000.0) == "critical"
    assert escalate("low", 5000.0, None) == "low"


def test_a_missing_value_counts_as_zero_against_materiality() -> None:
    assert escalate("low", None, 1.0) == "low"
    assert escalate("low", None, 0.0) == "medium"


def test_rows_finding_counts_the_rows_their_value_and_the_population(
    population: pd.DataFrame,
) -> None:
    f = _finding(population.iloc[[1, 2]], population)
    assert f is not None
    assert f.summary == "2 of 4 records, worth 290.00: they look odd."
    assert f.entities.ids == ["E2", "E3"]
    assert (f.exceptions.count, f.exceptions.value) == (2, 290.0)
    assert (f.population.count, f.population.value) == (4, 400.0)
    assert (f.severity, f.code, f.check) == ("low", "CHK", "some_check")


def test_rows_finding_escalates_from_materiality_unless_a_severity_is_given(
    population: pd.DataFrame,
) -> None:
    rows = population.iloc[[1]]
    escalated = _finding(rows, population, materiality=250.0)
    fixed = _finding(rows, population, materiality=250.0, severity="info")
    assert escalated is not None and escalated.severity == "medium"
    assert fixed is not None and fixed.severity == "info"


def test_rows_finding_without_the_amount_column_has_no_value(population: pd.DataFrame) -> None:
    no_amount = population.drop(columns="amount")
    f = _finding(no_amount.iloc[:1], no_amount, summary="odd.", separator=", ")
    assert f is not None
    assert f.summary == "1 of 4 records, odd."
    assert f.exceptions.value is None and f.population.value is None


def test_no_rows_raise_no_finding(population: pd.DataFrame) -> None:
    assert _finding(population.iloc[:0], population, base="high") is None


def test_finding_ids_fall_back_to_the_index_labels_as_str(population: pd.DataFrame) -> None:
    dated = population.drop(columns="expense_id").set_index(
        pd.DatetimeIndex(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"])
    )
    f = _finding(dated.iloc[:1], dated)
    assert f is not None
    # str() of the label, time of day included: the ids ledger and outlier findings carry
    assert f.entities.ids == ["2025-01-01 00:00:00"]


def test_record_ids_are_text_aligned_with_the_frame() -> None:
    frame = pd.DataFrame({"id": [7, 8], "x": [1, 2]}, index=[10, 20])
    assert record_ids(frame, "id").tolist() == ["7", "8"]
    by_index = record_ids(frame, None)
    assert by_index.tolist() == ["10", "20"]
    assert by_index.index.tolist() == [10, 20]
    assert record_ids(frame, "absent").tolist() == ["10", "20"]


def test_absolute_total_is_none_without_the_column(population: pd.DataFrame) -> None:
    assert absolute_total(population, "amount") == 400.0
    assert absolute_total(population, "vat") is None


def test_missing_columns_are_named_with_the_test() -> None:
    frame = pd.DataFrame({"a": [1]})
    require_columns(frame, ["a"], "t")
    with pytest.raises(KeyError, match=r"my_test: column\(s\) \['b'\] not in the table"):
        require_columns(frame, ["a", "b"], "my_test")


def test_one_or_many_column_names_become_a_list() -> None:
    assert as_list("vendor") == ["vendor"]
    assert as_list(("vendor", "amount")) == ["vendor", "amount"]
    assert as_list(None) == []
