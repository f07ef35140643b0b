"""Every playbook runs top to bottom with its defaults, the way an analyst presses "Run all"
in JupyterLab (`workbench lab` points the notebooks at an engagement through
WORKBENCH_ENGAGEMENT)."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from workbench.playbooks import list_playbooks
from workbench.session import RESULTS_MIME

pytestmark = pytest.mark.slow
PLAYBOOKS = [spec.name for spec in list_playbooks()]


def test_all_four_playbooks_are_present() -> None:
    assert PLAYBOOKS == [
        "pm-function-audit",
        "record-management-audit",
        "database-audit",
        "bi-assessment",
    ]


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_notebook_runs_all_cells_with_default_parameters(
    name, demo_engagement, monkeypatch
) -> None:
    monkeypatch.setenv("WORKBENCH_ENGAGEMENT", str(demo_engagement))
    spec = next(s for s in list_playbooks() if s.name == name)
    nb = nbformat.read(spec.notebook, as_version=4)
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(spec.notebook.parent)}},
    ).execute()
    bundles = [
        o["data"][RESULTS_MIME]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if RESULTS_MIME in o.get("data", {})
    ]
    assert len(bundles) == 1
    assert bundles[0]["playbook"] == name
    assert bundles[0]["engagement"]["engagement"] == "northwind-demo"
    assert bundles[0]["findings"], "the demo plants problems for every playbook"
