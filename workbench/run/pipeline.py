"""``workbench run``: decide, check, execute, render, move into place.

The order of work, so that bad input costs nothing and a failure never loses a deliverable:

1. **Decide** (:mod:`.fingerprint`). Read ``engagement.yaml`` and resolve every playbook's
   parameters (:mod:`.plan`); if the engagement's fingerprint matches the last successful
   run, stop there: that run is still current (``force`` overrides). If only the report
   templates changed, render that run's executed notebooks into a new run folder without
   executing anything.
2. **Check** (:mod:`.plan`). Load and validate the inputs and what the playbooks require
   (exit 2 on any problem, before any kernel starts).
3. **Execute** (:mod:`.execute`). Each playbook's notebook runs with papermill in its own
   kernel, in parallel; each chapter is rendered as soon as its notebook is executed.
4. **Render and move into place** (:func:`workbench.report.render_run`, :mod:`.staging`).
   Register, metrics and every format asked for are written into a hidden folder beside
   the final one, which is renamed into place; ``latest`` moves only if every playbook
   passed.

``workbench report RUN_DIR`` is :func:`rerender`: step 4 alone, in place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.engagement import LoadedEngagement
from workbench.errors import Failure, InputError, PlaybookFailed
from workbench.kernels import TEMPLATE
from workbench.playbooks import PlaybookSpec
from workbench.run.execute import execute_all
from workbench.run.fingerprint import (
    Fingerprint,
    changed,
    decide,
    fingerprint,
    package_versions,
    refresh_render,
)
from workbench.run.manifest import (
    BrandingRecord,
    EngagementRecord,
    Period,
    PlaybookRun,
    RunManifest,
    read_findings,
    read_manifest,
    write_manifest,
)
from workbench.run.plan import load_and_check, plan_run, skip_reason
from workbench.run.staging import (
    Stage,
    check_owner,
    last_successful_run,
    move_into_place,
    protect,
    run_modes,
    staging,
)

if TYPE_CHECKING:
    from workbench.report.document import Chapter

Progress = Callable[[str], None]


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
    render_error: str = ""

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else PlaybookFailed.exit_code

    @property
    def report(self) -> Path | None:
        for name in ("report.html", "report.pdf"):
            if (self.run_dir / name).exists():
                return self.run_dir / name
        return None

    def raise_for_status(self) -> None:
        """Raise :class:`PlaybookFailed` if a playbook or the rendering failed."""
        if self.status == "ok":
            return
        failures = [
            Failure(p.name, p.error, p.failed_cell, self.run_dir / "notebooks" / f"{p.name}.ipynb")
            for p in self.playbooks
            if p.status == "failed"
        ]
        raise PlaybookFailed(failures, self.run_dir, self.render_error)

    @classmethod
    def of(
        cls, run_dir: Path, manifest: RunManifest, seconds: float | None = None, **extra: Any
    ) -> RunResult:
        """The result of the run recorded in ``manifest`` (``seconds``: its run time)."""
        return cls(
            manifest.run_id,
            run_dir,
            manifest.status,
            manifest.playbooks,
            manifest.seconds if seconds is None else seconds,
            dict(manifest.outputs),
            render_error=manifest.render_error,
            **extra,
        )


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _checked_formats(formats: Sequence[str] | None) -> list[str]:
    from workbench.report.outputs import default_formats, selected_formats

    chosen = list(formats) if formats is not None else default_formats()
    selected_formats(chosen)  # an unknown one is refused before anything runs
    return chosen


def run(
    engagement_dir: str | Path,
    *,
    playbooks: Sequence[str] | None = None,
    formats: Sequence[str] | None = None,
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
    formats : sequence of str, optional
        Registered output formats (default: :func:`~workbench.report.outputs.default_formats`).
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
        A failed playbook is a result (``status`` ``failed``), not an exception: see
        :meth:`RunResult.raise_for_status`.

    Raises
    ------
    InputError
        Bad engagement, parameters or inputs; nothing was executed and nothing changed.
    OutputError
        The run could not be written; nothing of it was kept.
    """
    say = progress or (lambda _m: None)
    formats = _checked_formats(formats)
    run_modes()  # a bad WORKBENCH_RUN_MODE is refused before anything runs
    started_at = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    plan = plan_run(engagement_dir, playbooks)
    engagement, specs, params = plan.engagement, plan.specs, plan.params
    config = engagement.config
    base = Path(out or "reports").resolve() / config.engagement
    check_owner(base, engagement)
    branding = branding_record(engagement)  # a bad branding file stops the run here
    current = fingerprint(engagement, specs, params)
    last = last_successful_run(base)
    decision = "execute" if force else decide(current, last, formats)
    previous = last[1].fingerprint if last else None
    changes = changed(current, previous) if previous else []
    if decision == "up-to-date":
        assert last is not None
        run_dir, manifest = last
        say(f"Up to date: nothing changed since run {manifest.run_id} (use --force to run again)")
        return RunResult.of(
            run_dir,
            manifest,
            seconds=round(time.perf_counter() - t0, 2),
            action="up-to-date",
            source_run=manifest.run_id,
        )
    if decision == "render":
        assert last is not None
        return _render_again(engagement, base, last, current, formats, started_at, t0, changes, say)
    if current.volatile and not force:
        say(f"  {current.volatile}")
    elif last is not None and changes and not force:
        say(f"  changed since run {last[1].run_id}: {'; '.join(changes[:5])}")
    TEMPLATE.start()  # its imports overlap the checks below; it never reads the engagement
    loaded = load_and_check(engagement, specs)
    with staging(base, engagement, started_at) as stage:
        work, manifest = stage.work, stage.manifest
        (work / "notebooks").mkdir()
        (work / "logs").mkdir()
        manifest.engagement = _engagement_record(engagement)
        manifest.packages = package_versions()
        manifest.platform = {
            "system": platform.system(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        }
        manifest.playbooks = [
            PlaybookRun(name=s.name, parameters=_redacted(s, params[s.name])) for s in specs
        ]
        manifest.inputs = loaded.provenance
        manifest.validation = [i.to_dict() for i in loaded.report.issues if i.level != "info"]
        manifest.formats = formats
        manifest.branding = branding
        manifest.fingerprint = current.record()
        manifest.forced = force
        records = manifest.playbooks
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
        want_chapters = _needs_chapters(formats)
        chapters = execute_all(todo, engagement, params, work, workers, say, render=want_chapters)
        manifest.status = "failed" if any(r.status == "failed" for r in records) else "ok"
        manifest.execute_seconds = round(time.perf_counter() - t0, 2)
        say("  render report")
        _render_into(stage, formats, chapters, say)
        _count_findings(work, records)
        _drop_empty_logs(work / "logs")
        final = _finish(stage, t0)
    return RunResult.of(final, manifest, changes=changes)


def _needs_chapters(formats: Sequence[str]) -> bool:
    from workbench.report.outputs import selected_formats

    return any(f.needs_chapters for f in selected_formats(formats))


def _finish(stage: Stage, t0: float) -> Path:
    stage.manifest.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    stage.manifest.seconds = round(time.perf_counter() - t0, 2)
    return move_into_place(stage)


def _render_into(
    stage: Stage,
    formats: Sequence[str],
    chapters: Mapping[str, Chapter] | None,
    say: Progress,
) -> None:
    """Render the deliverables into the staged run; a rendering failure fails the run.

    An :class:`OSError` (the disk is full) is not a rendering failure: it ends the run
    (see :func:`~workbench.run.staging.staging`), because nothing more could be written.
    """
    from workbench.report.render import render_run

    manifest = stage.manifest
    render_started = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        outputs = render_run(stage.work, manifest, formats, chapters, timings)
    except OSError:
        raise
    except Exception as exc:
        manifest.status = "failed"
        manifest.render_error = f"{type(exc).__name__}: {exc}"
        (stage.work / "logs" / "render.log").write_text(traceback.format_exc())
        say(f"  FAIL  rendering: {manifest.render_error}")
        outputs = {}
    manifest.render_seconds = round(time.perf_counter() - render_started, 2)
    manifest.render_timings = timings
    manifest.outputs = outputs


def _render_again(
    engagement: LoadedEngagement,
    base: Path,
    last: tuple[Path, RunManifest],
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
    say(f"Rendering run {previous.run_id} again (report templates changed; nothing to execute)")
    with staging(base, engagement, started_at) as stage:
        for folder in ("notebooks", "logs"):
            if (source / folder).is_dir():
                shutil.copytree(source / folder, stage.work / folder, dirs_exist_ok=True)
            else:
                (stage.work / folder).mkdir()
        stage.manifest = previous.model_copy(deep=True)
        manifest = stage.manifest
        manifest.run_id = stage.run_id
        manifest.started_at = started_at.isoformat(timespec="seconds")
        manifest.finished_at = None
        manifest.formats = list(formats)
        manifest.branding = branding_record(engagement)
        manifest.fingerprint = current.record()
        manifest.rendered_from = previous.run_id
        manifest.executed_in = previous.executed_in or previous.run_id
        manifest.forced = False
        manifest.status = "ok"
        manifest.execute_seconds = 0.0
        _render_into(stage, formats, None, say)
        final = _finish(stage, t0)
    return RunResult.of(
        final, manifest, action="rendered", source_run=previous.run_id, changes=changes
    )


def rerender(run_dir: str | Path, formats: Sequence[str] | None = None) -> dict[str, str]:
    """``workbench report RUN_DIR``: the deliverables again from the executed notebooks.

    The outputs are written in place; the manifest records the templates they were
    rendered with, so that the next run of the engagement knows they are current.

    Parameters
    ----------
    run_dir : str or Path
        A run folder.
    formats : sequence of str, optional
        Registered output formats (default: the default ones).

    Returns
    -------
    dict
        Output name to path relative to ``run_dir``.

    Raises
    ------
    InputError
        Not a run folder, or an unknown format.
    """
    from workbench.report.render import render_run

    formats = _checked_formats(formats)
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    outputs = render_run(run_dir, manifest, formats)
    manifest.outputs = outputs
    manifest.formats = formats
    manifest.rerendered_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if manifest.fingerprint is not None:
        recorded = manifest.branding.file if manifest.branding else None
        refresh_render(manifest.fingerprint, Path(recorded) if recorded else None)
    write_manifest(run_dir, manifest)
    protect(run_dir)
    return outputs


def branding_record(engagement: LoadedEngagement) -> BrandingRecord:
    """The branding an engagement's deliverables are made in: the file ``engagement.yaml``
    names, else the firm's (``$WORKBENCH_FIRM``), else the house style.

    Raises
    ------
    InputError
        The branding file is missing or wrong (the message names file and field).
    """
    from workbench.report.branding import branding_source, load_branding

    branding = load_branding(branding_source(engagement.folder, engagement.config.branding))
    return BrandingRecord(
        file=str(branding.source) if branding.source else None,
        firm=branding.firm,
        language=branding.language,
    )


def _engagement_record(engagement: LoadedEngagement) -> EngagementRecord:
    from workbench.dburl import redact_url

    config = engagement.config
    db = config.database
    return EngagementRecord(
        client=config.client,
        engagement=config.engagement,
        period=Period(start=config.period.start.isoformat(), end=config.period.end.isoformat()),
        currency=config.currency,
        folder=str(engagement.folder),
        database=None
        if db is None
        else {"url": redact_url(db.url), "password_env": db.password_env, "rules": db.rules},
    )


def _redacted(spec: PlaybookSpec, params: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if spec.parameters[k].secret else v) for k, v in params.items()}


def _count_findings(run_dir: Path, records: list[PlaybookRun]) -> None:
    try:
        items = read_findings(run_dir)
    except InputError:
        return  # the rendering failed before the register: nothing to count
    for record in records:
        record.findings = sum(1 for f in items if f.get("playbook") == record.name)


def _drop_empty_logs(folder: Path) -> None:
    for path in folder.glob("*.kernel.log"):
        with contextlib.suppress(OSError):
            if path.stat().st_size == 0:
                path.unlink()


__all__ = ["RunResult", "rerender", "run"]
