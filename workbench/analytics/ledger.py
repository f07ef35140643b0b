"""Ledger tests over postings: round amounts, amounts just below an approval limit,
weekend and public-holiday postings, aging in bands and stratification.

Each detecting test returns the exception rows (all the table's columns plus what the
test measured) and has a companion ``*_finding`` that turns them into a
:class:`~workbench.findings.Finding`. Aging and stratification profile the population;
aging also has a finding for items older than a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import holidays as holidays_lib
import numpy as np
import pandas as pd

from workbench.analytics._common import require_columns, rows_finding
from workbench.findings import Finding, Severity

#: Aging bands in days, upper bounds inclusive: 0-30, 31-60, 61-90, 91-120, >120.
AGING_BANDS: tuple[int, ...] = (30, 60, 90, 120)

#: Default stratification edges: below zero, then decades of amounts.
STRATA_EDGES: tuple[float, ...] = (
    -np.inf, 0.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0, 1_000_000.0, np.inf,
)  # fmt: skip

_DAY_NAMES = np.array(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], dtype=object
)


def _amounts(frame: pd.DataFrame, amount_col: str) -> np.ndarray:
    return frame[amount_col].to_numpy(dtype=np.float64, na_value=np.nan)


def _days(frame: pd.DataFrame, date_col: str) -> np.ndarray:
    """Dates as numpy days (NaT stays NaT); time of day is dropped."""
    return frame[date_col].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


# --------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------


def round_amounts(
    frame: pd.DataFrame,
    *,
    amount_col: str = "amount",
    multiples: Sequence[float] = (1_000.0, 100.0),
    tolerance: float = 0.005,
) -> pd.DataFrame:
    """Amounts that are exact multiples of a round figure (1,000 or 100 by default).

    Parameters
    ----------
    multiples : sequence of float
        Round figures to test; each row reports the largest one it is a multiple of.
    tolerance : float
        Half a cent by default: 999.999 stored from a spreadsheet still counts as 1,000.

    Returns
    -------
    DataFrame
        The rows (all columns, original index) with ``round_to``; zero and missing
        amounts are never round.
    """
    require_columns(frame, [amount_col], "round_amounts")
    x = np.abs(_amounts(frame, amount_col))
    round_to = np.full(len(x), np.nan)
    usable = np.isfinite(x) & (x >= tolerance)
    # smallest first so that the largest matching multiple wins
    for m in sorted(multiples):
        q = x / m
        # distance to the nearest multiple, in currency units (cheaper than fmod)
        hit = usable & (np.abs(q - np.rint(q)) * m <= tolerance)
        round_to[hit] = m
    mask = ~np.isnan(round_to)
    return frame.loc[mask].assign(round_to=round_to[mask])


def just_below_limit(
    frame: pd.DataFrame,
    limit: float | None = None,
    *,
    amount_col: str = "amount",
    limit_col: str | None = None,
    band: tuple[float, float] = (0.9, 1.0),
) -> pd.DataFrame:
    """Amounts in a band just below an approval limit (90-100% of it by default).

    Parameters
    ----------
    limit : float, optional
        One limit for every row.
    limit_col : str, optional
        Or a column with each row's limit (e.g. the approver's limit joined in); rows
        without a limit are skipped.
    band : (lower, upper)
        Fractions of the limit; the amount must satisfy lower*limit <= amount < upper*limit.

    Returns
    -------
    DataFrame
        The rows with ``limit`` and ``share_of_limit``.
    """
    if (limit is None) == (limit_col is None):
        raise ValueError("give either limit or limit_col")
    require_columns(frame, [amount_col] + ([limit_col] if limit_col else []), "just_below_limit")
    x = _amounts(frame, amount_col)
    if limit_col is not None:
        lim = frame[limit_col].to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        lim = np.full(len(x), float(limit))  # type: ignore[arg-type]
    lower, upper = band
    with np.errstate(invalid="ignore"):
        mask = (lim > 0) & (x >= lower * lim) & (x < upper * lim)
    return frame.loc[mask].assign(limit=lim[mask], share_of_limit=x[mask] / lim[mask])


def weekend_postings(
    frame: pd.DataFrame, *, date_col: str = "date", weekend: Sequence[int] = (5, 6)
) -> pd.DataFrame:
    """Records dated on a weekend day (Saturday and Sunday by default; Monday is 0).

    Returns
    -------
    DataFrame
        The rows with ``weekday`` (the day's name).
    """
    require_columns(frame, [date_col], "weekend_postings")
    days = _days(frame, date_col)
    valid = ~np.isnat(days)
    # 1970-01-01 was a Thursday (weekday 3)
    weekday = (days.astype(np.int64) + 3) % 7
    mask = valid & np.isin(weekday, list(weekend))
    return frame.loc[mask].assign(weekday=pd.array(_DAY_NAMES[weekday[mask]], dtype="str"))


def holiday_postings(
    frame: pd.DataFrame,
    *,
    date_col: str = "date",
    country: str = "GB",
    subdiv: str | None = None,
) -> pd.DataFrame:
    """Records dated on a public holiday of ``country`` (the ``holidays`` package).

    Parameters
    ----------
    country : str
        ISO 3166 code (``GB``, ``DE``, ``US``, ``FR`` ...).
    subdiv : str, optional
        Region where holidays differ (``ENG``, ``BY``, ``CA`` ...).

    Returns
    -------
    DataFrame
        The rows with ``holiday`` (its name).
    """
    require_columns(frame, [date_col], "holiday_postings")
    days = _days(frame, date_col)
    valid = ~np.isnat(days)
    if not valid.any():
        return frame.iloc[:0].assign(holiday=pd.Series(dtype="str"))
    years = days[valid].astype("datetime64[Y]").astype(np.int64) + 1970
    calendar = holidays_lib.country_holidays(
        country, subdiv=subdiv, years=range(int(years.min()), int(years.max()) + 1)
    )
    dates = np.array(sorted(calendar.keys()), dtype="datetime64[D]")
    names = np.array([calendar[d] for d in sorted(calendar.keys())], dtype=object)
    mask = valid & np.isin(days, dates)
    where = np.searchsorted(dates, days[mask])
    return frame.loc[mask].assign(holiday=pd.array(names[where], dtype="str"))


def _band_labels(bands: Sequence[int]) -> list[str]:
    labels = []
    low = 0
    for b in bands:
        labels.append(f"{low}-{b}")
        low = b + 1
    labels.append(f">{bands[-1]}")
    return labels


def aging(
    frame: pd.DataFrame,
    as_of: Any,
    *,
    date_col: str = "date",
    bands: Sequence[int] = AGING_BANDS,
) -> pd.DataFrame:
    """Age of each record in days at ``as_of``, and its band (0-30, 31-60, ..., >120).

    Records dated after ``as_of`` are in band ``not yet due``; missing dates in ``no
    date``.

    Returns
    -------
    DataFrame
        The frame with ``age_days`` (float, NaN without a date) and ``age_band`` (an
        ordered categorical, youngest first).
    """
    require_columns(frame, [date_col], "aging")
    days = _days(frame, date_col)
    ref = pd.Timestamp(as_of).normalize().to_datetime64().astype("datetime64[D]")
    age = (ref - days).astype("timedelta64[D]").astype(np.float64)
    age[np.isnat(days)] = np.nan
    labels = _band_labels(bands)
    edges = np.asarray(bands, dtype=np.float64)
    idx = np.searchsorted(edges, age, side="left")  # age <= 30 -> 0, 31..60 -> 1, ...
    cats = ["not yet due", *labels, "no date"]
    code = np.where(np.isnan(age), len(cats) - 1, np.where(age < 0, 0, idx + 1))
    band = pd.Categorical.from_codes(code, dtype=pd.CategoricalDtype(cats, ordered=True))
    return frame.assign(age_days=age, age_band=band)


def aging_summary(aged: pd.DataFrame, *, amount_col: str | None = "amount") -> pd.DataFrame:
    """Count (and amount) per aging band, with shares, every band shown.

    Parameters
    ----------
    aged : DataFrame
        Output of :func:`aging`.
    """
    g = aged.groupby("age_band", observed=False)
    out = pd.DataFrame({"count": g.size()})
    out["count_share"] = out["count"] / max(len(aged), 1)
    if amount_col is not None and amount_col in aged.columns:
        out["amount"] = g[amount_col].sum()
        total = aged[amount_col].sum()
        out["amount_share"] = out["amount"] / total if total else np.nan
    return out.reset_index()


def stratify(
    frame: pd.DataFrame,
    *,
    amount_col: str = "amount",
    edges: Sequence[float] = STRATA_EDGES,
) -> pd.DataFrame:
    """Stratification of amounts into ranges ``[edge_i, edge_i+1)``.

    Returns
    -------
    DataFrame
        One row per stratum (empty strata included): ``stratum, lower, upper, count,
        count_share, amount, amount_share, min, max, mean``. Missing amounts are left out.
    """
    require_columns(frame, [amount_col], "stratify")
    x = _amounts(frame, amount_col)
    x = x[~np.isnan(x)]
    e = np.asarray(edges, dtype=np.float64)
    idx = np.searchsorted(e, x, side="right") - 1
    k = len(e) - 1
    idx = np.clip(idx, 0, k - 1)
    count = np.bincount(idx, minlength=k)
    amount = np.bincount(idx, weights=x, minlength=k)
    order = np.argsort(idx, kind="stable")
    lo = np.full(k, np.nan)
    hi = np.full(k, np.nan)
    if len(x):
        starts = np.searchsorted(idx[order], np.arange(k))
        ends = np.searchsorted(idx[order], np.arange(k), side="right")
        sorted_x = x[order]
        nonempty = ends > starts
        lo[nonempty] = np.minimum.reduceat(sorted_x, starts[nonempty])
        hi[nonempty] = np.maximum.reduceat(sorted_x, starts[nonempty])

    def label(a: float, b: float) -> str:
        if np.isinf(a):
            return f"< {b:,.0f}"
        if np.isinf(b):
            return f">= {a:,.0f}"
        return f"{a:,.0f} to < {b:,.0f}"

    total = float(x.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = amount / count
    return pd.DataFrame(
        {
            "stratum": [label(e[i], e[i + 1]) for i in range(k)],
            "lower": e[:-1],
            "upper": e[1:],
            "count": count.astype(np.int64),
            "count_share": count / max(len(x), 1),
            "amount": amount,
            "amount_share": amount / total if total else np.full(k, np.nan),
            "min": lo,
            "max": hi,
            "mean": np.where(count > 0, mean, np.nan),
        }
    )


# --------------------------------------------------------------------------------------
# findings
# --------------------------------------------------------------------------------------


def round_amounts_finding(
    rows: pd.DataFrame,
    population: pd.DataFrame,
    *,
    amount_col: str = "amount",
    id_col: str | None = "expense_id",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    materiality: float | None = None,
    severity: Severity | None = None,
    owner_role: str = "Finance controller",
) -> Finding | None:
    """Finding for :func:`round_amounts` (low by default: round figures call for support)."""
    per = rows["round_to"].value_counts().sort_index(ascending=False) if len(rows) else None
    detail = (
        ", ".join(f"{int(c):,} multiples of {m:,.0f}" for m, c in per.items())
        if per is not None
        else ""
    )
    return rows_finding(
        rows,
        population,
        check="round_amounts",
        code="RND",
        title="Round-figure amounts",
        summary=f"{detail}. Round figures suggest estimates, advances or invented amounts.",
        base="low",
        severity=severity,
        materiality=materiality,
        amount_col=amount_col,
        id_col=id_col,
        entity_type=entity_type,
        area=area,
        owner_role=owner_role,
        recommendation="Vouch the round amounts to invoices and contracts.",
        corrective_action="Obtain the invoice behind each round amount; correct estimates.",
        preventive_action="Require an itemised invoice for every expense claim.",
    )


def just_below_limit_finding(
    rows: pd.DataFrame,
    population: pd.DataFrame,
    *,
    amount_col: str = "amount",
    id_col: str | None = "expense_id",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    materiality: float | None = None,
    severity: Severity | None = None,
    owner_role: str = "Finance controller",
) -> Finding | None:
    """Finding for :func:`just_below_limit` (medium: a sign of splitting to avoid approval)."""
    band = ""
    if len(rows):
        band = (
            f"amounts between {rows['share_of_limit'].min():.0%} and "
            f"{rows['share_of_limit'].max():.0%} of the approval limit"
        )
    return rows_finding(
        rows,
        population,
        check="just_below_approval_limit",
        code="LIM",
        title="Amounts just below the approval limit",
        summary=f"{band}; clusters there suggest purchases split to avoid approval.",
        base="medium",
        severity=severity,
        materiality=materiality,
        amount_col=amount_col,
        id_col=id_col,
        entity_type=entity_type,
        area=area,
        owner_role=owner_role,
        recommendation=("Review the records per requester and vendor for splits of one purchase."),
        corrective_action="Submit split purchases for the approval they avoided.",
        preventive_action=(
            "Aggregate amounts per vendor and requester over a window before applying "
            "approval limits; monitor the band below the limit each month."
        ),
    )


def weekend_finding(
    rows: pd.DataFrame,
    population: pd.DataFrame,
    *,
    amount_col: str = "amount",
    id_col: str | None = "expense_id",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    materiality: float | None = None,
    severity: Severity | None = None,
    owner_role: str = "Finance controller",
) -> Finding | None:
    """Finding for :func:`weekend_postings` (low by default)."""
    return rows_finding(
        rows,
        population,
        check="weekend_postings",
        code="WKND",
        title="Records dated on weekends",
        summary="postings outside working days escape the usual review.",
        base="low",
        severity=severity,
        materiality=materiality,
        amount_col=amount_col,
        id_col=id_col,
        entity_type=entity_type,
        area=area,
        owner_role=owner_role,
        recommendation="Confirm the business reason for weekend postings.",
        corrective_action="Review weekend postings with their approvers.",
        preventive_action="Restrict posting rights outside working days or flag them.",
    )


def holiday_finding(
    rows: pd.DataFrame,
    population: pd.DataFrame,
    *,
    amount_col: str = "amount",
    id_col: str | None = "expense_id",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    materiality: float | None = None,
    severity: Severity | None = None,
    owner_role: str = "Finance controller",
) -> Finding | None:
    """Finding for :func:`holiday_postings` (low by default)."""
    names = ""
    if len(rows):
        names = ", ".join(sorted(rows["holiday"].dropna().unique().tolist())[:5])
    return rows_finding(
        rows,
        population,
        check="holiday_postings",
        code="HOL",
        title="Records dated on public holidays",
        summary=f"dated on public holidays ({names}).",
        base="low",
        severity=severity,
        materiality=materiality,
        amount_col=amount_col,
        id_col=id_col,
        entity_type=entity_type,
        area=area,
        owner_role=owner_role,
        recommendation="Confirm the business reason for holiday postings.",
        corrective_action="Review holiday postings with their approvers.",
        preventive_action="Flag postings on public holidays for review.",
    )


def aging_finding(
    aged: pd.DataFrame,
    *,
    older_than: int = 90,
    amount_col: str = "amount",
    id_col: str | None = "expense_id",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    materiality: float | None = None,
    severity: Severity | None = None,
    owner_role: str = "Finance controller",
    what: str = "open items",
) -> Finding | None:
    """Finding for items older than ``older_than`` days (medium by default).

    ``aged`` is the output of :func:`aging` on the items that are still open.
    """
    rows = aged[aged["age_days"] > older_than]
    return rows_finding(
        rows,
        aged,
        check=f"aging_over_{older_than}_days",
        code="AGE",
        title=f"{what.capitalize()} older than {older_than} days",
        summary=(
            f"{what} older than {older_than} days (oldest {rows['age_days'].max():,.0f} days)."
            if len(rows)
            else ""
        ),
        base="medium",
        severity=severity,
        materiality=materiality,
        amount_col=amount_col,
        id_col=id_col,
        entity_type=entity_type,
        area=area,
        owner_role=owner_role,
        recommendation=f"Resolve or write off {what} older than {older_than} days.",
        corrective_action="Chase each old item with its owner and record the outcome.",
        preventive_action="Review the aging report monthly with escalation past 90 days.",
    )
