"""Run playbooks on an engagement: checks first, papermill per playbook, outputs in place.

Order of work, so that bad input costs nothing and a failure never loses a deliverable:

1. read ``engagement.yaml``, resolve and type-check every playbook's parameters, load and
   validate the inputs (exit 2 on any problem, before any kernel starts);
2. execute each playbook's notebook with papermill in its own kernel, in parallel;
3. collect findings and metrics from the executed notebooks, write the register, metrics
   and reports into a temporary folder beside the final one;
4. move the folder into place and point ``latest`` at it only if every playbook passed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.engagement import LoadedEngagement, load_engagement
from workbench.errors import InputError
from workbench.io import load_inputs
from workbench.io.loader import LoadResult
from workbench.playbooks import PlaybookSpec, get_playbook, list_playbooks

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


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    status: str
    playbooks: list[PlaybookRun]
    seconds: float
    outputs: dict[str, str] = field(default_factory=dict)

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


def package_versions() -> dict[str, str]:
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
    tables = sorted({t for s in specs for t in s.inputs} | set(engagement.config.inputs))
    loaded = load_inputs(engagement, tables)
    if engagement.config.database is not None and any(s.name == "database-audit" for s in specs):
        check_database(engagement)
    if not loaded.report.ok:
        raise InputError(
            "the inputs do not pass their contracts (nothing was run):\n"
            + loaded.report.render(("error",))
        )
    return engagement, specs, params, loaded


def check_database(engagement: LoadedEngagement) -> None:
    """The client database answers (read-only) before any kernel is started."""
    from workbench.dbaudit.connect import connect

    db = engagement.config.database
    assert db is not None
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
            "to finish (or remove nothing: the lock frees itself when it ends)"
        ) from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def execute_playbook(
    spec: PlaybookSpec,
    engagement: LoadedEngagement,
    params: dict[str, Any],
    work_dir: Path,
    record: PlaybookRun,
) -> None:
    """Run one notebook with papermill; the executed (or partial) notebook is kept."""
    import papermill as pm
    from jupyter_client.manager import AsyncKernelManager
    from papermill.exceptions import PapermillExecutionError

    output = work_dir / "notebooks" / f"{spec.name}.ipynb"
    injected = {
        "engagement_dir": str(engagement.folder),
        "output_dir": str(work_dir),
    }
    injected.update({k: spec.parameters[k].notebook_value(v) for k, v in params.items()})
    started = time.perf_counter()
    log_path = work_dir / "logs" / f"{spec.name}.log"
    # Kernels talk over Unix sockets in a private folder, not over unencrypted TCP
    sockets = Path(tempfile.mkdtemp(prefix="wb-kernel-"))
    try:
        km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "k"))
        pm.execute_notebook(
            str(spec.notebook),
            str(output),
            parameters=injected,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(spec.notebook.parent),
            request_save_on_cell_execute=False,
            km=km,
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
        shutil.rmtree(sockets, ignore_errors=True)
    record.seconds = round(time.perf_counter() - started, 2)


def _redacted(spec: PlaybookSpec, params: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if spec.parameters[k].secret else v) for k, v in params.items()}


def _update_latest(base: Path, run_dir: Path) -> None:
    link = base / "latest"
    tmp = base / f".latest-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(run_dir.name)
    os.replace(tmp, link)


def render_outputs(
    run_dir: Path,
    manifest: dict[str, Any],
    formats: Sequence[str],
    validation: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """Collect results from the executed notebooks in ``run_dir`` and write every output."""
    from workbench.report.register import (
        write_findings_json,
        write_findings_xlsx,
        write_metrics_csv,
    )
    from workbench.report.render import (
        ReportMeta,
        collect_results,
        render_consolidated,
        render_playbook,
        write_pdf,
    )

    order = [p["name"] for p in manifest["playbooks"]]
    notebooks = [run_dir / "notebooks" / f"{n}.ipynb" for n in order]
    notebooks = [nb for nb in notebooks if nb.exists()]
    findings, metrics, _summaries = collect_results(notebooks)
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
    if "xlsx" in formats:
        write_findings_xlsx(findings, run_dir / "findings.xlsx", meta)
        outputs["findings.xlsx"] = "findings.xlsx"
    if "html" in formats or "pdf" in formats:
        provenance = {"inputs": manifest.get("inputs", [])}
        html = render_consolidated(notebooks, meta, validation=validation, provenance=provenance)
        if "html" in formats:
            (run_dir / "report.html").write_text(html, encoding="utf-8")
            outputs["report.html"] = "report.html"
            for nb in notebooks:
                (run_dir / f"{nb.stem}.html").write_text(
                    render_playbook(nb, meta), encoding="utf-8"
                )
                outputs[f"{nb.stem}.html"] = f"{nb.stem}.html"
        if "pdf" in formats:
            write_pdf(html, run_dir / "report.pdf")
            outputs["report.pdf"] = "report.pdf"
    return outputs


def run(
    engagement_dir: str | Path,
    *,
    playbooks: Sequence[str] | None = None,
    formats: Sequence[str] = FORMATS,
    jobs: int | None = None,
    out: str | Path | None = None,
    progress: Progress | None = _stderr,
) -> RunResult:
    """Run playbooks on one engagement (see the module docstring).

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
    engagement, specs, params, loaded = preflight(engagement_dir, playbooks)
    config = engagement.config
    base = Path(out or "reports").resolve() / config.engagement
    with engagement_lock(base):
        run_id = new_run_id(started_at)
        work = base / f".tmp-{run_id}"
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

        def job(item: tuple[PlaybookSpec, PlaybookRun]) -> PlaybookRun:
            spec, record = item
            say(f"  start {spec.name}")
            execute_playbook(spec, engagement, params[spec.name], work, record)
            if record.status == "ok":
                say(f"  done  {spec.name} in {record.seconds:.1f}s")
            else:
                cell = f" at cell {record.failed_cell}" if record.failed_cell else ""
                say(f"  FAIL  {spec.name}{cell}: {record.error}")
            return record

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(job, todo))
        status = "failed" if any(r.status == "failed" for r in records) else "ok"
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
        }
        say("  render report")
        render_started = time.perf_counter()
        try:
            outputs = render_outputs(work, manifest, formats, manifest["validation"])
        except Exception as exc:
            status = manifest["status"] = "failed"
            manifest["render_error"] = f"{type(exc).__name__}: {exc}"
            (work / "logs" / "render.log").write_text(traceback.format_exc())
            say(f"  FAIL  rendering: {manifest['render_error']}")
            outputs = {}
        manifest["render_seconds"] = round(time.perf_counter() - render_started, 2)
        _count_findings(work, records)
        manifest["playbooks"] = [vars(r) for r in records]
        manifest["outputs"] = outputs
        manifest["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        manifest["seconds"] = round(time.perf_counter() - t0, 2)
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        final = base / run_id
        os.replace(work, final)
        if status == "ok":
            _update_latest(base, final)
    return RunResult(run_id, final, status, records, manifest["seconds"], outputs)


def _database_summary(engagement: LoadedEngagement) -> dict[str, Any] | None:
    db = engagement.config.database
    if db is None:
        return None
    return {"url": db.url, "password_env": db.password_env, "rules": db.rules}


def _count_findings(run_dir: Path, records: list[PlaybookRun]) -> None:
    path = run_dir / "findings.json"
    if not path.exists():
        return
    data = json.loads(path.read_text())
    items = data["findings"] if isinstance(data, dict) else data
    for record in records:
        record.findings = sum(1 for f in items if f.get("playbook") == record.name)


def rerender(run_dir: str | Path, formats: Sequence[str] = FORMATS) -> dict[str, str]:
    """``workbench report RUN_DIR``: the deliverables again from the executed notebooks."""
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.exists():
        raise InputError(f"{run_dir}: not a run folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text())
    outputs = render_outputs(run_dir, manifest, formats, manifest.get("validation"))
    manifest["outputs"] = outputs
    manifest["rerendered_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest_path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return outputs
