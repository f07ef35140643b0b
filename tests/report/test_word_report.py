"""report.docx: structure, native tables and charts, findings register, firm template, and a
LibreOffice conversion."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import RGBColor

from tests.report.builders import HOSTILE_VENDOR, META, SECRET_PATH, four_playbooks, tiny_png
from tests.report.office import as_template, convert_to_pdf, field_instructions, headings, pdf_pages
from workbench.report.branding import load_branding
from workbench.report.document import ReportMeta
from workbench.report.office import office_content
from workbench.report.render import collect_results
from workbench.report.word import write_docx

VALIDATION = [
    {"level": "warning", "file": "inputs/expenses.csv", "table": "expenses", "column": "vendor",
     "rows": [4, 9], "message": "blank vendor"},
]  # fmt: skip
PROVENANCE = {"inputs": [{"table": "projects", "path": "inputs/projects.csv", "rows": 40,
                          "sha256": "ab" * 32}]}  # fmt: skip


def write(tmp_path: Path, meta: ReportMeta = META, **kwargs: object) -> Path:
    notebooks = four_playbooks(**kwargs)
    content = office_content(notebooks, meta)
    path = tmp_path / "report.docx"
    write_docx(
        path, meta, content.chapters, content.summary, validation=VALIDATION, provenance=PROVENANCE
    )
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("docx"), tables=2, charts=2)


def test_headings_use_the_built_in_styles_in_report_order(report: Path) -> None:
    doc = docx.Document(str(report))
    found = headings(doc)
    chapters = [text for level, text in found if level == 1]
    assert chapters == [
        "Executive summary",
        "Audit of the PM function",
        "Audit of record management",
        "Audit of databases",
        "Business intelligence for PM and PMO",
        "Appendix",
    ]
    sections = [text for level, text in found if level == 2]
    assert sections[:3] == ["Findings by severity and area", "Top findings", "Results by review"]
    assert sections.count("Scope and data") == 4
    assert sections[-5:] == [
        "A. Findings register",
        "B. Method",
        "C. Limitations",
        "D. Data provenance",
        "E. Validation summary",
    ]
    assert max(level for level, _ in found) <= 3


def test_contents_is_a_word_toc_field_listing_the_headings(report: Path) -> None:
    doc = docx.Document(str(report))
    assert 'TOC \\o "1-3" \\h \\z \\u' in field_instructions(doc)
    body = doc.element.body
    anchors = {h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))}
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    assert anchors and anchors <= bookmarks  # every entry links to its heading
    entries = [p.text for p in doc.paragraphs if p._p.find(qn("w:hyperlink")) is not None]
    assert entries[0] == "Executive summary" and "Appendix" in entries
    update = doc.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"
    begins = len([e for e in body.iter(qn("w:fldChar")) if e.get(qn("w:fldCharType")) == "begin"])
    ends = len([e for e in body.iter(qn("w:fldChar")) if e.get(qn("w:fldCharType")) == "end"])
    assert begins == ends == 1  # the field is closed, the chapters are not inside it


def test_findings_register_matches_the_findings(report: Path) -> None:
    doc = docx.Document(str(report))
    findings, _, _ = collect_results(four_playbooks())
    register_header = ["ID", "Finding", "Severity", "Exceptions", "Value (EUR)", "Owner"]
    (register,) = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == register_header]
    rows = register.rows[1:]
    assert len(rows) == len(findings) == 4 + 6 + 10
    by_id = {f.id: f for f in findings}
    for row in rows:
        cells = [c.text for c in row.cells]
        finding = by_id[cells[0]]
        assert cells[1].startswith(finding.title)
        assert cells[2].endswith(finding.severity.capitalize())
        assert cells[3] == f"{finding.exceptions.count:,} of {finding.population.count:,}"
        assert cells[4] == f"{finding.exceptions.value:,.0f}"
        assert cells[5] == finding.owner_role
    severities = [by_id[r.cells[0].text].severity for r in rows]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)  # most severe first


def test_chapter_tables_are_native_word_tables_with_the_shown_cells(report: Path) -> None:
    doc = docx.Document(str(report))
    shown = [t for t in doc.tables if t.rows[0].cells[0].text == "Project"]
    # two pb.show tables in each of the four chapters, the failed one included
    assert len(shown) == 8
    first = shown[0]
    assert [c.text for c in first.rows[0].cells] == ["Project", "Vendor", "Amount", "Count", "Date"]
    assert len(first.rows) == 1 + 25  # cut at 25 rows as in the HTML report
    assert [c.text for c in first.rows[2].cells] == [
        "P-0001",
        HOSTILE_VENDOR,
        "1,037.50",
        "1",
        "2025-02-15",
    ]
    header = first.rows[0]._tr.find(qn("w:trPr"))
    assert header is not None and header.find(qn("w:tblHeader")) is not None
    amount = first.rows[1].cells[2].paragraphs[0]
    assert amount.alignment is not None and amount.alignment == 2  # right-aligned figures
    notes = [p.text for p in doc.paragraphs if p.text.startswith("Showing 25 of 40 rows")]
    assert len(notes) == 4


def test_charts_are_pictures_with_alt_text(report: Path) -> None:
    doc = docx.Document(str(report))
    descriptions = [e.get("descr") for e in doc.element.body.iter(qn("wp:docPr"))]
    # 2 charts + 1 without alt text in each chapter, and the summary chart
    assert len(doc.inline_shapes) == len(descriptions) == 4 * 3 + 1
    assert descriptions[0].startswith("Bar chart of findings by audit area and severity")
    assert "Chart 2 of database-audit: exceptions per month" in descriptions
    assert all(descriptions)


def test_text_is_editable_and_carries_no_code_secret_or_traceback(report: Path) -> None:
    doc = docx.Document(str(report))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    everything = text + cells
    assert SECRET_PATH not in everything and "pb.show" not in everything
    assert "Traceback" not in everything
    assert "This section could not be completed: KeyError: 'amount'" in text
    assert f"The largest supplier by value is {HOSTILE_VENDOR}" in text
    bold = ["".join(r.text for r in p.runs if r.bold) for p in doc.paragraphs]
    assert HOSTILE_VENDOR in bold  # **bold** in computed narrative stays bold
    assert "the policy (https://intranet.example.com/policy)" in text  # shown, not linked
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets[:2] == ["projects", "invoices"]
    assert "blank vendor" in cells and "ab" * 16 in cells


def test_house_header_footer_and_properties(report: Path) -> None:
    doc = docx.Document(str(report))
    section = doc.sections[0]
    assert section.different_first_page_header_footer  # the cover has no header
    assert "Acme Holdings · acme-2026" in section.header.paragraphs[0].text
    footer = section.footer.paragraphs[0]._p
    instructions = [" ".join((e.text or "").split()) for e in footer.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert doc.core_properties.title == "Audit report · Acme Holdings"
    assert doc.core_properties.author == "Audit Workbench"
    assert round(section.page_width.mm) == 210  # A4


def test_characters_xml_cannot_hold_are_dropped_not_fatal(tmp_path: Path) -> None:
    first = next(iter(four_playbooks().values()))
    bundle = next(
        o["data"]
        for c in first.cells
        for o in c.get("outputs", [])
        if "application/vnd.workbench.results+json" in o.get("data", {})
    )["application/vnd.workbench.results+json"]
    bundle["findings"][0]["title"] = "Vendor\x07 with a bell\x00"
    content = office_content({"pm": first}, META)
    write_docx(tmp_path / "report.docx", META, content.chapters, content.summary)
    doc = docx.Document(str(tmp_path / "report.docx"))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert any(c.startswith("Vendor with a bell") for c in cells)


@pytest.fixture
def firm(tmp_path: Path) -> Path:
    """A firm's reference document: its own Heading 1, a header with its logo and fields."""
    reference = docx.Document()
    heading = reference.styles["Heading 1"]
    heading.font.color.rgb = RGBColor(0x0B, 0x3D, 0x2E)
    heading.font.size = docx.shared.Pt(22)
    header = reference.sections[0].header
    header.paragraphs[0].text = "Example Advisory LLP · {client} · {engagement}"
    header.add_paragraph().add_run().add_picture(io.BytesIO(_png()), width=docx.shared.Cm(2))
    reference.sections[0].footer.paragraphs[0].text = "{title} · {date}"
    reference.add_paragraph("Sample text the report replaces.")
    reference.save(str(tmp_path / "reference.docx"))
    (tmp_path / "logo.png").write_bytes(_png())
    (tmp_path / "branding.yaml").write_text(
        "firm: Example Advisory LLP\nlogo: logo.png\nlanguage: de\n"
        "colours: {primary: '#0b3d2e', accent: '#c9a227'}\nword_template: reference.docx\n"
    )
    return tmp_path / "branding.yaml"


def _png() -> bytes:
    import base64

    return base64.b64decode(tiny_png(30, 10))


def test_firm_template_gives_styles_headers_and_language(tmp_path: Path, firm: Path) -> None:
    meta = ReportMeta(**{**META.__dict__, "branding": load_branding(firm)})
    (tmp_path / "out").mkdir()
    doc = docx.Document(str(write(tmp_path / "out", meta)))
    assert "Sample text the report replaces." not in [p.text for p in doc.paragraphs]
    heading = doc.styles["Heading 1"]
    assert heading.font.color.rgb == RGBColor(0x0B, 0x3D, 0x2E)
    assert heading.font.size == docx.shared.Pt(22)
    header = doc.sections[0].header
    assert header.paragraphs[0].text == "Example Advisory LLP · Acme Holdings · acme-2026"
    assert len(header.part.package.image_parts) >= 1
    assert doc.sections[0].footer.paragraphs[0].text == "Prüfbericht · 12. März 2026"
    found = [text for level, text in headings(doc) if level == 1]
    assert found[0] == "Zusammenfassung" and found[-1] == "Anhang"
    text = [p.text for p in doc.paragraphs]
    assert "Inhalt" in text and "Erstellt von" in {
        c.text for t in doc.tables for c in t.columns[0].cells
    }
    assert doc.core_properties.author == "Example Advisory LLP"
    assert doc.core_properties.language == "de"


def test_a_dotx_template_is_used_like_a_docx(tmp_path: Path, firm: Path) -> None:
    as_template(firm.parent / "reference.docx", firm.parent / "reference.dotx")
    firm.write_text(firm.read_text().replace("reference.docx", "reference.dotx"))
    meta = ReportMeta(**{**META.__dict__, "branding": load_branding(firm)})
    (tmp_path / "out").mkdir()
    doc = docx.Document(str(write(tmp_path / "out", meta)))
    assert doc.styles["Heading 1"].font.size == docx.shared.Pt(22)


def test_libreoffice_converts_the_report_to_pdf(report: Path, tmp_path: Path) -> None:
    pages = pdf_pages(convert_to_pdf(report, tmp_path))
    assert len(pages) > 10
    assert "Audit report" in pages[0] and "Acme Holdings" in pages[0]
    text = "\n".join(pages)
    for title in ("Audit of record management", "Findings register", "Validation summary"):
        assert title in text
    assert "Page 2 of" in pages[1]  # the footer's fields are computed
    assert "Page" not in pages[0]  # the cover has no footer
