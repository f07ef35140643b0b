"""Audit of the project-management function and PMO governance.

Modules, one job each:

* :mod:`~workbench.pm.evm` — earned value and earned schedule, RAG, portfolio totals;
* :mod:`~workbench.pm.maturity` — questionnaire scoring (PMBOK 6 areas, PMO pillars);
* :mod:`~workbench.pm.workload` — PM versus PMO time, weighted concurrent projects;
* :mod:`~workbench.pm.change_risk` — change-request decisions, risk-register currency;
* :mod:`~workbench.pm.governance` — governance rules: claimed, and followed in the data;
* :mod:`~workbench.pm.roles` — staffing guidance and draft PM / PMO job descriptions;
* :mod:`~workbench.pm.charts` — the chapter's charts;
* :mod:`~workbench.pm.audit` — everything in one call for the notebook.
"""

from workbench.pm.audit import PMAudit, PMAuditParams, executive_summary, run_pm_audit

__all__ = ["PMAudit", "PMAuditParams", "executive_summary", "run_pm_audit"]
