"""Shared fixtures: small engagements written on the fly, and the fixture playbook home."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

FIXTURE_HOME = Path(__file__).parent / "fixtures" / "home"


@pytest.fixture
def fixture_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workbench home holding only the fixture playbooks (their helper module included)."""
    home = tmp_path / "home"
    shutil.copytree(FIXTURE_HOME, home)
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv(
        "PYTHONPATH", str(home / "notebooks") + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    return home


def projects_frame(n: int = 6) -> pd.DataFrame:
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


@pytest.fixture
def make_engagement(tmp_path: Path) -> Callable[..., Path]:
    """Write an engagement folder: ``make_engagement(tables={"projects": df}, **config)``."""

    def make(
        tables: dict[str, pd.DataFrame] | None = None,
        name: str = "acme",
        files: dict[str, str | bytes] | None = None,
        **config: Any,
    ) -> Path:
        folder = tmp_path / name
        (folder / "inputs").mkdir(parents=True, exist_ok=True)
        inputs: dict[str, Any] = {}
        for table, frame in (
            tables if tables is not None else {"projects": projects_frame(), "staff": staff_frame()}
        ).items():
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

    return make


@pytest.fixture(scope="session")
def demo_engagement(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The full demo engagement, built once per test session."""
    from workbench.demo import build_demo

    folder = tmp_path_factory.mktemp("demo") / "demo"
    build_demo(folder)
    yield folder
