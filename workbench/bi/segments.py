"""Pain points: which segments and projects drive the delay, leakage, overrun and defects.

Each dimension is measured in its own unit (days late, money at stake, days and money of
overrun, defects) and divided by the segment's (or project's) exposure to it: days late per
milestone due, money at stake per unit of billable value, overrun days per project, cost
overrun per unit of budget, defects per milestone delivered. Ranked by raw share, the largest
segment would always be worst; ranked by rate, a segment is worst when it hurts most for its
size. Each rate is indexed on the client's (1.0 = the client's average) and the score is the
mean index over the dimensions available. Shares of the client total stay in the table for
context. A Pareto cut names the few projects behind most of each dimension.
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
#: The exposure each dimension is divided by: (column, what one unit of it is).
EXPOSURES = {
    "delay_days": ("milestones_due", "per milestone due"),
    "leakage": ("billable", "per unit of billable value"),
    "schedule_overrun_days": ("projects", "per project"),
    "cost_overrun": ("budget", "per unit of budget"),
    "defects": ("milestones_delivered", "per milestone delivered"),
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
        ``by`` (and ``segment`` for projects), one column per dimension, the exposures
        (``milestones_due``, ``billable``, ``projects``, ``budget``,
        ``milestones_delivered`` as available), and per dimension ``<dim>_share`` (of the
        client total), ``<dim>_per_unit`` (the dimension over its exposure, see
        :data:`EXPOSURES`; without a milestone ledger, per project) and ``<dim>_index`` (that
        rate over the client's); ``score`` (mean index) and ``rank`` (1 = worst).
    """
    keys = projects[["project_id", "segment"]].drop_duplicates("project_id")
    per_project = keys.set_index("project_id")
    exposure = _exposures(projects, ledger, per_project.index)
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
    units = list(exposure.columns)
    per_project = per_project.join(exposure)
    if by == "segment":
        table = per_project.groupby("segment")[[*dims, *units]].sum()
    else:
        table = per_project[["segment", *dims, *units]]
    table.index.name = by
    indices = []
    for dim in dims:
        total = table[dim].sum()
        table[f"{dim}_share"] = (table[dim] / total).round(4) if total else 0.0
        unit = EXPOSURES[dim][0] if EXPOSURES[dim][0] in units else "projects"
        rate = table[dim] / table[unit].where(table[unit] > 0)
        client = total / table[unit].sum() if table[unit].sum() else np.nan
        table[f"{dim}_per_unit"] = rate.round(6)
        table[f"{dim}_index"] = (rate / client).round(4) if client else 0.0
        indices.append(f"{dim}_index")
    table["score"] = table[indices].mean(axis=1).round(4) if indices else 0.0
    table = table.sort_values("score", ascending=False)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index()


def _exposures(projects: pd.DataFrame, ledger: pd.DataFrame | None, ids: pd.Index) -> pd.DataFrame:
    """Per project: what each pain dimension is measured against (see :data:`EXPOSURES`)."""
    out = pd.DataFrame(index=ids)
    out["projects"] = 1.0
    if "budget" in projects.columns:
        budget = projects.drop_duplicates("project_id").set_index("project_id")["budget"]
        out["budget"] = pd.to_numeric(budget, errors="coerce").reindex(ids).fillna(0.0)
    if ledger is not None and not ledger.empty:
        by_project = ledger.groupby("project_id")
        due = ledger["status"] != "not due"
        out["milestones_due"] = due.groupby(ledger["project_id"]).sum().reindex(ids)
        out["billable"] = by_project["billable_amount"].sum().reindex(ids)
        delivered = ledger["delivered_date"].notna()
        out["milestones_delivered"] = delivered.groupby(ledger["project_id"]).sum().reindex(ids)
    return out.fillna(0.0).astype("float64")


def pain_view(table: pd.DataFrame, *, by: str = "segment") -> pd.DataFrame:
    """The pain-point ranking as the chapter shows it: rank, score and each dimension's index
    (1.0 = the client's average); amounts, shares and exposures stay in the metrics."""
    if table.empty:
        return table
    dims = [d for d in DIMENSIONS if f"{d}_index" in table.columns]
    lead = [by, *(["segment"] if by != "segment" and "segment" in table.columns else [])]
    cols = [*lead, "rank", "score", *[f"{d}_index" for d in dims]]
    cols += [c for c in ("leading_on",) if c in table.columns]
    return table[cols].reset_index(drop=True)


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
            if t[f"{d}_index"].max() > 0 and row[f"{d}_index"] == t[f"{d}_index"].max()
        )
        for _, row in t.iterrows()
    ]
    if t.empty or not dims:
        return CheckResult(t)
    top = t.iloc[0]
    parts = [
        f"{DIMENSIONS[d]} {EXPOSURES[d][1]} {top[f'{d}_index']:.1f} times the client's "
        f"({top[f'{d}_share']:.0%} of the total)"
        for d in dims
        if pd.notna(top[f"{d}_index"])
    ]
    finding = finding_from_ids(
        check="segment_pain_points",
        area=AREA,
        code="PAIN",
        severity="info",
        title=f"{top[by]} is the segment with the most pain points for its size",
        summary=(
            f"Measured against its exposure, {top[by]} has "
            + "; ".join(parts)
            + f" (mean index {top['score']:.2f}, the client's average being 1.00)."
            + (f" It leads on {top['leading_on']}." if top["leading_on"] else "")
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
