"""Incremental runs: an unchanged engagement is not executed again; any change is noticed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.factories import add_playbook
from workbench.cli import main
from workbench.engagement import load_engagement
from workbench.playbooks import get_playbook
from workbench.run import fingerprint as fp
from workbench.run import pipeline, read_manifest, run
from workbench.run.manifest import RunManifest

pytestmark = pytest.mark.slow


def _no_execution(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("a playbook was executed")


def _no_loading(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the inputs were loaded")


def _run_folders(base: Path) -> list[str]:
    return sorted(p.name for p in base.iterdir() if p.is_dir() and p.name[0].isdigit())


def test_unchanged_engagement_is_not_executed_again(
    fixture_home, make_engagement, tmp_path, monkeypatch
) -> None:
    folder = make_engagement()
    reports = tmp_path / "reports"
    first = run(folder, out=reports, formats=("html",), progress=None)
    assert first.action == "executed" and first.status == "ok"
    # Up to date: neither the inputs are read nor a kernel started (its cost is measured in
    # benchmarks/bench_runner.py, "up-to-date check")
    monkeypatch.setattr(pipeline, "load_and_check", _no_loading)
    monkeypatch.setattr(pipeline, "execute_all", _no_execution)
    again = run(folder, out=reports, formats=("html",), progress=None)
    assert again.action == "up-to-date" and again.exit_code == 0
    assert again.run_dir == first.run_dir and again.run_id == first.run_id
    assert [p.status for p in again.playbooks] == ["ok", "ok"]
    assert _run_folders(reports / "acme-2026") == [first.run_id]


def test_one_byte_changed_in_an_input_file_executes_again(
    fixture_home, make_engagement, tmp_path
) -> None:
    folder = make_engagement()
    reports = tmp_path / "reports"
    first = run(folder, out=reports, formats=("html",), progress=None)
    data = bytearray((folder / "inputs" / "projects.csv").read_bytes())
    at = data.index(b"Project 3")
    data[at + 4] = ord("k")  # "Project 3" -> "Projkct 3": one byte
    (folder / "inputs" / "projects.csv").write_bytes(bytes(data))
    second = run(folder, out=reports, formats=("html",), progress=None)
    assert second.action == "executed" and second.status == "ok"
    assert second.run_id != first.run_id
    assert second.changes == ["input inputs/projects.csv changed"]
    assert (reports / "acme-2026" / "latest").resolve() == second.run_dir.resolve()
    digests = [read_manifest(r.run_dir).fingerprint for r in (first, second)]
    assert digests[0] is not None and digests[1] is not None
    assert digests[0].execution != digests[1].execution
    assert digests[0].render == digests[1].render


def test_force_executes_an_unchanged_engagement(fixture_home, make_engagement, tmp_path) -> None:
    folder = make_engagement()
    reports = tmp_path / "reports"
    first = run(folder, out=reports, formats=("html",), progress=None)
    forced = run(folder, out=reports, formats=("html",), progress=None, force=True)
    assert forced.action == "executed" and forced.run_id != first.run_id
    assert read_manifest(forced.run_dir).forced is True


def test_parameters_and_notebooks_are_part_of_the_fingerprint(
    fixture_home, make_engagement, tmp_path
) -> None:
    folder = make_engagement()
    reports = tmp_path / "reports"
    run(folder, out=reports, formats=("html",), progress=None)
    make_engagement(parameters={"fixture-audit": {"label": "Budgets"}})
    changed = run(folder, out=reports, formats=("html",), progress=None)
    assert changed.action == "executed"
    assert "parameters changed" in changed.changes and "engagement.yaml changed" in changed.changes
    notebook = fixture_home / "notebooks" / "fixture-other.ipynb"
    notebook.write_text(notebook.read_text().replace("A fixture chapter.", "A chapter."))
    edited = run(folder, out=reports, formats=("html",), progress=None)
    assert edited.action == "executed"
    assert edited.changes == ["playbook fixture-other changed"]


def test_template_only_change_renders_again_without_executing(
    fixture_home, make_engagement, tmp_path, monkeypatch
) -> None:
    templates = tmp_path / "report-code"
    shutil.copytree(fp.REPORT_DIR, templates, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fp, "REPORT_DIR", templates)
    folder = make_engagement()
    reports = tmp_path / "reports"
    first = run(folder, out=reports, formats=("html", "xlsx"), progress=None)
    delivered = (first.run_dir / "report.html").read_bytes()
    with (templates / "style.css").open("a") as css:
        css.write("\n/* a house style change */\n")
    monkeypatch.setattr(pipeline, "execute_all", _no_execution)
    again = run(folder, out=reports, formats=("html", "xlsx"), progress=None)
    assert again.action == "rendered" and again.status == "ok"
    assert again.source_run == first.run_id and again.run_dir != first.run_dir
    assert again.changes == ["report changed"]
    for name in ("fixture-audit", "fixture-other"):
        notebook = Path("notebooks") / f"{name}.ipynb"
        assert (again.run_dir / notebook).read_bytes() == (first.run_dir / notebook).read_bytes()
    for name in ("report.html", "fixture-audit.html", "findings.json", "findings.xlsx"):
        assert (again.run_dir / name).exists(), name
    info = read_manifest(again.run_dir)
    assert info.rendered_from == first.run_id and info.executed_in == first.run_id
    assert [p.status for p in info.playbooks] == ["ok", "ok"]
    assert (first.run_dir / "report.html").read_bytes() == delivered  # the delivered run stays
    assert (reports / "acme-2026" / "latest").resolve() == again.run_dir.resolve()
    assert run(folder, out=reports, formats=("html",), progress=None).action == "up-to-date"


def test_a_failed_run_is_not_a_baseline(fixture_home, make_engagement, tmp_path) -> None:
    folder = make_engagement(parameters={"fixture-audit": {"fail_on_purpose": True}})
    reports = tmp_path / "reports"
    failed = run(folder, out=reports, formats=("html",), progress=None)
    assert failed.status == "failed"
    again = run(folder, out=reports, formats=("html",), progress=None)
    assert again.action == "executed" and again.run_id != failed.run_id


def test_a_database_server_makes_every_run_execute(fixture_home, make_engagement) -> None:
    """Any playbook that requires the database, whatever its name."""
    add_playbook(fixture_home, "fixture-ledger", "FL", requires=["database"])
    folder = make_engagement(database={"url": "postgresql+psycopg://auditor@db.example:5432/erp"})
    engagement = load_engagement(folder)
    spec = get_playbook("fixture-ledger")
    server = fp.fingerprint(engagement, [spec], {spec.name: spec.defaults()})
    assert "audited again on every run" in server.volatile
    last = RunManifest(run_id="1", started_at="", fingerprint=server.record(), formats=["html"])
    assert fp.decide(server, (folder, last), ("html",)) == "execute"
    files = fp.fingerprint(engagement, [get_playbook("fixture-audit")], {"fixture-audit": {}})
    assert files.volatile == ""
    assert (
        fp.decide(
            files, (folder, last.model_copy(update={"fingerprint": files.record()})), ("html",)
        )
        == "up-to-date"
    )


def test_cli_says_up_to_date_and_force_runs_again(
    fixture_home, make_engagement, tmp_path, capsys
) -> None:
    folder = make_engagement()
    out = str(tmp_path / "reports")
    assert main(["run", str(folder), "--format", "html", "--out", out]) == 0
    capsys.readouterr()
    assert main(["run", str(folder), "--format", "html", "--out", out]) == 0
    captured = capsys.readouterr()
    assert "Up to date: nothing changed since run" in captured.err
    assert captured.out.strip().endswith("report.html")
    assert main(["run", str(folder), "--format", "html", "--out", out, "--force"]) == 0
    assert "Running 2 playbook(s)" in capsys.readouterr().err
