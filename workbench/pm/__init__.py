"""Audit of the project-management function and PMO governance.

Modules, one job each:

* :mod:`~workbench.pm.evm` — earned value and earned schedule, RAG, portfolio totals;
* :mod:`~workbench.pm.maturity` — questionnaire scoring (PMBOK 6 areas, PMO pillars);
* :mod:`~workbench.pm.workload` — PM versus PMO time, weighted concurrent projects;
* :mod:`~workbench.pm.change_risk` — change-request decisions, risk-register currency;
* :mod:`~workbench.pm.governance` — governance rules: claimed, and followed in the data;
* :mod:`~workbench.pm.roles` — staffing guidance and draft PM / PMO job descriptions;
* :mod:`~workbench.pm.charts` — the chapter's charts;
* :mod:`~workbench.pm.views` — the chapter's tables as the client reads them;
* :mod:`~workbench.pm.audit` — every section in one call (:func:`run_pm_audit`);
* :mod:`~workbench.pm.chapter` — the playbook's ``run``: the audit and what the chapter shows.

The playbook's contract (:mod:`workbench.result`): :class:`Params` and :func:`run`.
"""

from workbench.pm.audit import Params, PMAudit, executive_summary, run_pm_audit
from workbench.pm.chapter import run

__all__ = ["PMAudit", "Params", "executive_summary", "run", "run_pm_audit"]
