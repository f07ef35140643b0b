"""Executed playbook notebooks built with nbformat, shaped like the ones papermill leaves.

Each notebook has what the report must handle: the ``parameters`` and
``injected-parameters`` cells, code, stdout/stderr and warnings, plain-text results, tables
(``wb-table``, one long and cut), charts with and without alt text, computed narrative that
carries client data, optionally a failed cell with papermill's error markers, a ``## Method``
section and the results bundle of ``pb.finish()``.
"""

from __future__ import annotations

import base64
import html
import struct
import zlib
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)

from workbench.findings import SEVERITIES
from workbench.report.document import ReportMeta
from workbench.report.preprocessors import RESULTS_MIME

SECRET_PATH = "/srv/engagements/acme-2026-secret-path"
HOSTILE_VENDOR = "<script>alert(1)</script>"
TRACEBACK_MARK = "Traceback (most recent call last) in cell 7"
AREAS = ("Revenue assurance", "Governance", "Data quality", "Schedule control")

#: Cover details of the reports built from these notebooks.
META = ReportMeta(
    client="Acme Holdings",
    engagement="acme-2026",
    period_start="2025-01-01",
    period_end="2026-06-30",
    run_id="20260312-101500",
    generated_at="2026-03-12",
)


def tiny_png(width: int = 4, height: int = 3) -> str:
    """A valid PNG of the given size, base64-encoded (fast; no plotting library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x1f\x3a\x5f" * width for _ in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode("ascii")


def chart_png(title: str, seed: int) -> tuple[str, str]:
    """A real chart in the house style (for realistic reports): base64 PNG and alt text."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from workbench.charts import figure_output, style_rc

    values = [((seed * 7 + i * 13) % 17) + 3 for i in range(8)]
    rc: Any = style_rc()
    with mpl.rc_context(rc):
        fig = Figure()
        ax = fig.add_subplot()
        ax.bar([f"P-{i:03d}" for i in range(8)], values)
        ax.set_title(title)
        ax.set_ylabel("Exceptions")
    alt = f"{title}: bars per project, highest {max(values)} exceptions."
    bundle, _ = figure_output(fig, alt)
    return str(bundle["image/png"]), alt


def table_html(rows: int, title: str, cut_at: int | None = None) -> str:
    """A ``wb-table`` like the session's ``pb.show`` produces (escaped values)."""
    shown = rows if cut_at is None else min(rows, cut_at)
    body = []
    for i in range(shown):
        vendor = HOSTILE_VENDOR if i == 1 else f"Vendor {i:03d}"
        body.append(
            "<tr>"
            f"<td>P-{i:04d}</td><td>{html.escape(vendor)}</td>"
            f"<td>{1000 + i * 37.5:,.2f}</td><td>{i % 9}</td><td>2025-0{1 + i % 9}-15</td>"
            "</tr>"
        )
    note = ""
    if cut_at is not None and rows > cut_at:
        note = (
            f'<p class="wb-note">Showing {cut_at} of {rows:,} rows; '
            "the full list is in the findings register.</p>"
        )
    return (
        f'<table class="wb-table"><caption>{html.escape(title)}</caption>'
        "<thead><tr><th>Project</th><th>Vendor</th><th>Amount</th><th>Count</th>"
        "<th>Date</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>" + note
    )


def finding_dicts(playbook: str, prefix: str, n: int, offset: int = 0) -> list[dict[str, Any]]:
    """Findings as ``pb.finish()`` puts them in the bundle."""
    out = []
    for i in range(n):
        severity = SEVERITIES[(i + offset) % len(SEVERITIES)]
        ids = [f"{prefix}-E{j:04d}" for j in range(3 + i * 5)]
        title = f"Exceptions in check {i + 1} of {playbook}"
        if i == 0:
            title = f"Payments to {HOSTILE_VENDOR} without purchase order"
        out.append(
            {
                "id": f"{prefix}-CHK-{i + 1:03d}",
                "playbook": playbook,
                "check": f"check_{i + 1}",
                "area": AREAS[(i + offset) % len(AREAS)],
                "severity": severity,
                "title": title,
                "summary": f"{len(ids)} of 400 records failed check {i + 1}.",
                "population": {"count": 400, "value": 1_830_000.0},
                "exceptions": {
                    "count": len(ids),
                    "value": 10_000.0 * (n - i),
                    "share": round(len(ids) / 400, 6),
                },
                "entities": {"type": "record", "ids": ids},
                "recommendation": "Review the listed records.",
                "corrective_action": "Correct the records.",
                "preventive_action": "Add a control.",
                "owner_role": "PMO",
            }
        )
    return out


def executed_notebook(
    playbook: str = "bi-assessment",
    title: str = "Business intelligence assessment",
    *,
    prefix: str = "BI",
    n_findings: int = 5,
    offset: int = 0,
    score: float = 72.0,
    tables: int = 1,
    charts: int = 1,
    real_charts: bool = False,
    failed: bool = False,
    finished: bool = True,
) -> NotebookNode:
    """An executed playbook notebook (see the module docstring)."""
    cells: list[NotebookNode] = []
    cells.append(
        new_markdown_cell(
            f"# {title}\n\nThis chapter reviews the client's {title.lower()} "
            "against the criteria agreed for the engagement."
        )
    )
    params = new_code_cell("engagement_dir = None\noutput_dir = None\napproval_limit = 5000")
    params.metadata["tags"] = ["parameters"]
    cells.append(params)
    injected = new_code_cell(f'engagement_dir = "{SECRET_PATH}"\noutput_dir = "/tmp/out"')
    injected.metadata["tags"] = ["injected-parameters"]
    cells.append(injected)
    start = new_code_cell(
        f'from workbench.session import start\npb = start("{playbook}", globals())'
    )
    start.outputs = [
        new_output("stream", name="stdout", text="Loading 7 tables from the engagement\n"),
        new_output(
            "stream",
            name="stderr",
            text="FutureWarning: a deprecated option was used in pandas\n",
        ),
    ]
    cells.append(start)
    cells.append(
        new_markdown_cell(
            "## Scope and data\n\nThe review covers every project active in the period. "
            "Amounts are in the engagement currency.\n\n### Data used\n\n- projects\n- invoices"
        )
    )
    plain = new_code_cell("pb.tables['projects'].shape")
    plain.outputs = [
        new_output("execute_result", data={"text/plain": "(412, 14)"}, execution_count=3)
    ]
    cells.append(plain)
    for t in range(tables):
        cell = new_code_cell(f"pb.show(table_{t}, title='Table {t}')")
        rows = 40 if t == 0 else 12
        cell.outputs = [
            new_output(
                "display_data",
                data={
                    "text/html": table_html(rows, f"Projects checked ({t + 1})", cut_at=25),
                    "text/plain": f"<table {t}>",
                },
            )
        ]
        cells.append(cell)
    cells.append(new_markdown_cell("## Analysis\n\nThe charts below show where exceptions sit."))
    for c in range(charts):
        if real_charts:
            png, alt = chart_png(f"{title}: exceptions per project ({c + 1})", seed=c + offset)
        else:
            png, alt = tiny_png(), f"Chart {c + 1} of {playbook}: exceptions per month"
        chart = new_code_cell(f"pb.figure(fig_{c}, alt='...')")
        chart.outputs = [
            new_output(
                "display_data",
                data={"image/png": png, "text/plain": alt},
                metadata={"image/png": {"alt": alt, "width": 605}},
            )
        ]
        cells.append(chart)
    no_alt = new_code_cell("plt.show()")
    no_alt.outputs = [
        new_output(
            "display_data",
            data={"image/png": tiny_png(), "text/plain": f"Trend of {playbook} exceptions"},
        )
    ]
    cells.append(no_alt)
    narrative = new_code_cell("pb.md(text)")
    narrative.outputs = [
        new_output(
            "display_data",
            data={
                "text/markdown": (
                    f"The largest supplier by value is **{HOSTILE_VENDOR}**, with "
                    "EUR 214,500 paid without a purchase order. See [the policy]"
                    "(https://intranet.example.com/policy)."
                ),
                "text/plain": "narrative",
            },
        )
    ]
    cells.append(narrative)
    raw = new_raw_cell('<script src="https://cdn.example.com/x.js"></script>')
    raw.metadata["raw_mimetype"] = "text/html"
    cells.append(raw)
    if failed:
        marker = new_markdown_cell(
            '<span style="color:red">An Exception was encountered at '
            "'<a href=\"#papermill-error-cell\">In [7]</a>'.</span>"
        )
        marker.metadata["tags"] = ["papermill-error-cell-tag"]
        cells.insert(0, marker)
        anchor = new_markdown_cell(
            '<span id="papermill-error-cell" style="color:red">'
            "Execution using papermill encountered an exception here and stopped:</span>"
        )
        anchor.metadata["tags"] = ["papermill-error-cell-tag"]
        cells.append(anchor)
        broken = new_code_cell("pb.record(checks.accepted_not_invoiced(m, i))")
        broken.outputs = [
            new_output(
                "error",
                ename="KeyError",
                evalue="'amount'",
                traceback=[
                    "\x1b[0;31m---------------------------------------------------------\x1b[0m",
                    TRACEBACK_MARK,
                    "\x1b[0;31mKeyError\x1b[0m: 'amount'",
                ],
            )
        ]
        cells.append(broken)
    cells.append(
        new_markdown_cell(
            "## Method\n\nBenford first-digit test with Nigrini's MAD bands (0.006 / 0.012 / "
            "0.015), source: Nigrini (2012), see https://example.org/nigrini.\n\n"
            "Sampling follows the AICPA attribute sampling tables."
        )
    )
    if finished:
        findings = finding_dicts(playbook, prefix, n_findings, offset)
        bundle = {
            "playbook": playbook,
            "title": title,
            "findings": findings,
            "metrics": [
                {
                    "playbook": playbook,
                    "metric": "exceptions",
                    "entity_type": "project",
                    "entity_id": f"P-{i:04d}",
                    "period": "2025-06",
                    "value": float(i),
                    "unit": "count",
                }
                for i in range(5)
            ],
            "limitations": [
                {"check": "trainings", "reason": "the trainings table was not provided"}
            ],
            "score": score,
        }
        finish = new_code_cell("pb.finish()")
        finish.outputs = [
            new_output(
                "display_data",
                data={
                    RESULTS_MIME: bundle,
                    "text/html": (
                        '<table class="wb-table wb-findings"><thead><tr><th>ID</th><th>Finding</th>'
                        "<th>Severity</th></tr></thead><tbody>"
                        + "".join(
                            f"<tr><td>{f['id']}</td><td>{html.escape(f['title'])}</td>"
                            f'<td><span class="wb-sev wb-sev-{f["severity"]}">'
                            f"{f['severity']}</span></td></tr>"
                            for f in findings
                        )
                        + "</tbody></table>"
                    ),
                    "text/plain": "findings",
                },
            )
        ]
        cells.append(finish)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


#: Four playbooks as the demo engagement runs them.
PLAYBOOKS = [
    ("pm-function-audit", "Audit of the PM function", "PM"),
    ("record-management-audit", "Audit of record management", "REC"),
    ("database-audit", "Audit of databases", "DB"),
    ("bi-assessment", "Business intelligence for PM and PMO", "BI"),
]


def four_playbooks(
    real_charts: bool = False, tables: int = 1, charts: int = 1
) -> dict[str, NotebookNode]:
    """Four executed playbooks by name, in chapter order; the third one failed part-way."""
    return {
        playbook: executed_notebook(
            playbook,
            title,
            prefix=prefix,
            n_findings=4 + i * 2,
            offset=i,
            score=90.0 - 12 * i,
            tables=tables,
            charts=charts,
            real_charts=real_charts,
            failed=(i == 2),
            finished=(i != 2),
        )
        for i, (playbook, title, prefix) in enumerate(PLAYBOOKS)
    }
