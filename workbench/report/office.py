"""The Office deliverables of a run: ``report.docx`` and ``deck.pptx``, registered as the
output formats ``docx`` and ``pptx`` (:mod:`workbench.report.outputs`).

Both are built from the executed notebooks read back as blocks
(:func:`workbench.report.content.chapter_content`) and the same executive summary as the HTML
report, in the run's branding (``meta.branding``). The blocks and the summary are read once
for both (``RenderContext.office``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.report.content import ChapterContent, chapter_content
from workbench.report.document import ReportMeta
from workbench.report.outputs import OutputFormat, RenderContext, register_format
from workbench.report.summary import (
    ExecutiveSummary,
    build_summary,
    findings_from_bundle,
    playbook_summary,
)

if TYPE_CHECKING:
    from nbformat import NotebookNode


@dataclass
class OfficeContent:
    """What the Word report and the deck are built from.

    Parameters
    ----------
    chapters : list of ChapterContent
        The playbook chapters as blocks, in chapter order.
    summary : ExecutiveSummary
        The executive summary (its chart drawn in the report language).
    """

    chapters: list[ChapterContent]
    summary: ExecutiveSummary


def office_content(notebooks: Mapping[str, NotebookNode], meta: ReportMeta) -> OfficeContent:
    """Read executed notebooks back as blocks and summarise their findings.

    Parameters
    ----------
    notebooks : mapping
        Executed notebooks by playbook, in chapter order.
    meta : ReportMeta
        Cover details and branding (the language of the summary chart).

    Returns
    -------
    OfficeContent
    """
    chapters = [chapter_content(nb) for nb in notebooks.values()]
    summary = build_summary(
        [f for c in chapters for f in findings_from_bundle(c.results)],
        [
            playbook_summary(c.results, c.title, name)
            for c, name in zip(chapters, notebooks, strict=True)
        ],
        texts=meta.branding.texts,
    )
    return OfficeContent(chapters, summary)


def write_docx_output(context: RenderContext) -> list[str]:
    """The ``docx`` format: ``report.docx``."""
    from workbench.report.word import write_docx

    content = context.office
    write_docx(
        context.run_dir / "report.docx",
        context.meta,
        content.chapters,
        content.summary,
        validation=context.manifest.validation,
        provenance={"inputs": context.manifest.inputs},
    )
    return ["report.docx"]


def write_pptx_output(context: RenderContext) -> list[str]:
    """The ``pptx`` format: ``deck.pptx``."""
    from workbench.report.deck import write_pptx

    content = context.office
    write_pptx(context.run_dir / "deck.pptx", context.meta, content.chapters, content.summary)
    return ["deck.pptx"]


register_format(
    OutputFormat("docx", write_docx_output, "report.docx, the report as an editable Word document")
)
register_format(
    OutputFormat(
        "pptx", write_pptx_output, "deck.pptx, the executive deck for the steering committee"
    )
)


__all__ = ["OfficeContent", "office_content", "write_docx_output", "write_pptx_output"]
