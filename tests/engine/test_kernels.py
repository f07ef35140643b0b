"""Kernels: each playbook's kernel in its own folders, forked from the template or started
the ordinary way, indistinguishable from inside, and gone when stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from workbench.kernels import PlaybookKernel, _ForkedProcess, _ipykernel_argv

#: What a kernel reports about itself, as JSON on stdout.
PROBE = """\
import json, os, sys, tempfile
import numpy
print(json.dumps({
    "pid": os.getpid(),
    "cwd": os.getcwd(),
    "tmp": tempfile.gettempdir(),
    "path": sys.path[:3],
    "random": numpy.random.random(),
    "env": os.environ.get("WB_KERNEL_TEST", ""),
}))
"""


def probe(kernel: PlaybookKernel, folder: Path) -> dict[str, object]:
    """Run the probe in ``kernel`` through papermill, as the runner runs a playbook."""
    source, output = folder / "probe.ipynb", folder / "probe.out.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(PROBE)]), source)
    nb = pm.execute_notebook(
        str(source), str(output), kernel_name="python3", progress_bar=False, km=kernel.km
    )
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("name") == "stdout")
    data: dict[str, object] = json.loads(text)
    return data


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return True  # exited, waiting for its parent to reap it
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("template", ["1", "0"])
def test_a_kernel_lives_in_its_own_folders_and_ends_when_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str
) -> None:
    monkeypatch.setenv("WORKBENCH_KERNEL_TEMPLATE", template)
    monkeypatch.setenv("WB_KERNEL_TEST", "from the runner")
    helpers = tmp_path / "helpers"
    helpers.mkdir()
    kernel = PlaybookKernel.start(tmp_path / "k", tmp_path / "kernel.log", [helpers])
    try:
        assert kernel.kind == (
            "template" if template == "1" and sys.platform == "linux" else "process"
        )
        seen = probe(kernel, tmp_path)
    finally:
        kernel.stop()
    assert seen["cwd"] == str(tmp_path / "k" / "work")
    assert seen["tmp"] == str(tmp_path / "k" / "tmp")
    assert str(helpers) in seen["path"]  # type: ignore[operator]
    assert seen["env"] == "from the runner"
    assert isinstance(seen["pid"], int) and gone(seen["pid"])


@pytest.mark.slow
def test_forked_kernels_draw_different_random_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template's NumPy generator is reseeded in each kernel, as in a fresh process."""
    monkeypatch.setenv("WORKBENCH_KERNEL_TEMPLATE", "1")
    draws = []
    for i in range(2):
        kernel = PlaybookKernel.start(tmp_path / f"k{i}", tmp_path / f"k{i}.log")
        try:
            draws.append(probe(kernel, tmp_path)["random"])
        finally:
            kernel.stop()
    assert draws[0] != draws[1]


@pytest.mark.slow
def test_kill_ends_the_kernel_and_what_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_KERNEL_TEMPLATE", "1")
    kernel = PlaybookKernel.start(tmp_path / "k", tmp_path / "kernel.log")
    try:
        source = tmp_path / "child.ipynb"
        code = (
            "import subprocess, sys\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
            "print(child.pid)"
        )
        nbformat.write(new_notebook(cells=[new_code_cell(code)]), source)
        nb = pm.execute_notebook(
            str(source),
            str(tmp_path / "out.ipynb"),
            kernel_name="python3",
            progress_bar=False,
            km=kernel.km,
        )
        child = int(nb.cells[0].outputs[0]["text"])
        kernel.kill()
        assert gone(child)
    finally:
        kernel.stop()


def test_only_this_pythons_ipykernel_is_forked() -> None:
    args = ["-f", "/tmp/kernel.json"]
    assert _ipykernel_argv([sys.executable, "-m", "ipykernel_launcher", *args]) == args
    assert _ipykernel_argv(["/usr/bin/other-python", "-m", "ipykernel_launcher", *args]) is None
    assert _ipykernel_argv([sys.executable, "-m", "some_other_kernel", *args]) is None
    assert _ipykernel_argv([sys.executable]) is None


def test_a_forked_process_is_watched_through_proc() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    watched = _ForkedProcess(child.pid)
    assert watched.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        watched.wait(timeout=0.1)
    watched.send_signal(signal.SIGTERM)
    child.wait(timeout=10)  # reaped by its parent, as the template reaps its kernels
    assert watched.wait(timeout=5) == -1 and watched.poll() == -1
    watched.kill()  # a signal to a process that is gone is not sent
