"""The playbook notebook runs top to bottom on the demo and reports what was planted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.run import read_findings, run

pytestmark = pytest.mark.slow


def test_notebook_runs_on_the_demo_and_records_every_planted_finding(
    demo_engagement: Path, tmp_path: Path
) -> None:
    result = run(
        demo_engagement,
        playbooks=["pm-function-audit"],
        formats=("html",),
        out=tmp_path / "reports",
        progress=None,
    )
    assert result.status == "ok", [p.error for p in result.playbooks]
    items = read_findings(result.run_dir)
    found: dict[str, set[str]] = {}
    for f in items:
        found.setdefault(f["check"], set()).update(f["entities"]["ids"])
    key = json.loads((demo_engagement / "answer_key.json").read_text())["pm-function-audit"]
    for check, ids in key.items():
        if check in ("pm_without_timesheets", "maturity_unanswered_areas"):
            continue
        assert sorted(found.get(check, set())) == ids, check
    assert all(f["id"].startswith("PM-") for f in items)
    html = (result.run_dir / "pm-function-audit.html").read_text()
    for text in (
        "Executive summary",
        "Project health",
        "PM versus PMO workload",
        "Draft job descriptions",
        "PMO governance",
        "Not assessed",
    ):
        assert text in html, text
    assert "from workbench" not in html
