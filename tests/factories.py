"""Test factories, in one place: client tables, engagement folders, playbooks, run folders.

Every test that needs an engagement or a playbook builds it here, so that a change to the
engagement file or the playbook spec is made once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pandas as pd
import yaml

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from workbench.run.manifest import RunManifest

FIXTURE_HOME = Path(__file__).parent / "fixtures" / "home"


def projects_frame(n: int = 6) -> pd.DataFrame:
    """``n`` projects of one PM; the even ones priced at 1.05 x budget (a 4.8% margin)."""
    rows = []
    for i in range(1, n + 1):
        rows.append(
            {
                "project_id": f"PRJ-{i:03d}",
                "name": f"Project {i}",
                "segment": "Enterprise",
                "customer": "Contoso",
                "pm_id": "P001",
                "project_type": "implementation",
                "status": "active",
                "baseline_start": "2025-01-06",
                "baseline_finish": "2025-12-19",
                "budget": 100_000.0 * i,
                "contract_value": 100_000.0 * i * (1.3 if i % 2 else 1.05),
            }
        )
    return pd.DataFrame(rows)


def staff_frame() -> pd.DataFrame:
    """A project manager and an engineer."""
    return pd.DataFrame(
        [
            {
                "person_id": "P001",
                "name": "Amira Costa",
                "role": "Project Manager",
                "team": "PM",
                "segment": "Enterprise",
            },
            {
                "person_id": "P002",
                "name": "Ben Adler",
                "role": "Engineer",
                "team": "Delivery",
                "segment": "Enterprise",
            },
        ]
    )


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
    folder: Path,
    tables: Mapping[str, pd.DataFrame] | None = None,
    files: Mapping[str, str | bytes] | None = None,
    **config: Any,
) -> Path:
    """An engagement folder: each table as ``inputs/<table>.csv``, extra files, and an
    ``engagement.yaml`` of client *Acme Holdings*, id ``acme-2026``, period 2025, in EUR,
    with ``config`` overriding or adding fields.

    Parameters
    ----------
    folder : Path
        Created if needed; an existing ``engagement.yaml`` is replaced.
    tables : mapping, optional
        Input tables (default: :func:`projects_frame` and :func:`staff_frame`).
    files : mapping, optional
        Further files by path relative to the folder (text or bytes).
    **config
        Fields of ``engagement.yaml``.

    Returns
    -------
    Path
        The folder.
    """
    (folder / "inputs").mkdir(parents=True, exist_ok=True)
    inputs: dict[str, Any] = {}
    chosen = (
        tables if tables is not None else {"projects": projects_frame(), "staff": staff_frame()}
    )
    for table, frame in chosen.items():
        frame.to_csv(folder / "inputs" / f"{table}.csv", index=False)
        inputs[table] = f"inputs/{table}.csv"
    for rel, content in (files or {}).items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    data: dict[str, Any] = {
        "client": "Acme Holdings",
        "engagement": "acme-2026",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "currency": "EUR",
        "inputs": inputs,
    }
    data.update(config)
    (folder / "engagement.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def add_playbook(
    home: Path,
    name: str,
    prefix: str,
    cell: str | None = None,
    **spec: Any,
) -> str:
    """A copy of the fixture playbook ``fixture-audit`` named ``name`` in ``home``.

    Parameters
    ----------
    home : Path
        A workbench home holding the fixture playbooks.
    name, prefix : str
        The new playbook's name and finding-id prefix.
    cell : str, optional
        Code inserted before the notebook's last cell.
    **spec
        Keys of ``playbook.yaml`` to set (``requires=["database"]``, ``order=5``).

    Returns
    -------
    str
        ``name``.
    """
    source = home / "playbooks" / "fixture-audit" / "playbook.yaml"
    data = yaml.safe_load(source.read_text())
    data.update(name=name, title=f"Fixture {name}", prefix=prefix, **spec)
    (home / "playbooks" / name).mkdir()
    (home / "playbooks" / name / "playbook.yaml").write_text(yaml.safe_dump(data))
    nb = nbformat.read(home / "notebooks" / "fixture-audit.ipynb", as_version=4)
    for existing in nb.cells:
        existing.source = existing.source.replace('"fixture-audit"', f'"{name}"')
    if cell is not None:
        nb.cells.insert(-1, nbformat.v4.new_code_cell(cell))
    nbformat.write(nb, home / "notebooks" / f"{name}.ipynb")
    return name


def run_folder(
    folder: Path,
    notebooks: Mapping[str, NotebookNode],
    *,
    client: str = "Acme Holdings",
    engagement: str = "acme-2026",
    period: tuple[str, str] = ("2025-01-01", "2026-06-30"),
    currency: str = "EUR",
    run_id: str = "20260312T101500000Z",
    started_at: str = "2026-03-12T10:15:00",
    validation: list[dict[str, Any]] | None = None,
    inputs: list[dict[str, Any]] | None = None,
) -> tuple[Path, RunManifest]:
    """A run folder as the runner leaves it before rendering: the executed notebooks under
    ``notebooks/`` and the manifest (written, and returned).

    Parameters
    ----------
    folder : Path
        The run folder (created).
    notebooks : mapping
        Executed notebooks by playbook name, in chapter order.
    client, engagement, period, currency, run_id, started_at
        What the manifest says of the run.
    validation, inputs : list of dict, optional
        The manifest's validation messages and input provenance.

    Returns
    -------
    (Path, RunManifest)
    """
    from workbench.run.manifest import (
        EngagementRecord,
        Period,
        PlaybookRun,
        RunManifest,
        write_manifest,
    )

    (folder / "notebooks").mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, str(folder / "notebooks" / f"{name}.ipynb"))
    manifest = RunManifest(
        run_id=run_id,
        started_at=started_at,
        engagement=EngagementRecord(
            client=client,
            engagement=engagement,
            period=Period(start=period[0], end=period[1]),
            currency=currency,
            folder=str(folder.parent),
        ),
        playbooks=[PlaybookRun(name=name, status="ok") for name in notebooks],
        validation=validation or [],
        inputs=inputs or [],
    )
    write_manifest(folder, manifest)
    return folder, manifest
