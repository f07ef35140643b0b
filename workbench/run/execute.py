"""Execute playbook notebooks with papermill, each in its own kernel, several at a time.

The executed notebook, or the partial one when a cell raised, is kept in the run folder
(``notebooks/<playbook>.ipynb``): it is the working paper of record. A failure is recorded
on the playbook (:class:`~workbench.run.manifest.PlaybookRun`: status, failed cell,
error, with the traceback in ``logs/<playbook>.log``) and never stops the others.

Kernels: see :mod:`workbench.kernels` (one per playbook, each in its own folders, forked
from a warm template process on Linux).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.engagement import LoadedEngagement
from workbench.kernels import PlaybookKernel
from workbench.playbooks import PlaybookSpec
from workbench.run.manifest import PlaybookRun

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from workbench.report.document import Chapter

Progress = Callable[[str], None]


def injected_parameters(
    spec: PlaybookSpec, engagement: LoadedEngagement, params: Mapping[str, Any], run_dir: Path
) -> dict[str, Any]:
    """What papermill writes into the notebook's injected-parameters cell.

    A secret is never injected: papermill writes what it injects into the notebook (the
    working paper); the session reads secrets from the engagement itself.
    """
    injected: dict[str, Any] = {
        "engagement_dir": str(engagement.folder),
        "output_dir": str(run_dir),
    }
    injected.update(
        {
            k: spec.parameters[k].notebook_value(v)
            for k, v in params.items()
            if not spec.parameters[k].secret
        }
    )
    return injected


def execute_playbook(
    spec: PlaybookSpec,
    engagement: LoadedEngagement,
    params: Mapping[str, Any],
    work_dir: Path,
    record: PlaybookRun,
    kernel: PlaybookKernel | None = None,
) -> NotebookNode | None:
    """Run one notebook with papermill; the executed (or partial) notebook is kept.

    Parameters
    ----------
    spec : PlaybookSpec
    engagement : LoadedEngagement
    params : mapping
        The playbook's resolved parameters.
    work_dir : Path
        The run's folder (``notebooks/`` and ``logs/`` exist).
    record : PlaybookRun
        Filled in: status, seconds, failed cell, error, kernel.
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
    started = time.perf_counter()
    log_path = work_dir / "logs" / f"{spec.name}.log"
    own: tempfile.TemporaryDirectory[str] | None = None
    executed = None
    try:
        if kernel is None:
            own = tempfile.TemporaryDirectory(prefix="wb-")
            kernel = PlaybookKernel.start(
                Path(own.name), work_dir / "logs" / f"{spec.name}.kernel.log", spec.import_paths
            )
        record.kernel = kernel.kind
        executed = pm.execute_notebook(
            str(spec.notebook),
            str(output),
            parameters=injected_parameters(spec, engagement, params, work_dir),
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


def execute_all(
    todo: Sequence[tuple[PlaybookSpec, PlaybookRun]],
    engagement: LoadedEngagement,
    params: Mapping[str, Mapping[str, Any]],
    work: Path,
    workers: int,
    say: Progress,
    *,
    render: bool,
) -> dict[str, Chapter]:
    """Execute the playbooks, ``workers`` at a time, each in a thread with its own kernel.

    Up to ``workers`` further kernels are started ahead of need, so that a playbook finds
    its kernel ready when a worker frees up. With ``render``, each chapter is rendered as
    soon as its notebook is executed, while the kernels of others run.

    Parameters
    ----------
    todo : sequence of (PlaybookSpec, PlaybookRun)
        The playbooks to execute and their records (filled in).
    engagement : LoadedEngagement
    params : mapping
        Resolved parameters by playbook.
    work : Path
        The run's folder.
    workers : int
        Playbooks executed at a time.
    say : callable
        Receives one progress line per step.
    render : bool
        Render each executed notebook's chapter.

    Returns
    -------
    dict
        The chapters rendered, by playbook.
    """
    from workbench.report.render import chapter_anchors, render_chapter

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
                    kernel = PlaybookKernel.start(root / spec.name, log, spec.import_paths)
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


__all__ = ["execute_all", "execute_playbook", "injected_parameters"]
