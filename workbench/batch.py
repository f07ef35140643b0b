"""``workbench batch``: run many engagements, each isolated, one failure never stopping others.

Locally the engagements fan out over worker processes (``--jobs``, default: the cores);
with ``--scheduler`` they go to an existing Dask distributed cluster instead, so a firm that
outgrows one machine adds workers and changes nothing else (the workers must see the
engagement folders and the reports folder at the same paths, e.g. on a shared drive).

Isolation. Each engagement is one :func:`workbench.run.run`: its own kernels, each with a
private working folder and temporary folder, its own run folder and lock. Worker processes
are reused from one engagement to the next (their imports and kernel template are paid
once), but nothing of an engagement is kept in them: the engagement's data only ever lives
in its kernels, which end with its run.

Containment. ``run_one`` never raises: bad input, a failed playbook or a bug in a run
becomes that engagement's outcome. Locally each worker process is its own executor, so a
worker that dies takes down only the engagement it was running; it is replaced and the batch
goes on. On Dask, a task whose worker died is retried elsewhere by the scheduler and
reported as failed if it keeps killing workers; engagements are handed to the cluster as
threads free up, not all at once, so that none waits behind a busy worker while another
is idle.

At the end: a summary (status, time, findings by severity, where the report is), the
portfolio view (``portfolio.html`` and ``portfolio.xlsx`` in the reports folder, see
:mod:`workbench.portfolio`) and exit code 3 if any engagement did not succeed.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import InputError, WorkbenchError
from workbench.severity import SEVERITIES

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class EngagementOutcome:
    """What happened to one engagement of a batch.

    ``status`` is ``ok``, ``failed`` (a playbook, the rendering or the run failed) or
    ``invalid`` (bad engagement or inputs: nothing was executed). ``action`` is the run's
    (``executed``, ``rendered``, ``up-to-date``), empty when it did not get that far.
    """

    folder: str
    status: str = "failed"
    seconds: float = 0.0
    message: str = ""
    report: str = ""
    findings: int = 0
    engagement: str = ""
    client: str = ""
    action: str = ""
    run_dir: str = ""
    by_severity: dict[str, int] = field(default_factory=dict)
    worker: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _severity_counts(run_dir: Path) -> dict[str, int]:
    from workbench.run import read_findings

    try:
        items = read_findings(run_dir)
    except InputError:
        return {}
    counts = dict.fromkeys(SEVERITIES, 0)
    for item in items:
        severity = str(item.get("severity", "")).lower()
        counts[severity] = counts.get(severity, 0) + 1
    return counts


def run_one(
    folder: str, out: str | None, formats: Sequence[str] | None, force: bool = False
) -> EngagementOutcome:
    """Run one engagement in this process; never raises.

    Parameters
    ----------
    folder : str
        The engagement folder.
    out : str, optional
        The reports folder.
    formats : sequence of str, optional
        Registered output formats (default: the default ones).
    force : bool
        Execute even if nothing changed since the engagement's last successful run.

    Returns
    -------
    EngagementOutcome
    """
    from workbench.run import run

    started = time.perf_counter()
    outcome = EngagementOutcome(folder, worker=f"{socket.gethostname()}:{os.getpid()}")
    try:
        from workbench.engagement import load_engagement

        config = load_engagement(folder).config
        outcome.engagement, outcome.client = config.engagement, config.client
        # one playbook at a time inside a worker: the batch already fills the cores
        result = run(folder, out=out, formats=formats, jobs=1, progress=None, force=force)
    except WorkbenchError as exc:
        outcome.status, outcome.message = "invalid", str(exc)
    except Exception as exc:  # an engagement's bug must not take the batch down
        outcome.status, outcome.message = "failed", f"{type(exc).__name__}: {exc}"
    else:
        failed = [p.name for p in result.playbooks if p.status == "failed"]
        outcome.status = result.status
        outcome.action = result.action
        outcome.run_dir = str(result.run_dir)
        outcome.report = str(result.report or result.run_dir)
        outcome.by_severity = _severity_counts(result.run_dir)
        outcome.findings = sum(outcome.by_severity.values())
        if failed:
            outcome.message = f"failed: {', '.join(failed)}"
        elif result.status != "ok":
            outcome.message = "the report could not be rendered (see logs/render.log)"
    outcome.seconds = round(time.perf_counter() - started, 2)
    return outcome


def _refused(folder: str, message: str) -> EngagementOutcome:
    return EngagementOutcome(folder, status="invalid", message=message)


def _check_folders(
    folders: Sequence[str],
) -> tuple[list[str], list[EngagementOutcome], dict[str, tuple[str, str]]]:
    """The folders worth dispatching, outcomes for those refused up front, and who each is.

    Two folders with the same engagement id would write to the same reports folder: the
    second is refused rather than left to wait on the first one's lock.
    """
    from workbench.engagement import load_engagement

    todo, refused = [], []
    seen: dict[str, str] = {}
    identities: dict[str, tuple[str, str]] = {}
    for folder in folders:
        try:
            config = load_engagement(folder).config
        except WorkbenchError as exc:
            refused.append(_refused(folder, str(exc)))
            continue
        engagement = config.engagement
        identities[folder] = (engagement, config.client)
        if engagement in seen:
            refused.append(
                _refused(folder, f"engagement id {engagement!r} is also that of {seen[engagement]}")
            )
            continue
        seen[engagement] = folder
        todo.append(folder)
    return todo, refused, identities


def _local(
    folders: Sequence[str],
    workers: int,
    out: str,
    formats: list[str] | None,
    force: bool,
    done: Callable[[EngagementOutcome], None],
) -> list[EngagementOutcome]:
    """Each worker process is its own executor: a crash costs only its engagement."""
    context = multiprocessing.get_context("spawn")  # safe whatever threads this process has

    def executor() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=context)

    slots = [executor() for _ in range(workers)]
    queue = deque(folders)
    running: dict[Future[EngagementOutcome], tuple[int, str]] = {}
    outcomes = []
    try:
        while queue or running:
            busy = {slot for slot, _ in running.values()}
            for slot in range(workers):
                if queue and slot not in busy:
                    folder = queue.popleft()
                    future = slots[slot].submit(run_one, folder, out, formats, force)
                    running[future] = (slot, folder)
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                slot, folder = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    outcome = EngagementOutcome(
                        folder,
                        message="the worker process running it died; its unfinished run "
                        "folder (.tmp-*) is left in the reports folder",
                    )
                    slots[slot].shutdown(wait=False, cancel_futures=True)
                    slots[slot] = executor()
                except Exception as exc:
                    outcome = EngagementOutcome(folder, message=f"{type(exc).__name__}: {exc}")
                outcomes.append(outcome)
                done(outcome)
    finally:
        for pool in slots:
            pool.shutdown(wait=True, cancel_futures=True)
    return outcomes


def _dask(
    folders: Sequence[str],
    scheduler: str,
    out: str,
    formats: list[str] | None,
    force: bool,
    done: Callable[[EngagementOutcome], None],
) -> list[EngagementOutcome]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError(
            "--scheduler needs the 'distributed' package (pip install distributed)"
        ) from None
    try:
        client = Client(scheduler)  # waits distributed.comm.timeouts.connect (Dask config)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    outcomes = []
    batch = uuid.uuid4().hex[:8]
    queue = deque(enumerate(folders))
    futures: dict[Any, str] = {}  # in flight: future -> folder
    with client:

        def submit() -> Any:
            i, folder = queue.popleft()
            future = client.submit(
                run_one, folder, out, formats, force, key=f"workbench-{batch}-{i}", pure=False
            )
            futures[future] = folder
            return future

        # As many engagements in flight as the cluster has threads (workers may join while
        # it runs): a run takes minutes, and an engagement queued behind a busy worker
        # would wait there while another worker idles at the end of the batch.
        pending = as_completed([submit() for _ in range(min(len(queue), _slots(client)))])
        for future in pending:
            folder = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # the task's worker died, again and again
                outcome = EngagementOutcome(folder, message=f"{type(exc).__name__}: {exc}")
            outcomes.append(outcome)
            done(outcome)
            while queue and len(futures) < _slots(client):
                pending.add(submit())
    return outcomes


def _slots(client: Any) -> int:
    """Threads of the cluster's workers (at least one)."""
    return max(1, sum(client.nthreads().values()))


def one_line(message: str, limit: int = 240) -> str:
    """A message on one line (its lines joined), cut at ``limit`` characters."""
    text = " ".join(part.strip() for part in message.splitlines() if part.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _progress_line(o: EngagementOutcome) -> str:
    what = o.engagement or Path(o.folder).name
    action = f" ({o.action})" if o.action and o.action != "executed" else ""
    tail = f"{o.findings} findings" if o.ok else one_line(o.message)
    return f"  {o.status:<7} {what}{action} in {o.seconds:.1f}s: {tail}"


def run_engagements(
    folders: Sequence[str | Path],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    formats: Sequence[str] | None = None,
    force: bool = False,
    progress: Progress | None = _stderr,
) -> list[EngagementOutcome]:
    """Run every engagement; one outcome per folder, in the order given.

    Parameters
    ----------
    folders : sequence of str or Path
        Engagement folders.
    jobs : int, optional
        Engagements at a time on this machine (default: the cores). Ignored with
        ``scheduler``: the cluster's workers decide.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``).
    out : str or Path, optional
        The reports folder (default ``./reports``).
    formats : sequence of str, optional
        Registered output formats (default: the default ones).
    force : bool
        Execute every engagement, even those unchanged since their last successful run.
    progress : callable, optional
        Receives one line per finished engagement.

    Returns
    -------
    list of EngagementOutcome

    Raises
    ------
    InputError
        ``jobs`` below 1, or the scheduler cannot be reached.
    """
    report = progress or (lambda _m: None)
    if jobs is not None and jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    paths = [str(Path(f).expanduser().resolve()) for f in folders]
    reports = str(Path(out or "reports").expanduser().resolve())
    chosen = None if formats is None else list(formats)
    todo, refused, identities = _check_folders(paths)

    def done(outcome: EngagementOutcome) -> None:
        if not outcome.engagement:  # e.g. a worker that died before saying who it ran
            outcome.engagement, outcome.client = identities.get(outcome.folder, ("", ""))
        report(_progress_line(outcome))

    for outcome in refused:
        done(outcome)
    outcomes: list[EngagementOutcome] = []
    if todo and scheduler:
        outcomes = _dask(todo, scheduler, reports, chosen, force, done)
    elif todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        outcomes = _local(todo, workers, reports, chosen, force, done)
    by_folder = {o.folder: o for o in [*outcomes, *refused]}
    return [by_folder[f] for f in paths]


def summary_table(outcomes: Sequence[EngagementOutcome], relative_to: Path | None = None) -> str:
    """The batch summary: one line per engagement.

    Parameters
    ----------
    outcomes : sequence of EngagementOutcome
    relative_to : Path, optional
        Report paths are shown relative to this folder when they are inside it.

    Returns
    -------
    str
    """
    base = (relative_to or Path.cwd()).resolve()

    def where(o: EngagementOutcome) -> str:
        if not o.ok:
            return one_line(o.message)
        path = Path(o.report)
        return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)

    rows = [
        [
            o.engagement or Path(o.folder).name,
            o.status if o.action in ("", "executed") else f"{o.status} ({o.action})",
            f"{o.seconds:.1f}s",
            *[str(o.by_severity.get(s, 0)) if o.by_severity else "-" for s in SEVERITIES],
            where(o),
        ]
        for o in outcomes
    ]
    header = ["engagement", "status", "time", *SEVERITIES, "report"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(w) if 2 <= i < len(widths) else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def run_batch(
    folders: Sequence[str | Path],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    formats: Sequence[str] | None = None,
    force: bool = False,
) -> int:
    """``workbench batch``: run, print the summary, write the portfolio view.

    Returns
    -------
    int
        0 if every engagement succeeded, else 3.
    """
    from workbench.portfolio import write_portfolio
    from workbench.report.outputs import selected_formats

    started = time.perf_counter()
    if formats is not None:
        selected_formats(formats)  # an unknown format is refused before any engagement runs
    outcomes = run_engagements(
        folders, jobs=jobs, scheduler=scheduler, out=out, formats=formats, force=force
    )
    reports = Path(out or "reports").expanduser().resolve()
    print(summary_table(outcomes))
    written: dict[str, Path] = {}
    try:
        written = write_portfolio(outcomes, reports)
    except Exception as exc:  # the engagements' deliverables stand without it
        print(f"workbench: the portfolio view could not be written: {exc}", file=sys.stderr)
    for path in written.values():
        print(path)
    bad = [o for o in outcomes if not o.ok]
    print(
        f"{len(outcomes) - len(bad)} of {len(outcomes)} engagements succeeded in "
        f"{time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return 3 if bad else 0


__all__ = [
    "EngagementOutcome",
    "run_batch",
    "run_engagements",
    "run_one",
    "summary_table",
]
