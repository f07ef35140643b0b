"""Render a run's deliverables from its executed notebooks: :func:`render_run`.

One path for every deliverable. The runner calls :func:`render_run` at the end of a run (with
the chapters it rendered while other playbooks still executed), ``workbench report RUN_DIR``
calls it to render a run again without executing anything, and the report tests call it on
run folders built from notebooks. It

1. reads the executed notebooks of the manifest's playbooks, in chapter order, and collects
   their findings and metrics (:func:`collect_results`) into ``findings.json`` and
   ``metrics.csv`` (:mod:`workbench.report.register`), which every run has;
2. renders each notebook once as a chapter (:func:`render_chapter`), if a format asked for
   needs chapters;
3. writes each format asked for through the registry of output formats
   (:mod:`workbench.report.outputs`: ``html``, ``pdf``, ``xlsx``, and whatever else is
   registered).

In the consolidated report each playbook's ``## Method`` section is moved from its chapter to
the appendix ("A. Method"), so chapters read as findings and the appendix states how they
were reached.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from nbformat import NotebookNode

from workbench import __version__
from workbench.findings import Finding, Metric
from workbench.report.branding import run_branding
from workbench.report.document import Chapter, ReportMeta
from workbench.report.markup import slugify
from workbench.report.preprocessors import RESULTS_MIME
from workbench.report.summary import findings_from_bundle, playbook_summary

if TYPE_CHECKING:
    from workbench.run.manifest import RunManifest

#: Anchors the report document itself uses.
RESERVED_ANCHORS = frozenset({"cover", "contents", "executive-summary", "appendix"})


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


def chapter_anchors(names: Sequence[str]) -> dict[str, str]:
    """A unique chapter anchor per playbook (its name as a slug, never one the document
    uses itself).

    Parameters
    ----------
    names : sequence of str
        Playbook names, in chapter order.

    Returns
    -------
    dict
        Anchor by playbook name.
    """
    anchors: dict[str, str] = {}
    for name in names:
        base = slugify(name)
        anchor, n = base, 2
        while anchor in anchors.values() or anchor in RESERVED_ANCHORS:
            anchor, n = f"{base}-{n}", n + 1
        anchors[name] = anchor
    return anchors


def render_chapter(notebook: NotebookNode, anchor: str) -> Chapter:
    """One executed notebook as a report chapter (rendered once, used by every document).

    Parameters
    ----------
    notebook : NotebookNode
        The executed notebook.
    anchor : str
        The chapter's anchor (see :func:`chapter_anchors`).

    Returns
    -------
    Chapter
    """
    from workbench.report.exporters import WorkbenchHTMLExporter

    return WorkbenchHTMLExporter().render_chapter(notebook, chapter_id=anchor)


def collect_results(
    notebooks: Mapping[str, NotebookNode],
) -> tuple[list[Finding], list[Metric], list[dict[str, Any]]]:
    """Read findings, metrics and per-playbook summaries from executed notebooks.

    Parameters
    ----------
    notebooks : mapping
        Executed notebooks by playbook name, in chapter order.

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
    for name, nb in notebooks.items():
        bundle = results_bundle(nb)
        summary = playbook_summary(bundle, name, slugify(name))
        if bundle is None:
            summary.playbook = name
        summaries.append(summary.to_dict())
        findings.extend(findings_from_bundle(bundle))
        for row in (bundle or {}).get("metrics", []):
            values: dict[str, Any] = {"metric": "", "value": None}
            values.update({k: v for k, v in row.items() if k in fields})
            metric = Metric(**values)
            metric.playbook = metric.playbook or summary.playbook
            metrics.append(metric)
    return findings, metrics, summaries


def report_meta(manifest: RunManifest) -> ReportMeta:
    """Cover and page-header details of a run's documents, from its manifest (the branding
    read again from the file it names: :class:`~workbench.errors.InputError` if it has gone)."""
    eng = manifest.engagement
    if eng is None:
        return ReportMeta(
            client="Client", engagement="", run_id=manifest.run_id, branding=run_branding(manifest)
        )
    return ReportMeta(
        client=eng.client,
        engagement=eng.engagement,
        period_start=eng.period.start,
        period_end=eng.period.end,
        currency=eng.currency,
        run_id=manifest.run_id,
        generated_at=manifest.finished_at or manifest.started_at,
        version=__version__,
        branding=run_branding(manifest),
    )


def render_run(
    run_dir: Path,
    manifest: RunManifest,
    formats: Sequence[str],
    chapters: Mapping[str, Chapter] | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, str]:
    """Write a run's deliverables from the executed notebooks in ``run_dir/notebooks``.

    Parameters
    ----------
    run_dir : Path
        A run folder with ``notebooks/<playbook>.ipynb``.
    manifest : RunManifest
        The run's manifest: engagement, run id, playbooks in chapter order, inputs and
        validation messages (for the appendix).
    formats : sequence of str
        Registered output formats (see :mod:`workbench.report.outputs`); ``findings.json``
        and ``metrics.csv`` are always written.
    chapters : mapping, optional
        Chapters already rendered, by playbook; the others are rendered here.
    timings : dict, optional
        Filled with the seconds spent per step: ``register``, ``chapters`` and one per format.

    Returns
    -------
    dict
        Output name to its path relative to ``run_dir``.

    Raises
    ------
    InputError
        A format is not registered.
    """
    from workbench.report.outputs import RenderContext, selected_formats
    from workbench.report.register import write_findings_json, write_metrics_csv

    chosen = selected_formats(formats)
    clock = timings if timings is not None else {}

    def lap(step: str, since: float) -> float:
        now = time.perf_counter()
        clock[step] = round(clock.get(step, 0.0) + now - since, 3)
        return now

    t = time.perf_counter()
    paths = {n: run_dir / "notebooks" / f"{n}.ipynb" for n in manifest.playbook_names}
    nodes = {n: nbformat.read(str(p), as_version=4) for n, p in paths.items() if p.exists()}
    findings, metrics, _summaries = collect_results(nodes)
    write_findings_json(findings, run_dir / "findings.json")
    write_metrics_csv(metrics, run_dir / "metrics.csv")
    outputs = {"findings.json": "findings.json", "metrics.csv": "metrics.csv"}
    t = lap("register", t)
    context = RenderContext(run_dir, manifest, report_meta(manifest), nodes, findings, metrics)
    later = [f for f in chosen if f.needs_chapters]
    for fmt in [f for f in chosen if not f.needs_chapters]:
        outputs.update({p: p for p in fmt.write(context)})
        t = lap(fmt.name, t)
    if not later:
        return outputs
    anchors = chapter_anchors(list(nodes))
    ready = dict(chapters or {})
    for name, nb in nodes.items():
        chapter = ready.get(name)
        if chapter is None or chapter.chapter_id != anchors[name]:
            chapter = render_chapter(nb, anchors[name])
        context.chapters.append(chapter)
    t = lap("chapters", t)
    for fmt in later:
        outputs.update({p: p for p in fmt.write(context)})
        t = lap(fmt.name, t)
    return outputs


__all__ = [
    "ReportMeta",
    "chapter_anchors",
    "collect_results",
    "render_chapter",
    "render_run",
    "report_meta",
    "results_bundle",
]
