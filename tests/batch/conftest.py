"""Engagements for the batch tests: distinct clients, and playbooks that misbehave on purpose."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests import factories
from tests.factories import FIXTURE_HOME, add_playbook, client_tables

#: Writes a file named after its engagement in its working and temporary folders, waits for
#: a neighbour running side by side to do the same, and reports every file it can see.
SCRATCH_CELL = """\
import os, pathlib, tempfile, time
mine = f"scratch-{pb.engagement.engagement}.txt"
pathlib.Path(mine).write_text(pb.engagement.client)
pathlib.Path(tempfile.gettempdir(), mine).write_text(pb.engagement.client)
time.sleep(1.0)
seen = sorted(os.listdir(".")) + sorted(os.listdir(tempfile.gettempdir()))
pb.md("Working folder: `" + os.getcwd() + "`; temporary folder: `" + tempfile.gettempdir() + "`")
pb.md("Files seen: " + ", ".join(f"`{name}`" for name in seen))
pb.metric("scratch_files_seen", len(seen), unit="count")
"""

#: Kills the process that runs its engagement (the batch worker), as a crash would.
CRASH_CELL = """\
import os, signal
pid = os.getppid()
if b"serve_kernel_template" in open(f"/proc/{pid}/cmdline", "rb").read():
    pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
os.kill(pid, signal.SIGKILL)
"""


def batch_home(root: Path) -> Path:
    """A workbench home with the fixture playbooks, ``fixture-scratch`` and ``fixture-crash``."""
    home = root / "home"
    shutil.copytree(FIXTURE_HOME, home)
    add_playbook(home, "fixture-scratch", "FS", SCRATCH_CELL)
    add_playbook(home, "fixture-crash", "FC", CRASH_CELL)
    return home


def home_environment(home: Path) -> dict[str, str]:
    return {
        "WORKBENCH_HOME": str(home),
        "PYTHONPATH": str(home / "notebooks") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }


def write_engagement(
    root: Path, key: str, client: str, tables: dict[str, pd.DataFrame] | None = None, **config: Any
) -> Path:
    """Engagement ``<key>-2026`` of ``client`` in ``root/<key>``, on the two fixture playbooks."""
    settings: dict[str, Any] = {
        "client": client,
        "engagement": f"{key}-2026",
        "playbooks": ["fixture-audit", "fixture-other"],
        **config,
    }
    chosen = tables or client_tables(key.upper(), f"{client} Customer")
    return factories.write_engagement(root / key, chosen, **settings)


@pytest.fixture
def client_engagement(fixture_home: Path, tmp_path: Path) -> Callable[..., Path]:
    """``client_engagement("alpha", "Alpha Industries", **config)``: one client's folder."""

    def make(key: str, client: str, **config: Any) -> Path:
        return write_engagement(tmp_path, key, client, **config)

    return make


def output_texts(run_dir: Path) -> Iterator[tuple[str, str]]:
    """Every file of a run folder as text, workbooks unzipped: ``(name, text)``."""
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"PK":
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    yield f"{path.name}:{member}", book.read(member).decode("utf-8", "replace")
        elif path.suffix == ".pdf":
            continue  # its text is the report.html it was printed from
        else:
            yield path.name, data.decode("utf-8", "replace")
