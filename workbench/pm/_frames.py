"""Small frame helpers shared by the PM-function checks (coercion, months, safe division).

The loader hands the checks typed frames, but the checks also run on frames built by hand
(tests, an analyst's notebook), so each check coerces the few columns it relies on instead
of trusting that someone else did.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd


def as_dates(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Return a copy of ``frame`` with the named columns (those present) as ``datetime64``."""
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            out[col] = pd.to_datetime(out[col], errors="coerce")
    return out


def as_numbers(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Return a copy of ``frame`` with the named columns (those present) as ``float64``."""
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out


def as_ids(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Return a copy of ``frame`` with the named id columns as trimmed strings (missing kept)."""
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            values = out[col]
            text = values.astype("string").str.strip()
            out[col] = text.where(values.notna() & (text != ""), pd.NA)
    return out


def month_number(dates: pd.Series) -> pd.Series:
    """Months since year 0 (``year * 12 + month``): differences count calendar months."""
    dates = pd.to_datetime(dates, errors="coerce")
    return (dates.dt.year * 12 + dates.dt.month).astype("float64")


def safe_div(num: Any, den: Any) -> Any:
    """``num / den`` with NaN wherever the denominator is zero or missing, or the ratio
    overflows (a huge amount over a tiny one is no index a report can show)."""
    num_arr = np.asarray(num, dtype="float64")
    den_arr = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = num_arr / den_arr
        out = np.where((den_arr == 0) | np.isnan(den_arr) | ~np.isfinite(ratio), np.nan, ratio)
    if isinstance(num, pd.Series):
        return pd.Series(out, index=num.index)
    if isinstance(den, pd.Series):
        return pd.Series(out, index=den.index)
    return float(out) if out.ndim == 0 else out


def lower_text(values: pd.Series) -> pd.Series:
    """Trimmed lower-case text, missing values as the empty string."""
    return values.astype("string").fillna("").str.strip().str.lower()


def truthy(values: pd.Series) -> pd.Series:
    """Read yes/no columns the way clients fill them (True, 1, "yes", "Y", "x")."""
    if values.dtype == bool:
        return values
    text = lower_text(values)
    return text.isin({"true", "1", "1.0", "yes", "y", "x", "escalated"})


def has_text(values: pd.Series) -> pd.Series:
    """True where a free-text cell holds something other than blanks or a placeholder."""
    text = lower_text(values)
    return ~text.isin({"", "nan", "none", "n/a", "na", "-", "null"})


def period_months(start: Any, end: Any) -> pd.PeriodIndex:
    """The calendar months from ``start`` to ``end`` inclusive."""
    return pd.period_range(
        pd.Timestamp(start).to_period("M"), pd.Timestamp(end).to_period("M"), freq="M"
    )


def id_list(values: Iterable[Any]) -> list[str]:
    """Unique ids as sorted strings (the order findings and answer keys use)."""
    return sorted({str(v) for v in values})


def fmt_ids(ids: Iterable[Any], limit: int = 6) -> str:
    """A short list of ids for prose: the first few, then how many more."""
    ids = [str(i) for i in ids]
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


def plural(count: float, word: str, words: str | None = None) -> str:
    """``1 project``, ``3 projects`` (``words`` for irregular plurals)."""
    n = int(count)
    return f"{n} {word if n == 1 else (words or word + 's')}"


#: Statuses of a project that has ended.
ENDED = ("closed", "cancelled")


def ended_without_date(projects: pd.DataFrame) -> list[str]:
    """Projects closed or cancelled with no ``actual_finish``: when they ended is unknown, so
    they are expected to report, and count as load, only as far as their last trace."""
    if "status" not in projects.columns:
        return []
    proj = as_ids(as_dates(projects, ["actual_finish"]), ["project_id"])
    finish = (
        proj["actual_finish"]
        if "actual_finish" in proj.columns
        else pd.Series(pd.NaT, index=proj.index)
    )
    hit = lower_text(proj["status"]).isin(ENDED) & finish.isna()
    return id_list(proj.loc[hit, "project_id"].dropna())
