"""The KPIs the data can compute, and the event log every trend and comparison is built from.

Each KPI is defined once (:data:`KPI_DEFS`): how it aggregates (``mean`` of event values,
``rate`` of 0/1 outcomes, ``total`` of amounts), its unit, which direction is better, and the
tables it needs. :func:`kpi_events` turns the input tables into one long table of dated
events (one row per delivered milestone, invoice, payment, expense, defect, ...), tagged with
segment, project and person. The dashboard, the period comparison and the decision analysis
all aggregate this one table, so a KPI means the same thing in every chart and test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from workbench.bi.frames import with_segment

Kind = Literal["mean", "rate", "total"]
EVENT_COLUMNS = ["kpi", "date", "segment", "project_id", "person_id", "entity_id", "value"]


@dataclass(frozen=True)
class KpiDef:
    """One KPI: its label, how it aggregates, unit, better direction and source tables."""

    name: str
    label: str
    kind: Kind
    unit: str
    better: Literal["lower", "higher"]
    tables: tuple[str, ...]
    pillar: str


KPI_DEFS: dict[str, KpiDef] = {
    k.name: k
    for k in [
        KpiDef(
            "on_time_delivery_rate",
            "On-time delivery rate",
            "rate",
            "share",
            "higher",
            ("milestones",),
            "time",
        ),
        KpiDef(
            "delivery_delay_days",
            "Delivery delay (days late)",
            "mean",
            "days",
            "lower",
            ("milestones",),
            "time",
        ),
        KpiDef(
            "milestones_delivered",
            "Milestones delivered",
            "total",
            "count",
            "higher",
            ("milestones",),
            "delivery status",
        ),
        KpiDef(
            "milestones_accepted",
            "Milestones accepted",
            "total",
            "count",
            "higher",
            ("milestones",),
            "acceptance status",
        ),
        KpiDef(
            "delivery_to_acceptance_days",
            "Delivery to acceptance (days)",
            "mean",
            "days",
            "lower",
            ("milestones",),
            "acceptance status",
        ),
        KpiDef(
            "acceptance_to_invoice_days",
            "Acceptance to invoice (days)",
            "mean",
            "days",
            "lower",
            ("milestones", "invoices"),
            "revenue",
        ),
        KpiDef(
            "invoice_to_payment_days",
            "Invoice to payment (days)",
            "mean",
            "days",
            "lower",
            ("invoices", "payments"),
            "revenue",
        ),
        KpiDef(
            "invoiced_revenue",
            "Invoiced revenue",
            "total",
            "currency",
            "higher",
            ("invoices",),
            "revenue",
        ),
        KpiDef(
            "cash_collected",
            "Cash collected",
            "total",
            "currency",
            "higher",
            ("payments",),
            "revenue",
        ),
        KpiDef("expense_cost", "Expenses", "total", "currency", "lower", ("expenses",), "cost"),
        KpiDef(
            "defects_found", "Defects found", "total", "count", "lower", ("defects",), "quality"
        ),
        KpiDef(
            "critical_defect_rate",
            "Share of defects critical or high",
            "rate",
            "share",
            "lower",
            ("defects",),
            "quality",
        ),
        KpiDef(
            "defect_close_days",
            "Defect time to close (days)",
            "mean",
            "days",
            "lower",
            ("defects",),
            "quality",
        ),
    ]
}


def _events(
    kpi: str,
    dates: pd.Series,
    frame: pd.DataFrame,
    values: pd.Series | float,
    entity: str,
    person: str | None = None,
) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "kpi": kpi,
            "date": pd.to_datetime(dates).values,
            "segment": frame["segment"].astype("string").values,
            "project_id": (
                frame["project_id"].astype("string").values
                if "project_id" in frame.columns
                else pd.NA
            ),
            "person_id": (
                frame[person].astype("string").values
                if person and person in frame.columns
                else pd.NA
            ),
            "entity_id": frame[entity].astype("string").values,
            "value": (
                values.astype("float64").values if isinstance(values, pd.Series) else float(values)
            ),
        }
    )
    return out.loc[out["date"].notna() & out["value"].notna()]


def milestones_due(
    ledger: pd.DataFrame, *, as_of: pd.Timestamp, grace_days: int = 0
) -> pd.DataFrame:
    """Every milestone due by ``as_of``, with ``on_time`` (1.0 or 0.0): the on-time population.

    A milestone counts once its planned date has passed: delivered within ``grace_days`` of
    plan it is on time; delivered later, or not delivered and more than ``grace_days`` past
    plan, it is late. Counting only the delivered ones would leave out exactly the late ones
    still open. An undelivered milestone still within its grace days is left out (not late
    yet), as is one planned after ``as_of`` even if delivered early.

    Parameters
    ----------
    ledger : pandas.DataFrame
        From :func:`workbench.bi.revenue.milestone_ledger` (dates after ``as_of`` already
        blanked).
    as_of : pandas.Timestamp
        The cut-off.
    grace_days : int
        Days after plan a delivery still counts as on time.

    Returns
    -------
    pandas.DataFrame
        The ledger rows due by ``as_of`` with an added ``on_time`` column.
    """
    planned = pd.to_datetime(ledger["planned_date"])
    delivered = ledger["delivered_date"].notna()
    overdue_days = (as_of - planned).dt.days
    due = (planned <= as_of) & (delivered | (overdue_days > grace_days))
    out = ledger.loc[due].copy()
    out["on_time"] = (
        out["delivered_date"].notna() & (out["delivery_delay_days"] <= grace_days)
    ).astype("float64")
    return out


def kpi_events(
    *,
    ledger: pd.DataFrame | None = None,
    invoices: pd.DataFrame | None = None,
    payments: pd.DataFrame | None = None,
    expenses: pd.DataFrame | None = None,
    defects: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    as_of: pd.Timestamp,
    grace_days: int = 0,
    severe: tuple[str, ...] = ("critical", "high"),
) -> pd.DataFrame:
    """One long table of dated KPI events from whatever tables are present.

    Parameters
    ----------
    ledger : pandas.DataFrame, optional
        From :func:`workbench.bi.revenue.milestone_ledger` (delivery, acceptance, invoice and
        payment delays; ``pm_id`` becomes the event's person).
    invoices, payments, expenses, defects, projects : pandas.DataFrame, optional
        Input tables; ``projects`` gives each event its segment.
    as_of : pandas.Timestamp
        Events after it are dropped.
    grace_days : int
        A milestone delivered up to this many days after plan still counts as on time.
    severe : tuple of str
        Severity values counted by ``critical_defect_rate`` (case-insensitive).

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, date, segment, project_id, person_id, entity_id, value`` (see
        :data:`KPI_DEFS` for each KPI's meaning of ``value``).
    """
    parts: list[pd.DataFrame] = []
    if ledger is not None and not ledger.empty:
        d = ledger.loc[ledger["delivered_date"].notna()]
        # The on-time rate counts every milestone due, in the period it was due.
        due = milestones_due(ledger, as_of=as_of, grace_days=grace_days)
        parts += [
            _events(
                "on_time_delivery_rate",
                due["planned_date"],
                due,
                due["on_time"],
                "milestone_id",
                "pm_id",
            ),
            _events(
                "delivery_delay_days",
                d["delivered_date"],
                d,
                d["delivery_delay_days"],
                "milestone_id",
                "pm_id",
            ),
            _events("milestones_delivered", d["delivered_date"], d, 1.0, "milestone_id", "pm_id"),
        ]
        a = ledger.loc[ledger["accepted_date"].notna()]
        parts += [
            _events("milestones_accepted", a["accepted_date"], a, 1.0, "milestone_id", "pm_id"),
            _events(
                "delivery_to_acceptance_days",
                a["accepted_date"],
                a,
                a["delivery_to_acceptance_days"],
                "milestone_id",
                "pm_id",
            ),
        ]
        i = ledger.loc[ledger["first_invoice_date"].notna()]
        parts.append(
            _events(
                "acceptance_to_invoice_days",
                i["first_invoice_date"],
                i,
                i["acceptance_to_invoice_days"],
                "milestone_id",
                "pm_id",
            )
        )
    if invoices is not None and not invoices.empty:
        inv = with_segment(invoices, projects)
        parts.append(
            _events(
                "invoiced_revenue", inv["invoice_date"], inv, inv["amount"], "invoice_id", "pm_id"
            )
        )
        if payments is not None and not payments.empty:
            pay = payments.merge(
                inv[["invoice_id", "invoice_date", "project_id", "segment", "pm_id"]],
                on="invoice_id",
                how="left",
            )
            pay["segment"] = pay["segment"].fillna("Unknown")
            parts.append(
                _events(
                    "cash_collected", pay["payment_date"], pay, pay["amount"], "payment_id", "pm_id"
                )
            )
            last = (
                pay.groupby("invoice_id")
                .agg(paid=("amount", "sum"), last=("payment_date", "max"))
                .reset_index()
            )
            full = inv.merge(last, on="invoice_id")
            full = full.loc[full["paid"] >= full["amount"] - 0.01]
            parts.append(
                _events(
                    "invoice_to_payment_days",
                    full["last"],
                    full,
                    (full["last"] - full["invoice_date"]).dt.days,
                    "invoice_id",
                    "pm_id",
                )
            )
    if expenses is not None and not expenses.empty:
        exp = with_segment(expenses, projects)
        parts.append(
            _events("expense_cost", exp["date"], exp, exp["amount"], "expense_id", "person_id")
        )
    if defects is not None and not defects.empty:
        dfc = with_segment(defects, projects)
        sev = dfc["severity"].astype("string").str.lower().isin([s.lower() for s in severe])
        parts += [
            _events("defects_found", dfc["found_date"], dfc, 1.0, "defect_id", "person_id"),
            _events(
                "critical_defect_rate",
                dfc["found_date"],
                dfc,
                sev.astype("float64"),
                "defect_id",
                "person_id",
            ),
        ]
        if "closed_date" in dfc.columns:
            closed = dfc.loc[dfc["closed_date"].notna()]
            parts.append(
                _events(
                    "defect_close_days",
                    closed["closed_date"],
                    closed,
                    (closed["closed_date"] - closed["found_date"]).dt.days,
                    "defect_id",
                    "person_id",
                )
            )
    parts = [p for p in parts if not p.empty]
    if not parts:  # no table given, or every one of them without a dated row
        return pd.DataFrame(columns=EVENT_COLUMNS)
    events = pd.concat(parts, ignore_index=True)
    events = events.loc[events["date"] <= as_of].reset_index(drop=True)
    events["kpi"] = events["kpi"].astype("string")
    return events


def aggregate(values: pd.Series, kind: Kind) -> float:
    """A KPI's value over a set of events: sum for totals, mean for means and rates."""
    if kind == "total":
        return float(values.sum())
    return float(values.mean()) if len(values) else np.nan


def kpi_table() -> pd.DataFrame:
    """The KPI definitions as a table for the report's method section."""
    return pd.DataFrame(
        [
            {
                "kpi": k.name,
                "label": k.label,
                "aggregation": k.kind,
                "unit": k.unit,
                "better": k.better,
                "tables": ", ".join(k.tables),
                "pillar": k.pillar,
            }
            for k in KPI_DEFS.values()
        ]
    )
