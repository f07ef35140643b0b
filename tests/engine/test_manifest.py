"""manifest.json and findings.json: one writer and one reader, and what they refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.errors import InputError, PlaybookFailed
from workbench.run.manifest import (
    EngagementRecord,
    Period,
    PlaybookRun,
    RunManifest,
    read_findings,
    read_manifest,
    write_manifest,
)
from workbench.run.pipeline import RunResult


def manifest() -> RunManifest:
    return RunManifest(
        run_id="20260312T101500000Z",
        status="failed",
        started_at="2026-03-12T10:15:00+00:00",
        engagement=EngagementRecord(
            client="Acme Holdings",
            engagement="acme-2026",
            period=Period(start="2025-01-01", end="2025-12-31"),
            currency="EUR",
            folder="/clients/acme",
        ),
        playbooks=[
            PlaybookRun(name="fixture-audit", status="ok", findings=3),
            PlaybookRun(
                name="fixture-other", status="failed", failed_cell=4, error="KeyError: 'x'"
            ),
        ],
    )


def test_a_manifest_reads_back_as_it_was_written(tmp_path: Path) -> None:
    written = manifest()
    write_manifest(tmp_path, written)
    assert read_manifest(tmp_path) == written
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert list(data)[:4] == ["run_id", "status", "engagement", "started_at"]
    assert data["playbooks"][1]["failed_cell"] == 4


def test_keys_a_later_version_added_are_kept(tmp_path: Path) -> None:
    data = manifest().model_dump(mode="json")
    data["signed_off_by"] = "J. Partner"
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    again = read_manifest(tmp_path)
    write_manifest(tmp_path, again)
    assert json.loads((tmp_path / "manifest.json").read_text())["signed_off_by"] == "J. Partner"


def test_what_is_not_a_manifest_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"not a run folder \(no manifest\.json\)"):
        read_manifest(tmp_path)
    data = manifest().model_dump(mode="json")
    data["status"] = "finished"
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"not a run manifest \(status: Input should be 'ok'"):
        read_manifest(tmp_path)


def test_a_wrong_status_cannot_be_recorded() -> None:
    record = PlaybookRun(name="fixture-audit")
    with pytest.raises(ValueError, match="status"):
        record.status = "done"  # type: ignore[assignment]


def test_findings_are_a_list_and_nothing_else(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no findings\.json"):
        read_findings(tmp_path)
    items = [{"id": "FX-LM-001", "severity": "high"}]
    (tmp_path / "findings.json").write_text(json.dumps(items))
    assert read_findings(tmp_path) == items
    (tmp_path / "findings.json").write_text(json.dumps({"findings": items}))
    with pytest.raises(InputError, match="expected a list of findings"):
        read_findings(tmp_path)
    (tmp_path / "findings.json").write_text("[{")
    with pytest.raises(InputError, match="cannot be read as JSON"):
        read_findings(tmp_path)


def test_a_failed_run_raises_with_each_failure_as_data(tmp_path: Path) -> None:
    record = manifest()
    result = RunResult.of(tmp_path, record)
    with pytest.raises(PlaybookFailed) as info:
        result.raise_for_status()
    (failure,) = info.value.failures
    assert (failure.playbook, failure.cell, failure.error) == ("fixture-other", 4, "KeyError: 'x'")
    assert failure.notebook == tmp_path / "notebooks" / "fixture-other.ipynb"
    assert info.value.exit_code == 3 and info.value.run_dir == tmp_path
    assert str(info.value) == (
        f"playbook fixture-other failed (cell 4): KeyError: 'x'; partial notebook: "
        f"{tmp_path / 'notebooks' / 'fixture-other.ipynb'}"
    )
    record.status = "ok"
    RunResult.of(tmp_path, record).raise_for_status()  # nothing to raise
