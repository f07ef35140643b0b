"""Benford's law digit tests, after Nigrini, *Forensic Analytics* (2012).

The tests: first digit, second digit, first-two digits, first-three digits, last-two digits
(of the integer part), Nigrini's second-order test (the first-two digits of the differences
between the sorted amounts, not the second-digit test) and the summation test; plus number
duplication and the drill-down from a spiking digit pair to the records behind it.

Method, as the report states it:

- Positive and negative amounts are analysed separately (``sign``).
- Amounts below ``min_amount`` (default 10, Nigrini's practice: small amounts carry little
  risk and distort the first-two digits) are excluded from the digit tests and counted.
- Per digit: count, actual proportion AP, expected proportion EP and
  Z = (|AP-EP| - 1/(2N)) / sqrt(EP(1-EP)/N), the continuity correction applied only when
  |AP-EP| > 1/(2N) (else Z = 0); significant at 1.96 (95%) and 2.576 (99%).
- The verdict is the mean absolute deviation (MAD) against Nigrini's table 7.1; chi-square
  and Kolmogorov-Smirnov are context only (on large N they reject everything).
- Small samples: a perfectly Benford set of N records shows an expected MAD of about
  1/sqrt(158.8 N) on the first-two digits test, so below roughly N = 1,300 noise alone
  looks nonconforming. Where the expected MAD reaches the nonconformity bound the verdict
  is ``inconclusive`` and ``caution`` says why.

Digits are extracted exactly and vectorised: the digits of an amount are those of the
shortest decimal that reads back as the same float (what the client typed), so 0.29,
0.1 + 0.2, 1e-5 and 1000.0 give 29, 30, 10 and 10 as first-two digits, never the
28 or 99 that naive ``x * 10**k`` truncation produces.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from workbench.analytics._common import escalate, record_ids
from workbench.findings import Finding, Severity, finding_from_ids

#: The digit tests, in the order a report shows them.
TESTS: tuple[str, ...] = (
    "first_digit",
    "second_digit",
    "first_two_digits",
    "first_three_digits",
    "last_two_digits",
)

#: Nigrini (2012) table 7.1: upper MAD bounds of close, acceptable and marginal conformity.
MAD_BOUNDS: dict[str, tuple[float, float, float]] = {
    "first_digit": (0.006, 0.012, 0.015),
    "second_digit": (0.008, 0.010, 0.012),
    "first_two_digits": (0.0012, 0.0018, 0.0022),
    "first_three_digits": (0.00036, 0.00044, 0.00050),
}

#: Critical Z values (two-sided 95% and 99%).
Z_95 = 1.96
Z_99 = 2.576

#: Nigrini's constant for the expected first-two digits MAD of a Benford set of size N.
FIRST_TWO_MAD_CONSTANT = 158.8

_LABELS = {
    "first_digit": "first digit",
    "second_digit": "second digit",
    "first_two_digits": "first-two digits",
    "first_three_digits": "first-three digits",
    "last_two_digits": "last-two digits",
    "second_order": "second-order (differences of sorted amounts)",
    "summation": "summation",
}


def label(test: str) -> str:
    """The name of a test as the report writes it."""
    return _LABELS.get(test, test.replace("_", " "))


def population_rule(min_amount: float | None, sign: str = "positive") -> str:
    """The records a test keeps, in words (``positive amounts of 10 or more``)."""
    if not min_amount:
        return f"every {sign} amount"
    return f"{sign} amounts of {min_amount:g} or more"


# Powers of ten up to 1e22 are exact doubles: one multiplication or division by them is
# correctly rounded, which the exact digit extraction below relies on.
_POW10 = 10.0 ** np.arange(23)
_MAX_EXACT_POW = 22


# --------------------------------------------------------------------------------------
# digit extraction
# --------------------------------------------------------------------------------------


def _digits_slow(value: float, k: int) -> int:
    """First ``k`` significant digits from ``repr`` (the rare exponents beyond 1e±22)."""
    text = repr(abs(float(value))).lower()
    mantissa, _, _ = text.partition("e")
    digits = mantissa.replace(".", "").lstrip("0")
    return int((digits + "0" * k)[:k])


def _scale(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``x * 10**-p`` correctly rounded (one operation with an exact power of ten)."""
    power = _POW10[np.minimum(np.abs(p), _MAX_EXACT_POW)]
    # both branches are one cheap vector operation; a masked assignment costs more
    return np.where(p >= 0, x / power, x * power)


def _unscale(n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``n * 10**p`` correctly rounded: the double nearest to the decimal n·10^p."""
    power = _POW10[np.minimum(np.abs(p), _MAX_EXACT_POW)]
    return np.where(p >= 0, n * power, n / power)


def _leading(x: np.ndarray, e: np.ndarray, k: int) -> np.ndarray:
    """Leading ``k`` digits of positive ``x`` assuming decimal exponent ``e``.

    Two cases, after the digits of the shortest decimal that reads back as x:

    - x is the double nearest to a k-digit decimal c·10^p (0.29 is stored as
      0.28999999999999998; 1000.0 exactly). Then that decimal is what was typed and its
      digits are c, the integer nearest to m = x·10^-p. Checked by rebuilding the double.
    - Otherwise the decimal has more than k digits and no k-digit boundary lies within
      half an ulp of x, so the truncation of x's exact value is right. m is computed
      correctly rounded (one operation with an exact power of ten), so ``floor(m)`` is
      that truncation unless m rounded onto an integer n; then x below the double of
      n·10^p means the value is just under n (28.999999999999996 -> 28).
    """
    p = e - (k - 1)
    m = _scale(x, p)
    c = np.rint(m)
    is_decimal = _unscale(c, p) == x
    n = np.floor(m)
    on_integer = (m == n) & ~is_decimal
    if on_integer.any():
        idx = np.flatnonzero(on_integer)
        y = _unscale(n[idx], p[idx])
        n[idx] -= x[idx] < y
    n[is_decimal] = c[is_decimal]
    return n.astype(np.int64)


def significant_digits(values: Sequence[float] | np.ndarray | pd.Series, k: int) -> np.ndarray:
    """The first ``k`` significant digits of each value, as an integer.

    Parameters
    ----------
    values : array-like of float
        Amounts; the sign is ignored.
    k : int
        How many leading digits (1 to 15).

    Returns
    -------
    ndarray of int64
        ``10**(k-1)``..``10**k - 1`` per value (5 -> 500 for k=3), or -1 for zero, missing
        and infinite values.
    """
    if not 1 <= k <= 15:
        raise ValueError("k must be between 1 and 15")
    x = np.abs(np.asarray(values, dtype=np.float64))
    out = np.full(x.shape, -1, dtype=np.int64)
    valid = np.isfinite(x) & (x > 0)
    if not valid.any():
        return out
    xv = x[valid]
    e = np.floor(np.log10(xv)).astype(np.int64)
    p = e - (k - 1)
    # one short of the exact range: the exponent fix-up below may still move p by one
    exact = np.abs(p) < _MAX_EXACT_POW
    result = np.empty(xv.shape, dtype=np.int64)
    if exact.any():
        xe, ee = xv[exact], e[exact]
        n = _leading(xe, ee, k)
        # log10 can be one off next to powers of ten: move the exponent and redo those only
        for _ in range(3):
            bad = (n >= 10**k) | (n < 10 ** (k - 1))
            if not bad.any():
                break
            idx = np.flatnonzero(bad)
            ee[idx] += np.where(n[idx] >= 10**k, 1, -1)
            n[idx] = _leading(xe[idx], ee[idx], k)
        result[exact] = n
    if not exact.all():
        rest = xv[~exact]
        result[~exact] = np.fromiter((_digits_slow(v, k) for v in rest), np.int64, len(rest))
    out[valid] = result
    return out


def last_two_digits(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Last two digits of the integer part (Nigrini's last-two digits test).

    Returns
    -------
    ndarray of int64
        0..99, or -1 where the integer part has fewer than two digits (|x| < 10) or the
        value is missing or infinite.
    """
    x = np.abs(np.asarray(values, dtype=np.float64))
    out = np.full(x.shape, -1, dtype=np.int64)
    valid = np.isfinite(x) & (x >= 10)
    # floor and fmod are exact on doubles, so no decimal error can creep in here
    out[valid] = np.fmod(np.floor(x[valid]), 100.0).astype(np.int64)
    return out


def digit_codes(values: Sequence[float] | np.ndarray | pd.Series, test: str) -> np.ndarray:
    """The digit code each value contributes to ``test`` (-1 where it contributes none)."""
    if test == "last_two_digits":
        return last_two_digits(values)
    if test not in MAD_BOUNDS:
        raise ValueError(f"unknown Benford test {test!r}; one of {TESTS}")
    first3 = significant_digits(values, 3)
    return _from_first_three(first3, test)


def _from_first_three(first3: np.ndarray, test: str) -> np.ndarray:
    """Truncation nests, so every leading-digit code follows from the first three."""
    out = np.full(first3.shape, -1, dtype=np.int64)
    ok = first3 >= 0
    f = first3[ok]
    if test == "first_digit":
        out[ok] = f // 100
    elif test == "first_two_digits":
        out[ok] = f // 10
    elif test == "second_digit":
        out[ok] = (f // 10) % 10
    elif test == "first_three_digits":
        out[ok] = f
    else:
        raise ValueError(f"unknown leading-digit test {test!r}")
    return out


# --------------------------------------------------------------------------------------
# expected proportions
# --------------------------------------------------------------------------------------


def expected_proportions(test: str) -> pd.Series:
    """Benford's expected proportion per digit (uniform 0.01 for the last-two digits).

    Returns
    -------
    Series
        Indexed by the digit code (1..9, 0..9, 10..99, 100..999 or 0..99), named
        ``expected``.
    """
    if test == "first_digit":
        d = np.arange(1, 10)
        p = np.log10(1 + 1 / d)
    elif test == "first_two_digits":
        d = np.arange(10, 100)
        p = np.log10(1 + 1 / d)
    elif test == "first_three_digits":
        d = np.arange(100, 1000)
        p = np.log10(1 + 1 / d)
    elif test == "second_digit":
        d = np.arange(10)
        pairs = np.arange(10, 100).reshape(9, 10)
        p = np.log10(1 + 1 / pairs).sum(axis=0)
    elif test == "last_two_digits":
        d = np.arange(100)
        p = np.full(100, 0.01)
    else:
        raise ValueError(f"unknown Benford test {test!r}; one of {TESTS}")
    return pd.Series(p, index=pd.Index(d, name="digit"), name="expected")


def expected_mad(test: str, n: int) -> float:
    """MAD a perfectly Benford-distributed set of ``n`` records shows by chance alone.

    First-two digits: Nigrini's 1/sqrt(158.8 N). Other tests: the normal approximation
    mean over digits of sqrt(2 EP (1-EP) / (pi N)), which gives 1/sqrt(157 N) on the
    first-two digits and so agrees with Nigrini's constant.
    """
    if n <= 0:
        return math.inf
    if test == "first_two_digits":
        return 1.0 / math.sqrt(FIRST_TWO_MAD_CONSTANT * n)
    ep = expected_proportions(test).to_numpy()
    return float(np.mean(np.sqrt(2.0 * ep * (1.0 - ep) / (math.pi * n))))


def mad_verdict(test: str, mad: float) -> str | None:
    """Nigrini's table 7.1 verdict, or None for a test the table does not cover."""
    if test not in MAD_BOUNDS or not math.isfinite(mad):
        return None
    close, acceptable, marginal = MAD_BOUNDS[test]
    if mad <= close:
        return "close"
    if mad <= acceptable:
        return "acceptable"
    if mad <= marginal:
        return "marginal"
    return "nonconformity"


def minimum_records(test: str) -> int | None:
    """Smallest N whose chance MAD stays below the nonconformity bound (None: no table)."""
    if test not in MAD_BOUNDS:
        return None
    bound = MAD_BOUNDS[test][2]
    if test == "first_two_digits":
        return math.floor(1.0 / (FIRST_TWO_MAD_CONSTANT * bound**2)) + 1
    ep = expected_proportions(test).to_numpy()
    root_n = float(np.mean(np.sqrt(2.0 * ep * (1.0 - ep) / math.pi))) / bound
    return math.floor(root_n**2) + 1


# --------------------------------------------------------------------------------------
# selection of the records a test uses
# --------------------------------------------------------------------------------------


def _amounts(data: pd.DataFrame | pd.Series, amount_col: str) -> pd.Series:
    if isinstance(data, pd.Series):
        return data
    if amount_col not in data.columns:
        raise KeyError(f"Benford: column {amount_col!r} not in the table")
    return data[amount_col]


def _selection(
    values: np.ndarray, sign: str, min_amount: float | None
) -> tuple[np.ndarray, dict[str, int]]:
    """Mask of the records a test uses, and how many were left out and why."""
    if sign not in ("positive", "negative"):
        raise ValueError("sign must be 'positive' or 'negative'")
    finite = np.isfinite(values)
    signed = (values > 0) if sign == "positive" else (values < 0)
    floor = 0.0 if min_amount is None else float(min_amount)
    big = np.abs(values) >= floor
    mask = finite & signed & big
    excluded = {
        "missing_or_zero": int((~finite).sum() + (values == 0).sum()),
        "other_sign": int((finite & (values != 0) & ~signed).sum()),
        "below_min_amount": int((finite & signed & ~big).sum()),
    }
    return mask, excluded


def _signed_count(excluded: dict[str, int], mask: np.ndarray) -> int:
    """Amounts of the tested sign before the floor: kept plus those below it."""
    return int(mask.sum()) + excluded["below_min_amount"]


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------


@dataclass
class BenfordTestResult:
    """One digit test on one sign of the amounts.

    Attributes
    ----------
    test, sign : str
    n : int
        Records used.
    table : DataFrame
        One row per digit: ``digit, count, actual, expected, difference, z, significance``
        (``"99%"``, ``"95%"`` or ``""``).
    mad : float
    mad_verdict : str or None
        Table 7.1 applied mechanically (None for the last-two digits: no table).
    verdict : str or None
        ``mad_verdict``, or ``"inconclusive"`` when N is too small for the table.
    expected_mad : float
        MAD a Benford set of this size shows by chance.
    caution : str or None
        Why the verdict is inconclusive (small N), for the report.
    chi_square, chi_square_df, chi_square_p, ks, ks_critical : float
        Context statistics (KS critical value at 5%: 1.36/sqrt(N)).
    min_amount : float or None
    excluded : dict
        Records left out: ``missing_or_zero``, ``other_sign``, ``below_min_amount``.
    amounts : int
        Every amount of this sign, before ``min_amount`` (the population the rule cuts).
    """

    test: str
    sign: str
    n: int
    table: pd.DataFrame
    mad: float
    mad_verdict: str | None
    verdict: str | None
    expected_mad: float
    caution: str | None
    chi_square: float
    chi_square_df: int
    chi_square_p: float
    ks: float
    ks_critical: float
    min_amount: float | None
    excluded: dict[str, int] = field(default_factory=dict)
    amounts: int = 0

    def spikes(self, z: float = Z_99) -> pd.DataFrame:
        """Digits occurring significantly more often than expected, largest Z first."""
        t = self.table
        return t[(t["z"] > z) & (t["difference"] > 0)].sort_values("z", ascending=False)

    @property
    def method(self) -> str:
        """One sentence on how the test was run, for the report appendix."""
        floor = (
            "all amounts"
            if not self.min_amount
            else f"amounts of {self.min_amount:g} or more in absolute value"
        )
        return (
            f"Benford {_LABELS[self.test]} test (Nigrini 2012) on {self.sign} {floor}; "
            f"Z with continuity correction, 95%/99% at {Z_95}/{Z_99}; verdict by MAD "
            "against Nigrini's table 7.1; chi-square and KS shown as context."
        )

    def summary(self) -> dict[str, object]:
        """One row of :func:`benford_summary`."""
        top = self.spikes().head(5)["digit"].tolist()
        return {
            "sign": self.sign,
            "test": self.test,
            "amounts": self.amounts,
            "min_amount": self.min_amount or 0,
            "n": self.n,
            "excluded_below_min": self.excluded.get("below_min_amount", 0),
            "mad": self.mad,
            "expected_mad": self.expected_mad,
            "verdict": self.verdict,
            "chi_square": self.chi_square,
            "chi_square_p": self.chi_square_p,
            "ks": self.ks,
            "ks_critical": self.ks_critical,
            "top_spikes": ", ".join(str(d) for d in top),
            "caution": self.caution or "",
        }


def _digit_table(codes: np.ndarray, test: str) -> tuple[pd.DataFrame, int]:
    expected = expected_proportions(test)
    digits = expected.index.to_numpy()
    offset = int(digits[0])
    counts = np.bincount(codes - offset, minlength=len(digits))[: len(digits)]
    n = int(counts.sum())
    ep = expected.to_numpy()
    ap = counts / n if n else np.zeros_like(ep)
    diff = ap - ep
    if n:
        correction = 1.0 / (2 * n)
        se = np.sqrt(ep * (1 - ep) / n)
        gap = np.abs(diff)
        z = np.where(gap > correction, (gap - correction) / se, 0.0)
    else:
        z = np.zeros_like(ep)
    significance = np.where(z > Z_99, "99%", np.where(z > Z_95, "95%", ""))
    table = pd.DataFrame(
        {
            "digit": digits,
            "count": counts.astype(np.int64),
            "actual": ap,
            "expected": ep,
            "difference": diff,
            "z": z,
            "significance": pd.array(significance, dtype="str"),
        }
    )
    return table, n


def _evaluate(
    codes: np.ndarray,
    test: str,
    sign: str,
    min_amount: float | None,
    excluded: dict[str, int],
) -> BenfordTestResult:
    table, n = _digit_table(codes, test)
    ap = table["actual"].to_numpy()
    ep = table["expected"].to_numpy()
    counts = table["count"].to_numpy()
    if n:
        mad = float(np.mean(np.abs(ap - ep)))
        exp_counts = ep * n
        chi = float(((counts - exp_counts) ** 2 / exp_counts).sum())
        chi_p = float(stats.chi2.sf(chi, len(ep) - 1))
        ks = float(np.max(np.abs(np.cumsum(ap) - np.cumsum(ep))))
        ks_crit = 1.36 / math.sqrt(n)
    else:
        mad = chi = chi_p = ks = ks_crit = math.nan
    raw = mad_verdict(test, mad)
    chance = expected_mad(test, n)
    verdict = raw
    caution = None
    if test in MAD_BOUNDS:
        bound = MAD_BOUNDS[test][2]
        if chance >= bound:
            verdict = "inconclusive"
            caution = (
                f"Only {n:,} records: a set that follows Benford's law exactly would show a "
                f"{_LABELS[test]} MAD of about {chance:.5f} by chance, above the "
                f"nonconformity bound {bound}, so noise alone looks nonconforming. No "
                f"conformity verdict is given (roughly {minimum_records(test):,} records are "
                "needed); read the Z statistics of individual digits instead."
            )
    return BenfordTestResult(
        test=test,
        sign=sign,
        n=n,
        table=table,
        mad=mad,
        mad_verdict=raw,
        verdict=verdict,
        expected_mad=chance,
        caution=caution,
        chi_square=chi,
        chi_square_df=len(ep) - 1,
        chi_square_p=chi_p,
        ks=ks,
        ks_critical=ks_crit,
        min_amount=min_amount,
        excluded=excluded,
    )


# --------------------------------------------------------------------------------------
# public tests
# --------------------------------------------------------------------------------------


def benford_test(
    data: pd.DataFrame | pd.Series,
    test: str = "first_two_digits",
    *,
    amount_col: str = "amount",
    sign: str = "positive",
    min_amount: float | None = 10.0,
) -> BenfordTestResult:
    """Run one Benford digit test on one sign of the amounts.

    Parameters
    ----------
    data : DataFrame or Series
        The table (``amount_col`` is read) or the amounts themselves.
    test : str
        One of :data:`TESTS`.
    amount_col : str
        Amount column of ``data``.
    sign : {"positive", "negative"}
        Which amounts; negatives are analysed on their absolute value.
    min_amount : float or None
        Exclude amounts whose absolute value is below this (default 10, Nigrini's
        practice); ``None`` or 0 keeps all non-zero amounts. The last-two digits test
        always needs an integer part of two digits (10 or more).

    Returns
    -------
    BenfordTestResult
    """
    values = _amounts(data, amount_col).to_numpy(dtype=np.float64, na_value=np.nan)
    mask, excluded = _selection(values, sign, min_amount)
    codes = digit_codes(values[mask], test)
    codes = codes[codes >= 0]
    result = _evaluate(codes, test, sign, min_amount, excluded)
    result.amounts = _signed_count(excluded, mask)
    return result


def benford_tests(
    data: pd.DataFrame | pd.Series,
    *,
    amount_col: str = "amount",
    tests: Iterable[str] = TESTS,
    signs: Iterable[str] = ("positive", "negative"),
    min_amount: float | None = 10.0,
) -> dict[tuple[str, str], BenfordTestResult]:
    """Run several digit tests on each sign, extracting the digits once per sign.

    Returns
    -------
    dict
        ``{(sign, test): BenfordTestResult}``; a sign with no amounts still has results
        (N = 0, verdict ``inconclusive``).
    """
    values = _amounts(data, amount_col).to_numpy(dtype=np.float64, na_value=np.nan)
    wanted = list(tests)
    for t in wanted:
        if t not in TESTS:
            raise ValueError(f"unknown Benford test {t!r}; one of {TESTS}")
    out: dict[tuple[str, str], BenfordTestResult] = {}
    for sign in signs:
        mask, excluded = _selection(values, sign, min_amount)
        selected = values[mask]
        first3 = significant_digits(selected, 3) if set(wanted) - {"last_two_digits"} else None
        for t in wanted:
            if t == "last_two_digits":
                codes = last_two_digits(selected)
            else:
                assert first3 is not None
                codes = _from_first_three(first3, t)
            out[(sign, t)] = _evaluate(codes[codes >= 0], t, sign, min_amount, excluded)
            out[(sign, t)].amounts = _signed_count(excluded, mask)
    return out


def second_order_test(
    data: pd.DataFrame | pd.Series,
    *,
    amount_col: str = "amount",
    sign: str = "positive",
    min_amount: float | None = 10.0,
) -> BenfordTestResult:
    """Nigrini's second-order test: the first-two digits of the differences between the
    amounts sorted in ascending order, against Benford's first-two digits.

    Whatever the distribution of the amounts, the differences of their sorted values
    approximate Benford's law; spikes point at amounts that cluster (rounding, prices, a
    field filled with a formula) or at data that was altered. Zero differences (repeated
    amounts, the subject of the number duplication test) are left out, as Nigrini does.
    No MAD table applies (``verdict`` None): the graph and the Z of each digit are read.

    Parameters are those of :func:`benford_test`.
    """
    values = _amounts(data, amount_col).to_numpy(dtype=np.float64, na_value=np.nan)
    mask, excluded = _selection(values, sign, min_amount)
    ordered = np.sort(np.abs(values[mask]))
    differences = np.diff(ordered)
    differences = differences[differences > 0]
    codes = _from_first_three(significant_digits(differences, 3), "first_two_digits")
    result = _evaluate(codes[codes >= 0], "first_two_digits", sign, min_amount, excluded)
    result.test = "second_order"
    result.verdict = result.mad_verdict = None
    result.caution = None
    result.amounts = _signed_count(excluded, mask)
    return result


def benford_summary(results: dict[tuple[str, str], BenfordTestResult]) -> pd.DataFrame:
    """One row per (sign, test): N, MAD, expected MAD, verdict, context statistics, spikes."""
    return pd.DataFrame([r.summary() for r in results.values()])


@dataclass
class SummationResult:
    """Nigrini's summation test: each first-two digits group's share of the total amount.

    Attributes
    ----------
    sign : str
    n : int
        Records used.
    total : float
        Sum of their absolute amounts.
    table : DataFrame
        ``digit, count, amount, actual, expected, difference, excess_amount, spike``;
        ``expected`` is 1/90, ``excess_amount`` the amount above an even share.
    mad : float
    spike_factor : float
        A group is a spike when its share is at least this multiple of 1/90.
    min_amount : float or None
    """

    sign: str
    n: int
    total: float
    table: pd.DataFrame
    mad: float
    spike_factor: float
    min_amount: float | None

    def spikes(self) -> pd.DataFrame:
        """Groups whose amount share is a spike, largest excess first."""
        t = self.table
        return t[t["spike"]].sort_values("excess_amount", ascending=False)


def summation_test(
    data: pd.DataFrame | pd.Series,
    *,
    amount_col: str = "amount",
    sign: str = "positive",
    min_amount: float | None = 10.0,
    spike_factor: float = 2.0,
) -> SummationResult:
    """Summation test: sum of amounts per first-two digits group against 1/90 each.

    A few very large amounts (or many identical ones) show up as groups holding far more
    than 1/90 of the total. Nigrini reads the graph for spikes; the cut-off here,
    ``spike_factor`` times the even share, is a judgement for the report to flag them.
    """
    values = _amounts(data, amount_col).to_numpy(dtype=np.float64, na_value=np.nan)
    mask, _ = _selection(values, sign, min_amount)
    selected = np.abs(values[mask])
    codes = _from_first_three(significant_digits(selected, 3), "first_two_digits")
    counts = np.bincount(codes - 10, minlength=90)[:90]
    sums = np.bincount(codes - 10, weights=selected, minlength=90)[:90]
    total = float(sums.sum())
    actual = sums / total if total else np.zeros(90)
    expected = np.full(90, 1 / 90)
    table = pd.DataFrame(
        {
            "digit": np.arange(10, 100),
            "count": counts.astype(np.int64),
            "amount": sums,
            "actual": actual,
            "expected": expected,
            "difference": actual - expected,
            "excess_amount": sums - total / 90,
            "spike": actual >= spike_factor * expected,
        }
    )
    mad = float(np.mean(np.abs(actual - expected))) if total else math.nan
    return SummationResult(sign, len(selected), total, table, mad, spike_factor, min_amount)


def number_duplication(
    data: pd.DataFrame | pd.Series,
    *,
    amount_col: str = "amount",
    sign: str = "positive",
    min_amount: float | None = 10.0,
    top: int | None = 20,
) -> pd.DataFrame:
    """Nigrini's number duplication test: the amounts that recur most often.

    Returns
    -------
    DataFrame
        ``rank, amount, count, share, first_two_digits`` for the ``top`` most frequent
        amounts (all recurring amounts when ``top`` is None), most frequent first.
    """
    values = _amounts(data, amount_col).to_numpy(dtype=np.float64, na_value=np.nan)
    mask, _ = _selection(values, sign, min_amount)
    selected = values[mask]
    uniq, counts = np.unique(selected, return_counts=True)
    order = np.lexsort((uniq, -counts))
    uniq, counts = uniq[order], counts[order]
    keep = counts > 1
    uniq, counts = uniq[keep], counts[keep]
    if top is not None:
        uniq, counts = uniq[:top], counts[:top]
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(uniq) + 1),
            "amount": uniq,
            "count": counts.astype(np.int64),
            "share": counts / max(len(selected), 1),
            "first_two_digits": _from_first_three(significant_digits(uniq, 3), "first_two_digits"),
        }
    )


def drill_down(
    data: pd.DataFrame,
    digits: int | Iterable[int],
    *,
    test: str = "first_two_digits",
    amount_col: str = "amount",
    sign: str = "positive",
    min_amount: float | None = 10.0,
) -> pd.DataFrame:
    """The records behind one or more digit codes of a test (e.g. first-two digits 50).

    Uses the same selection as :func:`benford_test` (sign, ``min_amount``) so the rows
    returned are exactly those counted in that digit's bar.

    Returns
    -------
    DataFrame
        The matching rows of ``data`` (all columns, original index), with a ``digits``
        column, sorted by amount descending.
    """
    if isinstance(digits, int | np.integer):
        wanted = np.array([int(digits)], dtype=np.int64)
    else:
        wanted = np.asarray(list(digits), dtype=np.int64)
    values = _amounts(data, amount_col).to_numpy(dtype=np.float64, na_value=np.nan)
    mask, _ = _selection(values, sign, min_amount)
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[mask] = digit_codes(values[mask], test)
    hit = np.isin(codes, wanted) & mask
    rows = data.loc[hit].assign(digits=codes[hit])
    return rows.sort_values(amount_col, ascending=sign == "negative", kind="stable")


# --------------------------------------------------------------------------------------
# findings
# --------------------------------------------------------------------------------------


def benford_finding(
    result: BenfordTestResult,
    data: pd.DataFrame,
    *,
    amount_col: str = "amount",
    id_col: str | None = "expense_id",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    materiality: float | None = None,
    severity: Severity | None = None,
    owner_role: str = "Finance controller",
    max_spikes: int | None = 5,
    all_amounts_mad: float | None = None,
) -> Finding | None:
    """A finding for a digit test whose amounts do not conform, with the spike records.

    The summary states the population rule (which amounts were tested, of how many) and,
    when ``all_amounts_mad`` is given, the MAD over every amount of the sign beside it, so
    a reader comparing with a published figure sees why the two differ.

    Raised when the verdict is marginal or nonconformity, or, for the last-two digits test
    (no MAD table), when some digits spike at 99%. The ids are the records behind the
    digits that spike at 99% (Z > 2.576 and more frequent than expected), the
    ``max_spikes`` largest by Z (None: all of them): the auditor's starting point.
    ``inconclusive`` (too few records) raises nothing; the result's ``caution`` says so in
    the report.

    Severity: medium for nonconformity, low for marginal or last-two digit spikes; one
    level up when the spike records' value reaches ``materiality``.
    """
    all_spikes = result.spikes()
    spikes = all_spikes if max_spikes is None else all_spikes.head(max_spikes)
    if result.verdict in ("nonconformity", "marginal"):
        base: Severity = "medium" if result.verdict == "nonconformity" else "low"
    elif result.test in ("last_two_digits", "second_order") and len(spikes):
        base = "low"
    else:
        return None
    values = _amounts(data, amount_col).to_numpy(dtype=np.float64, na_value=np.nan)
    mask, _ = _selection(values, result.sign, result.min_amount)
    population_value = float(np.abs(values[mask]).sum())
    rows = (
        drill_down(
            data,
            spikes["digit"].tolist(),
            test=result.test,
            amount_col=amount_col,
            sign=result.sign,
            min_amount=result.min_amount,
        )
        if result.test != "second_order"
        else data.iloc[0:0]  # a difference is no one record's
    )
    exception_value = float(rows[amount_col].abs().sum()) if len(rows) else 0.0
    name = _LABELS[result.test]
    top = ", ".join(
        f"{d} ({c:,} records, Z {z:.1f})"
        for d, c, z in spikes.head(5)[["digit", "count", "z"]].itertuples(index=False)
    )
    verdict_text = (
        f"MAD {result.mad:.5f}: {result.verdict} under Nigrini's table 7.1"
        if result.verdict
        else "no MAD table applies to this test"
    )
    note = ""
    if all_amounts_mad is not None and result.min_amount and result.amounts != result.n:
        note = (
            f", Nigrini's practice; MAD {all_amounts_mad:.5f} over all {result.amounts:,} "
            f"{result.sign} amounts"
        )
    tested = (
        f"{result.n:,} of the {result.amounts:,} {result.sign} amounts"
        if result.amounts and result.amounts != result.n
        else f"{result.n:,} {result.sign} amounts"
    )
    summary = (
        f"{tested} tested ({name}; population: {population_rule(result.min_amount, result.sign)}"
        f"{note}); {verdict_text}. "
        f"{len(all_spikes)} digit group(s) occur significantly more often than Benford's "
        f"law expects (99%); the {len(spikes)} largest: {top or 'none'}. "
        f"{len(rows):,} records behind them, worth {exception_value:,.2f}."
    )
    how = {
        "nonconformity": "do not conform to",
        "marginal": "conform only marginally to",
    }.get(str(result.verdict), "show digit spikes against")
    return finding_from_ids(
        check=f"benford_{result.test}_{result.sign}",
        area=area,
        severity=severity or escalate(base, exception_value, materiality),
        title=f"{result.sign.capitalize()} amounts {how} Benford's law ({name})",
        summary=summary,
        entity_type=entity_type,
        ids=record_ids(rows, id_col).tolist(),
        population_count=result.n,
        population_value=population_value,
        exception_value=exception_value,
        recommendation=(
            "Review a sample of the records behind each spiking digit group: the vendors, "
            "approvers and the business reason for recurring amounts."
        ),
        corrective_action=(
            "Explain every spike (contract prices, recurring fees, splits below a limit); "
            "recover or correct any amount without support."
        ),
        preventive_action=(
            "Run the digit tests each period on new postings and route unexplained spikes "
            "to the controller before payment runs."
        ),
        owner_role=owner_role,
        code="BENF",
    )


def summation_finding(
    result: SummationResult,
    data: pd.DataFrame,
    *,
    amount_col: str = "amount",
    id_col: str | None = "expense_id",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    severity: Severity = "low",
    owner_role: str = "Finance controller",
) -> Finding | None:
    """A finding for the first-two digits groups that hold a disproportionate amount."""
    spikes = result.spikes()
    if spikes.empty:
        return None
    rows = drill_down(
        data,
        spikes["digit"].tolist(),
        amount_col=amount_col,
        sign=result.sign,
        min_amount=result.min_amount,
    )
    value = float(rows[amount_col].abs().sum())
    groups = ", ".join(
        f"{d} ({a:.1%} of the total)"
        for d, a in spikes.head(5)[["digit", "actual"]].itertuples(index=False)
    )
    return finding_from_ids(
        check=f"benford_summation_{result.sign}",
        area=area,
        severity=severity,
        title="A few amount groups hold a disproportionate share of the total",
        summary=(
            f"{result.n:,} {result.sign} amounts totalling {result.total:,.2f}: "
            f"{len(spikes)} first-two digits group(s) hold at least {result.spike_factor:g} "
            f"times the even 1/90 share: {groups}. {len(rows):,} records, {value:,.2f}."
        ),
        entity_type=entity_type,
        ids=record_ids(rows, id_col).tolist(),
        population_count=result.n,
        population_value=result.total,
        exception_value=value,
        recommendation="Review the largest amounts in each spiking group against contracts.",
        corrective_action="Confirm each large amount to its contract, order and approval.",
        preventive_action="Require a second approval for amounts above the approval limit.",
        owner_role=owner_role,
        code="BENF",
    )
