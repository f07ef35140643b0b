"""nbconvert exporters for the workbench's deliverables.

:class:`WorkbenchHTMLExporter` renders an executed playbook notebook through the report
preprocessors (:mod:`workbench.report.preprocessors`) and the ``workbench`` template into a
self-contained HTML report: cover, contents, summary, the chapter, and an appendix with the
method. :class:`WorkbenchPDFExporter` prints the same HTML to PDF with WeasyPrint. Both are
registered as nbconvert exporters (``workbench_html``, ``workbench_pdf``)::

    jupyter nbconvert --to workbench_html notebooks/bi-assessment.ipynb

Nothing is fetched from the network: the stylesheet is inlined, fonts are named system
families, images are ``data:`` URLs, and no script is included.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
from typing import Any

from markupsafe import escape
from nbconvert.exporters import HTMLExporter
from nbconvert.exporters.exporter import Exporter, ResourcesDict
from nbformat import NotebookNode
from traitlets import Unicode, default

from workbench.report.document import TEMPLATES_DIR, Chapter, ReportMeta, playbook_document
from workbench.report.markup import render_markdown
from workbench.report.preprocessors import REPORT_PREPROCESSORS, report_state


def _markdown_filter(source: str, heading: dict[str, Any] | None = None, min_level: int = 1) -> str:
    """Jinja filter: report markdown, with the cell's heading anchor when it has one."""
    if isinstance(source, list):
        source = "".join(source)
    if heading:
        return render_markdown(source, str(heading["id"]), int(heading["level"]), min_level)
    return render_markdown(source, min_level=min_level)


def _base64_filter(data: Any) -> str:
    """Jinja filter: base64 image data without line breaks."""
    if isinstance(data, list):
        data = "".join(data)
    return "".join(str(data).split())


def _svg_base64_filter(data: Any) -> str:
    """Jinja filter: SVG markup as base64, so that it is shown as an image, never inline."""
    if isinstance(data, list):
        data = "".join(data)
    return base64.b64encode(str(data).encode("utf-8")).decode("ascii")


def _without_heading_line(cell: NotebookNode) -> NotebookNode:
    """The cell without its first line (the ``## Method`` heading the appendix replaces)."""
    trimmed = copy.copy(cell)
    lines = cell.source.lstrip("\n").splitlines()
    trimmed.source = "\n".join(lines[1:]).strip("\n")
    trimmed.metadata = copy.copy(cell.metadata)
    trimmed.metadata["workbench"] = {
        k: v for k, v in cell.metadata.get("workbench", {}).items() if k != "heading"
    }
    return trimmed


class WorkbenchHTMLExporter(HTMLExporter):
    """Executed playbook notebook to a client-ready HTML report.

    The report preprocessors run by default (switch one off with, e.g.,
    ``--RemoveCodeInputs.enabled=False``). Client and engagement for the cover come from
    :attr:`client` and :attr:`engagement` when set, else from the ``engagement`` entry of the
    notebook's results bundle, else from the notebook metadata ``workbench``.
    """

    export_from_notebook = "Workbench report (HTML)"

    client = Unicode("", help="Client name on the cover (default: from the notebook).").tag(
        config=True
    )
    engagement = Unicode("", help="Engagement code on the cover (default: from the notebook).").tag(
        config=True
    )

    @default("template_name")
    def _template_name_default(self) -> str:
        return "workbench"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [str(TEMPLATES_DIR)]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    @default("default_preprocessors")
    def _default_preprocessors_default(self) -> list[Any]:
        builtin: list[Any] = list(Exporter.class_traits()["default_preprocessors"].default() or [])
        return [*builtin, *REPORT_PREPROCESSORS]

    def default_filters(self) -> Any:
        """nbconvert's HTML filters plus the report's markdown and image filters."""
        yield from super().default_filters()
        yield ("wb_markdown", _markdown_filter)
        yield ("wb_base64", _base64_filter)
        yield ("wb_svg_base64", _svg_base64_filter)

    # ------------------------------------------------------------------ chapters

    def render_chapter(
        self,
        nb: NotebookNode,
        chapter_id: str | None = None,
        resources: dict[str, Any] | None = None,
    ) -> Chapter:
        """Render one executed notebook as a report chapter.

        Parameters
        ----------
        nb : NotebookNode
            The executed notebook (it is not modified).
        chapter_id : str, optional
            Anchor of the chapter; defaults to the playbook name.
        resources : dict, optional
            nbconvert resources.

        Returns
        -------
        Chapter
            The chapter's HTML, its ``## Method`` section, outline and results bundle.
        """
        resources = self._init_resources(resources)
        if chapter_id:
            report_state(resources)["chapter_id"] = chapter_id
        nb_copy, resources = Exporter.from_notebook_node(self, nb, resources)
        resources.setdefault("raw_mimetypes", self.raw_mimetypes)
        resources.setdefault("output_mimetype", self.output_mimetype)
        resources["global_content_filter"] = {
            "include_code": True,
            "include_markdown": True,
            "include_raw": False,
            "include_unknown": False,
            "include_input": not self.exclude_input,
            "include_output": True,
            "include_output_stdin": False,
            "include_input_prompt": False,
            "include_output_prompt": False,
            "no_prompt": True,
        }
        state = report_state(resources)
        body_cells, method_cells = [], []
        for cell in nb_copy.cells:
            if cell.metadata.get("workbench", {}).get("part") == "method":
                heading = cell.metadata.get("workbench", {}).get("heading")
                method_cells.append(_without_heading_line(cell) if heading else cell)
            else:
                body_cells.append(cell)
        title = str(state.get("title") or "")
        chapter_anchor = str(state["chapter_id"])
        outline = list(state.get("outline", []))

        html = self._render_cells(nb_copy, body_cells, resources)
        if not any(entry["id"] == chapter_anchor for entry in outline):
            # A notebook without a "# " title still gets a titled, anchored chapter.
            title = title or chapter_anchor
            html = f'<h1 id="{escape(chapter_anchor)}">{escape(title)}</h1>\n{html}'
        method_html = ""
        if any(c.cell_type != "markdown" or c.source.strip() for c in method_cells):
            method_html = self._render_cells(nb_copy, method_cells, resources)
        return Chapter(
            chapter_id=chapter_anchor,
            title=title,
            html=html,
            method_html=method_html,
            outline=outline,
            results=state.get("results"),
            errors=list(state.get("errors", [])),
        )

    def _render_cells(
        self, nb: NotebookNode, cells: list[NotebookNode], resources: dict[str, Any]
    ) -> str:
        part = NotebookNode(dict(nb))
        part["cells"] = cells
        return str(self.template.render(nb=part, resources=resources)).strip()

    # ------------------------------------------------------------------ documents

    def report_meta(self, nb: NotebookNode, chapter: Chapter) -> ReportMeta:
        """Cover details for a report rendered straight from a notebook.

        Parameters
        ----------
        nb : NotebookNode
            The executed notebook.
        chapter : Chapter
            Its rendered chapter (for the results bundle).

        Returns
        -------
        ReportMeta
        """
        known: dict[str, Any] = {}
        notebook_meta = nb.metadata.get("workbench", {})
        if isinstance(notebook_meta, dict):
            known.update(notebook_meta)
        bundle_meta = (chapter.results or {}).get("engagement", {})
        if isinstance(bundle_meta, dict):
            known.update(bundle_meta)
        if self.client:
            known["client"] = self.client
        if self.engagement:
            known["engagement"] = self.engagement
        fields = ReportMeta.__dataclass_fields__
        values = {k: v for k, v in known.items() if k in fields and v not in (None, "")}
        values.setdefault("client", "Client")
        values.setdefault("engagement", "")
        values.setdefault("generated_at", dt.date.today())
        return ReportMeta(**values)

    def render_report(
        self,
        nb: NotebookNode,
        meta: ReportMeta | None = None,
        resources: dict[str, Any] | None = None,
    ) -> str:
        """One playbook's deliverable: cover, contents, summary, chapter, appendix.

        Parameters
        ----------
        nb : NotebookNode
            The executed notebook.
        meta : ReportMeta, optional
            Cover details; by default taken from the notebook (see :meth:`report_meta`).
        resources : dict, optional
            nbconvert resources.

        Returns
        -------
        str
            The HTML document.
        """
        chapter = self.render_chapter(nb, resources=resources)
        if meta is None:
            meta = self.report_meta(nb, chapter)
        return playbook_document(meta, chapter)

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Convert an executed notebook into its HTML report.

        Parameters
        ----------
        nb : NotebookNode
            The executed notebook.
        resources : dict, optional
            nbconvert resources; ``resources["workbench"]["meta"]`` may hold a
            :class:`~workbench.report.document.ReportMeta` for the cover.

        Returns
        -------
        tuple of (str, dict)
            The HTML and the resources.
        """
        resources = ResourcesDict() if resources is None else resources
        meta = report_state(resources).get("meta")
        html = self.render_report(nb, meta if isinstance(meta, ReportMeta) else None, resources)
        resources["output_extension"] = self.file_extension
        return html, resources


class WorkbenchPDFExporter(WorkbenchHTMLExporter):
    """Executed playbook notebook to a paginated PDF report (WeasyPrint, no browser).

    The same HTML as :class:`WorkbenchHTMLExporter`, laid out by its print stylesheet: A4,
    client and engagement in the header, "Page N of M" in the footer, contents with page
    numbers. Only ``data:`` URLs are loaded.
    """

    export_from_notebook = "Workbench report (PDF)"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    @default("template_extension")
    def _template_extension_default(self) -> str:
        return ".html.j2"

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[bytes, dict[str, Any]]:
        """Convert an executed notebook into its PDF report.

        Parameters
        ----------
        nb : NotebookNode
            The executed notebook.
        resources : dict, optional
            nbconvert resources.

        Returns
        -------
        tuple of (bytes, dict)
            The PDF and the resources.
        """
        from workbench.report.pdf import html_to_pdf

        html, resources = super().from_notebook_node(nb, resources, **kw)
        resources["output_extension"] = ".pdf"
        return html_to_pdf(html), resources


__all__ = ["WorkbenchHTMLExporter", "WorkbenchPDFExporter"]
