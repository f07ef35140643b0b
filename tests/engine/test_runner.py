"""The runner end to end on the fixture playbooks: outputs, failures, bad input, re-render."""

from __future__ import annotations

import csv

import pytest

from tests.factories import projects_frame
from workbench.cli import main
from workbench.errors import InputError
from workbench.run import read_findings, read_manifest, rerender, run

pytestmark = pytest.mark.slow
LOW_MARGIN = ["PRJ-002", "PRJ-004", "PRJ-006"]  # contract = 1.05 x budget: margin 4.8%


def test_run_writes_every_output_and_points_latest(fixture_home, make_engagement, tmp_path) -> None:
    folder = make_engagement(parameters={"fixture-audit": {"label": "Budget check"}})
    result = run(folder, out=tmp_path / "reports", formats=("html", "pdf", "xlsx"), progress=None)
    assert result.status == "ok" and result.exit_code == 0
    run_dir = result.run_dir
    for name in (
        "report.html",
        "report.pdf",
        "findings.json",
        "findings.xlsx",
        "metrics.csv",
        "manifest.json",
        "fixture-audit.html",
        "notebooks/fixture-audit.ipynb",
    ):
        assert (run_dir / name).exists(), name
    assert (tmp_path / "reports" / "acme-2026" / "latest").resolve() == run_dir.resolve()
    by_playbook = {f["playbook"]: f for f in read_findings(run_dir)}
    assert by_playbook["fixture-audit"]["id"] == "FX-LM-001"
    assert by_playbook["fixture-audit"]["entities"]["ids"] == LOW_MARGIN
    assert by_playbook["fixture-other"]["id"] == "FO-LM-001"
    with (run_dir / "metrics.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["playbook"], r["metric"], float(r["value"])) for r in rows} >= {
        ("fixture-audit", "projects", 6.0),
        ("fixture-other", "projects", 6.0),
    }
    manifest = read_manifest(run_dir)
    assert manifest.status == "ok"
    assert {p.name: p.parameters["label"] for p in manifest.playbooks} == {
        "fixture-audit": "Budget check",
        "fixture-other": "Portfolio",
    }
    assert {i["table"] for i in manifest.inputs} == {"projects", "staff"}
    assert all(len(i["sha256"]) == 64 for i in manifest.inputs)
    html = (run_dir / "report.html").read_text()
    assert "Budget check" in html
    assert "margin_floor" not in html and "from workbench.session" not in html


def test_failed_playbook_keeps_partial_notebook_and_previous_latest(
    fixture_home, make_engagement, tmp_path
) -> None:
    folder = make_engagement()
    good = run(folder, out=tmp_path / "reports", formats=("html",), progress=None)
    broken = make_engagement(parameters={"fixture-audit": {"fail_on_purpose": True}})
    assert broken == folder
    bad = run(folder, out=tmp_path / "reports", formats=("html",), progress=None)
    assert bad.status == "failed" and bad.exit_code == 3
    records = {p.name: p for p in bad.playbooks}
    assert records["fixture-audit"].status == "failed"
    assert "planted failure" in records["fixture-audit"].error
    assert records["fixture-audit"].failed_cell is not None
    assert records["fixture-other"].status == "ok"
    assert (bad.run_dir / "notebooks" / "fixture-audit.ipynb").exists()
    latest = tmp_path / "reports" / "acme-2026" / "latest"
    assert latest.resolve() == good.run_dir.resolve()
    assert read_manifest(bad.run_dir).status == "failed"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fixture-audit": {"margin_flor": 0.2}}, "did you mean 'margin_floor'"),
        ({"fixture-audit": {"margin_floor": "high"}}, "must be a float"),
        ({"fixture-audit": {"margin_floor": 3}}, "must be <= 1"),
        ({"fixture-audt": {}}, "unknown playbook 'fixture-audt'"),
    ],
)
def test_bad_parameters_stop_the_run_before_any_kernel(
    fixture_home, make_engagement, tmp_path, params, message
) -> None:
    folder = make_engagement(parameters=params)
    with pytest.raises(InputError, match=message):
        run(folder, out=tmp_path / "reports", progress=None)
    assert not (tmp_path / "reports").exists()


def test_bad_input_exits_2_naming_file_column_rows(
    fixture_home, make_engagement, tmp_path, capsys
) -> None:
    projects = projects_frame(4).astype({"budget": "object"})
    projects.loc[2, "budget"] = "n/a"
    folder = make_engagement(tables={"projects": projects})
    code = main(["run", str(folder), "--out", str(tmp_path / "reports")])
    err = capsys.readouterr().err
    assert code == 2
    assert "inputs/projects.csv" in err and "column budget" in err and "row 4" in err
    assert "Traceback" not in err
    assert not (tmp_path / "reports").exists()


def test_report_rerenders_from_executed_notebooks(fixture_home, make_engagement, tmp_path) -> None:
    folder = make_engagement()
    result = run(folder, out=tmp_path / "reports", formats=("html",), progress=None)
    (result.run_dir / "report.html").unlink()
    first = (result.run_dir / "findings.json").read_bytes()
    outputs = rerender(result.run_dir, ("html",))
    assert "report.html" in outputs and (result.run_dir / "report.html").exists()
    assert (result.run_dir / "findings.json").read_bytes() == first


def test_bad_input_comes_with_its_issues_as_data(fixture_home, make_engagement, tmp_path) -> None:
    projects = projects_frame(4).astype({"budget": "object"})
    projects.loc[2, "budget"] = "n/a"
    folder = make_engagement(tables={"projects": projects})
    with pytest.raises(InputError) as info:
        run(folder, out=tmp_path / "reports", progress=None)
    (issue,) = [i for i in info.value.issues if i.column == "budget"]
    assert (issue.level, issue.table, issue.rows) == ("error", "projects", [4])
    assert issue.file.endswith("inputs/projects.csv")
    assert all(i.level == "error" for i in info.value.issues)


def test_a_failed_playbook_exits_3_naming_the_cell_and_the_partial_notebook(
    fixture_home, make_engagement, tmp_path, capsys
) -> None:
    folder = make_engagement(parameters={"fixture-audit": {"fail_on_purpose": True}})
    code = main(["run", str(folder), "--out", str(tmp_path / "reports"), "--format", "html"])
    err = capsys.readouterr().err
    assert code == 3
    assert "workbench: playbook fixture-audit failed (cell " in err
    assert "RuntimeError: planted failure; partial notebook: " in err
    assert "notebooks/fixture-audit.ipynb" in err and "Traceback" not in err
