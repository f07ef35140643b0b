"""Audit sampling: how many items to test, which ones, and what the results say.

Used by every playbook that hands the client a sample to inspect (record management, BI
revenue assurance). Two families:

* **Attribute sampling** for tests of controls (is the record approved, named, classified?):
  the sample size is the smallest ``n`` for which finding no more than the expected number of
  deviations still shows, at the chosen risk, that the population deviation rate is below the
  tolerable deviation rate (exact binomial; AICPA Audit Sampling guide, table A-1).
* **Monetary-unit sampling** (MUS, probability proportional to size) for tests of amounts:
  sample size from reliability and expansion factors (AICPA) or from the exact Poisson/gamma
  bound, systematic selection on cumulative monetary units with items at or above the
  sampling interval tested 100%, and evaluation of taintings with the Stringer bound.

Every selection is seeded: the same population and seed give the same sample on every
machine, which makes the sample part of the reproducible working papers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

#: AICPA confidence (reliability) factors for zero misstatements, by risk of incorrect
#: acceptance (AICPA Audit Sampling guide; the Poisson factor -ln(risk), rounded up).
RELIABILITY_FACTORS: dict[float, float] = {
    0.01: 4.61,
    0.05: 3.00,
    0.10: 2.31,
    0.15: 1.90,
    0.20: 1.61,
    0.25: 1.39,
    0.30: 1.21,
    0.35: 1.05,
    0.37: 1.00,
    0.50: 0.70,
}

#: AICPA expansion factors for expected misstatement, by risk of incorrect acceptance.
EXPANSION_FACTORS: dict[float, float] = {
    0.01: 1.9,
    0.05: 1.6,
    0.10: 1.5,
    0.15: 1.4,
    0.20: 1.3,
    0.25: 1.25,
    0.30: 1.2,
    0.37: 1.15,
    0.50: 1.0,
}

_MAX_N = 100_000


def _check_rate(name: str, value: float, *, allow_zero: bool = False) -> None:
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1):
        raise ValueError(f"{name} must be in {'[0' if allow_zero else '(0'}, 1), not {value!r}")


def _table_value(table: dict[float, float], risk: float, what: str) -> float:
    for key, value in table.items():
        if math.isclose(key, risk, abs_tol=1e-9):
            return value
    raise ValueError(
        f"no AICPA {what} for risk {risk}; tabulated risks are {sorted(table)}; "
        "use method='poisson' for other risks"
    )


# --------------------------------------------------------------------------- attributes


def expected_deviations(n: int, expected_rate: float) -> int:
    """Number of deviations the sample may show and still support reliance.

    Parameters
    ----------
    n : int
        Sample size.
    expected_rate : float
        Expected population deviation rate.

    Returns
    -------
    int
        ``ceil(n * expected_rate)``, as in the AICPA tables (0 when no deviations are expected).
    """
    if expected_rate <= 0:
        return 0
    return math.ceil(n * expected_rate - 1e-9)


def attribute_method(
    tolerable_rate: float,
    risk: float = 0.05,
    expected_rate: float = 0.0,
    population: int | None = None,
) -> str:
    """How :func:`attribute_sample_size` sized a sample with these arguments, in words.

    With a population the size is hypergeometric (smaller than AICPA table A-1 for small
    populations); the label says so and gives the table's binomial size beside it.
    """
    deviations = (
        "zero expected deviations"
        if expected_rate == 0
        else f"{expected_rate:.1%} expected deviation rate"
    )
    binomial = attribute_sample_size(tolerable_rate, risk, expected_rate)
    if population is None:
        return f"exact binomial, {deviations} (AICPA table A-1: {binomial})"
    return (
        f"exact hypergeometric on the population of {population:,}, {deviations} (AICPA "
        f"table A-1 size for a large population: {binomial})"
    )


def attribute_sample_size(
    tolerable_rate: float,
    risk: float = 0.05,
    expected_rate: float = 0.0,
    population: int | None = None,
) -> int:
    """Sample size for an attribute test: exact binomial (AICPA table A-1), or exact
    hypergeometric when the population is given (see :func:`attribute_method` for the label).

    With no expected deviations this is the smallest ``n`` with
    ``(1 - tolerable_rate) ** n <= risk``. With an expected deviation rate it is the smallest
    ``n`` for which ``P(X <= k) <= risk`` where ``X ~ Binomial(n, tolerable_rate)`` and
    ``k = ceil(n * expected_rate)`` deviations are allowed, which reproduces the AICPA table
    (e.g. 1% expected, 5% tolerable, 5% risk: 93 items allowing 1 deviation).

    Parameters
    ----------
    tolerable_rate : float
        Tolerable deviation rate (TDR), e.g. 0.05.
    risk : float
        Risk of assessing control risk too low (1 - confidence), e.g. 0.05.
    expected_rate : float
        Expected population deviation rate; must be below ``tolerable_rate``.
    population : int, optional
        Population size. When given, the hypergeometric distribution replaces the binomial
        (exact for sampling without replacement from a small population) and the size is
        capped at the population.

    Returns
    -------
    int
        The sample size.
    """
    _check_rate("tolerable_rate", tolerable_rate)
    _check_rate("risk", risk)
    _check_rate("expected_rate", expected_rate, allow_zero=True)
    if expected_rate >= tolerable_rate:
        raise ValueError("expected_rate must be below tolerable_rate")
    if population is not None and population <= 0:
        return 0
    limit = _MAX_N if population is None else population
    deviant = None if population is None else math.floor(population * tolerable_rate)
    # Sizes are tried in growing blocks, each evaluated in one vectorised call: the answer
    # is the same smallest n as trying them one by one, but an expected rate close to the
    # tolerable rate (tens of thousands of sizes) costs milliseconds, not minutes.
    start = 1
    while start <= limit:
        stop = min(limit, 4 * start + 255)
        n = np.arange(start, stop + 1)
        k = np.ceil(n * expected_rate - 1e-9) if expected_rate > 0 else np.zeros(len(n))
        if population is None:
            p = stats.binom.cdf(k, n, tolerable_rate)
        else:
            p = stats.hypergeom.cdf(k, population, deviant, n)
        hit = np.flatnonzero(p <= risk)
        if hit.size:
            return int(n[hit[0]])
        start = stop + 1
    if population is not None:
        return population
    raise ValueError("no sample size below 100,000 meets these parameters")


def attribute_upper_limit(n: int, deviations: int, risk: float = 0.05) -> float:
    """Upper deviation limit of an attribute sample (exact binomial, Clopper-Pearson one-sided).

    Parameters
    ----------
    n : int
        Items tested.
    deviations : int
        Deviations found.
    risk : float
        Risk of assessing control risk too low.

    Returns
    -------
    float
        The rate below which the population deviation rate lies with confidence ``1 - risk``;
        compare it with the tolerable rate.
    """
    if n <= 0:
        return 1.0
    if deviations >= n:
        return 1.0
    return float(stats.beta.ppf(1 - risk, deviations + 1, n - deviations))


def wilson_interval(passes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a pass rate (Wilson 1927).

    Better behaved than the normal approximation for small ``n`` and rates near 0 or 1,
    which is why rankings of small teams use it.

    Parameters
    ----------
    passes : int
        Items that passed.
    n : int
        Items tested.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(0.0, 1.0)`` when nothing was tested.
    """
    if n <= 0:
        return (0.0, 1.0)
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    p = passes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def select_attribute_sample(
    population: pd.DataFrame,
    n: int,
    *,
    seed: int,
    id_col: str | None = None,
) -> pd.DataFrame:
    """Simple random sample without replacement, seeded and reproducible.

    The population is first put in a canonical order (by ``id_col`` when given), so the
    sample depends on the population's content and the seed, not on the order the client's
    export happened to list the rows in.

    Parameters
    ----------
    population : DataFrame
        The items to sample from.
    n : int
        Sample size; capped at the population size.
    seed : int
        Seed of the generator (record it in the working papers).
    id_col : str, optional
        Column identifying an item, used to fix the order before drawing.

    Returns
    -------
    DataFrame
        The selected rows in selection order, with a 1-based ``sample_item`` column.
    """
    frame = population
    if id_col is not None:
        frame = frame.sort_values(id_col, kind="mergesort")
    frame = frame.reset_index(drop=True)
    n = max(0, min(int(n), len(frame)))
    rng = np.random.default_rng(seed)
    positions = rng.choice(len(frame), size=n, replace=False) if n else np.array([], dtype=int)
    out = frame.iloc[positions].copy()
    out.insert(0, "sample_item", np.arange(1, n + 1))
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class AttributePlan:
    """An attribute sample as drawn: how it was sized and what it allows.

    Attributes
    ----------
    tolerable_rate, risk, expected_rate : float
        The sizing parameters (see :func:`attribute_sample_size`).
    seed : int
        Seed of the selection.
    population : int
        Items the sample was drawn from.
    n : int
        Items selected.
    allowed_deviations : int
        Deviations the sample may show and still support reliance.
    finite_population : bool
        Sized on the population itself (hypergeometric) rather than binomially.
    """

    tolerable_rate: float
    risk: float
    expected_rate: float
    seed: int
    population: int
    n: int
    allowed_deviations: int
    finite_population: bool = False

    @property
    def method(self) -> str:
        """How the sample was sized, in words (see :func:`attribute_method`)."""
        return attribute_method(
            self.tolerable_rate,
            self.risk,
            self.expected_rate,
            self.population if self.finite_population else None,
        )


def attribute_sample(
    population: pd.DataFrame,
    *,
    tolerable_rate: float,
    risk: float,
    seed: int,
    expected_rate: float = 0.0,
    id_col: str | None = None,
    finite_population: bool = False,
) -> tuple[AttributePlan, pd.DataFrame]:
    """Size an attribute sample and draw it: the plan and the selected rows.

    Parameters
    ----------
    population : DataFrame
        The items to sample from.
    tolerable_rate, risk, expected_rate : float
        See :func:`attribute_sample_size`.
    seed : int
        Seed of the selection.
    id_col : str, optional
        Column identifying an item (see :func:`select_attribute_sample`).
    finite_population : bool
        Size the sample on the population itself (hypergeometric); otherwise the binomial
        size, capped at the population.

    Raises
    ------
    ValueError
        When no sample size meets the parameters (an expected rate at or above the
        tolerable rate).
    """
    size = attribute_sample_size(
        tolerable_rate, risk, expected_rate, len(population) if finite_population else None
    )
    n = min(size, len(population))
    chosen = select_attribute_sample(population, n, seed=seed, id_col=id_col)
    plan = AttributePlan(
        tolerable_rate,
        risk,
        expected_rate,
        seed,
        len(population),
        n,
        expected_deviations(n, expected_rate),
        finite_population,
    )
    return plan, chosen


# --------------------------------------------------------------------------- monetary units


def poisson_factor(errors: int, risk: float) -> float:
    """Exact Poisson upper-bound factor: the ``1 - risk`` quantile of Gamma(errors + 1, 1)."""
    return float(stats.gamma.ppf(1 - risk, errors + 1))


def aicpa_factor(errors: int, risk: float) -> float:
    """The AICPA-tabulated confidence factor: the Poisson factor rounded up to 2 decimals.

    Reproduces the AICPA table (5% risk: 3.00, 4.75, 6.30, 7.76, 9.16, 10.52, ...).
    """
    exact = poisson_factor(errors, risk)
    return math.ceil(round(exact * 100, 6)) / 100


@dataclass(frozen=True)
class MusPlan:
    """A monetary-unit sampling plan.

    Attributes
    ----------
    n : int
        Sample size.
    interval : float
        Sampling interval ``book_value / n``.
    method : str
        ``"aicpa"`` (reliability and expansion factors) or ``"poisson"`` (exact gamma bound).
    reliability_factor, expansion_factor : float
        Factors used (expansion factor is 1.0 with the exact method).
    """

    n: int
    interval: float
    method: str
    reliability_factor: float
    expansion_factor: float


def mus_sample_size(
    book_value: float,
    tolerable_misstatement: float,
    expected_misstatement: float = 0.0,
    risk: float = 0.05,
    method: Literal["aicpa", "poisson"] = "aicpa",
) -> MusPlan:
    """Monetary-unit sample size.

    ``method="aicpa"``: ``n = BV x RF / (TM - EM x EF)``, rounded up, with the AICPA
    reliability factor for zero misstatements and the expansion factor for the risk (5% risk:
    RF 3.00, EF 1.6). ``method="poisson"``: the smallest ``n`` with
    ``Gamma(1 + n x EM/BV).ppf(1 - risk) x BV / n <= TM``, i.e. the exact Poisson bound with
    the expected misstatement spread over the sample; it gives slightly different (usually
    smaller) sizes than the tabulated factors. Reports must name the method used.

    Parameters
    ----------
    book_value : float
        Recorded value of the population (positive items).
    tolerable_misstatement : float
        Tolerable misstatement (TM).
    expected_misstatement : float
        Expected misstatement (EM); must leave room below TM.
    risk : float
        Risk of incorrect acceptance.
    method : {"aicpa", "poisson"}

    Returns
    -------
    MusPlan
    """
    if book_value <= 0:
        raise ValueError("book_value must be positive")
    if tolerable_misstatement <= 0:
        raise ValueError("tolerable_misstatement must be positive")
    if expected_misstatement < 0:
        raise ValueError("expected_misstatement cannot be negative")
    _check_rate("risk", risk)
    if method == "aicpa":
        rf = _table_value(RELIABILITY_FACTORS, risk, "reliability factor")
        ef = _table_value(EXPANSION_FACTORS, risk, "expansion factor")
        room = tolerable_misstatement - expected_misstatement * ef
        if room <= 0:
            raise ValueError("expected misstatement x expansion factor leaves no room below TM")
        n = math.ceil(round(book_value * rf / room, 9))
    elif method == "poisson":
        rf = poisson_factor(0, risk)
        ef = 1.0
        rate_tm = tolerable_misstatement / book_value
        rate_em = expected_misstatement / book_value
        if rate_em >= rate_tm:
            raise ValueError("expected misstatement must be below tolerable misstatement")
        n = 0
        for candidate in range(1, _MAX_N + 1):
            bound = float(stats.gamma.ppf(1 - risk, 1 + candidate * rate_em)) / candidate
            if bound <= rate_tm:
                n = candidate
                break
        if n == 0:
            raise ValueError("no sample size below 100,000 meets these parameters")
    else:
        raise ValueError(f"method must be 'aicpa' or 'poisson', not {method!r}")
    n = max(1, n)
    return MusPlan(
        n=n, interval=book_value / n, method=method, reliability_factor=rf, expansion_factor=ef
    )


def select_mus_sample(
    population: pd.DataFrame,
    value_col: str,
    *,
    seed: int,
    n: int | None = None,
    interval: float | None = None,
    id_col: str | None = None,
) -> pd.DataFrame:
    """Seeded systematic monetary-unit selection.

    Items whose value is at or above the sampling interval form the top stratum and are
    all selected (tested 100%). The remaining positive items are laid end to end on the
    cumulative monetary scale and an item is selected wherever the points
    ``start, start + J, start + 2J, ...`` fall, with a random start in ``[0, J)``. Items
    with zero or negative value cannot be hit and are left for a separate test.

    Parameters
    ----------
    population : DataFrame
        Items with their book value.
    value_col : str
        Column with the book value.
    seed : int
        Seed of the random start.
    n : int, optional
        Planned sample size; the interval is ``positive book value / n``.
    interval : float, optional
        Sampling interval ``J`` (e.g. from :func:`mus_sample_size`); overrides ``n``.
    id_col : str, optional
        Column used to fix the order before selection (reproducible whatever the row order).

    Returns
    -------
    DataFrame
        Selected rows with ``selection`` ("top stratum" or "systematic"), ``hit`` (the
        monetary unit that selected the item, empty for the top stratum) and ``interval``.
    """
    frame = population
    if id_col is not None:
        frame = frame.sort_values(id_col, kind="mergesort")
    frame = frame.reset_index(drop=True)
    values = pd.to_numeric(frame[value_col], errors="coerce").fillna(0.0).astype(float)
    positive = values > 0
    if interval is None:
        if not n or n <= 0:
            raise ValueError("give n or interval")
        interval = float(values[positive].sum()) / n
    if interval <= 0:
        raise ValueError("the sampling interval must be positive")
    top = positive & (values >= interval)
    rest = positive & ~top
    rng = np.random.default_rng(seed)
    start = float(rng.uniform(0, interval))
    rest_values = values[rest]
    upper = rest_values.cumsum()
    total = float(rest_values.sum())
    hits = np.arange(start, total, interval) if total > 0 else np.array([])
    # an item is hit when a selection point falls in [lower, upper)
    idx = np.searchsorted(upper.to_numpy(), hits, side="right")
    chosen_positions = rest_values.index.to_numpy()[idx] if len(hits) else np.array([], int)
    top_rows = frame[top].copy()
    top_rows["selection"] = "top stratum"
    top_rows["hit"] = np.nan
    sys_rows = frame.loc[chosen_positions].copy()
    sys_rows["selection"] = "systematic"
    sys_rows["hit"] = hits
    out = pd.concat([top_rows, sys_rows], ignore_index=True)
    out["interval"] = float(interval)
    return out


@dataclass(frozen=True)
class StringerResult:
    """Evaluation of a monetary-unit sample with the Stringer bound.

    Attributes
    ----------
    basic_precision : float
        ``J x factor(0)``.
    projected_misstatement : float
        ``J x sum(taintings)`` for items below the interval.
    incremental_allowance : float
        ``J x sum((factor(i) - factor(i-1) - 1) x t_(i))`` over taintings in descending order.
    top_stratum_misstatement : float
        Known misstatement in items at or above the interval (added at face value).
    upper_limit : float
        Upper misstatement limit: the sum of the four.
    """

    basic_precision: float
    projected_misstatement: float
    incremental_allowance: float
    top_stratum_misstatement: float
    upper_limit: float


def stringer_bound(
    taintings: Sequence[float],
    interval: float,
    risk: float = 0.05,
    top_stratum_misstatement: float = 0.0,
    factors: Literal["poisson", "aicpa"] = "poisson",
) -> StringerResult:
    """Upper misstatement limit of a MUS sample (Stringer bound, overstatements).

    ``UML = J x [F(0) + sum_i (F(i) - F(i-1)) x t_(i)] + top-stratum misstatement``, with
    taintings ``t`` (misstatement / book value, capped at 1) sorted in descending order and
    ``F(k)`` the upper-bound factor for ``k`` misstatements: the exact Poisson factor, or the
    AICPA-tabulated one (``factors="aicpa"``).

    Parameters
    ----------
    taintings : sequence of float
        Tainting of each misstated sample item below the interval (0 < t <= 1).
    interval : float
        Sampling interval ``J``.
    risk : float
        Risk of incorrect acceptance.
    top_stratum_misstatement : float
        Misstatement found in items tested 100%.
    factors : {"poisson", "aicpa"}

    Returns
    -------
    StringerResult
    """
    factor = poisson_factor if factors == "poisson" else aicpa_factor
    ts = sorted((min(1.0, max(0.0, float(t))) for t in taintings if t and t > 0), reverse=True)
    f0 = factor(0, risk)
    basic = interval * f0
    projected = interval * sum(ts)
    allowance = 0.0
    previous = f0
    for i, t in enumerate(ts, start=1):
        current = factor(i, risk)
        allowance += (current - previous - 1.0) * t
        previous = current
    allowance *= interval
    upper = basic + projected + allowance + top_stratum_misstatement
    return StringerResult(
        basic_precision=basic,
        projected_misstatement=projected,
        incremental_allowance=allowance,
        top_stratum_misstatement=float(top_stratum_misstatement),
        upper_limit=upper,
    )
