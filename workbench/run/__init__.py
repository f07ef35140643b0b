"""Running playbooks on an engagement: the engine behind ``workbench run``.

==================  ===============================================================
module              what it does
==================  ===============================================================
:mod:`.pipeline`    :func:`run` and :func:`rerender`: the order of a run
:mod:`.plan`        which playbooks, which parameters, inputs and requirements checked
:mod:`.fingerprint` what a run depends on; whether the last run is still current
:mod:`.execute`     papermill per playbook, each in its own kernel, in parallel
:mod:`.staging`     the reports folder: lock, hidden run folder, ``latest``, modes
:mod:`.manifest`    ``manifest.json`` (:class:`RunManifest`) and ``findings.json``
==================  ===============================================================

Rendering the deliverables is :func:`workbench.report.render_run`; kernels are
:mod:`workbench.kernels`; many engagements at once is :mod:`workbench.batch`.
"""

from __future__ import annotations

from workbench.run.manifest import (
    PlaybookRun,
    RunManifest,
    read_findings,
    read_manifest,
    write_manifest,
)
from workbench.run.pipeline import RunResult, rerender, run

__all__ = [
    "PlaybookRun",
    "RunManifest",
    "RunResult",
    "read_findings",
    "read_manifest",
    "rerender",
    "run",
    "write_manifest",
]
