"""On the demo engagement, ``workbench run`` writes report.docx and deck.pptx by default,
beside the PDF, with the findings of findings.json; LibreOffice converts both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import nbformat
import pytest
from docx.oxml.ns import qn
from pptx import Presentation

from tests.report.office import convert_to_pdf, field_instructions, headings, pdf_pages
from workbench.cli import main
from workbench.report.content import Image, chapter_content

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(demo_engagement: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    reports = tmp_path_factory.mktemp("demo-reports")
    code = main(["run", str(demo_engagement), "--out", str(reports), "--jobs", "2"])
    assert code == 0
    return (reports / "northwind-demo" / "latest").resolve()


def findings(run_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((run_dir / "findings.json").read_text())
    return list(data["findings"] if isinstance(data, dict) else data)


def test_word_and_deck_are_written_by_default_beside_the_pdf(demo_run: Path) -> None:
    manifest = json.loads((demo_run / "manifest.json").read_text())
    assert set(manifest["formats"]) == {"html", "pdf", "xlsx", "docx", "pptx"}
    for name in ("report.pdf", "report.docx", "deck.pptx"):
        assert (demo_run / name).stat().st_size > 10_000, name
        assert manifest["outputs"][name] == name
    assert {"docx", "pptx"} <= set(manifest["render_timings"])


def test_word_report_has_the_chapters_register_and_charts_of_the_run(demo_run: Path) -> None:
    doc = docx.Document(str(demo_run / "report.docx"))
    manifest = json.loads((demo_run / "manifest.json").read_text())
    order = [p["name"] for p in manifest["playbooks"]]
    notebooks = [
        nbformat.read(str(demo_run / "notebooks" / f"{name}.ipynb"), as_version=4) for name in order
    ]
    contents = [chapter_content(nb) for nb in notebooks]
    level_one = [text for level, text in headings(doc) if level == 1]
    assert level_one == ["Executive summary", *(c.title for c in contents), "Appendix"]
    assert any(i.startswith("TOC ") for i in field_instructions(doc))
    every = findings(demo_run)
    register_header = ["ID", "Finding", "Severity", "Exceptions", "Value (EUR)", "Owner"]
    (register,) = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == register_header]
    ids = [row.cells[0].text for row in register.rows[1:]]
    assert sorted(ids) == sorted(f["id"] for f in every)
    by_id = {f["id"]: f for f in every}
    for row in register.rows[1:]:
        finding = by_id[row.cells[0].text]
        assert row.cells[1].text.startswith(finding["title"])
        assert row.cells[3].text.startswith(f"{finding['exceptions']['count']:,} of ")
    charts = sum(1 for c in contents for b in c.blocks if isinstance(b, Image))
    pictures = list(doc.element.body.iter(qn("pic:pic")))
    assert charts > 10 and len(pictures) == charts + 1  # and the summary's chart
    # every table a chapter showed is a Word table, with its first row as shown
    from workbench.report.content import Table

    shown = [b for c in contents for b in c.blocks if isinstance(b, Table) and b.rows]
    word_rows = {tuple(c.text for c in t.rows[1].cells) for t in doc.tables if len(t.rows) > 1}
    assert all(tuple(t.rows[0]) in word_rows for t in shown)


def test_deck_has_a_slide_per_playbook_with_its_top_findings(demo_run: Path) -> None:
    prs = Presentation(str(demo_run / "deck.pptx"))
    manifest = json.loads((demo_run / "manifest.json").read_text())
    names = [p["name"] for p in manifest["playbooks"]]
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[:4] == ["Audit results", "Key figures", "Findings by severity and area",
                          "Top findings"]  # fmt: skip
    assert titles[-1] == "Next steps" and len(titles) == 5 + len(names)
    every = findings(demo_run)
    order = ["critical", "high", "medium", "low", "info"]
    for slide, name in zip(list(prs.slides)[4:-1], names, strict=True):
        text = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        own = [f for f in every if f["playbook"] == name]
        worst = min(order.index(f["severity"]) for f in own)
        shown = [f for f in own if f["id"] in text]
        assert len(shown) == 3
        assert min(order.index(f["severity"]) for f in shown) == worst
        assert any(s.shape_type == 13 for s in slide.shapes)  # its main chart
    key = "\n".join(s.text_frame.text for s in prs.slides[1].shapes if s.has_text_frame)
    assert f"{len(every)}\nfindings" in key


def test_libreoffice_converts_both_documents(demo_run: Path, tmp_path: Path) -> None:
    report = pdf_pages(convert_to_pdf(demo_run / "report.docx", tmp_path))
    assert len(report) > 30
    assert "Northwind Projects Ltd" in report[0]
    deck = pdf_pages(convert_to_pdf(demo_run / "deck.pptx", tmp_path))
    assert len(deck) == len(Presentation(str(demo_run / "deck.pptx")).slides)
