"""Pain points: which segments and projects drive the delay, leakage, overrun and defects.

Each dimension is measured in its own unit (days late, money at stake, days and money of
overrun, defects), turned into each segment's (or project's) share of the client total, and
ranked. The composite score is the mean share over the dimensions available, so a segment
that leads on two dimensions outranks one that leads on one. A Pareto cut names the few
projects behind most of each dimension.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.findings import CheckResult, finding_from_ids

AREA = "Pain points"
DIMENSIONS = {
    "delay_days": "days late (delivered late + overdue)",
    "leakage": "revenue at stake",
    "schedule_overrun_days": "schedule overrun (days)",
    "cost_overrun": "cost overrun (EAC - budget)",
    "defects": "defects",
}


def project_overrun(
    projects: pd.DataFrame, evm_snapshots: pd.DataFrame | None = None, *, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Schedule and cost overrun per project as of ``as_of``.

    Schedule: (actual finish, else forecast finish) minus baseline finish, in days.
    Cost (only with ``evm_snapshots``): EAC = BAC / CPI at the last snapshot on or before
    ``as_of``, with BAC the project budget; overrun = EAC - BAC.

    Returns
    -------
    pandas.DataFrame
        ``project_id, segment, budget, schedule_overrun_days, cpi, eac, cost_overrun``.
    """
    p = projects.copy()
    finish = pd.Series(pd.NaT, index=p.index, dtype="datetime64[ns]")
    for col in ("forecast_finish", "actual_finish"):
        if col in p.columns:
            finish = pd.to_datetime(p[col]).where(pd.to_datetime(p[col]).notna(), finish)
    p["schedule_overrun_days"] = (finish - pd.to_datetime(p["baseline_finish"])).dt.days.astype(
        "float64"
    )
    p["cpi"] = np.nan
    p["eac"] = np.nan
    if evm_snapshots is not None and not evm_snapshots.empty:
        snap = evm_snapshots.loc[pd.to_datetime(evm_snapshots["period_end"]) <= as_of]
        last = snap.sort_values("period_end").groupby("project_id").tail(1).set_index("project_id")
        cpi = (last["ev"] / last["ac"]).where(last["ac"] > 0)
        p["cpi"] = p["project_id"].map(cpi).round(4)
        p["eac"] = (p["budget"] / p["cpi"]).round(2)
    p["cost_overrun"] = (p["eac"] - p["budget"]).round(2)
    cols = [
        "project_id",
        "segment",
        "budget",
        "schedule_overrun_days",
        "cpi",
        "eac",
        "cost_overrun",
    ]
    return p[cols].reset_index(drop=True)


def pain_points(
    *,
    projects: pd.DataFrame,
    ledger: pd.DataFrame | None = None,
    at_stake: pd.Series | None = None,
    overrun: pd.DataFrame | None = None,
    defects: pd.DataFrame | None = None,
    by: str = "segment",
) -> pd.DataFrame:
    """Each segment's (or project's) amount and share of every pain dimension, ranked.

    Parameters
    ----------
    projects : pandas.DataFrame
        ``projects`` table (the list of segments/projects and the segment of each project).
    ledger : pandas.DataFrame, optional
        Milestone ledger: days late of delivered milestones plus days overdue of the rest.
    at_stake : pandas.Series, optional
        Revenue at stake per ``project_id`` (sum of the leakage checks).
    overrun : pandas.DataFrame, optional
        From :func:`project_overrun` (positive overruns only are counted).
    defects : pandas.DataFrame, optional
        ``defects`` table.
    by : {"segment", "project_id"}

    Returns
    -------
    pandas.DataFrame
        ``by`` (and ``segment`` for projects), one column per dimension, ``<dim>_share``,
        ``score`` (mean share) and ``rank`` (1 = worst).
    """
    keys = projects[["project_id", "segment"]].drop_duplicates("project_id")
    per_project = keys.set_index("project_id")
    dims: list[str] = []
    if ledger is not None and not ledger.empty:
        late = ledger["delivery_delay_days"].clip(lower=0).fillna(0) + ledger[
            "days_overdue"
        ].fillna(0)
        per_project["delay_days"] = late.groupby(ledger["project_id"]).sum()
        dims.append("delay_days")
    if at_stake is not None:
        per_project["leakage"] = at_stake
        dims.append("leakage")
    if overrun is not None and not overrun.empty:
        o = overrun.set_index("project_id")
        per_project["schedule_overrun_days"] = o["schedule_overrun_days"].clip(lower=0)
        dims.append("schedule_overrun_days")
        if o["cost_overrun"].notna().any():
            per_project["cost_overrun"] = o["cost_overrun"].clip(lower=0)
            dims.append("cost_overrun")
    if defects is not None and not defects.empty:
        per_project["defects"] = defects.groupby("project_id").size()
        dims.append("defects")
    per_project[dims] = per_project[dims].fillna(0.0).astype("float64")
    if by == "segment":
        table = per_project.groupby("segment")[dims].sum()
    else:
        table = per_project[["segment", *dims]]
    table.index.name = by
    shares = []
    for dim in dims:
        total = table[dim].sum()
        table[f"{dim}_share"] = (table[dim] / total).round(4) if total else 0.0
        shares.append(f"{dim}_share")
    table["score"] = table[shares].mean(axis=1).round(4) if shares else 0.0
    table = table.sort_values("score", ascending=False)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index()


def pareto(
    table: pd.DataFrame, column: str, *, key: str = "project_id", cutoff: float = 0.8
) -> pd.DataFrame:
    """The fewest rows of ``table`` that together make ``cutoff`` of ``column``'s total."""
    t = table.loc[table[column] > 0].sort_values(column, ascending=False)
    if t.empty:
        return t
    cum = t[column].cumsum() / t[column].sum()
    keep = cum.shift(fill_value=0.0) < cutoff
    out = t.loc[
        keep, [key, *([c for c in ("segment",) if c in t.columns and c != key]), column]
    ].copy()
    out["cumulative_share"] = cum[keep].round(4)
    return out.reset_index(drop=True)


def pain_point_findings(
    table: pd.DataFrame, *, by: str = "segment", currency: str = ""
) -> CheckResult:
    """One info finding naming the segment that ranks worst and what drives it.

    Returns
    -------
    CheckResult
        ``table`` with a ``leading_on`` column (dimensions where the row has the largest
        share) and a ``segment_pain_points`` finding for the rank-1 row.
    """
    t = table.copy()
    dims = [d for d in DIMENSIONS if d in t.columns]
    t["leading_on"] = [
        ", ".join(
            d
            for d in dims
            if t[f"{d}_share"].max() > 0 and row[f"{d}_share"] == t[f"{d}_share"].max()
        )
        for _, row in t.iterrows()
    ]
    if t.empty or not dims:
        return CheckResult(t)
    top = t.iloc[0]
    parts = [f"{top[f'{d}_share']:.0%} of {DIMENSIONS[d]}" for d in dims]
    finding = finding_from_ids(
        check="segment_pain_points",
        area=AREA,
        code="PAIN",
        severity="info",
        title=f"{top[by]} is the segment with the most pain points",
        summary=(
            f"{top[by]} carries "
            + ", ".join(parts)
            + f" (mean share {top['score']:.0%} against {1 / len(t):.0%} for an even "
            "spread)." + (f" It leads on {top['leading_on']}." if top["leading_on"] else "")
        ),
        entity_type=by.replace("_id", ""),
        ids=[str(top[by])],
        population_count=len(t),
        recommendation="Start the improvement plan in this segment with its leading "
        "dimension; delegate each dimension to a named owner.",
        corrective_action="Agree a recovery plan for the segment's worst projects.",
        preventive_action="Review the pain-point ranking quarterly in the executive report.",
        owner_role="Head of PMO",
    )
    return CheckResult(t, [finding])
