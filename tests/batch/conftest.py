"""Engagements for the batch tests: distinct clients, and playbooks that misbehave on purpose."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import yaml

from tests.conftest import FIXTURE_HOME, projects_frame, staff_frame

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


def add_playbook(home: Path, name: str, prefix: str, cell: str) -> str:
    """A copy of ``fixture-audit`` named ``name`` with ``cell`` before its last cell."""
    spec = yaml.safe_load((home / "playbooks" / "fixture-audit" / "playbook.yaml").read_text())
    spec.update(name=name, title=f"Fixture {name}", prefix=prefix)
    (home / "playbooks" / name).mkdir()
    (home / "playbooks" / name / "playbook.yaml").write_text(yaml.safe_dump(spec))
    nb = nbformat.read(home / "notebooks" / "fixture-audit.ipynb", as_version=4)
    for existing in nb.cells:
        existing.source = existing.source.replace('"fixture-audit"', f'"{name}"')
    nb.cells.insert(-1, nbformat.v4.new_code_cell(cell))
    nbformat.write(nb, home / "notebooks" / f"{name}.ipynb")
    return name


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


def client_tables(prefix: str, customer: str) -> dict[str, pd.DataFrame]:
    """Projects and staff whose ids and names belong to one client only."""
    projects = projects_frame()
    projects["project_id"] = projects["project_id"].str.replace("PRJ", prefix)
    projects["name"] = prefix.title() + " " + projects["name"]
    projects["customer"] = customer
    staff = staff_frame()
    staff["person_id"] = staff["person_id"].str.replace("P", prefix[:2])
    projects["pm_id"] = staff["person_id"].iloc[0]
    return {"projects": projects, "staff": staff}


def write_engagement(
    root: Path, key: str, client: str, tables: dict[str, pd.DataFrame] | None = None, **config: Any
) -> Path:
    """Engagement ``<key>-2026`` of ``client`` in ``root/<key>``."""
    folder = root / key
    (folder / "inputs").mkdir(parents=True, exist_ok=True)
    inputs = {}
    for table, frame in (tables or client_tables(key.upper(), f"{client} Customer")).items():
        frame.to_csv(folder / "inputs" / f"{table}.csv", index=False)
        inputs[table] = f"inputs/{table}.csv"
    data: dict[str, Any] = {
        "client": client,
        "engagement": f"{key}-2026",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "currency": "EUR",
        "playbooks": ["fixture-audit", "fixture-other"],
        "inputs": inputs,
    }
    data.update(config)
    (folder / "engagement.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


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


def manifest(run_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text())
    return data
