"""The Office deliverables of a run: ``report.docx`` and ``deck.pptx``.

Both are built from the executed notebooks (:func:`workbench.report.content.chapter_content`)
and the same executive summary as the HTML report, in the run's branding (``meta.branding``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from workbench.report.content import chapter_content
from workbench.report.document import ReportMeta
from workbench.report.summary import (
    ExecutiveSummary,
    build_summary,
    findings_from_bundle,
    playbook_summary,
)

#: The formats this module writes, and their file names.
OFFICE_FORMATS = {"docx": "report.docx", "pptx": "deck.pptx"}


def write_office_documents(
    run_dir: Path,
    notebooks: Mapping[str, NotebookNode],
    meta: ReportMeta,
    formats: Sequence[str],
    summary: ExecutiveSummary | None = None,
    **options: Any,
) -> dict[str, str]:
    """Write ``report.docx`` and/or ``deck.pptx`` into ``run_dir``.

    Parameters
    ----------
    run_dir : Path
        The run folder.
    notebooks : mapping
        Executed notebooks by playbook, in chapter order.
    meta : ReportMeta
        Client, engagement, period, run and branding.
    formats : sequence of str
        The run's formats; ``docx`` and ``pptx`` are written here, the others ignored.
    summary : ExecutiveSummary, optional
        The executive summary, when already built for the HTML report.
    **options
        ``validation`` (list of dict: validation messages) and ``provenance``
        (``{"inputs": [...]}``) for the report's appendix; ``timings`` (dict), filled with
        the seconds spent on ``docx`` and ``pptx``.

    Returns
    -------
    dict
        Output name to path relative to ``run_dir``.
    """
    wanted = [f for f in OFFICE_FORMATS if f in formats]
    if not wanted:
        return {}
    clock: dict[str, float] = options.get("timings", {})
    validation: list[dict[str, Any]] | None = options.get("validation")
    provenance: dict[str, Any] | None = options.get("provenance")
    started = time.perf_counter()
    chapters = [chapter_content(nb) for nb in notebooks.values()]
    if summary is None:
        summary = build_summary(
            [f for c in chapters for f in findings_from_bundle(c.results)],
            [
                playbook_summary(c.results, c.title, name)
                for c, name in zip(chapters, notebooks, strict=True)
            ],
        )
    preparation = time.perf_counter() - started
    outputs: dict[str, str] = {}
    for kind in wanted:
        started = time.perf_counter()
        name = OFFICE_FORMATS[kind]
        if kind == "docx":
            from workbench.report.word import write_docx

            write_docx(
                run_dir / name,
                meta,
                chapters,
                summary,
                validation=validation,
                provenance=provenance,
            )
        else:
            from workbench.report.deck import write_pptx

            write_pptx(run_dir / name, meta, chapters, summary)
        # the chapters are read once for both documents: the first one carries that time
        clock[kind] = round(time.perf_counter() - started + preparation, 3)
        preparation = 0.0
        outputs[name] = name
    return outputs


__all__ = ["OFFICE_FORMATS", "write_office_documents"]
