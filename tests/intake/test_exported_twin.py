"""The demo engagement as a client exports it validates and runs with no edit to its input
files, finds the same planted problems as its clean twin in every playbook, leaves the
client's files untouched, and shows every mapping it used in the manifest and the report."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main
from workbench.demo.exported import export_like_client
from workbench.run import read_findings, read_manifest, run

pytestmark = pytest.mark.slow

PLAYBOOKS = ["pm-function-audit", "record-management-audit", "bi-assessment", "database-audit"]


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((folder / "inputs").iterdir())
    }


@pytest.fixture(scope="module")
def runs(
    demo_engagement: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    base = tmp_path_factory.mktemp("twin")
    twin = export_like_client(demo_engagement, base / "exported")
    before = _digests(twin)
    clean_run = run(demo_engagement, formats=["html"], jobs=2, out=base / "clean", progress=None)
    twin_run = run(twin, formats=["html"], jobs=2, out=base / "exported-reports", progress=None)
    yield {
        "twin": twin,
        "before": before,
        "clean": clean_run.run_dir,
        "exported": twin_run.run_dir,
        "status": (clean_run.status, twin_run.status),
    }


def _findings(run_dir: Path, playbook: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return sorted(
        (f["check"], f["severity"], tuple(f["entities"]["ids"]))
        for f in read_findings(run_dir)
        if f["playbook"] == playbook
    )


def test_the_twin_looks_like_a_real_export(runs: dict) -> None:
    inputs = runs["twin"] / "inputs"
    assert (inputs / "staff.xls").read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert b"\r\n" in (inputs / "projects.csv").read_bytes()
    projects = pd.read_csv(inputs / "projects.csv")
    assert {"Closure", "Close-out", "Stage 4"} <= set(projects["phase"])
    assert {"In progress", "WIP"} <= set(projects["status"])
    defects = pd.read_csv(inputs / "defects.csv")
    assert {"Sev 1", "Blocker"} <= set(defects["severity"])
    activities = set(pd.read_csv(inputs / "timesheets.csv")["activity"])
    assert {"PMO governance", "Template preparation", "Audit", "Design work"} <= activities
    expenses = pd.read_csv(inputs / "expenses.csv", dtype=str)
    assert expenses.iloc[-1]["vendor"] == "Total"
    finance = pd.read_excel(
        inputs / "finance.xlsx", sheet_name="Invoices", header=None, engine="openpyxl"
    )
    assert str(finance.iloc[0, 0]).startswith("Northwind Projects Ltd")


def test_the_twin_validates_with_no_edit_to_its_inputs(runs: dict, capsys) -> None:
    assert main(["validate", str(runs["twin"])]) == 0
    out = capsys.readouterr().out
    assert "'Closure' -> closing" in out and "'Stage 4' -> closing (8, engagement.yaml)" in out
    assert "'Sev 1' -> critical" in out and "'Ja' -> yes" in out
    assert "rows read 3,032, kept 3,031 (1 totals row(s) left out)" in out
    assert "header on row 4; 2 title or banner row(s) above it skipped" in out
    assert "100.0% classified with confidence" in out
    assert _digests(runs["twin"]) == runs["before"]


def test_both_runs_succeed(runs: dict) -> None:
    assert runs["status"] == ("ok", "ok")


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_the_twin_finds_the_same_planted_problems_as_the_clean_engagement(
    runs: dict, playbook: str
) -> None:
    clean = _findings(runs["clean"], playbook)
    assert clean, f"{playbook} found nothing on the clean demo"
    assert _findings(runs["exported"], playbook) == clean


def test_the_twin_reports_the_same_numbers(runs: dict) -> None:
    clean = pd.read_csv(runs["clean"] / "metrics.csv")
    exported = pd.read_csv(runs["exported"] / "metrics.csv")
    pd.testing.assert_frame_equal(exported, clean)


def test_the_run_leaves_every_client_file_untouched(runs: dict) -> None:
    assert _digests(runs["twin"]) == runs["before"]


def test_the_manifest_and_the_report_show_every_mapping_used(runs: dict) -> None:
    manifest = read_manifest(runs["exported"])
    by_table = {p["table"]: p for p in manifest.inputs}
    phase = {
        m["from"]: (m["to"], m["by"])
        for m in by_table["projects"]["mappings"]
        if m["column"] == "phase"
    }
    assert phase["Stage 4"] == ("closing", "engagement.yaml")
    assert phase["Closure"] == ("closing", "synonym")
    assert by_table["expenses"]["totals_rows"] == [3033]
    assert by_table["staff"]["sha256"] == runs["before"]["staff.xls"]
    html = (runs["exported"] / "report.html").read_text()
    assert "Client values read as the data request" in html
    assert "Stage 4" in html and "engagement.yaml" in html
