"""Render a run's deliverables from its executed notebooks.

The runner (and ``workbench report RUN_DIR``, which re-renders without re-executing) calls:

- :func:`render_playbook` for ``<playbook>.html``,
- :func:`render_consolidated` for ``report.html`` (cover, executive summary across
  playbooks, one chapter per playbook, appendix with method, limitations, data provenance
  and validation summary),
- :func:`write_pdf` for ``report.pdf``,
- :func:`collect_results` for the findings and metrics behind ``findings.json``,
  ``findings.xlsx`` and ``metrics.csv`` (see :mod:`workbench.report.register`).

In the consolidated report each playbook's ``## Method`` section is moved from its chapter to
the appendix ("A. Method"), so chapters read as findings and the appendix states how they
were reached.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from workbench.findings import Finding, Metric
from workbench.report.document import Chapter, ReportMeta, render_document
from workbench.report.exporters import WorkbenchHTMLExporter
from workbench.report.markup import slugify
from workbench.report.pdf import write_pdf
from workbench.report.preprocessors import RESULTS_MIME
from workbench.report.summary import build_summary, findings_from_bundle, playbook_summary

NotebookSource = Path | str | NotebookNode


def read_notebook(notebook: NotebookSource) -> NotebookNode:
    """An executed notebook, from a path or as given.

    Parameters
    ----------
    notebook : Path, str or NotebookNode

    Returns
    -------
    NotebookNode
    """
    if isinstance(notebook, NotebookNode):
        return notebook
    return nbformat.read(str(notebook), as_version=4)


def results_bundle(nb: NotebookNode) -> dict[str, Any] | None:
    """The results bundle ``pb.finish()`` left in a notebook (the last one), if any.

    Parameters
    ----------
    nb : NotebookNode
        An executed notebook.

    Returns
    -------
    dict or None
    """
    bundle: dict[str, Any] | None = None
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RESULTS_MIME in data:
                raw = data[RESULTS_MIME]
                bundle = json.loads(raw) if isinstance(raw, str) else json.loads(json.dumps(raw))
    return bundle


def _chapter_ids(notebooks: Sequence[NotebookSource], nodes: Sequence[NotebookNode]) -> list[str]:
    ids: list[str] = []
    for i, (source, nb) in enumerate(zip(notebooks, nodes, strict=True), start=1):
        if isinstance(source, NotebookNode):
            bundle = results_bundle(nb) or {}
            base = slugify(str(bundle.get("playbook") or f"chapter-{i}"))
        else:
            base = slugify(Path(source).stem)
        anchor, n = base, 2
        while anchor in ids or anchor in _RESERVED_IDS:
            anchor, n = f"{base}-{n}", n + 1
        ids.append(anchor)
    return ids


#: Anchors the document itself uses.
_RESERVED_IDS = frozenset({"cover", "contents", "executive-summary", "appendix"})


def render_playbook(notebook: NotebookSource, meta: ReportMeta) -> str:
    """One playbook's deliverable: cover, contents, summary, chapter and appendix.

    Parameters
    ----------
    notebook : Path, str or NotebookNode
        The executed playbook notebook.
    meta : ReportMeta
        Client, engagement, period and run for the cover and page header.

    Returns
    -------
    str
        A self-contained HTML document.
    """
    exporter = WorkbenchHTMLExporter()
    return exporter.render_report(read_notebook(notebook), meta)


def render_chapters(notebooks: Sequence[NotebookSource]) -> list[Chapter]:
    """Render each executed notebook as a chapter, with unique anchors.

    Parameters
    ----------
    notebooks : sequence of Path, str or NotebookNode

    Returns
    -------
    list of Chapter
    """
    nodes = [read_notebook(n) for n in notebooks]
    exporter = WorkbenchHTMLExporter()
    return [
        exporter.render_chapter(nb, chapter_id=anchor)
        for nb, anchor in zip(nodes, _chapter_ids(notebooks, nodes), strict=True)
    ]


def render_consolidated(
    notebooks: Sequence[NotebookSource],
    meta: ReportMeta,
    validation: list[dict[str, Any]] | None = None,
    provenance: dict[str, Any] | None = None,
) -> str:
    """The consolidated deliverable of a run.

    Cover; executive summary across playbooks (findings by severity and area as a table and
    a chart, the top 10 findings, a score per playbook); one chapter per playbook; appendix
    with each playbook's method, the checks that could not run, data provenance and the
    validation summary.

    Parameters
    ----------
    notebooks : sequence of Path, str or NotebookNode
        Executed playbook notebooks, in chapter order.
    meta : ReportMeta
        Client, engagement, period and run.
    validation : list of dict, optional
        Validation messages: ``{"level", "file", "table", "column", "rows", "message"}``.
    provenance : dict, optional
        ``{"inputs": [{"table", "path", "sha256", "rows"}], "versions": {...}}``.

    Returns
    -------
    str
        A self-contained HTML document.
    """
    chapters = render_chapters(notebooks)
    findings = [f for c in chapters for f in findings_from_bundle(c.results)]
    playbooks = [playbook_summary(c.results, c.title, c.chapter_id) for c in chapters]
    summary = build_summary(findings, playbooks)
    return render_document(
        meta,
        chapters,
        title="Audit report",
        kicker="Consolidated report",
        summary=summary,
        validation=validation,
        provenance=provenance,
    )


def collect_results(
    notebooks: Sequence[NotebookSource],
) -> tuple[list[Finding], list[Metric], list[dict[str, Any]]]:
    """Read findings, metrics and per-playbook summaries from executed notebooks.

    Parameters
    ----------
    notebooks : sequence of Path, str or NotebookNode
        Executed playbook notebooks.

    Returns
    -------
    findings : list of Finding
        In notebook order, then in the order each playbook recorded them.
    metrics : list of Metric
        Idem, with ``playbook`` filled.
    summaries : list of dict
        One per notebook: ``playbook``, ``title``, ``score`` (``None`` if the notebook did
        not complete), ``findings`` (count), ``by_severity``, ``limitations``
        (``{"check", "reason"}``) and ``completed``.
    """
    findings: list[Finding] = []
    metrics: list[Metric] = []
    summaries: list[dict[str, Any]] = []
    fields = Metric.__dataclass_fields__
    for source in notebooks:
        nb = read_notebook(source)
        bundle = results_bundle(nb)
        fallback = Path(source).stem if not isinstance(source, NotebookNode) else ""
        summary = playbook_summary(bundle, fallback, slugify(fallback) if fallback else "")
        if bundle is None and fallback:
            summary.playbook = fallback
        summaries.append(summary.to_dict())
        findings.extend(findings_from_bundle(bundle))
        for row in (bundle or {}).get("metrics", []):
            values: dict[str, Any] = {"metric": "", "value": None}
            values.update({k: v for k, v in row.items() if k in fields})
            metric = Metric(**values)
            metric.playbook = metric.playbook or summary.playbook
            metrics.append(metric)
    return findings, metrics, summaries


__all__ = [
    "ReportMeta",
    "collect_results",
    "read_notebook",
    "render_chapters",
    "render_consolidated",
    "render_playbook",
    "results_bundle",
    "write_pdf",
]
