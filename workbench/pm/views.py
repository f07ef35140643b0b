"""The chapter's tables as the client reads them: chosen columns, plain headers, percentages.

Each function takes the :class:`~workbench.pm.audit.PMAudit` and returns a frame ready for
``pb.show``; the analysis frames keep their machine names for metrics and tests.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.pm.audit import PMAudit
from workbench.pm.maturity import LEVELS


def _pct(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")


def _named(audit: PMAudit, ids: pd.Series) -> pd.Series:
    return ids.astype(str).map(lambda i: f"{i} {audit.names.get(i, '')}".strip())


def totals_table(audit: PMAudit) -> pd.DataFrame:
    """Portfolio totals at the latest status of each project."""
    t = audit.totals
    if not t:
        return pd.DataFrame(columns=["measure", "value"])
    rows = [
        ("Projects with earned-value data", f"{t['projects']:.0f}"),
        ("Red / amber / green", f"{t['red']:.0f} / {t['amber']:.0f} / {t['green']:.0f}"),
        ("Budget at completion (BAC)", f"{t['bac']:,.0f}"),
        ("Planned value (PV)", f"{t['pv']:,.0f}"),
        ("Earned value (EV)", f"{t['ev']:,.0f}"),
        ("Actual cost (AC)", f"{t['ac']:,.0f}"),
        ("Portfolio SPI (EV / PV)", f"{t['spi']:.2f}"),
        ("Portfolio CPI (EV / AC)", f"{t['cpi']:.2f}"),
        ("Estimate at completion (sum of BAC / CPI)", f"{t['eac']:,.0f}"),
        ("Variance at completion", f"{t['vac']:,.0f}"),
    ]
    return pd.DataFrame(rows, columns=["measure", "value"])


def _fixed(values: pd.Series, digits: int) -> pd.Series:
    return values.map(lambda v: "" if pd.isna(v) else f"{v:,.{digits}f}")


def health_table(audit: PMAudit) -> pd.DataFrame:
    """Latest status per project: RAG and the indices, worst first."""
    latest = audit.latest
    if latest.empty:
        return latest
    return pd.DataFrame(
        {
            "project": latest["project_id"],
            "PM": latest.get("pm_id", ""),
            "status": latest.get("status", ""),
            "as of": latest["month"],
            "RAG": latest["rag"].astype(str),
            "CPI": _fixed(latest["cpi"], 2),
            "SPI": _fixed(latest["spi"], 2),
            "SPI(t)": _fixed(latest["spi_t"], 2),
            "SV(t) months": _fixed(latest["sv_t"], 1),
            "TCPI": _fixed(latest["tcpi"], 2),
            "IEAC(t) / PD months": [
                f"{i:.1f} / {p:.0f}" if pd.notna(i) and pd.notna(p) else ""
                for i, p in zip(latest["ieac_t"], latest["pd"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def forecast_table(audit: PMAudit) -> pd.DataFrame:
    """Cost forecasts of the red and amber projects: the three EACs, their spread, ETC, VAC.

    EAC (CPI) = BAC/CPI, the basis of ETC and VAC; EAC (plan rate) = AC + BAC - EV, the rest
    of the work at budget rates; EAC (CPI x SPI) = AC + (BAC - EV)/(CPI x SPI).
    """
    latest = audit.latest
    if latest.empty:
        return latest
    hit = latest[latest["rag"].astype(str).isin(["red", "amber"]) & (latest["ev"] < latest["bac"])]
    return pd.DataFrame(
        {
            "project": hit["project_id"],
            "RAG": hit["rag"].astype(str),
            "BAC": hit["bac"].round(0),
            "EAC (CPI)": hit["eac_cpi"].round(0),
            "EAC (plan rate)": hit["eac_atypical"].round(0),
            "EAC (CPI x SPI)": hit["eac_composite"].round(0),
            "spread": hit["eac_spread"].round(0),
            "ETC": hit["etc"].round(0),
            "VAC": hit["vac"].round(0),
        }
    ).reset_index(drop=True)


def maturity_table(audit: PMAudit) -> pd.DataFrame:
    """Level, mean and blend per area."""
    a = audit.areas
    if a.empty:
        return a
    return pd.DataFrame(
        {
            "area": a["label"],
            "framework": a["framework"],
            "answered": [f"{n} of {q}" for n, q in zip(a["answered"], a["questions"], strict=True)],
            "level achieved": a["level"].map(
                lambda v: "" if pd.isna(v) else f"{int(v)} {LEVELS[int(v)]}"
            ),
            "mean": _fixed(a["mean"], 2),
            "from the data": _fixed(a["data_score"], 2) if "data_score" in a else "",
            "blended": _fixed(a["blended"], 2) if "blended" in a else "",
            "target": audit.params.target_level,
        }
    )


def gap_table(audit: PMAudit) -> pd.DataFrame:
    """The ranked gap list: best practices not applied, with the recommendation."""
    g = audit.gaps
    if g.empty:
        return g
    return pd.DataFrame(
        {
            "rank": g["rank"],
            "area": g["area_label"],
            "question": g["question_id"],
            "practice": g["question"],
            "score": _fixed(g["score"], 1),
            "gap": _fixed(g["gap"], 1),
            "recommendation": g["recommendation"],
        }
    )


def capped_table(audit: PMAudit) -> pd.DataFrame:
    """Answers capped for lack of evidence."""
    r = audit.responses
    if r.empty:
        return r
    capped = r[r["capped"]]
    return pd.DataFrame(
        {
            "answer": capped["response_id"],
            "area": capped["area"],
            "claimed": _fixed(capped["raw_score"], 0),
            "scored": _fixed(capped["score"], 0),
        }
    )


def workload_table(audit: PMAudit) -> pd.DataFrame:
    """Per PM: share of hours per category, weighted load and the verdicts."""
    s = audit.shares
    if s.empty:
        return s
    load = audit.overload.set_index("pm_id") if not audit.overload.empty else pd.DataFrame()
    ids = s["person_id"].astype(str)
    p = audit.params
    flags = []
    for i, has, share in zip(ids, s["has_timesheets"], s["pmo_share"], strict=True):
        flag = [] if has else ["no timesheets"]
        if has and share > p.pmo_share_threshold:
            flag.append("PMO work")
        if len(load) and bool(load["overloaded"].get(i, False)):
            flag.append("overloaded")
        flags.append(", ".join(flag))
    out = pd.DataFrame(
        {
            "project manager": _named(audit, s["person_id"]),
            "hours": s["total_hours"].round(0),
            "PM": _pct(s["pm_share"]),
            "PMO": _pct(s["pmo_share"]),
            "delivery": _pct(s["delivery_share"]),
            "other": _pct(s["other_share"]),
            "peak load": _fixed(ids.map(load["peak_weighted"]), 1) if len(load) else "",
            "months over": ids.map(load["months_over"]) if len(load) else "",
            "flag": flags,
        }
    )
    order = s["pmo_share"].fillna(-1).sort_values(ascending=False).index
    return out.loc[order].reset_index(drop=True)


def absorb_table(audit: PMAudit) -> pd.DataFrame:
    """PMO-type hours logged outside the PMO, per person."""
    a = audit.absorb
    if a.empty:
        return a
    return pd.DataFrame(
        {
            "person": _named(audit, a["person_id"]),
            "PMO hours in the period": a["pmo_hours"].round(0),
            "hours a year": a["hours_per_year"].round(0),
            "FTE": a["fte"].round(2),
        }
    )


def misplaced_table(audit: PMAudit) -> pd.DataFrame:
    """PMO activities that PMs perform."""
    m = audit.misplaced
    if m.empty:
        return m
    return pd.DataFrame(
        {
            "activity": m["activity"],
            "what it is": m["description"],
            "hours a year": m["hours_per_year"].round(0),
            "done by": m["pms"].map(lambda n: f"{n} PMs" if n != 1 else "1 PM"),
        }
    )


def change_table(audit: PMAudit) -> pd.DataFrame:
    """Change requests per project, most growth first."""
    c = audit.cr_stats
    if c.empty:
        return c
    c = c[c["change_requests"] > 0]
    return pd.DataFrame(
        {
            "project": c["project_id"],
            "requests": c["change_requests"].astype(int),
            "per month": _fixed(c["cr_per_month"], 2),
            "pending": c["pending"].astype(int),
            "late": c["late"].astype(int),
            "median days": _fixed(c["median_decision_days"], 0),
            "approved cost": c["approved_cost"].round(0),
            "growth": _pct(c["cost_growth"]),
            "days added": c["approved_schedule_days"].round(0),
        }
    ).reset_index(drop=True)


def late_change_table(audit: PMAudit) -> pd.DataFrame:
    """Change requests not decided within the target."""
    c = audit.change_requests
    if c.empty:
        return c
    late = c[c["late"]].sort_values("raised_date")
    return pd.DataFrame(
        {
            "change request": late["cr_id"],
            "project": late["project_id"],
            "raised": late["raised_date"],
            "status": late["status"],
            "days to decide": _fixed(late["decision_days"], 0),
            "days waiting": _fixed(late["age_days"], 0),
            "cost impact": late["cost_impact"],
        }
    )


def risk_table(audit: PMAudit) -> pd.DataFrame:
    """Per project: register currency, ownership and escalation."""
    r = audit.risk_stats
    if r.empty:
        return r
    r = r[r["open"] > 0]
    return pd.DataFrame(
        {
            "project": r["project_id"],
            "risks": r["risks"].astype(int),
            "open": r["open"].astype(int),
            "stale": r["stale"].astype(int),
            "unowned": r["unowned"].astype(int),
            "high exposure": r["high"].astype(int),
            "escalated": r["escalated"].astype(int),
            "not escalated": r["not_escalated"].astype(int),
            "median days since review": _fixed(r["median_days_since_review"], 0),
        }
    ).reset_index(drop=True)


def risk_exceptions(audit: PMAudit) -> pd.DataFrame:
    """Every open risk that is stale, unowned or high and not escalated."""
    r = audit.risks
    if r.empty:
        return r
    hit = r[r["stale"] | r["unowned"] | r["not_escalated"]]
    problems = [
        ", ".join(x for x, on in (("stale", s), ("unowned: " + o, u), ("not escalated", n)) if on)
        for s, u, n, o in zip(
            hit["stale"], hit["unowned"], hit["not_escalated"], hit["owner_state"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "risk": hit["risk_id"],
            "project": hit["project_id"],
            "status": hit["status"],
            "owner": hit["owner_id"].fillna(""),
            "days since review": _fixed(hit["days_since_review"], 0),
            "exposure": hit["exposure"].round(2),
            "problem": problems,
        }
    ).reset_index(drop=True)


def governance_table(audit: PMAudit) -> pd.DataFrame:
    """Rules tested against the data, beside the questionnaire's claim."""
    d = audit.data_rules
    if d.empty:
        return d
    return pd.DataFrame(
        {
            "rule": d["rule"],
            "question": d["question_id"],
            "claimed": _fixed(d["claimed_score"], 0),
            "followed": _pct(d["compliance"]),
            "measured over": [
                f"{n:,.0f} {b}" if pd.notna(n) else ""
                for n, b in zip(d["population"], d["basis"], strict=True)
            ],
            "verdict": d["verdict"],
        }
    )


def pillar_table(audit: PMAudit) -> pd.DataFrame:
    """The PMO-pillar rules and what the questionnaire says of each."""
    p = audit.pillar_rules
    if p.empty:
        return p
    return pd.DataFrame(
        {
            "pillar": p["pillar"],
            "question": p["question_id"],
            "rule": p["question"],
            "score": _fixed(p["score"], 1),
            "status": p["status"],
        }
    )


def cadence_table(audit: PMAudit) -> pd.DataFrame:
    """Projects that missed monthly earned-value reporting, or never reported."""
    c = audit.cadence
    if c.empty:
        return c
    c = c[c["missing_months"] > 0].sort_values("missing_months", ascending=False)
    return pd.DataFrame(
        {
            "project": c["project_id"],
            "PM": c["pm_id"],
            "status": c["status"],
            "months expected": c["expected_months"],
            "months reported": c["reported_months"],
            "missing": c["missing"].where(c["has_data"], "no snapshot at all"),
        }
    ).reset_index(drop=True)


def show(pb: Any, frame: pd.DataFrame, title: str, empty: str, **kwargs: Any) -> None:
    """Show ``frame`` through the session, or say in one line that there is nothing to show."""
    if frame is None or frame.empty:
        pb.md(f"*{empty}*")
    else:
        pb.show(frame, title=title, **kwargs)


def method_markdown(audit: PMAudit) -> str:
    """The method and thresholds of this run, for the chapter's Method section."""
    p = audit.params
    return "\n".join(
        [
            "- **Maturity.** Questionnaire of evidence-backed practices per PMBOK 6 knowledge area "
            "and PMO pillar, answered 0-5 (0 absent, 1 ad hoc, 2 repeatable per project, "
            "3 organisation standard, 4 measured against thresholds, 5 improved from data; the "
            "scale of Axelos P3M3 and Kerzner's PMMM). Answers outside 0-5 are excluded; a score "
            "above 2 without evidence is capped at 2; a question scores the median of its "
            "respondents; an area's level achieved is the highest L with at least 80% of its "
            f"answered questions at L or above, and the radar shows the mean. Target level: "
            f"{p.target_level}. Blend with the data, weight {p.data_weight:g}: schedule with the "
            "share of projects with SPI(t) at or above amber, cost with the same share for CPI, "
            "risk with the share of open risks reviewed in time, PMO monitoring with the share of "
            "project-months reported (each share x 5).",
            "- **Earned value** (PMBOK; ANSI/EIA-748): SV = EV - PV, CV = EV - AC, SPI = EV/PV, "
            "CPI = EV/AC, EAC = BAC/CPI (used for ETC = EAC - AC and VAC = BAC - EAC), "
            "EAC = AC + (BAC - EV), EAC = AC + (BAC - EV)/(CPI x SPI), "
            "TCPI = (BAC - EV)/(BAC - AC). "
            "**Earned schedule** (Lipke 2003; ISO 21508): ES = C + (EV - PV_C)/(PV_C+1 - PV_C), "
            "SV(t) = ES - AT, SPI(t) = ES/AT, IEAC(t) = PD/SPI(t); periods are calendar months "
            "from the baseline start. RAG: red below "
            f"SPI(t) {p.spi_red:g} or CPI {p.cpi_red:g}, amber below {p.spi_amber:g} / "
            f"{p.cpi_amber:g}.",
            f"- **Change control.** A request is late when its decision took, or has waited, more "
            f"than {p.cr_decision_days} days at the period end; scope growth is approved change "
            f"cost over budget, flagged above {p.cr_growth_threshold:.0%}.",
            f"- **Risk register.** An open risk is stale when not reviewed for more than "
            f"{p.risk_review_days} days; unowned when its owner is blank, unknown or has left; "
            f"exposure is probability x impact on 0-1 (1-5 scales divided by 5), to be escalated "
            f"at {p.risk_escalation_score:g} or more.",
            f"- **Workload.** Timesheet activities are classified by the editable activity "
            f"catalogue (PM, PMO, delivery, other); a PM is flagged above "
            f"{p.pmo_share_threshold:.0%} of logged hours on PMO work. Concurrent projects are "
            f"weighted by budget band (criteria/size_bands.csv); a PM is overloaded above "
            f"{p.max_weighted_projects:g} weighted projects in at least {p.overload_min_months} "
            f"months. FTE at {p.fte_hours_per_year:,.0f} hours a year.",
            "- **Governance.** A questionnaire score of 3 or more claims a rule; the data "
            f"supports the claim when at least {p.governance_compliance_min:.0%} of cases "
            "follow it.",
        ]
    )


def guidance_table(audit: PMAudit) -> pd.DataFrame:
    """The staffing guidance with readable headers."""
    g = audit.guidance
    if g.empty:
        return g
    return pd.DataFrame(
        {
            "person": _named(audit, g["person_id"]),
            "situation": g["situation"],
            "action": g["action"],
            "PMO hours a month to hand over": g["hours_per_month"].map(
                lambda v: f"{v:.0f}" if v else ""
            ),
        }
    )
