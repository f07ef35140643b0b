"""What a run's results depend on, and whether the last run is still current.

The fingerprint of a run is a SHA-256 per input file, of the settings in
``engagement.yaml``, of the resolved parameters, of each playbook's folder and notebook, of
the library's code and of the package versions (together the *execution* digest), and of the
report templates and rendering code (the *render* digest). It is recorded in the manifest;
the next run compares its own with the one of the run ``latest`` points at
(:func:`decide`): nothing changed, the run is up to date; only the render digest changed,
the last run's notebooks are rendered again; otherwise the playbooks execute.

Secret parameters are left out: not even a hash of a credential reaches the manifest. An
engagement whose data lives outside its folder (a database server named in ``database:``
by a playbook that ``requires: [database]``) is *volatile*: it executes on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from workbench import __version__
from workbench.engagement import ENGAGEMENT_FILE, LoadedEngagement
from workbench.errors import InputError
from workbench.paths import notebooks_dir, sha256_file
from workbench.playbooks import PlaybookSpec, get_playbook
from workbench.report.branding import branding_digest, branding_source
from workbench.run.manifest import FingerprintRecord, RunManifest

#: The library's code: a change to it re-executes (the package version alone does not
#: move while the library is developed in place).
LIBRARY_DIR = Path(__file__).resolve().parent.parent
#: Rendering code, templates and stylesheet: a change to them only re-renders.
REPORT_DIR = LIBRARY_DIR / "report"
#: Files under :data:`REPORT_DIR` that do not shape an engagement's deliverables.
_NOT_RENDERING = frozenset({"templates/workbench/portfolio.html.j2"})
#: Packages whose versions shape a run's results.
_PACKAGES = (
    "audit-workbench",
    "pandas",
    "numpy",
    "scipy",
    "pandera",
    "papermill",
    "nbconvert",
    "weasyprint",
    "sqlalchemy",
    "duckdb",
    "openpyxl",
    "matplotlib",
    "seaborn",
)
_FILE_DATABASE = re.compile(r"^(sqlite|duckdb)(\+\w+)?:///(?P<path>[^?]+)")

Decision = Literal["execute", "render", "up-to-date"]


@cache
def package_versions() -> dict[str, str]:
    """Python and the versions of the packages that shape a run's results."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _sha256_tree(root: Path, files: Sequence[Path]) -> str:
    """One digest over files (their paths relative to ``root`` and their bytes)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def _sha256_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _files_under(root: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    return [
        p
        for p in root.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and (suffixes is None or p.suffix in suffixes)
    ]


def _library_digest() -> str:
    files = [p for p in _files_under(LIBRARY_DIR, (".py",)) if REPORT_DIR not in p.parents]
    return _sha256_tree(LIBRARY_DIR, files)


def _rendering_files() -> list[Path]:
    return [
        p
        for p in _files_under(REPORT_DIR)
        if p.relative_to(REPORT_DIR).as_posix() not in _NOT_RENDERING
    ]


def _render_parts(branding: Path | None) -> dict[str, str]:
    return {
        "report": _sha256_tree(REPORT_DIR, _rendering_files()),
        "branding": branding_digest(branding),
    }


def refresh_render(record: FingerprintRecord, branding: Path | None) -> None:
    """Set the render digest of a manifest's fingerprint to the current templates' and
    branding's (after ``workbench report`` rendered a run again with them)."""
    parts = _render_parts(branding)
    record.render = _sha256_json(parts)
    record.parts = {**record.parts, **parts}


@dataclass
class Fingerprint:
    """What a run's results depend on, part by part (see the module docstring).

    ``volatile`` is set when part of the engagement lives outside its folder (a database
    server): such an engagement is executed on every run.
    """

    execution: dict[str, str]
    render: dict[str, str]
    volatile: str = ""

    @property
    def execution_digest(self) -> str:
        return _sha256_json(self.execution)

    @property
    def render_digest(self) -> str:
        return _sha256_json(self.render)

    def record(self) -> FingerprintRecord:
        """The fingerprint as the manifest keeps it."""
        return FingerprintRecord(
            execution=self.execution_digest,
            render=self.render_digest,
            parts={**self.execution, **self.render},
            volatile=self.volatile,
        )


def fingerprint(
    engagement: LoadedEngagement,
    specs: Sequence[PlaybookSpec],
    params: Mapping[str, Mapping[str, Any]],
) -> Fingerprint:
    """The fingerprint of a run of ``specs`` on ``engagement`` with ``params``.

    Parameters
    ----------
    engagement : LoadedEngagement
        The parsed engagement.
    specs : sequence of PlaybookSpec
        The playbooks selected for the run, in order.
    params : mapping
        Their resolved parameters (hashed; secret ones are left out).

    Returns
    -------
    Fingerprint
        An input file that cannot be read makes the fingerprint volatile (the run goes on
        and the checks say what is wrong with the file).
    """
    folder = engagement.folder
    config = engagement.config
    execution: dict[str, str] = {}
    volatile = ""

    def add_file(key: str, path: Path) -> None:
        nonlocal volatile
        try:
            execution[key] = sha256_file(path)
        except OSError as exc:
            volatile = volatile or f"{path} cannot be read ({exc.strerror})"

    # engagement.yaml as parsed (comments and layout do not matter), secrets left out
    settings = config.model_dump(mode="json")
    settings.pop("branding", None)  # only the rendering depends on it (see the render parts)
    for playbook, values in settings.get("parameters", {}).items():
        declared = get_playbook(playbook).parameters
        for name in list(values):
            if name in declared and declared[name].secret:
                values[name] = "***"
    execution[ENGAGEMENT_FILE] = _sha256_json(settings)
    for table in config.inputs:
        try:
            path = engagement.input_path(table)
        except InputError as exc:
            volatile = volatile or str(exc)
            continue
        add_file(f"input:{path.relative_to(folder).as_posix()}", path)
    db = config.database
    if db is not None and any(s.needs("database") for s in specs):
        if db.rules:
            add_file(f"input:{db.rules}", engagement.resolve(db.rules, what="database rules"))
        match = _FILE_DATABASE.match(db.url)
        if match:
            path = Path(match["path"]).expanduser()
            add_file(f"database:{match['path']}", path if path.is_absolute() else folder / path)
        else:
            volatile = volatile or (
                "the client database is a server outside the engagement folder: "
                "it is audited again on every run"
            )
    for spec in specs:
        digest = hashlib.sha256(_sha256_tree(spec.folder, _files_under(spec.folder)).encode())
        digest.update(sha256_file(spec.notebook).encode() if spec.notebook.exists() else b"-")
        execution[f"playbook:{spec.name}"] = digest.hexdigest()
    helpers = notebooks_dir()
    execution["notebook-modules"] = _sha256_tree(
        helpers, [p for p in helpers.glob("*.py") if p.is_file()] if helpers.exists() else []
    )
    execution["playbooks"] = _sha256_json([s.name for s in specs])
    # Secrets (credentials) are left out: even a hash of one must not reach the manifest
    execution["parameters"] = _sha256_json(
        {
            spec.name: {
                k: v
                for k, v in params.get(spec.name, {}).items()
                if not (k in spec.parameters and spec.parameters[k].secret)
            }
            for spec in specs
        }
    )
    execution["library"] = _library_digest()
    execution["versions"] = _sha256_json({"workbench": __version__, **package_versions()})
    branding = branding_source(folder, config.branding)
    return Fingerprint(execution, _render_parts(branding), volatile)


def changed(current: Fingerprint, previous: FingerprintRecord) -> list[str]:
    """The parts of ``current`` that differ from a manifest's fingerprint, in words
    (``input inputs/projects.csv changed``, ``parameters changed``)."""
    before = previous.parts
    now = {**current.execution, **current.render}
    names = sorted(k for k in now.keys() | before.keys() if now.get(k) != before.get(k))
    words = []
    for name in names:
        kind, _, what = name.partition(":")
        if what:
            state = "added" if name not in before else "removed" if name not in now else "changed"
            words.append(f"{kind} {what} {state}")
        else:
            words.append(f"{name} changed")
    return words


def decide(
    current: Fingerprint, last: tuple[Path, RunManifest] | None, formats: Sequence[str]
) -> Decision:
    """What a run has to do, given the last successful run (see the module docstring).

    Parameters
    ----------
    current : Fingerprint
        The fingerprint of the run asked for.
    last : (Path, RunManifest), optional
        The run ``latest`` points at and its manifest.
    formats : sequence of str
        The formats asked for: one the last run did not write is rendered.

    Returns
    -------
    str
        ``execute``, ``render`` or ``up-to-date``.
    """
    if current.volatile or last is None:
        return "execute"
    run_dir, manifest = last
    previous = manifest.fingerprint or FingerprintRecord()
    if previous.execution != current.execution_digest:
        return "execute"
    if previous.render != current.render_digest:
        return "render"
    if not set(formats) <= set(manifest.formats):
        return "render"
    if not all((run_dir / rel).exists() for rel in manifest.outputs.values()):
        return "render"  # a deliverable was deleted since: make it again
    return "up-to-date"


__all__ = [
    "LIBRARY_DIR",
    "REPORT_DIR",
    "Fingerprint",
    "changed",
    "decide",
    "fingerprint",
    "package_versions",
    "refresh_render",
]
