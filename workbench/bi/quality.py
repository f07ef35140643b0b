"""Quality of work per segment, project and person, from the ``defects`` table.

Defect rates are defects per delivered milestone (the unit of work the client bills for);
without milestones they fall back to defects per project. A segment is a hotspot when its
rate is at least ``min_ratio`` times the rate of the rest of the client and an exact
conditional test says that is unlikely by chance: given all defects, the segment's count is
binomial with the segment's share of the exposure (the standard comparison of two Poisson
rates). Time to close is measured on closed defects; open defects are aged at the as-of date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from workbench.bi.frames import with_segment
from workbench.findings import CheckResult, finding_from_ids
from workbench.frames import present

AREA = "Quality of work"
SEVERITY_ORDER = ["critical", "high", "medium", "low"]


def _prepared(
    defects: pd.DataFrame, projects: pd.DataFrame | None, as_of: pd.Timestamp
) -> pd.DataFrame:
    d = with_segment(defects, projects)
    d = d.loc[pd.to_datetime(d["found_date"]) <= as_of].copy()
    closed = d["closed_date"] if "closed_date" in d.columns else pd.Series(pd.NaT, index=d.index)
    closed = pd.to_datetime(closed).where(lambda s: s <= as_of)
    d["closed_date"] = closed
    d["severity"] = d["severity"].astype("string").str.strip().str.lower()
    d["close_days"] = (d["closed_date"] - d["found_date"]).dt.days.astype("float64")
    d["open_days"] = (as_of - d["found_date"]).dt.days.astype("float64").where(closed.isna())
    return d


def exposure(
    ledger: pd.DataFrame | None, projects: pd.DataFrame | None, by: str = "segment"
) -> pd.Series:
    """Units of work per ``by``: delivered milestones, else number of projects.

    Parameters
    ----------
    ledger : pandas.DataFrame, optional
        From :func:`workbench.bi.revenue.milestone_ledger`.
    projects : pandas.DataFrame, optional
        ``projects`` table, used when there is no ledger.
    by : str
        ``segment``, ``project_id`` or ``pm_id``.
    """
    if ledger is not None and not ledger.empty and by in ledger.columns:
        return ledger.loc[ledger["delivered_date"].notna()].groupby(by).size().rename("exposure")
    if projects is not None and by in projects.columns:
        return projects.groupby(by).size().rename("exposure")
    return pd.Series(dtype="float64", name="exposure")


def defect_summary(
    defects: pd.DataFrame,
    projects: pd.DataFrame | None = None,
    *,
    as_of: pd.Timestamp,
    by: str = "segment",
    units: pd.Series | None = None,
    open_days: int = 30,
) -> pd.DataFrame:
    """Defects, rate, severity mix and time to close per ``by``.

    Parameters
    ----------
    defects : pandas.DataFrame
        ``defects`` table (defect_id, project_id, found_date, severity [closed_date,
        person_id, phase]).
    projects : pandas.DataFrame, optional
        For the segment.
    as_of : pandas.Timestamp
        Later defects are ignored; later closures count as still open.
    by : str
        ``segment``, ``project_id`` or ``person_id``.
    units : pandas.Series, optional
        Exposure per ``by`` value (see :func:`exposure`); gives ``rate``.
    open_days : int
        Open defects older than this are counted in ``open_over``.

    Returns
    -------
    pandas.DataFrame
        ``by, defects, exposure, rate, share_<severity>..., closed, open, open_over,
        median_close_days, p90_close_days``, highest rate (else count) first.
    """
    d = _prepared(defects, projects, as_of)
    if by not in d.columns:
        return pd.DataFrame()
    d = d.loc[d[by].notna()]
    g = d.groupby(by, observed=True)
    out = pd.DataFrame({"defects": g.size()})
    mix = pd.crosstab(d[by], d["severity"], normalize="index")
    for sev in [*SEVERITY_ORDER, *sorted(set(mix.columns) - set(SEVERITY_ORDER))]:
        if sev in mix.columns:
            out[f"share_{sev}"] = mix[sev].round(4)
    out["closed"] = g["closed_date"].count()
    out["open"] = out["defects"] - out["closed"]
    out["open_over"] = g["open_days"].apply(lambda s: int((s > open_days).sum()))
    out["median_close_days"] = g["close_days"].median()
    out["p90_close_days"] = g["close_days"].quantile(0.9)
    if units is not None and not units.empty:
        out.insert(1, "exposure", units.reindex(out.index).astype("float64"))
        out.insert(2, "rate", (out["defects"] / out["exposure"]).round(4))
        out = out.sort_values("rate", ascending=False)
    else:
        out = out.sort_values("defects", ascending=False)
    out.index.name = by
    return out.reset_index()


def rate_ratio_test(count: int, units: float, total_count: int, total_units: float) -> float:
    """One-sided p-value that a group's defect rate exceeds the rest's (exact, conditional).

    Given ``total_count`` defects, the group's count is Binomial(total_count, p) with p the
    group's share of exposure when the rates are equal.
    """
    if total_count <= 0 or total_units <= 0 or units <= 0:
        return np.nan
    share = units / total_units
    return float(stats.binomtest(int(count), int(total_count), share, alternative="greater").pvalue)


def defect_hotspots(
    summary: pd.DataFrame, *, by: str = "segment", alpha: float = 0.05, min_ratio: float = 1.5
) -> CheckResult:
    """Groups whose defect rate is materially and significantly above the rest of the client.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`defect_summary` with exposure (``rate`` column).
    by : str
        The grouping column of ``summary``.
    alpha : float
        Significance level of :func:`rate_ratio_test`.
    min_ratio : float
        Rate at least this multiple of the rest's rate to count as material.

    Returns
    -------
    CheckResult
        The summary with ``rate_rest``, ``ratio`` and ``p_value``; a ``defect_hotspot``
        finding naming the hotspot groups.
    """
    if summary.empty or "rate" not in summary.columns:
        return CheckResult(summary)
    s = summary.loc[summary["exposure"] > 0].copy()
    total_d, total_u = int(s["defects"].sum()), float(s["exposure"].sum())
    s["rate_rest"] = ((total_d - s["defects"]) / (total_u - s["exposure"])).round(4)
    s["ratio"] = (s["rate"] / s["rate_rest"]).round(2)
    s["p_value"] = [
        rate_ratio_test(int(r.defects), float(r.exposure), total_d, total_u) for r in s.itertuples()
    ]
    hot = s.loc[(s["ratio"] >= min_ratio) & (s["p_value"] < alpha)]
    if hot.empty:
        return CheckResult(s)
    names = hot[by].astype(str).tolist()
    lines = "; ".join(
        f"{r[by]}: {r['rate']:.2f} defects per unit vs {r['rate_rest']:.2f} elsewhere "
        f"(x{r['ratio']:.1f}, p={r['p_value']:.2g})"
        for _, r in hot.iterrows()
    )
    finding = finding_from_ids(
        check="defect_hotspot",
        area=AREA,
        code="QUAL",
        severity="high",
        title=f"Defect rate far above the rest in {', '.join(names)}",
        summary=(
            f"{int(hot['defects'].sum())} of {total_d} defects come from "
            f"{len(hot)} {by.replace('_', ' ')}(s) with "
            f"{hot['exposure'].sum() / total_u:.0%} of the work. {lines}."
        ),
        entity_type=by.replace("_id", ""),
        ids=names,
        population_count=len(s),
        recommendation="Run a root-cause review of the segment's defects by phase and "
        "person; add entry/exit quality gates to its delivery process.",
        corrective_action="Triage and close the open critical and high defects first.",
        preventive_action="Track the defect rate per segment monthly with a target, and peer "
        "review deliverables before release.",
        owner_role="Quality Manager",
    )
    return CheckResult(s, [finding])


def severity_mix(
    defects: pd.DataFrame,
    projects: pd.DataFrame | None = None,
    *,
    as_of: pd.Timestamp,
    by: str = "segment",
) -> pd.DataFrame:
    """Count of defects per ``by`` and severity (rows) with a total column."""
    d = _prepared(defects, projects, as_of)
    table = pd.crosstab(d[by], d["severity"])
    cols = present(table, SEVERITY_ORDER)
    table = table[cols + [c for c in table.columns if c not in cols]]
    table["total"] = table.sum(axis=1)
    table.columns.name = None
    return table.reset_index()
