"""Run playbooks on an engagement: checks first, papermill per playbook, outputs in place.

Order of work, so that bad input costs nothing and a failure never loses a deliverable:

1. read ``engagement.yaml`` and resolve every playbook's parameters; if the engagement's
   fingerprint (inputs, parameters, playbooks, library and package versions) matches the
   last successful run, stop there: that run is still current (``force`` overrides). If
   only the report templates changed, re-render that run's executed notebooks into a new
   run folder without executing anything;
2. load and validate the inputs (exit 2 on any problem, before any kernel starts);
3. execute each playbook's notebook with papermill in its own kernel, in parallel; kernels
   are started ahead of need, so that their start-up overlaps the work of others, and each
   chapter is rendered as soon as its notebook is executed;
4. collect findings and metrics from the executed notebooks, write the register, metrics
   and reports into a temporary folder beside the final one;
5. move the folder into place and point ``latest`` at it only if every playbook passed.

Kernels: see :mod:`workbench.kernels` (one per playbook, each in its own folders, forked
from a warm template process on Linux).

The fingerprint is recorded in the manifest (``fingerprint``): a SHA-256 per input file,
of the settings in ``engagement.yaml``, of the resolved parameters, of each playbook's
notebook and folder, of the library's code and of the package versions (the execution
digest), and of the report templates and rendering code (the render digest). Secret
parameters are left out of it: not even a hash of a credential reaches the manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench import __version__
from workbench.engagement import ENGAGEMENT_FILE, LoadedEngagement, load_engagement
from workbench.errors import InputError, OutputError
from workbench.kernels import TEMPLATE, PlaybookKernel
from workbench.paths import notebooks_dir, sha256_file
from workbench.playbooks import PlaybookSpec, get_playbook, list_playbooks

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from workbench.io.loader import LoadResult
    from workbench.report.document import Chapter

FORMATS = ("html", "pdf", "xlsx")
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

#: The library's code: a change to it re-executes (the package version alone does not
#: move while the library is developed in place).
LIBRARY_DIR = Path(__file__).resolve().parent
#: Rendering code, templates and stylesheet: a change to them only re-renders.
REPORT_DIR = LIBRARY_DIR / "report"
#: Files under :data:`REPORT_DIR` that do not shape an engagement's deliverables.
_NOT_RENDERING = frozenset({"templates/workbench/portfolio.html.j2"})


@dataclass
class PlaybookRun:
    """What happened to one playbook in a run."""

    name: str
    status: str = "pending"  # pending, ok, failed, skipped
    seconds: float = 0.0
    reason: str = ""
    failed_cell: int | None = None
    error: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    findings: int = 0
    kernel: str = ""  # "template" (forked from the kernel template) or "process"


@dataclass
class RunResult:
    """The outcome of :func:`run`.

    ``action`` says what the run did: ``executed`` (playbooks ran), ``rendered`` (only the
    report templates changed: the last run's notebooks were rendered again into a new run
    folder) or ``up-to-date`` (nothing changed: ``run_dir`` is the last successful run).
    """

    run_id: str
    run_dir: Path
    status: str
    playbooks: list[PlaybookRun]
    seconds: float
    outputs: dict[str, str] = field(default_factory=dict)
    action: str = "executed"
    source_run: str = ""  # for "rendered" and "up-to-date": the run whose notebooks were used
    changes: list[str] = field(default_factory=list)  # what made it execute or render again

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 3

    @property
    def report(self) -> Path | None:
        for name in ("report.html", "report.pdf"):
            if (self.run_dir / name).exists():
                return self.run_dir / name
        return None


Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@cache
def package_versions() -> dict[str, str]:
    """Python and the versions of the packages that shape a run's results."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"


def select_playbooks(
    engagement: LoadedEngagement, requested: Sequence[str] | None
) -> list[PlaybookSpec]:
    """The playbooks to run: those asked for, else the engagement's, else every one."""
    names = list(requested or engagement.config.playbooks or [s.name for s in list_playbooks()])
    specs = [get_playbook(n) for n in dict.fromkeys(names)]
    for name in engagement.config.parameters:
        get_playbook(name)  # an override for an unknown playbook is a typo worth reporting
    return specs


def resolve_parameters(
    engagement: LoadedEngagement, specs: Sequence[PlaybookSpec]
) -> dict[str, dict[str, Any]]:
    where = str(engagement.folder / "engagement.yaml")
    return {
        s.name: s.resolve_parameters(engagement.config.parameters.get(s.name), where) for s in specs
    }


def preflight(
    engagement_dir: str | Path, requested: Sequence[str] | None = None
) -> tuple[LoadedEngagement, list[PlaybookSpec], dict[str, dict[str, Any]], LoadResult]:
    """Everything that can be checked without a kernel; raises :class:`InputError`."""
    engagement = load_engagement(engagement_dir)
    specs = select_playbooks(engagement, requested)
    params = resolve_parameters(engagement, specs)
    return engagement, specs, params, _load_and_check(engagement, specs)


def _load_and_check(engagement: LoadedEngagement, specs: Sequence[PlaybookSpec]) -> LoadResult:
    from workbench.io import load_inputs  # pandas and pandera: only when inputs are read

    tables = sorted({t for s in specs for t in s.inputs} | set(engagement.config.inputs))
    loaded = load_inputs(engagement, tables)
    if engagement.config.database is not None and any(s.name == "database-audit" for s in specs):
        check_database(engagement)
    if not loaded.report.ok:
        raise InputError(
            "the inputs do not pass their contracts (nothing was run):\n"
            + loaded.report.render(("error",))
        )
    return loaded


def check_database(engagement: LoadedEngagement) -> None:
    """The client database answers (read-only) and its rules file reads, before any kernel
    is started."""
    from workbench.dbaudit.connect import connect
    from workbench.dbaudit.rules import load_rules

    db = engagement.config.database
    assert db is not None
    if db.rules:
        load_rules(engagement.resolve(db.rules, what="database rules"))
    engine = connect(
        db.url,
        base_dir=engagement.folder,
        password_env=db.password_env,
        statement_timeout_s=min(db.statement_timeout_s, 15.0),
    )
    engine.dispose()


def skip_reason(spec: PlaybookSpec, engagement: LoadedEngagement, loaded: LoadResult) -> str:
    missing = [t for t in spec.required_inputs if t not in loaded.tables]
    if missing:
        return f"the engagement does not provide {', '.join(missing)}"
    if spec.name == "database-audit" and engagement.config.database is None:
        return "engagement.yaml names no database"
    return ""


@contextlib.contextmanager
def engagement_lock(folder: Path) -> Iterator[None]:
    """One run per engagement and output folder at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / ".lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise InputError(
            f"{folder}: another run of this engagement is in progress; wait for it "
            "to finish (its lock frees itself when it ends, even if it crashes)"
        ) from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@contextlib.contextmanager
def staging(base: Path, started_at: dt.datetime) -> Iterator[tuple[str, Path]]:
    """The run id and the hidden folder a run is written into before it moves into place.

    Holds the engagement's lock throughout. What happens when the run cannot finish:

    - a write fails (a full disk, a folder made read-only): :class:`OutputError`; the
      partial folder is removed, so that it takes no space, and the runs already delivered
      and ``latest`` are untouched;
    - the run is interrupted (Ctrl-C, SIGTERM turned into an interrupt): what was executed
      is kept under the run's own name with a manifest whose status is ``interrupted``,
      and ``latest`` does not move.
    """
    work: Path | None = None
    try:
        with engagement_lock(base):
            run_id = new_run_id(started_at)
            work = base / f".tmp-{run_id}"
            try:
                yield run_id, work
            except KeyboardInterrupt:
                _keep_interrupted(work, base / run_id, run_id, started_at)
                raise
    except OSError as exc:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        raise OutputError(_write_failure(base, exc)) from None


def _write_failure(base: Path, exc: OSError) -> str:
    what = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space (or choose another --out) and run again"
    else:
        advice = "check that the reports folder is writable (or choose another --out)"
    return (
        f"the run could not be written under {base}: {what}{where}. Nothing of it was kept; "
        f"the runs already delivered and 'latest' are untouched. {advice[0].upper()}{advice[1:]}."
    )


def write_manifest(run_dir: Path, manifest: Mapping[str, Any]) -> None:
    """``manifest.json`` of a run folder (indented, dates and paths as text)."""
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")


def _keep_interrupted(work: Path, final: Path, run_id: str, started_at: dt.datetime) -> None:
    if not work.is_dir():
        return
    with contextlib.suppress(OSError, ValueError):  # a manifest cut short: leave it hidden
        manifest_path = work / "manifest.json"
        if manifest_path.exists():  # interrupted after the manifest was written
            manifest = json.loads(manifest_path.read_text())
        else:
            manifest = {"run_id": run_id, "started_at": started_at.isoformat(timespec="seconds")}
        manifest["status"] = "interrupted"
        manifest["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        write_manifest(work, manifest)
        os.replace(work, final)


# ------------------------------------------------------------------------ fingerprints


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


def _render_digest() -> str:
    files = [
        p
        for p in _files_under(REPORT_DIR)
        if p.relative_to(REPORT_DIR).as_posix() not in _NOT_RENDERING
    ]
    return _sha256_tree(REPORT_DIR, files)


_FILE_DATABASE = re.compile(r"^(sqlite|duckdb)(\+\w+)?:///(?P<path>[^?]+)")


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "execution": self.execution_digest,
            "render": self.render_digest,
            "parts": {**self.execution, **self.render},
            "volatile": self.volatile,
        }


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
    if db is not None and any(s.name == "database-audit" for s in specs):
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
    render = {"report": _render_digest()}
    return Fingerprint(execution, render, volatile)


def _changed(current: Fingerprint, previous: Mapping[str, Any]) -> list[str]:
    """The parts of ``current`` that differ from a manifest's fingerprint, in words."""
    before = previous.get("parts", {})
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


def last_successful_run(base: Path) -> tuple[Path, dict[str, Any]] | None:
    """The run ``latest`` points at under ``base`` and its manifest, if there is one."""
    link = base / "latest"
    try:
        run_dir = link.resolve(strict=True)
        manifest = json.loads((run_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("status") != "ok":
        return None
    return run_dir, manifest


def _decide(
    current: Fingerprint, last: tuple[Path, dict[str, Any]] | None, formats: Sequence[str]
) -> str:
    """``execute``, ``render`` or ``up-to-date`` (see the module docstring)."""
    if current.volatile or last is None:
        return "execute"
    run_dir, manifest = last
    previous = manifest.get("fingerprint") or {}
    if previous.get("execution") != current.execution_digest:
        return "execute"
    if previous.get("render") != current.render_digest:
        return "render"
    if not set(formats) <= set(manifest.get("formats", [])):
        return "render"
    if not all((run_dir / rel).exists() for rel in manifest.get("outputs", {}).values()):
        return "render"  # a deliverable was deleted since: make it again
    return "up-to-date"


def execute_playbook(
    spec: PlaybookSpec,
    engagement: LoadedEngagement,
    params: dict[str, Any],
    work_dir: Path,
    record: PlaybookRun,
    kernel: PlaybookKernel | None = None,
) -> NotebookNode | None:
    """Run one notebook with papermill; the executed (or partial) notebook is kept.

    Parameters
    ----------
    spec : PlaybookSpec
    engagement : LoadedEngagement
    params : dict
        The playbook's resolved parameters.
    work_dir : Path
        The run's folder (``notebooks/`` and ``logs/`` exist).
    record : PlaybookRun
        Filled in: status, seconds, failed cell, error.
    kernel : PlaybookKernel, optional
        A kernel started for this playbook, in this thread; it is left running for its
        owner to stop. By default one is started here and stopped at the end.

    Returns
    -------
    NotebookNode or None
        The executed notebook, when it ran to the end.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    output = work_dir / "notebooks" / f"{spec.name}.ipynb"
    injected = {
        "engagement_dir": str(engagement.folder),
        "output_dir": str(work_dir),
    }
    # A secret is never injected: papermill writes what it injects into the notebook (the
    # working paper); the session reads secrets from the engagement itself.
    injected.update(
        {
            k: spec.parameters[k].notebook_value(v)
            for k, v in params.items()
            if not spec.parameters[k].secret
        }
    )
    started = time.perf_counter()
    log_path = work_dir / "logs" / f"{spec.name}.log"
    own: tempfile.TemporaryDirectory[str] | None = None
    executed = None
    try:
        if kernel is None:
            own = tempfile.TemporaryDirectory(prefix="wb-")
            kernel = PlaybookKernel.start(
                Path(own.name), work_dir / "logs" / f"{spec.name}.kernel.log"
            )
        record.kernel = kernel.kind
        executed = pm.execute_notebook(
            str(spec.notebook),
            str(output),
            parameters=injected,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            km=kernel.km,
        )
        record.status = "ok"
    except PapermillExecutionError as exc:
        record.status = "failed"
        record.failed_cell = exc.exec_count
        record.error = f"{exc.ename}: {exc.evalue}".strip()
        log_path.write_text("".join(exc.traceback) if exc.traceback else record.error)
    except Exception as exc:  # a kernel that died, a notebook that cannot be read
        record.status = "failed"
        record.error = f"{type(exc).__name__}: {exc}"
        log_path.write_text(traceback.format_exc())
    finally:
        if own is not None:
            if kernel is not None:
                kernel.stop()
            own.cleanup()
    record.seconds = round(time.perf_counter() - started, 2)
    return executed


def _redacted(spec: PlaybookSpec, params: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if spec.parameters[k].secret else v) for k, v in params.items()}


def _update_latest(base: Path, run_dir: Path) -> None:
    link = base / "latest"
    tmp = base / f".latest-{os.getpid()}-{threading.get_ident()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(run_dir.name)
    os.replace(tmp, link)


# --------------------------------------------------------------------------- rendering

#: Anchors the report document itself uses (as in :mod:`workbench.report.render`).
_RESERVED_ANCHORS = frozenset({"cover", "contents", "executive-summary", "appendix"})


def chapter_anchors(names: Sequence[str]) -> dict[str, str]:
    """Unique chapter anchors for playbooks, the same as the consolidated report uses."""
    from workbench.report.markup import slugify

    anchors: dict[str, str] = {}
    for name in names:
        base = slugify(name)
        anchor, n = base, 2
        while anchor in anchors.values() or anchor in _RESERVED_ANCHORS:
            anchor, n = f"{base}-{n}", n + 1
        anchors[name] = anchor
    return anchors


def render_chapter(notebook: NotebookNode, anchor: str) -> Chapter:
    """One executed notebook as a report chapter (rendered once, used by every document)."""
    from workbench.report.exporters import WorkbenchHTMLExporter

    return WorkbenchHTMLExporter().render_chapter(notebook, chapter_id=anchor)


def render_outputs(
    run_dir: Path,
    manifest: dict[str, Any],
    formats: Sequence[str],
    validation: list[dict[str, Any]] | None = None,
    chapters: Mapping[str, Chapter] | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, str]:
    """Collect results from the executed notebooks in ``run_dir`` and write every output.

    Each chapter is rendered once and used in ``report.html``, ``report.pdf`` and its
    ``<playbook>.html``.

    Parameters
    ----------
    run_dir : Path
        A run folder with ``notebooks/``.
    manifest : dict
        The run's manifest (engagement, run id, playbooks in order, inputs).
    formats : sequence of str
        Among ``html``, ``pdf``, ``xlsx``.
    validation : list of dict, optional
        Validation messages for the appendix.
    chapters : mapping, optional
        Chapters already rendered, by playbook; the others are rendered here.
    timings : dict, optional
        Filled with the seconds spent per step (``chapters``, ``html``, ``pdf``, ``xlsx``).

    Returns
    -------
    dict
        Output name to path relative to ``run_dir``.
    """
    import nbformat

    from workbench.report.document import render_document
    from workbench.report.register import (
        write_findings_json,
        write_findings_xlsx,
        write_metrics_csv,
    )
    from workbench.report.render import ReportMeta, collect_results, write_pdf
    from workbench.report.summary import build_summary, findings_from_bundle, playbook_summary

    clock = timings if timings is not None else {}

    def lap(step: str, since: float) -> float:
        now = time.perf_counter()
        clock[step] = round(clock.get(step, 0.0) + now - since, 3)
        return now

    t = time.perf_counter()
    order = [p["name"] for p in manifest["playbooks"]]
    paths = {n: run_dir / "notebooks" / f"{n}.ipynb" for n in order}
    nodes = {n: nbformat.read(str(p), as_version=4) for n, p in paths.items() if p.exists()}
    findings, metrics, _summaries = collect_results(list(nodes.values()))
    eng = manifest["engagement"]
    meta = ReportMeta(
        client=eng["client"],
        engagement=eng["engagement"],
        period_start=eng["period"]["start"],
        period_end=eng["period"]["end"],
        currency=eng["currency"],
        run_id=manifest["run_id"],
        generated_at=manifest["finished_at"] or manifest["started_at"],
        version=__version__,
    )
    outputs: dict[str, str] = {}
    write_findings_json(findings, run_dir / "findings.json")
    write_metrics_csv(metrics, run_dir / "metrics.csv")
    outputs["findings.json"] = "findings.json"
    outputs["metrics.csv"] = "metrics.csv"
    t = lap("register", t)
    if "xlsx" in formats:
        write_findings_xlsx(findings, run_dir / "findings.xlsx", meta)
        outputs["findings.xlsx"] = "findings.xlsx"
        t = lap("xlsx", t)
    if "html" not in formats and "pdf" not in formats:
        return outputs
    anchors = chapter_anchors(list(nodes))
    ready = dict(chapters or {})
    rendered = []
    for name, nb in nodes.items():
        chapter = ready.get(name)
        if chapter is None or chapter.chapter_id != anchors[name]:
            chapter = render_chapter(nb, anchors[name])
        rendered.append(chapter)
    t = lap("chapters", t)
    summaries = [playbook_summary(c.results, c.title, c.chapter_id) for c in rendered]
    summary = build_summary(
        [f for c in rendered for f in findings_from_bundle(c.results)], summaries
    )
    html = render_document(
        meta,
        rendered,
        title="Audit report",
        kicker="Consolidated report",
        summary=summary,
        validation=validation,
        provenance={"inputs": manifest.get("inputs", [])},
    )
    if "html" in formats:
        (run_dir / "report.html").write_text(html, encoding="utf-8")
        outputs["report.html"] = "report.html"
        for name, chapter, one in zip(nodes, rendered, summaries, strict=True):
            document = render_document(
                meta,
                [chapter],
                title=chapter.title or "Audit report",
                summary=build_summary(findings_from_bundle(chapter.results), [one]),
            )
            (run_dir / f"{name}.html").write_text(document, encoding="utf-8")
            outputs[f"{name}.html"] = f"{name}.html"
    t = lap("html", t)
    if "pdf" in formats:
        write_pdf(html, run_dir / "report.pdf")
        outputs["report.pdf"] = "report.pdf"
        lap("pdf", t)
    return outputs


# --------------------------------------------------------------------------------- run


def run(
    engagement_dir: str | Path,
    *,
    playbooks: Sequence[str] | None = None,
    formats: Sequence[str] = FORMATS,
    jobs: int | None = None,
    out: str | Path | None = None,
    progress: Progress | None = _stderr,
    force: bool = False,
) -> RunResult:
    """Run playbooks on one engagement (see the module docstring).

    Parameters
    ----------
    engagement_dir : str or Path
        The engagement folder.
    playbooks : sequence of str, optional
        Only these playbooks (default: the engagement's, else every one).
    formats : sequence of str
        Among ``html``, ``pdf``, ``xlsx``.
    jobs : int, optional
        Playbooks executed at a time (default: the cores).
    out : str or Path, optional
        The reports folder (default ``./reports``).
    progress : callable, optional
        Receives one line per step; ``None`` for silence.
    force : bool
        Execute even if nothing changed since the last successful run.

    Returns
    -------
    RunResult

    Raises
    ------
    InputError
        Bad engagement, parameters or inputs; nothing was executed and nothing changed.
    """
    say = progress or (lambda _m: None)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise InputError(f"unknown format(s) {', '.join(unknown)}; use {', '.join(FORMATS)}")
    started_at = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    engagement = load_engagement(engagement_dir)
    specs = select_playbooks(engagement, playbooks)
    params = resolve_parameters(engagement, specs)
    config = engagement.config
    base = Path(out or "reports").resolve() / config.engagement
    current = fingerprint(engagement, specs, params)
    last = last_successful_run(base)
    decision = "execute" if force else _decide(current, last, formats)
    previous = last[1].get("fingerprint") if last else None
    changes = _changed(current, previous) if previous else []
    if decision == "up-to-date":
        assert last is not None
        return _up_to_date(last, time.perf_counter() - t0, say)
    if decision == "render":
        assert last is not None
        return _render_again(base, last, current, formats, started_at, t0, changes, say)
    if current.volatile and not force:
        say(f"  {current.volatile}")
    elif last is not None and changes and not force:
        say(f"  changed since run {last[1]['run_id']}: {'; '.join(changes[:5])}")
    TEMPLATE.start()  # its imports overlap the checks below; it never reads the engagement
    loaded = _load_and_check(engagement, specs)
    with staging(base, started_at) as (run_id, work):
        (work / "notebooks").mkdir(parents=True)
        (work / "logs").mkdir()
        records = [PlaybookRun(s.name, parameters=_redacted(s, params[s.name])) for s in specs]
        todo = []
        for spec, record in zip(specs, records, strict=True):
            reason = skip_reason(spec, engagement, loaded)
            if reason:
                record.status, record.reason = "skipped", reason
                say(f"  skip  {spec.name}: {reason}")
            else:
                todo.append((spec, record))
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
        say(
            f"Running {len(todo)} playbook(s) on {config.client} ({config.engagement}) "
            f"with {workers} worker(s)"
        )
        want_chapters = "html" in formats or "pdf" in formats
        chapters = _execute_all(todo, engagement, params, work, workers, say, render=want_chapters)
        status = "failed" if any(r.status == "failed" for r in records) else "ok"
        execute_seconds = round(time.perf_counter() - t0, 2)
        manifest: dict[str, Any] = {
            "run_id": run_id,
            "status": status,
            "engagement": {
                "client": config.client,
                "engagement": config.engagement,
                "period": {
                    "start": config.period.start.isoformat(),
                    "end": config.period.end.isoformat(),
                },
                "currency": config.currency,
                "folder": str(engagement.folder),
                "database": _database_summary(engagement),
            },
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": None,
            "workbench_version": __version__,
            "packages": package_versions(),
            "platform": {
                "system": platform.system(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
            },
            "playbooks": [vars(r) for r in records],
            "inputs": loaded.provenance,
            "validation": [i.to_dict() for i in loaded.report.issues if i.level != "info"],
            "formats": list(formats),
            "fingerprint": current.to_dict(),
            "forced": force,
        }
        say("  render report")
        manifest["execute_seconds"] = execute_seconds
        outputs = _render_into(work, manifest, formats, chapters, say)
        _count_findings(work, records)
        _drop_empty_logs(work / "logs")
        manifest["playbooks"] = [vars(r) for r in records]
        final = _move_into_place(work, base, run_id, manifest, t0)
    return RunResult(
        run_id, final, manifest["status"], records, manifest["seconds"], outputs, changes=changes
    )


def _render_into(
    work: Path,
    manifest: dict[str, Any],
    formats: Sequence[str],
    chapters: Mapping[str, Chapter] | None,
    say: Progress,
) -> dict[str, str]:
    """Render the deliverables into ``work``; a rendering failure fails the run.

    An :class:`OSError` (the disk is full) is not a rendering failure: it ends the run
    (see :func:`staging`), because nothing more could be written anyway.
    """
    render_started = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        outputs = render_outputs(
            work, manifest, formats, manifest.get("validation"), chapters, timings
        )
    except OSError:
        raise
    except Exception as exc:
        manifest["status"] = "failed"
        manifest["render_error"] = f"{type(exc).__name__}: {exc}"
        (work / "logs" / "render.log").write_text(traceback.format_exc())
        say(f"  FAIL  rendering: {manifest['render_error']}")
        outputs = {}
    manifest["render_seconds"] = round(time.perf_counter() - render_started, 2)
    manifest["render_timings"] = timings
    manifest["outputs"] = outputs
    return outputs


def _move_into_place(
    work: Path, base: Path, run_id: str, manifest: dict[str, Any], t0: float
) -> Path:
    """Write the manifest, move the run folder into place, and point ``latest`` at it
    if the run succeeded."""
    manifest["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest["seconds"] = round(time.perf_counter() - t0, 2)
    write_manifest(work, manifest)
    final = base / run_id
    os.replace(work, final)
    if manifest["status"] == "ok":
        _update_latest(base, final)
    return final


def _execute_all(
    todo: Sequence[tuple[PlaybookSpec, PlaybookRun]],
    engagement: LoadedEngagement,
    params: Mapping[str, dict[str, Any]],
    work: Path,
    workers: int,
    say: Progress,
    *,
    render: bool,
) -> dict[str, Chapter]:
    """Execute the playbooks, ``workers`` at a time, each in a thread with its own kernel.

    Up to ``workers`` further kernels are started ahead of need, so that a playbook finds
    its kernel ready when a worker frees up. Each chapter is rendered as soon as its
    notebook is executed, while the kernels of others run.
    """
    if not todo:
        return {}
    root = Path(tempfile.mkdtemp(prefix="wb-"))  # private folders of this run's kernels
    alive = threading.BoundedSemaphore(min(len(todo), 2 * workers))
    running = threading.BoundedSemaphore(workers)
    kernels: dict[str, PlaybookKernel] = {}
    chapters: dict[str, Chapter] = {}
    anchors = chapter_anchors([spec.name for spec, _ in todo]) if render else {}
    cancelled = threading.Event()

    def job(spec: PlaybookSpec, record: PlaybookRun) -> None:
        executed = None
        try:
            with alive:
                if cancelled.is_set():
                    record.status, record.error = "failed", "interrupted"
                    return
                log = work / "logs" / f"{spec.name}.kernel.log"
                try:
                    kernel = PlaybookKernel.start(root / spec.name, log)
                except Exception as exc:
                    record.status = "failed"
                    record.error = f"the kernel did not start: {type(exc).__name__}: {exc}"
                    (work / "logs" / f"{spec.name}.log").write_text(traceback.format_exc())
                    say(f"  FAIL  {spec.name}: {record.error}")
                    return
                kernels[spec.name] = kernel
                try:
                    with running:
                        say(f"  start {spec.name}")
                        executed = execute_playbook(
                            spec, engagement, params[spec.name], work, record, kernel
                        )
                finally:
                    kernel.stop()
                    kernels.pop(spec.name, None)
                    shutil.rmtree(root / spec.name, ignore_errors=True)
            if record.status == "ok":
                say(f"  done  {spec.name} in {record.seconds:.1f}s")
            else:
                cell = f" at cell {record.failed_cell}" if record.failed_cell else ""
                say(f"  FAIL  {spec.name}{cell}: {record.error}")
            if render and executed is not None:
                with contextlib.suppress(Exception):  # rendering again later says what failed
                    chapters[spec.name] = render_chapter(executed, anchors[spec.name])
        except Exception as exc:  # never let a thread die silently
            record.status = "failed"
            record.error = record.error or f"{type(exc).__name__}: {exc}"

    threads = [
        threading.Thread(target=job, args=item, name=f"playbook-{item[0].name}", daemon=True)
        for item in todo
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    except BaseException:
        # Interrupted: stop the kernels so that the threads end promptly
        cancelled.set()
        for kernel in list(kernels.values()):
            kernel.kill()
        deadline = time.monotonic() + 5.0
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        raise
    finally:
        # Even when interrupted: a kernel still stopping finds its folder gone, and that is fine
        shutil.rmtree(root, ignore_errors=True)
    return chapters


def _up_to_date(last: tuple[Path, dict[str, Any]], seconds: float, say: Progress) -> RunResult:
    run_dir, manifest = last
    say(f"Up to date: nothing changed since run {manifest['run_id']} (use --force to run again)")
    return RunResult(
        manifest["run_id"],
        run_dir,
        "ok",
        _records(manifest),
        round(seconds, 2),
        dict(manifest.get("outputs", {})),
        action="up-to-date",
        source_run=manifest["run_id"],
    )


def _records(manifest: Mapping[str, Any]) -> list[PlaybookRun]:
    known = {f.name for f in fields(PlaybookRun)}
    return [
        PlaybookRun(**{k: v for k, v in p.items() if k in known}) for p in manifest["playbooks"]
    ]


def _render_again(
    base: Path,
    last: tuple[Path, dict[str, Any]],
    current: Fingerprint,
    formats: Sequence[str],
    started_at: dt.datetime,
    t0: float,
    changes: list[str],
    say: Progress,
) -> RunResult:
    """Only the report templates changed: render the last run's notebooks into a new run.

    The previous run folder stays as it was delivered; the new one holds copies of its
    executed notebooks and logs and says where they come from (``rendered_from``).
    """
    source, previous = last
    say(f"Rendering run {previous['run_id']} again (report templates changed; nothing to execute)")
    with staging(base, started_at) as (run_id, work):
        work.mkdir(parents=True)
        for folder in ("notebooks", "logs"):
            if (source / folder).is_dir():
                shutil.copytree(source / folder, work / folder)
            else:
                (work / folder).mkdir()
        manifest = json.loads(json.dumps(previous))
        manifest.update(
            {
                "run_id": run_id,
                "started_at": started_at.isoformat(timespec="seconds"),
                "finished_at": None,
                "formats": list(formats),
                "fingerprint": current.to_dict(),
                "rendered_from": previous["run_id"],
                "executed_in": previous.get("executed_in") or previous["run_id"],
                "forced": False,
            }
        )
        manifest["status"] = "ok"
        manifest["execute_seconds"] = 0.0
        outputs = _render_into(work, manifest, formats, None, say)
        final = _move_into_place(work, base, run_id, manifest, t0)
    return RunResult(
        run_id,
        final,
        manifest["status"],
        _records(manifest),
        manifest["seconds"],
        outputs,
        action="rendered",
        source_run=previous["run_id"],
        changes=changes,
    )


def _database_summary(engagement: LoadedEngagement) -> dict[str, Any] | None:
    db = engagement.config.database
    if db is None:
        return None
    from workbench.dburl import redact_url

    return {"url": redact_url(db.url), "password_env": db.password_env, "rules": db.rules}


def _count_findings(run_dir: Path, records: list[PlaybookRun]) -> None:
    path = run_dir / "findings.json"
    if not path.exists():
        return
    data = json.loads(path.read_text())
    items = data["findings"] if isinstance(data, dict) else data
    for record in records:
        record.findings = sum(1 for f in items if f.get("playbook") == record.name)


def _drop_empty_logs(folder: Path) -> None:
    for path in folder.glob("*.kernel.log"):
        with contextlib.suppress(OSError):
            if path.stat().st_size == 0:
                path.unlink()


def rerender(run_dir: str | Path, formats: Sequence[str] = FORMATS) -> dict[str, str]:
    """``workbench report RUN_DIR``: the deliverables again from the executed notebooks.

    The outputs are written in place; the manifest records the templates they were
    rendered with, so that the next run of the engagement knows they are current.
    """
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.exists():
        raise InputError(f"{run_dir}: not a run folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text())
    outputs = render_outputs(run_dir, manifest, formats, manifest.get("validation"))
    manifest["outputs"] = outputs
    manifest["formats"] = list(formats)
    manifest["rerendered_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if isinstance(manifest.get("fingerprint"), dict):
        render = {"report": _render_digest()}
        manifest["fingerprint"]["render"] = _sha256_json(render)
        manifest["fingerprint"].setdefault("parts", {}).update(render)
    write_manifest(run_dir, manifest)
    return outputs
