"""Shared fixtures: small engagements written on the fly, and the fixture playbook home."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.factories import FIXTURE_HOME, write_engagement


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


@pytest.fixture
def make_engagement(tmp_path: Path) -> Callable[..., Path]:
    """Write an engagement folder: ``make_engagement(tables={"projects": df}, **config)``
    (see :func:`tests.factories.write_engagement`)."""

    def make(
        tables: dict[str, pd.DataFrame] | None = None,
        name: str = "acme",
        files: dict[str, str | bytes] | None = None,
        **config: Any,
    ) -> Path:
        return write_engagement(tmp_path / name, tables, files, **config)

    return make


@pytest.fixture(scope="session")
def demo_engagement(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The full demo engagement, built once per test session."""
    from workbench.demo import build_demo

    folder = tmp_path_factory.mktemp("demo") / "demo"
    build_demo(folder)
    yield folder
