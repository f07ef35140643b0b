"""Record-management audit (ISO 15489, ARMA GARP): required documents, templates, naming,
versions, metadata, retention, access, scoring and the inspection sample.

Start from :func:`workbench.records.audit.run_audit`; each check lives in the module named
for its subject (``completeness``, ``control``, ``metadata``, ``retention``, ``access``,
``scoring``).
"""
