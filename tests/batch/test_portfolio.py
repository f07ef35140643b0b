"""The portfolio view, built from run folders written here (no notebook is executed)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbench.batch import EngagementOutcome
from workbench.portfolio import (
    client_metrics,
    distributions,
    metric_label,
    read_entry,
    statements,
    write_portfolio,
)
from workbench.run.manifest import (
    EngagementRecord,
    Period,
    PlaybookRun,
    RunManifest,
    write_manifest,
)

CPI = {"c1": 0.80, "c2": 0.90, "c3": 0.95, "c4": 1.00, "c5": 1.05, "c6": 1.10}


def write_run(
    reports: Path,
    key: str,
    client: str,
    cpi: float,
    *,
    currency: str = "EUR",
    at_stake: float = 100_000.0,
    findings: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> Path:
    """A succeeded run folder with a manifest, findings and metrics."""
    run_dir = reports / key / "20260101T000000000Z"
    run_dir.mkdir(parents=True)
    (run_dir / "report.html").write_text("<html></html>")
    (run_dir / "findings.xlsx").write_bytes(b"")
    manifest = RunManifest(
        run_id=run_dir.name,
        started_at="2026-01-01T00:00:00+00:00",
        engagement=EngagementRecord(
            client=client,
            engagement=key,
            currency=currency,
            period=Period(start="2025-01-01", end="2025-12-31"),
            folder=str(reports / "engagements" / key),
        ),
        playbooks=[PlaybookRun(name="pm-function-audit", status="ok")],
    )
    write_manifest(run_dir, manifest)
    (run_dir / "findings.json").write_text(
        json.dumps(
            [
                {
                    "id": f"PM-X-{i:03d}",
                    "severity": severity,
                    "area": area,
                    "playbook": "pm-function-audit",
                }
                for i, (severity, area) in enumerate(findings, start=1)
            ]
        )
    )
    rows = [
        ["pm-function-audit", "portfolio_cpi", "portfolio", "all", "", cpi, "ratio"],
        ["pm-function-audit", "portfolio_month_cpi", "portfolio", "", "2025-06", cpi, "ratio"],
        ["pm-function-audit", "project_cpi", "project", "P-1", "", cpi, "ratio"],
        ["bi-assessment", "revenue_at_stake", "", "", "", at_stake, "currency"],
        ["database-audit", "dq_overall", "database", "sqlite://", "", 0.9, "share"],
        ["record-management-audit", "records", "", "", "", 10, "records"],
        ["record-management-audit", "records", "", "", "", 12, "records"],  # twice: not one value
    ]
    with (run_dir / "metrics.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["playbook", "metric", "entity_type", "entity_id", "period", "value", "unit"]
        )
        writer.writerows(rows)
    return run_dir


def outcome(
    run_dir: Path | None, key: str, client: str, status: str = "ok", message: str = ""
) -> EngagementOutcome:
    return EngagementOutcome(
        folder=f"/engagements/{key}",
        status=status,
        seconds=12.5,
        message=message,
        engagement=key,
        client=client,
        action="executed" if run_dir else "",
        run_dir=str(run_dir or ""),
    )


@pytest.fixture
def portfolio(tmp_path: Path) -> tuple[Path, list[EngagementOutcome]]:
    reports = tmp_path / "reports"
    runs = []
    for key, cpi in CPI.items():
        client = f"Client {key[1]}"
        findings = [("high", "Cost control")] * int(key[1]) + [("critical", "Revenue assurance")]
        run_dir = write_run(
            reports, key, client, cpi, findings=findings, at_stake=50_000.0 * int(key[1])
        )
        runs.append(outcome(run_dir, key, client))
    usd = write_run(reports, "c7", "Client 7", 0.99, currency="USD", at_stake=1e9)
    runs.append(outcome(usd, "c7", "Client 7"))
    runs.append(
        outcome(
            None,
            "c8",
            "Client 8",
            status="invalid",
            message="inputs/projects.csv: column budget, row 3: expected a number",
        )
    )
    return reports, runs


def test_client_level_metrics_are_single_values_without_period(portfolio) -> None:
    reports, _ = portfolio
    found = client_metrics(reports / "c1" / "20260101T000000000Z" / "metrics.csv")
    assert set(found) == {
        ("pm-function-audit", "portfolio_cpi"),
        ("bi-assessment", "revenue_at_stake"),
        ("database-audit", "dq_overall"),
    }


def test_each_client_is_placed_in_the_portfolio_distribution(portfolio) -> None:
    reports, runs = portfolio
    entries = [read_entry(r, reports) for r in runs]
    dists = {(d.metric, d.currency): d for d in distributions(entries)}
    cpi = dists[("portfolio_cpi", "")]
    assert len(cpi.values) == 7
    by_client = {
        e.engagement: e.metrics[("pm-function-audit", "portfolio_cpi")] for e in entries[:7]
    }
    assert by_client["c1"].position == "bottom quartile" and by_client["c1"].rank == 1
    assert by_client["c6"].position == "top quartile" and by_client["c6"].rank == 7
    assert by_client["c4"].position == "above the median"
    assert statements(entries[0]) == [  # the featured metrics first
        "Portfolio CPI 0.80: bottom quartile of 7 clients (median 0.99)",
        "Revenue at stake EUR 50k: bottom quartile of 6 clients (median EUR 175k)",
    ]
    # amounts are compared within one currency: the USD client is not among the EUR ones
    assert len(dists[("revenue_at_stake", "EUR")].values) == 6
    assert ("revenue_at_stake", "USD") not in dists
    usd = entries[6].metrics[("bi-assessment", "revenue_at_stake")]
    assert usd.peers == 0 and usd.position == ""
    level = entries[0].metrics[("database-audit", "dq_overall")]
    assert level.position == "level with every client"


def test_portfolio_page_links_reports_and_counts_findings(portfolio) -> None:
    reports, runs = portfolio
    written = write_portfolio(runs, reports)
    page = written["html"].read_text()
    assert 'href="c1/20260101T000000000Z/report.html"' in page
    assert 'href="c1/20260101T000000000Z/findings.xlsx"' in page
    assert "Portfolio of 8 engagements" in page and "1 with invalid input" in page
    assert "column budget, row 3" in page
    assert "Portfolio CPI 0.80: bottom quartile of 7 clients (median 0.99)" in page
    row = re.search(r"<td>Client 3.*?</tr>", page, re.S)
    assert row is not None and ">3</span>" in row[0]  # three high findings
    assert "Cost control" in page and "Revenue assurance" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page and "<link" not in page


def test_client_text_is_escaped_in_the_page_and_never_a_formula_in_the_workbook(
    portfolio,
) -> None:
    reports, runs = portfolio
    hostile = '<script>alert("x")</script> & Sons'
    formula = '=HYPERLINK("http://example.invalid","open")'
    run_dir = write_run(reports, "c9", hostile, 1.0, findings=[("low", "<b>Area</b>")])
    runs.append(outcome(run_dir, "c9", hostile))
    runs.append(outcome(None, "c10", formula, status="failed", message=formula))
    written = write_portfolio(runs, reports)
    page = written["html"].read_text()
    assert (
        "<script>" not in page
        and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in page
    )
    assert "&lt;b&gt;Area&lt;/b&gt;" in page
    book = load_workbook(written["xlsx"])
    assert book.sheetnames == ["Engagements", "Findings by area", "Key metrics", "Distributions"]
    sheet = book["Engagements"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == formula]
    assert cells and all(c.data_type == "s" for c in cells)
    metrics = book["Key metrics"]
    header = [c.value for c in metrics[1]]
    assert header[:5] == ["client", "engagement", "playbook", "metric", "value"]
    positions = {(r[1], r[3]): r[12] for r in metrics.iter_rows(min_row=2, values_only=True)}
    assert positions[("c1", "portfolio_cpi")] == "bottom quartile"


def test_metric_labels_read_as_words() -> None:
    assert metric_label("portfolio_cpi") == "Portfolio CPI"
    assert metric_label("dq_overall") == "DQ overall"
    assert metric_label("inspection_sample.size") == "Inspection sample size"


def test_a_value_shared_with_the_median_is_not_called_a_quartile() -> None:
    from workbench.portfolio import MetricDistribution, _position

    values = [5.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 9.0]
    dist = MetricDistribution("pm-function-audit", "cr_late", "count", "", values, 7.0, 7.0, 7.0)
    assert _position(7.0, dist) == "at the median"
    assert _position(5.0, dist) == "bottom quartile"
    assert _position(9.0, dist) == "top quartile"
