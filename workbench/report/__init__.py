"""Rendering: executed playbook notebooks to the deliverables a client opens.

The pipeline follows nbconvert: preprocessors (:mod:`.preprocessors`) turn an executed notebook
into report content, the exporters (:mod:`.exporters`) render it through the ``workbench``
template, :mod:`.document` wraps chapters in cover, contents, executive summary and appendix,
:mod:`.pdf` prints the HTML with WeasyPrint, and :mod:`.register` writes ``findings.json``,
``findings.xlsx`` and ``metrics.csv``. :func:`render_run` (:mod:`.render`) is the one path
from a run folder's executed notebooks to its deliverables; :mod:`.outputs` is the registry
of output formats it writes.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ReportMeta",
    "collect_results",
    "render_run",
    "write_findings_json",
    "write_findings_xlsx",
    "write_metrics_csv",
]

_REGISTER = {"write_findings_json", "write_findings_xlsx", "write_metrics_csv"}


def __getattr__(name: str) -> Any:
    # Imported on first use: the nbconvert entry point loads .exporters alone, without
    # WeasyPrint and openpyxl.
    if name in _REGISTER:
        from workbench.report import register

        return getattr(register, name)
    if name in __all__:
        from workbench.report import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
