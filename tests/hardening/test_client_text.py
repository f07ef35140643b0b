"""Client text is text: never a spreadsheet formula, never mathtext, never markdown.

The probe found client ids written raw into ``metrics.csv`` (456 cells beginning with
``=cmd|...``, others with ``+``, ``-``, ``@``), a ``$\\foo$`` in a client value failing a
playbook because matplotlib read it as math, and a segment name holding a markdown image
with a ``data:`` URL becoming a real picture (a spoofed banner) in the HTML and the PDF,
where a nested version of it kept WeasyPrint busy past 240 s. The PDF layout now loads
only the pictures the report placed and is stopped at a time limit.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import time
from html import unescape

import matplotlib.pyplot as plt
import pytest

from workbench.bi.summary import executive_summary
from workbench.cells import neutralise
from workbench.charts import apply_style, figure_output
from workbench.findings import Metric, finding_from_ids
from workbench.report.markup import md_text, render_markdown
from workbench.report.pdf import PDFTimeout, html_to_pdf, placed_images
from workbench.report.register import metrics_csv

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/x","Open invoice")',
    "+SUM(A1:A9)",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_metrics_csv_holds_no_cell_a_spreadsheet_would_run() -> None:
    metrics = [
        Metric("budget", 10.0 + i, "currency", "segment", ident, playbook="bi-assessment")
        for i, ident in enumerate(FORMULAS)
    ]
    metrics.append(Metric(FORMULAS[0], 1.0, "count", "kpi", "KPI-1", playbook="bi-assessment"))
    rows = _rows(metrics_csv(metrics))
    cells = [value for row in rows for value in row.values()]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert not [
        c for c in cells if c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit()
    ]
    shown = {row["entity_id"] for row in rows}
    assert {"'" + f for f in FORMULAS} <= shown  # the text is kept, behind an apostrophe
    assert any(row["metric"] == "'" + FORMULAS[0] for row in rows)


def test_numbers_stay_numbers_in_metrics_csv() -> None:
    rows = _rows(metrics_csv([Metric("variance", -3.5, "currency", "project", "-12")]))
    assert (rows[0]["value"], rows[0]["entity_id"]) == ("-3.5", "-12")
    assert float(rows[0]["value"]) == -3.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("-1", "-1"),
        ("+4.5e3", "+4.5e3"),
        ("-A1", "'-A1"),
        ("Acme", "Acme"),
        ("", ""),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise(value: object, expected: object) -> None:
    assert neutralise(value) == expected


def test_a_dollar_sign_in_a_client_value_is_drawn_as_text() -> None:
    apply_style()
    fig, ax = plt.subplots()
    ax.bar([r"$\foo$ Holdings", "Acme $5m"], [1, 2])
    ax.set_title(r"Segment $\frac{a}{$")
    bundle, _ = figure_output(fig, alt="Budgets per client")
    assert bundle["image/png"]


#: A banner a client could smuggle in as a segment name: a picture made of a data: URL.
BANNER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="60">'
    '<text y="40" font-size="30">AUDIT PASSED</text></svg>'
)
BANNER = "![x](data:image/svg+xml;base64," + base64.b64encode(BANNER_SVG.encode()).decode() + ")"


def test_a_client_string_in_computed_markdown_is_shown_as_written() -> None:
    hostile = [BANNER, "# Summary\n- all clear", "**Approved**", "a | b", "[site](#top)"]
    for value in hostile:
        html = render_markdown(f"Segment {md_text(value)} ranks first.")
        assert "<img" not in html and "<h" not in html and "<li" not in html
        assert "<strong>" not in html and "<table" not in html and "<a " not in html
        assert value.replace("\n", " ") in visible(html)


def test_markdown_never_makes_a_picture() -> None:
    html = render_markdown(f"Look: {BANNER}")
    assert "<img" not in html and "base64" not in html


def test_the_executive_summary_shows_finding_text_as_text() -> None:
    finding = finding_from_ids(
        check="leakage",
        area="Revenue",
        severity="high",
        title=f"Leakage in segment {BANNER}",
        summary="**All** clear. More.",
        entity_type="segment",
        ids=[BANNER],
        population_count=3,
        owner_role="# PMO",
        recommendation="Review [the vendor](#x).",
    )
    html = render_markdown(executive_summary([finding], currency="EUR"))
    assert "<img" not in html
    assert html.count("<strong>") == 1  # the title's own emphasis, nothing from the data
    assert f"Leakage in segment {BANNER}" in visible(html)


def visible(html: str) -> str:
    """The text of ``html`` as a reader sees it."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_the_pdf_loads_only_the_pictures_the_report_placed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # an SVG picture that nests another picture: the nested one is refused
    inner = base64.b64encode(BANNER_SVG.encode()).decode()
    outer_svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="200" height="100"><image width="200" height="100" '
        f'xlink:href="data:image/svg+xml;base64,{inner}"/></svg>'
    )
    outer = "data:image/svg+xml;base64," + base64.b64encode(outer_svg.encode()).decode()
    html = (
        f'<html><body><p>Chart</p><img src="{outer}" alt="chart">'
        '<div style="background: url(data:image/png;base64,iVBORw0KGgo=)">x</div></body></html>'
    )
    assert placed_images(html) == {outer}
    pdf = html_to_pdf(html, timeout_s=120)
    assert pdf.startswith(b"%PDF")
    assert "not placed by the report" in caplog.text


def test_the_pdf_layout_is_stopped_at_its_time_limit() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>{'word ' * 40}</td></tr>" for i in range(4000))
    html = f"<html><body><table>{rows}</table></body></html>"
    started = time.monotonic()
    with pytest.raises(PDFTimeout, match=r"took longer than 0\.5 s"):
        html_to_pdf(html, timeout_s=0.5)
    assert time.monotonic() - started < 15
