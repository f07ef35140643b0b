"""Business intelligence for PM and PMO: the analysis behind the ``bi-assessment`` playbook.

Modules, one per question the client asks:

- :mod:`~workbench.bi.frames` shared shapes: check results, periods, segment lookups;
- :mod:`~workbench.bi.revenue` revenue assurance: the milestone-to-cash ledger, leakage, aging;
- :mod:`~workbench.bi.kpis` the KPI definitions and the event log every trend is built from;
- :mod:`~workbench.bi.dashboard` the executive dashboard by segment, month and quarter;
- :mod:`~workbench.bi.segments` pain points per segment and project, overrun;
- :mod:`~workbench.bi.people` key players, uncertainty for small numbers, training, role changes;
- :mod:`~workbench.bi.periods` period-over-period tests and the effect of decisions;
- :mod:`~workbench.bi.quality` defect rates, severity mix and time to close;
- :mod:`~workbench.bi.catalogue` the client's KPI catalogue against what the data can compute;
- :mod:`~workbench.bi.expenses` expense analytics through :mod:`workbench.analytics`;
- :mod:`~workbench.bi.summary` the executive summary text;
- :mod:`~workbench.bi.assessment` every check in one run, and what the chapter shows.

The playbook's contract (:mod:`workbench.result`): :class:`Params` and :func:`run`.
"""

from workbench.bi.assessment import Assessment, Params, run

__all__ = ["Assessment", "Params", "run"]
