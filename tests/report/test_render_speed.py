"""Rendering a realistic consolidated report stays within a few seconds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.report.builders import four_playbooks
from workbench.report.render import ReportMeta, render_consolidated, write_pdf


@pytest.mark.slow
def test_four_playbook_report_renders_to_html_and_pdf_in_seconds(tmp_path: Path) -> None:
    notebooks = four_playbooks(real_charts=True, tables=3, charts=2)
    meta = ReportMeta(client="Acme Holdings", engagement="acme-2026")
    started = time.perf_counter()
    html = render_consolidated(notebooks, meta)
    html_seconds = time.perf_counter() - started
    started = time.perf_counter()
    write_pdf(html, tmp_path / "report.pdf")
    pdf_seconds = time.perf_counter() - started
    print(f"consolidated report: HTML {html_seconds:.2f} s, PDF {pdf_seconds:.2f} s")
    # Generous bounds: the machine running the suite is shared.
    assert html_seconds < 5
    assert pdf_seconds < 20
