"""Demo data for the BI assessment: milestones to cash, expenses, defects, people, decisions.

Adds ``milestones``, ``invoices``, ``payments``, ``expenses``, ``defects``, ``trainings``,
``decisions`` and ``kpi_catalogue`` to the demo context and records every planted problem in
the answer key under ``bi-assessment``. The clean rows are built so that no check trips on
them by accident: acceptance within 25 days of delivery, invoices within 20 days of
acceptance, payments within 75 days, expenses with cents on working days, away from the
approval limit and from each other. Everything is drawn from ``ctx.rng_for("bi")``.
"""

from __future__ import annotations

from datetime import date

import holidays
import numpy as np
import pandas as pd

from workbench.demo.core import DemoContext

PLAYBOOK = "bi-assessment"
APPROVAL_LIMIT = 5000.0
#: Clean expense amounts stay out of [limit * (1 - margin), limit) so only plants sit there.
LIMIT_MARGIN = 0.15
#: Clean expenses of one vendor are never this close in days and relative amount.
NEAR_DAYS, NEAR_SHARE = 10, 0.03
DECISION_DATE = pd.Timestamp("2025-04-01")
DECISION_SEGMENT = "Public Sector"
HOTSPOT_SEGMENT = "Telecom"

_VENDORS = [
    ("Acme Supplies Ltd", "materials"),
    ("Globex Travel", "travel"),
    ("Initech Software Inc", "software"),
    ("Umbrella Hardware", "hardware"),
    ("Stark Facilities", "facilities"),
    ("Wayne Logistics", "logistics"),
    ("Hooli Cloud Services", "software"),
    ("Vandelay Imports", "materials"),
    ("Pied Piper Data", "software"),
    ("Soylent Catering", "catering"),
    ("Cyberdyne Systems", "hardware"),
    ("Tyrell Consulting", "subcontractor"),
    ("Oscorp Labs", "testing"),
    ("Massive Dynamic", "subcontractor"),
    ("Aperture Training", "training"),
    ("Gringotts Finance", "fees"),
    ("Monarch Printing", "office"),
    ("Nakatomi Trading", "materials"),
    ("Brightline Consulting Ltd", "subcontractor"),
    ("Dunder Paper Co", "office"),
    ("Sterling Cooper Media", "marketing"),
    ("Wonka Events", "catering"),
    ("Prestige Worldwide", "travel"),
    ("Blue Sun Energy", "facilities"),
]
#: The vendor spelled two ways, and its second spelling.
FUZZY_VENDOR = "Brightline Consulting Ltd"
FUZZY_VARIANT = "BrightLine Consulting Limited"
_COURSES = [
    "Earned value management",
    "Agile delivery",
    "Contract management",
    "Risk management",
    "Stakeholder communication",
    "Quality assurance",
    "Schedule management",
    "Negotiation",
]


def generate(ctx: DemoContext) -> None:
    """Add the BI tables to ``ctx.tables`` and the planted problems to the answer key."""
    # One child stream per table, so a change in one table (or in the number of projects)
    # does not reshuffle the others.
    streams = ctx.rng_for("bi").spawn(5)
    projects = ctx.tables["projects"]
    staff = ctx.tables["staff"]
    as_of = pd.Timestamp(ctx.period_end)
    poor_pm = _poor_pm(projects)
    milestones = _milestones(streams[0], projects, as_of, poor_pm)
    milestones, invoices, payments = _billing(ctx, streams[1], milestones, projects, as_of)
    ctx.tables["milestones"] = milestones
    ctx.tables["invoices"] = invoices
    ctx.tables["payments"] = payments
    ctx.tables["expenses"] = _expenses(ctx, streams[2], projects, staff)
    ctx.tables["defects"] = _defects(streams[3], milestones, projects, staff, as_of)
    ctx.tables["trainings"] = _trainings(streams[4], staff, ctx)
    ctx.tables["decisions"] = _decisions()
    ctx.tables["kpi_catalogue"] = _kpi_catalogue(ctx)
    ctx.plant(PLAYBOOK, "delivery_below_peers", [poor_pm])
    ctx.plant(PLAYBOOK, "defect_hotspot", [HOTSPOT_SEGMENT])
    ctx.plant(PLAYBOOK, "decision_effect", ["DEC-02"])
    ctx.plant(PLAYBOOK, "decision_no_effect", ["DEC-01", "DEC-03", "DEC-04"])


def _poor_pm(projects: pd.DataFrame) -> str:
    """The PM planted with late deliveries: the one with most projects (ties: lowest id)."""
    counts = projects.groupby("pm_id").size().sort_index()
    return str(counts.idxmax())


def _milestones(
    rng: np.random.Generator, projects: pd.DataFrame, as_of: pd.Timestamp, poor_pm: str
) -> pd.DataFrame:
    rows = []
    names = [
        "Kick-off",
        "Design",
        "Build 1",
        "Build 2",
        "Build 3",
        "Integration",
        "Test",
        "UAT",
        "Go-live",
        "Hypercare",
        "Handover",
        "Closure",
    ]
    k = 0
    for p in projects.itertuples():
        n = int(rng.integers(6, 12))
        start = pd.Timestamp(p.baseline_start) + pd.Timedelta(days=30)
        finish = pd.Timestamp(p.baseline_finish)
        planned = pd.date_range(start, finish, periods=n).normalize()
        weights = rng.dirichlet(np.full(n, 4.0))
        amounts = np.round(weights * float(p.contract_value), 0)
        for j in range(n):
            k += 1
            plan = planned[j] + pd.Timedelta(days=int(rng.integers(-3, 4)))
            if p.pm_id == poor_pm:
                delay = (
                    int(rng.integers(5, 45)) if rng.random() < 0.85 else int(rng.integers(-5, 1))
                )
            else:
                delay = (
                    int(rng.integers(-10, 1)) if rng.random() < 0.85 else int(rng.integers(1, 30))
                )
            delivered = plan + pd.Timedelta(days=delay)
            delivered_at = delivered if delivered <= as_of else pd.NaT
            accepted = pd.NaT
            if pd.notna(delivered_at):
                regime_new = p.segment == DECISION_SEGMENT and delivered_at >= DECISION_DATE
                if p.segment == DECISION_SEGMENT and not regime_new:
                    lag = int(rng.integers(14, 26))
                elif regime_new:
                    lag = int(rng.integers(2, 8))
                else:
                    lag = int(rng.integers(3, 20))
                accepted = delivered_at + pd.Timedelta(days=lag)
                accepted = accepted if accepted <= as_of else pd.NaT
            rows.append(
                {
                    "milestone_id": f"M-{k:04d}",
                    "project_id": p.project_id,
                    "name": names[j % len(names)],
                    "planned_date": plan,
                    "billable_amount": float(amounts[j]),
                    "delivered_date": delivered_at,
                    "accepted_date": accepted,
                }
            )
    return pd.DataFrame(rows)


def _pick(rng: np.random.Generator, pool: list[str], n: int, taken: set[str]) -> list[str]:
    free = sorted(set(pool) - taken)
    chosen = sorted(str(x) for x in rng.choice(free, size=n, replace=False))
    taken.update(chosen)
    return chosen


def _billing(
    ctx: DemoContext,
    rng: np.random.Generator,
    milestones: pd.DataFrame,
    projects: pd.DataFrame,
    as_of: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    m = milestones.copy()
    taken: set[str] = set()
    old = as_of - pd.Timedelta(days=60)
    # Delivered long ago, never accepted (and so never invoiced).
    pool = m.loc[m["accepted_date"].notna() & (m["delivered_date"] < old), "milestone_id"]
    not_accepted = _pick(rng, pool.tolist(), 6, taken)
    m.loc[m["milestone_id"].isin(not_accepted), "accepted_date"] = pd.NaT
    # Accepted long ago, never invoiced.
    pool = m.loc[m["accepted_date"].notna() & (m["accepted_date"] < old), "milestone_id"]
    not_invoiced = _pick(rng, pool.tolist(), 7, taken)

    invoices = []
    for r in m.loc[m["accepted_date"].notna()].itertuples():
        if r.milestone_id in not_invoiced:
            continue
        when = r.accepted_date + pd.Timedelta(days=int(rng.integers(2, 20)))
        if when <= as_of:
            invoices.append(
                {
                    "milestone_id": r.milestone_id,
                    "project_id": r.project_id,
                    "invoice_date": when,
                    "amount": r.billable_amount,
                }
            )
    inv = (
        pd.DataFrame(invoices).sort_values(["invoice_date", "milestone_id"]).reset_index(drop=True)
    )
    # Invoiced below the billable amount: 80-95% of it.
    pool = inv.loc[inv["invoice_date"] < old, "milestone_id"]
    under = _pick(rng, pool.tolist(), 6, taken)
    cut = inv["milestone_id"].isin(under)
    inv.loc[cut, "amount"] = np.round(
        inv.loc[cut, "amount"] * rng.uniform(0.80, 0.95, cut.sum()), 0
    )
    # Invoice numbers run in date order; three gaps are left in the sequence.
    skip_after = sorted(int(x) for x in rng.choice(np.arange(50, len(inv) - 50), 3, replace=False))
    gap_sizes = [1, 3, 2]
    numbers, missing, current = [], [], 100001
    for i in range(len(inv)):
        numbers.append(current)
        current += 1
        if i in skip_after:
            size = gap_sizes[skip_after.index(i)]
            first, last = f"INV-{current}", f"INV-{current + size - 1}"
            missing.append(first if size == 1 else f"{first}..{last}")
            current += size
    inv.insert(0, "invoice_id", [f"I-{i + 1:04d}" for i in range(len(inv))])
    inv.insert(1, "invoice_number", [f"INV-{n}" for n in numbers])
    inv.insert(4, "due_date", inv["invoice_date"] + pd.Timedelta(days=30))
    inv = inv[
        [
            "invoice_id",
            "invoice_number",
            "project_id",
            "invoice_date",
            "due_date",
            "amount",
            "milestone_id",
        ]
    ]

    # Long unpaid: old invoices with no payment (two bands: 91-120 and > 120 days).
    pool = inv.loc[
        (inv["invoice_date"] < as_of - pd.Timedelta(days=100)) & ~inv["milestone_id"].isin(under),
        "invoice_id",
    ]
    unpaid = _pick(rng, pool.tolist(), 8, set())
    pays = []
    for r in inv.itertuples():
        if r.invoice_id in unpaid:
            continue
        when = r.invoice_date + pd.Timedelta(days=int(rng.integers(10, 75)))
        if when > as_of:
            continue
        if rng.random() < 0.1:
            first = round(r.amount * 0.5, 2)
            early = r.invoice_date + pd.Timedelta(days=int(rng.integers(5, 10)))
            pays += [(r.invoice_id, early, first), (r.invoice_id, when, round(r.amount - first, 2))]
        else:
            pays.append((r.invoice_id, when, r.amount))
    pay = pd.DataFrame(pays, columns=["invoice_id", "payment_date", "amount"])
    pay = pay.sort_values(["payment_date", "invoice_id"]).reset_index(drop=True)
    pay.insert(0, "payment_id", [f"PAY-{i + 1:04d}" for i in range(len(pay))])

    ctx.plant(PLAYBOOK, "delivered_not_accepted", not_accepted)
    ctx.plant(PLAYBOOK, "accepted_not_invoiced", not_invoiced)
    ctx.plant(PLAYBOOK, "invoiced_below_billable", under)
    ctx.plant(PLAYBOOK, "long_unpaid_invoices", unpaid)
    ctx.plant(PLAYBOOK, "sequence_gaps_invoice_number", missing)
    return m, inv, pay


def _working_days(
    ctx: DemoContext,
) -> tuple[pd.DatetimeIndex, list[pd.Timestamp], list[pd.Timestamp]]:
    days = pd.date_range(ctx.period_start, ctx.period_end, freq="D")
    years = sorted({d.year for d in days})
    hol = holidays.country_holidays("GB", years=years)
    is_hol = np.array([d.date() in hol for d in days])
    weekend = days.day_of_week >= 5
    work = days[~weekend & ~is_hol]
    return work, list(days[weekend]), list(days[is_hol & ~weekend])


def _clean_amounts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Lognormal amounts with cents, none just below the approval limit, none round."""
    out = np.round(rng.lognormal(np.log(300), 1.4, n), 2)
    low = APPROVAL_LIMIT * (1 - LIMIT_MARGIN)
    # Clean amounts stay within 3 sigma on the log scale: the outlier test scores at 3.5.
    hi = 300 * np.exp(3 * 1.4)
    for _ in range(50):
        bad = ((out >= low) & (out < APPROVAL_LIMIT)) | (np.round(out % 1, 2) == 0) | (out < 1)
        bad |= out > hi
        if not bad.any():
            break
        out[bad] = np.round(rng.lognormal(np.log(300), 1.4, int(bad.sum())), 2)
    return out


def _weeks_apart(
    rng: np.random.Generator, work: pd.DatetimeIndex, when: pd.Timestamp
) -> pd.Timestamp:
    """One of the 20 working days that follow ``when`` by more than 20 days.

    A posting within the last weeks of the period has no such day; its copy then goes to one
    of the 20 working days that precede it by more than 20 days. The gap keeps the copy out
    of every near-duplicate window, so it is found only as same vendor and amount.
    """
    gap = pd.Timedelta(days=20)
    later = work[work > when + gap]
    if len(later):
        return later[int(rng.integers(0, min(len(later), 20)))]
    earlier = work[work < when - gap]
    return earlier[len(earlier) - 1 - int(rng.integers(0, min(len(earlier), 20)))]


def _vendor_for(v: int, posted: pd.DataFrame, when: pd.Timestamp, amount: float) -> tuple[str, str]:
    """Vendor ``v`` (the last one stands in for the fuzzy one), or the next that takes a posting
    of ``amount`` on ``when`` without making it an unplanted duplicate of one in ``posted``.

    An unplanted duplicate is the same amount again (same vendor and amount, different
    invoice number) or a near amount on the same day.
    """
    usable = [i for i, (name, _) in enumerate(_VENDORS) if name != FUZZY_VENDOR]
    first = usable.index(v if v in usable else len(_VENDORS) - 1)
    for i in usable[first:] + usable[:first]:
        rows = posted.loc[posted["vendor"] == _VENDORS[i][0]]
        near = (rows["amount"] - amount).abs() <= NEAR_SHARE * np.maximum(rows["amount"], amount)
        if not ((rows["amount"] == amount) | (near & (rows["date"] == when))).any():
            return _VENDORS[i]
    return _VENDORS[usable[first]]  # every vendor clashes: not met with a 3,000-row ledger


def _expenses(
    ctx: DemoContext, rng: np.random.Generator, projects: pd.DataFrame, staff: pd.DataFrame
) -> pd.DataFrame:
    work, weekends, holiday_days = _working_days(ctx)
    n = 3000
    vendor_idx = rng.integers(0, len(_VENDORS), n)
    dates = work[np.sort(rng.integers(0, len(work), n))]
    amounts = _clean_amounts(rng, n)
    frame = pd.DataFrame(
        {
            "date": dates,
            "amount": amounts,
            "vendor": [_VENDORS[i][0] for i in vendor_idx],
            "category": [_VENDORS[i][1] for i in vendor_idx],
        }
    )
    frame = _separate_near(rng, frame)
    # Vendor invoice numbers: a prefix per vendor and a unique running number.
    prefix = {
        v: "".join(w[0] for w in v.split()[:2]).upper() + f"{i:02d}"
        for i, (v, _) in enumerate(_VENDORS)
    }
    frame["invoice_number"] = [f"{prefix[v]}-{70000 + i}" for i, v in enumerate(frame["vendor"])]
    project_ids = projects["project_id"].tolist()
    people = staff.loc[
        staff["role"].isin(["Engineer", "Consultant", "Project Manager"]), "person_id"
    ].tolist()
    approvers = staff.loc[staff["role"].isin(["Director", "Finance Officer"]), "person_id"].tolist()
    frame["project_id"] = [project_ids[int(i)] for i in rng.integers(0, len(project_ids), n)]
    frame["person_id"] = [people[int(i)] for i in rng.integers(0, len(people), n)]
    frame["approver_id"] = [approvers[int(i)] for i in rng.integers(0, len(approvers), n)]
    # One vendor appears under a second spelling on some of its rows.
    variant = (frame["vendor"] == FUZZY_VENDOR) & (rng.random(n) < 0.4)
    frame.loc[variant, "vendor"] = FUZZY_VARIANT

    plants: dict[str, list[str]] = {}
    extra = []
    base = frame.loc[(frame["vendor"] != FUZZY_VARIANT) & (frame["vendor"] != FUZZY_VENDOR)]
    picks = rng.choice(base.index.to_numpy(), size=8, replace=False)
    # Exact duplicates: the same posting entered twice.
    for i in picks[:4]:
        extra.append({**frame.loc[i].to_dict(), "_plant": "exact_duplicates", "_of": i})
    # Same vendor and amount, different invoice number, a few weeks later (or earlier, when
    # the original is posted too close to the period end to leave room for a later copy).
    for j, i in enumerate(picks[4:]):
        row = frame.loc[i].to_dict()
        row.update(
            {
                "date": _weeks_apart(rng, work, row["date"]),
                "invoice_number": f"{row['invoice_number']}-R{j + 1}",
            }
        )
        extra.append({**row, "_plant": "duplicates_same_same_different", "_of": i})
    # Just below the approval limit, round amounts, an outlier, weekend and holiday postings.
    specials = []
    for amount in np.round(rng.uniform(4800, 4999.99, 8), 2):
        specials.append(
            ("just_below_approval_limit", float(amount), work[int(rng.integers(0, len(work)))])
        )
    for amount in (800.0, 1500.0, 2000.0, 3000.0, 12000.0):
        specials.append(("round_amounts", amount, work[int(rng.integers(0, len(work)))]))
    # One expense far above anything else in its category.
    specials.append(("outliers_robust", 187450.20, work[int(rng.integers(0, len(work)))]))
    for d in rng.choice(np.arange(len(weekends)), 6, replace=False):
        specials.append(("weekend_postings", float(_clean_amounts(rng, 1)[0]), weekends[int(d)]))
    for d in rng.choice(np.arange(len(holiday_days)), 3, replace=False):
        specials.append(
            ("holiday_postings", float(_clean_amounts(rng, 1)[0]), holiday_days[int(d)])
        )
    columns = ["vendor", "date", "amount"]
    posted = pd.concat([frame[columns], pd.DataFrame(extra)[columns]], ignore_index=True)
    for s, (check, amount, when) in enumerate(specials):
        v = int(rng.integers(0, len(_VENDORS) - 1))
        vendor, category = _vendor_for(v, posted, when, amount)
        posted.loc[len(posted)] = [vendor, when, amount]
        extra.append(
            {
                "date": when,
                "amount": amount,
                "vendor": vendor,
                "category": category,
                "invoice_number": f"{prefix[vendor]}-{90000 + s}",
                "project_id": project_ids[int(rng.integers(0, len(project_ids)))],
                "person_id": people[int(rng.integers(0, len(people)))],
                "approver_id": approvers[int(rng.integers(0, len(approvers)))],
                "_plant": check,
                "_of": None,
            }
        )
    frame["_plant"] = None
    frame["_of"] = None
    full = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    full = full.sort_values(["date", "vendor"], kind="stable").reset_index()
    full["expense_id"] = [f"E-{i + 1:06d}" for i in range(len(full))]
    id_of = dict(zip(full["index"], full["expense_id"], strict=True))
    for check in ("exact_duplicates", "duplicates_same_same_different"):
        rows = full.loc[full["_plant"] == check]
        plants[check] = sorted([*rows["expense_id"], *(id_of[int(o)] for o in rows["_of"])])
    for check in (
        "just_below_approval_limit",
        "round_amounts",
        "weekend_postings",
        "holiday_postings",
        "outliers_robust",
    ):
        plants[check] = sorted(full.loc[full["_plant"] == check, "expense_id"])
    for check, ids in plants.items():
        ctx.plant(PLAYBOOK, check, ids)
    ctx.plant(PLAYBOOK, "fuzzy_vendor_names", sorted([FUZZY_VENDOR, FUZZY_VARIANT]))
    cols = [
        "expense_id",
        "date",
        "amount",
        "vendor",
        "project_id",
        "person_id",
        "category",
        "invoice_number",
        "approver_id",
    ]
    return full[cols].reset_index(drop=True)


def _separate_near(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Redraw amounts so that no two clean rows of a vendor look like (near) duplicates."""
    out = frame.copy()
    # Only amounts are redrawn, so each vendor's rows keep one date order on every pass.
    vendors = [g.sort_values("date") for _, g in out.groupby("vendor")]
    for _ in range(20):
        clash = []
        for g in vendors:
            amounts = out.loc[g.index, "amount"].to_numpy()
            clash += g.index[_near_later(g["date"].to_numpy(), amounts)].tolist()
        # The same vendor and amount twice is a same-same-different hit: keep amounts unique.
        clash += out.index[out.duplicated(["vendor", "amount"], keep="first")].tolist()
        if not clash:
            return out
        out.loc[clash, "amount"] = _clean_amounts(rng, len(clash))
    return out


def _near_later(dates: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """Positions ``j`` of every pair ``i < j`` of date-sorted rows that are near duplicates.

    Ordered by ``i``, then ``j`` (a ``j`` repeats once per ``i`` it is near), so the redraws
    that follow consume the generator exactly as a pairwise loop would.
    """
    pairs = []
    for k in range(1, len(dates)):
        # Dates are sorted, so once no pair k apart is within the window, none further is.
        window = (dates[k:] - dates[:-k]) <= np.timedelta64(NEAR_DAYS, "D")
        if not window.any():
            break
        near = np.abs(amounts[k:] - amounts[:-k]) <= NEAR_SHARE * np.maximum(
            amounts[:-k], amounts[k:]
        )
        i = np.flatnonzero(window & near)
        pairs.append(np.column_stack([i, i + k]))
    if not pairs:
        return np.empty(0, dtype=int)
    found = np.concatenate(pairs)
    return found[np.lexsort((found[:, 1], found[:, 0])), 1]


def _defects(
    rng: np.random.Generator,
    milestones: pd.DataFrame,
    projects: pd.DataFrame,
    staff: pd.DataFrame,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    seg = projects.set_index("project_id")["segment"]
    delivery = staff.loc[staff["role"].isin(["Engineer", "Consultant"])]
    by_segment = {s: g["person_id"].tolist() for s, g in delivery.groupby("segment")}
    severities = ["critical", "high", "medium", "low"]
    rows = []
    for r in milestones.loc[milestones["delivered_date"].notna()].itertuples():
        segment = seg[r.project_id]
        lam = 2.6 if segment == HOTSPOT_SEGMENT else 0.7
        for _ in range(int(rng.poisson(lam))):
            found = r.delivered_date + pd.Timedelta(days=int(rng.integers(0, 40)))
            if found > as_of:
                continue
            closed = found + pd.Timedelta(days=int(np.ceil(rng.lognormal(np.log(8), 0.7))))
            people = by_segment.get(segment, delivery["person_id"].tolist())
            rows.append(
                {
                    "project_id": r.project_id,
                    "found_date": found,
                    "severity": severities[int(rng.choice(4, p=[0.05, 0.2, 0.45, 0.3]))],
                    "closed_date": closed if closed <= as_of else pd.NaT,
                    "person_id": people[int(rng.integers(0, len(people)))],
                    "phase": str(rng.choice(["testing", "UAT", "production"], p=[0.6, 0.3, 0.1])),
                }
            )
    out = pd.DataFrame(rows).sort_values(["found_date", "project_id"]).reset_index(drop=True)
    out.insert(0, "defect_id", [f"D-{i + 1:04d}" for i in range(len(out))])
    return out


def _trainings(rng: np.random.Generator, staff: pd.DataFrame, ctx: DemoContext) -> pd.DataFrame:
    people = staff.loc[~staff["role"].isin(["Director"]), "person_id"].tolist()
    days = pd.date_range(ctx.period_start, ctx.period_end, freq="B")
    rows = []
    for _ in range(110):
        rows.append(
            {
                "person_id": people[int(rng.integers(0, len(people)))],
                "course": _COURSES[int(rng.integers(0, len(_COURSES)))],
                "date": days[int(rng.integers(0, len(days)))],
                "hours": float(rng.choice([4, 8, 8, 16, 24, 40])),
            }
        )
    return pd.DataFrame(rows).sort_values(["date", "person_id"]).reset_index(drop=True)


def _decisions() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "decision_id": "DEC-01",
                "date": date(2024, 11, 4),
                "title": "Monthly portfolio review board introduced",
                "segment": None,
            },
            {
                "decision_id": "DEC-02",
                "date": DECISION_DATE.date(),
                "title": "Acceptance sign-off SLA of 10 working days",
                "segment": DECISION_SEGMENT,
            },
            {
                "decision_id": "DEC-03",
                "date": date(2025, 9, 15),
                "title": "Expense pre-approval for purchases above 2,000",
                "segment": None,
            },
            {
                "decision_id": "DEC-04",
                "date": date(2025, 11, 3),
                "title": "Weekly defect triage board",
                "segment": None,
            },
        ]
    )


def _kpi_catalogue(ctx: DemoContext) -> pd.DataFrame:
    rows = [
        (
            "On-time delivery rate",
            "Milestones delivered by planned date / delivered",
            "Head of PMO",
            ">= 85%",
            "monthly",
        ),
        (
            "Milestone acceptance cycle time",
            "Days from delivery to customer acceptance",
            "Head of Delivery",
            "<= 15 days",
            "monthly",
        ),
        (
            "Average days to collect",
            "Days from invoice to full payment",
            "CFO",
            "<= 45 days",
            "monthly",
        ),
        ("Invoiced revenue", "Sum of invoices issued in the period", "CFO", None, "monthly"),
        (
            "Revenue leakage",
            "Accepted or delivered value not billed or collected",
            "Revenue Assurance Lead",
            "0",
            "monthly",
        ),
        ("Defect density", "Defects per delivered milestone", None, "<= 1.0", "monthly"),
        (
            "Mean time to close defects",
            "Days from found to closed",
            "Quality Manager",
            "<= 10 days",
            "monthly",
        ),
        (
            "Expense per project",
            "Expenses booked per project",
            "Finance Controller",
            "",
            "quarterly",
        ),
        (
            "Billing accuracy",
            "Invoices equal to billable amount / invoices",
            "Finance Controller",
            ">= 99%",
            "monthly",
        ),
        ("Training hours per employee", None, "HR Business Partner", ">= 24 h", "yearly"),
        (
            "Customer satisfaction (CSAT)",
            "Survey score after go-live",
            "Head of Delivery",
            ">= 4.2 / 5",
            "quarterly",
        ),
        ("Employee engagement score", "Annual survey index", None, ">= 70", "yearly"),
    ]
    table = pd.DataFrame(rows, columns=["kpi", "definition", "owner", "target", "frequency"])
    ctx.plant(PLAYBOOK, "kpi_missing_owner", ["Defect density", "Employee engagement score"])
    ctx.plant(PLAYBOOK, "kpi_missing_target", ["Expense per project", "Invoiced revenue"])
    ctx.plant(PLAYBOOK, "kpi_missing_definition", ["Training hours per employee"])
    ctx.plant(
        PLAYBOOK,
        "kpi_not_computable",
        ["Customer satisfaction (CSAT)", "Employee engagement score"],
    )
    return table
