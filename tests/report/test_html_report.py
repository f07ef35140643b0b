"""The HTML deliverables: what a client sees, and what never reaches them.

Every document here is written by :func:`workbench.report.render_run` into a run folder, as
the runner and ``workbench report`` write it.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbconvert.exporters import get_exporter

from tests.factories import run_folder
from tests.report.builders import (
    HOSTILE_VENDOR,
    SECRET_PATH,
    TRACEBACK_MARK,
    executed_notebook,
    four_playbooks,
)
from workbench.report import render_run
from workbench.report.document import Chapter
from workbench.report.exporters import WorkbenchHTMLExporter, WorkbenchPDFExporter
from workbench.report.render import collect_results

VALIDATION = [
    {
        "level": "warning",
        "file": "inputs/projects.csv",
        "table": "projects",
        "column": "budget",
        "rows": [3, 4, 5],
        "message": "3 budgets are negative",
    }
]
PROVENANCE = {
    "inputs": [
        {"table": "projects", "path": "inputs/projects.csv", "sha256": "ab" * 32, "rows": 412}
    ]
}


class Elements(HTMLParser):
    """Tags with their attributes, and the text outside <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def deliver(folder: Path, notebooks: dict[str, nbformat.NotebookNode], **manifest: Any) -> Path:
    """A run folder of ``notebooks``, rendered to HTML."""
    run_dir, record = run_folder(folder, notebooks, **manifest)
    render_run(run_dir, record, ["html"])
    return run_dir


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory: pytest.TempPathFactory) -> str:
    run_dir = deliver(
        tmp_path_factory.mktemp("run"),
        four_playbooks(),
        validation=VALIDATION,
        inputs=PROVENANCE["inputs"],
    )
    return (run_dir / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> str:
    notebook = executed_notebook(failed=True, finished=True)
    run_dir = deliver(tmp_path_factory.mktemp("run"), {"bi-assessment": notebook})
    return (run_dir / "bi-assessment.html").read_text(encoding="utf-8")


def test_a_run_folder_gets_every_document_and_the_register(tmp_path: Path) -> None:
    notebooks = four_playbooks()
    run_dir, manifest = run_folder(tmp_path, notebooks)
    timings: dict[str, float] = {}
    outputs = render_run(run_dir, manifest, ["html", "xlsx"], timings=timings)
    documents = [f"{name}.html" for name in notebooks]
    expected = ["findings.json", "metrics.csv", "findings.xlsx", "report.html", *documents]
    assert list(outputs) == expected
    assert all((run_dir / path).is_file() for path in outputs.values())
    assert not (run_dir / "report.pdf").exists()
    assert set(timings) == {"register", "xlsx", "chapters", "html"}
    findings, _, _ = collect_results(notebooks)
    assert len(json.loads((run_dir / "findings.json").read_text())) == len(findings) == 20


def test_chapters_rendered_during_the_run_are_used_as_they_are(tmp_path: Path) -> None:
    """The runner renders each chapter as its notebook finishes: render_run does not again."""
    notebook = executed_notebook()
    run_dir, manifest = run_folder(tmp_path, {"bi-assessment": notebook})
    ready = WorkbenchHTMLExporter().render_chapter(notebook, chapter_id="bi-assessment")
    marked = Chapter(**{**vars(ready), "html": ready.html + "<p>rendered during the run</p>"})
    render_run(run_dir, manifest, ["html"], chapters={"bi-assessment": marked})
    assert "rendered during the run" in (run_dir / "report.html").read_text()
    assert "rendered during the run" in (run_dir / "bi-assessment.html").read_text()


def test_only_registered_formats_are_written(tmp_path: Path) -> None:
    from workbench.errors import InputError

    run_dir, manifest = run_folder(tmp_path, {"bi-assessment": executed_notebook()})
    with pytest.raises(InputError, match=r"unknown format\(s\) odt; use "):
        render_run(run_dir, manifest, ["html", "odt"])
    assert not (run_dir / "report.html").exists()


def assert_offline(html: str) -> None:
    """No address of the network where a browser would load or follow it."""
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"@import", html, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", html, re.I)
    tags = {tag for tag, _ in parse(html).tags}
    assert not tags & {"script", "link", "iframe", "object", "embed"}


def test_reports_make_no_network_reference(consolidated: str, single: str) -> None:
    assert_offline(consolidated)
    assert_offline(single)


def test_no_code_parameters_streams_or_tracebacks_reach_the_report(single: str) -> None:
    for leaked in (
        "from workbench.session import start",
        "pb.show(",
        "approval_limit",
        SECRET_PATH,
        "Loading 7 tables",
        "FutureWarning",
        "(412, 14)",
        TRACEBACK_MARK,
        "\x1b[",
        "papermill",
        "Execution using papermill",
    ):
        assert leaked not in single, leaked


def test_a_failed_cell_becomes_a_short_notice(single: str) -> None:
    assert "This section could not be completed:</strong> KeyError: &#39;amount&#39;" in single


def test_client_data_is_escaped_everywhere(consolidated: str) -> None:
    assert HOSTILE_VENDOR not in consolidated
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in consolidated


def test_client_name_is_escaped_on_the_cover(tmp_path: Path) -> None:
    run_dir = deliver(tmp_path, {"bi-assessment": executed_notebook()}, client="<b>Acme</b>")
    html = (run_dir / "bi-assessment.html").read_text()
    assert "<b>Acme</b>" not in html
    assert "&lt;b&gt;Acme&lt;/b&gt;" in html


def test_every_image_has_alt_text_from_the_chart_or_its_plain_text(consolidated: str) -> None:
    images = [attrs for tag, attrs in parse(consolidated).tags if tag == "img"]
    assert images
    assert all((attrs.get("alt") or "").strip() for attrs in images)
    assert all((attrs.get("src") or "").startswith("data:image/") for attrs in images)
    alts = {attrs.get("alt") or "" for attrs in images}
    assert "Chart 1 of bi-assessment: exceptions per month" in alts
    assert "Trend of bi-assessment exceptions" in alts
    assert any(a.startswith("Bar chart of findings by audit area and severity") for a in alts)


def test_contents_list_every_chapter_and_section_and_every_link_resolves(
    consolidated: str,
) -> None:
    elements = parse(consolidated)
    ids = {attrs["id"] for _, attrs in elements.tags if attrs.get("id")}
    toc = consolidated.split('<nav class="wb-toc"', 1)[1].split("</nav>", 1)[0]
    targets = re.findall(r'href="#([^"]+)"', toc)
    for anchor in (
        "executive-summary",
        "pm-function-audit",
        "pm-function-audit-scope-and-data",
        "bi-assessment-analysis",
        "appendix",
        "appendix-method",
        "appendix-provenance",
        "appendix-validation",
    ):
        assert anchor in targets
    assert set(targets) <= ids
    assert "pm-function-audit-method" not in targets  # the method lives in the appendix
    for title in ("Audit of the PM function", "Audit of databases", "Scope and data"):
        assert title in toc


def test_executive_summary_counts_findings_by_severity(consolidated: str) -> None:
    findings, _, _ = collect_results(four_playbooks())
    expected = {s: sum(1 for f in findings if f.severity == s) for s in ("critical", "high")}
    totals = dict(re.findall(r'data-severity="(\w+)">(\d+)<', consolidated))
    assert int(totals["critical"]) == expected["critical"] > 0
    assert int(totals["high"]) == expected["high"] > 0
    assert sum(int(v) for v in totals.values()) == len(findings) == 4 + 6 + 10
    assert f"<strong>{len(findings)} findings</strong>" in consolidated


def test_executive_summary_lists_top_ten_and_a_score_per_playbook(consolidated: str) -> None:
    top = consolidated.split('id="summary-top-findings"', 1)[1].split("</table>", 1)[0]
    assert top.count("<tr>") == 1 + 10
    scores = consolidated.split('id="summary-by-playbook"', 1)[1].split("</table>", 1)[0]
    for title, score in (("Audit of the PM function", "90"), ("Audit of record management", "78")):
        assert re.search(rf"{title}</a>.*?wb-strong\">{score}<", scores, re.S)
    assert "Did not complete" in scores  # the database audit failed before pb.finish()


def test_method_moves_to_the_appendix(consolidated: str) -> None:
    chapters, appendix = consolidated.split('<h1 id="appendix">', 1)
    assert "Nigrini" not in chapters
    assert appendix.count("AICPA attribute sampling") == 4
    assert "ab" * 16 in appendix  # sha256 of the input
    assert "3 budgets are negative" in appendix
    assert "the trainings table was not provided" in appendix


def test_long_tables_keep_the_cut_note_and_numbers_are_right_aligned(single: str) -> None:
    assert "Showing 25 of 40 rows" in single
    assert '<td class="num">1,037.50</td>' in single
    assert '<th class="num">Amount</th>' in single


def test_stylesheet_is_inlined_and_names_system_fonts_only(single: str) -> None:
    style = single.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "DejaVu Sans" in style
    assert "@font-face" not in style
    assert "counter(pages)" in style


def test_exporters_are_registered_with_nbconvert() -> None:
    assert get_exporter("workbench_html") is WorkbenchHTMLExporter
    assert get_exporter("workbench_pdf") is WorkbenchPDFExporter


def test_nbconvert_exporter_renders_a_notebook_file(tmp_path: Path) -> None:
    path = tmp_path / "bi-assessment.ipynb"
    nbformat.write(executed_notebook(), str(path))
    html, resources = WorkbenchHTMLExporter(client="Acme Holdings").from_filename(str(path))
    assert resources["output_extension"] == ".html"
    assert "Acme Holdings" in html
    assert '<h1 id="bi-assessment">Business intelligence assessment</h1>' in html
    assert_offline(html)


def test_code_can_be_switched_back_on_through_configuration() -> None:
    from traitlets.config import Config

    config = Config({"RemoveCodeInputs": {"enabled": False}})
    exporter = WorkbenchHTMLExporter(config=config)
    chapter = exporter.render_chapter(executed_notebook())
    assert exporter._preprocessors  # configured, not hard-coded
    assert chapter.title == "Business intelligence assessment"


def test_notebook_without_a_title_still_gets_an_anchored_chapter(tmp_path: Path) -> None:
    nb = executed_notebook()
    nb.cells[0].source = "Intro without a heading."
    html = (deliver(tmp_path, {"bi-assessment": nb}) / "bi-assessment.html").read_text()
    assert '<h1 id="bi-assessment">Business intelligence assessment</h1>' in html


def test_collect_results_reads_findings_metrics_and_summaries() -> None:
    notebooks = four_playbooks()
    notebooks["nb2"] = notebooks.pop("database-audit")  # it failed before pb.finish()
    findings, metrics, summaries = collect_results(notebooks)
    assert len(findings) == 20
    assert {f.playbook for f in findings} == {
        "pm-function-audit",
        "record-management-audit",
        "bi-assessment",
    }
    assert len(metrics) == 15 and all(m.playbook for m in metrics)
    assert [s["score"] for s in summaries] == [90.0, 78.0, 54.0, None]
    assert summaries[3] == {
        "playbook": "nb2",
        "title": "nb2",
        "score": None,
        "findings": 0,
        "by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0},
        "limitations": [],
        "completed": False,
    }
    assert summaries[0]["limitations"] == [
        {"check": "trainings", "reason": "the trainings table was not provided"}
    ]
