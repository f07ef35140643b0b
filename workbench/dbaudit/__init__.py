"""Database audit: storage inventory, integrity, validity, archival and a DAMA scorecard.

Every check runs as SQL inside the client's database over a read-only connection; only
aggregates and bounded samples leave it. The playbook's contract (:mod:`workbench.result`):
:class:`Params` and :func:`run`; on an engine of your own, :func:`connect` and
:func:`run_audit`.
"""

from workbench.dbaudit.audit import Auditor, AuditResult, Params, run, run_audit, summary_points
from workbench.dbaudit.connect import connect, redact_url
from workbench.dbaudit.rules import AuditRules, load_rules

__all__ = [
    "AuditResult",
    "AuditRules",
    "Auditor",
    "Params",
    "connect",
    "load_rules",
    "redact_url",
    "run",
    "run_audit",
    "summary_points",
]
