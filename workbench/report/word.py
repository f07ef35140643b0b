"""``report.docx``: the consolidated report as an editable Word document.

The same results as ``report.html`` and ``report.pdf``, built natively with python-docx:
cover, a real table of contents (a Word ``TOC`` field), executive summary, one chapter per
playbook, and an appendix with the findings register, method, limitations, data provenance
and validation summary. Headings use the built-in Heading 1-3 styles (they appear in Word's
navigation pane), tables are Word tables, charts are the PNGs the notebooks emitted, and
narrative markdown becomes paragraphs with bold, italic and lists.

The document is built on the firm's reference ``.docx``/``.dotx`` when the branding names one
(:mod:`workbench.report.branding`): its styles, page setup, headers and footers are kept and
its body is replaced. ``{client}``, ``{engagement}``, ``{title}`` and ``{date}`` in its headers
and footers are filled in. Without one, the house style is applied to python-docx's default
template.

The table of contents is written with its entries (linked to their headings) but without page
numbers, which only a word processor can know: Word fills them in when the document is opened
(the file asks it to update its fields).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx
import mistune
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from workbench.charts import SEVERITY_COLOURS
from workbench.findings import SEVERITIES, Finding
from workbench.report.branding import Branding, open_office_package, rgb, tint
from workbench.report.content import (
    Block,
    ChapterContent,
    Heading,
    Image,
    Markdown,
    Notice,
    Table,
)
from workbench.report.document import (
    MAX_VALIDATION_ROWS,
    ReportMeta,
    _validation_row,
    counted,
    format_amount,
    format_int,
    format_score,
    format_share,
    key_figures,
    summary_lede,
)
from workbench.report.summary import ExecutiveSummary

#: Characters XML 1.0 cannot hold; client data may carry them and Word would refuse the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Font of the house style (Liberation Sans stands in for it where Arial is not installed).
HOUSE_FONT = "Arial"
MONO_FONT = "Courier New"
MUTED = "5a6270"
INK = "222222"
RULE = "d9dde3"

#: Font size of table cells; tables with 8 or 14 columns or more are set smaller.
TABLE_SIZE = 8.5
WIDE_TABLE = {14: 6.5, 8: 7.0}

#: Tallest a chart may be, as a share of the text height.
MAX_IMAGE_HEIGHT = 0.45


def clean(text: Any) -> str:
    """``text`` as a string Word can store (characters XML cannot hold are removed)."""
    return _NOT_XML.sub("", str(text))


def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def _set_font(font_holder: Any, name: str) -> None:
    """Set a style's or run's font, dropping theme fonts (which would win over it)."""
    font_holder.font.name = name
    rpr = font_holder.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        return
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:cs"), name)


def _shade(cell: _Cell, colour: str) -> None:
    """Fill a table cell with ``colour`` (``#rrggbb``)."""
    tcpr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), _hex(colour))
    tcpr.append(shading)


def _field(paragraph: Paragraph, instruction: str, cached: str = "") -> None:
    """A Word field (``PAGE``, ``NUMPAGES``, ``TOC ...``) with its cached result."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    paragraph.add_run(cached)
    char("end")


class WordReport:
    """Builds ``report.docx`` (see the module docstring).

    Parameters
    ----------
    meta : ReportMeta
        Client, engagement, period, run and branding.
    """

    def __init__(self, meta: ReportMeta) -> None:
        self.meta = meta
        self.branding: Branding = meta.branding
        self.t = meta.branding.texts
        template = self.branding.word_template
        self.doc: DocxDocument = (
            docx.Document(open_office_package(template)) if template else docx.Document()
        )
        self.firm_template = template is not None
        if self.firm_template:
            self._clear_body()
        else:
            self._house_style()
        self._styles: dict[str, Any] = {}
        self._bookmark = 0
        self.toc: list[tuple[int, str, str]] = []
        self._ensure_styles()
        section = self.doc.sections[0]
        width = (
            (section.page_width or Emu(0))
            - (section.left_margin or 0)
            - (section.right_margin or 0)
        )
        height = (
            (section.page_height or Emu(0))
            - (section.top_margin or 0)
            - (section.bottom_margin or 0)
        )
        self.text_width = Emu(int(width))
        self.text_height = Emu(int(height))
        self.portrait_width = self.text_width
        self.landscape = False

    # ------------------------------------------------------------------ styles

    def _clear_body(self) -> None:
        body = self.doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)

    def _house_style(self) -> None:
        primary = RGBColor(*rgb(self.branding.primary))
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Emu(7560310), Emu(10692130)  # A4
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Emu(648000))  # 18 mm, as the PDF
        section.top_margin, section.bottom_margin = Emu(792000), Emu(720000)
        styles = self.doc.styles
        normal = styles["Normal"]
        _set_font(normal, HOUSE_FONT)
        normal.font.size = Pt(10)
        normal.font.color.rgb = RGBColor.from_string(INK)
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.line_spacing = 1.15
        for name, size, before, after in (
            ("Heading 1", 18, 0, 12),
            ("Heading 2", 13, 16, 6),
            ("Heading 3", 11, 12, 4),
            ("Heading 4", 10, 10, 3),
            ("Title", 28, 0, 12),
            ("Subtitle", 16, 0, 18),
        ):
            style = styles[name]
            _set_font(style, HOUSE_FONT)
            style.font.size = Pt(size)
            style.font.bold = name != "Subtitle"
            style.font.italic = False
            style.font.color.rgb = primary
            style.paragraph_format.space_before = Pt(before)
            style.paragraph_format.space_after = Pt(after)
        title = styles["Title"].element.get_or_add_pPr()
        for border in title.findall(qn("w:pBdr")):
            title.remove(border)

    def _ensure_styles(self) -> None:
        """Add the styles the report uses that the template lacks (a firm's own win)."""
        primary = RGBColor(*rgb(self.branding.primary))
        wanted: dict[str, dict[str, Any]] = {
            "Table Text": {"size": 8.5, "after": 0},
            "Table Heading": {"size": 8.5, "after": 0, "bold": True, "colour": primary},
            "Table Title": {"size": 9.5, "after": 2, "before": 8, "bold": True, "colour": primary},
            "Report Note": {"size": 8, "after": 6, "colour": RGBColor.from_string(MUTED)},
            "Contents Title": {"size": 18, "after": 12, "bold": True, "colour": primary},
        }
        existing = {s.name for s in self.doc.styles}
        for name, spec in wanted.items():
            if name in existing:
                continue
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            assert isinstance(style, ParagraphStyle)
            style.base_style = self.doc.styles["Normal"]
            style.quick_style = True
            style.font.size = Pt(spec["size"])
            style.font.bold = spec.get("bold", False)
            if "colour" in spec:
                style.font.color.rgb = spec["colour"]
            style.paragraph_format.space_after = Pt(spec["after"])
            style.paragraph_format.space_before = Pt(spec.get("before", 0))
            if name in ("Table Title", "Contents Title"):
                style.paragraph_format.keep_with_next = True
            if name.startswith("Table"):
                style.paragraph_format.line_spacing = 1.0

    def style(self, name: str, fallback: str = "Normal") -> Any:
        """A paragraph style of the document, or ``fallback`` when the template lacks it."""
        if name not in self._styles:
            try:
                self._styles[name] = self.doc.styles[name]
            except KeyError:
                self._styles[name] = self.doc.styles[fallback]
        return self._styles[name]

    def styled(self, paragraph: Paragraph, name: str, fallback: str = "Normal") -> Paragraph:
        """Give ``paragraph`` a style by its id (python-docx's setter looks the style up in
        every style of the document, which makes large reports slow)."""
        paragraph._p.style = self.style(name, fallback).style_id
        return paragraph

    def add(
        self, name: str = "Normal", fallback: str = "Normal", container: Any = None
    ) -> Paragraph:
        """A new paragraph of style ``name`` at the end of the document or of ``container``."""
        return self.styled((container or self.doc).add_paragraph(), name, fallback)

    # ------------------------------------------------------------------ text

    def paragraph(self, text: str = "", style: str = "Normal", **run: Any) -> Paragraph:
        """A paragraph of one run (``bold=True``, ``italic=True``, ``size=8``, ``colour=``)."""
        paragraph = self.add(style)
        if text:
            self.run(paragraph, text, **run)
        return paragraph

    @staticmethod
    def run(
        paragraph: Paragraph,
        text: str,
        bold: bool | None = None,
        italic: bool | None = None,
        size: float | None = None,
        colour: str | None = None,
        mono: bool = False,
    ) -> Any:
        """Add a run of ``text`` to ``paragraph`` with the given character formats."""
        run = paragraph.add_run(clean(text))
        if bold is not None:
            run.bold = bold
        if italic is not None:
            run.italic = italic
        if size is not None:
            run.font.size = Pt(size)
        if colour:
            run.font.color.rgb = RGBColor.from_string(_hex(colour))
        if mono:
            _set_font(run, MONO_FONT)
        return run

    def heading(self, text: str, level: int, new_page: bool = False) -> Paragraph:
        """A built-in Heading 1-4 paragraph with a bookmark; levels 1-2 go to the contents."""
        level = max(1, min(level, 4))
        paragraph = self.add(f"Heading {level}")
        self.run(paragraph, text)
        if new_page:
            paragraph.paragraph_format.page_break_before = True
        if level <= 2:
            self._bookmark += 1
            name = f"_Toc{self._bookmark:08d}"
            start = OxmlElement("w:bookmarkStart")
            start.set(qn("w:id"), str(self._bookmark))
            start.set(qn("w:name"), name)
            end = OxmlElement("w:bookmarkEnd")
            end.set(qn("w:id"), str(self._bookmark))
            paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
            paragraph._p.append(end)
            self.toc.append((level, clean(text), name))
        return paragraph

    def page_break(self) -> None:
        """Start a new page."""
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # ------------------------------------------------------------------ markdown

    def markdown(self, source: str, min_level: int = 3) -> None:
        """Narrative markdown as paragraphs: headings, bold, italic, lists, quotes, tables.

        Parameters
        ----------
        source : str
            Markdown text.
        min_level : int
            Its headings are set at this level or deeper.
        """
        parse = mistune.create_markdown(renderer=None, plugins=["table", "strikethrough"])
        tokens = parse(source)
        assert isinstance(tokens, list)
        self._blocks(tokens, min_level)

    def _blocks(
        self, tokens: Iterable[dict[str, Any]], min_level: int, quote: bool = False, depth: int = 0
    ) -> None:
        for token in tokens:
            kind = token["type"]
            if kind == "heading":
                level = max(int(token["attrs"]["level"]), min_level)
                paragraph = self.add(f"Heading {min(level, 4)}")
                self._inline(paragraph, token.get("children", []))
            elif kind in ("paragraph", "block_text"):
                style = "Quote" if quote else "Normal"
                paragraph = self.add(style)
                if quote:
                    paragraph.paragraph_format.left_indent = Pt(14)
                self._inline(paragraph, token.get("children", []))
            elif kind == "list":
                self._list(token, min_level, depth)
            elif kind == "block_quote":
                self._blocks(token.get("children", []), min_level, quote=True, depth=depth)
            elif kind == "block_code":
                paragraph = self.add("Normal")
                self.run(paragraph, str(token.get("raw", "")).rstrip("\n"), mono=True, size=8.5)
            elif kind == "table":
                self.table(_markdown_table(token))
            elif kind == "thematic_break":
                self.add("Normal")
            elif kind == "block_html":
                self.paragraph(str(token.get("raw", "")).strip())

    def _list(self, token: dict[str, Any], min_level: int, depth: int) -> None:
        ordered = bool(token.get("attrs", {}).get("ordered"))
        base = "List Number" if ordered else "List Bullet"
        name = base if depth == 0 else f"{base} {min(depth + 1, 3)}"
        first = True
        for item in token.get("children", []):
            for child in item.get("children", []):
                if child["type"] == "list":
                    self._list(child, min_level, depth + 1)
                    continue
                if child["type"] not in ("block_text", "paragraph"):
                    self._blocks([child], min_level, depth=depth + 1)
                    continue
                paragraph = self.add(name, "List Paragraph")
                if ordered and first:
                    self._restart_numbering(paragraph)
                first = False
                self._inline(paragraph, child.get("children", []))

    def _restart_numbering(self, paragraph: Paragraph) -> None:
        """Make a numbered list start at 1 (Word continues one numbering across lists)."""
        style = self.style("List Number", "List Paragraph")
        ppr = style.element.pPr
        numpr = ppr.numPr if ppr is not None else None
        if numpr is None or numpr.numId is None:
            return
        numbering = self.doc.part.numbering_part.numbering_definitions._numbering
        num = numbering.num_having_numId(numpr.numId.val)
        restarted = numbering.add_num(num.abstractNumId.val)
        restarted.add_lvlOverride(ilvl=0).add_startOverride(1)
        paragraph._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = restarted.numId

    def _inline(
        self,
        paragraph: Paragraph,
        tokens: Iterable[dict[str, Any]],
        bold: bool | None = None,
        italic: bool | None = None,
        strike: bool = False,
    ) -> None:
        for token in tokens:
            kind = token["type"]
            if kind == "text":
                run = self.run(paragraph, token["raw"], bold=bold, italic=italic)
                run.font.strike = strike or None
            elif kind == "strong":
                self._inline(paragraph, token["children"], True, italic, strike)
            elif kind == "emphasis":
                self._inline(paragraph, token["children"], bold, True, strike)
            elif kind == "strikethrough":
                self._inline(paragraph, token["children"], bold, italic, True)
            elif kind == "codespan":
                self.run(paragraph, token["raw"], bold=bold, italic=italic, mono=True)
            elif kind == "link":
                # As in the HTML report: the address is shown, never followed.
                self._inline(paragraph, token["children"], bold, italic, strike)
                url = str(token.get("attrs", {}).get("url", ""))
                label = "".join(c.get("raw", "") for c in token["children"])
                if url and url != label and not url.startswith("#"):
                    self.run(paragraph, f" ({url})", size=8, colour=MUTED)
            elif kind == "image":
                label = "".join(c.get("raw", "") for c in token.get("children", []))
                self.run(paragraph, f"[{label}]", italic=True, colour=MUTED)
            elif kind == "softbreak":
                self.run(paragraph, " ")
            elif kind == "linebreak":
                paragraph.add_run().add_break()
            elif kind == "inline_html":
                self.run(paragraph, token["raw"], bold=bold, italic=italic)
            elif "children" in token:
                self._inline(paragraph, token["children"], bold, italic, strike)

    # ------------------------------------------------------------------ tables

    def grid(
        self,
        header: Sequence[str] | None,
        rows: Sequence[Sequence[Any]],
        *,
        numeric: Sequence[int] = (),
        weights: Sequence[float] | None = None,
        size: float | None = None,
        fill: Callable[[int, int, _Cell], None] | None = None,
    ) -> DocxTable:
        """A Word table in the house look: shaded header repeated on each page, rules.

        The table is written as WordprocessingML in one piece: building it cell by cell
        through python-docx takes seconds for the demo's hundred tables.

        Parameters
        ----------
        header : sequence of str or None
            Column headings (``None``: a table without a heading row).
        rows : sequence of sequences
            Cell values (shown as text); a cell may also be a callable that fills the cell.
        numeric : sequence of int
            Positions of right-aligned columns.
        weights : sequence of float, optional
            Relative column widths (default: from the length of their content).
        size : float, optional
            Font size of the cells in points (default: the Table Text style).
        fill : callable, optional
            ``fill(row, column, cell)`` after a body cell is written (e.g. to shade it).

        Returns
        -------
        docx.table.Table
        """
        columns = len(header) if header is not None else len(rows[0])
        if weights is None:
            weights = _column_widths(
                header or [""] * columns, rows, size or TABLE_SIZE, self.text_width / 12700
            )
        total = sum(weights) or 1.0
        twips = [int(self.text_width / 635 * w / total) for w in weights]
        run_props = f'<w:rPr><w:sz w:val="{round(size * 2)}"/></w:rPr>' if size else ""
        head_id = self.style("Table Heading").style_id
        text_id = self.style("Table Text").style_id

        def cell(width: int, style: str, text: str, right: bool, shade: str = "") -> str:
            fill_xml = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
            align = '<w:jc w:val="right"/>' if right else ""
            run = (
                f'<w:r>{run_props}<w:t xml:space="preserve">{escape(clean(text))}</w:t></w:r>'
                if text
                else ""
            )
            return (
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{fill_xml}</w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{align}</w:pPr>{run}</w:p></w:tc>'
            )

        rule = _hex(RULE)
        top = _hex(self.branding.primary) if header is not None else rule
        parts = [
            f"<w:tbl {nsdecls('w')}><w:tblPr>"
            f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="left"/>'
            f'<w:tblBorders><w:top w:val="single" w:sz="4" w:color="{top}"/>'
            '<w:left w:val="nil"/>'
            f'<w:bottom w:val="single" w:sz="4" w:color="{rule}"/><w:right w:val="nil"/>'
            f'<w:insideH w:val="single" w:sz="4" w:color="{rule}"/><w:insideV w:val="nil"/>'
            '</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>',
            *(f'<w:gridCol w:w="{w}"/>' for w in twips),
            "</w:tblGrid>",
        ]
        numeric_set = set(numeric)
        if header is not None:
            shade = _hex(tint(self.branding.primary, 0.88))
            parts.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
            parts.extend(
                cell(twips[i], head_id, str(text), i in numeric_set, shade)
                for i, text in enumerate(header)
            )
            parts.append("</w:tr>")
        for values in rows:
            parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            for i in range(columns):
                value = values[i] if i < len(values) else ""
                text = "" if value is None or callable(value) else str(value)
                parts.append(cell(twips[i], text_id, text, i in numeric_set))
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        element = parse_xml("".join(parts))
        body = self.doc.element.body
        if body.sectPr is not None:
            body.sectPr.addprevious(element)
        else:
            body.append(element)
        table = DocxTable(element, self.doc._body)
        first = 1 if header is not None else 0
        if fill is not None or any(callable(v) for row in rows for v in row):
            for r, (tr, values) in enumerate(zip(element.tr_lst[first:], rows, strict=True)):
                for c, tc in enumerate(tr.tc_lst):
                    target = _Cell(tc, table)
                    if c < len(values) and callable(values[c]):
                        values[c](target)
                    if fill is not None:
                        fill(r, c, target)
        return table

    def table(self, block: Table) -> None:
        """A table ``pb.show`` displayed: title, the table, and its notes."""
        if block.title:
            self.paragraph(block.title, "Table Title")
        if not block.rows:
            text = self.t["none_found"] + (f" {block.note}" if block.note else "")
            self.paragraph(text, "Report Note")
            return
        numeric = [i for i in range(len(block.columns)) if block.is_numeric(i)]
        self.grid(block.columns, block.rows, numeric=numeric, size=table_size(block))
        if block.cut:
            shown, total = format_int(len(block.rows)), format_int(block.total_rows)
            self.paragraph(self.t.format("rows_shown", shown=shown, total=total), "Report Note")
        if block.note:
            self.paragraph(block.note, "Report Note")
        else:
            self.add("Table Text")

    def severity_cell(self, severity: str) -> Callable[[_Cell], None]:
        """A cell filler: the severity's name in its colour, after a square of it."""

        def fill(cell: _Cell) -> None:
            colour = SEVERITY_COLOURS.get(severity, "#8c8c8c")
            self.run(cell.paragraphs[0], "■ ", colour=colour)
            self.run(cell.paragraphs[0], self.t.severity_label(severity), bold=True, colour=colour)

        return fill

    # ------------------------------------------------------------------ pictures

    def image(self, block: Image) -> None:
        """A chart at the size it was drawn, at most the text width and part of its height."""
        try:
            width_px, height_px = block.pixels
        except Exception:  # an image Pillow cannot read: say so rather than fail the report
            self.paragraph(f"[{block.alt}]", "Report Note")
            return
        drawn = block.width_px or round(width_px * 96 / 150)
        width = min(int(Emu(int(drawn / 96 * 914400))), int(self.text_width))
        height = width * height_px / max(width_px, 1)
        limit = self.text_height * MAX_IMAGE_HEIGHT
        if height > limit:
            width = int(width * limit / height)
        paragraph = self.add("Normal")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_together = True
        run = paragraph.add_run()
        run.add_picture(io.BytesIO(block.data), width=Emu(width))
        for properties in run._r.iter(qn("wp:docPr")):
            properties.set("descr", clean(block.alt))

    def notice(self, block: Notice) -> None:
        """A cell that failed: its error, in a shaded paragraph."""
        paragraph = self.paragraph(style="Normal")
        ppr = paragraph._p.get_or_add_pPr()
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "FBEEEE")
        ppr.append(shading)
        self.run(paragraph, self.t["not_completed"] + " ", bold=True)
        self.run(paragraph, f"{block.ename}: {block.evalue}")

    # ------------------------------------------------------------------ parts

    def needs_landscape(self, block: Table) -> bool:
        """Whether a table's columns do not fit the width of a portrait page."""
        if not block.rows:
            return False
        least, _ = _column_needs(block.columns, block.rows, table_size(block))
        return sum(least) > self.portrait_width / 12700

    def orient(self, landscape: bool) -> bool:
        """Continue on a landscape (or back on a portrait) page; ``True`` if a page began."""
        if landscape == self.landscape:
            return False
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.different_first_page_header_footer = False
        width, height = section.page_width or Emu(0), section.page_height or Emu(0)
        if landscape != (width > height):
            section.page_width, section.page_height = height, width
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        self.landscape = landscape
        self.text_width = Emu(
            int(
                (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
            )
        )
        return True

    def blocks(self, blocks: Iterable[Block], chapter_heading_on_new_page: bool = True) -> None:
        """Write a chapter's blocks; a table too wide for the page gets a landscape page."""
        for block in blocks:
            began = self.orient(isinstance(block, Table) and self.needs_landscape(block))
            if isinstance(block, Heading):
                new_page = block.level == 1 and chapter_heading_on_new_page and not began
                self.heading(block.text, block.level, new_page=new_page)
            elif isinstance(block, Markdown):
                self.markdown(block.text, max(block.min_level, 3))
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Image):
                self.image(block)
            elif isinstance(block, Notice):
                self.notice(block)

    def cover(self, title: str, kicker: str) -> None:
        """The cover page: a band in the primary colour with kicker, title and client; the
        facts of the engagement; the firm and its logo; the confidentiality notice."""
        meta, t = self.meta, self.t
        if self.branding.logo:
            logo = self.add()
            logo.add_run().add_picture(io.BytesIO(self.branding.logo), height=Pt(36))
        spacer = self.add()
        spacer.paragraph_format.space_before = Pt(110 if not self.branding.logo else 70)
        band = self.doc.add_table(rows=1, cols=1)
        band.autofit = False
        cell = band.rows[0].cells[0]
        cell.width = self.text_width
        _shade(cell, self.branding.primary)
        light = tint(self.branding.primary, 0.7)
        kicker_line = cell.paragraphs[0]
        kicker_line.paragraph_format.space_before = Pt(36)
        self.run(kicker_line, kicker.upper(), bold=True, size=9, colour=light)
        heading = self.add("Title", container=cell)
        self.run(heading, title, colour="ffffff")
        client = self.add("Subtitle", container=cell)
        self.run(client, meta.client, colour="ffffff")
        client.paragraph_format.space_after = Pt(24)
        self.add().paragraph_format.space_after = Pt(12)
        facts = [
            (t["engagement"], meta.engagement),
            (t["period"], meta.period_text),
            (t["report_date"], meta.date_text),
            (t["currency"], meta.currency),
            (t["run"], meta.run_id),
            (t["prepared_by"], self.branding.firm),
        ]
        rows = [(label, value) for label, value in facts if value]
        self.grid(
            None,
            rows,
            weights=[1, 2.2],
            size=10,
            fill=lambda r, c, cell: self._muted_if(c == 0, cell),
        )
        spacer = self.add()
        spacer.paragraph_format.space_after = Pt(18)
        notice = self.add()
        self.run(notice, self.branding.confidentiality_text(meta.client), size=8.5, colour=MUTED)
        ppr = notice._p.get_or_add_pPr()
        border = OxmlElement("w:pBdr")
        left = OxmlElement("w:left")
        for key, value in (("val", "single"), ("sz", "18"), ("space", "8"), ("color", "C0392B")):
            left.set(qn(f"w:{key}"), value)
        border.append(left)
        ppr.append(border)
        version = self.paragraph(t.format("draft_version", version=meta.version), size=7.5)
        version.paragraph_format.space_before = Pt(24)
        for run in version.runs:
            run.font.color.rgb = RGBColor.from_string(MUTED)

    def _muted_if(self, condition: bool, cell: _Cell) -> None:
        if condition:
            for run in cell.paragraphs[0].runs:
                run.font.color.rgb = RGBColor.from_string(MUTED)

    def contents(self) -> Paragraph:
        """The contents title and a marker where the TOC field goes once headings are known."""
        self.paragraph(
            self.t["contents"], "Contents Title"
        ).paragraph_format.page_break_before = True
        return self.paragraph()

    def fill_contents(self, marker: Paragraph) -> None:
        """Replace the marker by a ``TOC`` field whose cached result lists the headings."""
        first = True
        paragraph = None
        for level, text, bookmark in self.toc:
            paragraph = self.styled(marker.insert_paragraph_before(), f"TOC {level}")
            if level > 1:
                paragraph.paragraph_format.left_indent = Pt(14)
            else:
                paragraph.paragraph_format.space_before = Pt(4)
            if first:
                self._field_start(paragraph)
                first = False
            link = OxmlElement("w:hyperlink")
            link.set(qn("w:anchor"), bookmark)
            link.set(qn("w:history"), "1")
            run = paragraph.add_run(text)
            if level == 1:
                run.bold = True
            link.append(run._r)
            paragraph._p.append(link)
        if paragraph is None:  # no headings: an empty field Word fills in
            paragraph = marker.insert_paragraph_before()
            self._field_start(paragraph)
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        paragraph.add_run()._r.append(end)
        note = self.styled(marker.insert_paragraph_before(), "Report Note")
        note.paragraph_format.space_before = Pt(12)
        self.run(note, self.t["contents_hint"])
        self._update_fields_on_open()

    @staticmethod
    def _field_start(paragraph: Paragraph) -> None:
        begin = OxmlElement("w:fldChar")
        begin.set(qn("w:fldCharType"), "begin")
        paragraph.add_run()._r.append(begin)
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = ' TOC \\o "1-3" \\h \\z \\u '
        paragraph.add_run()._r.append(instr)
        separate = OxmlElement("w:fldChar")
        separate.set(qn("w:fldCharType"), "separate")
        paragraph.add_run()._r.append(separate)

    def _update_fields_on_open(self) -> None:
        settings = self.doc.settings.element
        for old in settings.findall(qn("w:updateFields")):
            settings.remove(old)
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)

    def summary(self, summary: ExecutiveSummary) -> None:
        """The executive summary: lede, key figures, severity matrix and chart, top findings,
        results by review."""
        meta, t = self.meta, self.t
        self.heading(t["executive_summary"], 1, new_page=True)
        self.paragraph(summary_lede(summary, meta))
        playbooks = summary.playbooks
        figures = key_figures(summary, meta)
        self._key_figures(figures)
        self.heading(t["findings_by_severity"], 2)
        if summary.areas:
            header = [t["area"], *(t.severity_label(s) for s in SEVERITIES), t["total"]]
            rows: list[list[Any]] = [
                [row.area, *(row.counts[s] for s in SEVERITIES), row.total] for row in summary.areas
            ]
            rows.append(
                [t["all_areas"], *(summary.by_severity[s] for s in SEVERITIES), summary.total]
            )
            last = len(rows) - 1
            table = self.grid(
                header,
                rows,
                numeric=list(range(1, 7)),
                weights=[4, 1, 1, 1, 1, 1, 1],
                fill=lambda r, c, cell: self._bold_if(r == last or c == 6, cell),
            )
            self._severity_header(table)
            if summary.chart_png:
                import base64

                self.image(
                    Image(base64.b64decode(summary.chart_png), "image/png", summary.chart_alt)
                )
        else:
            self.paragraph(t["no_findings"])
        if summary.top:
            self.heading(t["top_findings"], 2)
            self.paragraph(t.format("top_findings_note", count=len(summary.top)), "Report Note")
            titles = {p.playbook: p.title for p in playbooks}
            self.grid(
                ["#", t["finding"], t["severity"], t["exceptions"], t["share"],
                 t.format("value", currency=meta.currency)],
                [
                    [
                        str(i),
                        self._finding_cell(f, titles),
                        self.severity_cell(f.severity),
                        f"{format_int(f.exceptions.count)} {t['of']} "
                        f"{format_int(f.population.count)}",
                        format_share(f.exceptions.share),
                        format_amount(f.exceptions.value),
                    ]
                    for i, f in enumerate(summary.top, start=1)
                ],
                numeric=[0, 3, 4, 5],
                weights=[0.8, 7, 1.6, 1.8, 1.1, 1.6],
            )  # fmt: skip
        if len(playbooks) > 1:
            self.heading(t["results_by_review"], 2)
            scores = self.grid(
                [t["review"], t["score"], *(t.severity_label(s)[:1] for s in SEVERITIES),
                 t["checks_not_run"]],
                [
                    [
                        p.title + ("" if p.completed else f" ({t['did_not_complete']})"),
                        format_score(p.score),
                        *(p.by_severity[s] for s in SEVERITIES),
                        len(p.limitations),
                    ]
                    for p in playbooks
                ],
                numeric=list(range(1, 8)),
                weights=[5, 1.1, 1, 1, 1, 1, 1, 1.6],
            )  # fmt: skip
            self._severity_header(scores, first=2)
            self.paragraph(t["scores_note"], "Report Note")

    def _bold_if(self, condition: bool, cell: _Cell) -> None:
        if condition:
            for run in cell.paragraphs[0].runs:
                run.bold = True

    def _severity_header(self, table: DocxTable, first: int = 1) -> None:
        for position, severity in enumerate(SEVERITIES, start=first):
            cell = table.rows[0].cells[position]
            _shade(cell, SEVERITY_COLOURS[severity])
            for run in cell.paragraphs[0].runs:
                run.font.color.rgb = RGBColor.from_string(
                    "2B1D00" if severity == "medium" else "FFFFFF"
                )

    def _finding_cell(self, finding: Finding, titles: dict[str, str]) -> Callable[[_Cell], None]:
        def fill(cell: _Cell) -> None:
            paragraph = cell.paragraphs[0]
            self.run(paragraph, finding.title, bold=True)
            detail = self.add("Table Text", container=cell)
            playbook = titles.get(finding.playbook, finding.playbook)
            self.run(detail, f"{finding.id} · {playbook} · {finding.area}", size=7, colour=MUTED)

        return fill

    def _key_figures(self, figures: Sequence[tuple[str, str, str]]) -> None:
        table = self.doc.add_table(rows=1, cols=len(figures))
        table.autofit = False
        width = Emu(int(self.text_width / len(figures)))
        for cell, (value, label, colour) in zip(table.rows[0].cells, figures, strict=True):
            cell.width = width
            _shade(cell, tint(self.branding.primary, 0.95))
            self.run(cell.paragraphs[0], value, bold=True, size=17, colour=colour)
            self.run(self.add("Table Text", container=cell), label, colour=MUTED)
        for column in table.columns:
            column.width = width
        self.add("Table Text")

    def appendix(
        self,
        summary: ExecutiveSummary,
        chapters: Sequence[ChapterContent],
        validation: list[dict[str, Any]] | None,
        provenance: dict[str, Any] | None,
    ) -> None:
        """Findings register, method, limitations, data provenance and validation summary."""
        t, meta = self.t, self.meta
        self.heading(t["appendix"], 1, new_page=not self.orient(False))
        letters = iter("ABCDEFGHIJ")
        self.heading(f"{next(letters)}. {t['findings_register']}", 2)
        self.paragraph(t["register_intro"], "Report Note")
        if summary.findings:
            self.grid(
                [t["id"], t["finding"], t["severity"], t["exceptions"],
                 t.format("value", currency=meta.currency), t["owner"]],
                [
                    [
                        f.id,
                        self._register_cell(f),
                        self.severity_cell(f.severity),
                        f"{format_int(f.exceptions.count)} {t['of']} "
                        f"{format_int(f.population.count)}",
                        format_amount(f.exceptions.value),
                        f.owner_role,
                    ]
                    for f in summary.findings
                ],
                numeric=[3, 4],
                weights=[2.4, 6.0, 1.6, 1.7, 1.5, 2.0],
                size=8,
            )  # fmt: skip
        else:
            self.paragraph(t["no_findings"])
        methods = [c for c in chapters if c.method]
        if methods:
            self.heading(f"{next(letters)}. {t['method']}", 2)
            self.paragraph(t["method_intro"])
            for chapter in methods:
                self.heading(chapter.title, 3)
                for block in chapter.method:
                    if isinstance(block, Markdown):
                        self.markdown(block.text, 4)
                    else:
                        self.blocks([block])
        self.heading(f"{next(letters)}. {t['limitations']}", 2)
        limitations = [(p, item) for p in summary.playbooks for item in p.limitations]
        if limitations:
            self.paragraph(t["limitations_intro"])
            self.grid(
                [t["review"], t["check"], t["why_not_run"]],
                [[p.title, item["check"], item["reason"]] for p, item in limitations],
                weights=[2, 2, 5],
            )
        else:
            self.paragraph(t["limitations_none"])
        for playbook in summary.playbooks:
            if not playbook.completed:
                self.paragraph(t.format("incomplete_review", title=playbook.title))
        if provenance is not None:
            self.heading(f"{next(letters)}. {t['provenance']}", 2)
            inputs = provenance.get("inputs") or []
            if inputs:
                self.paragraph(t["provenance_intro"])
                self.grid(
                    [t["table"], t["file"], t["rows"], "SHA-256"],
                    [
                        [
                            item.get("table", ""),
                            item.get("path", ""),
                            format_int(item.get("rows")),
                            _hash_cell(self, str(item.get("sha256", ""))),
                        ]
                        for item in inputs
                    ],
                    numeric=[2],
                    weights=[2, 4, 1.2, 4.2],
                    size=7.5,
                )
            else:
                self.paragraph(t["provenance_none"])
        if validation is not None:
            self.heading(f"{next(letters)}. {t['validation']}", 2)
            rows = [_validation_row(row) for row in validation]
            if rows:
                counts: dict[str, int] = {}
                for row in rows:
                    counts[row["level"]] = counts.get(row["level"], 0) + 1
                text = ", ".join(counted(n, level) for level, n in sorted(counts.items()))
                intro = t.format("validation_intro", counts=text)
                if len(rows) > MAX_VALIDATION_ROWS:
                    intro += " " + t.format(
                        "validation_cut", shown=MAX_VALIDATION_ROWS, total=len(rows)
                    )
                self.paragraph(intro)
                self.grid(
                    [t["level"], f"{t['file']} / {t['table']}", t["rows"], t["message"]],
                    [
                        [
                            row["level"].capitalize(),
                            " · ".join(x for x in (row["file"], row["table"], row["column"]) if x),
                            row["rows"],
                            row["message"],
                        ]
                        for row in rows[:MAX_VALIDATION_ROWS]
                    ],
                    weights=[1.2, 3.5, 2, 5],
                    size=7.5,
                )
            else:
                self.paragraph(t["validation_none"])

    def _register_cell(self, finding: Finding) -> Callable[[_Cell], None]:
        def fill(cell: _Cell) -> None:
            self.run(cell.paragraphs[0], finding.title, bold=True)
            if finding.summary:
                self.run(self.add("Table Text", container=cell), finding.summary)
            if finding.recommendation:
                detail = self.add("Table Text", container=cell)
                self.run(detail, f"{self.t['recommendation']}: ", italic=True, colour=MUTED)
                self.run(detail, finding.recommendation, italic=True, colour=MUTED)

        return fill

    def furniture(self, title: str) -> None:
        """Headers and footers: the house ones, or the firm template's with fields filled."""
        meta = self.meta
        values = {
            "{client}": meta.client,
            "{engagement}": meta.engagement,
            "{title}": title,
            "{date}": meta.date_text,
            "{firm}": self.branding.firm,
        }
        if self.firm_template:
            for section in self.doc.sections:
                for part in (
                    section.header, section.footer, section.first_page_header,
                    section.first_page_footer,
                ):  # fmt: skip
                    for paragraph in part.paragraphs:
                        for run in paragraph.runs:
                            for key, value in values.items():
                                if key in run.text:
                                    run.text = clean(run.text.replace(key, value))
            return
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True  # the cover has none
        right = Emu(int(self.text_width))
        header = section.header.paragraphs[0]
        header.paragraph_format.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT)
        self.styled(header, "Report Note")
        self.run(header, f"{meta.client} · {meta.engagement}".strip(" ·"))
        self.run(header, "\t")
        self.run(header, self.t["confidential"], bold=True, colour="C0392B")
        if self.branding.logo:
            logo = section.header.add_paragraph()
            logo.alignment = WD_ALIGN_PARAGRAPH.LEFT
            logo.add_run().add_picture(io.BytesIO(self.branding.logo), height=Pt(16))
            header._p.addprevious(logo._p)
        footer = section.footer.paragraphs[0]
        self.styled(footer, "Report Note")
        footer.paragraph_format.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT)
        self.run(footer, " · ".join(x for x in (self.branding.firm, title) if x))
        self.run(footer, "\t")
        for piece in re.split(r"(\{page\}|\{pages\})", self.t["page_of"]):
            if piece == "{page}":
                _field(footer, "PAGE", "1")
            elif piece == "{pages}":
                _field(footer, "NUMPAGES", "1")
            elif piece:
                self.run(footer, piece)

    def properties(self, title: str) -> None:
        """Document properties: title, subject, author; no trace of the generator's own."""
        core = self.doc.core_properties
        core.title = clean(f"{title} · {self.meta.client}")
        core.subject = clean(self.meta.engagement)
        core.author = clean(self.branding.firm or "Audit Workbench")
        core.last_modified_by = core.author
        core.comments = ""
        core.keywords = ""
        core.category = clean(self.t["confidential"])
        core.language = self.branding.language
        when = _as_datetime(self.meta.generated_at)
        if when is not None:
            core.created = core.modified = when
        core.revision = 1

    def save(self, path: Path) -> None:
        """Write the document."""
        self.doc.save(str(path))


def _hash_cell(report: WordReport, digest: str) -> Callable[[_Cell], None]:
    def fill(cell: _Cell) -> None:
        paragraph = cell.paragraphs[0]
        report.run(paragraph, digest[:32], mono=True, size=6.5)
        if len(digest) > 32:
            paragraph.add_run().add_break()
            report.run(paragraph, digest[32:], mono=True, size=6.5)

    return fill


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return None
    return None


def _column_needs(
    header: Sequence[str], rows: Sequence[Sequence[Any]], size: float
) -> tuple[list[float], list[float]]:
    """The least and the wanted width of each column, in points.

    The least is the longest word of the column (words and figures never break; cells
    filled by a callable count as 24 characters), the wanted its typical text on one line.
    """
    char = 0.6 * size  # advance of a wide sans-serif character (bold headings included)
    padding = 14.0  # Word's default left and right cell margins, and some air
    least, wanted = [], []
    for position, label in enumerate(header):
        texts = [
            "x" * 24 if callable(row[position]) else str(row[position])
            for row in rows
            if position < len(row)
        ]
        words = [len(w) for text in [str(label), *texts] for w in text.split()] or [1]
        longest_word = min(max(words), 24)
        lengths = sorted(len(text) for text in texts) or [len(str(label))]
        typical = lengths[max(0, int(len(lengths) * 0.9) - 1)]
        least.append(longest_word * char + padding)
        wanted.append(max(longest_word, min(typical, 60)) * char + padding)
    return least, wanted


def _column_widths(
    header: Sequence[str], rows: Sequence[Sequence[Any]], size: float, available: float
) -> list[float]:
    """Column widths in points that fill ``available``: every column its least width (see
    :func:`_column_needs`), the room left shared in proportion to how much more each column
    wants; scaled down when even the least widths do not fit.
    """
    least, wanted = _column_needs(header, rows, size)
    if sum(least) >= available:
        return [w * available / sum(least) for w in least]
    room = available - sum(least)
    extra = [w - m for w, m in zip(wanted, least, strict=True)]
    if sum(extra) <= room:
        # Everything fits on one line: spread the rest evenly so the table spans the page.
        share = (room - sum(extra)) / len(least)
        return [w + share for w in wanted]
    return [m + e * room / sum(extra) for m, e in zip(least, extra, strict=True)]


def table_size(block: Table) -> float:
    """Font size of a table's cells: smaller the more columns it has."""
    for columns, size in WIDE_TABLE.items():
        if len(block.columns) >= columns:
            return size
    return TABLE_SIZE


def _markdown_table(token: dict[str, Any]) -> Table:
    def text(cell: dict[str, Any]) -> str:
        parts = []
        for child in cell.get("children", []):
            parts.append(child.get("raw") or text(child))
        return "".join(parts)

    header: list[str] = []
    numeric: list[str] = []
    rows: list[list[str]] = []
    for part in token.get("children", []):
        if part["type"] == "table_head":
            header = [text(c) for c in part["children"]]
            numeric = [
                text(c) for c in part["children"] if c.get("attrs", {}).get("align") == "right"
            ]
        elif part["type"] == "table_body":
            rows = [[text(c) for c in row["children"]] for row in part["children"]]
    return Table(columns=header, rows=rows, numeric=numeric, total_rows=len(rows))


def write_docx(
    path: Path,
    meta: ReportMeta,
    chapters: Sequence[ChapterContent],
    summary: ExecutiveSummary,
    *,
    title: str | None = None,
    kicker: str | None = None,
    validation: list[dict[str, Any]] | None = None,
    provenance: dict[str, Any] | None = None,
) -> None:
    """Write ``report.docx`` (see the module docstring).

    Parameters
    ----------
    path : Path
        Where to write it.
    meta : ReportMeta
        Client, engagement, period, run and branding.
    chapters : sequence of ChapterContent
        The playbook chapters, in order.
    summary : ExecutiveSummary
        The executive summary (its findings fill the register).
    title, kicker : str, optional
        Cover title and the line above it (default: the report language's).
    validation : list of dict, optional
        Validation messages for the appendix.
    provenance : dict, optional
        ``{"inputs": [{"table", "path", "sha256", "rows"}]}`` for the appendix.
    """
    report = WordReport(meta)
    t = meta.branding.texts
    title = title or t["report_title"]
    report.cover(title, kicker or t["report_kicker"])
    marker = report.contents()
    report.summary(summary)
    for chapter in chapters:
        report.blocks(chapter.blocks)
    report.appendix(summary, chapters, validation, provenance)
    report.fill_contents(marker)
    marker._p.getparent().remove(marker._p)
    report.furniture(title)
    report.properties(title)
    report.save(path)


__all__ = ["WordReport", "clean", "write_docx"]
