"""The command line: exit codes and what a consultant reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.test_datarequest import fill_sheet
from tests.factories import add_playbook, projects_frame
from workbench.cli import main


def test_new_then_validate_a_filled_workbook(fixture_home, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "acme"
    assert (
        main(
            [
                "new",
                str(folder),
                "--client",
                "Acme Holdings",
                "--period-start",
                "2025-01-01",
                "--period-end",
                "2025-12-31",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "inputs/data-request.xlsx" in out
    assert "engagement: acme-holdings-2025" in (folder / "engagement.yaml").read_text()
    fill_sheet(folder / "inputs" / "data-request.xlsx", "projects", projects_frame(3))
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "projects  inputs/data-request.xlsx [projects]\n    rows read 3, kept 3" in out
    assert "fixture-audit" in out and "ready" in out
    assert main(["run", str(folder), "--out", str(tmp_path / "reports"), "--format", "html"]) == 0
    report = capsys.readouterr().out.strip()
    assert report.endswith("report.html") and "Acme Holdings" in Path(report).read_text()


def test_new_refuses_an_existing_engagement(make_engagement, capsys) -> None:
    folder = make_engagement()
    assert main(["new", str(folder), "--client", "X"]) == 2
    assert "already holds an engagement.yaml" in capsys.readouterr().err


def test_validate_reports_every_problem_and_exits_2(fixture_home, make_engagement, capsys) -> None:
    projects = projects_frame(4).astype({"budget": "object", "status": "object"})
    projects.loc[0, "budget"] = "lots"
    projects.loc[3, "status"] = "dormant"
    folder = make_engagement(tables={"projects": projects})
    assert main(["validate", str(folder)]) == 2
    captured = capsys.readouterr()
    err = captured.err + captured.out
    assert "column budget, row 2" in err
    assert "column status, row 5" in err
    assert '"dormant": ' in err  # the mapping that would place it, ready to paste
    assert "2 problem(s) to fix before a run" in captured.err
    assert "Traceback" not in err


def test_playbooks_lists_and_shows_typed_parameters(fixture_home, capsys) -> None:
    assert main(["playbooks"]) == 0
    assert "fixture-audit" in capsys.readouterr().out
    assert main(["playbooks", "show", "fixture-audit"]) == 0
    out = capsys.readouterr().out
    assert "margin_floor (float, default 0.1 min 0 max 1)" in out


def test_unknown_playbook_and_bad_flags_exit_2(fixture_home, make_engagement, capsys) -> None:
    folder = make_engagement()
    assert main(["run", str(folder), "--playbook", "fixture-audti"]) == 2
    assert "did you mean 'fixture-audit'" in capsys.readouterr().err
    assert main(["run", str(folder), "--format", "odt"]) == 2
    assert "unknown format(s) odt" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2


def test_unreachable_database_exits_2_without_a_run(
    fixture_home, make_engagement, tmp_path, capsys, monkeypatch
) -> None:
    add_playbook(fixture_home, "fixture-ledger", "FL", requires=["database"])
    folder = make_engagement(
        database={
            "url": "postgresql+psycopg://auditor@127.0.0.1:1/erp",
            "password_env": "ACME_DB_PASSWORD",
        }
    )
    monkeypatch.setenv("ACME_DB_PASSWORD", "s3cret-pw")
    code = main(["run", str(folder), "--playbook", "fixture-ledger", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert "127.0.0.1:1" in err and "did not answer" in err
    assert "s3cret-pw" not in err
    assert not (tmp_path / "r").exists()
