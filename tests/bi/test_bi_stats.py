"""Statistics of the BI playbook: intervals, shrinkage, rate tests, period and decision tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench.bi import people, periods, quality


def test_wilson_interval_matches_the_published_values():
    lo, hi = people.wilson_interval([8, 0, 10], [10, 10, 10])
    assert lo[0] == pytest.approx(0.4902, abs=1e-4) and hi[0] == pytest.approx(0.9433, abs=1e-4)
    assert lo[1] == 0.0 and hi[1] == pytest.approx(0.2775, abs=1e-4)
    assert hi[2] == pytest.approx(1.0) and lo[2] == pytest.approx(0.7225, abs=1e-4)


def test_garwood_poisson_interval():
    lo, hi = people.poisson_interval([0, 5])
    assert lo[0] == 0.0 and hi[0] == pytest.approx(3.6889, abs=1e-4)
    assert lo[1] == pytest.approx(1.6235, abs=1e-4) and hi[1] == pytest.approx(11.6683, abs=1e-4)


def test_shrinkage_pulls_small_groups_harder_towards_the_pooled_rate():
    successes = np.array([3, 80, 40])
    n = np.array([3, 100, 50])
    shrunk, a, b = people.beta_binomial_shrinkage(successes, n)
    prior = a / (a + b)
    # The 3/3 record moves most; each estimate lies between its raw rate and the prior mean.
    moves = np.abs(shrunk - successes / n)
    assert moves[0] > moves[1] and moves[0] > moves[2]
    assert prior <= shrunk[0] < 1.0


def test_shrinkage_prior_is_fitted_by_maximum_likelihood_with_unequal_group_sizes():
    # 3,000 people drawn from a known Beta(8, 2) (mean 0.8, strength 10): most with 2-5
    # milestones, a fifth with 100-400. The method of moments read them as a strength of
    # 200 (its cap) and pulled every small record almost onto the pooled rate.
    rng = np.random.default_rng(7)
    groups = 3000
    n = np.where(
        rng.random(groups) < 0.8, rng.integers(2, 6, groups), rng.integers(100, 400, groups)
    )
    s = rng.binomial(n, rng.beta(8.0, 2.0, groups))
    _, a, b = people.beta_binomial_shrinkage(s, n)
    assert a / (a + b) == pytest.approx(0.8, abs=0.01)
    assert a + b == pytest.approx(10.0, rel=0.2)
    # It is the maximum of the beta-binomial likelihood (scipy.stats.betabinom).
    loglik = stats.betabinom.logpmf(s, n, a, b).sum()
    for da, db in ((0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05)):
        assert stats.betabinom.logpmf(s, n, a * (1 + da), b * (1 + db)).sum() < loglik


def test_shrinkage_is_capped_when_groups_vary_no_more_than_noise():
    n = np.array([20, 20, 20, 20])
    shrunk, a, b = people.beta_binomial_shrinkage(np.array([10, 10, 10, 10]), n)
    assert a + b == pytest.approx(200.0) and np.allclose(shrunk, 0.5)


def test_rate_ratio_test_is_the_conditional_binomial():
    p = quality.rate_ratio_test(30, 10.0, 50, 40.0)
    assert p == pytest.approx(stats.binomtest(30, 50, 0.25, alternative="greater").pvalue)
    assert p < 1e-6


def test_defect_hotspot_needs_both_ratio_and_significance():
    summary = pd.DataFrame(
        {"segment": ["A", "B", "C"], "defects": [30, 10, 10], "exposure": [10.0, 15.0, 15.0]}
    )
    summary["rate"] = summary["defects"] / summary["exposure"]
    result = quality.defect_hotspots(summary, min_ratio=1.5)
    assert result.ids == ["A"]
    row = result.table.set_index("segment").loc["A"]
    assert row["rate_rest"] == pytest.approx(20 / 30, abs=1e-4)
    assert row["ratio"] == pytest.approx(4.5, abs=0.01)
    # Four defects against two: the ratio is large but it may be chance.
    small = pd.DataFrame({"segment": ["A", "B"], "defects": [4, 2], "exposure": [2.0, 3.0]})
    small["rate"] = small["defects"] / small["exposure"]
    assert quality.defect_hotspots(small, min_ratio=1.5).findings == []


def _events(kpi: str, dates: list[str], values: list[float], segment: str = "S"):
    return pd.DataFrame(
        {
            "kpi": kpi,
            "date": pd.to_datetime(dates),
            "segment": segment,
            "project_id": "P",
            "person_id": "X",
            "entity_id": "e",
            "value": values,
        }
    )


def test_mean_kpis_use_mann_whitney_and_need_materiality_and_significance():
    before = [f"2025-01-{d:02d}" for d in range(1, 21)]
    after = [f"2025-04-{d:02d}" for d in range(1, 21)]
    ev = pd.concat(
        [
            _events("delivery_to_acceptance_days", before, [20.0 + i % 3 for i in range(20)]),
            _events("delivery_to_acceptance_days", after, [8.0 + i % 3 for i in range(20)]),
        ]
    )
    table = periods.compare_periods(ev, freq="Q", alpha=0.05, materiality=0.10)
    row = table.iloc[0]
    assert row["period"] == "2025Q2" and row["previous"] == "2025Q1"
    assert row["before"] == 20.95 and row["after"] == 8.95  # 0,1,2 repeated: mean 0.95
    assert row["relative_change"] == pytest.approx(-12 / 20.95, abs=1e-4)
    assert row["test"] == "Mann-Whitney U" and row["p_value"] < 0.001
    assert row["verdict"] == "improved"
    # The same shift judged against a 60% materiality threshold is not material.
    strict = periods.compare_periods(ev, freq="Q", materiality=0.60).iloc[0]
    assert strict["verdict"] == "no material change" and bool(strict["significant"])


def test_rate_kpis_use_fisher_exact():
    dates_a = [f"2025-01-{d:02d}" for d in range(1, 21)]
    dates_b = [f"2025-04-{d:02d}" for d in range(1, 21)]
    ev = pd.concat(
        [
            _events("on_time_delivery_rate", dates_a, [1.0] * 18 + [0.0] * 2),
            _events("on_time_delivery_rate", dates_b, [1.0] * 8 + [0.0] * 12),
        ]
    )
    row = periods.compare_periods(ev, freq="Q").iloc[0]
    assert row["test"] == "Fisher exact"
    assert row["p_value"] == pytest.approx(stats.fisher_exact([[18, 2], [8, 12]]).pvalue)
    assert row["verdict"] == "worsened"


def test_too_few_events_are_reported_not_tested():
    ev = pd.concat(
        [
            _events("delivery_delay_days", ["2025-01-05", "2025-01-06"], [1.0, 2.0]),
            _events("delivery_delay_days", ["2025-04-05", "2025-04-06"], [9.0, 9.0]),
        ]
    )
    assert periods.compare_periods(ev, freq="Q").iloc[0]["verdict"] == "insufficient data"


def test_decision_keywords_map_to_kpis_with_a_fallback():
    decisions = pd.DataFrame(
        {
            "decision_id": ["D1", "D2"],
            "date": pd.to_datetime(["2025-03-01", "2025-03-01"]),
            "title": ["Acceptance SLA", "New office"],
        }
    )
    mapping = pd.DataFrame(
        {
            "keyword": ["acceptance", "*", "*"],
            "kpi": ["delivery_to_acceptance_days", "invoiced_revenue", "on_time_delivery_rate"],
        }
    )
    pairs = periods.decision_kpis(decisions, mapping)
    assert pairs.loc[pairs["decision_id"] == "D1", "kpi"].tolist() == [
        "delivery_to_acceptance_days"
    ]
    assert pairs.loc[pairs["decision_id"] == "D2", "kpi"].tolist() == [
        "invoiced_revenue",
        "on_time_delivery_rate",
    ]


def test_decision_effect_compares_equal_windows_within_its_segment():
    days = pd.date_range("2025-01-01", "2025-12-31", freq="3D")
    values = [
        25.0 + (i % 5) if d < pd.Timestamp("2025-07-01") else 6.0 + (i % 5)
        for i, d in enumerate(days)
    ]
    ev = pd.concat(
        [
            _events("delivery_to_acceptance_days", list(days.astype(str)), values, "Public"),
            _events(
                "delivery_to_acceptance_days",
                list(days.astype(str)),
                [15.0 + (i % 5) for i in range(len(days))],
                "Other",
            ),
        ]
    )
    decisions = pd.DataFrame(
        {
            "decision_id": ["D1", "D2", "D3"],
            "date": pd.to_datetime(["2025-07-01", "2025-07-01", "2025-12-20"]),
            "title": ["Acceptance SLA", "Acceptance SLA", "Acceptance SLA"],
            "segment": ["Public", "Other", None],
        }
    )
    mapping = pd.DataFrame({"keyword": ["acceptance"], "kpi": ["delivery_to_acceptance_days"]})
    effects = periods.decision_effects(
        decisions, ev, mapping, as_of=pd.Timestamp("2025-12-31"), window_days=90
    )
    by_id = effects.set_index("decision_id")
    assert by_id.loc["D1", "verdict"] == "improved"
    assert by_id.loc["D1", "window_days"] == 90
    assert by_id.loc["D2", "verdict"] == "no material change"
    assert by_id.loc["D3", "verdict"] == "too early to tell"
    result = periods.decision_findings(effects)
    assert result.ids_for("decision_effect") == ["D1"]
    assert result.ids_for("decision_no_effect") == ["D2"]
    assert "D3" not in result.ids
    assert result.table.set_index("decision_id").loc["D3", "verdict"] == "too early to tell"


def test_a_partial_last_quarter_is_compared_over_the_days_it_covers():
    # Flat invoicing, 1,000 every working day, cut at 14 November: Q4 has 45 of its 92 days.
    # Compared as a full quarter it was "-51%, p=0.003, worsened".
    as_of = pd.Timestamp("2025-11-14")
    days = pd.bdate_range("2025-07-01", as_of)
    ev = _events("invoiced_revenue", list(days.strftime("%Y-%m-%d")), [1000.0] * len(days))
    row = periods.compare_periods(ev, freq="Q", as_of=as_of).iloc[0]
    assert row["period"] == "2025Q4" and not row["complete"]
    assert abs(row["relative_change"]) < 0.05
    assert row["verdict"] == "no material change"
    month = periods.compare_periods(ev, freq="M", as_of=as_of, last=1).iloc[0]
    assert month["period"] == "2025-11" and abs(month["relative_change"]) < 0.10
    assert month["verdict"] == "no material change"


def test_the_dashboard_says_how_many_days_of_the_last_period_it_covers():
    from workbench.bi import dashboard

    as_of = pd.Timestamp("2025-11-14")
    ev = _events("invoiced_revenue", ["2025-08-01", "2025-11-03"], [10.0, 10.0])
    board = dashboard.dashboard_table(ev, freq="Q", start=pd.Timestamp("2025-07-01"), end=as_of)
    days = board.set_index(["period", "segment"])["days_covered"]
    assert days[("2025Q3", "All")] == 92 and days[("2025Q4", "All")] == 45
    assert dashboard.partial_periods(board) == {"2025Q4"}
    fig = dashboard.dashboard_figure(board, ["invoiced_revenue"])
    assert any("partial" in t.get_text() for t in fig.texts)


def test_holm_adjustment_matches_r_p_adjust():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") -> 0.03 0.06 0.06 0.02
    adjusted = periods.holm(np.array([0.01, 0.04, 0.03, 0.005, np.nan]))
    assert adjusted[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert np.isnan(adjusted[4])


def _four_decisions() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """D1's segment accepts 4 days faster after it (Mann-Whitney p = 0.021 on its own); the
    other three segments do not change at all."""
    before = [20.0, 22, 24, 26, 28, 30, 21, 23, 25, 27]
    b_dates = list(pd.date_range("2025-04-05", periods=10, freq="7D").astype(str))
    a_dates = list(pd.date_range("2025-07-05", periods=10, freq="7D").astype(str))
    parts = []
    for seg, shift in (("S1", 4.0), ("S2", 0.0), ("S3", 0.0), ("S4", 0.0)):
        parts.append(_events("delivery_to_acceptance_days", b_dates, before, seg))
        parts.append(
            _events("delivery_to_acceptance_days", a_dates, [v - shift for v in before], seg)
        )
    decisions = pd.DataFrame(
        {
            "decision_id": ["D1", "D2", "D3", "D4"],
            "date": pd.Timestamp("2025-07-01"),
            "title": "Acceptance SLA",
            "segment": ["S1", "S2", "S3", "S4"],
        }
    )
    mapping = pd.DataFrame({"keyword": ["acceptance"], "kpi": ["delivery_to_acceptance_days"]})
    return pd.concat(parts), decisions, mapping


def test_decision_tests_are_judged_after_holm_adjustment_over_all_of_them():
    ev, decisions, mapping = _four_decisions()
    kw = {"as_of": pd.Timestamp("2025-12-31"), "window_days": 90}
    alone = periods.decision_effects(decisions.iloc[:1], ev, mapping, **kw).iloc[0]
    assert alone["p_value"] == pytest.approx(0.0208, abs=1e-4)
    assert alone["verdict"] == "improved"
    effects = periods.decision_effects(decisions, ev, mapping, **kw).set_index("decision_id")
    # One of four tests at p = 0.021 is what chance gives: Holm puts it at 0.083.
    assert effects.loc["D1", "p_adjusted"] == pytest.approx(4 * 0.0208, abs=4e-4)
    assert effects.loc["D1", "verdict"] == "no material change"
    result = periods.decision_findings(effects.reset_index())
    assert result.ids_for("decision_effect") == []
    assert result.ids_for("decision_no_effect") == ["D1", "D2", "D3", "D4"]


def test_decision_findings_do_not_claim_the_decision_caused_the_change():
    ev, decisions, mapping = _four_decisions()
    effects = periods.decision_effects(
        decisions.iloc[:1], ev, mapping, as_of=pd.Timestamp("2025-12-31"), window_days=90
    )
    finding = periods.decision_findings(effects).findings[0]
    assert finding.check == "decision_effect"
    text = f"{finding.title} {finding.summary}".lower()
    assert "effect" not in finding.title.lower()
    assert "not proof of cause" in text
