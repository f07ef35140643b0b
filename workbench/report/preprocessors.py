"""nbconvert preprocessors that turn an executed playbook notebook into report content.

Each class does one transformation, so that an exporter is a list of steps that can be
reordered, switched off or replaced through nbconvert configuration. The working-paper
notebook keeps everything; the report keeps what a client reads:

- :class:`RemoveParameterCells` drops the ``parameters`` and ``injected-parameters`` cells;
- :class:`RemovePapermillErrorMarkers` drops the marker cells papermill adds on failure;
- :class:`ExtractResultsBundle` moves the playbook's results bundle into ``resources``;
- :class:`SummariseErrors` keeps the error name and message, never the traceback;
- :class:`RemoveNoiseOutputs` drops stdout/stderr, warnings and plain-text-only outputs;
- :class:`ChartAltText` gives every image output its alt text;
- :class:`SanitizeHTMLOutputs` escapes anything but plain table/text markup in HTML outputs;
- :class:`MarkNumericCells` marks numeric table columns so that they are right-aligned;
- :class:`MarkWideTables` sets tables with many columns smaller so that they fit the page,
  and :class:`BreakLongWords` lets long identifiers in their cells wrap;
- :class:`RemoveCodeInputs` and :class:`RemoveEmptyCells` drop the code and what is left empty;
- :class:`SplitMarkdownSections`, :class:`OutlineSections` and :class:`MarkMethodSection`
  give every chapter and section its own cell and anchor, collect the table of contents and
  mark the ``## Method`` section for the appendix.

Everything a preprocessor learns for the report goes into ``resources["workbench"]``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import bleach
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from traitlets import Bool, Int, List, Set, Unicode

from workbench.report.markup import heading_of, slugify, split_at_headings

#: MIME type of the bundle that ``pb.finish()`` emits.
RESULTS_MIME = "application/vnd.workbench.results+json"

#: Output MIME types a report shows.
RENDERED_MIMES = frozenset(
    {"text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml"}
)

#: Tag papermill gives the markdown cells it inserts around a failed cell.
PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"


def report_state(resources: dict[str, Any]) -> dict[str, Any]:
    """The report's working space in nbconvert ``resources`` (created when missing).

    Parameters
    ----------
    resources : dict
        nbconvert resources.

    Returns
    -------
    dict
        ``resources["workbench"]``.
    """
    state = resources.get("workbench")
    if not isinstance(state, dict):
        state = {}
        resources["workbench"] = state
    return state


def cell_report_meta(cell: NotebookNode) -> dict[str, Any]:
    """The report's metadata on a cell (``cell.metadata["workbench"]``, created when missing)."""
    if not isinstance(cell.metadata.get("workbench"), dict):
        cell.metadata["workbench"] = {}
    # NotebookNode copies dictionaries on assignment: return the stored one.
    meta: dict[str, Any] = cell.metadata["workbench"]
    return meta


class _NotebookStep(Preprocessor):
    """A preprocessor that is on unless configured off (nbconvert's default is off)."""

    enabled = Bool(True).tag(config=True)


class RemoveParameterCells(_NotebookStep):
    """Drop the cells that hold parameters: the defaults and the values papermill injected."""

    tags = Set(
        Unicode(), default_value={"parameters", "injected-parameters"}, help="Tags to drop."
    ).tag(config=True)

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Remove every cell carrying one of :attr:`tags`."""
        nb.cells = [c for c in nb.cells if not self.tags & set(c.metadata.get("tags", []))]
        return nb, resources


class RemovePapermillErrorMarkers(_NotebookStep):
    """Drop the "An Exception was encountered" cells papermill inserts around a failed cell."""

    marker = Unicode("papermill-error-cell", help="Text that identifies a marker cell.").tag(
        config=True
    )

    def _is_marker(self, cell: NotebookNode) -> bool:
        if cell.cell_type == "code":
            return False
        return PAPERMILL_ERROR_TAG in cell.metadata.get("tags", []) or self.marker in cell.source

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Remove the marker cells."""
        nb.cells = [c for c in nb.cells if not self._is_marker(c)]
        return nb, resources


class ExtractResultsBundle(_NotebookStep):
    """Move the results bundle of ``pb.finish()`` into ``resources["workbench"]["results"]``.

    The bundle is read, not shown: its output keeps its other representations (the findings
    table as HTML), and the bundle feeds the executive summary and the appendix.
    """

    mime_type = Unicode(RESULTS_MIME, help="MIME type of the results bundle.").tag(config=True)

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Collect the (last) bundle and remove it from the outputs."""
        state = report_state(resources)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            kept = []
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if self.mime_type in data:
                    cell_report_meta(cell)["results"] = True
                    bundle = data.pop(self.mime_type)
                    if isinstance(bundle, str):
                        bundle = json.loads(bundle)
                    state["results"] = json.loads(json.dumps(bundle))
                    if not data:
                        continue
                kept.append(output)
            cell.outputs = kept
        return nb, resources


class SummariseErrors(_NotebookStep):
    """Keep an error's name and message for the report; drop its traceback.

    The template renders such an output as a "this section could not be completed" box. The
    full traceback stays in the working-paper notebook.
    """

    max_message = Int(300, help="Longest error message shown, in characters.").tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Clear tracebacks and shorten messages of the cell's error outputs."""
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            message = " ".join(str(output.get("evalue", "")).split())
            if len(message) > self.max_message:
                message = message[: self.max_message - 1].rstrip() + "…"
            output.evalue = message
            output.ename = str(output.get("ename", "Error"))
            output.traceback = []
            report_state(resources).setdefault("errors", []).append(
                {"ename": output.ename, "evalue": message}
            )
        return cell, resources


class RemoveNoiseOutputs(_NotebookStep):
    """Drop outputs a client does not read: streams, warnings and plain-text-only results.

    Representations the report cannot show (JavaScript, widgets) are removed from outputs;
    ``text/plain`` stays next to images as their fallback alt text.
    """

    rendered_mimes = Set(
        Unicode(), default_value=set(RENDERED_MIMES), help="MIME types the report shows."
    ).tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Filter the cell's outputs."""
        if cell.cell_type != "code":
            return cell, resources
        kept = []
        for output in cell.outputs:
            kind = output.get("output_type")
            if kind == "error":
                kept.append(output)
                continue
            if kind not in ("display_data", "execute_result"):
                continue
            data = output.get("data", {})
            if not self.rendered_mimes & set(data):
                continue
            for mime in [m for m in data if m not in self.rendered_mimes and m != "text/plain"]:
                del data[mime]
            kept.append(output)
        cell.outputs = kept
        return cell, resources


class ChartAltText(_NotebookStep):
    """Make sure every image output has alt text in ``metadata[<mime>]["alt"]``.

    Charts from ``pb.figure`` carry it; for any other image the output's ``text/plain`` is
    used, and failing that :attr:`fallback`.
    """

    fallback = Unicode("Chart", help="Alt text when an image has no description.").tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Fill missing alt text of the cell's image outputs."""
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in ("image/png", "image/jpeg", "image/svg+xml"):
                if mime not in data:
                    continue
                if not isinstance(output.get("metadata"), dict):
                    output["metadata"] = {}
                if not isinstance(output["metadata"].get(mime), dict):
                    output["metadata"][mime] = {}
                # NotebookNode copies dictionaries on assignment: work on the stored one.
                image_meta = output["metadata"][mime]
                alt = str(image_meta.get("alt") or "").strip()
                if not alt:
                    alt = " ".join(str(data.get("text/plain", "")).split()) or self.fallback
                    # The repr matplotlib leaves behind says nothing to a reader.
                    if alt.startswith("<Figure size"):
                        alt = self.fallback
                image_meta["alt"] = alt
        return cell, resources


#: Markup a table or a short note may use; anything else is escaped.
SAFE_TAGS = [
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "div",
    "dl", "dt", "em", "figcaption", "figure", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol",
    "p", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
]  # fmt: skip

SAFE_ATTRIBUTES = {
    "*": ["class", "title", "lang"],
    "a": ["href", "class", "title"],
    "td": ["class", "colspan", "rowspan", "title"],
    "th": ["class", "colspan", "rowspan", "scope", "title"],
    "col": ["class", "span"],
    "colgroup": ["class", "span"],
    "table": ["class"],
}


_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)


def _safe_href(tag: str, name: str, value: str) -> bool:
    if tag == "a" and name == "href":
        return value.startswith("#")
    return name in SAFE_ATTRIBUTES.get(tag, []) or name in SAFE_ATTRIBUTES["*"]


class SanitizeHTMLOutputs(_NotebookStep):
    """Escape everything but plain table and text markup in ``text/html`` outputs.

    Tables built from client data should already be escaped; this is the second line of
    defence, so a report never carries scripts, styles, event handlers, external links or
    images fetched from the network. ``<style>`` blocks (pandas ``Styler`` emits them) are
    removed, since the report has its own table style; any other disallowed tag is shown as
    text, not silently dropped.
    """

    tags = List(Unicode(), default_value=SAFE_TAGS, help="Tags kept as markup.").tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Clean the cell's HTML outputs."""
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                html = data["text/html"]
                if isinstance(html, list):
                    html = "".join(html)
                html = _STYLE_BLOCK.sub("", html)
                data["text/html"] = bleach.clean(
                    html,
                    tags=set(self.tags),
                    attributes=_safe_href,
                    protocols=set(),
                    strip=False,
                    strip_comments=True,
                )
        return cell, resources


_NUMBER = re.compile(
    r"\s*[-+−(]?\s*[€$£¥]?\s*(?:\d{1,3}(?:[,\s\u00a0]\d{3})+|\d+)(?:[.,]\d+)?"
    r"\s*(?:%|[kKmM]|[A-Z]{3})?\)?\s*"
)
_BLANK_VALUES = frozenset({"", "nan", "NaN", "None", "<NA>", "NaT", "-", "–", "—"})
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_CELL = re.compile(r"<(?P<tag>t[dh])(?P<attrs>(?:\s[^>]*)?)>(?P<value>.*?)</(?P=tag)>", re.S)


def _with_num_class(tag: str, attrs: str, value: str) -> str:
    if re.search(r"\bnum\b", attrs):
        return f"<{tag}{attrs}>{value}</{tag}>"
    if "class=" in attrs:
        attrs = re.sub(r'class="([^"]*)"', r'class="\1 num"', attrs, count=1)
    else:
        attrs = f'{attrs} class="num"'
    return f"<{tag}{attrs}>{value}</{tag}>"


def _is_number(value: str) -> bool:
    return _NUMBER.fullmatch(value) is not None


def align_numeric_columns(table: str) -> str:
    """Mark the numeric columns of an HTML table with the class ``num``.

    A column is numeric when every non-blank data cell in it holds a number (``1,234.50``,
    ``-3``, ``12%``, ``EUR 5``); its header cells are marked too, so headings sit over their
    figures. Tables with merged cells are marked cell by cell instead.

    Parameters
    ----------
    table : str
        One ``<table>`` element.

    Returns
    -------
    str
        The table with ``class="num"`` added where it applies.
    """
    if "colspan" in table or "rowspan" in table:
        return _CELL.sub(
            lambda m: (
                _with_num_class(m["tag"], m["attrs"], m["value"])
                if m["tag"] == "td" and _is_number(m["value"])
                else m.group(0)
            ),
            table,
        )
    rows = [list(_CELL.finditer(row)) for row in _ROW.findall(table)]
    columns: dict[int, list[str]] = {}
    for cells in rows:
        for position, cell in enumerate(cells):
            if cell["tag"] == "td" and cell["value"].strip() not in _BLANK_VALUES:
                columns.setdefault(position, []).append(cell["value"])
    numeric = {
        position
        for position, values in columns.items()
        if values and all(_is_number(v) for v in values)
    }
    if not numeric:
        return table

    def rewrite_row(row: re.Match[str]) -> str:
        position = -1

        def rewrite_cell(cell: re.Match[str]) -> str:
            nonlocal position
            position += 1
            if position in numeric:
                return _with_num_class(cell["tag"], cell["attrs"], cell["value"])
            return cell.group(0)

        return _CELL.sub(rewrite_cell, row.group(0))

    return _ROW.sub(rewrite_row, table)


class MarkNumericCells(_NotebookStep):
    """Mark numeric table columns with the class ``num`` (right-aligned, tabular figures)."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Mark the numeric columns of the tables in the cell's HTML outputs."""
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "<table" in data.get("text/html", ""):
                data["text/html"] = _TABLE.sub(
                    lambda m: align_numeric_columns(m.group(0)), data["text/html"]
                )
        return cell, resources


_TABLE_OPEN = re.compile(r"<table\b(?P<attrs>[^>]*)>")


def _column_count(table: str) -> int:
    first_row = _ROW.search(table)
    if first_row is None:
        return 0
    count = 0
    for cell in _CELL.finditer(first_row.group(0)):
        span = re.search(r'colspan="?(\d+)', cell["attrs"])
        count += int(span.group(1)) if span else 1
    return count


class MarkWideTables(_NotebookStep):
    """Give tables with many columns the class ``wb-wide`` (smaller type, tighter cells).

    An A4 page holds about eight columns at the body table size; wider tables are set
    smaller so that they fit the page rather than run off its edge.
    """

    min_columns = Int(8, help="Tables with at least this many columns are wide.").tag(config=True)

    def _mark(self, table: str) -> str:
        if _column_count(table) < self.min_columns:
            return table
        opening = _TABLE_OPEN.match(table)
        if opening is None:
            return table
        attrs = opening["attrs"]
        if "class=" in attrs:
            attrs = re.sub(r'class="([^"]*)"', r'class="\1 wb-wide"', attrs, count=1)
        else:
            attrs = f'{attrs} class="wb-wide"'
        return f"<table{attrs}>" + table[opening.end() :]

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Mark the wide tables in the cell's HTML outputs."""
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "<table" in data.get("text/html", ""):
                data["text/html"] = _TABLE.sub(lambda m: self._mark(m.group(0)), data["text/html"])
        return cell, resources


_LONG_WORD = re.compile(r"[^\s<>&]{15,}")
_BREAK_AFTER = re.compile(r"(?<=[_/.\\])(?=[^\s])")


def _soften(cell: re.Match[str]) -> str:
    value = cell["value"]
    if "<" in value or re.search(r"\bnum\b", cell["attrs"]):
        return cell.group(0)
    value = _LONG_WORD.sub(lambda w: _BREAK_AFTER.sub("<wbr>", w.group(0)), value)
    return f"<{cell['tag']}{cell['attrs']}>{value}</{cell['tag']}>"


class BreakLongWords(_NotebookStep):
    """Let long identifiers wrap inside table cells.

    Column names such as ``orphan_rows_share``, file names and paths have no natural break,
    so they would push a table past the page edge. A ``<wbr>`` after ``_``, ``/``, ``\\``
    and ``.`` in words of 15 characters or more lets them wrap there (copying the text is
    unaffected). Numeric cells are left alone.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Add break opportunities to long words in the cell's HTML tables."""
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "<table" in data.get("text/html", ""):
                data["text/html"] = _TABLE.sub(
                    lambda m: _CELL.sub(_soften, m.group(0)), data["text/html"]
                )
        return cell, resources


class RemoveCodeInputs(_NotebookStep):
    """Drop the source of every code cell: a report shows results, not code."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Empty the cell's source if it is code."""
        if cell.cell_type == "code":
            cell.source = ""
        return cell, resources


class RemoveEmptyCells(_NotebookStep):
    """Drop code cells without outputs, blank markdown cells and raw cells."""

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Keep the cells that still show something."""

        def shows_something(cell: NotebookNode) -> bool:
            if cell.cell_type == "code":
                return bool(cell.get("outputs"))
            if cell.cell_type == "markdown":
                return bool(cell.source.strip())
            return False

        nb.cells = [c for c in nb.cells if shows_something(c)]
        return nb, resources


class SplitMarkdownSections(_NotebookStep):
    """Split markdown cells so that every ``#`` and ``##`` heading starts a cell of its own."""

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Replace each markdown cell by its pieces."""
        cells: list[NotebookNode] = []
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                cells.append(cell)
                continue
            pieces = split_at_headings(cell.source)
            if len(pieces) <= 1:
                cells.append(cell)
                continue
            for piece in pieces:
                new = new_markdown_cell(piece, metadata=dict(cell.metadata))
                new.pop("id", None)
                cells.append(new)
        nb.cells = cells
        return nb, resources


class OutlineSections(_NotebookStep):
    """Give the chapter and its sections anchors and collect the table of contents.

    The first ``#`` heading is the chapter title; every other ``#`` or ``##`` heading is a
    section. Anchors are ``<chapter id>`` for the title and ``<chapter id>-<slug>`` for
    sections, unique within the chapter; the chapter id comes from
    ``resources["workbench"]["chapter_id"]``, else the playbook name, else ``chapter``.
    Results: ``cell.metadata["workbench"]["heading"]`` on each heading cell, and
    ``resources["workbench"]["title"]`` and ``["outline"]`` (a list of
    ``{"level", "text", "id"}``).
    """

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Collect headings and anchors."""
        state = report_state(resources)
        results = state.get("results") or {}
        chapter_id = state.get("chapter_id") or slugify(str(results.get("playbook") or "chapter"))
        state["chapter_id"] = chapter_id
        used: set[str] = {chapter_id}
        outline: list[dict[str, Any]] = []
        title: str | None = None
        for cell in nb.cells:
            if cell.cell_type != "markdown" or not cell.source.strip():
                continue
            heading = heading_of(cell.source.lstrip("\n").splitlines()[0], max_level=2)
            if heading is None:
                continue
            level, text = heading
            if title is None and level == 1:
                title, anchor = text, chapter_id
            else:
                level = 2
                base = f"{chapter_id}-{slugify(text)}"
                anchor, n = base, 2
                while anchor in used:
                    anchor, n = f"{base}-{n}", n + 1
                used.add(anchor)
            entry = {"level": level, "text": text, "id": anchor}
            cell_report_meta(cell)["heading"] = entry
            outline.append(entry)
        state["title"] = title or results.get("title") or nb.metadata.get("title") or ""
        state["outline"] = outline
        return nb, resources


class MarkMethodSection(_NotebookStep):
    """Mark the cells of the ``## Method`` section for the report's appendix.

    The section runs from its heading to the next ``#``/``##`` heading. Its cells get
    ``cell.metadata["workbench"]["part"] = "method"``; every other cell is ``"body"``. The
    output of ``pb.finish()`` (the chapter's findings table) stays in the chapter wherever
    it is. Needs :class:`OutlineSections` and :class:`ExtractResultsBundle` first.
    """

    titles = List(
        Unicode(),
        default_value=["method", "methods", "methodology", "method and sources"],
        help="Section titles (case-insensitive) that hold the method.",
    ).tag(config=True)

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Set each cell's part and record the method's headings."""
        titles = {t.lower() for t in self.titles}
        part = "body"
        state = report_state(resources)
        method_outline = []
        for cell in nb.cells:
            heading = cell.metadata.get("workbench", {}).get("heading")
            if heading is not None:
                part = "method" if heading["text"].lower() in titles else "body"
                if part == "method":
                    method_outline.append(heading)
            meta = cell_report_meta(cell)
            meta["part"] = "body" if meta.get("results") else part
        state["outline"] = [h for h in state.get("outline", []) if h not in method_outline]
        state["method_outline"] = method_outline
        return nb, resources


#: The preprocessors of a report, in the order they run.
REPORT_PREPROCESSORS: list[type[Preprocessor]] = [
    RemoveParameterCells,
    RemovePapermillErrorMarkers,
    ExtractResultsBundle,
    SummariseErrors,
    RemoveNoiseOutputs,
    ChartAltText,
    SanitizeHTMLOutputs,
    MarkNumericCells,
    MarkWideTables,
    BreakLongWords,
    RemoveCodeInputs,
    RemoveEmptyCells,
    SplitMarkdownSections,
    OutlineSections,
    MarkMethodSection,
]
