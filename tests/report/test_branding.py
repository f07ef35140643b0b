"""Firm branding in one place: the file, its checks, and every format that uses it."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import docx
import pytest
from pptx import Presentation

from tests.report.builders import executed_notebook, tiny_png
from tests.report.office import consolidated_html
from tests.report.test_pdf_report import needs_poppler, pdf_text
from workbench.cli import main
from workbench.errors import InputError
from workbench.report.branding import (
    BRANDING_ENV,
    css_string,
    house_branding,
    load_branding,
)
from workbench.report.document import ReportMeta
from workbench.report.pdf import write_pdf
from workbench.run import run

PNG = base64.b64decode(tiny_png(40, 12))


def branding_file(folder: Path, text: str, logo: bytes | None = PNG) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if logo is not None:
        (folder / "logo.png").write_bytes(logo)
    path = folder / "branding.yaml"
    path.write_text(text)
    return path


FIRM = (
    "firm: Example Advisory LLP\nlogo: logo.png\nlanguage: de\n"
    "colours: {primary: '#0B3D2E', accent: '#c9a227'}\n"
    "confidentiality: 'Streng vertraulich. Für {client}, erstellt von {firm}.'\n"
)


def test_branding_file_is_read_with_paths_relative_to_it(tmp_path: Path) -> None:
    branding = load_branding(branding_file(tmp_path / "firm", FIRM))
    assert branding.firm == "Example Advisory LLP"
    assert branding.primary == "#0b3d2e" and branding.accent == "#c9a227"
    assert branding.logo == PNG and branding.logo_mime == "image/png"
    assert branding.language == "de" and branding.texts["contents"] == "Inhalt"
    assert branding.confidentiality_text("Acme") == (
        "Streng vertraulich. Für Acme, erstellt von Example Advisory LLP."
    )
    house = house_branding()
    assert house.firm == "" and house.language == "en" and house.logo is None


@pytest.mark.parametrize(
    ("text", "logo", "expected"),
    [
        ("colours: {primary: navy}\n", PNG, r"colours\.primary: 'navy' is not a colour"),
        ("language: tlh\n", PNG, r"language: no report language 'tlh'; use one of en, de, fr"),
        ("texts: {contnets: Inhalt}\n", PNG, r"texts: unknown text\(s\) contnets"),
        ("firm: A\nlogoo: logo.png\n", PNG, r"logoo: unknown field"),
        ("logo: missing.png\n", None, r"logo .*missing\.png cannot be read"),
        ("logo: logo.png\n", b"GIF89a....", r"logo .*logo\.png is not a PNG or JPEG image"),
        ("word_template: logo.png\n", PNG, r"word_template .*should be a \.docx or \.dotx"),
        ("slide_master: deck.pptx\n", PNG, r"slide_master .*deck\.pptx: file not found"),
        ("- a list\n", PNG, r"expected a mapping of fields"),
    ],
)
def test_bad_branding_names_file_and_field(
    tmp_path: Path, text: str, logo: bytes | None, expected: str
) -> None:
    path = branding_file(tmp_path, text, logo)
    with pytest.raises(InputError) as caught:
        load_branding(path)
    message = str(caught.value)
    assert str(path) in message
    assert re.search(expected, message), message


def test_a_word_template_that_is_not_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / "reference.docx").write_text("not a zip")
    path = branding_file(tmp_path, "word_template: reference.docx\n")
    with pytest.raises(InputError, match=r"reference\.docx is not a \.docx file"):
        load_branding(path)


def test_css_strings_cannot_leave_their_quotes() -> None:
    hostile = '"; } body { display: none } @import "https://x.example/a.css'
    quoted = css_string(hostile)
    inner = quoted[1:-1]
    assert quoted.startswith('"') and quoted.endswith('"')
    assert not set(inner) & set("\"';{}()@:/")
    assert css_string("Seite ") == '"Seite "'


def test_stylesheet_rules_carry_colours_and_page_texts(tmp_path: Path) -> None:
    css = load_branding(branding_file(tmp_path, FIRM)).css()
    assert "--wb-navy: #0b3d2e;" in css and "--wb-blue: #c9a227;" in css
    assert '@bottom-right { content: "Seite " counter(page) " von " counter(pages); }' in css
    assert '@top-right { content: "Vertraulich"; }' in css


def test_html_report_is_branded_and_still_self_contained(tmp_path: Path) -> None:
    meta = ReportMeta(
        client="Acme Holdings",
        engagement="acme-2026",
        period_start="2025-01-01",
        period_end="2026-06-30",
        generated_at="2026-03-12",
        branding=load_branding(branding_file(tmp_path, FIRM)),
    )
    html = consolidated_html([executed_notebook(), executed_notebook("pm", "PM audit")], meta)
    assert '<html lang="de">' in html
    assert "data:image/png;base64," + base64.b64encode(PNG).decode() in html
    assert "Example Advisory LLP" in html
    assert "Streng vertraulich. Für Acme Holdings, erstellt von Example Advisory LLP." in html
    for text in ("Inhalt", "Zusammenfassung", "Feststellungen nach Schweregrad und Bereich",
                 "Anhang", "1. Januar 2025 – 30. Juni 2026"):  # fmt: skip
        assert text in html, text
    assert "--wb-navy: #0b3d2e;" in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "Confidential." not in html and "Executive summary" not in html


@needs_poppler
def test_pdf_pages_carry_the_branding_texts(tmp_path: Path) -> None:
    meta = ReportMeta(
        client="Acme Holdings",
        engagement="acme-2026",
        branding=load_branding(branding_file(tmp_path, FIRM)),
    )
    write_pdf(consolidated_html([executed_notebook()], meta), tmp_path / "report.pdf")
    pages = pdf_text(tmp_path / "report.pdf")
    assert f"Seite 2 von {len(pages)}" in pages[1]
    assert "Vertraulich" in pages[1] and "Confidential" not in pages[1]


@pytest.mark.slow
def test_engagement_names_its_branding_and_every_format_uses_it(
    fixture_home, make_engagement, tmp_path
) -> None:
    branding_file(tmp_path / "firm", FIRM)
    folder = make_engagement(branding="../firm/branding.yaml")
    reports = tmp_path / "reports"
    formats = ("html", "docx", "pptx")
    result = run(folder, out=reports, formats=formats, progress=None)
    assert result.status == "ok"
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["branding"] == {
        "file": str((tmp_path / "firm" / "branding.yaml").resolve()),
        "firm": "Example Advisory LLP",
        "language": "de",
    }
    assert "Example Advisory LLP" in (result.run_dir / "report.html").read_text()
    doc = docx.Document(str(result.run_dir / "report.docx"))
    assert "Example Advisory LLP" in doc.sections[0].footer.paragraphs[0].text
    assert doc.sections[0].header.part.package.image_parts  # the logo
    deck = Presentation(str(result.run_dir / "deck.pptx"))
    assert deck.slides[1].shapes.title.text == "Kennzahlen"
    # a new colour only renders again: nothing is executed
    path = tmp_path / "firm" / "branding.yaml"
    path.write_text(path.read_text().replace("#0B3D2E", "#12345a"))
    again = run(folder, out=reports, formats=formats, progress=None)
    assert again.action == "rendered" and again.source_run == result.run_id
    assert "branding changed" in again.changes
    assert "--wb-navy: #12345a;" in (again.run_dir / "report.html").read_text()
    # and the run after that has nothing to do
    assert run(folder, out=reports, formats=formats, progress=None).action == "up-to-date"


@pytest.mark.slow
def test_firm_settings_file_applies_when_the_engagement_names_none(
    fixture_home, make_engagement, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv(BRANDING_ENV, str(branding_file(tmp_path / "firm", FIRM)))
    result = run(make_engagement(), out=tmp_path / "reports", formats=("pptx",), progress=None)
    assert result.status == "ok"
    deck = Presentation(str(result.run_dir / "deck.pptx"))
    assert deck.slides[0].shapes.title.text == "Prüfungsergebnisse"


def test_bad_branding_stops_the_run_before_anything_runs(
    fixture_home, make_engagement, tmp_path, capsys
) -> None:
    path = branding_file(tmp_path / "firm", "colours: {primary: '#12'}\n")
    folder = make_engagement(branding="../firm/branding.yaml")
    code = main(["run", str(folder), "--out", str(tmp_path / "reports")])
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err and "colours.primary" in err and "Traceback" not in err
    assert not (tmp_path / "reports").exists()


@pytest.mark.slow
def test_rerender_says_which_branding_file_is_gone(
    fixture_home, make_engagement, tmp_path, capsys
) -> None:
    path = branding_file(tmp_path / "firm", FIRM)
    folder = make_engagement(branding="../firm/branding.yaml")
    result = run(folder, out=tmp_path / "reports", formats=("html",), progress=None)
    path.unlink()
    code = main(["report", str(result.run_dir), "--format", "docx"])
    err = capsys.readouterr().err
    assert code == 2 and f"{path}: file not found" in err and "Traceback" not in err
