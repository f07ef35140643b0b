"""Staffing guidance and draft job descriptions for the PM and PMO roles.

The guidance turns the workload measures into actions per person (hand PMO work to the PMO,
move a project from an overloaded PM to one with capacity). The job descriptions start from
the standard responsibilities of each role (PMBOK 6 knowledge areas for the PM, the three PMO
pillars for the PMO) and add what this client's data shows: practices that are missing
(questionnaire gaps) and PMO work that PMs currently do (misplaced activities).
"""

from __future__ import annotations

import pandas as pd

from workbench.pm.maturity import AREAS, KNOWLEDGE_AREAS, PMO_PILLARS

#: The PM's standing responsibilities per PMBOK 6 knowledge area.
PM_RESPONSIBILITIES: dict[str, str] = {
    "integration": "Project charter, integrated project plan, integrated change control, "
    "phase gates and formal closure.",
    "scope": "Requirements, WBS and scope baseline; acceptance of each deliverable.",
    "schedule": "Schedule baseline with logic and critical path; monthly progress and "
    "forecast finish (earned schedule).",
    "cost": "Time-phased budget, actual costs coded to the project, monthly EAC and earned value.",
    "quality": "Quality plan and acceptance criteria; reviews, defects and their closure.",
    "resource": "Team plan and roles; time recorded against the project by activity.",
    "communications": "Status reports at the agreed cadence, minutes with actions, customer "
    "reporting.",
    "risk": "Project risk register: owned, reviewed at the agreed interval, escalated when "
    "exposure crosses the threshold.",
    "procurement": "Vendor scope, purchase orders before work starts, payment against acceptance.",
    "stakeholder": "Stakeholder register and engagement; sponsor and steering committee.",
}

#: The PMO's standing responsibilities per pillar (from the consultancy's PMO model).
PMO_RESPONSIBILITIES: dict[str, list[str]] = {
    "pmo_governance": [
        "Define the project processes and checklists for each phase.",
        "Own the templates every PM uses (design, scope of work, communication, minutes of "
        "meeting, vendor payment, billing, acceptance).",
        "Define the KPIs for projects and services and how each is measured.",
        "Set the rules for record management, expense logging, revenue assurance, "
        "procurement governance, risk and escalation, and training.",
    ],
    "pmo_monitoring": [
        "Audit compliance with the governance rules at a published frequency and against "
        "published criteria; rank teams by the results.",
        "Track corrective and preventive actions to closure.",
        "Collect the monthly earned-value snapshot and risk-register status from every project.",
        "Propose process enhancements from the audit results.",
    ],
    "pmo_reporting": [
        "Report portfolio health to management monthly: cost, scope, time, delivery and "
        "acceptance status, revenues and deviations, with trends.",
        "Turn management's decisions into updated rules, KPIs and action plans (back to pillar 1).",
    ],
}


def staffing_guidance(
    shares: pd.DataFrame,
    overload: pd.DataFrame,
    misplaced: pd.DataFrame,
    staff: pd.DataFrame | None,
    *,
    pmo_share_threshold: float,
    max_weighted: float,
    months: int,
) -> pd.DataFrame:
    """Actions per person to use the existing staff better.

    Parameters
    ----------
    shares : DataFrame
        From :func:`workbench.pm.workload.time_shares` (person_id, pmo_share, pmo_hours, ...).
    overload : DataFrame
        From :func:`workbench.pm.workload.overload_table`.
    misplaced : DataFrame
        From :func:`workbench.pm.workload.misplaced_activities`.
    staff : DataFrame, optional
        For names and segments (a project is moved within the segment where possible).
    pmo_share_threshold, max_weighted : float
        The playbook's thresholds.
    months : int
        Months in the period, to express hours per month.

    Returns
    -------
    DataFrame
        person_id, name, situation, action, hours_per_month (PMO hours to hand over).
    """
    names: dict[str, str] = {}
    segments: dict[str, str] = {}
    if staff is not None and not staff.empty:
        names = dict(zip(staff["person_id"].astype(str), staff["name"].astype(str), strict=False))
        if "segment" in staff.columns:
            segments = dict(
                zip(staff["person_id"].astype(str), staff["segment"].astype(str), strict=False)
            )
    load = overload.set_index("pm_id") if not overload.empty else pd.DataFrame()
    share = shares.set_index("person_id") if not shares.empty else pd.DataFrame()
    # Capacity: PMs below the cap now, not overloaded, not buried in PMO work.
    spare = []
    for pm_id, row in load.iterrows():
        pmo = share["pmo_share"].get(pm_id) if "pmo_share" in share else None
        if (
            not row["overloaded"]
            and row["current_weighted"] <= max_weighted - 1
            and (pmo is None or pd.isna(pmo) or pmo <= pmo_share_threshold)
        ):
            spare.append((row["current_weighted"], str(pm_id)))
    spare.sort()
    rows = []
    for pm_id, row in share.iterrows():
        pm_id = str(pm_id)
        if not row.get("has_timesheets", True) or pd.isna(row.get("pmo_share")):
            continue
        if row["pmo_share"] > pmo_share_threshold:
            # Whole ids: "P1" must not pick up the activities of "P10".
            own = (
                misplaced[
                    misplaced["people"]
                    .astype(str)
                    .str.split(", ")
                    .map(lambda ids, who=pm_id: who in ids)
                ]
                if not misplaced.empty
                else misplaced
            )
            acts = ", ".join(own["activity"].astype(str).head(3))
            rows.append(
                {
                    "person_id": pm_id,
                    "name": names.get(pm_id, ""),
                    "situation": f"{row['pmo_share']:.0%} of hours on PMO work",
                    "action": f"Hand over the recurring PMO tasks ({acts}) to the PMO; "
                    f"keep the PM on project work.",
                    "hours_per_month": float(row["pmo_hours"]) / max(months, 1),
                }
            )
    for pm_id, row in load.iterrows():
        if not row["overloaded"]:
            continue
        pm_id = str(pm_id)
        same = [p for _, p in spare if segments.get(p) == segments.get(pm_id) and p != pm_id]
        other = [p for _, p in spare if p != pm_id]
        targets = same or other
        to = (
            f"to {targets[0]} ({names.get(targets[0], '')})" if targets else "to a new or deputy PM"
        )
        rows.append(
            {
                "person_id": pm_id,
                "name": names.get(pm_id, ""),
                "situation": f"up to {row['peak_weighted']:.1f} weighted projects at once "
                f"({row['months_over']} months above {max_weighted:g})",
                "action": f"Move the next project, or one running project, {to}.",
                "hours_per_month": 0.0,
            }
        )
    for weighted, pm_id in spare[:3]:
        rows.append(
            {
                "person_id": pm_id,
                "name": names.get(pm_id, ""),
                "situation": f"{weighted:.1f} weighted projects now",
                "action": "Has capacity for the next project or for one handed over.",
                "hours_per_month": 0.0,
            }
        )
    return pd.DataFrame(
        rows, columns=["person_id", "name", "situation", "action", "hours_per_month"]
    )


def _gap_lines(
    gaps: pd.DataFrame, areas: list[str], limit: int = 8, label: bool = True
) -> list[str]:
    if gaps.empty:
        return []
    own = gaps[gaps["area"].isin(areas)].sort_values("gap", ascending=False).head(limit)
    return [
        f"- {AREAS.get(r.area, r.area) + ': ' if label else ''}"
        f"{_text(r.recommendation) or 'Practice ' + str(r.question_id)} "
        f"({r.question_id}, scored {r.score:g})"
        for r in own.itertuples()
    ]


def _text(value: object) -> str:
    """A criteria or catalogue text for prose; a blank cell (NaN) is the empty string."""
    return "" if value is None or pd.isna(value) else str(value).strip()


def job_descriptions(
    misplaced: pd.DataFrame,
    gaps: pd.DataFrame,
    *,
    pmo_share_threshold: float,
    max_weighted: float,
    fte_hours_per_year: float,
    pmo_fte: float | None = None,
) -> dict[str, str]:
    """Draft job descriptions (markdown) for the PM role and the PMO role.

    Parameters
    ----------
    misplaced : DataFrame
        PMO activities PMs perform (activity, description, hours_per_year): they leave the
        PM role and enter the PMO role.
    gaps : DataFrame
        The maturity gap list (area, question_id, score, gap, recommendation): practices
        missing from each role's area are added as responsibilities to strengthen.
    pmo_share_threshold, max_weighted : float
        Limits written into the PM role.
    fte_hours_per_year : float
        Hours of one full-time equivalent, to size the PMO role.
    pmo_fte : float, optional
        FTE of PMO work a PMO would absorb (sizing sentence in the PMO role).

    Returns
    -------
    dict
        ``{"Project Manager": markdown, "PMO Lead": markdown}``.
    """
    pm = [
        "### Project Manager",
        "",
        "**Purpose.** Owns the delivery of assigned projects end to end, across the ten "
        "PMBOK 6 knowledge areas, against the baseline agreed with the sponsor. The role "
        "runs projects; it does not run the organisation's project governance.",
        "",
        "**Responsibilities**",
        "",
    ]
    pm += [f"- {AREAS[a]}: {PM_RESPONSIBILITIES[a]}" for a in KNOWLEDGE_AREAS]
    strengthen = _gap_lines(gaps, KNOWLEDGE_AREAS)
    if strengthen:
        pm += ["", "**To strengthen (practices this audit found missing)**", "", *strengthen]
    if not misplaced.empty:
        pm += ["", "**Not part of this role (moves to the PMO)**", ""]
        pm += [
            f"- {r.activity}"
            + (f": {_text(r.description)}" if _text(getattr(r, "description", "")) else "")
            + f" (about {r.hours_per_year:,.0f} hours a year now done by PMs)"
            for r in misplaced.itertuples()
        ]
    pm += [
        "",
        "**Measured by**",
        "",
        "- CPI and SPI(t) of each project against the agreed thresholds, monthly.",
        "- Risk register current (every open risk owned and reviewed in time).",
        "- Change requests brought to a decision within the agreed time.",
        "",
        "**Load**",
        "",
        f"- At most {max_weighted:g} size-weighted concurrent projects; PMO-type work below "
        f"{pmo_share_threshold:.0%} of hours.",
        "",
        "**Profile**",
        "",
        "- PMP, PRINCE2 Practitioner or equivalent; experience delivering projects of the "
        "organisation's size and type; earned-value literacy.",
    ]
    pmo = [
        "### PMO Lead",
        "",
        "**Purpose.** Establishes, monitors and reports the governance of project "
        "management across the organisation, so that PMs can focus on their projects. "
        "Works on three pillars.",
        "",
    ]
    for pillar in PMO_PILLARS:
        pmo += [f"**{AREAS[pillar]}**", ""]
        pmo += [f"- {line}" for line in PMO_RESPONSIBILITIES[pillar]]
        pmo += _gap_lines(gaps, [pillar], label=False)
        pmo += [""]
    if not misplaced.empty:
        pmo += ["**Taken over from the project managers**", ""]
        pmo += [
            f"- {r.activity} (about {r.hours_per_year:,.0f} hours a year)"
            for r in misplaced.itertuples()
        ]
        pmo += [""]
    if pmo_fte is not None and pmo_fte > 0:
        pmo += [
            "**Sizing**",
            "",
            f"- The PMO-type work found outside the PMO amounts to about {pmo_fte:.1f} "
            f"FTE at {fte_hours_per_year:,.0f} hours a year.",
            "",
        ]
    pmo += [
        "**Profile**",
        "",
        "- PMO or portfolio-office experience; process design and audit; KPI and "
        "management reporting; record management; facilitation with senior management.",
    ]
    return {"Project Manager": "\n".join(pm), "PMO Lead": "\n".join(pmo)}
