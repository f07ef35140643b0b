"""``manifest.json`` and ``findings.json`` of a run folder: one writer, one reader each.

The manifest is the record of a run (DESIGN.md "Outputs of a run"): who and what it was
for, the status and timing of each playbook, the inputs with their SHA-256, the resolved
parameters (secrets as ``***``), package versions, the fingerprint that decides whether the
next run has anything to do, and the outputs it wrote. :class:`RunManifest` declares it once;
the runner writes it with :func:`write_manifest`, and everything that reads a run folder
(the next run, ``workbench report``, the batch, the portfolio, the tests) reads it with
:func:`read_manifest`. ``findings.json`` is read with :func:`read_findings`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench import __version__
from workbench.errors import InputError

MANIFEST_FILE = "manifest.json"
FINDINGS_FILE = "findings.json"

#: What a run can come to, and each of its playbooks.
RunStatus = Literal["ok", "failed", "interrupted"]
PlaybookStatus = Literal["pending", "ok", "failed", "skipped"]


class _Record(BaseModel):
    # Unknown keys are kept (a manifest written by a later version reads and writes back
    # whole); assignments are checked, so a typo in the runner fails loudly.
    model_config = ConfigDict(extra="allow", validate_assignment=True)


class PlaybookRun(_Record):
    """What happened to one playbook in a run."""

    name: str
    status: PlaybookStatus = "pending"
    seconds: float = 0.0
    reason: str = ""  # why it was skipped
    failed_cell: int | None = None
    error: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)  # secrets as "***"
    findings: int = 0
    kernel: str = ""  # "template" (forked from the kernel template) or "process"


class Period(_Record):
    start: str
    end: str


class EngagementRecord(_Record):
    """The engagement a run was for, as the report's cover and the portfolio show it."""

    client: str
    engagement: str
    period: Period
    currency: str
    folder: str
    database: dict[str, Any] | None = None  # url (redacted), password_env, rules


class BrandingRecord(_Record):
    """The branding a run's deliverables were made in (see :mod:`workbench.report.branding`)."""

    file: str | None = None  # the branding file; None for the house style
    firm: str = ""
    language: str = "en"


class FingerprintRecord(_Record):
    """The run's fingerprint (see :mod:`workbench.run.fingerprint`)."""

    execution: str = ""
    render: str = ""
    parts: dict[str, str] = Field(default_factory=dict)
    volatile: str = ""


class RunManifest(_Record):
    """``manifest.json`` of a run folder.

    ``status`` is ``ok``, ``failed`` (a playbook or the rendering failed) or ``interrupted``.
    A run made by rendering an earlier one again names it in ``rendered_from`` and the run
    that executed the notebooks in ``executed_in``.
    """

    run_id: str
    status: RunStatus = "ok"
    engagement: EngagementRecord | None = None
    started_at: str
    finished_at: str | None = None
    workbench_version: str = __version__
    packages: dict[str, str] = Field(default_factory=dict)
    platform: dict[str, Any] = Field(default_factory=dict)
    playbooks: list[PlaybookRun] = Field(default_factory=list)
    inputs: list[dict[str, Any]] = Field(default_factory=list)  # table, path, sheet, sha256, rows
    validation: list[dict[str, Any]] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)
    branding: BrandingRecord | None = None
    fingerprint: FingerprintRecord | None = None
    forced: bool = False
    execute_seconds: float = 0.0
    render_seconds: float = 0.0
    render_timings: dict[str, float] = Field(default_factory=dict)
    render_error: str = ""
    outputs: dict[str, str] = Field(default_factory=dict)  # name -> path in the run folder
    seconds: float = 0.0
    rendered_from: str | None = None
    executed_in: str | None = None
    rerendered_at: str | None = None

    @property
    def playbook_names(self) -> list[str]:
        """The playbooks of the run, in chapter order."""
        return [p.name for p in self.playbooks]


def _read(path: Path, missing: str) -> str:
    """The text of a file of a run folder; ``missing`` is the message if there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(missing) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None


def write_manifest(run_dir: Path, manifest: RunManifest) -> None:
    """Write ``manifest.json`` into ``run_dir`` (indented JSON, keys in declaration order).

    Parameters
    ----------
    run_dir : Path
        The run folder.
    manifest : RunManifest
    """
    data = manifest.model_dump(mode="json")
    (run_dir / MANIFEST_FILE).write_text(json.dumps(data, indent=2) + "\n")


def read_manifest(run_dir: Path) -> RunManifest:
    """Read the manifest of a run folder.

    Parameters
    ----------
    run_dir : Path
        The run folder.

    Returns
    -------
    RunManifest

    Raises
    ------
    InputError
        There is no manifest, or it is not one (the message says which field is wrong).
    """
    path = run_dir / MANIFEST_FILE
    text = _read(path, f"{run_dir}: not a run folder (no {MANIFEST_FILE})")
    try:
        return RunManifest.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(f"{path}: not a run manifest ({where}: {first['msg']})") from None


def read_findings(run_dir: Path) -> list[dict[str, Any]]:
    """Every finding of a run folder's ``findings.json`` (the schema of DESIGN.md).

    Parameters
    ----------
    run_dir : Path
        The run folder.

    Returns
    -------
    list of dict
        Most severe first, as written.

    Raises
    ------
    InputError
        The file is missing, not JSON, or not a list of findings.
    """
    path = run_dir / FINDINGS_FILE
    text = _read(path, f"{run_dir}: no {FINDINGS_FILE}")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InputError(f"{path}: expected a list of findings")
    return data


__all__ = [
    "FINDINGS_FILE",
    "MANIFEST_FILE",
    "EngagementRecord",
    "FingerprintRecord",
    "PlaybookRun",
    "RunManifest",
    "read_findings",
    "read_manifest",
    "write_manifest",
]
