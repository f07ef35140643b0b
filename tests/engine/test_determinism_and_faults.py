"""Same inputs, same results; faults leave the previous deliverables intact."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from workbench.errors import InputError
from workbench.run import read_manifest, run
from workbench.run.staging import engagement_lock

pytestmark = pytest.mark.slow


def test_same_inputs_give_byte_identical_findings_and_metrics(
    fixture_home, make_engagement, tmp_path
) -> None:
    folder = make_engagement()
    first = run(folder, out=tmp_path / "a", formats=("html",), progress=None)
    second = run(folder, out=tmp_path / "b", formats=("html",), progress=None)
    for name in ("findings.json", "metrics.csv"):
        assert (first.run_dir / name).read_bytes() == (second.run_dir / name).read_bytes()


def test_a_second_run_of_the_same_engagement_waits_its_turn(tmp_path) -> None:
    base = tmp_path / "reports" / "acme-2026"
    with (
        engagement_lock(base),
        pytest.raises(InputError, match="another run"),
        engagement_lock(base),
    ):
        pass
    with engagement_lock(base):  # released once the first run ends
        pass


def test_a_killed_kernel_fails_that_playbook_only(fixture_home, make_engagement, tmp_path) -> None:
    """A kernel killed mid-run: the playbook is marked failed, the others and `latest` survive."""
    folder = make_engagement()
    good = run(folder, out=tmp_path / "r", formats=("html",), progress=None)
    notebook = fixture_home / "notebooks" / "fixture-audit.ipynb"
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if (
            cell["cell_type"] == "code"
            and "fail_on_purpose" in "".join(cell["source"])
            and "raise" in "".join(cell["source"])
        ):
            cell["source"] = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    notebook.write_text(json.dumps(nb))
    bad = run(folder, out=tmp_path / "r", formats=("html",), progress=None)
    status = {p.name: p.status for p in bad.playbooks}
    assert status == {"fixture-audit": "failed", "fixture-other": "ok"}
    assert (
        "died" in {p.name: p for p in bad.playbooks}["fixture-audit"].error.lower()
        or "dead" in {p.name: p for p in bad.playbooks}["fixture-audit"].error.lower()
    )
    assert (tmp_path / "r" / "acme-2026" / "latest").resolve() == good.run_dir.resolve()
    assert (good.run_dir / "report.html").exists()


def test_interrupt_leaves_no_half_written_run(fixture_home, make_engagement, tmp_path) -> None:
    """Ctrl-C during a run: `latest` and old runs do not move; what was executed is kept
    under the run's name, marked interrupted, and no hidden half-written folder remains."""
    folder = make_engagement()
    good = run(folder, out=tmp_path / "r", formats=("html",), progress=None)
    before = {p: p.read_bytes() for p in good.run_dir.rglob("*") if p.is_file()}
    base = tmp_path / "r" / "acme-2026"

    def interrupt_once_executing() -> None:
        deadline = time.monotonic() + 60
        while not list(base.glob(".tmp-*/notebooks")) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    watcher = threading.Thread(target=interrupt_once_executing, daemon=True)
    watcher.start()
    with pytest.raises(KeyboardInterrupt):
        run(folder, out=tmp_path / "r", formats=("html",), progress=None, force=True)
        time.sleep(30)  # the run finished before the signal: wait for it
    watcher.join()
    assert (base / "latest").resolve() == good.run_dir.resolve()
    assert {p: p.read_bytes() for p in good.run_dir.rglob("*") if p.is_file()} == before
    assert not list(base.glob(".tmp-*"))
    runs = [p for p in base.iterdir() if p.is_dir() and not p.is_symlink()]
    statuses = {p.name: read_manifest(p).status for p in runs}
    assert statuses.pop(good.run_dir.name) == "ok"
    assert list(statuses.values()) == ["interrupted"], statuses
