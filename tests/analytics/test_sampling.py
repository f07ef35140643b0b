"""Audit sampling against the AICPA tables and hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.analytics import sampling

# AICPA Audit Sampling guide, table A-1: 5% risk, zero expected deviations.
AICPA_A1_ZERO = {
    0.02: 149,
    0.03: 99,
    0.04: 74,
    0.05: 59,
    0.06: 49,
    0.07: 42,
    0.08: 36,
    0.09: 32,
    0.10: 29,
    0.15: 19,
    0.20: 14,
}


@pytest.mark.parametrize(("tdr", "expected"), sorted(AICPA_A1_ZERO.items()))
def test_attribute_size_matches_aicpa_table_with_zero_expected_deviations(tdr, expected):
    n = sampling.attribute_sample_size(tdr, risk=0.05)
    assert n == expected
    # the defining property: smallest n with (1 - TDR)^n <= risk
    assert (1 - tdr) ** n <= 0.05 < (1 - tdr) ** (n - 1)


@pytest.mark.parametrize(
    ("expected_rate", "tdr", "n", "allowed"),
    [
        (0.0025, 0.05, 93, 1),
        (0.01, 0.05, 93, 1),
        (0.01, 0.04, 156, 2),
        (0.0075, 0.03, 208, 2),
        (0.0125, 0.05, 124, 2),
        (0.015, 0.04, 192, 3),
        (0.02, 0.05, 181, 4),
        (0.02, 0.06, 127, 3),
        (0.01, 0.06, 78, 1),
    ],
)
def test_attribute_size_with_expected_deviations_matches_aicpa_table(
    expected_rate, tdr, n, allowed
):
    assert sampling.attribute_sample_size(tdr, 0.05, expected_rate) == n
    assert sampling.expected_deviations(n, expected_rate) == allowed


def test_attribute_size_hand_computed_binomial_with_one_deviation():
    # P(X <= 1 | 93, 5%) = 0.95^93 + 93 * 0.05 * 0.95^92 = 0.04999 <= 5%; at 92 it is 0.0521
    p93 = 0.95**93 + 93 * 0.05 * 0.95**92
    p92 = 0.95**92 + 92 * 0.05 * 0.95**91
    assert p93 <= 0.05 < p92
    assert sampling.attribute_sample_size(0.05, 0.05, 0.0025) == 93


def test_attribute_size_small_population_uses_hypergeometric():
    # population 20, one tolerable deviant: P(miss it) = (20 - n) / 20 <= 5% -> n = 19
    assert sampling.attribute_sample_size(0.05, 0.05, population=20) == 19
    assert sampling.attribute_sample_size(0.05, 0.05, population=200) < 59


def test_attribute_size_rejects_expected_rate_at_or_above_tolerable():
    with pytest.raises(ValueError):
        sampling.attribute_sample_size(0.05, 0.05, 0.05)
    with pytest.raises(ValueError):
        sampling.attribute_sample_size(0.0, 0.05)


def test_attribute_upper_limit_is_the_tolerable_rate_at_the_table_size():
    assert sampling.attribute_upper_limit(59, 0, 0.05) == pytest.approx(1 - 0.05 ** (1 / 59))
    assert sampling.attribute_upper_limit(59, 0, 0.05) < 0.05
    assert sampling.attribute_upper_limit(93, 1, 0.05) == pytest.approx(0.04999, abs=1e-4)
    assert sampling.attribute_upper_limit(0, 0) == 1.0


def test_wilson_interval_hand_computed():
    low, high = sampling.wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    assert sampling.wilson_interval(0, 0) == (0.0, 1.0)
    low, high = sampling.wilson_interval(50, 50)
    assert high == 1.0 and low == pytest.approx(0.9287, abs=1e-4)


def test_attribute_selection_is_seeded_and_independent_of_row_order():
    pop = pd.DataFrame({"record_id": [f"R{i:04d}" for i in range(500)], "x": range(500)})
    a = sampling.select_attribute_sample(pop, 59, seed=7, id_col="record_id")
    b = sampling.select_attribute_sample(
        pop.sample(frac=1, random_state=3), 59, seed=7, id_col="record_id"
    )
    c = sampling.select_attribute_sample(pop, 59, seed=8, id_col="record_id")
    assert len(a) == 59 and a.record_id.is_unique
    assert a.record_id.tolist() == b.record_id.tolist()
    assert a.record_id.tolist() != c.record_id.tolist()
    assert a.sample_item.tolist() == list(range(1, 60))
    assert len(sampling.select_attribute_sample(pop.head(10), 59, seed=7)) == 10


def test_attribute_sample_states_its_plan_for_both_sizing_methods():
    pop = pd.DataFrame({"record_id": [f"R{i:04d}" for i in range(20)]})
    # binomial size (59 at 5% / 5%), capped at the 20 items there are
    plan, chosen = sampling.attribute_sample(
        pop, tolerable_rate=0.05, risk=0.05, seed=7, id_col="record_id"
    )
    assert (plan.population, plan.n, plan.allowed_deviations) == (20, 20, 0)
    assert (
        chosen.record_id.tolist()
        == sampling.select_attribute_sample(pop, 20, seed=7, id_col="record_id").record_id.tolist()
    )
    # sized on the population itself: 19 of 20 (see the hypergeometric case above)
    plan, chosen = sampling.attribute_sample(
        pop, tolerable_rate=0.05, risk=0.05, seed=7, finite_population=True
    )
    assert (plan.n, len(chosen), plan.finite_population) == (19, 19, True)
    plan, _ = sampling.attribute_sample(
        pd.DataFrame({"record_id": range(5000)}),
        tolerable_rate=0.05,
        risk=0.05,
        expected_rate=0.0025,
        seed=1,
    )
    assert (plan.n, plan.allowed_deviations) == (93, 1)


def test_mus_size_aicpa_formula_hand_computed():
    # n = BV x RF / (TM - EM x EF) = 300,000 x 3.00 / (15,000 - 6,000 x 1.6) = 166.7 -> 167
    plan = sampling.mus_sample_size(300_000, 15_000, 6_000, risk=0.05)
    assert plan.n == 167
    assert plan.reliability_factor == 3.00 and plan.expansion_factor == 1.6
    assert plan.interval == pytest.approx(300_000 / 167)
    # zero expected misstatement: 1,000,000 x 3.00 / 50,000 = 60
    assert sampling.mus_sample_size(1_000_000, 50_000).n == 60
    # other tabulated risks: 10% -> 2.31, 20% -> 1.61, 37% -> 1.00
    assert sampling.mus_sample_size(1_000_000, 50_000, risk=0.10).n == math.ceil(46.2)
    assert sampling.mus_sample_size(1_000_000, 50_000, risk=0.20).n == math.ceil(32.2)
    assert sampling.mus_sample_size(1_000_000, 50_000, risk=0.37).n == 20


def test_mus_size_exact_poisson_differs_slightly_and_is_named():
    plan = sampling.mus_sample_size(300_000, 15_000, 6_000, method="poisson")
    assert plan.method == "poisson"
    assert plan.n == 162  # vs 167 with the tabulated factors
    # the bound at n is within TM, at n - 1 it is not
    from scipy import stats

    assert stats.gamma.ppf(0.95, 1 + 162 * 0.02) / 162 <= 0.05
    assert stats.gamma.ppf(0.95, 1 + 161 * 0.02) / 161 > 0.05
    # zero expected: ceil(BV x -ln(risk) / TM) = ceil(59.91) = 60
    assert sampling.mus_sample_size(1_000_000, 50_000, method="poisson").n == 60


def test_mus_size_refuses_untabulated_risk_and_no_room():
    with pytest.raises(ValueError, match="poisson"):
        sampling.mus_sample_size(1_000_000, 50_000, risk=0.07)
    with pytest.raises(ValueError):
        sampling.mus_sample_size(1_000_000, 10_000, 10_000)


def test_aicpa_factors_reproduce_the_published_table():
    assert [sampling.aicpa_factor(k, 0.05) for k in range(6)] == [
        3.00,
        4.75,
        6.30,
        7.76,
        9.16,
        10.52,
    ]
    assert [sampling.aicpa_factor(k, 0.10) for k in range(3)] == [2.31, 3.89, 5.33]
    for risk, rf in sampling.RELIABILITY_FACTORS.items():
        assert sampling.aicpa_factor(0, risk) == rf


def test_stringer_bound_hand_computed():
    # J = 10,000; taintings 0.2 and 0.5; AICPA factors 3.00, 4.75, 6.30:
    # 10,000 x (3.00 + (4.75 - 3.00) x 0.5 + (6.30 - 4.75) x 0.2) = 41,850
    result = sampling.stringer_bound([0.2, 0.5], 10_000, factors="aicpa")
    assert result.basic_precision == pytest.approx(30_000)
    assert result.projected_misstatement == pytest.approx(7_000)
    assert result.incremental_allowance == pytest.approx(10_000 * (0.75 * 0.5 + 0.55 * 0.2))
    assert result.upper_limit == pytest.approx(41_850)
    exact = sampling.stringer_bound([0.5, 0.2], 10_000, top_stratum_misstatement=1_000)
    assert exact.upper_limit == pytest.approx(
        10_000 * (2.995732 + 1.748132 * 0.5 + 1.551929 * 0.2) + 1_000, abs=1
    )
    assert sampling.stringer_bound([], 10_000).upper_limit == pytest.approx(29_957.32, abs=0.01)


def test_mus_selection_takes_top_stratum_fully_and_is_reproducible():
    rng = np.random.default_rng(1)
    pop = pd.DataFrame(
        {
            "invoice_id": [f"I{i:04d}" for i in range(400)],
            "amount": rng.uniform(10, 2_000, 400).round(2),
        }
    )
    pop.loc[[5, 77], "amount"] = [60_000.0, 25_000.0]
    pop.loc[9, "amount"] = -50.0
    positive_total = pop.amount[pop.amount > 0].sum()
    sel = sampling.select_mus_sample(pop, "amount", seed=11, n=60, id_col="invoice_id")
    interval = positive_total / 60
    assert sel.interval.iloc[0] == pytest.approx(interval)
    top = sel[sel.selection == "top stratum"]
    assert set(top.invoice_id) == {"I0005", "I0077"}
    systematic = sel[sel.selection == "systematic"]
    rest_total = pop.amount[(pop.amount > 0) & (pop.amount < interval)].sum()
    assert len(systematic) in (math.floor(rest_total / interval), math.ceil(rest_total / interval))
    assert systematic.invoice_id.is_unique  # items below J are hit at most once
    assert "I0009" not in set(sel.invoice_id)
    again = sampling.select_mus_sample(pop.iloc[::-1], "amount", seed=11, n=60, id_col="invoice_id")
    assert again.invoice_id.tolist() == sel.invoice_id.tolist()


def test_mus_selection_hits_the_item_under_each_selection_point():
    pop = pd.DataFrame({"id": ["A", "B", "C", "D"], "v": [30.0, 30.0, 30.0, 30.0]})
    sel = sampling.select_mus_sample(pop, "v", seed=0, interval=40.0)
    start = float(np.random.default_rng(0).uniform(0, 40.0))
    points = [start + 40 * k for k in range(3) if start + 40 * k < 120]
    expected = [pop.id[int(p // 30)] for p in points]
    assert sel.id.tolist() == expected
    assert sel.hit.tolist() == pytest.approx(points)
