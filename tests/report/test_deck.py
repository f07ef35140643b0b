"""deck.pptx: slides and their titles, the severity chart, top findings, one slide per
playbook, the firm's slide master, and a LibreOffice conversion."""

from __future__ import annotations

from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Inches

from tests.report.builders import META, PLAYBOOKS, four_playbooks
from tests.report.office import as_template, convert_to_pdf, pdf_pages
from workbench.findings import SEVERITIES, sort_findings
from workbench.report.branding import load_branding
from workbench.report.deck import write_pptx
from workbench.report.document import ReportMeta
from workbench.report.office import office_content
from workbench.report.render import collect_results
from workbench.report.summary import areas_by_severity

TITLES = [title for _, title, _ in PLAYBOOKS]


def write(folder: Path, meta: ReportMeta = META) -> Path:
    notebooks = four_playbooks()
    content = office_content(notebooks, meta)
    write_pptx(folder / "deck.pptx", meta, content.chapters, content.summary)
    return folder / "deck.pptx"


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("pptx"))


def titles(path: Path) -> list[str]:
    return [s.shapes.title.text for s in Presentation(str(path)).slides]


def test_slides_in_order_each_with_its_title(deck: Path) -> None:
    assert titles(deck) == [
        "Audit results",
        "Key figures",
        "Findings by severity and area",
        "Top findings",
        *TITLES,
        "Next steps",
    ]
    prs = Presentation(str(deck))
    assert prs.slide_width == Inches(13.333) and prs.slide_height == Inches(7.5)
    cover = prs.slides[0]
    texts = [s.text_frame.text for s in cover.shapes if s.has_text_frame]
    assert "Acme Holdings" in texts
    assert any("1 January 2025 – 30 June 2026" in t for t in texts)


def test_key_figures_match_the_findings(deck: Path) -> None:
    findings, _, _ = collect_results(four_playbooks())
    slide = Presentation(str(deck)).slides[1]
    texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    severe = sum(1 for f in findings if f.severity in ("critical", "high"))
    assert f"{len(findings)}\nfindings" in texts
    assert f"{severe}\ncritical or high" in texts


def test_severity_chart_is_native_and_counts_each_area(deck: Path) -> None:
    findings, _, _ = collect_results(four_playbooks())
    slide = Presentation(str(deck)).slides[2]
    (frame,) = [s for s in slide.shapes if s.has_chart]
    chart = frame.chart
    categories = list(chart.plots[0].categories)
    areas = areas_by_severity(findings)
    assert categories == [a.area for a in reversed(areas)]
    by_series = {s.name: list(s.values) for s in chart.series}
    for area_index, area in enumerate(reversed(areas)):
        for severity in SEVERITIES:
            name = severity.capitalize()
            if name in by_series:
                assert by_series[name][area_index] == area.counts[severity]
    assert sum(sum(v) for v in by_series.values()) == len(findings)


def test_top_findings_table_lists_the_most_severe(deck: Path) -> None:
    findings, _, _ = collect_results(four_playbooks())
    slide = Presentation(str(deck)).slides[3]
    (frame,) = [s for s in slide.shapes if s.has_table]
    table = frame.table
    ids = [table.cell(r, 0).text for r in range(1, len(table.rows))]
    assert ids == [f.id for f in sort_findings(findings)[:8]]


def test_one_slide_per_playbook_with_its_chart_and_three_findings(deck: Path) -> None:
    prs = Presentation(str(deck))
    notebooks = four_playbooks()
    for index, (name, nb) in enumerate(notebooks.items()):
        slide = prs.slides[4 + index]
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1  # every builder playbook has a chart
        text = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        findings, _, _ = collect_results({name: nb})
        top = sort_findings(findings)[:3]
        for finding in top:
            assert finding.title in text and finding.id in text
        for finding in sort_findings(findings)[3:]:
            assert finding.id not in text
        if not findings:  # the playbook that failed part-way
            assert "No finding was raised." in text
        assert slide.notes_slide.notes_text_frame.text.endswith(f"chapter {TITLES[index]}.")


def test_firm_slide_master_is_used_and_its_sample_slides_removed(tmp_path: Path) -> None:
    master = Presentation()
    layout = master.slide_layouts[5]
    sample = master.slides.add_slide(layout)
    sample.shapes.title.text = "Sample slide of the template"
    # a text box on the master itself (python-pptx adds shapes to slides only: move one over)
    stamp = sample.shapes.add_textbox(Inches(0.2), Inches(0.1), Inches(3), Inches(0.4))
    stamp.text_frame.text = "EXAMPLE ADVISORY MASTER"
    master.slide_master.shapes._spTree.append(stamp._element)
    master.save(str(tmp_path / "master.pptx"))
    as_template(tmp_path / "master.pptx", tmp_path / "master.potx")
    (tmp_path / "branding.yaml").write_text(
        "firm: Example Advisory LLP\nlanguage: fr\nslide_master: master.potx\n"
    )
    meta = ReportMeta(**{**META.__dict__, "branding": load_branding(tmp_path / "branding.yaml")})
    (tmp_path / "out").mkdir()
    path = write(tmp_path / "out", meta)
    prs = Presentation(str(path))
    assert titles(path) == [
        "Résultats de l'audit",
        "Chiffres clés",
        "Constats par gravité et domaine",
        "Principaux constats",
        *TITLES,
        "Prochaines étapes",
    ]
    assert prs.slide_width == Inches(10)  # the master's own size is kept
    for slide in prs.slides:
        texts = [
            s.text_frame.text for s in slide.slide_layout.slide_master.shapes if s.has_text_frame
        ]
        assert "EXAMPLE ADVISORY MASTER" in texts


def test_libreoffice_converts_the_deck_to_pdf(deck: Path, tmp_path: Path) -> None:
    pages = pdf_pages(convert_to_pdf(deck, tmp_path))
    assert len(pages) == len(titles(deck))
    for page, title in zip(pages, titles(deck), strict=True):
        assert " ".join(title.split()[:3]) in " ".join(page.split())
