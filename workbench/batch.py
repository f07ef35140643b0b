"""``workbench batch``: run many engagements, each isolated, one failure never stopping others.

Locally the engagements fan out over a pool of worker processes; with ``--scheduler`` they
go to an existing Dask distributed cluster instead, so a firm that outgrows one machine
adds workers and changes nothing else.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError


@dataclass
class EngagementOutcome:
    folder: str
    status: str  # ok, failed, invalid
    seconds: float
    message: str = ""
    report: str = ""
    findings: int = 0


def run_one(folder: str, out: str | None, formats: Sequence[str]) -> EngagementOutcome:
    """Run one engagement in this process; never raises."""
    from workbench.runner import run

    started = time.perf_counter()
    try:
        # one playbook at a time inside a worker: the batch already fills the cores
        result = run(folder, out=out, formats=formats, jobs=1, progress=None)
    except WorkbenchError as exc:
        return EngagementOutcome(folder, "invalid", time.perf_counter() - started, str(exc))
    except Exception as exc:  # an engagement's bug must not take the batch down
        return EngagementOutcome(
            folder, "failed", time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
        )
    failed = [p.name for p in result.playbooks if p.status == "failed"]
    return EngagementOutcome(
        folder,
        result.status,
        result.seconds,
        f"failed: {', '.join(failed)}" if failed else "",
        str(result.report or result.run_dir),
        sum(p.findings for p in result.playbooks),
    )


def run_batch(
    folders: Sequence[str],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    out: str | None = None,
    formats: Sequence[str] = ("html", "pdf", "xlsx"),
) -> int:
    """Run every engagement and print a summary; exit code 3 if any did not succeed."""
    started = time.perf_counter()
    folders = [str(Path(f)) for f in folders]
    out = str(Path(out or "reports").resolve())
    if scheduler:
        from distributed import Client

        with Client(scheduler) as client:
            futures = client.map(run_one, folders, out=out, formats=list(formats), pure=False)
            outcomes = client.gather(futures)
    else:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(folders)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = list(
                pool.map(run_one, folders, [out] * len(folders), [list(formats)] * len(folders))
            )
    width = max(len(o.folder) for o in outcomes)
    for o in outcomes:
        tail = o.report if o.status == "ok" else o.message.splitlines()[0] if o.message else ""
        print(
            f"{o.folder:<{width}}  {o.status:<7} {o.seconds:6.1f}s  {o.findings:4d} findings  {tail}"
        )
    bad = [o for o in outcomes if o.status != "ok"]
    print(
        f"{len(outcomes) - len(bad)} of {len(outcomes)} engagements succeeded in "
        f"{time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return 3 if bad else 0
