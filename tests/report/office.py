"""Helpers for the Word and PowerPoint tests: read documents back, convert them with
LibreOffice headless, and build a firm's reference files."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from nbformat import NotebookNode

from workbench.report.document import ReportMeta


def soffice() -> str:
    """The LibreOffice binary; a skip where it is missing (a failure under ``CI=true``)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    message = "LibreOffice (soffice) is not installed: run `make system-deps`"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: the conversion tests must not be skipped)")
    pytest.skip(message)


def convert_to_pdf(document: Path, workdir: Path) -> Path:
    """Convert a .docx or .pptx to PDF with LibreOffice headless; fail on any error.

    Each conversion gets its own LibreOffice profile, so that parallel test workers do not
    share one.
    """
    binary = soffice()
    profile = workdir / f"lo-profile-{document.stem}"
    out = workdir / f"pdf-{document.stem}"
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(document),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    pdf = out / f"{document.stem}.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    assert "Error" not in done.stderr, done.stderr
    return pdf


def pdf_pages(pdf: Path) -> list[str]:
    """Text of each page of a PDF (poppler's pdftotext)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def headings(doc: DocxDocument) -> list[tuple[int, str]]:
    """``(level, text)`` of every paragraph in a built-in Heading style, in order."""
    out = []
    for paragraph in doc.paragraphs:
        name = paragraph.style.name if paragraph.style is not None else ""
        if name.startswith("Heading "):
            out.append((int(name.split()[1]), paragraph.text))
    return out


def field_instructions(doc: DocxDocument) -> list[str]:
    """The instructions of every complex field in the document body."""
    return [" ".join((e.text or "").split()) for e in doc.element.body.iter(qn("w:instrText"))]


def as_template(document: Path, target: Path) -> Path:
    """A copy of a .docx/.pptx saved as its template kind (.dotx/.potx)."""
    kinds = {
        "wordprocessingml.document.main+xml": "wordprocessingml.template.main+xml",
        "presentationml.presentation.main+xml": "presentationml.template.main+xml",
    }
    with zipfile.ZipFile(document) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode("utf-8")
                for a, b in kinds.items():
                    text = text.replace(a, b)
                data = text.encode("utf-8")
            copy.writestr(item, data)
    return target


def consolidated_html(notebooks: list[NotebookNode], meta: ReportMeta) -> str:
    """``report.html`` of executed notebooks with the given cover details (and branding)."""
    from workbench.report.document import consolidated_document
    from workbench.report.render import chapter_anchors, render_chapter

    names = [f"playbook-{i}" for i in range(len(notebooks))]
    anchors = chapter_anchors(names)
    chapters = [render_chapter(nb, anchors[n]) for n, nb in zip(names, notebooks, strict=True)]
    return consolidated_document(meta, chapters)
