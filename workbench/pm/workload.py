"""PM versus PMO workload: where project managers' hours go, and how many projects they carry.

The consultancy's central point: organisations load PMO work (portfolio reporting, template
upkeep, audits, KPI packs) onto their project managers, which the consultancy's experience
links to PMs burning out and leaving (a claim this module does not test). This module
measures the load from ``timesheets`` and an editable activity catalogue (activity ->
category in {pm, pmo, delivery, other}):

* each PM's share of hours worked on PMO-type work, overall and per month (leave, other
  non-work and unclassified activities left out of the denominator);
* concurrent projects per PM, weighted by size through editable budget bands (a large project
  counts more than a small one), per month of the engagement period;
* the PMO-type hours logged outside the PMO, i.e. what a PMO would absorb, in hours and FTE.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from workbench.classify import LOW_CONFIDENCE, Matcher
from workbench.findings import Finding, finding_from_ids
from workbench.pm._frames import (
    as_dates,
    as_ids,
    as_numbers,
    ended_without_date,
    lower_text,
    period_months,
)

CATEGORIES = ("pm", "pmo", "delivery", "other")
#: The categories that are work; shares of time are of these hours (not leave, not unknown).
WORK_CATEGORIES = ("pm", "pmo", "delivery")
_PM_ROLE = re.compile(r"project manager|\bpm\b", re.IGNORECASE)
_PMO_ROLE = re.compile(r"\bpmo\b|portfolio office|project office", re.IGNORECASE)


def classify_hours(
    timesheets: pd.DataFrame,
    catalogue: pd.DataFrame,
    period_start: object | None = None,
    period_end: object | None = None,
    overrides: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Timesheet rows with the category of their activity and their month.

    Parameters
    ----------
    timesheets : DataFrame
        person_id, date, hours, activity [project_id].
    catalogue : DataFrame
        The activity catalogue: activity, category [description, synonyms, keywords].
        Each activity label is classified by :class:`workbench.classify.Matcher` (exact,
        synonym, keyword or fuzzy match); a label nothing matches is ``unclassified``.
    period_start, period_end : date-like, optional
        Rows outside the engagement period are dropped.
    overrides : mapping of str to str, optional
        Label -> category or catalogue activity, as the consultant decided
        (``classify: {activity_catalogue: ...}`` in engagement.yaml).

    Returns
    -------
    DataFrame
        The rows with ``category``, ``entry`` (the catalogue activity matched),
        ``confidence``, ``method`` and ``month``.
    """
    ts = as_ids(as_numbers(as_dates(timesheets, ["date"]), ["hours"]), ["person_id"])
    ts = ts.dropna(subset=["person_id", "date"])
    if period_start is not None:
        ts = ts[ts["date"] >= pd.Timestamp(period_start)]
    if period_end is not None:
        ts = ts[ts["date"] <= pd.Timestamp(period_end)]
    matcher = Matcher.from_frame(catalogue, "activity", "category", overrides)
    ts = ts.assign(activity_key=lower_text(ts["activity"]))
    decided = matcher.classify(ts["activity"].astype("string").fillna("")).set_index("label")
    labels = ts["activity"].astype("string").fillna("")
    ts["category"] = labels.map(decided["class"]).astype("string")
    ts.loc[~ts["category"].isin(CATEGORIES), "category"] = "unclassified"
    ts["entry"] = labels.map(decided["entry"]).astype("string")
    ts["confidence"] = labels.map(decided["confidence"]).astype("float64")
    ts["method"] = labels.map(decided["method"]).astype("string")
    ts["month"] = ts["date"].dt.to_period("M").astype(str)
    ts["hours"] = ts["hours"].fillna(0.0)
    return ts.reset_index(drop=True)


def activity_classification(classified: pd.DataFrame) -> pd.DataFrame:
    """How each activity label was classified, with its hours: the table the chapter shows.

    Returns
    -------
    DataFrame
        activity, hours, rows, category, entry, confidence, method; most hours first.
    """
    if classified.empty:
        return pd.DataFrame(
            columns=["activity", "hours", "rows", "category", "entry", "confidence", "method"]
        )
    return (
        classified.groupby("activity", dropna=False)
        .agg(
            hours=("hours", "sum"),
            rows=("hours", "size"),
            category=("category", "first"),
            entry=("entry", "first"),
            confidence=("confidence", "first"),
            method=("method", "first"),
        )
        .reset_index()
        .sort_values(["hours", "activity"], ascending=[False, True])
        .reset_index(drop=True)
    )


def uncertain_activities(
    table: pd.DataFrame, min_confidence: float = LOW_CONFIDENCE
) -> pd.DataFrame:
    """Labels unclassified or classified with a confidence below ``min_confidence``."""
    return table[
        (table["category"] == "unclassified") | (table["confidence"] < min_confidence)
    ].reset_index(drop=True)


def unclassified_activities(classified: pd.DataFrame) -> pd.DataFrame:
    """Activities logged that the catalogue does not classify, with rows and hours."""
    rows = classified[classified["category"] == "unclassified"]
    return (
        rows.groupby("activity", dropna=False)
        .agg(rows=("hours", "size"), hours=("hours", "sum"))
        .reset_index()
        .sort_values("hours", ascending=False)
        .reset_index(drop=True)
    )


def project_managers(staff: pd.DataFrame | None, projects: pd.DataFrame | None) -> list[str]:
    """People who manage projects: a PM role in ``staff`` or named as a project's ``pm_id``.

    PMO staff are left out even when they manage a project: PMO work is their job.
    """
    ids: set[str] = set()
    pmo = set(pmo_staff(staff))
    if staff is not None and not staff.empty:
        st = as_ids(staff, ["person_id"])
        role = st["role"].astype("string").fillna("")
        ids |= set(st.loc[role.str.contains(_PM_ROLE), "person_id"].dropna())
    if projects is not None and "pm_id" in projects.columns:
        ids |= set(as_ids(projects, ["pm_id"])["pm_id"].dropna())
    return sorted(ids - pmo)


def pmo_staff(staff: pd.DataFrame | None) -> list[str]:
    """People whose role or team is the PMO."""
    if staff is None or staff.empty:
        return []
    st = as_ids(staff, ["person_id"])
    text = st["role"].astype("string").fillna("")
    if "team" in st.columns:
        text = text + " " + st["team"].astype("string").fillna("")
    return sorted(st.loc[text.str.contains(_PMO_ROLE), "person_id"].dropna())


def time_shares(classified: pd.DataFrame, people: Iterable[str]) -> pd.DataFrame:
    """Hours per category and the share of each, for each person in ``people``.

    People with no timesheet row are kept with zero hours, NaN shares and
    ``has_timesheets`` False. The shares (``pm_share``, ``pmo_share``, ``delivery_share``)
    are of the hours worked, ``worked_hours`` (PM, PMO and delivery): leave and other
    non-work (``other_hours``) and activities the catalogue does not classify
    (``unclassified_hours``, stated as a limitation) would only dilute them.
    """
    people = sorted(set(people))
    rows = classified[classified["person_id"].isin(people)]
    pivot = rows.pivot_table(
        index="person_id", columns="category", values="hours", aggfunc="sum", fill_value=0.0
    )
    pivot = pivot.reindex(index=people, columns=[*CATEGORIES, "unclassified"], fill_value=0.0)
    pivot.columns = [f"{c}_hours" for c in pivot.columns]
    out = pivot.reset_index().rename(columns={"index": "person_id"})
    out["total_hours"] = out[[f"{c}_hours" for c in (*CATEGORIES, "unclassified")]].sum(axis=1)
    out["worked_hours"] = out[[f"{c}_hours" for c in WORK_CATEGORIES]].sum(axis=1)
    out["has_timesheets"] = out["person_id"].isin(set(rows["person_id"]))
    for cat in WORK_CATEGORIES:
        out[f"{cat}_share"] = (out[f"{cat}_hours"] / out["worked_hours"]).where(
            out["worked_hours"] > 0
        )
    return out


def monthly_pmo_share(classified: pd.DataFrame, people: Iterable[str]) -> pd.DataFrame:
    """PMO share of hours worked per month, per person and for the group (``person_id``
    "all"); ``total_hours`` are the hours worked (see :func:`time_shares`)."""
    rows = classified[
        classified["person_id"].isin(set(people)) & classified["category"].isin(WORK_CATEGORIES)
    ]
    if rows.empty:
        return pd.DataFrame(columns=["month", "person_id", "pmo_hours", "total_hours", "pmo_share"])
    rows = rows.assign(pmo_hours=rows["hours"].where(rows["category"] == "pmo", 0.0))
    per = (
        rows.groupby(["month", "person_id"])
        .agg(pmo_hours=("pmo_hours", "sum"), total_hours=("hours", "sum"))
        .reset_index()
    )
    group = (
        rows.groupby("month")
        .agg(pmo_hours=("pmo_hours", "sum"), total_hours=("hours", "sum"))
        .reset_index()
    )
    group["person_id"] = "all"
    out = pd.concat([per, group], ignore_index=True)
    out["pmo_share"] = (out["pmo_hours"] / out["total_hours"]).where(out["total_hours"] > 0)
    return out.sort_values(["month", "person_id"]).reset_index(drop=True)


def project_weights(projects: pd.DataFrame, bands: pd.DataFrame) -> pd.Series:
    """Size weight of each project from its budget and the band table.

    ``bands`` has band, budget_from, budget_to, weight; a budget falls in a band when
    ``budget_from <= budget < budget_to`` (a blank ``budget_to`` is open-ended). A project
    without a budget, or outside every band, weighs 1.
    """
    proj = as_numbers(projects, ["budget"])
    b = as_numbers(bands, ["budget_from", "budget_to", "weight"])
    weight = pd.Series(1.0, index=proj.index)
    for band in b.itertuples():
        upper = np.inf if pd.isna(band.budget_to) else band.budget_to
        lower = -np.inf if pd.isna(band.budget_from) else band.budget_from
        inside = (proj["budget"] >= lower) & (proj["budget"] < upper)
        weight[inside] = float(band.weight)
    return weight


def concurrent_load(
    projects: pd.DataFrame,
    bands: pd.DataFrame,
    period_start: object,
    period_end: object,
    *,
    last_activity: pd.Series | None = None,
) -> pd.DataFrame:
    """Projects each PM runs in each month of the period, counted and weighted by size.

    A project runs from its actual start (else baseline start) to its actual finish (else
    forecast, else baseline finish; an active project whose forecast has passed runs to the
    period end). Planned projects are not counted. A project closed or cancelled without an
    actual finish ended at an unknown date: it runs to its last trace in ``last_activity``
    (project_id -> date, e.g. its last snapshot or timesheet entry) and is left out when it
    has none, never carried to its planned finish.

    Returns
    -------
    DataFrame
        month, pm_id, projects (count), weighted (sum of size weights), project_ids.
    """
    proj = as_ids(
        as_dates(
            projects,
            [
                "actual_start",
                "baseline_start",
                "actual_finish",
                "forecast_finish",
                "baseline_finish",
            ],
        ),
        ["project_id", "pm_id"],
    )
    proj = proj.assign(weight=project_weights(proj, bands).to_numpy())
    start = _first_present(proj, ["actual_start", "baseline_start"])
    end = _first_present(proj, ["actual_finish", "forecast_finish", "baseline_finish"])
    status = (
        lower_text(proj["status"]) if "status" in proj.columns else pd.Series("", index=proj.index)
    )
    end = end.where(
        ~((status == "active") & (end < pd.Timestamp(period_end))), pd.Timestamp(period_end)
    )
    undated = proj["project_id"].isin(ended_without_date(projects))
    if undated.any():
        trace = proj["project_id"].map(last_activity) if last_activity is not None else None
        end = end.where(~undated, pd.to_datetime(trace) if trace is not None else pd.NaT)
        proj = proj[~undated | end.notna()]
        end = end[proj.index]
        start = start[proj.index]
        status = status[proj.index]
    proj = proj.assign(_start=start, _end=end)
    proj = proj[(status != "planned") & proj["pm_id"].notna() & proj["_start"].notna()]
    rows = []
    for month in period_months(period_start, period_end):
        m_start, m_end = month.start_time, month.end_time
        running = proj[
            (proj["_start"] <= m_end) & (proj["_end"].isna() | (proj["_end"] >= m_start))
        ]
        for pm_id, group in running.groupby("pm_id"):
            rows.append(
                {
                    "month": str(month),
                    "pm_id": pm_id,
                    "projects": len(group),
                    "weighted": float(group["weight"].sum()),
                    "project_ids": ", ".join(sorted(group["project_id"].astype(str))),
                }
            )
    return pd.DataFrame(rows, columns=["month", "pm_id", "projects", "weighted", "project_ids"])


def last_activity(
    snapshots: pd.DataFrame | None = None, timesheets: pd.DataFrame | None = None
) -> pd.Series:
    """The last trace of each project: its latest snapshot or hours booked to it."""
    traces = []
    if snapshots is not None and not snapshots.empty:
        snaps = as_ids(as_dates(snapshots, ["period_end"]), ["project_id"])
        traces.append(snaps.groupby("project_id")["period_end"].max())
    if timesheets is not None and "project_id" in timesheets.columns and not timesheets.empty:
        ts = as_ids(as_dates(timesheets, ["date"]), ["project_id"])
        traces.append(ts.groupby("project_id")["date"].max())
    if not traces:
        return pd.Series(dtype="datetime64[ns]")
    return pd.concat(traces, axis=1).max(axis=1)


def _first_present(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for col in reversed(columns):
        if col in frame.columns:
            out = frame[col].astype("datetime64[ns]").where(frame[col].notna(), out)
    return out


def overload_table(
    load: pd.DataFrame, pm_ids: Iterable[str], max_weighted: float, min_months: int
) -> pd.DataFrame:
    """Per PM: peak and mean weighted load, months above ``max_weighted``, and the verdict.

    A PM is overloaded when the weighted load exceeds ``max_weighted`` in at least
    ``min_months`` months of the period (a one-month overlap at a handover is not overload).
    """
    pm_ids = sorted(set(pm_ids))
    months = load["month"].nunique() if not load.empty else 0
    grouped = load.groupby("pm_id").agg(
        peak_weighted=("weighted", "max"),
        total_weighted=("weighted", "sum"),
        peak_projects=("projects", "max"),
        months_over=("weighted", lambda s: int((s > max_weighted).sum())),
    )
    out = grouped.reindex(pm_ids).fillna(0.0)
    out["mean_weighted"] = out["total_weighted"] / months if months else np.nan
    out["months_over"] = out["months_over"].astype(int)
    out["peak_projects"] = out["peak_projects"].astype(int)
    latest = load[load["month"] == load["month"].max()].set_index("pm_id") if months else None
    out["current_weighted"] = (
        latest["weighted"].reindex(out.index).fillna(0.0) if latest is not None else 0.0
    )
    out["overloaded"] = out["months_over"] >= min_months
    out.index.name = "pm_id"
    return out.drop(columns="total_weighted").reset_index()


def pmo_absorbable(
    classified: pd.DataFrame,
    pmo_ids: Iterable[str],
    period_start: object,
    period_end: object,
    fte_hours_per_year: float,
) -> pd.DataFrame:
    """PMO-type hours logged by people outside the PMO: what a PMO would take over.

    Returns
    -------
    DataFrame
        person_id, pmo_hours, hours_per_year, fte (hours per year over ``fte_hours_per_year``),
        most hours first.
    """
    years = max((pd.Timestamp(period_end) - pd.Timestamp(period_start)).days + 1, 1) / 365.25
    rows = classified[
        (classified["category"] == "pmo") & ~classified["person_id"].isin(set(pmo_ids))
    ]
    out = rows.groupby("person_id").agg(pmo_hours=("hours", "sum")).reset_index()
    out["hours_per_year"] = out["pmo_hours"] / years
    out["fte"] = out["hours_per_year"] / fte_hours_per_year
    return out.sort_values("pmo_hours", ascending=False).reset_index(drop=True)


def misplaced_activities(
    classified: pd.DataFrame,
    pm_ids: Iterable[str],
    catalogue: pd.DataFrame,
    period_start: object,
    period_end: object,
) -> pd.DataFrame:
    """PMO activities that project managers perform, with hours per year and who does them."""
    years = max((pd.Timestamp(period_end) - pd.Timestamp(period_start)).days + 1, 1) / 365.25
    rows = classified[(classified["category"] == "pmo") & classified["person_id"].isin(set(pm_ids))]
    if rows.empty:
        return pd.DataFrame(
            columns=["activity", "description", "hours", "hours_per_year", "people", "pms"]
        )
    out = (
        rows.groupby("activity_key")
        .agg(
            activity=("activity", "first"),
            entry=("entry", "first"),
            hours=("hours", "sum"),
            people=("person_id", lambda s: ", ".join(sorted(set(s.astype(str))))),
            pms=("person_id", "nunique"),
        )
        .reset_index()
    )
    # the description of the catalogue activity the label was matched to
    desc = catalogue.assign(entry_key=lower_text(catalogue["activity"]))
    if "description" in desc.columns:
        out = out.assign(entry_key=lower_text(out["entry"])).merge(
            desc[["entry_key", "description"]].drop_duplicates("entry_key"),
            on="entry_key",
            how="left",
        )
    else:
        out["description"] = ""
    out["hours_per_year"] = out["hours"] / years
    return (
        out[["activity", "description", "hours", "hours_per_year", "people", "pms"]]
        .sort_values("hours", ascending=False)
        .reset_index(drop=True)
    )


def pmo_work_findings(shares: pd.DataFrame, threshold: float) -> list[Finding]:
    """PMs whose share of hours on PMO work exceeds ``threshold`` (check ``pmo_work_on_pms``)."""
    measured = shares[shares["has_timesheets"]]
    hit = measured[measured["pmo_share"] > threshold].sort_values("pmo_share", ascending=False)
    if hit.empty:
        return []
    who = ", ".join(f"{r.person_id} ({r.pmo_share:.0%})" for r in hit.itertuples())
    hours = float(hit["pmo_hours"].sum())
    return [
        finding_from_ids(
            check="pmo_work_on_pms",
            area="PM versus PMO workload",
            severity="high",
            title=f"{len(hit)} project managers spend more than {threshold:.0%} of their time on "
            f"PMO work",
            summary=(
                f"{len(hit)} of {len(measured)} project managers with timesheets spend more "
                f"than {threshold:.0%} of their hours worked on PMO-type activities (portfolio "
                f"reporting, audits, templates, KPI packs): {who}; {hours:,.0f} hours in the "
                "period, time taken from their projects. Whether it drives PMs to leave is not "
                "measured here."
            ),
            entity_type="person",
            ids=hit["person_id"].tolist(),
            population_count=len(measured),
            recommendation=(
                "Move the PMO activities listed in the workload section to PMO staff (or "
                "create the PMO role), and give the PMs back the time for their projects."
            ),
            corrective_action=(
                "Re-assign the recurring PMO tasks of the named PMs within one month; agree the "
                "hand-over with the PMO lead."
            ),
            preventive_action=(
                "Separate PM and PMO job descriptions; track the PMO share of PM hours monthly "
                "as a PMO KPI with an alert above the threshold."
            ),
            owner_role="PMO",
            code="LOAD",
        )
    ]


def overload_findings(
    overload: pd.DataFrame, max_weighted: float, min_months: int
) -> list[Finding]:
    """PMs running more weighted projects than ``max_weighted`` (check ``pm_overloaded``)."""
    hit = overload[overload["overloaded"]].sort_values("peak_weighted", ascending=False)
    if hit.empty:
        return []
    who = ", ".join(
        f"{r.pm_id} (peak {r.peak_weighted:.1f}, {r.months_over} months over)"
        for r in hit.itertuples()
    )
    return [
        finding_from_ids(
            check="pm_overloaded",
            area="PM versus PMO workload",
            severity="high" if (hit["peak_weighted"] > 1.5 * max_weighted).any() else "medium",
            title=f"{len(hit)} project managers carry more than {max_weighted:g} size-weighted "
            f"projects at once",
            summary=(
                f"Weighted by budget band, {who} ran more than {max_weighted:g} concurrent "
                f"projects in at least {min_months} months of the period."
            ),
            entity_type="person",
            ids=hit["pm_id"].tolist(),
            population_count=len(overload),
            recommendation=(
                "Rebalance the portfolio: hand the next project of an overloaded PM to a PM with "
                "spare capacity, and set a cap on weighted concurrent projects in the resource "
                "plan."
            ),
            corrective_action="Re-assign at least one running project or add a deputy PM.",
            preventive_action=(
                "Check weighted load at every project start (portfolio resource review) before "
                "naming the PM."
            ),
            owner_role="PMO",
            code="OVER",
        )
    ]
