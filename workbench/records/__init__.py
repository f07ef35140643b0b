"""Record-management audit (ISO 15489, ARMA GARP): required documents, templates, naming,
versions, metadata, retention, access, scoring and the inspection sample.

The playbook's contract (:mod:`workbench.result`): :class:`Params` and :func:`run`, in
:mod:`workbench.records.audit`, which also holds :func:`~workbench.records.audit.run_audit`
(every check in one call). Each check lives in the module named for its subject
(``completeness``, ``control``, ``metadata``, ``retention``, ``access``, ``scoring``).
"""

from workbench.records.audit import Params, RecordsAudit, run, run_audit

__all__ = ["Params", "RecordsAudit", "run", "run_audit"]
