"""A batch of demo-sized engagements: serially, with ``--jobs 2``, and on a Dask cluster.

Builds ``--count`` demo engagements (12 by default; each its own client, seed and id), then
times ``workbench batch`` through the command line, each time into a fresh reports folder
(so everything is executed):

* ``serial``  - ``--jobs 1``: one engagement after the other, one worker process;
* ``jobs2``   - ``--jobs 2``: two worker processes;
* ``dask``    - ``--scheduler`` on a two-worker ``LocalCluster`` (one thread per worker);

and then the unchanged case: ``workbench run`` on one engagement of the ``jobs2`` batch, and
the whole ``--jobs 2`` batch again into the same reports folder (every engagement up to
date). Each figure comes with the CPU time of the command's processes and the load average
when it started: on a shared machine, others' work shows in the wall times.

Usage: ``python benchmarks/bench_batch.py [--count N] [--format html,pdf,xlsx] [--no-dask]``.
Prints the figures and writes ``benchmarks/results/batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_runner import machine

ROOT = Path(__file__).resolve().parent.parent


def build_engagements(work: Path, count: int) -> list[Path]:
    """``count`` demo engagements, each with its own seed, client and engagement id."""
    from workbench.demo import build_demo

    folders = []
    for i in range(1, count + 1):
        folder = build_demo(work / f"client-{i:02d}", seed=20260101 + i)
        config_file = folder / "engagement.yaml"
        config = yaml.safe_load(config_file.read_text())
        config.update(client=f"Demo Client {i:02d}", engagement=f"demo-client-{i:02d}")
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        folders.append(folder)
    return folders


def workbench(*args: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run the command line; its wall time, the CPU time of all its processes, its result.

    The CPU time counts the processes that ended with it (workers, kernel templates,
    kernels); on a Dask cluster the workers are not its children and are not counted.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def statuses(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Status (and action, when not executed) per engagement, from the summary."""
    rows = [line.split() for line in done.stdout.splitlines()[1:] if line.startswith("demo-")]
    return {row[0]: " ".join(row[1:3]) if row[2].startswith("(") else row[1] for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--format", default="html,pdf,xlsx")
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wb-bench-batch-"))
    folders = [str(f) for f in build_engagements(work, args.count)]
    common = ["--format", args.format]
    figures: dict[str, Any] = {
        "machine": machine(),
        "engagements": args.count,
        "format": args.format,
    }

    def batch(name: str, *extra: str, out: str = "") -> None:
        load = os.getloadavg()[0]
        reports = str(work / (out or name))
        seconds, cpu, done = workbench("batch", *folders, *common, "--out", reports, *extra)
        figures[f"{name}_s"] = round(seconds, 1)
        figures[f"{name}_cpu_s"] = round(cpu, 1)
        figures[f"{name}_load_before_after"] = [round(load, 2), round(os.getloadavg()[0], 2)]
        figures[f"{name}_statuses"] = statuses(done)
        tail = done.stderr.strip().splitlines()[-1:] or [""]
        print(
            f"{name:<16} {seconds:7.1f}s wall {cpu:7.1f}s cpu  load {load:.1f}  "
            f"exit {done.returncode}  {tail[0]}",
            flush=True,
        )

    batch("serial", "--jobs", "1")
    batch("jobs2", "--jobs", "2")
    if not args.no_dask:
        from distributed import LocalCluster

        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            batch("dask", "--scheduler", cluster.scheduler_address)
    figures["jobs2_over_serial"] = round(figures["jobs2_s"] / figures["serial_s"], 3)
    if "dask_s" in figures:
        figures["dask_over_serial"] = round(figures["dask_s"] / figures["serial_s"], 3)
    seconds, _cpu, done = workbench("run", folders[0], *common, "--out", str(work / "jobs2"))
    figures["unchanged_run_s"] = round(seconds, 2)
    print(f"unchanged engagement, `workbench run`: {seconds:.2f}s ({done.stderr.strip()})")
    batch("unchanged_batch", "--jobs", "2", out="jobs2")
    figures["machine_after"] = machine()["load_average"]
    print(json.dumps({k: v for k, v in figures.items() if not k.endswith("statuses")}, indent=2))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "batch.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
