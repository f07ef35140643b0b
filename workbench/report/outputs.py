"""The output formats a run can write: a small registry.

Each format is an :class:`OutputFormat`: a name (what ``--format`` takes), a writer that
receives the run's :class:`RenderContext` and returns the files it wrote, and whether it
needs the rendered chapters. :func:`~workbench.report.render.render_run` writes the formats
asked for in the order they were registered. Built in: ``xlsx`` (the findings register),
``html`` (``report.html`` and one ``<playbook>.html`` per playbook), ``pdf``
(``report.pdf``, printed from ``report.html``), and from :mod:`workbench.report.office`
``docx`` (``report.docx``) and ``pptx`` (``deck.pptx``).

A new format registers itself with :func:`register_format` from the module that writes it
(listed in :data:`_BUILTIN_MODULES` if it ships with the workbench), or from another package
through the entry-point group ``workbench.formats`` (each entry point names an
:class:`OutputFormat`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import InputError

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from workbench.findings import Finding, Metric
    from workbench.report.document import Chapter, ReportMeta
    from workbench.report.office import OfficeContent
    from workbench.run.manifest import RunManifest

ENTRY_POINT_GROUP = "workbench.formats"


@dataclass
class RenderContext:
    """What a format writer gets: the run and everything read or rendered from it.

    Parameters
    ----------
    run_dir : Path
        The run folder; writers write into it.
    manifest : RunManifest
        The run's manifest.
    meta : ReportMeta
        Cover and page-header details.
    notebooks : dict
        The executed notebooks by playbook, in chapter order.
    findings, metrics : list
        Every finding and metric of the run (as in ``findings.json`` and ``metrics.csv``).
    chapters : list of Chapter
        The rendered chapters in order; filled before the formats that need them.
    """

    run_dir: Path
    manifest: RunManifest
    meta: ReportMeta
    notebooks: dict[str, NotebookNode]
    findings: list[Finding]
    metrics: list[Metric]
    chapters: list[Chapter] = field(default_factory=list)

    @cached_property
    def consolidated_html(self) -> str:
        """``report.html``: rendered once, printed again by the PDF."""
        from workbench.report.document import consolidated_document

        return consolidated_document(
            self.meta,
            self.chapters,
            validation=self.manifest.validation,
            provenance={"inputs": self.manifest.inputs},
        )

    @cached_property
    def office(self) -> OfficeContent:
        """The chapters as blocks and the summary: read once for ``report.docx`` and
        ``deck.pptx``."""
        from workbench.report.office import office_content

        return office_content(self.notebooks, self.meta)


Writer = Callable[[RenderContext], list[str]]


@dataclass(frozen=True)
class OutputFormat:
    """One output format.

    Parameters
    ----------
    name : str
        What ``--format`` takes.
    write : callable
        ``write(context) -> [paths written, relative to the run folder]``.
    description : str
        One line for ``--help``.
    needs_chapters : bool
        The writer reads ``context.chapters`` (rendered once for every format).
    default : bool
        Written when no ``--format`` is given.
    """

    name: str
    write: Writer
    description: str = ""
    needs_chapters: bool = False
    default: bool = True


_REGISTRY: dict[str, OutputFormat] = {}
#: Modules of the workbench that register further formats when imported.
_BUILTIN_MODULES: tuple[str, ...] = ("workbench.report.office",)
_loaded = False


def register_format(fmt: OutputFormat) -> OutputFormat:
    """Add ``fmt`` to the registry (replacing a format of the same name)."""
    _REGISTRY[fmt.name] = fmt
    return fmt


def output_formats() -> dict[str, OutputFormat]:
    """Every registered format by name, in registration order."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            fmt = entry.load()
            if isinstance(fmt, OutputFormat):
                register_format(fmt)
    return dict(_REGISTRY)


def default_formats() -> list[str]:
    """The formats written when none are asked for."""
    return [name for name, fmt in output_formats().items() if fmt.default]


def selected_formats(names: Sequence[str]) -> list[OutputFormat]:
    """The registered formats among ``names``, in registration order.

    Raises
    ------
    InputError
        A name is not a registered format.
    """
    registry = output_formats()
    unknown = sorted(set(names) - set(registry))
    if unknown:
        raise InputError(f"unknown format(s) {', '.join(unknown)}; use {', '.join(registry)}")
    return [fmt for name, fmt in registry.items() if name in names]


# ----------------------------------------------------------------------- built in


def _write_xlsx(context: RenderContext) -> list[str]:
    from workbench.report.register import write_findings_xlsx

    write_findings_xlsx(context.findings, context.run_dir / "findings.xlsx", context.meta)
    return ["findings.xlsx"]


def _write_html(context: RenderContext) -> list[str]:
    from workbench.report.document import playbook_document

    (context.run_dir / "report.html").write_text(context.consolidated_html, encoding="utf-8")
    written = ["report.html"]
    for name, chapter in zip(context.notebooks, context.chapters, strict=True):
        document = playbook_document(context.meta, chapter)
        (context.run_dir / f"{name}.html").write_text(document, encoding="utf-8")
        written.append(f"{name}.html")
    return written


def _write_pdf(context: RenderContext) -> list[str]:
    from workbench.report.pdf import write_pdf

    write_pdf(context.consolidated_html, context.run_dir / "report.pdf")
    return ["report.pdf"]


register_format(OutputFormat("xlsx", _write_xlsx, "findings register (findings.xlsx)"))
register_format(
    OutputFormat(
        "html",
        _write_html,
        "report.html and one <playbook>.html per playbook",
        needs_chapters=True,
    )
)
register_format(OutputFormat("pdf", _write_pdf, "report.pdf", needs_chapters=True))


__all__ = [
    "ENTRY_POINT_GROUP",
    "OutputFormat",
    "RenderContext",
    "default_formats",
    "output_formats",
    "register_format",
    "selected_formats",
]
