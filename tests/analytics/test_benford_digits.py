"""Benford tests: exact digits, expected proportions, Z, MAD verdicts, small N, findings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.analytics import benford as bf


def _repr_digits(value: float, k: int) -> int:
    text = repr(abs(float(value))).lower().partition("e")[0]
    digits = text.replace(".", "").lstrip("0")
    return int((digits + "0" * k)[:k])


def _benford_grid(n: int, low: float = 10.0, decades: int = 4) -> np.ndarray:
    """A deterministic log-uniform grid: as Benford as a finite set gets."""
    return 10 ** (np.log10(low) + decades * (np.arange(n) + 0.5) / n)


# ---------------------------------------------------------------------------- digits


def test_first_two_digits_are_those_typed_not_float_noise() -> None:
    values = [0.1 + 0.2, 1e-5, 1000.0, 0.29, 2.675, 4.35, 999.9999999, 1e-300, 1e300, 0.07]
    assert bf.significant_digits(values, 2).tolist() == [30, 10, 10, 29, 26, 43, 99, 10, 10, 70]


def test_a_value_just_under_a_boundary_keeps_its_lower_digits() -> None:
    # 0.29 * 100 in floating point is 28.999999999999996: its own digits are 28
    assert bf.significant_digits([0.29 * 100], 2).tolist() == [28]
    assert bf.significant_digits([0.29 * 100], 3).tolist() == [289]


def test_first_three_digits_pad_short_numbers() -> None:
    assert bf.significant_digits([5.0, 12.0, 1234.5], 3).tolist() == [500, 120, 123]


def test_zero_missing_and_infinite_values_have_no_digits() -> None:
    assert bf.significant_digits([0.0, np.nan, np.inf, -0.0], 1).tolist() == [-1, -1, -1, -1]


def test_digits_match_shortest_repr_on_random_amounts() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            rng.integers(1, 10**7, 4000) / 100.0,
            rng.lognormal(0, 8, 4000),
            10.0 ** rng.integers(-25, 25, 2000) * rng.integers(1, 1000, 2000),
        ]
    )
    for k in (1, 2, 3):
        expected = [_repr_digits(v, k) for v in values]
        assert bf.significant_digits(values, k).tolist() == expected


def test_last_two_digits_come_from_the_integer_part() -> None:
    got = bf.last_two_digits([1234.56, 99.99, 100.0, 5.0, -1234.0, np.nan])
    assert got.tolist() == [34, 99, 0, -1, 34, -1]


def test_leading_digit_codes_nest() -> None:
    values = [1234.5, 98.7, 10.0]
    assert bf.digit_codes(values, "first_digit").tolist() == [1, 9, 1]
    assert bf.digit_codes(values, "second_digit").tolist() == [2, 8, 0]
    assert bf.digit_codes(values, "first_two_digits").tolist() == [12, 98, 10]
    assert bf.digit_codes(values, "first_three_digits").tolist() == [123, 987, 100]


# ------------------------------------------------------------------ expected values


def test_first_digit_expectation_is_the_domain_table() -> None:
    ep = bf.expected_proportions("first_digit").round(5).tolist()
    assert ep == [0.30103, 0.17609, 0.12494, 0.09691, 0.07918, 0.06695, 0.05799, 0.05115, 0.04576]


def test_second_digit_expectation() -> None:
    ep = bf.expected_proportions("second_digit").round(5).tolist()
    assert ep == [
        0.11968, 0.11389, 0.10882, 0.10433, 0.10031, 0.09668, 0.09337, 0.09035, 0.08757, 0.085
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("test", "cells"),
    [("first_two_digits", 90), ("first_three_digits", 900), ("last_two_digits", 100)],
)
def test_expected_proportions_sum_to_one(test: str, cells: int) -> None:
    ep = bf.expected_proportions(test)
    assert len(ep) == cells
    assert ep.sum() == pytest.approx(1.0)


def test_last_two_digits_are_uniform() -> None:
    assert set(bf.expected_proportions("last_two_digits").tolist()) == {0.01}


# --------------------------------------------------------------------- Z and MAD


def _first_digit_amounts(counts: dict[int, int]) -> pd.Series:
    return pd.Series([float(d * 10 + 1) for d, c in counts.items() for _ in range(c)])


def test_z_uses_the_continuity_correction() -> None:
    # N = 1000: digit 1 seen 350 times against 301.03 expected
    counts = {1: 350, 2: 170, 3: 120, 4: 95, 5: 80, 6: 65, 7: 55, 8: 19, 9: 46}
    result = bf.benford_test(_first_digit_amounts(counts), "first_digit")
    row = result.table.set_index("digit").loc[1]
    ep = math.log10(2)
    expected_z = (abs(0.35 - ep) - 1 / 2000) / math.sqrt(ep * (1 - ep) / 1000)
    assert result.n == 1000
    assert row["count"] == 350
    assert row["z"] == pytest.approx(expected_z)
    assert row["z"] == pytest.approx(3.3415, abs=1e-4)
    assert row["significance"] == "99%"


def test_z_is_zero_within_half_a_record_of_expectation() -> None:
    # digit 9 expected 45.76 of 1000; 46 seen: |AP-EP| = 0.00024 < 1/(2N) = 0.0005
    counts = {1: 350, 2: 170, 3: 120, 4: 95, 5: 80, 6: 65, 7: 55, 8: 19, 9: 46}
    result = bf.benford_test(_first_digit_amounts(counts), "first_digit")
    assert result.table.set_index("digit").loc[9, "z"] == 0.0


def test_z_between_the_two_critical_values_is_flagged_at_95() -> None:
    counts = {1: 301, 2: 176, 3: 125, 4: 97, 5: 79, 6: 67, 7: 58, 8: 51, 9: 46}
    # move 16 records from digit 2 to digit 8: digit 8 count 67 vs 51.15 expected
    counts[2] -= 16
    counts[8] += 16
    result = bf.benford_test(_first_digit_amounts(counts), "first_digit")
    row = result.table.set_index("digit").loc[8]
    assert 1.96 < row["z"] < 2.576
    assert row["significance"] == "95%"


def test_mad_is_the_mean_absolute_deviation() -> None:
    counts = {1: 350, 2: 170, 3: 120, 4: 95, 5: 80, 6: 65, 7: 55, 8: 19, 9: 46}
    result = bf.benford_test(_first_digit_amounts(counts), "first_digit")
    ap = np.array([counts[d] for d in range(1, 10)]) / 1000
    ep = np.log10(1 + 1 / np.arange(1, 10))
    assert result.mad == pytest.approx(np.mean(np.abs(ap - ep)))
    assert result.chi_square == pytest.approx(((ap * 1000 - ep * 1000) ** 2 / (ep * 1000)).sum())
    assert result.ks == pytest.approx(np.max(np.abs(np.cumsum(ap) - np.cumsum(ep))))


@pytest.mark.parametrize(
    ("test", "mad", "verdict"),
    [
        ("first_digit", 0.006, "close"),
        ("first_digit", 0.0061, "acceptable"),
        ("first_digit", 0.012, "acceptable"),
        ("first_digit", 0.015, "marginal"),
        ("first_digit", 0.0151, "nonconformity"),
        ("second_digit", 0.008, "close"),
        ("second_digit", 0.010, "acceptable"),
        ("second_digit", 0.012, "marginal"),
        ("second_digit", 0.0121, "nonconformity"),
        ("first_two_digits", 0.0012, "close"),
        ("first_two_digits", 0.0018, "acceptable"),
        ("first_two_digits", 0.0022, "marginal"),
        ("first_two_digits", 0.00221, "nonconformity"),
        ("first_three_digits", 0.00036, "close"),
        ("first_three_digits", 0.00044, "acceptable"),
        ("first_three_digits", 0.0005, "marginal"),
        ("first_three_digits", 0.00051, "nonconformity"),
        ("last_two_digits", 0.001, None),
    ],
)
def test_mad_verdicts_follow_nigrini_table_7_1(test: str, mad: float, verdict: str) -> None:
    assert bf.mad_verdict(test, mad) == verdict


# ------------------------------------------------------------------- small samples


def test_expected_first_two_mad_is_nigrinis_formula() -> None:
    assert bf.expected_mad("first_two_digits", 1000) == pytest.approx(1 / math.sqrt(158_800))
    # the general normal approximation agrees with Nigrini's constant within 2%
    ep = bf.expected_proportions("first_two_digits").to_numpy()
    general = np.mean(np.sqrt(2 * ep * (1 - ep) / (math.pi * 1000)))
    assert general == pytest.approx(bf.expected_mad("first_two_digits", 1000), rel=0.02)


def test_first_two_digits_needs_about_1300_records() -> None:
    assert bf.minimum_records("first_two_digits") == 1302
    assert bf.expected_mad("first_two_digits", 1300) == pytest.approx(0.0022, abs=1e-6)


def test_small_sample_gets_a_caution_not_a_false_verdict() -> None:
    amounts = pd.Series(_benford_grid(800))
    result = bf.benford_test(amounts, "first_two_digits")
    assert result.n == 800
    assert result.verdict == "inconclusive"
    assert result.mad_verdict is not None
    assert result.caution is not None
    assert "noise alone looks nonconforming" in result.caution
    assert "1,302" in result.caution


def test_large_benford_sample_conforms_closely() -> None:
    result = bf.benford_test(pd.Series(_benford_grid(20_000)), "first_two_digits")
    assert result.caution is None
    assert result.verdict == "close"
    assert result.mad < 0.0002
    assert result.spikes().empty


# ------------------------------------------------------------- selection and signs


def test_signs_are_separate_and_small_amounts_excluded() -> None:
    data = pd.DataFrame({"amount": [150.0, 23.0, 5.0, 9.99, -45.0, -1200.0, -3.0, 0.0, np.nan]})
    results = bf.benford_tests(data, tests=["first_digit"])
    pos, neg = results[("positive", "first_digit")], results[("negative", "first_digit")]
    assert pos.n == 2
    assert pos.excluded == {"missing_or_zero": 2, "other_sign": 3, "below_min_amount": 2}
    assert neg.n == 2
    assert neg.table.set_index("digit").loc[[1, 4], "count"].tolist() == [1, 1]
    assert neg.excluded["below_min_amount"] == 1
    everything = bf.benford_test(data, "first_digit", min_amount=None)
    assert everything.n == 4
    assert "amounts of 10 or more" in pos.method


def test_benford_tests_agree_with_single_tests() -> None:
    amounts = pd.Series(np.round(_benford_grid(5000) * 1.37, 2))
    together = bf.benford_tests(amounts, signs=["positive"])
    for test in bf.TESTS:
        alone = bf.benford_test(amounts, test)
        assert together[("positive", test)].mad == pytest.approx(alone.mad)
        assert together[("positive", test)].n == alone.n
    summary = bf.benford_summary(together)
    assert summary["test"].tolist() == list(bf.TESTS)


# ------------------------------------------------ summation, duplication, drill-down


def test_summation_shares_and_spike() -> None:
    data = pd.DataFrame({"amount": [5000.0, 50.0, 11.0, 12.0, 13.0]})
    result = bf.summation_test(data)
    table = result.table.set_index("digit")
    assert result.total == pytest.approx(5086.0)
    assert table.loc[50, "amount"] == pytest.approx(5050.0)
    assert table.loc[50, "actual"] == pytest.approx(5050 / 5086)
    assert table.loc[50, "expected"] == pytest.approx(1 / 90)
    assert result.spikes()["digit"].tolist() == [50]


def test_number_duplication_ranks_recurring_amounts() -> None:
    data = pd.DataFrame({"amount": [50.0, 50.0, 50.0, 75.5, 75.5, 12.0, 3.0, 3.0]})
    table = bf.number_duplication(data)
    assert table["amount"].tolist() == [50.0, 75.5]
    assert table["count"].tolist() == [3, 2]
    assert table["first_two_digits"].tolist() == [50, 75]


def test_drill_down_returns_the_rows_behind_a_digit_pair() -> None:
    data = pd.DataFrame(
        {
            "expense_id": ["A", "B", "C", "D", "E"],
            "amount": [50.0, 5012.0, 51.0, 5.0, -50.0],
        }
    )
    rows = bf.drill_down(data, 50)
    assert rows["expense_id"].tolist() == ["B", "A"]
    assert rows["digits"].tolist() == [50, 50]
    negative = bf.drill_down(data, [50], sign="negative")
    assert negative["expense_id"].tolist() == ["E"]


def test_finding_lists_the_records_behind_the_spikes() -> None:
    grid = np.round(_benford_grid(20_000), 2)
    amounts = np.concatenate([grid, np.full(2500, 50.0)])
    data = pd.DataFrame({"expense_id": [f"X{i}" for i in range(len(amounts))], "amount": amounts})
    result = bf.benford_test(data, "first_two_digits")
    assert result.verdict in ("marginal", "nonconformity")
    assert result.spikes()["digit"].tolist()[0] == 50
    finding = bf.benford_finding(result, data)
    assert finding is not None
    behind = bf.drill_down(data, result.spikes().head(5)["digit"].tolist())
    assert set(finding.entities.ids) == set(behind["expense_id"])
    assert {f"X{i}" for i in range(20_000, 22_500)} <= set(finding.entities.ids)
    assert finding.population.count == 22_500
    assert finding.exceptions.count == len(behind)
    assert finding.exceptions.value == pytest.approx(behind["amount"].sum())
    assert finding.recommendation and finding.corrective_action and finding.preventive_action
    assert finding.owner_role


def test_conforming_data_raises_no_finding() -> None:
    data = pd.DataFrame({"amount": _benford_grid(20_000)})
    result = bf.benford_test(data, "first_two_digits")
    assert bf.benford_finding(result, data, id_col=None) is None


def test_summation_finding_carries_the_spike_records() -> None:
    data = pd.DataFrame({"expense_id": ["A", "B", "C", "D"], "amount": [5000.0, 50.0, 11.0, 12.0]})
    finding = bf.summation_finding(bf.summation_test(data), data)
    assert finding is not None
    assert sorted(finding.entities.ids) == ["A", "B"]
    assert finding.exceptions.value == pytest.approx(5050.0)


def test_second_order_test_reads_the_differences_of_the_sorted_amounts() -> None:
    # Sorted: 100, 150, 175, 175, 200, 1200. Differences 50, 25, 0, 25, 1000; the zero
    # difference (a duplicated amount) is left out, as Nigrini does.
    amounts = pd.Series([175.0, 100.0, 1200.0, 150.0, 175.0, 200.0])
    result = bf.second_order_test(amounts, min_amount=None)
    assert result.test == "second_order" and result.n == 4
    counts = result.table.set_index("digit")["count"]
    assert counts[50] == 1 and counts[25] == 2 and counts[10] == 1
    assert counts.sum() == 4
    # Expected: Benford's first-two digits; no MAD table applies, so no verdict.
    assert result.table.set_index("digit").loc[10, "expected"] == pytest.approx(np.log10(1.1))
    assert result.verdict is None and result.mad_verdict is None


def test_second_digit_test_is_not_labelled_second_order() -> None:
    assert bf.label("second_digit") == "second digit"
    assert bf.label("second_order") == "second-order (differences of sorted amounts)"


def test_a_marginal_mad_is_not_titled_a_departure() -> None:
    rng = np.random.default_rng(3)
    values = 10 ** rng.uniform(1, 6, 20_000)
    values[:1400] = 5000.0  # a spike at 5: MAD 0.0142, marginal
    frame = pd.DataFrame({"expense_id": [f"E{i}" for i in range(len(values))], "amount": values})
    result = bf.benford_test(frame, "first_digit")
    assert result.verdict == "marginal", result.mad
    finding = bf.benford_finding(result, frame)
    assert finding is not None
    assert "depart" not in finding.title
    assert finding.title == (
        "Positive amounts conform only marginally to Benford's law (first digit)"
    )
    assert "of 10 or more" in finding.summary
