"""The PM-function playbook's ``run``: the audit, and what its chapter shows.

:func:`run` keeps the contract of :mod:`workbench.result`: it runs the audit
(:func:`~workbench.pm.audit.run_pm_audit`) and gathers the display tables
(:mod:`~workbench.pm.views`), the charts there is data for (:mod:`~workbench.pm.charts`) and
the narrative into one :class:`~workbench.result.Result`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from workbench.engagement import LoadedEngagement
from workbench.pm import charts, views
from workbench.pm.audit import Params, PMAudit, run_pm_audit
from workbench.result import Chart, Criteria, Period, Result

#: The chapter's display tables, by name.
TABLES = {
    "maturity": views.maturity_table,
    "gaps": views.gap_table,
    "capped": views.capped_table,
    "totals": views.totals_table,
    "health": views.health_table,
    "forecasts": views.forecast_table,
    "changes": views.change_table,
    "late_changes": views.late_change_table,
    "risks": views.risk_table,
    "risk_exceptions": views.risk_exceptions,
    "workload": views.workload_table,
    "classification": views.classification_table,
    "misplaced": views.misplaced_table,
    "absorb": views.absorb_table,
    "guidance": views.guidance_table,
    "governance": views.governance_table,
    "pillars": views.pillar_table,
    "cadence": views.cadence_table,
}


def run(
    tables: Mapping[str, pd.DataFrame],
    criteria: Criteria,
    params: Params,
    period: Period,
    *,
    currency: str = "",
    engagement: LoadedEngagement | None = None,
) -> Result:
    """Audit the PM function and PMO governance on the tables present.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``projects``, ``staff``, ``evm_snapshots``, ``timesheets``, ``maturity_responses``,
        ``change_requests``, ``risks``; absent ones are limitations.
    criteria : mapping
        ``questionnaire``, ``activity_catalogue``, ``size_bands`` (DataFrames) and
        ``governance_rules`` (mapping).
    params : Params
    period : Period
        The engagement period; its end is the cut-off for ages and currency.
    currency : str
        For amounts in prose.
    engagement : LoadedEngagement, optional
        For the consultant's classification of timesheet activities
        (``classify: {activity_catalogue: ...}`` in engagement.yaml).

    Returns
    -------
    Result
        Tables as in :data:`TABLES`; charts ``radar``, ``quadrant``, ``s_curves``,
        ``trend``, ``workload``, ``pmo_trend``, ``load``; text ``summary``,
        ``job_descriptions``, ``method``; the :class:`~workbench.pm.audit.PMAudit` as
        ``analysis``.
    """
    audit = run_pm_audit(
        tables,
        questionnaire=criteria["questionnaire"],
        activity_catalogue=criteria["activity_catalogue"],
        size_bands=criteria["size_bands"],
        governance_rules=criteria["governance_rules"],
        params=params,
        period_start=period.start,
        period_end=period.end,
        currency=currency,
        activity_overrides=(
            engagement.config.classify.get("activity_catalogue") if engagement else None
        ),
    )
    return Result(
        findings=list(audit.findings),
        metrics=list(audit.metrics),
        tables={name: view(audit) for name, view in TABLES.items()},
        charts=_charts(audit),
        text={
            "summary": audit.summary_markdown(),
            "job_descriptions": "\n\n".join(audit.job_descriptions.values()),
            "method": views.method_markdown(audit),
        },
        limitations=list(audit.limitations),
        analysis=audit,
    )


def _charts(audit: PMAudit) -> dict[str, Chart]:
    """The charts there is data for, drawn when shown."""
    p = audit.params
    out: dict[str, Chart] = {}
    assessed = audit.areas[audit.areas["answered"] > 0] if not audit.areas.empty else audit.areas
    if not assessed.empty:
        out["radar"] = Chart(lambda: charts.radar_chart(assessed, p.target_level))
    if not audit.latest.empty:
        out["quadrant"] = Chart(lambda: charts.quadrant_chart(audit.latest, p.thresholds))
    if audit.worst:
        out["s_curves"] = Chart(lambda: charts.s_curves(audit.periods, audit.worst))
    if not audit.trend.empty:
        out["trend"] = Chart(lambda: charts.trend_chart(audit.trend, p.thresholds))
    if not audit.shares.empty and audit.shares["has_timesheets"].any():
        out["workload"] = Chart(
            lambda: charts.workload_chart(audit.shares, p.pmo_share_threshold, audit.names)
        )
        out["pmo_trend"] = Chart(
            lambda: charts.pmo_trend_chart(
                audit.monthly_share, audit.ids("pmo_work_on_pms"), p.pmo_share_threshold
            )
        )
    if not audit.load.empty:
        out["load"] = Chart(lambda: charts.load_heatmap(audit.load, p.max_weighted_projects))
    return out
