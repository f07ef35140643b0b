"""Revenue assurance: from a delivered milestone to cash in the bank, and where money leaks.

The milestone ledger follows each billable milestone through delivery, acceptance, invoicing
and payment as of one date. The checks read that ledger: milestones delivered but not
accepted, accepted but not invoiced, invoiced below the billable amount, and invoices left
unpaid (aged in the usual 0-30 / 31-60 / 61-90 / 91-120 / >120 day bands). Every exception
table carries ``at_stake`` (the money the client may not collect) so it can be summed per
segment and project. Each milestone's money is counted once, at its furthest stage: a
milestone that was invoiced is followed by its invoices (unpaid, under-billed), never again as
awaiting acceptance. Leakage proper (accepted and not invoiced, invoiced below billable) is kept
apart from delay and credit exposure (not accepted, unpaid). Events dated after the as-of date
are treated as not yet happened.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.bi.frames import share_severity, with_segment
from workbench.findings import CheckResult, finding_from_ids
from workbench.formats import money
from workbench.frames import present, select_present

AREA = "Revenue assurance"
#: Aging bands (inclusive day ranges) and their labels, DOMAIN.md "aging in bands".
AGING_BANDS: list[tuple[int, float, str]] = [
    (0, 30, "0-30"),
    (31, 60, "31-60"),
    (61, 90, "61-90"),
    (91, 120, "91-120"),
    (121, np.inf, ">120"),
]
BAND_LABELS = [b[2] for b in AGING_BANDS]
#: Kinds of money at stake that are leakage proper: earned and not (fully) billed. Every other
#: kind (awaiting acceptance, unpaid) is delay and credit exposure.
LEAKAGE_KINDS = ("accepted, not invoiced", "invoiced below billable")
STAGES = {
    "delivery_delay_days": "planned -> delivered",
    "delivery_to_acceptance_days": "delivered -> accepted",
    "acceptance_to_invoice_days": "accepted -> invoiced",
    "invoice_to_payment_days": "invoiced -> paid",
}
# Amounts within a cent are equal: invoices and payments are rounded independently.
_CENT = 0.01


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.days.astype("float64")


def _until(frame: pd.DataFrame, column: str, as_of: pd.Timestamp) -> pd.Series:
    """A date column with anything after ``as_of`` blanked: as of then, it had not happened."""
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    values = pd.to_datetime(frame[column])
    return values.where(values <= as_of)


def milestone_ledger(
    milestones: pd.DataFrame,
    invoices: pd.DataFrame | None = None,
    payments: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    *,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """One row per milestone: its dates, amounts invoiced and paid, status and stage delays.

    Parameters
    ----------
    milestones : pandas.DataFrame
        ``milestones`` table (milestone_id, project_id, planned_date, billable_amount
        [delivered_date, accepted_date]).
    invoices : pandas.DataFrame, optional
        ``invoices`` table; only rows with a ``milestone_id`` are linked to milestones.
    payments : pandas.DataFrame, optional
        ``payments`` table, linked through ``invoice_id``.
    projects : pandas.DataFrame, optional
        ``projects`` table, for ``segment`` and ``pm_id``.
    as_of : pandas.Timestamp
        The status date; later events are ignored.

    Returns
    -------
    pandas.DataFrame
        Milestone columns plus ``segment``, ``pm_id``, ``invoiced_amount``,
        ``first_invoice_date``, ``paid_amount``, ``paid_date`` (date the invoiced amount was
        fully paid), ``status`` (not due / overdue / delivered / accepted / invoiced / paid),
        ``days_overdue`` and the four stage delays in days (see :data:`STAGES`).
    """
    m = milestones.copy()
    m["planned_date"] = pd.to_datetime(m["planned_date"])
    m["delivered_date"] = _until(m, "delivered_date", as_of)
    m["accepted_date"] = _until(m, "accepted_date", as_of)
    m = with_segment(m, projects)

    inv = _linked_invoices(invoices, as_of)
    paid = _paid_per_invoice(payments, as_of)
    if not inv.empty:
        inv = inv.merge(paid, on="invoice_id", how="left")
        inv["paid_to_date"] = inv["paid_to_date"].fillna(0.0)
        per_m = (
            inv.groupby("milestone_id")
            .agg(
                invoiced_amount=("amount", "sum"),
                first_invoice_date=("invoice_date", "min"),
                paid_amount=("paid_to_date", "sum"),
                last_payment_date=("last_payment_date", "max"),
                invoice_ids=("invoice_id", lambda s: ";".join(sorted(map(str, s)))),
            )
            .reset_index()
        )
        m = m.merge(per_m, on="milestone_id", how="left")
    else:
        m["invoiced_amount"] = np.nan
        m["first_invoice_date"] = pd.NaT
        m["paid_amount"] = np.nan
        m["last_payment_date"] = pd.NaT
        m["invoice_ids"] = pd.Series(pd.NA, index=m.index, dtype="string")
    m["invoiced_amount"] = m["invoiced_amount"].fillna(0.0).astype("float64")
    m["paid_amount"] = m["paid_amount"].fillna(0.0).astype("float64")
    fully_paid = (m["invoiced_amount"] > 0) & (m["paid_amount"] >= m["invoiced_amount"] - _CENT)
    m["paid_date"] = m["last_payment_date"].where(fully_paid)
    m = m.drop(columns=["last_payment_date"])

    status = np.select(
        [
            fully_paid,
            m["invoiced_amount"] > 0,
            m["accepted_date"].notna(),
            m["delivered_date"].notna(),
            m["planned_date"] <= as_of,
        ],
        ["paid", "invoiced", "accepted", "delivered", "overdue"],
        default="not due",
    )
    m["status"] = pd.Series(status, index=m.index, dtype="string")
    m["days_overdue"] = _days(pd.Series(as_of, index=m.index), m["planned_date"]).where(
        m["status"] == "overdue"
    )
    m["delivery_delay_days"] = _days(m["delivered_date"], m["planned_date"])
    m["delivery_to_acceptance_days"] = _days(m["accepted_date"], m["delivered_date"])
    m["acceptance_to_invoice_days"] = _days(m["first_invoice_date"], m["accepted_date"])
    m["invoice_to_payment_days"] = _days(m["paid_date"], m["first_invoice_date"])
    return m


def _linked_invoices(invoices: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    if invoices is None or invoices.empty or "milestone_id" not in invoices.columns:
        return pd.DataFrame(columns=["invoice_id", "milestone_id", "invoice_date", "amount"])
    inv = invoices.loc[invoices["milestone_id"].notna()].copy()
    inv["invoice_date"] = pd.to_datetime(inv["invoice_date"])
    inv = inv.loc[inv["invoice_date"] <= as_of]
    return inv[["invoice_id", "milestone_id", "invoice_date", "amount"]]


def _paid_per_invoice(payments: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    if payments is None or payments.empty:
        return pd.DataFrame(
            {
                "invoice_id": pd.Series(dtype="string"),
                "paid_to_date": pd.Series(dtype="float64"),
                "last_payment_date": pd.Series(dtype="datetime64[ns]"),
            }
        )
    pay = payments.copy()
    pay["payment_date"] = pd.to_datetime(pay["payment_date"])
    pay = pay.loc[pay["payment_date"] <= as_of]
    return (
        pay.groupby("invoice_id")
        .agg(paid_to_date=("amount", "sum"), last_payment_date=("payment_date", "max"))
        .reset_index()
    )


def can_link_invoices(invoices: pd.DataFrame | None) -> bool:
    """Whether invoices name their milestone (needed for the milestone-level checks)."""
    return (
        invoices is not None
        and "milestone_id" in invoices.columns
        and bool(invoices["milestone_id"].notna().any())
    )


def _exceptions(
    ledger: pd.DataFrame, mask: pd.Series, at_stake: pd.Series, extra: list[str]
) -> pd.DataFrame:
    cols = ["milestone_id", "project_id", "segment", "pm_id", "name", "billable_amount", *extra]
    out = ledger.loc[mask, present(ledger, cols)].copy()
    out["at_stake"] = at_stake[mask].round(2)
    return out.sort_values("at_stake", ascending=False).reset_index(drop=True)


def _waiting(
    ledger: pd.DataFrame,
    since: str,
    next_step_missing: pd.Series,
    as_of: pd.Timestamp,
    max_days: int,
    days_col: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Milestones stuck at a stage: reached ``since`` more than ``max_days`` before ``as_of``
    and still ``next_step_missing``, all billable at stake, with the days waited in
    ``days_col``; and the population, every milestone that reached ``since``."""
    reached = ledger[since].notna()
    age = _days(pd.Series(as_of, index=ledger.index), ledger[since])
    mask = reached & next_step_missing & (age > max_days)
    table = _exceptions(ledger, mask, ledger["billable_amount"], [since, "invoiced_amount"])
    table[days_col] = table[since].map(lambda d: (as_of - d).days)
    return table, ledger.loc[reached]


def delivered_not_accepted(
    ledger: pd.DataFrame, *, as_of: pd.Timestamp, max_days: int = 30, currency: str = ""
) -> CheckResult:
    """Milestones delivered more than ``max_days`` before ``as_of`` and still not accepted.

    Parameters
    ----------
    ledger : pandas.DataFrame
        From :func:`milestone_ledger`.
    as_of : pandas.Timestamp
        Status date.
    max_days : int
        Days a customer may take to accept a delivery before it counts as stuck.
    currency : str
        For the narrative.
    """
    table, population = _waiting(
        ledger, "delivered_date", ledger["accepted_date"].isna(), as_of, max_days, "days_waiting"
    )
    if table.empty:
        return CheckResult(table)
    # An invoiced milestone has moved past this stage: its money is followed by the invoice
    # checks (unpaid, under-billed), so here only the uninvoiced ones are at stake.
    invoiced = table["invoiced_amount"] > 0
    table["at_stake"] = table["at_stake"].where(~invoiced, 0.0)
    value = float(table["at_stake"].sum())
    billable = float(table["billable_amount"].sum())
    pop_value = float(population["billable_amount"].sum())
    if invoiced.any():
        tail = (
            f"{int(invoiced.sum())} of them already invoiced before acceptance (their money "
            f"is followed under the invoices); {money(value, currency)} is not invoiced and "
            "waits for acceptance."
        )
    else:
        tail = "without acceptance they cannot be invoiced."
    finding = finding_from_ids(
        check="delivered_not_accepted",
        area=AREA,
        code="ACC",
        severity=share_severity(billable, pop_value, floor="medium"),
        title=f"{len(table)} delivered milestones await acceptance for more than {max_days} days",
        summary=(
            f"{len(table)} of {len(population)} delivered milestones "
            f"({money(billable, currency)} billable) were not accepted {max_days} days after "
            f"delivery; the oldest has waited {int(table['days_waiting'].max())} days; {tail}"
        ),
        entity_type="milestone",
        ids=table["milestone_id"].tolist(),
        population_count=len(population),
        population_value=pop_value,
        exception_value=value,
        recommendation="Chase acceptance certificates with each customer and escalate those "
        "older than 60 days to the account owner.",
        corrective_action="Obtain or formally dispute acceptance of each listed milestone.",
        preventive_action="Set an acceptance SLA in contracts and track the acceptance backlog "
        "weekly in the PMO report.",
        owner_role="Project Manager",
    )
    return CheckResult(table, [finding])


def accepted_not_invoiced(
    ledger: pd.DataFrame, *, as_of: pd.Timestamp, max_days: int = 30, currency: str = ""
) -> CheckResult:
    """Milestones accepted more than ``max_days`` before ``as_of`` with no invoice at all.

    Parameters
    ----------
    ledger : pandas.DataFrame
        From :func:`milestone_ledger` (invoices linked by ``milestone_id``).
    as_of : pandas.Timestamp
        Status date.
    max_days : int
        Days finance may take to bill an accepted milestone.
    currency : str
        For the narrative.
    """
    not_invoiced = ledger["invoiced_amount"] <= 0
    table, population = _waiting(
        ledger, "accepted_date", not_invoiced, as_of, max_days, "days_since_acceptance"
    )
    if table.empty:
        return CheckResult(table)
    value = float(table["at_stake"].sum())
    pop_value = float(population["billable_amount"].sum())
    finding = finding_from_ids(
        check="accepted_not_invoiced",
        area=AREA,
        code="LEAK",
        severity=share_severity(value, pop_value, floor="high"),
        title=f"{len(table)} accepted milestones were never invoiced",
        summary=(
            f"{len(table)} of {len(population)} accepted milestones "
            f"({money(value, currency)}) had no invoice {max_days} days after acceptance; "
            f"the oldest was accepted {int(table['days_since_acceptance'].max())} days "
            "before the as-of date. This is revenue earned and not billed."
        ),
        entity_type="milestone",
        ids=table["milestone_id"].tolist(),
        population_count=len(population),
        population_value=pop_value,
        exception_value=value,
        recommendation="Invoice the listed milestones now and reconcile accepted milestones "
        "to invoices every month.",
        corrective_action="Raise the missing invoices; confirm with the customer where the "
        "acceptance is old.",
        preventive_action="Trigger the invoice from the acceptance certificate (billing "
        "template) and add an accepted-not-invoiced line to the PMO report.",
        owner_role="Finance",
    )
    return CheckResult(table, [finding])


def invoiced_below_billable(
    ledger: pd.DataFrame, *, tolerance: float = 0.005, currency: str = ""
) -> CheckResult:
    """Milestones invoiced for less than their billable amount (beyond a relative tolerance).

    Parameters
    ----------
    ledger : pandas.DataFrame
        From :func:`milestone_ledger`.
    tolerance : float
        Relative shortfall ignored (rounding, agreed small discounts); 0.005 = 0.5%.
    currency : str
        For the narrative.
    """
    short = ledger["billable_amount"] - ledger["invoiced_amount"]
    mask = (ledger["invoiced_amount"] > 0) & (
        short > np.maximum(ledger["billable_amount"] * tolerance, _CENT)
    )
    table = _exceptions(ledger, mask, short, ["invoiced_amount", "invoice_ids"])
    if not table.empty:
        table["shortfall_share"] = (table["at_stake"] / table["billable_amount"]).round(4)
    population = ledger.loc[ledger["invoiced_amount"] > 0]
    if table.empty:
        return CheckResult(table)
    value = float(table["at_stake"].sum())
    pop_value = float(population["billable_amount"].sum())
    finding = finding_from_ids(
        check="invoiced_below_billable",
        area=AREA,
        code="BILL",
        severity=share_severity(
            value, pop_value, floor="medium", high_share=0.01, medium_share=0.002
        ),
        title=f"{len(table)} milestones invoiced below their billable amount",
        summary=(
            f"{len(table)} of {len(population)} invoiced milestones were billed "
            f"{money(value, currency)} less than the contract's billable amount "
            f"(median shortfall {table['shortfall_share'].median():.0%})."
        ),
        entity_type="milestone",
        ids=table["milestone_id"].tolist(),
        population_count=len(population),
        population_value=pop_value,
        exception_value=value,
        recommendation="Confirm whether each shortfall is an approved discount; invoice the "
        "balance where it is not.",
        corrective_action="Issue supplementary invoices for unapproved shortfalls.",
        preventive_action="Require approval of any invoice below the milestone's billable "
        "amount and keep the approval with the billing record.",
        owner_role="Finance",
    )
    return CheckResult(table, [finding])


def invoice_aging(
    invoices: pd.DataFrame,
    payments: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    *,
    as_of: pd.Timestamp,
    basis: str = "invoice_date",
) -> pd.DataFrame:
    """Open invoices as of ``as_of`` with their outstanding balance, age and aging band.

    Parameters
    ----------
    invoices, payments, projects : pandas.DataFrame
        The input tables (payments after ``as_of`` are ignored).
    as_of : pandas.Timestamp
        Aging date (the engagement period end unless the playbook says otherwise).
    basis : {"invoice_date", "due_date"}
        Age counted from the invoice date (days outstanding) or from the due date (days
        past due; not-yet-due invoices then have a negative age and fall in ``not due``).

    Returns
    -------
    pandas.DataFrame
        One row per invoice with an open balance: invoice columns, ``segment``,
        ``paid_to_date``, ``outstanding``, ``age_days`` and ``band``.
    """
    inv = invoices.copy()
    inv["invoice_date"] = pd.to_datetime(inv["invoice_date"])
    inv["due_date"] = pd.to_datetime(inv["due_date"])
    inv = inv.loc[inv["invoice_date"] <= as_of]
    inv = inv.merge(_paid_per_invoice(payments, as_of), on="invoice_id", how="left")
    inv["paid_to_date"] = inv["paid_to_date"].fillna(0.0)
    inv["outstanding"] = (inv["amount"] - inv["paid_to_date"]).round(2)
    inv = inv.loc[inv["outstanding"] > _CENT].copy()
    inv = with_segment(inv, projects)
    start = inv[basis] if basis in inv.columns else inv["invoice_date"]
    inv["age_days"] = (as_of - start).dt.days.astype("float64")
    inv["band"] = aging_band(inv["age_days"])
    keep = [
        "invoice_id",
        "invoice_number",
        "project_id",
        "segment",
        "milestone_id",
        "invoice_date",
        "due_date",
        "amount",
        "paid_to_date",
        "outstanding",
        "age_days",
        "band",
    ]
    return select_present(inv, keep).sort_values("age_days", ascending=False).reset_index(drop=True)


def aging_band(age_days: pd.Series) -> pd.Series:
    """The aging band label of each age in days (``not due`` for negative ages)."""
    labels = pd.Series("not due", index=age_days.index, dtype="string")
    for low, high, label in AGING_BANDS:
        labels[(age_days >= low) & (age_days <= high)] = label
    return labels


def aging_summary(aging: pd.DataFrame, by: str = "segment") -> pd.DataFrame:
    """Outstanding amount per ``by`` (segment or project_id) and aging band, with a total."""
    order = ["not due", *BAND_LABELS]
    table = aging.pivot_table(
        index=by, columns="band", values="outstanding", aggfunc="sum", fill_value=0.0, observed=True
    )
    table = table.reindex(
        columns=[c for c in order if c in table.columns or c != "not due"], fill_value=0.0
    )
    table["total"] = table.sum(axis=1)
    table.columns.name = None
    return table.reset_index().sort_values("total", ascending=False).reset_index(drop=True)


def long_unpaid_invoices(
    aging: pd.DataFrame, *, min_days: int = 90, currency: str = ""
) -> CheckResult:
    """Invoices with an open balance older than ``min_days`` (the 91-120 and >120 bands).

    Parameters
    ----------
    aging : pandas.DataFrame
        From :func:`invoice_aging`.
    min_days : int
        Age beyond which an unpaid invoice is a finding.
    currency : str
        For the narrative.
    """
    table = aging.loc[aging["age_days"] > min_days].copy()
    table["at_stake"] = table["outstanding"]
    if table.empty:
        return CheckResult(table)
    value = float(table["at_stake"].sum())
    pop_value = float(aging["outstanding"].sum())
    over_120 = int((table["band"] == ">120").sum())
    finding = finding_from_ids(
        check="long_unpaid_invoices",
        area=AREA,
        code="AR",
        severity=share_severity(
            value, pop_value, floor="medium", high_share=0.10, medium_share=0.02
        ),
        title=f"{len(table)} invoices unpaid for more than {min_days} days",
        summary=(
            f"{len(table)} of {len(aging)} open invoices ({money(value, currency)} of "
            f"{money(pop_value, currency)} outstanding) are older than {min_days} days; "
            f"{over_120} are past 120 days."
        ),
        entity_type="invoice",
        ids=table["invoice_id"].tolist(),
        population_count=len(aging),
        population_value=pop_value,
        exception_value=value,
        recommendation="Escalate the listed invoices to the account owners and agree payment "
        "plans; assess whether a provision is needed for those past 120 days.",
        corrective_action="Send formal reminders and put on hold further work for customers "
        "with invoices past 120 days.",
        preventive_action="Review the aging report monthly with PMs; link milestone acceptance "
        "and collection in the PMO's revenue-assurance checklist.",
        owner_role="Finance",
    )
    return CheckResult(table.reset_index(drop=True), [finding])


def cycle_times(ledger: pd.DataFrame, by: str | None = "segment") -> pd.DataFrame:
    """Count, median, mean and 90th percentile of each stage delay (days) per ``by``.

    Parameters
    ----------
    ledger : pandas.DataFrame
        From :func:`milestone_ledger`.
    by : str or None
        Grouping column (``segment``, ``project_id``, ``pm_id``) or None for the whole client.
    """
    rows = []
    groups = [("All", ledger)] if by is None else list(ledger.groupby(by, observed=True))
    for key, frame in groups:
        for column, label in STAGES.items():
            values = frame[column].dropna()
            rows.append(
                {
                    (by or "scope"): key,
                    "stage": label,
                    "n": len(values),
                    "median_days": float(values.median()) if len(values) else np.nan,
                    "mean_days": round(float(values.mean()), 1) if len(values) else np.nan,
                    "p90_days": float(values.quantile(0.9)) if len(values) else np.nan,
                }
            )
    return pd.DataFrame(rows)


def leakage_by(results: dict[str, pd.DataFrame], by: str = "segment") -> pd.DataFrame:
    """Money at stake per ``by`` and leakage type, from the exception tables of the checks.

    Parameters
    ----------
    results : dict
        ``{leakage type: exception table}``; every table has ``at_stake`` and ``by``.
    by : str
        ``segment`` or ``project_id``.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` value, one column per type, ``leakage`` (the types in
        :data:`LEAKAGE_KINDS`: earned and not billed), ``exposure`` (the others: delay and
        credit exposure), ``total`` and ``share``, largest first. The checks count each
        milestone at its furthest stage, so the types add up without double counting.
    """
    parts = []
    for kind, table in results.items():
        if table is None or table.empty or by not in table.columns:
            continue
        parts.append(table.groupby(by, observed=True)["at_stake"].sum().rename(kind))
    if not parts:
        return pd.DataFrame(columns=[by, *results.keys(), "leakage", "exposure", "total", "share"])
    out = pd.concat(parts, axis=1).fillna(0.0)
    out = out.reindex(columns=[k for k in results if k in out.columns])
    kinds = list(out.columns)
    out["leakage"] = out[[k for k in kinds if k in LEAKAGE_KINDS]].sum(axis=1)
    out["exposure"] = out[[k for k in kinds if k not in LEAKAGE_KINDS]].sum(axis=1)
    out["total"] = out["leakage"] + out["exposure"]
    grand = out["total"].sum()
    out["share"] = (out["total"] / grand).round(4) if grand else 0.0
    out.index.name = by
    return out.reset_index().sort_values("total", ascending=False).reset_index(drop=True)
