"""Each report preprocessor does its one transformation."""

from __future__ import annotations

from typing import Any

import pytest
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.report.builders import HOSTILE_VENDOR, SECRET_PATH, TRACEBACK_MARK, executed_notebook
from workbench.report import preprocessors as pp
from workbench.report.markup import render_markdown, split_at_headings


def run(step: type[Any], nb: NotebookNode, **traits: Any) -> tuple[NotebookNode, dict[str, Any]]:
    resources: dict[str, Any] = ResourcesDict()
    return step(**traits)(nb, resources)


def sources(nb: NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells)


def test_parameter_and_injected_parameter_cells_are_dropped() -> None:
    nb, _ = run(pp.RemoveParameterCells, executed_notebook())
    tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert "parameters" not in tags and "injected-parameters" not in tags
    assert SECRET_PATH not in sources(nb)
    assert "approval_limit" not in sources(nb)


def test_papermill_error_markers_are_dropped_but_the_failed_cell_stays() -> None:
    nb, _ = run(pp.RemovePapermillErrorMarkers, executed_notebook(failed=True))
    assert "papermill-error-cell" not in sources(nb)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 1


def test_errors_keep_name_and_message_but_lose_the_traceback() -> None:
    nb, resources = run(pp.SummariseErrors, executed_notebook(failed=True))
    (error,) = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert error.traceback == []
    assert (error.ename, error.evalue) == ("KeyError", "'amount'")
    assert resources["workbench"]["errors"] == [{"ename": "KeyError", "evalue": "'amount'"}]


def test_long_error_messages_are_shortened() -> None:
    cell = new_code_cell("x")
    cell.outputs = [new_output("error", ename="ValueError", evalue="x" * 1000, traceback=[])]
    nb, _ = run(pp.SummariseErrors, new_notebook(cells=[cell]), max_message=50)
    assert len(nb.cells[0].outputs[0].evalue) == 50


def test_streams_warnings_and_plain_text_results_are_dropped() -> None:
    nb, _ = run(pp.RemoveNoiseOutputs, executed_notebook())
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert all(o.output_type in ("display_data", "execute_result", "error") for o in outputs)
    assert all(set(o.data) - {"text/plain"} for o in outputs)
    # text/plain stays next to an image: it is the fallback alt text
    assert any({"image/png", "text/plain"} <= set(o.data) for o in outputs)


def test_results_bundle_moves_to_resources_and_the_findings_table_stays() -> None:
    nb, resources = run(pp.ExtractResultsBundle, executed_notebook(n_findings=3))
    bundle = resources["workbench"]["results"]
    assert bundle["playbook"] == "bi-assessment"
    assert len(bundle["findings"]) == 3
    outputs = [o for c in nb.cells for o in c.get("outputs", []) if "data" in o]
    assert not any(pp.RESULTS_MIME in o.data for o in outputs)
    assert any("wb-findings" in o.data.get("text/html", "") for o in outputs)


def test_results_bundle_given_as_json_text_is_parsed() -> None:
    cell = new_code_cell("pb.finish()")
    cell.outputs = [new_output("display_data", data={pp.RESULTS_MIME: '{"playbook": "x"}'})]
    nb, resources = run(pp.ExtractResultsBundle, new_notebook(cells=[cell]))
    assert resources["workbench"]["results"] == {"playbook": "x"}
    assert nb.cells[0].outputs == []


def test_images_without_alt_get_their_plain_text_as_alt() -> None:
    nb, _ = run(pp.ChartAltText, executed_notebook(charts=1))
    alts = [
        o.metadata["image/png"]["alt"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert alts == [
        "Chart 1 of bi-assessment: exceptions per month",
        "Trend of bi-assessment exceptions",
    ]


def test_matplotlib_repr_is_not_used_as_alt_text() -> None:
    cell = new_code_cell("fig")
    cell.outputs = [
        new_output(
            "display_data",
            data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes>"},
        )
    ]
    nb, _ = run(pp.ChartAltText, new_notebook(cells=[cell]))
    assert nb.cells[0].outputs[0].metadata["image/png"]["alt"] == "Chart"


@pytest.mark.parametrize(
    ("html", "absent", "present"),
    [
        (
            "<table><tr><td><script>alert(1)</script></td></tr></table>",
            "<script>",
            "&lt;script&gt;",
        ),
        ('<p onclick="steal()">x</p>', "onclick", "<p>x</p>"),
        ('<a href="https://evil.example/x">x</a>', "https://", "<a>x</a>"),
        ('<img src="https://evil.example/p.png">', "<img", "&lt;img"),
        ("<style>@import url(https://x/y.css);</style><p>t</p>", "@import", "<p>t</p>"),
    ],
)
def test_html_outputs_keep_table_markup_only(html: str, absent: str, present: str) -> None:
    cell = new_code_cell("pb.show(df)")
    cell.outputs = [new_output("display_data", data={"text/html": html})]
    nb, _ = run(pp.SanitizeHTMLOutputs, new_notebook(cells=[cell]))
    cleaned = nb.cells[0].outputs[0].data["text/html"]
    assert absent not in cleaned
    assert present in cleaned


def test_numeric_columns_and_their_headers_are_marked() -> None:
    table = (
        "<table><thead><tr><th>Project</th><th>Amount</th><th>Share</th></tr></thead><tbody>"
        "<tr><td>P-1</td><td>1,234.50</td><td>12%</td></tr>"
        "<tr><td>P-2</td><td>-3</td><td>nan</td></tr></tbody></table>"
    )
    marked = pp.align_numeric_columns(table)
    assert marked.count('class="num"') == 6
    assert "<th>Project</th>" in marked and "<td>P-1</td>" in marked
    assert '<th class="num">Amount</th>' in marked


def test_code_sources_are_dropped_and_empty_cells_removed() -> None:
    nb = executed_notebook()
    nb, _ = run(pp.RemoveCodeInputs, nb)
    assert all(c.source == "" for c in nb.cells if c.cell_type == "code")
    nb, _ = run(pp.RemoveNoiseOutputs, nb)
    nb, _ = run(pp.RemoveEmptyCells, nb)
    assert all(c.outputs for c in nb.cells if c.cell_type == "code")
    assert all(c.cell_type in ("code", "markdown") for c in nb.cells)


def test_markdown_is_split_so_each_section_heading_starts_a_cell() -> None:
    text = "# Title\n\nIntro\n\n## One\n\n```\n## not a heading\n```\n\n### Sub\n\n## Two\nEnd"
    assert [p.splitlines()[0] for p in split_at_headings(text)] == ["# Title", "## One", "## Two"]


def test_outline_gives_unique_anchors_and_the_first_title_is_the_chapter() -> None:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Chapter *one*\n\n## Findings\n\ntext\n\n## Findings\n\n# Extra"),
        ]
    )
    resources: dict[str, Any] = {"workbench": {"chapter_id": "pm"}}
    for step in (pp.SplitMarkdownSections, pp.OutlineSections):
        nb, resources = step()(nb, resources)
    state = resources["workbench"]
    assert state["title"] == "Chapter one"
    assert [(h["level"], h["id"]) for h in state["outline"]] == [
        (1, "pm"),
        (2, "pm-findings"),
        (2, "pm-findings-2"),
        (2, "pm-extra"),
    ]


def test_method_section_is_marked_and_the_findings_table_stays_in_the_chapter() -> None:
    nb = executed_notebook()
    resources: dict[str, Any] = ResourcesDict()
    for step in pp.REPORT_PREPROCESSORS:
        nb, resources = step()(nb, resources)
    parts = [(c.cell_type, c.metadata["workbench"]["part"]) for c in nb.cells]
    assert ("markdown", "method") in parts
    finish = [c for c in nb.cells if c.metadata["workbench"].get("results")]
    assert finish and finish[0].metadata["workbench"]["part"] == "body"
    assert [h["text"] for h in resources["workbench"]["method_outline"]] == ["Method"]
    assert "Method" not in [h["text"] for h in resources["workbench"]["outline"]]


def test_markdown_escapes_html_and_never_links_or_loads_from_the_network() -> None:
    html = render_markdown(
        f"## A {HOSTILE_VENDOR}\n\n[policy](https://x.example/p) ![logo](http://x.example/l.png)"
        "\n\n[back](#top)",
        heading_id="ch-a",
    )
    assert "<script>" not in html
    assert '<h2 id="ch-a">' in html
    assert 'href="https://' not in html and 'src="http://' not in html
    assert '<a href="#top">back</a>' in html
    assert "(https://x.example/p)" in html


def test_traceback_text_never_survives_the_pipeline() -> None:
    nb = executed_notebook(failed=True)
    resources: dict[str, Any] = ResourcesDict()
    for step in pp.REPORT_PREPROCESSORS:
        nb, resources = step()(nb, resources)
    assert TRACEBACK_MARK not in str(nb)


def test_wide_tables_are_marked_and_long_identifiers_can_wrap() -> None:
    header = "".join(f"<th>column_number_{i}</th>" for i in range(9))
    row = "".join(f"<td>{i}</td>" for i in range(9))
    html = (
        f'<table class="wb-table"><thead><tr>{header}</tr></thead>'
        f"<tbody><tr>{row}</tr></tbody></table>"
    )
    cell = new_code_cell("pb.show(df)")
    cell.outputs = [new_output("display_data", data={"text/html": html})]
    nb = new_notebook(cells=[cell])
    for step in (pp.MarkNumericCells, pp.MarkWideTables, pp.BreakLongWords):
        nb, _ = run(step, nb)
    out = nb.cells[0].outputs[0].data["text/html"]
    assert '<table class="wb-table wb-wide">' in out
    assert "<th>column_<wbr>number_<wbr>0</th>" not in out  # numeric column headers stay whole
    assert '<th class="num">column_number_0</th>' in out
    narrow = "<table><tr><th>orphan_rows_share</th></tr><tr><td>x</td></tr></table>"
    cell.outputs = [new_output("display_data", data={"text/html": narrow})]
    nb, _ = run(pp.MarkWideTables, new_notebook(cells=[cell]))
    nb, _ = run(pp.BreakLongWords, nb)
    out = nb.cells[0].outputs[0].data["text/html"]
    assert "wb-wide" not in out
    assert "<th>orphan_<wbr>rows_<wbr>share</th>" in out
