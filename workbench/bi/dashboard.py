"""The executive dashboard: cost, scope, time, delivery, acceptance, revenue and deviations.

This is the PMO's third pillar, the report a board reads: one row per period (month or
quarter) and segment, plus an ``All`` row per period, built from the KPI event log and the
milestone ledger. Flows (delivered, invoiced, spent) are summed within the period; stocks
(acceptance backlog, overdue milestones) are counted at the period's last day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from workbench.bi.kpis import KPI_DEFS
from workbench.bi.periods import observed_window
from workbench.frames import present

#: Dashboard columns and their labels, grouped as the PMO reports them.
COLUMNS = {
    # First, so that a reader sees a short last period before its totals.
    "days_covered": "Days of the period covered (the last one ends at the as-of date)",
    "planned_milestones": "Scope: milestones planned",
    "planned_billable": "Scope: billable value planned",
    "milestones_delivered": "Delivery: milestones delivered",
    "on_time_delivery_rate": "Time: on-time delivery rate",
    "delivery_delay_days": "Time: mean days late",
    "overdue_backlog": "Delivery status: overdue at period end",
    "milestones_accepted": "Acceptance: milestones accepted",
    "acceptance_backlog": "Acceptance status: awaiting acceptance at period end",
    "invoiced_revenue": "Revenue: invoiced",
    "cash_collected": "Revenue: collected",
    "revenue_deviation": "Deviation: invoiced - planned billable",
    "expense_cost": "Cost: expenses",
    "defects_found": "Quality: defects found",
}
BOARD_VIEW = [
    "invoiced_revenue",
    "revenue_deviation",
    "expense_cost",
    "on_time_delivery_rate",
    "acceptance_backlog",
    "defects_found",
]


def _days(window: tuple[pd.Timestamp, pd.Timestamp]) -> int:
    return int((window[1] - window[0]).days)


def _flows(events: pd.DataFrame, freq: str, by: str | None) -> pd.DataFrame:
    ev = events.copy()
    ev["period"] = ev["date"].dt.to_period(freq)
    keys = ["period", *([by] if by else [])]
    frames = []
    for kpi, frame in ev.groupby("kpi", observed=True):
        spec = KPI_DEFS.get(str(kpi))
        if spec is None:
            continue
        agg = "sum" if spec.kind == "total" else "mean"
        frames.append(frame.groupby(keys, observed=True)["value"].agg(agg).rename(str(kpi)))
    return pd.concat(frames, axis=1) if frames else pd.DataFrame()


def _stocks(ledger: pd.DataFrame, periods: pd.PeriodIndex, by: str | None) -> pd.DataFrame:
    rows = []
    groups = [("All", ledger)] if by is None else list(ledger.groupby(by, observed=True))
    for key, frame in groups:
        planned = frame["planned_date"].dt.to_period(periods.freqstr)
        for period in periods:
            end = period.end_time.normalize()
            in_period = planned == period
            rows.append(
                {
                    "period": period,
                    **({by: key} if by else {}),
                    "planned_milestones": int(in_period.sum()),
                    "planned_billable": float(frame.loc[in_period, "billable_amount"].sum()),
                    "overdue_backlog": int(
                        ((frame["planned_date"] <= end) & ~(frame["delivered_date"] <= end)).sum()
                    ),
                    "acceptance_backlog": int(
                        ((frame["delivered_date"] <= end) & ~(frame["accepted_date"] <= end)).sum()
                    ),
                }
            )
    keys = ["period", *([by] if by else [])]
    return pd.DataFrame(rows).set_index(keys)


def dashboard_table(
    events: pd.DataFrame,
    ledger: pd.DataFrame | None = None,
    *,
    freq: str = "M",
    by: str = "segment",
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Dashboard rows per period and segment, plus an ``All`` row per period.

    Parameters
    ----------
    events : pandas.DataFrame
        From :func:`workbench.bi.kpis.kpi_events`.
    ledger : pandas.DataFrame, optional
        From :func:`workbench.bi.revenue.milestone_ledger` (scope and status stocks).
    freq : {"M", "Q"}
        Month or quarter.
    by : str
        Segment column.
    start, end : pandas.Timestamp, optional
        The periods shown (default: the span of the events).

    Returns
    -------
    pandas.DataFrame
        ``period`` (string), ``segment`` and the :data:`COLUMNS` present.
    """
    lo = start if start is not None else events["date"].min()
    hi = end if end is not None else events["date"].max()
    periods = pd.period_range(pd.Timestamp(lo), pd.Timestamp(hi), freq=freq)
    if len(periods) == 0:  # an as-of date before the start: no period to show
        return pd.DataFrame(columns=["period", by])
    ev = events.loc[
        (events["date"] >= periods[0].start_time) & (events["date"] <= periods[-1].end_time)
    ]
    parts = []
    for group in (by, None):
        flows = _flows(ev, freq, group)
        if ledger is not None and not ledger.empty:
            stocks = _stocks(ledger, periods, group)
            flows = stocks.join(flows, how="outer") if not flows.empty else stocks
        if flows.empty:
            if group is not None:
                continue  # no segment had an event in the window
            # nothing happened in the window: the periods are still shown, without values
            flows = pd.DataFrame(index=pd.Index(periods, name="period"))
        flows = flows.reset_index()
        if group is None:
            flows.insert(1, by, "All")
        parts.append(flows)
    table = pd.concat(parts, ignore_index=True)
    table = table.loc[table["period"].isin(periods)]
    for col in (
        "milestones_delivered",
        "milestones_accepted",
        "invoiced_revenue",
        "cash_collected",
        "expense_cost",
        "defects_found",
        "planned_billable",
        "planned_milestones",
    ):
        if col in table.columns:
            table[col] = table[col].fillna(0.0)
    if "invoiced_revenue" in table.columns and "planned_billable" in table.columns:
        table["revenue_deviation"] = (table["invoiced_revenue"] - table["planned_billable"]).round(
            2
        )
    # Flows of a period cut at ``end`` are partial: the table says how many days it covers.
    table["days_covered"] = table["period"].map(lambda p: _days(observed_window(p, end)))
    table["period"] = table["period"].astype(str)
    cols = ["period", by, *present(table, COLUMNS)]
    return table[cols].sort_values(["period", by]).reset_index(drop=True)


def partial_periods(table: pd.DataFrame) -> set[str]:
    """Labels of the dashboard's periods that the data covers only in part."""
    if "days_covered" not in table.columns or table.empty:
        return set()
    out = set()
    for label, days in table.groupby("period")["days_covered"].min().items():
        period = pd.Period(str(label))
        if days < (period.end_time.normalize() - period.start_time).days + 1:
            out.add(str(label))
    return out


def dashboard_figure(
    table: pd.DataFrame,
    columns: list[str] | None = None,
    *,
    by: str = "segment",
    title: str = "",
    ncols: int = 2,
) -> Figure:
    """Small multiples, one trend chart per dashboard column, one line per segment.

    The ``All`` line is drawn thicker and dark so the board sees the total first.
    """
    # Only measures the client's data can fill: a client without milestones has no backlog
    cols = [
        c
        for c in (columns or BOARD_VIEW)
        if c in table.columns and table[c].fillna(0).astype(float).ne(0).any()
    ]
    nrows = int(np.ceil(len(cols) / ncols)) or 1
    # A bare Figure, not pyplot: no global backend state, nothing left open in a notebook.
    fig = Figure(figsize=(6 * ncols, 2.8 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    periods = sorted(table["period"].unique())
    x = np.arange(len(periods))
    step = max(len(periods) // 8, 1)
    partial = [i for i, p in enumerate(periods) if p in partial_periods(table)]
    for ax, col in zip(axes.flat, cols, strict=False):
        for i in partial:  # a period cut at the as-of date: its flows are not comparable
            ax.axvspan(i - 0.5, i + 0.5, color="0.9", zorder=0)
        for key, frame in table.groupby(by):
            series = frame.set_index("period")[col].reindex(periods)
            if key == "All" and col not in ("on_time_delivery_rate", "delivery_delay_days"):
                continue  # totals dwarf segments on additive measures; shown in the table
            style = {"color": "black", "linewidth": 2.4} if key == "All" else {"linewidth": 1.3}
            ax.plot(x, series.values, label=str(key), **style)
        ax.set_title(COLUMNS.get(col, col), fontsize=10)
        ax.set_xticks(
            x[::step], [periods[i] for i in range(0, len(periods), step)], fontsize=7, rotation=30
        )
        ax.tick_params(axis="y", labelsize=8)
        if col == "on_time_delivery_rate":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        if col == "revenue_deviation":
            ax.axhline(0, color="grey", linewidth=0.8)
    for ax in list(axes.flat)[len(cols) :]:
        ax.set_visible(False)
    # One legend for all charts, the whole-client line included where it is drawn.
    legend: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    labels = sorted(legend, key=lambda k: (k != "All", k))
    if partial:
        fig.text(
            0.01,
            0.005,
            "Shaded: period cut at the as-of date (partial; see days covered).",
            fontsize=7,
            color="0.3",
        )
    if title:
        fig.suptitle(title, y=0.995)
    if not labels:
        fig.tight_layout()
        return fig
    fig.legend(
        [legend[k] for k in labels],
        labels,
        loc="upper center",
        ncol=min(len(labels), 6),
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 0.965),
    )
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig
