"""Faults leave what was delivered in place and say what happened.

- A full disk on the reports folder: the run fails with a message that says so (no
  traceback, not the exit code of bad input), and the previous run and ``latest`` are
  untouched, byte for byte. As root the disk is a real 8 MiB tmpfs mounted by the test and
  filled up; elsewhere every write under the reports folder fails with ``ENOSPC``.
- Ctrl-C during a batch: ``workbench batch`` runs in its own session and the whole process
  group gets SIGINT, as a terminal sends it, while runs are in progress. The command ends
  promptly with exit code 130 and a one-line message, leaves no process of its group
  behind, and no engagement's ``latest`` moves to a half-written run.

The other faults (a playbook that raises, a killed kernel, two runs at once, Ctrl-C during
a single run) are in ``tests/engine/test_determinism_and_faults.py``.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.cli import main
from workbench.run import run

pytestmark = pytest.mark.slow


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def relabel(folder: Path, label: str) -> None:
    """Change a parameter of the engagement, so that the next run has work to do."""
    config = yaml.safe_load((folder / "engagement.yaml").read_text())
    config["parameters"] = {"fixture-audit": {"label": label}}
    (folder / "engagement.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


# ------------------------------------------------------------------------------ full disk


class _FullFile:
    """A file opened for writing on a disk with no space left: any data written fails."""

    def __init__(self, handle: Any, name: str) -> None:
        self._handle = handle
        self._name = name

    def _full(self) -> OSError:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._name)

    def write(self, data: Any) -> int:
        if data:
            raise self._full()
        return 0

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __enter__(self) -> _FullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


@contextlib.contextmanager
def writes_fail_under(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every write of data under ``folder`` fails with ENOSPC (opening files still works)."""
    real_open = io.open
    root = str(folder.resolve())

    def full_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(file, mode, *args, **kwargs)
        writing = any(flag in mode for flag in "wax+")
        if writing and isinstance(file, (str, os.PathLike)):
            path = os.path.abspath(os.fspath(file))
            if path == root or path.startswith(root + os.sep):
                return _FullFile(handle, path)
        return handle

    with monkeypatch.context() as patch:
        patch.setattr(builtins, "open", full_open)
        patch.setattr(io, "open", full_open)
        yield


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` on ``folder`` (root only); yields whether it is mounted."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.environ.get("WORKBENCH_TEST_SIMULATED_DISK") or os.geteuid() != 0:
        yield False
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:  # e.g. a container without the right to mount
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path) -> None:
    """Write zeros into ``folder`` until its file system has no space left."""
    block = b"\0" * (1 << 16)
    with open(folder / "filler.bin", "wb", buffering=0) as fh:
        while True:
            try:
                fh.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    tail = folder / "filler-tail.bin"
    with contextlib.suppress(OSError), open(tail, "wb", buffering=0) as fh:  # the last bytes
        while fh.write(b"\0" * 512):
            pass


def test_a_full_disk_fails_the_run_clearly_and_keeps_the_last_report(
    fixture_home: Path,
    make_engagement: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = make_engagement()
    out = tmp_path / "disk"
    with tmpfs(out, "8m") as real:
        good = run(folder, out=out, formats=("html",), progress=None)
        assert good.status == "ok"
        base = out / "acme-2026"
        before = digest(good.run_dir)
        relabel(folder, "After the disk filled up")
        capsys.readouterr()
        with contextlib.ExitStack() as stack:
            if real:
                fill(out)
            else:
                stack.enter_context(writes_fail_under(out, monkeypatch))
            try:
                code = main(["run", str(folder), "--out", str(out), "--format", "html"])
            except OSError as exc:  # what a user would see as a traceback
                pytest.fail(f"a full disk ended the command with a traceback: {exc!r}")
        err = capsys.readouterr().err
        assert code == 4, err
        assert "space" in err.lower() and str(out) in err, err
        assert not list(base.glob(".tmp-*")), "the partial run still takes space"
        assert "Traceback" not in err
        assert (base / "latest").resolve() == good.run_dir.resolve()
        assert digest(good.run_dir) == before


def test_the_simulated_full_disk_fails_writes_but_not_reads(tmp_path: Path) -> None:
    """The stand-in for a full disk refuses data, not the opening of files or reading."""
    (tmp_path / "kept.txt").write_text("delivered")
    with pytest.MonkeyPatch.context() as mp, writes_fail_under(tmp_path, mp):
        assert (tmp_path / "kept.txt").read_text() == "delivered"
        with open(tmp_path / "lock", "w"):
            pass  # creating an empty file (a lock) still works
        with pytest.raises(OSError) as info:
            (tmp_path / "new.txt").write_text("x")
        assert info.value.errno == errno.ENOSPC
    (tmp_path / "new.txt").write_text("fine again")


# ------------------------------------------------------------------ Ctrl-C during a batch


def processes_left(group: int, wait_s: float = 15.0) -> list[str]:
    """Live processes of a process group, after giving exiting ones time to be reaped
    (a worker's child that outlived its parent is a zombie until init collects it)."""
    import psutil

    deadline = time.monotonic() + wait_s
    while True:
        alive = []
        for proc in psutil.process_iter(["pid", "status", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                if os.getpgid(proc.pid) == group and proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{proc.pid}: {' '.join(proc.info['cmdline'] or [])[:120]}")
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def test_ctrl_c_during_a_batch_ends_it_cleanly_and_moves_no_latest(
    fixture_home: Path, make_engagement: Callable[..., Path], tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    folders = [make_engagement(name=f"client-{c}", engagement=f"client-{c}") for c in "abc"]
    good = run(folders[0], out=reports, formats=("html",), progress=None)
    assert good.status == "ok"
    before = digest(good.run_dir)
    relabel(folders[0], "Second run")
    cmd = [sys.executable, "-m", "workbench.cli", "batch", *map(str, folders)]
    cmd += ["--jobs", "2", "--out", str(reports), "--format", "html"]
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env=dict(os.environ),
        start_new_session=True,  # its own process group, as a terminal job
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = time.monotonic()
        while time.monotonic() - started < 90:  # until a run is executing
            if any(reports.glob("client-*/.tmp-*")) or proc.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        interrupted = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - interrupted
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert "interrupted" in err.lower()
    assert "Traceback" not in err + out
    assert took < 30, f"the batch took {took:.0f}s to stop"
    assert processes_left(proc.pid) == []
    assert (reports / "client-a" / "latest").resolve() == good.run_dir.resolve()
    assert digest(good.run_dir) == before
    assert not list(reports.glob("client-*/.tmp-*")), "a half-written run was left hidden"
    for base in reports.glob("client-*"):
        latest = base / "latest"
        if latest.exists():  # a run that finished before the interrupt is complete
            manifest = json.loads((latest / "manifest.json").read_text())
            assert manifest["status"] == "ok"
            assert (latest / "report.html").exists()
