"""Outliers per group: mean or median +/- k standard deviations, robust z, IQR fences.

Methods (``method``):

- ``"sd"``: centre (mean or median) +/- ``k`` standard deviations (default k = 3).
- ``"robust"``: modified z-score 0.6745 (x - median) / MAD (Iglewicz and Hoaglin 1993),
  outlier when |z| > ``k`` (default 3.5). Where MAD is zero (more than half the values
  equal), the mean absolute deviation times 1.2533 stands in, so a lone deviating value
  in an otherwise constant group is still caught.
- ``"iqr"``: Tukey's fences Q1 - k IQR and Q3 + k IQR (default k = 1.5).

Groups smaller than ``min_group_size`` are not scored: a spread estimated from a handful
of values flags noise. All statistics are computed by group in vectorised passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.analytics._common import as_list, rows_finding
from workbench.analytics.duplicates import first_rows, group_codes
from workbench.findings import Finding, Severity

#: Default ``k`` per method.
DEFAULT_K = {"sd": 3.0, "robust": 3.5, "iqr": 1.5}

_MAD_TO_SD = 0.6745
_MEANAD_TO_SD = 1.253314  # sqrt(pi/2): mean absolute deviation to SD for a normal


def outlier_bounds(
    frame: pd.DataFrame,
    *,
    value_col: str = "amount",
    by: str | Sequence[str] | None = None,
    method: str = "robust",
    k: float | None = None,
    center: str = "mean",
    min_group_size: int = 5,
) -> pd.DataFrame:
    """Per-group centre, scale and fences.

    Parameters
    ----------
    frame : DataFrame
    value_col : str
    by : str or sequence of str, optional
        Grouping columns (e.g. ``category`` or ``vendor``); None: one group.
    method : {"robust", "sd", "iqr"}
    k : float, optional
        Width of the fences (defaults in :data:`DEFAULT_K`).
    center : {"mean", "median"}
        Centre of the ``sd`` method.
    min_group_size : int

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, ``n``, ``center``, ``scale``, ``lower``,
        ``upper``, ``scored`` (False for groups below ``min_group_size``).
    """
    stats, _ = _group_stats(frame, value_col, as_list(by), method, k, center, min_group_size)
    return stats


def _group_stats(
    frame: pd.DataFrame,
    value_col: str,
    by: list[str],
    method: str,
    k: float | None,
    center: str,
    min_group_size: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    if method not in DEFAULT_K:
        raise ValueError(f"method must be one of {sorted(DEFAULT_K)}")
    if center not in ("mean", "median"):
        raise ValueError("center must be 'mean' or 'median'")
    missing = [c for c in [value_col, *by] if c not in frame.columns]
    if missing:
        raise KeyError(f"outliers: column(s) {missing} not in the table")
    width = DEFAULT_K[method] if k is None else float(k)
    x = frame[value_col].to_numpy(dtype=np.float64, na_value=np.nan)
    if by:
        codes, n_groups = group_codes(frame, by, missing_is_value=False)
    else:
        codes, n_groups = np.zeros(len(frame), dtype=np.int64), 1
    key_codes = codes
    codes = np.where(np.isnan(x), -1, codes)
    ok = codes >= 0
    s = pd.Series(x[ok])
    # a categorical of the dense codes spares pandas a hash pass per aggregation
    grouper = pd.Categorical.from_codes(
        codes[ok], dtype=pd.CategoricalDtype(pd.RangeIndex(n_groups))
    )
    g = s.groupby(grouper, observed=False)
    n = np.bincount(codes[ok], minlength=n_groups)
    idx = np.arange(n_groups)
    if method == "sd":
        mid = (g.mean() if center == "mean" else g.median()).reindex(idx).to_numpy()
        scale = g.std(ddof=1).reindex(idx).to_numpy()
        lower, upper = mid - width * scale, mid + width * scale
    elif method == "robust":
        mid = g.median().reindex(idx).to_numpy()
        dev = pd.Series(np.abs(x[ok] - mid[codes[ok]]))
        gd = dev.groupby(grouper, observed=False)
        mad = gd.median().reindex(idx).to_numpy()
        mean_ad = gd.mean().reindex(idx).to_numpy()
        # scale in SD units: MAD/0.6745, or the mean absolute deviation where MAD is 0
        scale = np.where(mad > 0, mad / _MAD_TO_SD, mean_ad * _MEANAD_TO_SD)
        lower, upper = mid - width * scale, mid + width * scale
    else:
        q1 = g.quantile(0.25).reindex(idx).to_numpy()
        q3 = g.quantile(0.75).reindex(idx).to_numpy()
        mid = g.median().reindex(idx).to_numpy()
        scale = q3 - q1
        lower, upper = q1 - width * scale, q3 + width * scale
    scored = n >= min_group_size
    stats = pd.DataFrame(
        {"n": n.astype(np.int64), "center": mid, "scale": scale, "lower": lower, "upper": upper}
    )
    stats["scored"] = scored
    if by:
        keys = frame[by].iloc[first_rows(key_codes, n_groups)].reset_index(drop=True)
        stats = pd.concat([keys, stats], axis=1)
    return stats, codes


def outliers(
    frame: pd.DataFrame,
    *,
    value_col: str = "amount",
    by: str | Sequence[str] | None = None,
    method: str = "robust",
    k: float | None = None,
    center: str = "mean",
    min_group_size: int = 5,
) -> pd.DataFrame:
    """Records whose value falls outside their group's fences.

    Parameters are those of :func:`outlier_bounds`.

    Returns
    -------
    DataFrame
        The outlying rows (all columns, original index), with ``center``, ``lower``,
        ``upper`` and ``score`` (robust: the modified z; sd: (x - centre)/SD; iqr: the
        distance beyond the nearer fence in IQRs), largest ``|score|`` first.
    """
    by_cols = as_list(by)
    stats, codes = _group_stats(frame, value_col, by_cols, method, k, center, min_group_size)
    x = frame[value_col].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = codes >= 0
    # rows in no group (a missing value or key) read an extra, unscored slot; with a group
    # column left entirely empty there are no groups at all and only that slot exists
    slot = np.where(ok, codes, len(stats))

    def per_row(column: str, fill: Any) -> np.ndarray:
        return np.append(stats[column].to_numpy(), fill)[slot]

    lower = per_row("lower", np.nan).astype(np.float64)
    upper = per_row("upper", np.nan).astype(np.float64)
    scored = per_row("scored", False).astype(bool) & ok
    mid = per_row("center", np.nan).astype(np.float64)
    scale = per_row("scale", np.nan).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = scored & ((x < lower) | (x > upper))
        if method == "iqr":
            beyond = np.where(x > upper, x - upper, np.where(x < lower, x - lower, 0.0))
            score = beyond / scale
        else:
            score = (x - mid) / scale
    rows = frame.loc[out].assign(
        center=mid[out], lower=lower[out], upper=upper[out], score=score[out]
    )
    order = np.argsort(-np.abs(rows["score"].to_numpy()), kind="stable")
    return rows.iloc[order]


def outliers_finding(
    rows: pd.DataFrame,
    population: pd.DataFrame,
    *,
    method: str = "robust",
    by: str | Sequence[str] | None = None,
    value_col: str = "amount",
    id_col: str | None = "expense_id",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    materiality: float | None = None,
    severity: Severity | None = None,
    owner_role: str = "Finance controller",
    amount_col: str | None = None,
) -> Finding | None:
    """Finding for :func:`outliers` (medium by default; high from ``materiality``).

    ``amount_col`` is the money column when the scores were taken on a transform of it
    (``value_col`` = log10 of the amount): the finding is worth the amounts, never a sum of
    their logarithms, and the summary names the scale that was scored.
    """
    groups = ", ".join(as_list(by)) or "the whole population"
    names = {"robust": "robust (MAD) z-scores", "sd": "standard deviations", "iqr": "IQR fences"}
    money = amount_col or value_col
    scored = "" if money == value_col else f" of {value_col.replace('_', ' ')}"
    return rows_finding(
        rows,
        population,
        check=f"outliers_{method}",
        code="OUT",
        title=f"Unusual {money.replace('_', ' ')}s within {groups}",
        summary=(
            f"lie outside the fences of their group ({groups}) by "
            f"{names.get(method, method)}{scored}."
        ),
        separator=", ",
        base="medium",
        severity=severity,
        materiality=materiality,
        amount_col=money,
        id_col=id_col,
        entity_type=entity_type,
        area=area,
        owner_role=owner_role,
        recommendation="Vouch the outlying records to their support and approval.",
        corrective_action="Correct mis-keyed amounts; recover unsupported ones.",
        preventive_action="Add a reasonableness check per category at entry.",
    )
