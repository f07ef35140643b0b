"""An executed playbook notebook as a sequence of report blocks, for documents built natively.

The Word report and the slide deck do not paste HTML: they build headings, paragraphs, tables
and pictures of their own. This module runs the report preprocessors that do not concern
HTML (:mod:`workbench.report.preprocessors`: parameter cells, papermill markers, results
bundle, errors, noise, alt text, code, outline and method section) on a copy of the notebook
and turns what is left into blocks:

- :class:`Heading` for the chapter title and its ``#``/``##`` sections,
- :class:`Markdown` for narrative (notebook cells and text computed from the data),
- :class:`Table` for every table ``pb.show`` displayed (``application/vnd.workbench.table+json``;
  an HTML table without it, e.g. from an older run, is read back from its markup),
- :class:`Image` for charts (PNG or JPEG with alt text),
- :class:`Notice` for a cell that failed (its error name and message, never the traceback).
"""

from __future__ import annotations

import base64
import copy
import io
from dataclasses import dataclass, field
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode

from workbench.report.preprocessors import (
    RENDERED_MIMES,
    REPORT_PREPROCESSORS,
    BreakLongWords,
    MarkNumericCells,
    MarkWideTables,
    RemoveNoiseOutputs,
    SanitizeHTMLOutputs,
    align_numeric_columns,
    report_state,
)
from workbench.session import TABLE_MIME


@dataclass
class Heading:
    """A chapter title (level 1) or a section (level 2)."""

    level: int
    text: str


@dataclass
class Markdown:
    """Narrative as markdown; its own headings are set at ``min_level`` or deeper."""

    text: str
    min_level: int = 1


@dataclass
class Table:
    """A table as shown in the report: labels, formatted cells, numeric columns."""

    columns: list[str]
    rows: list[list[str]]
    title: str = ""
    note: str = ""
    numeric: list[str] = field(default_factory=list)
    total_rows: int = 0

    @property
    def cut(self) -> bool:
        """Whether the table shows only the first of its rows."""
        return self.total_rows > len(self.rows)

    def is_numeric(self, column: int) -> bool:
        """Whether column ``column`` (by position) holds numbers (right-aligned)."""
        return self.columns[column] in self.numeric


@dataclass
class Image:
    """A chart: image bytes, their type, alt text and the width it was drawn at (px at 96
    dpi, ``None`` when unknown)."""

    data: bytes
    mime: str
    alt: str
    width_px: int | None = None

    @property
    def pixels(self) -> tuple[int, int]:
        """Width and height of the image in pixels."""
        from PIL import Image as Picture

        with Picture.open(io.BytesIO(self.data)) as picture:
            return picture.size


@dataclass
class Notice:
    """A cell that could not be completed."""

    ename: str
    evalue: str


Block = Heading | Markdown | Table | Image | Notice


@dataclass
class ChapterContent:
    """One playbook's chapter as blocks.

    Parameters
    ----------
    title : str
        The chapter title.
    blocks : list of Block
        The chapter, title first.
    method : list of Block
        The ``## Method`` section (without its heading), for the appendix.
    results : dict or None
        The results bundle of ``pb.finish()``; ``None`` when the notebook did not complete.
    """

    title: str
    blocks: list[Block]
    method: list[Block] = field(default_factory=list)
    results: dict[str, Any] | None = None

    @property
    def playbook(self) -> str:
        """The playbook's machine name (empty when the notebook did not complete)."""
        return str((self.results or {}).get("playbook") or "")

    @property
    def images(self) -> list[Image]:
        """The chapter's charts, in order."""
        return [b for b in self.blocks if isinstance(b, Image)]


#: Preprocessors that only concern HTML output.
_HTML_ONLY = (SanitizeHTMLOutputs, MarkNumericCells, MarkWideTables, BreakLongWords)


def _preprocess(nb: NotebookNode) -> tuple[NotebookNode, dict[str, Any]]:
    resources: dict[str, Any] = {}
    nb = copy.deepcopy(nb)
    for step in REPORT_PREPROCESSORS:
        if step in _HTML_ONLY:
            continue
        preprocessor: Preprocessor
        if step is RemoveNoiseOutputs:
            preprocessor = step(rendered_mimes=set(RENDERED_MIMES) | {TABLE_MIME})
        else:
            preprocessor = step()
        nb, resources = preprocessor(nb, resources)
    return nb, resources


def _as_text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _table_from_data(data: Any) -> Table:
    return Table(
        columns=[str(c) for c in data.get("columns", [])],
        rows=[[str(v) for v in row] for row in data.get("rows", [])],
        title=str(data.get("title") or ""),
        note=str(data.get("note") or ""),
        numeric=[str(c) for c in data.get("numeric", [])],
        total_rows=int(data.get("total_rows") or len(data.get("rows", []))),
    )


def tables_from_html(html: str) -> list[Table]:
    """The tables of an HTML output, read back from their markup.

    For outputs without table data (a run made before ``pb.show`` emitted it, a DataFrame
    displayed directly): the title is the ``wb-table-title`` paragraph or caption before the
    table, the note the paragraphs after it.

    Parameters
    ----------
    html : str
        One ``text/html`` output.

    Returns
    -------
    list of Table
    """
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises several kinds on broken markup: no table then
        return []
    tables: list[Table] = []
    title = ""
    for element in root.iter("p", "table", "caption"):
        classes = str(element.get("class") or "")
        text = " ".join(element.text_content().split())
        if element.tag == "p" and "wb-table-title" in classes:
            title = text
        elif element.tag == "p" and tables and not tables[-1].note:
            tables[-1].note = text
        elif element.tag == "table":
            tables.append(_table_from_element(element, title))
            title = ""
    return tables


def _table_from_element(element: Any, title: str) -> Table:
    import lxml.html

    # The HTML report's own test of numeric columns marks them with the class "num".
    marked = lxml.html.fragment_fromstring(
        align_numeric_columns(lxml.html.tostring(element, encoding="unicode"))
    )
    header: list[str] = []
    numeric: list[str] = []
    rows: list[list[str]] = []
    for tr in marked.iter("tr"):
        cells = [c for c in tr if c.tag in ("td", "th")]
        texts = [" ".join(c.text_content().split()) for c in cells]
        parent = tr.getparent()
        if not header and ((parent is not None and parent.tag == "thead") or not rows):
            header = texts
            numeric = [t for c, t in zip(cells, texts, strict=True) if "num" in c.get("class", "")]
        else:
            rows.append(texts)
    caption = marked.find("caption")
    if not title and caption is not None:
        title = " ".join(caption.text_content().split())
    return Table(columns=header, rows=rows, title=title, numeric=numeric, total_rows=len(rows))


def _blocks_of(cells: list[NotebookNode]) -> list[Block]:
    blocks: list[Block] = []
    for cell in cells:
        meta = cell.metadata.get("workbench", {})
        if cell.cell_type == "markdown":
            heading = meta.get("heading")
            source = _as_text(cell.source)
            if heading:
                blocks.append(Heading(int(heading["level"]), str(heading["text"])))
                # the heading line itself is replaced by the Heading block
                source = "\n".join(source.lstrip("\n").splitlines()[1:])
            if source.strip():
                blocks.append(Markdown(source.strip("\n")))
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                blocks.append(Notice(str(output.get("ename", "")), str(output.get("evalue", ""))))
                continue
            data = output.get("data", {})
            if TABLE_MIME in data:
                blocks.append(_table_from_data(data[TABLE_MIME]))
            elif "text/html" in data:
                blocks.extend(tables_from_html(_as_text(data["text/html"])))
            elif "text/markdown" in data:
                blocks.append(Markdown(_as_text(data["text/markdown"]), min_level=3))
            for mime in ("image/png", "image/jpeg"):
                if mime in data:
                    image_meta = output.get("metadata", {}).get(mime, {})
                    width = image_meta.get("width")
                    blocks.append(
                        Image(
                            base64.b64decode("".join(_as_text(data[mime]).split())),
                            mime,
                            str(image_meta.get("alt") or ""),
                            int(width) if isinstance(width, int | float) else None,
                        )
                    )
                    break
    return blocks


def chapter_content(nb: NotebookNode) -> ChapterContent:
    """An executed notebook as report blocks (see the module docstring).

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (it is not modified).

    Returns
    -------
    ChapterContent
    """
    nb, resources = _preprocess(nb)
    state = report_state(resources)
    body = [c for c in nb.cells if c.metadata.get("workbench", {}).get("part") != "method"]
    method = [c for c in nb.cells if c.metadata.get("workbench", {}).get("part") == "method"]
    blocks = _blocks_of(body)
    title = str(state.get("title") or "")
    if not blocks or not isinstance(blocks[0], Heading) or blocks[0].level != 1:
        blocks.insert(0, Heading(1, title or "Chapter"))
    method_blocks: list[Block] = [b for b in _blocks_of(method) if not isinstance(b, Heading)]
    first = blocks[0]
    return ChapterContent(
        title=title or (first.text if isinstance(first, Heading) else ""),
        blocks=blocks,
        method=method_blocks,
        results=state.get("results"),
    )


__all__ = [
    "Block",
    "ChapterContent",
    "Heading",
    "Image",
    "Markdown",
    "Notice",
    "Table",
    "chapter_content",
    "tables_from_html",
]
