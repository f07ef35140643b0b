"""playbook.yaml: validated when read, found in the home and in WORKBENCH_PLAYBOOKS, and the
only place that says what a playbook needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.playbooks import get_playbook, list_playbooks, load_spec
from workbench.run.plan import skip_reason

SPEC = """\
name: {name}
title: A playbook of the tests
prefix: TT
{extra}
inputs:
  required: [projects]
parameters:
  floor: {{type: float, default: 0.5, min: 0, max: 1}}
"""


def playbook(folder: Path, name: str = "test-audit", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "playbook.yaml").write_text(SPEC.format(name=name, extra=extra))
    (folder / f"{name}.ipynb").write_text("{}")
    return folder


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("ordr: 3", "ordr: unknown field"),
        ("requires: [printer]", "requires.0: Input should be 'database'"),
        ("order: soon", "order: Input should be a valid integer"),
    ],
)
def test_a_wrong_key_or_value_names_the_file_and_the_field(
    tmp_path: Path, extra: str, message: str
) -> None:
    folder = playbook(tmp_path / "test-audit", extra=extra)
    with pytest.raises(InputError) as info:
        load_spec(folder)
    assert str(folder / "playbook.yaml") in str(info.value)
    assert message in str(info.value)


def test_a_parameter_default_outside_its_bounds_is_refused(tmp_path: Path) -> None:
    folder = playbook(tmp_path / "test-audit")
    spec = folder / "playbook.yaml"
    spec.write_text(spec.read_text().replace("default: 0.5", "default: 2"))
    with pytest.raises(InputError, match="parameter 'floor' must be <= 1, got 2"):
        load_spec(folder)


def test_a_parameter_key_with_an_unquoted_comma_is_caught(tmp_path: Path) -> None:
    """YAML reads ``{description: a, b}`` as two keys: the second is an unknown field."""
    folder = playbook(tmp_path / "test-audit")
    spec = folder / "playbook.yaml"
    text = spec.read_text().replace("max: 1}", "max: 1, description: low, or high}")
    spec.write_text(text)
    with pytest.raises(InputError, match=r"parameters\.floor\.or high: unknown field"):
        load_spec(folder)


def test_every_shipped_playbook_reads_and_only_the_database_audit_needs_a_database() -> None:
    specs = list_playbooks()
    assert [s.name for s in specs] == [
        "pm-function-audit",
        "record-management-audit",
        "database-audit",
        "bi-assessment",
    ]
    assert {s.name: s.requires for s in specs} == {
        "pm-function-audit": [],
        "record-management-audit": [],
        "database-audit": ["database"],
        "bi-assessment": [],
    }


def test_playbooks_from_elsewhere_join_the_list_in_their_order(
    fixture_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = playbook(tmp_path / "single" / "first-audit", "first-audit", "order: 1")
    playbook(tmp_path / "many" / "late-audit", "late-audit", "order: 500")
    playbook(tmp_path / "many" / "mid-audit", "mid-audit")  # the default order, 100
    monkeypatch.setenv("WORKBENCH_PLAYBOOKS", f"{one}:{tmp_path / 'many'}")
    names = [s.name for s in list_playbooks()]
    assert names == ["first-audit", "fixture-audit", "fixture-other", "mid-audit", "late-audit"]
    spec = get_playbook("mid-audit")
    assert spec.notebook == tmp_path / "many" / "mid-audit" / "mid-audit.ipynb"
    assert spec.import_paths[0] == tmp_path / "many" / "mid-audit"
    assert get_playbook("fixture-audit").import_paths == [fixture_home / "notebooks"]


def test_two_playbooks_of_the_same_name_are_refused_naming_both(
    fixture_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = playbook(tmp_path / "extra" / "fixture-audit", "fixture-audit")
    monkeypatch.setenv("WORKBENCH_PLAYBOOKS", str(copy))
    with pytest.raises(InputError) as info:
        get_playbook("fixture-other")
    message = str(info.value)
    assert str(fixture_home / "playbooks" / "fixture-audit" / "playbook.yaml") in message
    assert str(copy / "playbook.yaml") in message


def test_a_playbook_that_requires_the_database_is_skipped_without_one(
    tmp_path: Path, make_engagement
) -> None:
    from workbench.engagement import load_engagement
    from workbench.io.loader import LoadResult

    folder = playbook(tmp_path / "ledger-audit", "ledger-audit", "requires: [database]")
    engagement = load_engagement(make_engagement())
    loaded = LoadResult(tables={"projects": object()})  # type: ignore[dict-item]
    assert skip_reason(load_spec(folder), engagement, loaded) == (
        "engagement.yaml names no database"
    )
    plain = playbook(tmp_path / "plain-audit", "plain-audit")
    assert skip_reason(load_spec(plain), engagement, loaded) == ""


ENGINE = [
    "workbench/run",
    "workbench/batch.py",
    "workbench/portfolio.py",
    "workbench/cli.py",
    "workbench/kernels.py",
    "workbench/playbooks.py",
]


def test_the_engine_never_names_a_shipped_playbook() -> None:
    """What a playbook needs is read from its playbook.yaml, not from the engine's code."""
    root = Path(__file__).resolve().parents[2]
    names = [p.parent.name for p in (root / "playbooks").glob("*/playbook.yaml")]
    assert len(names) == 4
    pattern = re.compile("|".join(re.escape(n) for n in names))
    files = [
        path
        for where in ENGINE
        for path in ([root / where] if where.endswith(".py") else (root / where).rglob("*.py"))
    ]
    assert len(files) > 10
    named = [
        f"{path.relative_to(root)}:{n}"
        for path in files
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert named == []
