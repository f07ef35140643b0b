"""Every case of the bad-input corpus: exit code 2, a message that names what is wrong and
where, no traceback, and nothing written to the reports folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from workbench.cli import main

CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if p.is_dir())


def test_the_corpus_has_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_exit_2_and_a_precise_message(
    case: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    spec = yaml.safe_load((case / "case.yaml").read_text())
    folder = tmp_path / case.name
    shutil.copytree(case, folder)
    for key, value in (spec.get("env") or {}).items():
        monkeypatch.setenv(key, value)
    reports = tmp_path / "reports"
    code = main(["run", str(folder), "--out", str(reports), *spec["args"]])
    captured = capsys.readouterr()
    message = captured.err + captured.out
    assert code == 2, message
    for fragment in spec["expect"]:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    for secret in spec.get("absent", []):
        assert secret not in message
    assert "Traceback" not in message
    assert not reports.exists()
