"""``deck.pptx``: the executive deck for the steering committee.

Slides, in order: cover; key figures; findings by severity (a native, editable bar chart by
area and severity); top findings; one slide per playbook with its main chart and its three
most important findings; next steps. Built with python-pptx from the same results as the
report (:mod:`workbench.report.content` and the executive summary).

On the firm's slide master (``slide_master`` of the branding, a ``.pptx`` or ``.potx``) the
slides use its "Title Slide" and "Title Only" layouts as they are, and any slides the file
holds are removed. Without one, the house style sets a 16:9 deck with the branding's colours.
Every slide title is its title placeholder, so the outline view and screen readers see it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PptxPresentation
from pptx.slide import Slide, SlideLayout
from pptx.util import Emu, Inches, Pt

from workbench.charts import SEVERITY_COLOURS
from workbench.findings import SEVERITIES, Finding, sort_findings
from workbench.report.branding import Branding, open_office_package, rgb, tint
from workbench.report.content import ChapterContent, Image
from workbench.report.document import (
    ReportMeta,
    format_amount,
    format_compact,
    format_int,
    format_score,
    key_figures,
    summary_lede,
)
from workbench.report.summary import ExecutiveSummary, findings_from_bundle
from workbench.report.word import MUTED, clean

#: Width and height of the house deck (16:9).
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)

#: Findings on the "top findings" slide, and per playbook slide.
TOP_FINDINGS = 8
PLAYBOOK_FINDINGS = 3

#: Areas shown in the severity chart (the most serious first); the rest are summed.
CHART_AREAS = 12


def _colour(value: str) -> RGBColor:
    return RGBColor(*rgb(value if value.startswith("#") else f"#{value}"))


class Deck:
    """Builds ``deck.pptx`` (see the module docstring).

    Parameters
    ----------
    meta : ReportMeta
        Client, engagement, period, run and branding.
    """

    def __init__(self, meta: ReportMeta) -> None:
        self.meta = meta
        self.branding: Branding = meta.branding
        self.t = meta.branding.texts
        master = self.branding.slide_master
        self.prs: PptxPresentation = (
            Presentation(open_office_package(master)) if master else Presentation()
        )
        self.firm_master = master is not None
        if self.firm_master:
            self._remove_slides()
        else:
            self.prs.slide_width, self.prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
        self.width = int(self.prs.slide_width or SLIDE_WIDTH)
        self.height = int(self.prs.slide_height or SLIDE_HEIGHT)

    # ------------------------------------------------------------------ layout

    def _remove_slides(self) -> None:
        slide_ids = self.prs.slides._sldIdLst
        for slide_id in list(slide_ids):
            self.prs.part.drop_rel(slide_id.get(qn("r:id")))
            slide_ids.remove(slide_id)

    def layout(self, name: str, fallback: int) -> SlideLayout:
        """The master's layout called ``name``, else the one at position ``fallback``."""
        for layout in self.prs.slide_layouts:
            if layout.name.lower() == name.lower():
                return layout
        layouts = list(self.prs.slide_layouts)
        return layouts[min(fallback, len(layouts) - 1)]

    def slide(self, title: str) -> Slide:
        """A slide with its title in the title placeholder; returns the slide."""
        slide = self.prs.slides.add_slide(self.layout("Title Only", 5))
        shape = slide.shapes.title
        if shape is None:  # a layout without a title: add one so every slide has a title
            shape = slide.shapes.add_textbox(
                MARGIN, Inches(0.35), self.width - 2 * MARGIN, Inches(0.9)
            )
        shape.text_frame.text = clean(title)
        if not self.firm_master:
            place(shape, (MARGIN, Inches(0.35), self.width - 2 * MARGIN, Inches(0.9)))
            shape.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            restyle(shape, 28, self.branding.primary, bold=True)
            rule = slide.shapes.add_shape(
                MSO_SHAPE.RECTANGLE, MARGIN, Inches(1.28), Emu(self.width - 2 * MARGIN), Pt(2.5)
            )
            rule.fill.solid()
            rule.fill.fore_color.rgb = _colour(self.branding.accent)
            rule.line.fill.background()
            self._footer(slide)
        return slide

    def body_top(self, slide: Slide) -> int:
        """Where content starts on a slide: below its title."""
        title = slide.shapes.title
        if not self.firm_master or title is None:
            return int(Inches(1.55))
        return int((title.top or 0) + (title.height or 0) + Inches(0.2))

    def _footer(self, slide: Slide) -> None:
        text = " · ".join(
            x for x in (self.meta.client, self.t["confidential"], self.branding.firm) if x
        )
        top = int(self.height - Inches(0.45))
        left = self.box(slide, int(MARGIN), top, int(self.width * 0.7), int(Inches(0.3)))
        self.text(left, text, size=9, colour=MUTED)
        right = self.box(
            slide, int(self.width - MARGIN - Inches(1)), top, int(Inches(1)), int(Inches(0.3))
        )
        self.text(right, str(len(self.prs.slides)), size=9, colour=MUTED, align="right")

    # ------------------------------------------------------------------ text

    @staticmethod
    def text(
        frame: Any,
        text: str,
        *,
        size: float = 14,
        bold: bool = False,
        colour: str | None = None,
        new: bool = False,
        align: str = "left",
        space_after: float = 0,
    ) -> Any:
        """Write ``text`` into a text frame (its first paragraph, or a new one)."""
        paragraph = frame.add_paragraph() if new else frame.paragraphs[0]
        paragraph.alignment = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT}.get(
            align, PP_ALIGN.CENTER
        )
        if space_after:
            paragraph.space_after = Pt(space_after)
        run = paragraph.add_run()
        run.text = clean(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        if colour:
            run.font.color.rgb = _colour(colour)
        return paragraph

    def box(self, slide: Slide, left: int, top: int, width: int, height: int) -> Any:
        """A text box with word wrap; returns its text frame."""
        shape = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
        frame = shape.text_frame
        frame.word_wrap = True
        return frame

    # ------------------------------------------------------------------ slides

    def cover(self) -> None:
        """Kicker, title, client; period and date; firm, logo and confidentiality."""
        meta, t = self.meta, self.t
        slide = self.prs.slides.add_slide(self.layout("Title Slide", 0))
        title = slide.shapes.title
        subtitle = next((p for p in slide.placeholders if p.placeholder_format.idx == 1), None)
        if not self.firm_master:
            band = slide.shapes.add_shape(
                MSO_SHAPE.RECTANGLE, 0, Inches(1.9), self.width, Inches(2.9)
            )
            band.fill.solid()
            band.fill.fore_color.rgb = _colour(self.branding.primary)
            band.line.fill.background()
            # the band is drawn first so that the placeholders stay on top of it
            slide.shapes._spTree.remove(band._element)
            slide.shapes._spTree.insert(2, band._element)
        white = "#ffffff"
        if title is not None:
            title.text_frame.text = clean(t["deck_title"])
            if not self.firm_master:
                place(title, (MARGIN, Inches(2.35), self.width - 2 * MARGIN, Inches(1.2)))
                restyle(title, 40, white, bold=True)
        if subtitle is not None:
            subtitle.text_frame.text = clean(meta.client)
            if not self.firm_master:
                place(subtitle, (MARGIN, Inches(3.55), self.width - 2 * MARGIN, Inches(0.8)))
                restyle(subtitle, 24, white)
        kicker = self.box(
            slide, int(MARGIN), int(Inches(1.95)), self.width - 2 * int(MARGIN), int(Inches(0.4))
        )
        self.text(
            kicker, t["deck_kicker"].upper(), size=12, bold=True,
            colour=tint(self.branding.primary, 0.7) if not self.firm_master else MUTED,
        )  # fmt: skip
        facts = [meta.period_text, meta.date_text, meta.engagement]
        details = self.box(slide, int(MARGIN), int(Inches(5.0)), int(Inches(8)), int(Inches(1.2)))
        self.text(details, " · ".join(x for x in facts if x), size=14, colour="#222222")
        if self.branding.firm:
            self.text(details, f"{t['prepared_by']} {self.branding.firm}", size=14, new=True)
        notice = self.box(slide, int(MARGIN), int(Inches(6.3)), int(Inches(9)), int(Inches(0.8)))
        self.text(notice, self.branding.confidentiality_text(meta.client), size=9, colour=MUTED)
        if self.branding.logo:
            slide.shapes.add_picture(
                io.BytesIO(self.branding.logo),
                Emu(self.width - int(MARGIN) - int(Inches(2.2))),
                Inches(0.5),
                height=Inches(0.8),
            )

    def key_figures(self, summary: ExecutiveSummary) -> None:
        """Four figures in tiles and the summary's opening sentences."""
        t, meta = self.t, self.meta
        slide = self.slide(t["key_figures"])
        figures = key_figures(summary, meta)
        top = self.body_top(slide) + int(Inches(0.2))
        gap = int(Inches(0.25))
        tile_width = (self.width - 2 * int(MARGIN) - gap * (len(figures) - 1)) // len(figures)
        for i, (value, label, colour) in enumerate(figures):
            left = int(MARGIN) + i * (tile_width + gap)
            tile = slide.shapes.add_shape(
                MSO_SHAPE.RECTANGLE, Emu(left), Emu(top), Emu(tile_width), Inches(1.9)
            )
            tile.fill.solid()
            tile.fill.fore_color.rgb = _colour(tint(self.branding.primary, 0.93))
            tile.line.color.rgb = _colour(colour)
            tile.line.width = Pt(1.5)
            frame = tile.text_frame
            frame.word_wrap = True
            frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            self.text(frame, value, size=40 if len(value) <= 6 else 30, bold=True, colour=colour,
                      align="center")  # fmt: skip
            self.text(frame, label, size=14, colour=MUTED, new=True, align="center")
        lede = self.box(
            slide,
            int(MARGIN),
            top + int(Inches(2.3)),
            self.width - 2 * int(MARGIN),
            int(Inches(2.2)),
        )
        self.text(lede, summary_lede(summary, meta), size=18, colour="#222222")

    def severity(self, summary: ExecutiveSummary) -> None:
        """Findings by area and severity as an editable stacked bar chart."""
        t = self.t
        slide = self.slide(t["findings_by_severity"])
        top = self.body_top(slide)
        if not summary.areas:
            note = self.box(slide, int(MARGIN), top, self.width - 2 * int(MARGIN), int(Inches(1)))
            self.text(note, t["no_findings"], size=18)
            return
        areas = summary.areas[:CHART_AREAS]
        rest = summary.areas[CHART_AREAS:]
        data: Any = CategoryChartData()  # python-pptx declares ChartData, its alias
        labels = [a.area for a in reversed(areas)]  # bars are drawn bottom-up
        counts = [{s: a.counts[s] for s in SEVERITIES} for a in reversed(areas)]
        if rest:
            labels.insert(0, f"{len(rest)} more")
            counts.insert(0, {s: sum(a.counts[s] for a in rest) for s in SEVERITIES})
        data.categories = labels
        used = [s for s in SEVERITIES if any(c[s] for c in counts)]
        for severity in used:
            data.add_series(t.severity_label(severity), [c[severity] for c in counts])
        height = self.height - top - int(Inches(0.7))
        frame: Any = slide.shapes.add_chart(
            XL_CHART_TYPE.BAR_STACKED,
            MARGIN,
            Emu(top),
            Emu(self.width - 2 * int(MARGIN)),
            Emu(height),
            data,
        )
        chart = frame.chart
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(12)
        chart.category_axis.tick_labels.font.size = Pt(11)
        _label_every_category(chart.category_axis._element)
        _plot_area_right_of_labels(chart._chartSpace.chart.plotArea, 0.3)
        chart.value_axis.tick_labels.font.size = Pt(10)
        chart.value_axis.has_major_gridlines = True
        chart.plots[0].gap_width = 60
        for severity, series in zip(used, chart.series, strict=True):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _colour(SEVERITY_COLOURS[severity])

    def top_findings(self, summary: ExecutiveSummary) -> None:
        """The most serious findings as a table."""
        t, meta = self.t, self.meta
        slide = self.slide(t["top_findings"])
        findings = summary.top[:TOP_FINDINGS]
        if not findings:
            frame = self.box(
                slide,
                int(MARGIN),
                self.body_top(slide),
                self.width - 2 * int(MARGIN),
                int(Inches(1)),
            )
            self.text(frame, t["no_findings"], size=18)
            return
        header = [t["id"], t["finding"], t["severity"], t["exceptions"],
                  t.format("value", currency=meta.currency)]  # fmt: skip
        rows = [
            [
                f.id,
                f.title,
                t.severity_label(f.severity),
                f"{format_int(f.exceptions.count)} {t['of']} {format_int(f.population.count)}",
                format_amount(f.exceptions.value),
            ]
            for f in findings
        ]
        top = self.body_top(slide)
        shape = slide.shapes.add_table(
            len(rows) + 1,
            len(header),
            MARGIN,
            Emu(top),
            Emu(self.width - 2 * int(MARGIN)),
            Emu(int(Inches(0.45)) * (len(rows) + 1)),
        )
        table = shape.table
        weights = [1.7, 6.2, 1.5, 1.6, 1.6]
        total_width = self.width - 2 * int(MARGIN)
        for index, weight in enumerate(weights):
            table.columns[index].width = Emu(int(total_width * weight / sum(weights)))
        for c, label in enumerate(header):
            cell = table.cell(0, c)
            cell.fill.solid()
            cell.fill.fore_color.rgb = _colour(self.branding.primary)
            cell.text_frame.text = ""
            self.text(cell.text_frame, label, size=12, bold=True, colour="#ffffff",
                      align="right" if c >= 3 else "left")  # fmt: skip
        for r, (finding, values) in enumerate(zip(findings, rows, strict=True), start=1):
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.fill.solid()
                cell.fill.fore_color.rgb = _colour(
                    "#ffffff" if r % 2 else tint(self.branding.primary, 0.93)
                )
                cell.text_frame.text = ""
                cell.text_frame.word_wrap = True
                colour = SEVERITY_COLOURS.get(finding.severity) if c == 2 else "#222222"
                self.text(cell.text_frame, value, size=12, bold=c == 2, colour=colour,
                          align="right" if c >= 3 else "left")  # fmt: skip

    def playbook(self, chapter: ChapterContent) -> None:
        """One playbook: its main chart on the left, its three most important findings."""
        t = self.t
        slide = self.slide(chapter.title)
        top = self.body_top(slide)
        bottom = self.height - int(Inches(0.65))
        split = int(self.width * 0.56)
        images = chapter.images
        if images:
            self._picture(
                slide,
                images[0],
                int(MARGIN),
                top,
                split - int(MARGIN) - int(Inches(0.2)),
                bottom - top,
            )
        else:
            frame = self.box(slide, int(MARGIN), top, split - int(MARGIN), int(Inches(1)))
            self.text(frame, t["chart_missing"], size=14, colour=MUTED)
        findings = sort_findings(findings_from_bundle(chapter.results))[:PLAYBOOK_FINDINGS]
        left = split + int(Inches(0.1))
        width = self.width - left - int(MARGIN)
        frame = self.box(slide, left, top, width, bottom - top)
        self.text(frame, t["main_findings"], size=16, bold=True, colour=self.branding.primary,
                  space_after=6)  # fmt: skip
        if not findings:
            self.text(frame, t["no_findings"], size=14, new=True)
        for finding in findings:
            self._finding(frame, finding)
        score = (chapter.results or {}).get("score")
        if score is not None:
            self.text(frame, f"{t['score']}: {format_score(score)} / 100", size=12,
                      colour=MUTED, new=True)  # fmt: skip
        self._notes(slide, t.format("more_in_report", title=chapter.title))

    def _finding(self, frame: Any, finding: Finding) -> None:
        t = self.t
        head = frame.add_paragraph()
        head.space_before = Pt(8)
        marker = head.add_run()
        marker.text = f"■ {t.severity_label(finding.severity)}  "
        marker.font.size, marker.font.bold = Pt(12), True
        marker.font.color.rgb = _colour(SEVERITY_COLOURS.get(finding.severity, "#8c8c8c"))
        title = head.add_run()
        title.text = clean(finding.title)
        title.font.size, title.font.bold = Pt(14), True
        numbers = f"{finding.id} · {format_int(finding.exceptions.count)} {t['of']} " + format_int(
            finding.population.count
        )
        if finding.exceptions.value:
            numbers += f" · {format_compact(finding.exceptions.value, self.meta.currency)}"
        self.text(frame, numbers, size=11, colour=MUTED, new=True)
        if finding.recommendation:
            self.text(frame, _shorten(finding.recommendation, 160), size=12, new=True)

    def _picture(
        self, slide: Slide, image: Image, left: int, top: int, width: int, height: int
    ) -> None:
        pixels_wide, pixels_high = image.pixels
        scale = min(width / pixels_wide, height / pixels_high)
        shown_width, shown_height = int(pixels_wide * scale), int(pixels_high * scale)
        slide.shapes.add_picture(
            io.BytesIO(image.data),
            Emu(left + (width - shown_width) // 2),
            Emu(top),
            Emu(shown_width),
            Emu(shown_height),
        )

    @staticmethod
    def _notes(slide: Slide, text: str) -> None:
        frame = slide.notes_slide.notes_text_frame
        if frame is not None:
            frame.text = clean(text)

    def next_steps(self, summary: ExecutiveSummary) -> None:
        """What the client does next."""
        t = self.t
        slide = self.slide(t["next_steps"])
        top = self.body_top(slide) + int(Inches(0.2))
        frame = self.box(
            slide,
            int(MARGIN),
            top,
            self.width - 2 * int(MARGIN),
            self.height - top - int(Inches(0.8)),
        )
        steps = [t["next_step_1"], t["next_step_2"]]
        if any(p.limitations for p in summary.playbooks):
            steps.append(t["next_step_3"])
        steps.append(t["next_step_4"])
        for i, step in enumerate(steps, start=1):
            paragraph = self.text(frame, f"{i}.  {step}", size=20, new=i > 1, space_after=14)
            paragraph.runs[0].font.color.rgb = _colour("#222222")

    def properties(self) -> None:
        """Document properties: title, subject, author."""
        core = self.prs.core_properties
        core.title = clean(f"{self.t['deck_title']} · {self.meta.client}")
        core.subject = clean(self.meta.engagement)
        core.author = clean(self.branding.firm or "Audit Workbench")
        core.last_modified_by = core.author
        core.language = self.branding.language
        core.revision = 1

    def save(self, path: Path) -> None:
        """Write the deck."""
        self.prs.save(str(path))


def place(shape: Any, box: tuple[int, int, int, int]) -> None:
    """Move and size a placeholder on its slide (``left, top, width, height`` in EMU)."""
    shape.left, shape.top, shape.width, shape.height = (Emu(int(v)) for v in box)
    shape.text_frame.word_wrap = True


def restyle(shape: Any, size: float, colour: str, bold: bool = False) -> None:
    """Set the text of a placeholder left-aligned, in ``size`` points and ``colour``."""
    for paragraph in shape.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size, run.font.bold = Pt(size), bold
            run.font.color.rgb = _colour(colour)


def _label_every_category(axis: Any) -> None:
    """Name every bar: viewers otherwise skip labels they find crowded, or wrap long ones
    over their neighbours."""
    body = axis.find(qn("c:txPr")).find(qn("a:bodyPr"))
    body.set("wrap", "none")
    skip = axis.makeelement(qn("c:tickLblSkip"), {"val": "1"})
    following = axis.find(qn("c:tickMarkSkip"))
    if following is None:
        following = axis.find(qn("c:noMultiLvlLbl"))
    if following is not None:
        following.addprevious(skip)
    else:
        axis.append(skip)


def _plot_area_right_of_labels(plot_area: Any, share: float) -> None:
    """Keep ``share`` of the chart's width for the bar labels, so that area names stay on
    one line (a viewer left to itself wraps them and then leaves every other one out)."""
    from lxml import etree

    layout = plot_area.find(qn("c:layout"))
    if layout is None:
        layout = etree.SubElement(plot_area, qn("c:layout"))
        plot_area.remove(layout)
        plot_area.insert(0, layout)
    for child in list(layout):
        layout.remove(child)
    manual = etree.SubElement(layout, qn("c:manualLayout"))
    for tag, value in (
        ("c:layoutTarget", "inner"),
        ("c:xMode", "edge"),
        ("c:yMode", "edge"),
        ("c:x", f"{share:.3f}"),
        ("c:y", "0.08"),
        ("c:w", f"{0.97 - share:.3f}"),
        ("c:h", "0.84"),
    ):
        etree.SubElement(manual, qn(tag)).set("val", value)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def write_pptx(
    path: Path,
    meta: ReportMeta,
    chapters: Sequence[ChapterContent],
    summary: ExecutiveSummary,
) -> None:
    """Write ``deck.pptx`` (see the module docstring).

    Parameters
    ----------
    path : Path
        Where to write it.
    meta : ReportMeta
        Client, engagement, period, run and branding.
    chapters : sequence of ChapterContent
        The playbook chapters, in order (one slide each).
    summary : ExecutiveSummary
        The executive summary.
    """
    deck = Deck(meta)
    deck.cover()
    deck.key_figures(summary)
    deck.severity(summary)
    deck.top_findings(summary)
    for chapter in chapters:
        deck.playbook(chapter)
    deck.next_steps(summary)
    deck.properties()
    deck.save(path)


__all__ = ["Deck", "write_pptx"]
