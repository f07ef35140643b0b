"""Project health from earned value (PMBOK; ANSI/EIA-748) and earned schedule (Lipke 2003).

``evm_snapshots`` holds one row per project and reporting period with cumulative PV, EV and
AC; the project's ``budget`` is its BAC. Periods are calendar months counted from the
project's baseline start (the month of ``baseline_start`` is period 1), so AT, ES and the
planned duration PD are all in months and a project that skips a month of reporting does not
shift its own clock.

Earned schedule needs the planned-value curve beyond the status date when a project is ahead
of plan. The curve is the PV the project reported for every period (the baseline does not move
with the status date), closed at PD with BAC when the reported periods stop short of it; past
the point where the plan reaches its total, the curve ends (PV that stays flat at BAC after
the planned finish is not more plan, and counting it would make every finished project look
on time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from workbench.findings import Finding, finding_from_ids
from workbench.formats import money
from workbench.frames import present
from workbench.pm._frames import (
    as_dates,
    as_ids,
    as_numbers,
    lower_text,
    month_number,
    safe_div,
)

#: Indicator columns of :func:`project_periods`, in the order reports show them.
INDICATORS = [
    "pv",
    "ev",
    "ac",
    "bac",
    "sv",
    "cv",
    "spi",
    "cpi",
    "eac_cpi",
    "eac_atypical",
    "eac_composite",
    "eac_spread",
    "eac",
    "etc",
    "vac",
    "tcpi",
    "at",
    "es",
    "sv_t",
    "spi_t",
    "pd",
    "ieac_t",
]

#: Units of the indicators, for metric rows.
UNITS = {
    "pv": "currency",
    "ev": "currency",
    "ac": "currency",
    "bac": "currency",
    "sv": "currency",
    "cv": "currency",
    "spi": "ratio",
    "cpi": "ratio",
    "eac_cpi": "currency",
    "eac_atypical": "currency",
    "eac_composite": "currency",
    "eac_spread": "currency",
    "eac": "currency",
    "etc": "currency",
    "vac": "currency",
    "tcpi": "ratio",
    "at": "months",
    "es": "months",
    "sv_t": "months",
    "spi_t": "ratio",
    "pd": "months",
    "ieac_t": "months",
}

RAG_ORDER = ["red", "amber", "green", "no data"]
#: How ``eac`` (the basis of ETC and VAC) was forecast.
EAC_BASIS_CPI = "BAC / CPI"
EAC_BASIS_NO_EV = "AC + (BAC - EV): CPI undefined, cost incurred with no earned value"
EAC_BASIS_NO_CPI = "AC + (BAC - EV): no CPI yet"
#: Project columns carried into the period rows where the projects table has them.
_PROJECT_INFO = ("name", "pm_id", "status", "segment")


@dataclass(frozen=True)
class RagThresholds:
    """Index values below which a project turns red or amber (SPI(t) and CPI)."""

    spi_red: float = 0.85
    spi_amber: float = 0.95
    cpi_red: float = 0.85
    cpi_amber: float = 0.95


def earned_schedule(times: ArrayLike, pv: ArrayLike, ev: float) -> float:
    """Earned schedule ES = C + (EV - PV_C) / (PV_{C+1} - PV_C) (Lipke 2003).

    Parameters
    ----------
    times : array-like of float
        Period numbers of the planned-value points, increasing (period 0 with PV 0 is implied).
    pv : array-like of float
        Cumulative planned value at the end of each of those periods.
    ev : float
        Cumulative earned value at the status date.

    Returns
    -------
    float
        ES in periods; C is the last period whose PV does not exceed EV, interpolated linearly
        to the next point (which may be several periods away when reporting skipped months).
        EV at or beyond the end of the curve gives the curve's last period. NaN if EV is missing.
    """
    if ev is None or np.isnan(ev):
        return float("nan")
    t = np.concatenate([[0.0], np.asarray(times, dtype="float64")])
    p = np.concatenate([[0.0], np.asarray(pv, dtype="float64")])
    keep = ~np.isnan(p)
    t, p = t[keep], np.maximum.accumulate(p[keep])
    # The plan ends where it first reaches its total.
    end = int(np.argmax(p >= p.max()))
    t, p = t[: end + 1], p[: end + 1]
    c = int(np.nonzero(p <= ev)[0].max()) if (p <= ev).any() else 0
    if c == len(p) - 1:
        return float(t[c])
    return float(t[c] + (ev - p[c]) / (p[c + 1] - p[c]) * (t[c + 1] - t[c]))


def evm_indicators(
    pv: float, ev: float, ac: float, bac: float, at: float, es: float, pd_: float
) -> dict[str, float]:
    """Every earned-value and earned-schedule indicator for one status date.

    Parameters
    ----------
    pv, ev, ac : float
        Cumulative planned value, earned value and actual cost.
    bac : float
        Budget at completion.
    at : float
        Actual time: the status period number.
    es : float
        Earned schedule (see :func:`earned_schedule`).
    pd_ : float
        Planned duration in periods.

    Returns
    -------
    dict
        The :data:`INDICATORS`: SV, CV, SPI, CPI, EAC = BAC/CPI (``eac_cpi``), EAC = AC + BAC
        - EV (``eac_atypical``), EAC = AC + (BAC - EV)/(CPI*SPI) (``eac_composite``), their
        spread, ``eac`` (BAC/CPI, or AC + BAC - EV where CPI is undefined: the basis of ETC
        and VAC), TCPI(BAC), SV(t), SPI(t) and IEAC(t) = PD/SPI(t).
    """
    frame = pd.DataFrame(
        {"pv": [pv], "ev": [ev], "ac": [ac], "bac": [bac], "at": [at], "es": [es], "pd": [pd_]}
    )
    row = _indicators(frame).iloc[0]
    return {k: float(row[k]) for k in INDICATORS}


def _indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the derived indicators to a frame holding pv, ev, ac, bac, at, es and pd."""
    out = frame.copy()
    pv, ev, ac, bac = out["pv"], out["ev"], out["ac"], out["bac"]
    out["sv"] = ev - pv
    out["cv"] = ev - ac
    out["spi"] = safe_div(ev, pv)
    out["cpi"] = safe_div(ev, ac)
    out["eac_cpi"] = safe_div(bac, out["cpi"])
    out["eac_atypical"] = ac + (bac - ev)
    out["eac_composite"] = ac + safe_div(bac - ev, out["cpi"] * out["spi"])
    eacs = out[["eac_cpi", "eac_atypical", "eac_composite"]]
    out["eac_spread"] = eacs.max(axis=1, skipna=False) - eacs.min(axis=1, skipna=False)
    # BAC/CPI is undefined without a CPI (cost with no earned value, or no cost yet). Never
    # put BAC in its place: forecast the rest of the work at plan rates and say so.
    out["eac"] = out["eac_cpi"].fillna(out["eac_atypical"])
    out["eac_basis"] = pd.Series(
        np.select(
            [
                out["eac_cpi"].notna(),
                out["eac"].notna() & (ev == 0) & (ac > 0),
                out["eac"].notna(),
            ],
            [EAC_BASIS_CPI, EAC_BASIS_NO_EV, EAC_BASIS_NO_CPI],
            default="",
        ),
        index=out.index,
        dtype="string",
    )
    out["etc"] = out["eac"] - ac
    out["vac"] = bac - out["eac"]
    # TCPI is meaningless once the budget is spent: no efficiency recovers it.
    remaining = (bac - ac).where(bac - ac > 0)
    out["tcpi"] = safe_div(bac - ev, remaining)
    out["sv_t"] = out["es"] - out["at"]
    out["spi_t"] = safe_div(out["es"], out["at"])
    out["ieac_t"] = safe_div(out["pd"], out["spi_t"])
    return out


def closed_before(projects: pd.DataFrame, period_start: object) -> list[str]:
    """Projects that finished before ``period_start`` (``actual_finish`` earlier): outside the
    engagement period, so neither their health nor a forecast belongs in its report."""
    if "actual_finish" not in projects.columns:
        return []
    proj = as_ids(as_dates(projects, ["actual_finish"]), ["project_id"])
    done = proj["actual_finish"] < pd.Timestamp(period_start)
    return sorted(proj.loc[done, "project_id"].dropna().astype(str))


def ended_before(
    snapshots: pd.DataFrame, projects: pd.DataFrame, period_start: object
) -> list[str]:
    """Projects with snapshots that ended before ``period_start``: closed before it
    (:func:`closed_before`), or closed or cancelled without ``actual_finish`` and silent since.
    """
    start = pd.Timestamp(period_start)
    snaps = as_ids(as_dates(snapshots, ["period_end"]), ["project_id"])
    gone = set(closed_before(projects, start))
    if "status" in projects.columns:
        proj = as_ids(projects, ["project_id"])
        ended = proj.loc[lower_text(proj["status"]).isin(["closed", "cancelled"]), "project_id"]
        recent = set(snaps.loc[snaps["period_end"] >= start, "project_id"])
        gone |= set(ended.dropna()) - recent
    return sorted(gone & set(snaps["project_id"].dropna()))


def project_periods(
    snapshots: pd.DataFrame,
    projects: pd.DataFrame,
    period_end: object | None = None,
    *,
    period_start: object | None = None,
) -> pd.DataFrame:
    """Earned value and earned schedule for every project and reporting period.

    Parameters
    ----------
    snapshots : DataFrame
        ``evm_snapshots``: project_id, period_end, pv, ev, ac (cumulative).
    projects : DataFrame
        ``projects``: project_id, budget (BAC), baseline_start, baseline_finish, and for the
        report name, pm_id, status, segment where present.
    period_end : date-like, optional
        Snapshots after this date are ignored (the engagement's cut-off).
    period_start : date-like, optional
        Projects that ended before it are left out (:func:`ended_before`).

    Returns
    -------
    DataFrame
        One row per project and month: project_id, period_end, month (``YYYY-MM``), the
        :data:`INDICATORS` and ``eac_basis`` (how ``eac`` was forecast). Snapshots of
        projects missing from ``projects`` are dropped (see :func:`snapshot_issues`); of two
        snapshots in one month the later one is kept.
    """
    snaps = as_ids(
        as_numbers(as_dates(snapshots, ["period_end"]), ["pv", "ev", "ac"]), ["project_id"]
    )
    snaps = snaps.dropna(subset=["project_id", "period_end"])
    if period_end is not None:
        snaps = snaps[snaps["period_end"] <= pd.Timestamp(period_end)]
    if period_start is not None:
        snaps = snaps[~snaps["project_id"].isin(ended_before(snaps, projects, period_start))]
    proj = _project_frame(projects)
    snaps = snaps.merge(proj, on="project_id", how="inner")
    snaps["month"] = snaps["period_end"].dt.to_period("M").astype(str)
    snaps = snaps.sort_values(["project_id", "period_end"]).drop_duplicates(
        ["project_id", "month"], keep="last"
    )
    if snaps.empty:
        return pd.DataFrame(columns=["project_id", "period_end", "month", *INDICATORS, "eac_basis"])
    origin = month_number(snaps["baseline_start"])
    first = snaps.groupby("project_id")["period_end"].transform("min")
    origin = origin.fillna(month_number(first))
    snaps["at"] = month_number(snaps["period_end"]) - origin + 1
    snaps["pd"] = month_number(snaps["baseline_finish"]) - origin + 1
    snaps.loc[snaps["pd"] < 1, "pd"] = np.nan
    snaps["bac"] = snaps["budget"]
    snaps["es"] = np.nan
    for _, group in snaps.groupby("project_id", sort=False):
        times, pvs = _pv_curve(group)
        snaps.loc[group.index, "es"] = [earned_schedule(times, pvs, ev) for ev in group["ev"]]
    out = _indicators(snaps)
    keep = ["project_id", "period_end", "month", *INDICATORS, "eac_basis"]
    return out[keep + present(out, _PROJECT_INFO)].reset_index(drop=True)


def _project_frame(projects: pd.DataFrame) -> pd.DataFrame:
    proj = as_ids(
        as_numbers(as_dates(projects, ["baseline_start", "baseline_finish"]), ["budget"]),
        ["project_id", "pm_id"],
    )
    for col in ("budget", "baseline_start", "baseline_finish"):
        if col not in proj.columns:
            proj[col] = np.nan
    cols = ["project_id", "budget", "baseline_start", "baseline_finish"]
    cols += present(proj, _PROJECT_INFO)
    return proj[cols].drop_duplicates("project_id")


def _pv_curve(group: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The project's planned-value points, closed at (PD, BAC) when reporting stops short."""
    curve = group[["at", "pv"]].dropna().sort_values("at")
    times = curve["at"].to_numpy(dtype="float64")
    pvs = curve["pv"].to_numpy(dtype="float64")
    bac = float(group["bac"].iloc[0])
    pd_ = float(group["pd"].iloc[0])
    last_t = times[-1] if len(times) else 0.0
    last_pv = pvs[-1] if len(pvs) else 0.0
    if not np.isnan(pd_) and not np.isnan(bac) and pd_ > last_t and bac > last_pv:
        times = np.append(times, pd_)
        pvs = np.append(pvs, bac)
    return times, pvs


def snapshot_issues(snapshots: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Snapshot rows the analysis cannot use as they are, with the reason.

    Returns
    -------
    DataFrame
        project_id, period_end, issue: unknown project, missing date, two snapshots in one
        month (the later is used), negative PV/EV/AC.
    """
    snaps = as_ids(
        as_numbers(as_dates(snapshots, ["period_end"]), ["pv", "ev", "ac"]), ["project_id"]
    )
    known = set(as_ids(projects, ["project_id"])["project_id"].dropna())
    month = snaps["period_end"].dt.to_period("M")
    duplicated = snaps.assign(m=month).duplicated(["project_id", "m"], keep="last")
    issues = [
        snaps[~snaps["project_id"].isin(known)].assign(issue="project not in the projects table"),
        snaps[snaps["period_end"].isna()].assign(issue="period_end missing"),
        snaps[duplicated & snaps["period_end"].notna()].assign(
            issue="two snapshots in one month (the later one is used)"
        ),
        snaps[(snaps[["pv", "ev", "ac"]] < 0).any(axis=1)].assign(issue="negative PV, EV or AC"),
    ]
    out = pd.concat(issues, ignore_index=True)
    return out[["project_id", "period_end", "issue"]].reset_index(drop=True)


def rag_status(spi_t: pd.Series, cpi: pd.Series, thresholds: RagThresholds) -> pd.Series:
    """Red, amber or green from SPI(t) and CPI; "no data" where neither is known.

    A project is red if either index is below its red threshold, amber if either is below its
    amber threshold, green otherwise. One missing index leaves the verdict to the other.
    """
    spi_t = pd.to_numeric(spi_t, errors="coerce")
    cpi = pd.to_numeric(cpi, errors="coerce")
    red = (spi_t < thresholds.spi_red) | (cpi < thresholds.cpi_red)
    amber = (spi_t < thresholds.spi_amber) | (cpi < thresholds.cpi_amber)
    status = np.select([red, amber], ["red", "amber"], "green")
    status = np.where(spi_t.isna() & cpi.isna(), "no data", status)
    return pd.Series(status, index=spi_t.index, name="rag")


def latest_status(periods: pd.DataFrame, thresholds: RagThresholds) -> pd.DataFrame:
    """The last reported period of each project, with its RAG status, worst first."""
    if periods.empty:
        return periods.assign(rag=pd.Series(dtype="string"))
    latest = periods.sort_values("period_end").groupby("project_id").tail(1).copy()
    latest["rag"] = rag_status(latest["spi_t"], latest["cpi"], thresholds)
    latest["rag"] = pd.Categorical(latest["rag"], categories=RAG_ORDER, ordered=True)
    worst = latest[["spi_t", "cpi"]].min(axis=1)
    return (
        latest.assign(_worst=worst)
        .sort_values(["rag", "_worst"])
        .drop(columns="_worst")
        .reset_index(drop=True)
    )


def portfolio_totals(latest: pd.DataFrame) -> dict[str, float]:
    """Portfolio totals at each project's latest status: sums and cost-weighted indices.

    ``eac`` sums each project's ``eac`` (BAC/CPI, or AC + BAC - EV where CPI is undefined;
    ``eac_fallback_projects`` counts those); ``vac`` is BAC - EAC over the projects with a
    budget.
    """
    if latest.empty:
        return {}
    sums = latest[["bac", "pv", "ev", "ac"]].sum()
    eac = latest["eac"].sum()
    fallback = int((latest["eac_cpi"].isna() & latest["eac"].notna()).sum())
    counts = latest["rag"].astype(str).value_counts()
    return {
        "projects": float(len(latest)),
        "bac": float(sums["bac"]),
        "pv": float(sums["pv"]),
        "ev": float(sums["ev"]),
        "ac": float(sums["ac"]),
        "spi": float(safe_div(sums["ev"], sums["pv"])),
        "cpi": float(safe_div(sums["ev"], sums["ac"])),
        "eac": float(eac),
        "eac_fallback_projects": float(fallback),
        "vac": float(sums["bac"] - eac),
        "red": float(counts.get("red", 0)),
        "amber": float(counts.get("amber", 0)),
        "green": float(counts.get("green", 0)),
    }


def portfolio_trend(periods: pd.DataFrame) -> pd.DataFrame:
    """Portfolio CPI and SPI per month over the projects that reported that month."""
    if periods.empty:
        return pd.DataFrame(columns=["month", "projects", "pv", "ev", "ac", "spi", "cpi"])
    grouped = (
        periods.groupby("month")
        .agg(
            projects=("project_id", "nunique"),
            pv=("pv", "sum"),
            ev=("ev", "sum"),
            ac=("ac", "sum"),
        )
        .reset_index()
    )
    grouped["spi"] = safe_div(grouped["ev"], grouped["pv"])
    grouped["cpi"] = safe_div(grouped["ev"], grouped["ac"])
    return grouped.sort_values("month").reset_index(drop=True)


def worst_projects(latest: pd.DataFrame, n: int = 4) -> list[str]:
    """The ``n`` projects with the lowest of CPI and SPI(t), red ones first."""
    if latest.empty:
        return []
    ranked = latest.assign(_worst=latest[["spi_t", "cpi"]].min(axis=1)).sort_values(
        ["rag", "_worst"]
    )
    ranked = ranked[ranked["rag"].astype(str) != "no data"]
    return ranked["project_id"].head(n).astype(str).tolist()


def _below(latest: pd.DataFrame, index: str, threshold: float) -> pd.DataFrame:
    """The projects whose latest ``index`` is below ``threshold``, worst first."""
    if latest.empty:
        return latest
    return latest[latest[index] < threshold].sort_values(index)


def cost_overrun_findings(
    latest: pd.DataFrame, thresholds: RagThresholds, currency: str = ""
) -> list[Finding]:
    """Projects whose latest CPI is below the red threshold (check ``evm_cost_overrun``)."""
    hit = _below(latest, "cpi", thresholds.cpi_red)
    if hit.empty:
        return []
    overrun = float((-hit["vac"]).clip(lower=0).sum())
    worst = ", ".join(f"{r.project_id} (CPI {r.cpi:.2f})" for r in hit.head(4).itertuples())
    basis_of = hit["eac_basis"] if "eac_basis" in hit.columns else pd.Series("", index=hit.index)
    no_ev = hit.loc[basis_of == EAC_BASIS_NO_EV, "project_id"].astype(str).tolist()
    basis = "sum of VAC = BAC - BAC/CPI"
    if no_ev:
        basis += (
            f"; for {', '.join(no_ev)}, cost incurred with no earned value, EAC at current "
            "efficiency is undefined and AC + (BAC - EV) is used"
        )
    return [
        finding_from_ids(
            check="evm_cost_overrun",
            area="Project health",
            severity="critical" if overrun > 0.1 * float(latest["bac"].sum()) else "high",
            title=f"{len(hit)} projects overrun their budget (CPI below {thresholds.cpi_red:g})",
            summary=(
                f"{len(hit)} of {len(latest)} projects with earned-value data earn less than "
                f"{thresholds.cpi_red:g} of value per unit of cost: {worst}. At the current "
                f"cost efficiency they will finish {money(overrun, currency)} over budget "
                f"({basis})."
            ),
            entity_type="project",
            ids=hit["project_id"].tolist(),
            population_count=len(latest),
            population_value=float(latest["bac"].sum()),
            exception_value=overrun,
            recommendation=(
                "Review each overrunning project with its sponsor: re-estimate the cost to "
                "complete bottom-up, decide on scope, funding or recovery, and re-baseline only "
                "through change control."
            ),
            corrective_action=(
                "Recovery plan per project within two weeks, with an agreed EAC and a TCPI the "
                "team can meet; monthly review until CPI is back above the amber threshold."
            ),
            preventive_action=(
                "Cost baselines built from a WBS with contingency; CPI reviewed monthly against "
                "thresholds so that a drift is acted on before it becomes an overrun."
            ),
            owner_role="PM",
            code="COST",
        )
    ]


def schedule_delay_findings(
    latest: pd.DataFrame, thresholds: RagThresholds, currency: str = ""
) -> list[Finding]:
    """Projects whose latest SPI(t) is below the red threshold (check ``evm_schedule_delay``).

    A late project's budget is not money at risk: the finding carries no exception value,
    and its summary names the budget concerned.
    """
    hit = _below(latest, "spi_t", thresholds.spi_red)
    if hit.empty:
        return []
    slip = float((hit["ieac_t"] - hit["pd"]).clip(lower=0).sum())
    worst = ", ".join(
        f"{r.project_id} (SPI(t) {r.spi_t:.2f}, {max(r.ieac_t - r.pd, 0):.1f} months late)"
        for r in hit.head(4).itertuples()
    )
    return [
        finding_from_ids(
            check="evm_schedule_delay",
            area="Project health",
            severity="high",
            title=f"{len(hit)} projects are late (SPI(t) below {thresholds.spi_red:g})",
            summary=(
                f"{len(hit)} of {len(latest)} projects with earned-value data have earned less "
                f"than {thresholds.spi_red:g} of the schedule they have used: {worst}. At the "
                f"current pace they finish {slip:.1f} months late in total (IEAC(t) - PD), "
                f"on a budget of {money(float(hit['bac'].sum()), currency)}."
            ),
            entity_type="project",
            ids=hit["project_id"].tolist(),
            population_count=len(latest),
            population_value=float(latest["bac"].sum()),
            recommendation=(
                "Re-plan the late projects from their critical path: confirm the forecast "
                "finish with the customer and decide on added resources, re-sequencing or scope."
            ),
            corrective_action=(
                "A recovery schedule per project with a forecast finish the team commits to, "
                "tracked weekly until SPI(t) is back above the amber threshold."
            ),
            preventive_action=(
                "Schedules with logic and a critical path, progress measured monthly with "
                "earned schedule, and thresholds that trigger a recovery plan automatically."
            ),
            owner_role="PM",
            code="SCHED",
        )
    ]
