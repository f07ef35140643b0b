"""The PDF deliverable: paginated, numbered, with contents page numbers, and offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from weasyprint.urls import URLFetcher

from tests.factories import run_folder
from tests.report.builders import executed_notebook, four_playbooks
from workbench.report import render_run
from workbench.report.exporters import WorkbenchPDFExporter
from workbench.report.pdf import EmbeddedOnlyURLFetcher, html_to_pdf

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def pdf_text(path: Path) -> list[str]:
    """Text of each page."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")[:-1]


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir, manifest = run_folder(tmp_path_factory.mktemp("run"), four_playbooks())
    outputs = render_run(run_dir, manifest, ["pdf"])
    assert "report.html" not in outputs  # printed from the consolidated HTML, not written
    return run_dir / outputs["report.pdf"]


@needs_poppler
def test_pdf_has_cover_contents_and_numbered_pages(report_pdf: Path) -> None:
    pages = pdf_text(report_pdf)
    assert len(pages) > 5
    assert "Audit report" in pages[0] and "Acme Holdings" in pages[0]
    assert "Confidential" in pages[0]
    assert "Page " not in pages[0]  # the cover carries no header or footer
    total = len(pages)
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in page
        assert "Acme Holdings · acme-2026" in page


@needs_poppler
def test_contents_give_the_page_of_each_chapter(report_pdf: Path) -> None:
    pages = pdf_text(report_pdf)
    contents = pages[1]
    assert "Contents" in contents
    match = re.search(r"Audit of record management\s*\.{3,}\s*(\d+)", contents)
    assert match, contents
    chapter_page = pages[int(match.group(1)) - 1]
    assert "Audit of record management" in chapter_page
    summary = re.search(r"Executive summary\s*\.{3,}\s*(\d+)", contents)
    assert summary and "Findings by severity and area" in pages[int(summary.group(1)) - 1]


@needs_poppler
def test_pdf_exporter_converts_a_notebook(tmp_path: Path) -> None:
    pdf, resources = WorkbenchPDFExporter(client="Acme Holdings").from_notebook_node(
        executed_notebook()
    )
    assert pdf.startswith(b"%PDF")
    assert resources["output_extension"] == ".pdf"
    path = tmp_path / "bi.pdf"
    path.write_bytes(pdf)
    text = "".join(pdf_text(path))
    assert "Business intelligence assessment" in text
    assert "Executive summary" in text


def test_url_fetcher_serves_embedded_data_and_refuses_the_network() -> None:
    fetcher = EmbeddedOnlyURLFetcher()
    assert isinstance(fetcher, URLFetcher)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in (
        "https://fonts.example.com/x.woff2",
        "http://example.com/a.png",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3


def test_pdf_renders_even_if_html_points_at_the_network(caplog: pytest.LogCaptureFixture) -> None:
    html = (
        '<html><head><link rel="stylesheet" href="https://cdn.example.com/x.css"></head>'
        '<body><p>Text</p><img src="https://cdn.example.com/a.png" alt="a"></body></html>'
    )
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert "refused" in caplog.text
