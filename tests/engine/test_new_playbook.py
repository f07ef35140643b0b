"""A new playbook is three files: its notebook, its ``playbook.yaml`` and one library module.

The playbook below is written in a folder of its own, outside the workbench, and found
through ``WORKBENCH_PLAYBOOKS``; nothing of the engine is edited. It then goes through
everything a shipped playbook does: ``playbooks``, ``validate``, ``run``, ``batch`` and
``report``. Its library module keeps the contract of every playbook library
(:mod:`workbench.result`): ``Params`` checked against ``playbook.yaml``, and
``run(tables, criteria, params, period) -> Result``.
"""

from __future__ import annotations

import csv
import importlib
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.factories import projects_frame, write_engagement
from workbench.cli import main
from workbench.playbooks import get_playbook
from workbench.result import params_mismatches
from workbench.run import read_findings, read_manifest

pytestmark = pytest.mark.slow

PLAYBOOK_YAML = """\
name: fixture-budgets
title: Audit of large budgets
prefix: LB
order: 5
summary: Projects whose budget is above a ceiling the client set.
inputs:
  required: [projects]
  optional: []
parameters:
  ceiling: {type: float, default: 350000, min: 0, description: Largest budget without approval}
sections: [Budgets, Method]
"""

LIBRARY = '''\
"""The one check of the large-budget playbook."""

from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.findings import Metric, finding_from_ids
from workbench.result import Period, PlaybookParams, Result


@dataclass(frozen=True)
class Params(PlaybookParams):
    playbook = "fixture-budgets"
    ceiling: float


def run(tables: dict[str, pd.DataFrame], criteria: Any, params: Params, period: Period) -> Result:
    projects = tables["projects"]
    above = projects.loc[projects["budget"] > params.ceiling, ["project_id", "budget"]]
    result = Result(tables={"above": above})
    result.metrics.append(Metric("projects_above_ceiling", len(above), unit="count"))
    if not above.empty:
        result.findings.append(
            finding_from_ids(
                check="large_budget", area="Governance", severity="medium",
                title=f"{len(above)} projects above the budget ceiling",
                summary="Budgets above the ceiling need the board's approval.",
                entity_type="project", ids=above["project_id"],
                population_count=len(projects),
                population_value=float(projects["budget"].sum()),
                exception_value=float(above["budget"].sum()),
                recommendation="Have the board approve them.", owner_role="PMO",
            )
        )
    return result
'''

#: Budgets of projects_frame(): 100,000 x i for i = 1..6; above 350,000: PRJ-004 to 006.
ABOVE = ["PRJ-004", "PRJ-005", "PRJ-006"]


def notebook() -> nbformat.NotebookNode:
    params = new_code_cell("engagement_dir = None\noutput_dir = None\nceiling = 350000.0")
    params.metadata["tags"] = ["parameters"]
    return new_notebook(
        cells=[
            new_markdown_cell("# Audit of large budgets\n\nBudgets above the ceiling."),
            params,
            new_code_cell(
                'from workbench.session import start\npb = start("fixture-budgets", globals())'
            ),
            new_markdown_cell("## Budgets"),
            new_code_cell("import budget_checks\nresult = pb.run(budget_checks)"),
            new_code_cell("pb.show(result.table('above'), title='Projects above the ceiling')"),
            new_markdown_cell("## Method\n\nBudget compared with the ceiling."),
            new_code_cell("pb.finish()"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )


@pytest.fixture
def new_playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three files of the new playbook, in a folder the workbench is told about."""
    folder = tmp_path / "our-playbooks" / "fixture-budgets"
    folder.mkdir(parents=True)
    (folder / "playbook.yaml").write_text(PLAYBOOK_YAML)
    nbformat.write(notebook(), folder / "fixture-budgets.ipynb")
    (folder / "budget_checks.py").write_text(LIBRARY)
    monkeypatch.setenv("WORKBENCH_PLAYBOOKS", str(folder.parent))
    return folder


def engagement(root: Path, key: str, client: str) -> Path:
    return write_engagement(
        root / key,
        {"projects": projects_frame()},
        client=client,
        engagement=f"{key}-2026",
        playbooks=["fixture-budgets"],
    )


def test_a_playbook_written_elsewhere_runs_like_a_shipped_one(
    new_playbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["playbooks", "show", "fixture-budgets"]) == 0
    assert "ceiling (float, default 350000" in capsys.readouterr().out
    sys.path.insert(0, str(new_playbook))
    try:
        library = importlib.import_module("budget_checks")
        assert params_mismatches(library.Params, get_playbook("fixture-budgets")) == []
    finally:
        sys.path.remove(str(new_playbook))
        sys.modules.pop("budget_checks", None)

    folder = engagement(tmp_path, "acme", "Acme Holdings")
    assert main(["validate", str(folder)]) == 0
    assert "fixture-budgets            ready" in capsys.readouterr().out

    reports = tmp_path / "reports"
    code = main(["run", str(folder), "--out", str(reports), "--format", "html,xlsx"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    run_dir = (reports / "acme-2026" / "latest").resolve()
    (finding,) = read_findings(run_dir)
    assert finding["id"] == "LB-LB-001" and finding["entities"]["ids"] == ABOVE
    assert finding["exceptions"]["value"] == 1_500_000.0
    with (run_dir / "metrics.csv").open() as fh:
        metrics = {r["metric"]: r["value"] for r in csv.DictReader(fh)}
    assert metrics["projects_above_ceiling"] == "3"
    html = (run_dir / "report.html").read_text()
    assert "Audit of large budgets" in html and "PRJ-005" in html
    assert (run_dir / "fixture-budgets.html").exists() and (run_dir / "findings.xlsx").exists()

    (run_dir / "report.html").unlink()
    assert main(["report", str(run_dir), "--format", "html"]) == 0
    assert "Audit of large budgets" in (run_dir / "report.html").read_text()

    other = engagement(tmp_path, "bravo", "Bravo Logistics")
    batch = tmp_path / "batch-reports"
    code = main(["batch", str(folder), str(other), "--out", str(batch), "--format", "html"])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert "2 of 2 engagements succeeded" in captured.err
    for key in ("acme", "bravo"):
        manifest = read_manifest(batch / f"{key}-2026" / "latest")
        assert [(p.name, p.status, p.findings) for p in manifest.playbooks] == [
            ("fixture-budgets", "ok", 1)
        ]
    assert "Bravo Logistics" in (batch / "portfolio.html").read_text()
