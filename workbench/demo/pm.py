"""The demo client's PM-function data: earned value, timesheets, questionnaire, changes, risks.

Builds, from the core staff and projects, what a client would send for the audit of its PM
function, and plants the problems the playbook must find (recorded in the answer key under
``pm-function-audit`` with the playbook's check names):

* ``evm_cost_overrun``: two running projects and one closed one with CPI well below 0.85;
* ``evm_schedule_delay``: two running projects earning schedule at about 0.7 (one of them
  also overrunning), so three late projects in all;
* ``evm_no_data``: two running projects that never report earned value;
* ``evm_reporting_gaps``: two projects that skip months of reporting;
* ``pmo_work_on_pms``: three PMs who spend over a third of their time on PMO work, rising;
* ``pm_without_timesheets``: one PM whose timesheets are missing from the export;
* ``pm_overloaded``: the PMs the core portfolio overloads (size-weighted, sustained);
* ``maturity_evidence_cap``: questions answered 4 by everyone without evidence, and single
  answers above 2 without evidence; ``maturity_below_target``: every practice scored below 3;
  ``maturity_unanswered_areas``: the procurement section, not returned;
* ``risk_review_overdue``, ``risk_unowned`` (blank owners and a leaver), ``risk_not_escalated``;
* ``cr_decision_overdue`` (waiting and slow decisions), ``cr_scope_growth``;
* ``governance_claim_unsupported``: risk reviews and risk ownership claimed as standard.

Clean rows are drawn with margins from every threshold (at the playbook's defaults) so that
only the planted rows trip a check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.demo.core import DemoContext

PLAYBOOK = "pm-function-audit"
AS_OF = pd.Timestamp(date(2026, 6, 30))

PM_ACTIVITIES = [
    "project planning",
    "schedule control",
    "cost control",
    "scope and change control",
    "risk management",
    "stakeholder management",
    "team coordination",
    "vendor management",
    "status reporting",
]
PMO_ACTIVITIES = [
    "portfolio reporting",
    "kpi reporting",
    "template maintenance",
    "process audit",
    "record audit",
    "governance review",
    "resource pool management",
    "revenue assurance review",
    "training coordination",
    "pmo administration",
]
DELIVERY_BY_ROLE = {
    "Engineer": ["design", "development", "testing", "deployment", "site work"],
    "Consultant": ["consulting", "design", "testing"],
}
OTHER_ACTIVITIES = ["internal meeting", "administration", "training attended"]

#: Size bands and overload rule at the playbook's defaults (criteria/size_bands.csv,
#: max_weighted_projects, overload_min_months): the answer key of ``pm_overloaded``.
SIZE_BANDS = ((400_000, 0.5), (1_200_000, 1.0), (float("inf"), 1.5))
MAX_WEIGHTED, MIN_MONTHS = 3.5, 3


def generate(ctx: DemoContext) -> None:
    """Add evm_snapshots, timesheets, maturity_responses, change_requests and risks."""
    rng = ctx.rng_for("pm")
    projects = _projects(ctx)
    staff = ctx.tables["staff"]
    plan = _choose_plants(projects, staff)
    ctx.tables["evm_snapshots"] = _evm(ctx, rng, projects, plan)
    ctx.tables["timesheets"] = _timesheets(ctx, rng, projects, staff, plan)
    ctx.tables["maturity_responses"] = _maturity(ctx, rng)
    ctx.tables["change_requests"] = _change_requests(ctx, rng, projects)
    ctx.tables["risks"] = _risks(ctx, rng, projects, staff)
    # The register scores probability on 0-1 and impact on 1-5; the engagement says so.
    ctx.parameters.setdefault(PLAYBOOK, {}).update(
        {"risk_probability_scale": 1.0, "risk_impact_scale": 5.0}
    )
    ctx.plant(PLAYBOOK, "pm_overloaded", _overloaded(ctx, projects))
    ctx.plant(PLAYBOOK, "governance_claim_unsupported", ["risk_ownership", "risk_review_cadence"])


def _projects(ctx: DemoContext) -> pd.DataFrame:
    p = ctx.tables["projects"].copy()
    for col in (
        "baseline_start",
        "baseline_finish",
        "actual_start",
        "actual_finish",
        "forecast_finish",
    ):
        p[col] = pd.to_datetime(p[col])
    p["start"] = p["actual_start"].fillna(p["baseline_start"])
    p["end"] = p["actual_finish"].fillna(AS_OF).clip(upper=AS_OF)
    return p


def _months(start: pd.Timestamp, end: pd.Timestamp) -> pd.PeriodIndex:
    return pd.period_range(start.to_period("M"), end.to_period("M"), freq="M")


def _choose_plants(projects: pd.DataFrame, staff: pd.DataFrame) -> dict[str, list[str]]:
    """Pick the projects and people to plant problems on, by rule, from the core data."""
    active = projects[
        (projects["status"] == "active") & (projects["start"] <= AS_OF - pd.DateOffset(months=10))
    ]
    active_ids = active.sort_values("start")["project_id"].tolist()
    closed = projects[
        (projects["status"] == "closed")
        & (projects["actual_finish"] >= pd.Timestamp(date(2025, 9, 1)))
    ]
    closed_ids = closed.sort_values("project_id")["project_id"].tolist()
    overrun_active = active_ids[0:2]
    late = [active_ids[0], active_ids[2]]
    overrun_closed = closed_ids[:1]
    used = set(overrun_active) | set(late) | set(overrun_closed)
    recent = projects[(projects["status"] == "active") & ~projects["project_id"].isin(used)]
    no_evm = recent.sort_values("start", ascending=False)["project_id"].head(2).tolist()
    used |= set(no_evm)
    gap_active = [i for i in active_ids if i not in used][:1]
    gap_closed = [i for i in closed_ids if i not in used][:1]
    pms = staff.loc[staff["role"] == "Project Manager", "person_id"].tolist()
    return {
        "overrun": overrun_active + overrun_closed,
        "late": late,
        "no_evm": no_evm,
        "gaps": gap_active + gap_closed,
        "pmo_burdened": [pms[2], pms[7], pms[12]],
        "no_timesheets": [pms[13]],
    }


def _pv_fraction(x: np.ndarray) -> np.ndarray:
    """Share of budget planned by share of duration: half linear, half S-shaped."""
    x = np.clip(x, 0, 1)
    return 0.5 * x + 0.5 * (3 * x**2 - 2 * x**3)


def _evm(
    ctx: DemoContext, rng: np.random.Generator, projects: pd.DataFrame, plan: dict[str, list[str]]
) -> pd.DataFrame:
    rows = []
    for p in projects.itertuples():
        if p.project_id in plan["no_evm"] or p.start > AS_OF:
            continue
        origin = p.baseline_start.year * 12 + p.baseline_start.month
        pd_months = p.baseline_finish.year * 12 + p.baseline_finish.month - origin + 1
        months = _months(p.start, p.end)
        closed = p.status == "closed"
        at_end = months[-1].year * 12 + months[-1].month - origin + 1
        if closed:
            speed = pd_months / at_end
        elif p.project_id in plan["late"]:
            speed = rng.uniform(0.68, 0.74)
        else:
            speed = min(rng.uniform(0.96, 1.04), (pd_months - 0.3) / at_end)
        if p.project_id in plan["overrun"]:
            cpi_end = rng.uniform(0.70, 0.76)
        else:
            cpi_end = rng.uniform(0.95, 1.06)
        skip: set[str] = set()
        if p.project_id in plan["gaps"]:
            inside = [str(m) for m in months if m.start_time >= pd.Timestamp(ctx.period_start)]
            n = 3 if not closed else 2
            mid = len(inside) // 2
            skip = set(inside[mid - 1 : mid - 1 + n])
        for i, month in enumerate(months):
            t = month.year * 12 + month.month - origin + 1
            progress = i / max(len(months) - 1, 1)
            pv = p.budget * _pv_fraction(np.array(t / pd_months))
            if closed and i == len(months) - 1:
                ev = p.budget
            else:
                ev = p.budget * _pv_fraction(np.array(speed * t / pd_months))
            cpi = 1.0 + (cpi_end - 1.0) * min(1.0, 0.3 + progress) + rng.normal(0, 0.01)
            if str(month) in skip:
                continue
            rows.append(
                {
                    "project_id": p.project_id,
                    "period_end": month.end_time.normalize().date(),
                    "pv": round(float(pv), 2),
                    "ev": round(float(ev), 2),
                    "ac": round(float(ev) / cpi, 2),
                }
            )
    ctx.plant(PLAYBOOK, "evm_cost_overrun", plan["overrun"])
    ctx.plant(PLAYBOOK, "evm_schedule_delay", plan["late"])
    ctx.plant(PLAYBOOK, "evm_no_data", plan["no_evm"])
    ctx.plant(PLAYBOOK, "evm_reporting_gaps", plan["gaps"])
    return pd.DataFrame(rows)


def _timesheets(
    ctx: DemoContext,
    rng: np.random.Generator,
    projects: pd.DataFrame,
    staff: pd.DataFrame,
    plan: dict[str, list[str]],
) -> pd.DataFrame:
    weeks = pd.date_range(pd.Timestamp(ctx.period_start), AS_OF, freq="W-MON")
    rows: list[dict[str, object]] = []

    def add(
        pid: str, week: pd.Timestamp, hours: float, activity: str, project: str | None = None
    ) -> None:
        if hours >= 0.5:
            rows.append(
                {
                    "person_id": pid,
                    "date": week.date(),
                    "hours": round(hours * 2) / 2,
                    "activity": activity,
                    "project_id": project,
                }
            )

    # Plain lists per week: the loops below run some ten thousand times.
    by_pm: dict[tuple[pd.Timestamp, str], list[str]] = {}
    by_segment: dict[tuple[pd.Timestamp, str], list[str]] = {}
    for week in weeks:
        running = projects[(projects["start"] <= week) & (projects["end"] >= week)]
        for p in running.itertuples():
            by_pm.setdefault((week, p.pm_id), []).append(p.project_id)
            by_segment.setdefault((week, p.segment), []).append(p.project_id)
    for person in staff.itertuples():
        if (
            person.role in ("Director", "Finance Officer")
            or person.person_id in plan["no_timesheets"]
        ):
            continue
        leave = set(rng.choice(len(weeks), size=10, replace=False).tolist())
        left = pd.Timestamp(person.leave_date) if person.leave_date else None
        for w_i, week in enumerate(weeks):
            if left is not None and week > left:
                break
            if w_i in leave:
                add(person.person_id, week, 40.0, "leave")
                continue
            if person.role == "Project Manager":
                _pm_week(
                    rng,
                    add,
                    person.person_id,
                    week,
                    w_i / len(weeks),
                    by_pm.get((week, person.person_id), []),
                    person.person_id in plan["pmo_burdened"],
                )
            elif person.role == "PMO Analyst":
                for act in rng.choice(PMO_ACTIVITIES, size=3, replace=False):
                    add(person.person_id, week, rng.uniform(11, 13), str(act))
                add(person.person_id, week, rng.uniform(2, 4), "internal meeting")
            else:
                mine = by_segment.get((week, person.segment), [])
                if not mine:
                    add(person.person_id, week, 40.0, str(rng.choice(OTHER_ACTIVITIES)))
                    continue
                chosen = rng.choice(mine, size=min(2, len(mine)), replace=False)
                split = rng.dirichlet(np.ones(len(chosen))) * rng.uniform(34, 38)
                acts = DELIVERY_BY_ROLE.get(person.role, ["consulting"])
                for hours, proj in zip(split, chosen, strict=True):
                    add(person.person_id, week, hours, str(rng.choice(acts)), str(proj))
                add(person.person_id, week, rng.uniform(2, 5), "internal meeting")
    ctx.plant(PLAYBOOK, "pmo_work_on_pms", plan["pmo_burdened"])
    ctx.plant(PLAYBOOK, "pm_without_timesheets", plan["no_timesheets"])
    return pd.DataFrame(rows)


def _pm_week(
    rng: np.random.Generator,
    add: Callable[..., None],
    pid: str,
    week: pd.Timestamp,
    progress: float,
    own: list[str],
    burdened: bool,
) -> None:
    """One week of a PM: own projects, PMO-type tasks, a little delivery and overhead."""
    total = 40.0 + 3.0 * max(len(own) - 2, 0) + rng.uniform(-2, 2)
    # Buried PMs: PMO work grows from about a quarter to nearly half of the week.
    pmo_share = (
        (0.28 + 0.22 * progress + rng.uniform(-0.04, 0.04)) if burdened else rng.uniform(0.03, 0.13)
    )
    other = rng.uniform(0.03, 0.07)
    delivery = rng.uniform(0.0, 0.06) if own else rng.uniform(0.3, 0.5)
    pm = max(1.0 - pmo_share - other - delivery, 0.0)
    if own:
        split = rng.dirichlet(np.ones(len(own))) * pm * total
        for hours, proj in zip(split, own, strict=True):
            add(pid, week, hours, str(rng.choice(PM_ACTIVITIES)), proj)
    else:
        delivery += pm
    for act, share in zip(
        rng.choice(PMO_ACTIVITIES, size=2, replace=False),
        rng.dirichlet([2, 1]) * pmo_share,
        strict=True,
    ):
        add(pid, week, share * total, str(act))
    add(pid, week, delivery * total, "consulting", own[0] if own else None)
    add(pid, week, other * total, str(rng.choice(OTHER_ACTIVITIES)))


def _questionnaire() -> pd.DataFrame:
    """The shipped questionnaire (not a client's override): the demo answers its questions."""
    shipped = Path(__file__).resolve().parents[2] / "playbooks" / PLAYBOOK / "criteria"
    return pd.read_csv(shipped / "questionnaire.csv")


#: Typical maturity per area: the story of a client with decent project basics, weak
#: schedule and risk control, and a PMO that exists mostly on paper.
AREA_BASE = {
    "integration": 3,
    "scope": 3,
    "schedule": 2,
    "cost": 3,
    "quality": 3,
    "resource": 2,
    "communications": 3,
    "risk": 2,
    "procurement": 3,
    "stakeholder": 4,
    "pmo_governance": 2,
    "pmo_monitoring": 2,
    "pmo_reporting": 2,
}
#: Questions whose answers the governance rules test: claims set on purpose.
DESIGNED = {
    "RSK-03": 3,
    "RSK-04": 4,
    "RSK-05": 2,
    "MON-06": 2,
    "INT-03": 2,
    "RES-04": 2,
    "MON-07": 1,
    "RES-03": 1,
}
#: Everyone answers 4 and nobody names evidence: capped to 2.
UNSUPPORTED = ["COM-05", "GOV-02", "QUA-05"]
RESPONDENTS = ["P001", "P004", "P010", "P015", "P057"]
EVIDENCE = [
    "{q} procedure v2 (SharePoint > PMO > Standards)",
    "Sample: {q} on PRJ-0{n}",
    "{q} template and three filled-in examples",
    "Audit record {q}/2025",
]


def _maturity(ctx: DemoContext, rng: np.random.Generator) -> pd.DataFrame:
    questions = _questionnaire()
    rows = []
    final: dict[str, float] = {}
    capped: list[str] = []
    for qrow in questions.itertuples():
        qid, area = qrow.question_id, qrow.area
        if area == "procurement":
            continue  # section not returned by the client
        if qid in UNSUPPORTED:
            for r in RESPONDENTS:
                rows.append(
                    {
                        "respondent_id": r,
                        "area": area,
                        "question_id": qid,
                        "score": 4,
                        "evidence": None,
                    }
                )
                capped.append(f"{r}:{qid}")
            final[qid] = 2
            continue
        # Areas at the standard vary upwards only; weak areas both ways.
        spread = [0, 0, 0, 1] if AREA_BASE[area] >= 3 else [-1, 0, 0, 1]
        base = DESIGNED.get(qid, int(np.clip(AREA_BASE[area] + rng.choice(spread), 0, 5)))
        deviants = rng.choice([-1, 1], size=2) * (qid not in DESIGNED)
        scores = [
            base,
            base,
            base,
            int(np.clip(base + deviants[0], 0, 5)),
            int(np.clip(base + deviants[1], 0, 5)),
        ]
        order = rng.permutation(len(RESPONDENTS))
        for k, r_i in enumerate(order):
            r, score = RESPONDENTS[r_i], scores[k]
            evidence = None
            if score > 2:
                evidence = str(rng.choice(EVIDENCE)).format(q=qid, n=int(rng.integers(10, 40)))
                # An enthusiastic respondent one level above the others, without evidence.
                if k == 3 and base >= 2 and rng.random() < 0.2:
                    evidence = None
                    capped.append(f"{r}:{qid}")
            elif rng.random() < 0.3:
                evidence = "none yet"
            rows.append(
                {
                    "respondent_id": r,
                    "area": area,
                    "question_id": qid,
                    "score": score,
                    "evidence": evidence,
                }
            )
        final[qid] = base
    ctx.plant(PLAYBOOK, "maturity_evidence_cap", capped)
    ctx.plant(PLAYBOOK, "maturity_below_target", [q for q, s in final.items() if s < 3])
    ctx.plant(PLAYBOOK, "maturity_unanswered_areas", ["procurement"])
    return pd.DataFrame(rows)


def _change_requests(
    ctx: DemoContext, rng: np.random.Generator, projects: pd.DataFrame
) -> pd.DataFrame:
    rows = []
    active = projects[projects["status"] == "active"].sort_values("project_id")
    growth = active[active["budget"] >= 500_000]["project_id"].tolist()[-2:]
    for p in projects.itertuples():
        span = max((p.end - p.start).days - 30, 20)
        n = int(rng.integers(2, 6))
        approved_budget = 0.0
        for _ in range(n):
            raised = p.start + pd.Timedelta(days=int(rng.integers(10, span)))
            decided = raised + pd.Timedelta(days=int(rng.integers(3, 22)))
            if decided > p.end:
                raised, decided = p.end - pd.Timedelta(days=25), p.end - pd.Timedelta(days=5)
            status = str(
                rng.choice(
                    ["approved", "approved", "implemented", "rejected", "withdrawn"],
                    p=[0.35, 0.2, 0.2, 0.2, 0.05],
                )
            )
            cost = float(round(p.budget * rng.uniform(0.002, 0.015), -2))
            if status in ("approved", "implemented"):
                if approved_budget + cost > 0.06 * p.budget:
                    status = "rejected"
                else:
                    approved_budget += cost
            rows.append(
                {
                    "project_id": p.project_id,
                    "raised_date": raised,
                    "status": status,
                    "decided_date": None if status == "withdrawn" else decided,
                    "cost_impact": cost,
                    "schedule_impact_days": float(rng.integers(0, 21)),
                    "plant": "",
                }
            )
        if p.project_id in growth:
            for _ in range(5):
                raised = p.start + pd.Timedelta(days=int(rng.integers(10, span)))
                rows.append(
                    {
                        "project_id": p.project_id,
                        "raised_date": raised,
                        "status": "approved",
                        "decided_date": raised + pd.Timedelta(days=int(rng.integers(5, 15))),
                        "cost_impact": float(round(p.budget * rng.uniform(0.03, 0.04), -2)),
                        "schedule_impact_days": float(rng.integers(10, 30)),
                        "plant": "",
                    }
                )
        if p.status == "active":
            # A request raised in the last weeks, legitimately still waiting.
            rows.append(
                {
                    "project_id": p.project_id,
                    "raised_date": AS_OF - pd.Timedelta(days=int(rng.integers(2, 20))),
                    "status": "submitted",
                    "decided_date": None,
                    "cost_impact": float(round(p.budget * 0.005, -2)),
                    "schedule_impact_days": 5.0,
                    "plant": "",
                }
            )
    started = active.set_index("project_id")["start"]
    waiting = [i for i in active["project_id"] if started[i] <= AS_OF - pd.Timedelta(days=130)]
    for pid in waiting[1:9:2]:
        rows.append(
            {
                "project_id": pid,
                "raised_date": AS_OF - pd.Timedelta(days=int(rng.integers(45, 120))),
                "status": "open",
                "decided_date": None,
                "cost_impact": float(round(rng.uniform(20_000, 90_000), -2)),
                "schedule_impact_days": float(rng.integers(10, 40)),
                "plant": "late",
            }
        )
    slow = [i for i in active["project_id"] if started[i] <= AS_OF - pd.Timedelta(days=220)]
    budget = active.set_index("project_id")["budget"]
    for pid in slow[2:8:2]:
        raised = AS_OF - pd.Timedelta(days=int(rng.integers(120, 200)))
        rows.append(
            {
                "project_id": pid,
                "raised_date": raised,
                "status": "approved",
                "decided_date": raised + pd.Timedelta(days=int(rng.integers(40, 75))),
                "cost_impact": float(round(budget[pid] * 0.015, -2)),
                "schedule_impact_days": float(rng.integers(5, 20)),
                "plant": "late",
            }
        )
    crs = pd.DataFrame(rows).sort_values(["raised_date", "project_id"]).reset_index(drop=True)
    crs.insert(0, "cr_id", [f"CR-{i:04d}" for i in range(1, len(crs) + 1)])
    ctx.plant(PLAYBOOK, "cr_decision_overdue", crs.loc[crs["plant"] == "late", "cr_id"].tolist())
    ctx.plant(PLAYBOOK, "cr_scope_growth", growth)
    for col in ("raised_date", "decided_date"):
        crs[col] = pd.to_datetime(crs[col]).dt.date
    crs["decided_date"] = (
        crs["decided_date"].astype(object).where(crs["decided_date"].notna(), None)
    )
    return crs.drop(columns="plant")


def _risks(
    ctx: DemoContext, rng: np.random.Generator, projects: pd.DataFrame, staff: pd.DataFrame
) -> pd.DataFrame:
    rows = []
    current = staff[staff["leave_date"].isna()]
    for p in projects.itertuples():
        team = current.loc[
            (current["segment"] == p.segment) & current["role"].isin(["Engineer", "Consultant"]),
            "person_id",
        ]
        owners = [p.pm_id, *team.tolist()]
        active = p.status == "active"
        span = max((p.end - p.start).days - 20, 10)
        for _ in range(int(rng.integers(3, 7))):
            raised = p.start + pd.Timedelta(days=int(rng.integers(0, span)))
            prob = float(rng.choice([0.1, 0.3, 0.5, 0.7, 0.9]))
            impact = float(rng.integers(1, 6))
            high = prob * impact / 5 >= 0.5
            is_open = active and rng.random() < 0.6
            status = (
                str(rng.choice(["open", "open", "mitigated", "accepted"])) if is_open else "closed"
            )
            review = (
                AS_OF - pd.Timedelta(days=int(rng.integers(0, 26)))
                if is_open
                else min(p.end, raised + pd.Timedelta(days=int(rng.integers(10, 60))))
            )
            rows.append(
                {
                    "project_id": p.project_id,
                    "raised_date": raised,
                    "status": status,
                    "probability": prob,
                    "impact": impact,
                    "owner_id": str(rng.choice(owners)),
                    "last_review_date": max(review, raised),
                    "escalated": bool(high and is_open) or bool(rng.random() < 0.05),
                    "plant": "",
                }
            )
    active = projects[projects["status"] == "active"].sort_values("project_id")["project_id"]

    def planted(kind: str, pid: str, **over: object) -> None:
        p = projects.set_index("project_id").loc[pid]
        raised = max(p["start"], AS_OF - pd.Timedelta(days=300)) + pd.Timedelta(days=5)
        row = {
            "project_id": pid,
            "raised_date": raised,
            "status": "open",
            "probability": 0.3,
            "impact": 2.0,
            "owner_id": p["pm_id"],
            "last_review_date": AS_OF - pd.Timedelta(days=10),
            "escalated": False,
            "plant": kind,
        }
        row.update(over)
        rows.append(row)

    for i, pid in enumerate(active.tolist()[:12]):
        raised = max(
            projects.set_index("project_id").loc[pid, "start"], AS_OF - pd.Timedelta(days=300)
        ) + pd.Timedelta(days=5)
        planted(
            "stale", pid, last_review_date=max(raised, AS_OF - pd.Timedelta(days=int(45 + 12 * i)))
        )
    for pid in active.tolist()[3:8]:
        planted("unowned", pid, owner_id=None)
    for pid in active.tolist()[8:10]:
        planted("unowned", pid, owner_id="P020")  # left in September 2025
    for pid in active.tolist()[-4:]:
        planted("not_escalated", pid, probability=0.9, impact=4.0)
    risks = pd.DataFrame(rows).sort_values(["raised_date", "project_id"]).reset_index(drop=True)
    risks.insert(0, "risk_id", [f"R-{i:04d}" for i in range(1, len(risks) + 1)])
    for kind, check in (
        ("stale", "risk_review_overdue"),
        ("unowned", "risk_unowned"),
        ("not_escalated", "risk_not_escalated"),
    ):
        ctx.plant(PLAYBOOK, check, risks.loc[risks["plant"] == kind, "risk_id"].tolist())
    for col in ("raised_date", "last_review_date"):
        risks[col] = pd.to_datetime(risks[col]).dt.date
    risks["owner_id"] = risks["owner_id"].astype(object).where(risks["owner_id"].notna(), None)
    return risks.drop(columns="plant")


def _overloaded(ctx: DemoContext, projects: pd.DataFrame) -> list[str]:
    """PMs whose size-weighted concurrent projects exceed the default limit for long enough.

    Nothing is planted here: the core portfolio already loads some PMs this heavily. The
    rule is applied month by month, independently of the playbook's implementation.
    """
    p = projects.copy()
    p["end"] = p["actual_finish"].fillna(p["forecast_finish"])
    p.loc[(p["status"] == "active") & (p["end"] < AS_OF), "end"] = AS_OF
    p["weight"] = [next(w for limit, w in SIZE_BANDS if b < limit) for b in p["budget"]]
    over: dict[str, int] = {}
    for month in _months(pd.Timestamp(ctx.period_start), AS_OF):
        run = p[(p["start"] <= month.end_time) & (p["end"] >= month.start_time)]
        for pm_id, weight in run.groupby("pm_id")["weight"].sum().items():
            if weight > MAX_WEIGHTED:
                over[str(pm_id)] = over.get(str(pm_id), 0) + 1
    return sorted(pm for pm, n in over.items() if n >= MIN_MONTHS)
