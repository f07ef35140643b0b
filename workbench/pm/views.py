"""The chapter's tables as the client reads them: chosen columns, plain headers, percentages.

Each function takes the :class:`~workbench.pm.audit.PMAudit` and returns a frame ready for
``pb.show``; the analysis frames keep their machine names for metrics and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from workbench.frames import (
    Source,
    display_table,
    fixed,
    fixed_text,
    percent,
    percent_text,
    rounded,
    whole,
)
from workbench.pm.audit import PMAudit
from workbench.pm.maturity import LEVELS


def _named(audit: PMAudit, column: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Display source: a person id column as ``id name``."""
    return lambda frame: (
        frame[column].astype(str).map(lambda i: f"{i} {audit.names.get(i, '')}".strip())
    )


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
        (
            "Estimate at completion (sum of BAC / CPI"
            + (
                f"; AC + BAC - EV for {t['eac_fallback_projects']:.0f} without a CPI)"
                if t.get("eac_fallback_projects")
                else ")"
            ),
            f"{t['eac']:,.0f}",
        ),
        ("Variance at completion", f"{t['vac']:,.0f}"),
    ]
    return pd.DataFrame(rows, columns=["measure", "value"])


def _ieac_over_pd(latest: pd.DataFrame) -> list[str]:
    return [
        f"{i:.1f} / {p:.0f}" if pd.notna(i) and pd.notna(p) else ""
        for i, p in zip(latest["ieac_t"], latest["pd"], strict=True)
    ]


def _tcpi(latest: pd.DataFrame) -> pd.Series:
    """TCPI with two decimals; where it has no meaning, the reason, not a blank or a 0."""
    text = fixed_text(latest["tcpi"], 2)
    spent = latest["tcpi"].isna() & (latest["ac"] >= latest["bac"])
    text = text.mask(spent, "budget spent")
    return text.mask(latest["ev"] >= latest["bac"], "work complete")


def _scale(top: float | None) -> str:
    """A declared risk scale for the method text."""
    return "not declared, so not assessed" if top is None else f"{top:g}"


def health_table(audit: PMAudit) -> pd.DataFrame:
    """Latest status per project: RAG and the indices, worst first."""
    columns: dict[str, Source] = {
        "project": "project_id",
        "PM": lambda f: f.get("pm_id", ""),
        "status": lambda f: f.get("status", ""),
        "as of": "month",
        "RAG": lambda f: f["rag"].astype(str),
        "CPI": fixed("cpi", 2),
        "SPI": fixed("spi", 2),
        "SPI(t)": fixed("spi_t", 2),
        "SV(t) months": fixed("sv_t", 1),
        "TCPI": _tcpi,
        "IEAC(t) / PD months": _ieac_over_pd,
    }
    return display_table(audit.latest, columns, reset_index=True)


def forecast_table(audit: PMAudit) -> pd.DataFrame:
    """Cost forecasts of the red and amber running projects: the three EACs, their spread,
    ETC, VAC (a closed or cancelled project has nothing left to forecast).

    EAC (CPI) = BAC/CPI, the basis of ETC and VAC; EAC (plan rate) = AC + BAC - EV, the rest
    of the work at budget rates, the basis of ETC and VAC where CPI is undefined (the ``basis``
    column says which); EAC (CPI x SPI) = AC + (BAC - EV)/(CPI x SPI).
    """
    columns: dict[str, Source] = {
        "project": "project_id",
        "RAG": lambda f: f["rag"].astype(str),
        "BAC": rounded("bac"),
        "EAC (CPI)": rounded("eac_cpi"),
        "EAC (plan rate)": rounded("eac_atypical"),
        "EAC (CPI x SPI)": rounded("eac_composite"),
        "spread": rounded("eac_spread"),
        "ETC": rounded("etc"),
        "VAC": rounded("vac"),
        "basis of ETC and VAC": lambda f: f["eac_basis"].fillna(""),
    }
    return display_table(
        audit.latest,
        columns,
        rows=lambda f: f[
            f["rag"].astype(str).isin(["red", "amber"])
            & (f["ev"] < f["bac"])
            & ~f.get("status", pd.Series("", index=f.index))
            .astype("string")
            .str.lower()
            .isin(["closed", "cancelled"])
        ],
        reset_index=True,
    )


def maturity_table(audit: PMAudit) -> pd.DataFrame:
    """Level, mean and blend per area."""

    def optional(column: str) -> Source:
        return lambda f: fixed_text(f[column], 2) if column in f else ""

    columns: dict[str, Source] = {
        "area": "label",
        "framework": "framework",
        "answered": lambda f: [
            f"{n} of {q}" for n, q in zip(f["answered"], f["questions"], strict=True)
        ],
        "level achieved": lambda f: f["level"].map(
            lambda v: "" if pd.isna(v) else f"{int(v)} {LEVELS[int(v)]}"
        ),
        "mean": fixed("mean", 2),
        "from the data": optional("data_score"),
        "blended": optional("blended"),
        "target": lambda _: audit.params.target_level,
    }
    return display_table(audit.areas, columns)


def gap_table(audit: PMAudit) -> pd.DataFrame:
    """The ranked gap list: best practices not applied, with the recommendation."""
    columns: dict[str, Source] = {
        "rank": "rank",
        "area": "area_label",
        "question": "question_id",
        "practice": "question",
        "score": fixed("score", 1),
        "gap": fixed("gap", 1),
        "recommendation": "recommendation",
    }
    return display_table(audit.gaps, columns)


def capped_table(audit: PMAudit) -> pd.DataFrame:
    """Answers capped for lack of evidence."""
    columns: dict[str, Source] = {
        "answer": "response_id",
        "area": "area",
        "claimed": fixed("raw_score", 0),
        "scored": fixed("score", 0),
    }
    return display_table(audit.responses, columns, rows=lambda f: f[f["capped"]])


def workload_table(audit: PMAudit) -> pd.DataFrame:
    """Per PM: share of hours worked per category, leave and other hours, weighted load and
    the verdicts."""
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
            "project manager": _named(audit, "person_id")(s),
            "hours worked": s["worked_hours"].round(0),
            "PM": percent_text(s["pm_share"]),
            "PMO": percent_text(s["pmo_share"]),
            "delivery": percent_text(s["delivery_share"]),
            "leave and other hours": s["other_hours"].round(0),
            "peak load": fixed_text(ids.map(load["peak_weighted"]), 1) if len(load) else "",
            "months over": ids.map(load["months_over"]) if len(load) else "",
            "flag": flags,
        }
    )
    order = s["pmo_share"].fillna(-1).sort_values(ascending=False).index
    return out.loc[order].reset_index(drop=True)


def absorb_table(audit: PMAudit) -> pd.DataFrame:
    """PMO-type hours logged outside the PMO, per person."""
    columns: dict[str, Source] = {
        "person": _named(audit, "person_id"),
        "PMO hours in the period": rounded("pmo_hours"),
        "hours a year": rounded("hours_per_year"),
        "FTE": rounded("fte", 2),
    }
    return display_table(audit.absorb, columns)


def misplaced_table(audit: PMAudit) -> pd.DataFrame:
    """PMO activities that PMs perform."""
    columns: dict[str, Source] = {
        "activity": "activity",
        "what it is": "description",
        "hours a year": rounded("hours_per_year"),
        "done by": lambda f: f["pms"].map(lambda n: f"{n} PMs" if n != 1 else "1 PM"),
    }
    return display_table(audit.misplaced, columns)


def classification_table(audit: PMAudit) -> pd.DataFrame:
    """Each timesheet activity label: its hours, the category it was given and how."""
    columns: dict[str, Source] = {
        "activity as logged": "activity",
        "hours": rounded("hours"),
        "category": "category",
        "catalogue activity": "entry",
        "how decided": "method",
        "confidence": percent("confidence"),
    }
    return display_table(audit.classification, columns)


def change_table(audit: PMAudit) -> pd.DataFrame:
    """Change requests per project, most growth first."""
    columns: dict[str, Source] = {
        "project": "project_id",
        "requests": whole("change_requests"),
        "per month": fixed("cr_per_month", 2),
        "pending": whole("pending"),
        "late": whole("late"),
        "median days": fixed("median_decision_days", 0),
        "approved cost": rounded("approved_cost"),
        "growth": percent("cost_growth"),
        "days added": rounded("approved_schedule_days"),
    }
    return display_table(
        audit.cr_stats, columns, rows=lambda f: f[f["change_requests"] > 0], reset_index=True
    )


def late_change_table(audit: PMAudit) -> pd.DataFrame:
    """Change requests not decided within the target."""
    columns: dict[str, Source] = {
        "change request": "cr_id",
        "project": "project_id",
        "raised": "raised_date",
        "status": "status",
        "days to decide": fixed("decision_days", 0),
        "days waiting": fixed("age_days", 0),
        "cost impact": "cost_impact",
    }
    return display_table(
        audit.change_requests, columns, rows=lambda f: f[f["late"]].sort_values("raised_date")
    )


def risk_table(audit: PMAudit) -> pd.DataFrame:
    """Per project: register currency, ownership and escalation."""
    columns: dict[str, Source] = {
        "project": "project_id",
        "risks": whole("risks"),
        "open": whole("open"),
        "stale": whole("stale"),
        "unowned": whole("unowned"),
        "high exposure": whole("high"),
        "escalated": whole("escalated"),
        "not escalated": whole("not_escalated"),
        "median days since review": fixed("median_days_since_review", 0),
    }
    return display_table(
        audit.risk_stats, columns, rows=lambda f: f[f["open"] > 0], reset_index=True
    )


def _risk_problems(hit: pd.DataFrame) -> list[str]:
    return [
        ", ".join(x for x, on in (("stale", s), ("unowned: " + o, u), ("not escalated", n)) if on)
        for s, u, n, o in zip(
            hit["stale"], hit["unowned"], hit["not_escalated"], hit["owner_state"], strict=True
        )
    ]


def risk_exceptions(audit: PMAudit) -> pd.DataFrame:
    """Every open risk that is stale, unowned or high and not escalated."""
    columns: dict[str, Source] = {
        "risk": "risk_id",
        "project": "project_id",
        "status": "status",
        "owner": lambda f: f["owner_id"].fillna(""),
        "days since review": fixed("days_since_review", 0),
        "exposure": rounded("exposure", 2),
        "problem": _risk_problems,
    }
    return display_table(
        audit.risks,
        columns,
        rows=lambda f: f[f["stale"] | f["unowned"] | f["not_escalated"]],
        reset_index=True,
    )


def governance_table(audit: PMAudit) -> pd.DataFrame:
    """Rules tested against the data, beside the questionnaire's claim."""
    columns: dict[str, Source] = {
        "rule": "rule",
        "question": "question_id",
        "claimed": fixed("claimed_score", 0),
        "followed": percent("compliance"),
        "measured over": lambda f: [
            f"{n:,.0f} {b}" if pd.notna(n) else ""
            for n, b in zip(f["population"], f["basis"], strict=True)
        ],
        "verdict": "verdict",
    }
    return display_table(audit.data_rules, columns)


def pillar_table(audit: PMAudit) -> pd.DataFrame:
    """The PMO-pillar rules and what the questionnaire says of each."""
    columns: dict[str, Source] = {
        "pillar": "pillar",
        "question": "question_id",
        "rule": "question",
        "score": fixed("score", 1),
        "status": "status",
    }
    return display_table(audit.pillar_rules, columns)


def cadence_table(audit: PMAudit) -> pd.DataFrame:
    """Projects that missed monthly earned-value reporting, or never reported."""
    columns: dict[str, Source] = {
        "project": "project_id",
        "PM": "pm_id",
        "status": "status",
        "months expected": "expected_months",
        "months reported": "reported_months",
        "missing": lambda f: f["missing"].where(f["has_data"], "no snapshot at all"),
    }
    return display_table(
        audit.cadence,
        columns,
        rows=lambda f: f[f["missing_months"] > 0].sort_values("missing_months", ascending=False),
        reset_index=True,
    )


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
            "questions at L or above, an unanswered question counting below every level, and "
            f"the radar shows the mean of the answered ones. Target level: "
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
            "exposure is probability x impact, each divided by the top of the scale the "
            f"engagement declares ({_scale(p.risk_probability_scale)} for probability, "
            f"{_scale(p.risk_impact_scale)} for impact; never the register's own largest "
            f"value), to be escalated at {p.risk_escalation_score:g} or more.",
            f"- **Workload.** Timesheet activities are classified by the editable activity "
            f"catalogue (PM, PMO, delivery, other); a PM is flagged above "
            f"{p.pmo_share_threshold:.0%} of hours worked on PMO work (PM, PMO and delivery "
            "hours; leave and unclassified hours left out). Concurrent projects are "
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
    columns: dict[str, Source] = {
        "person": _named(audit, "person_id"),
        "situation": "situation",
        "action": "action",
        "PMO hours a month to hand over": lambda f: f["hours_per_month"].map(
            lambda v: f"{v:.0f}" if v else ""
        ),
    }
    return display_table(audit.guidance, columns)
