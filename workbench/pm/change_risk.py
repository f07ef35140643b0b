"""Change control and risk practice: how changes are decided and how risks are kept.

Change requests: the rate per project-month, the time to a decision (or, for a request still
waiting, its age at the cut-off), the cost and schedule impact of what was approved, and
scope growth through approved changes. Risks: register currency (open risks not reviewed for
longer than the agreed interval), risks without a current owner (blank, unknown, or someone
who has left), and high-exposure risks that were never escalated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.findings import Finding, finding_from_ids
from workbench.formats import money
from workbench.pm._frames import (
    as_dates,
    as_ids,
    as_numbers,
    fmt_ids,
    lower_text,
    safe_div,
    truthy,
)

_DECIDED = {"approved", "rejected", "declined", "accepted", "implemented", "closed"}
_APPROVED = {"approved", "accepted", "implemented"}
_WITHDRAWN = {"withdrawn", "cancelled", "canceled", "void"}
_RISK_CLOSED = {"closed", "retired", "cancelled", "canceled", "resolved", "expired"}


def change_request_status(crs: pd.DataFrame, as_of: object, decision_days: int) -> pd.DataFrame:
    """Each change request with its decision state and how long the decision took (or takes).

    Returns
    -------
    DataFrame
        The requests with ``state`` (decided, pending, withdrawn), ``approved``,
        ``decision_days`` (decided ones with both dates), ``age_days`` (pending ones, at
        ``as_of``) and ``late`` (decision took, or has waited, more than ``decision_days``).
        A request raised after ``as_of`` is left out.
    """
    crs = crs.copy()
    for col in ("decided_date", "cost_impact", "schedule_impact_days"):
        if col not in crs.columns:  # optional columns: added before coercion types them
            crs[col] = np.nan
    cr = as_ids(
        as_numbers(
            as_dates(crs, ["raised_date", "decided_date"]), ["cost_impact", "schedule_impact_days"]
        ),
        ["cr_id", "project_id"],
    )
    as_of = pd.Timestamp(as_of)
    cr = cr[cr["raised_date"].isna() | (cr["raised_date"] <= as_of)].copy()
    # A decision dated after the cut-off was still pending at the cut-off, whatever the
    # status says now.
    later = cr["decided_date"] > as_of
    cr.loc[later, "decided_date"] = pd.NaT
    status = lower_text(cr["status"])
    decided = (cr["decided_date"].notna() | status.isin(_DECIDED)) & ~later
    withdrawn = status.isin(_WITHDRAWN) & cr["decided_date"].isna() & ~later
    cr["state"] = np.select([withdrawn, decided], ["withdrawn", "decided"], "pending")
    cr["approved"] = status.isin(_APPROVED) & ~later
    cr["decision_days"] = (cr["decided_date"] - cr["raised_date"]).dt.days.astype("float64")
    age = (as_of - cr["raised_date"]).dt.days.astype("float64")
    cr["age_days"] = age.where(cr["state"] == "pending")
    cr["late"] = (
        ((cr["decision_days"] > decision_days) | (cr["age_days"] > decision_days))
        .fillna(False)
        .astype(bool)
    )
    return cr.reset_index(drop=True)


def change_request_stats(
    status: pd.DataFrame, projects: pd.DataFrame, as_of: object
) -> pd.DataFrame:
    """Per project: requests, rate per project-month, decision time and approved impact.

    ``cost_growth`` is the approved cost impact over the project's budget.
    """
    proj = as_ids(
        as_numbers(
            as_dates(projects, ["actual_start", "baseline_start", "actual_finish"]), ["budget"]
        ),
        ["project_id"],
    )
    start = proj["actual_start"] if "actual_start" in proj.columns else proj["baseline_start"]
    start = start.fillna(proj["baseline_start"]) if "baseline_start" in proj.columns else start
    end = (
        proj["actual_finish"]
        if "actual_finish" in proj.columns
        else pd.Series(pd.NaT, index=proj.index)
    )
    end = end.fillna(pd.Timestamp(as_of)).clip(upper=pd.Timestamp(as_of))
    proj["months_running"] = ((end - start).dt.days / 30.4375).clip(lower=1)
    approved = status[status["approved"]]
    grouped = status.groupby("project_id").agg(
        change_requests=("cr_id", "size"),
        pending=("state", lambda s: int((s == "pending").sum())),
        late=("late", "sum"),
        median_decision_days=("decision_days", "median"),
    )
    impact = approved.groupby("project_id").agg(
        approved=("cr_id", "size"),
        approved_cost=("cost_impact", "sum"),
        approved_schedule_days=("schedule_impact_days", "sum"),
    )
    out = (
        proj[["project_id", "budget", "months_running"]]
        .merge(grouped, left_on="project_id", right_index=True, how="left")
        .merge(impact, left_on="project_id", right_index=True, how="left")
    )
    counts = [
        "change_requests",
        "pending",
        "late",
        "approved",
        "approved_cost",
        "approved_schedule_days",
    ]
    for col in counts:  # numeric even when no request matched a project (empty groups)
        out[col] = pd.to_numeric(out[col], errors="coerce").fillna(0)
    out["cr_per_month"] = safe_div(out["change_requests"], out["months_running"])
    out["cost_growth"] = safe_div(out["approved_cost"], out["budget"])
    return out.sort_values("cost_growth", ascending=False).reset_index(drop=True)


def cr_overdue_findings(status: pd.DataFrame, decision_days: int) -> list[Finding]:
    """Requests decided, or still waiting, beyond ``decision_days``.

    Check ``cr_decision_overdue``.
    """
    late = status[status["late"]]
    if late.empty:
        return []
    pending = late[late["state"] == "pending"]
    slow = late[late["state"] == "decided"]
    parts = []
    if len(pending):
        parts.append(
            f"{len(pending)} still wait for a decision (oldest "
            f"{pending['age_days'].max():.0f} days: {fmt_ids(pending['cr_id'])})"
        )
    if len(slow):
        parts.append(
            f"{len(slow)} were decided after a median {slow['decision_days'].median():.0f} days"
        )
    if late["cost_impact"].notna().any():
        # Pending changes add and remove cost: their net impact is context, not money at
        # risk, so it goes in the text and the finding carries no exception value.
        parts.append(f"net cost impact {late['cost_impact'].sum():,.0f}")
    return [
        finding_from_ids(
            check="cr_decision_overdue",
            area="Change control",
            severity="medium",
            title=f"{len(late)} change requests not decided within {decision_days} days",
            summary=(
                f"Of {len(status)} change requests, {len(late)} took longer than the "
                f"{decision_days}-day decision target: " + "; ".join(parts) + ". Undecided changes "
                "leave teams working on scope nobody has agreed to pay for."
            ),
            entity_type="change_request",
            ids=late["cr_id"].tolist(),
            population_count=len(status),
            recommendation=(
                "Put the waiting requests on the next change board with a decision date, and "
                "give the board a standing cadence short enough to meet the target."
            ),
            corrective_action="Decide every request older than the target within two weeks.",
            preventive_action=(
                "Change board meeting at a fixed cadence; PMO reports request age weekly and "
                "escalates requests past the target to the sponsor."
            ),
            owner_role="PMO",
            code="CR",
        )
    ]


def scope_growth_findings(
    stats: pd.DataFrame, threshold: float, currency: str = ""
) -> list[Finding]:
    """Projects whose approved changes add more than ``threshold`` of budget.

    Check ``cr_scope_growth``.
    """
    hit = stats[stats["cost_growth"] > threshold].sort_values("cost_growth", ascending=False)
    if hit.empty:
        return []
    who = ", ".join(
        f"{r.project_id} (+{r.cost_growth:.0%}, {int(r.approved)} changes)"
        for r in hit.itertuples()
    )
    value = float(hit["approved_cost"].sum())
    return [
        finding_from_ids(
            check="cr_scope_growth",
            area="Change control",
            severity="medium",
            title=f"{len(hit)} projects grew more than {threshold:.0%} through approved changes",
            summary=(
                f"Approved change requests added {money(value, currency)} to {len(hit)} "
                f"projects: {who}. Growth of this size is a re-plan, not a series of changes."
            ),
            entity_type="project",
            ids=hit["project_id"].tolist(),
            population_count=int((stats["change_requests"] > 0).sum()) or len(stats),
            population_value=float(stats["budget"].sum()),
            exception_value=value,
            recommendation=(
                "Re-baseline the grown projects formally (scope, budget, schedule, contract value) "
                "and check that every approved change was billed to the customer where the "
                "contract allows."
            ),
            corrective_action="Formal re-baseline and contract amendment for each project named.",
            preventive_action=(
                "A cumulative-change threshold in the change procedure above which the sponsor "
                "must approve a re-plan."
            ),
            owner_role="PM",
            code="SCOPE",
        )
    ]


_SCALE_PARAMETER = {"probability": "risk_probability_scale", "impact": "risk_impact_scale"}


def _unit_scale(values: pd.Series, scale: float | None) -> pd.Series:
    """A probability or impact column on 0-1, from the top of its declared scale.

    The scale is the engagement's, never the register's own maximum (a 1-10 register whose
    worst score is 5 is not a 1-5 register). Unknown scale, or a value outside 0..scale:
    NaN, so the risk is not scored (see :func:`risk_scale_problems`).
    """
    if scale is None or pd.isna(scale) or scale <= 0:
        return pd.Series(np.nan, index=values.index)
    return (values / scale).where((values >= 0) & (values <= scale))


def risk_scale_problems(
    risks: pd.DataFrame, probability_scale: float | None, impact_scale: float | None
) -> list[str]:
    """Why exposure could not be scored, as limitation sentences (empty when it could).

    Parameters
    ----------
    risks : DataFrame
        The ``risks`` table (risk_id, probability, impact).
    probability_scale, impact_scale : float or None
        The top of each scale as the engagement declares it (1 for 0-1, 5 for 1-5, 100 for
        percent, or an amount for impacts in money); None when not declared.
    """
    r = as_numbers(as_ids(risks, ["risk_id"]), ["probability", "impact"])
    out = []
    for column, scale in (("probability", probability_scale), ("impact", impact_scale)):
        if scale is None or pd.isna(scale) or scale <= 0:
            out.append(
                f"The scale of risk {column} is not declared (parameter "
                f"{_SCALE_PARAMETER[column]}: the top of the scale, e.g. 5 for 1-5, 100 for "
                "percent"
                + (", or the amount of the worst impact" if column == "impact" else "")
                + "): exposure and escalation were not assessed."
            )
            continue
        outside = r[(r[column] < 0) | (r[column] > scale)]
        if not outside.empty:
            where = (
                f"above the declared scale of {scale:g}"
                if (outside[column] > scale).all()
                else f"outside 0-{scale:g}"
            )
            ids = fmt_ids(outside["risk_id"].astype(str).tolist())
            out.append(f"Risk {column} {where} on {ids}: those risks are not scored.")
    return out


def risk_register(
    risks: pd.DataFrame,
    staff: pd.DataFrame | None,
    as_of: object,
    review_days: int,
    escalation_score: float,
    *,
    probability_scale: float | None = None,
    impact_scale: float | None = None,
) -> pd.DataFrame:
    """Each risk with the register-currency facts the audit tests.

    ``probability_scale`` and ``impact_scale`` are the tops of the client's scales as the
    engagement declares them; without them (or for a score outside its scale) ``exposure``
    is NaN and the risk is not judged on escalation.

    Returns
    -------
    DataFrame
        The risks with ``open``, ``days_since_review`` (from the last review, else from when
        the risk was raised), ``stale`` (open and not reviewed for more than ``review_days``),
        ``owner_state`` (ok, missing, unknown person, left), ``unowned`` (open and not ok),
        ``exposure`` (probability x impact, each divided by the top of its declared scale),
        ``high`` (exposure at or above ``escalation_score``),
        ``escalated`` and ``not_escalated`` (open, high and not escalated). Risks raised
        after ``as_of`` are left out.
    """
    r = as_ids(
        as_numbers(as_dates(risks, ["raised_date", "last_review_date"]), ["probability", "impact"]),
        ["risk_id", "project_id", "owner_id"],
    )
    for col in ("owner_id", "last_review_date", "escalated"):
        if col not in r.columns:
            r[col] = pd.NA if col != "last_review_date" else pd.NaT
    as_of = pd.Timestamp(as_of)
    r = r[r["raised_date"].isna() | (r["raised_date"] <= as_of)].copy()
    r["open"] = ~lower_text(r["status"]).isin(_RISK_CLOSED)
    reviewed = r["last_review_date"].where(r["last_review_date"] <= as_of)
    reference = reviewed.fillna(r["raised_date"])
    r["days_since_review"] = (as_of - reference).dt.days.astype("float64")
    # A risk with no date at all cannot show a review: it counts as stale.
    r["stale"] = r["open"] & (
        r["days_since_review"].isna() | (r["days_since_review"] > review_days)
    )
    known, left = set(), set()
    if staff is not None and not staff.empty:
        st = as_ids(as_dates(staff, ["leave_date"]), ["person_id"])
        known = set(st["person_id"].dropna())
        if "leave_date" in st.columns:
            left = set(st.loc[st["leave_date"] <= as_of, "person_id"].dropna())
    owner = r["owner_id"]
    r["owner_state"] = np.select(
        [owner.isna(), owner.isin(left), bool(known) & ~owner.isin(known)],
        ["missing", "left", "unknown person"],
        "ok",
    )
    r["unowned"] = r["open"] & (r["owner_state"] != "ok")
    r["exposure"] = _unit_scale(r["probability"], probability_scale) * _unit_scale(
        r["impact"], impact_scale
    )
    r["high"] = r["exposure"] >= escalation_score - 1e-12
    flagged = truthy(r["escalated"]) if r["escalated"].notna().any() else False
    r["escalated"] = flagged | (lower_text(r["status"]) == "escalated")
    r["not_escalated"] = r["open"] & r["high"] & ~r["escalated"]
    return r.reset_index(drop=True)


def risk_stats(register: pd.DataFrame) -> pd.DataFrame:
    """Per project: risks, open, stale, unowned, high exposure, escalated, not escalated."""
    out = (
        register.assign(
            open_high=register["open"] & register["high"],
            open_escalated=register["open"] & register["escalated"],
        )
        .groupby("project_id")
        .agg(
            risks=("risk_id", "size"),
            open=("open", "sum"),
            stale=("stale", "sum"),
            unowned=("unowned", "sum"),
            high=("open_high", "sum"),
            escalated=("open_escalated", "sum"),
            not_escalated=("not_escalated", "sum"),
            median_days_since_review=("days_since_review", "median"),
        )
        .reset_index()
    )
    return out.sort_values(["stale", "unowned"], ascending=False).reset_index(drop=True)


def _risk_finding(
    register: pd.DataFrame,
    mask: pd.Series,
    *,
    check: str,
    severity: str,
    title: str,
    summary: str,
    recommendation: str,
    corrective: str,
    preventive: str,
    code: str,
) -> list[Finding]:
    hit = register[mask]
    if hit.empty:
        return []
    opened = register[register["open"]]
    projects = sorted(set(hit["project_id"].dropna().astype(str)))
    return [
        finding_from_ids(
            check=check,
            area="Risk management",
            severity=severity,  # type: ignore[arg-type]
            title=title.format(n=len(hit), open=len(opened)),
            summary=summary.format(
                n=len(hit), open=len(opened), p=len(projects), projects=fmt_ids(projects)
            ),
            entity_type="risk",
            ids=hit["risk_id"].tolist(),
            population_count=len(opened),
            recommendation=recommendation,
            corrective_action=corrective,
            preventive_action=preventive,
            owner_role="PM",
            code=code,
        )
    ]


def risk_findings(
    register: pd.DataFrame, review_days: int, escalation_score: float
) -> list[Finding]:
    """Stale, unowned and unescalated risks (checks ``risk_review_overdue``, ``risk_unowned``,
    ``risk_not_escalated``)."""
    findings: list[Finding] = []
    findings += _risk_finding(
        register,
        register["stale"],
        check="risk_review_overdue",
        severity="medium",
        title="{n} open risks not reviewed for more than " + f"{review_days} days",
        summary=(
            "{n} of {open} open risks have not been reviewed for more than "
            f"{review_days} days, on {{p}} projects ({{projects}}). A register that is "
            "not kept current does not protect the project."
        ),
        recommendation="Review every stale risk with its owner at the next project meeting.",
        corrective=(
            "Each PM reviews the open risks of their projects within two weeks and "
            "records the review date."
        ),
        preventive=(
            "Risk review as a standing item of the monthly project review; the PMO "
            "reports register currency per project."
        ),
        code="RISK",
    )
    owner_text = register.loc[register["unowned"], "owner_state"].value_counts()
    detail = ", ".join(f"{n} {state}" for state, n in owner_text.items())
    findings += _risk_finding(
        register,
        register["unowned"],
        check="risk_unowned",
        severity="medium",
        title="{n} open risks have no current owner",
        summary=(
            "{n} of {open} open risks have no owner who is still with the organisation "
            f"({detail}), on {{p}} projects ({{projects}}). An unowned risk is nobody's "
            "action."
        ),
        recommendation="Name an owner for every open risk; re-assign the risks of leavers.",
        corrective="Assign owners to the listed risks this week.",
        preventive=(
            "Off-boarding checklist re-assigns a leaver's risks; the register refuses "
            "a risk without an owner."
        ),
        code="OWNER",
    )
    findings += _risk_finding(
        register,
        register["not_escalated"],
        check="risk_not_escalated",
        severity="high",
        title="{n} high-exposure risks were never escalated",
        summary=(
            "{n} open risks score at or above the escalation threshold "
            f"({escalation_score:g} on probability x impact, 0-1) but were not escalated, "
            "on {p} projects ({projects})."
        ),
        recommendation=(
            "Escalate the listed risks to the sponsor or steering committee with a response plan."
        ),
        corrective="Escalate each listed risk at the next steering committee.",
        preventive=(
            "An escalation rule in the risk procedure (exposure threshold) that the "
            "PMO checks monthly."
        ),
        code="ESC",
    )
    return findings
