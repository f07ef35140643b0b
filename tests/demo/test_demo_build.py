"""The built demo folder: the same bytes for the same seed, and files that hold the answer key."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.demo.planted import billing_plants, database_plants, expense_plants, near_same_day
from workbench.demo import build_demo, write_xlsx

#: Seed 4 used to crash the BI generator; the default seed is the one users see.
SEED = 4


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("demo-builds")
    return build_demo(root / "first", seed=SEED), build_demo(root / "second", seed=SEED)


def test_same_seed_builds_are_byte_identical(builds: tuple[Path, Path]) -> None:
    first, second = (digests(folder) for folder in builds)
    assert "inputs/finance.xlsx" in first
    assert first == second


def test_workbook_is_dated_by_its_stamp_not_by_the_clock(tmp_path: Path) -> None:
    stamp = datetime(2026, 6, 30)
    path = tmp_path / "book.xlsx"
    write_xlsx(path, {"Sheet": pd.DataFrame({"a": [1, 2]})}, stamp=stamp)
    with zipfile.ZipFile(path) as book:
        assert {entry.date_time for entry in book.infolist()} == {(2026, 6, 30, 0, 0, 0)}
        core = book.read("docProps/core.xml").decode()
    assert core.count("2026-06-30T00:00:00Z") == 2  # created and modified
    assert pd.read_excel(path)["a"].tolist() == [1, 2]


@pytest.fixture(params=["seeded", "default"])
def built(request: pytest.FixtureRequest, builds: tuple[Path, Path]) -> Path:
    if request.param == "seeded":
        return builds[0]
    return Path(request.getfixturevalue("demo_engagement"))


def test_files_hold_what_the_answer_key_says(built: Path) -> None:
    key = json.loads((built / "answer_key.json").read_text(encoding="utf-8"))
    spec = yaml.safe_load((built / "engagement.yaml").read_text(encoding="utf-8"))
    as_of = pd.Timestamp(spec["period"]["end"])
    finance = pd.read_excel(built / "inputs" / "finance.xlsx", sheet_name=None)
    expenses = pd.read_csv(built / "inputs" / "expenses.csv")
    found = expense_plants(expenses) | billing_plants(
        finance["Milestones"], finance["Invoices"], finance["Payments"], as_of
    )
    assert {check: key["bi-assessment"][check] for check in found} == found
    assert near_same_day(expenses) == []
    db = database_plants(built / "inputs" / "erp.sqlite", list(key["database-audit"]))
    assert len(db) == 10
    assert {check: key["database-audit"][check] for check in db} == db


def test_engagement_names_every_file_it_needs(built: Path) -> None:
    spec = yaml.safe_load((built / "engagement.yaml").read_text(encoding="utf-8"))
    paths = [v if isinstance(v, str) else v["path"] for v in spec["inputs"].values()]
    assert all((built / p).is_file() for p in paths)
    assert (built / "inputs" / "erp.sqlite").is_file()
    assert spec["database"] == {
        "url": "sqlite:///inputs/erp.sqlite",
        "rules": "inputs/db_rules.yaml",
    }
