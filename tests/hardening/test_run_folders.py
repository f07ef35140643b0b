"""Run folders: SIGTERM handled as Ctrl-C, client data readable by its owner only, and one
reports folder per engagement folder."""

from __future__ import annotations

import datetime as dt
import errno
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import add_playbook, write_engagement
from workbench.cli import main
from workbench.engagement import load_engagement
from workbench.errors import OutputError
from workbench.run import read_manifest, run
from workbench.run.staging import staging

pytestmark = pytest.mark.slow


def modes(folder: Path) -> set[tuple[str, int]]:
    """``("dir" | "file", mode)`` of ``folder`` and everything in it (links left out)."""
    found = {("dir", stat.S_IMODE(folder.stat().st_mode))}
    for path in folder.rglob("*"):
        if not path.is_symlink():
            kind = "dir" if path.is_dir() else "file"
            found.add((kind, stat.S_IMODE(path.stat().st_mode)))
    return found


def test_sigterm_keeps_what_was_executed_as_an_interrupted_run(
    fixture_home: Path, tmp_path: Path
) -> None:
    """A service stopping the workbench (SIGTERM) leaves no hidden .tmp-* folder behind."""
    add_playbook(fixture_home, "fixture-slow", "SL", "import time\ntime.sleep(60)")
    folder = write_engagement(tmp_path / "acme", playbooks=["fixture-audit", "fixture-slow"])
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "workbench.cli", "run", str(folder), "--out", str(reports)]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    base = reports / "acme-2026"
    deadline = time.monotonic() + 120
    while not list(base.glob(".tmp-*/notebooks/fixture-audit.ipynb")):
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
        time.sleep(0.1)
    time.sleep(1.0)  # the slow playbook is in its sleep
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not list(base.glob(".tmp-*"))
    (run_dir,) = [p for p in base.iterdir() if p.is_dir() and p.name[0].isdigit()]
    manifest = read_manifest(run_dir)
    assert manifest.status == "interrupted"
    assert manifest.engagement is not None and manifest.engagement.client == "Acme Holdings"
    assert (run_dir / "notebooks" / "fixture-audit.ipynb").exists()
    assert not (base / "latest").exists()


def test_run_folders_and_files_are_for_their_owner_only(fixture_home: Path, tmp_path: Path) -> None:
    folder = write_engagement(tmp_path / "acme")
    old = os.umask(0o022)  # the usual umask: world-readable unless the workbench says no
    try:
        result = run(folder, out=tmp_path / "reports", formats=["html", "xlsx"], progress=None)
        assert result.status == "ok"
        assert modes(result.run_dir) == {("dir", 0o700), ("file", 0o600)}
        assert stat.S_IMODE(result.run_dir.parent.stat().st_mode) == 0o700
        assert main(["report", str(result.run_dir), "--format", "html"]) == 0
        assert modes(result.run_dir) == {("dir", 0o700), ("file", 0o600)}
    finally:
        os.umask(old)


def test_a_configured_mode_is_honoured_and_a_bad_one_refused(
    fixture_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    folder = write_engagement(tmp_path / "acme")
    monkeypatch.setenv("WORKBENCH_RUN_MODE", "750")
    result = run(folder, out=tmp_path / "reports", formats=["html"], progress=None)
    assert modes(result.run_dir) == {("dir", 0o750), ("file", 0o640)}
    monkeypatch.setenv("WORKBENCH_RUN_MODE", "644")
    code = main(["run", str(folder), "--out", str(tmp_path / "reports"), "--force"])
    assert code == 2
    assert "WORKBENCH_RUN_MODE='644' is not a usable folder mode" in capsys.readouterr().err


def test_two_engagement_folders_with_one_id_do_not_share_reports(
    fixture_home: Path, tmp_path: Path, capsys
) -> None:
    first = write_engagement(tmp_path / "acme", client="Acme Holdings")
    second = write_engagement(tmp_path / "acme-copy", client="Acme Trading")  # same id
    reports = tmp_path / "reports"
    good = run(first, out=reports, formats=["html"], progress=None)
    code = main(["run", str(second), "--out", str(reports), "--format", "html"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(first) in err and str(second) in err and "'acme-2026'" in err
    assert (reports / "acme-2026" / "latest").resolve() == good.run_dir
    assert [p.name for p in (reports / "acme-2026").iterdir() if p.name[0].isdigit()] == [
        good.run_id
    ]


def test_a_moved_engagement_folder_takes_its_reports_along(
    fixture_home: Path, tmp_path: Path
) -> None:
    first = write_engagement(tmp_path / "acme")
    reports = tmp_path / "reports"
    before = run(first, out=reports, formats=["html"], progress=None)
    moved = first.rename(tmp_path / "clients-acme")
    after = run(moved, out=reports, formats=["html"], progress=None, force=True)
    assert after.status == "ok" and after.run_id != before.run_id
    assert (reports / "acme-2026" / "latest").resolve() == after.run_dir


def test_a_write_that_fails_says_where_and_why_and_keeps_nothing(
    make_engagement, tmp_path: Path
) -> None:
    engagement = load_engagement(make_engagement())
    base = tmp_path / "reports" / "acme-2026"
    full = errno.ENOSPC
    with (
        pytest.raises(OutputError) as info,
        staging(base, engagement, dt.datetime.now(dt.UTC)) as stage,
    ):
        (stage.work / "report.html").write_text("half")
        raise OSError(full, os.strerror(full), str(stage.work / "report.pdf"))
    assert info.value.errno == errno.ENOSPC
    assert info.value.path is not None and info.value.path.name == "report.pdf"
    assert "Free some space" in str(info.value)
    assert [p.name for p in base.iterdir() if not p.name.startswith(".")] == []
    assert not list(base.glob(".tmp-*"))
