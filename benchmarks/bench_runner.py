"""What the runner costs per playbook, before and after kernel templates and chapter reuse.

For each playbook of the demo engagement (median of ``--repeat`` runs):

* ``script`` - the notebook's code cells run as one plain Python script (a fresh
  interpreter), the floor any notebook runner is measured against;
* ``before`` - the runner's path before kernel templates: a new kernel process started
  when the playbook is due, papermill, and the chapter rendered twice (once inside
  ``<playbook>.html``, once inside ``report.html``), as the runner used to;
* ``after`` - the runner's path now: a kernel forked from the warm kernel template (the
  runner starts it while it checks the inputs), papermill, the kernel shut down, the chapter
  rendered once and its ``<playbook>.html`` assembled from it.

The runner's added cost per playbook is ``before - script`` and ``after - script``.

Then the whole demo through ``run`` (HTML, PDF and XLSX): execution and rendering time, the
rendering split into chapters, HTML documents, PDF (WeasyPrint) and workbook; and the same
demo once more, unchanged, through the command line (an up-to-date check in a fresh
interpreter).

Usage: ``python benchmarks/bench_runner.py [--repeat N]``. Prints a table and writes
``benchmarks/results/runner.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    """The machine the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    model = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "")
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def script_of(notebook: Path, params: dict[str, Any]) -> str:
    nb = nbformat.read(notebook, as_version=4)
    lines = [
        "import matplotlib",
        "matplotlib.use('Agg')",
        "import IPython.display as _d",
        # a script has no front end: display() is a no-op, as it would be without Jupyter
        "_d.display = lambda *a, **k: None",
    ]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            lines.append(cell.source)
            lines.extend(f"{k} = {v!r}" for k, v in params.items())
            continue
        lines.append(
            "\n".join(
                line
                for line in cell.source.splitlines()
                if not line.lstrip().startswith(("%", "!"))
            )
        )
    return "\n".join(lines) + "\n"


def time_script(notebook: Path, params: dict[str, Any], workdir: Path) -> float:
    path = workdir / f"{notebook.stem}.py"
    path.write_text(script_of(notebook, params))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(path)],
        check=True,
        cwd=notebook.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def time_playbook(spec: Any, engagement: Any, out: Path, *, template: bool, meta: Any) -> float:
    """One playbook through the runner's path, without or with the kernel template."""
    from workbench.kernels import PlaybookKernel
    from workbench.report.document import playbook_document
    from workbench.report.render import render_chapter
    from workbench.run.execute import execute_playbook
    from workbench.run.manifest import PlaybookRun

    os.environ["WORKBENCH_KERNEL_TEMPLATE"] = "1" if template else "0"
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    record = PlaybookRun(name=spec.name)
    scratch = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    started = time.perf_counter()
    kernel = PlaybookKernel.start(scratch, out / "logs" / "kernel.log", spec.import_paths)
    executed = execute_playbook(spec, engagement, spec.defaults(), out, record, kernel)
    if template:
        kernel.stop()  # now part of each playbook's thread
    assert record.status == "ok", record.error
    chapter = render_chapter(executed, spec.name)
    playbook_document(meta, chapter)
    if not template:
        # as the runner used to: the chapter rendered a second time for report.html
        render_chapter(executed, spec.name)
    seconds = time.perf_counter() - started
    if not template:
        kernel.stop()  # the runner used to leave it running until it exited
    os.environ.pop("WORKBENCH_KERNEL_TEMPLATE", None)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from workbench.demo import build_demo
    from workbench.engagement import load_engagement
    from workbench.kernels import TEMPLATE
    from workbench.playbooks import list_playbooks
    from workbench.report.render import ReportMeta
    from workbench.run import read_manifest, run

    work = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    demo = build_demo(work / "demo")
    engagement = load_engagement(demo)
    meta = ReportMeta(
        client="Bench",
        engagement="bench",
        period_start="2024-07-01",
        period_end="2026-06-30",
        currency="EUR",
        run_id="bench",
        generated_at="now",
        version="bench",
    )
    started = time.perf_counter()
    TEMPLATE.wait_ready()
    template_s = time.perf_counter() - started
    print(f"kernel template ready in {template_s:.2f}s (once per runner process)", flush=True)
    rows = []
    for spec in list_playbooks():
        params = {"engagement_dir": str(demo), "output_dir": str(work)}
        params.update(spec.defaults())
        scripts, befores, afters = [], [], []
        for i in range(args.repeat):
            scripts.append(time_script(spec.notebook, params, work))
            befores.append(
                time_playbook(spec, engagement, work / f"b{i}", template=False, meta=meta)
            )
            afters.append(time_playbook(spec, engagement, work / f"a{i}", template=True, meta=meta))
        row = {
            "playbook": spec.name,
            "script_s": round(statistics.median(scripts), 3),
            "before_s": round(statistics.median(befores), 3),
            "after_s": round(statistics.median(afters), 3),
        }
        row["overhead_before_s"] = round(row["before_s"] - row["script_s"], 3)
        row["overhead_after_s"] = round(row["after_s"] - row["script_s"], 3)
        rows.append(row)
        print(
            f"{spec.name:<26} script {row['script_s']:5.2f}s  before {row['before_s']:5.2f}s "
            f"({row['overhead_before_s']:+5.2f}s)  after {row['after_s']:5.2f}s "
            f"({row['overhead_after_s']:+5.2f}s)",
            flush=True,
        )
    mean_before = statistics.mean(r["overhead_before_s"] for r in rows)
    mean_after = statistics.mean(r["overhead_after_s"] for r in rows)
    print(f"added cost per playbook: before {mean_before:+.2f}s, after {mean_after:+.2f}s")

    reports = work / "reports"
    started = time.perf_counter()
    result = run(demo, out=reports, progress=None)
    demo_s = time.perf_counter() - started
    manifest = read_manifest(result.run_dir)
    print(
        f"demo run (all playbooks, html+pdf+xlsx): {demo_s:.1f}s, status {result.status}; "
        f"render {manifest.render_seconds:.1f}s {manifest.render_timings}"
    )
    started = time.perf_counter()
    again = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "run", str(demo), "--out", str(reports)],
        capture_output=True,
        text=True,
        check=False,
    )
    unchanged_s = time.perf_counter() - started
    print(f"unchanged demo, `workbench run` again: {unchanged_s:.2f}s ({again.stderr.strip()})")
    out = {
        "machine": machine(),
        "template_start_s": round(template_s, 3),
        "per_playbook": rows,
        "added_cost_per_playbook_s": {
            "before": round(mean_before, 3),
            "after": round(mean_after, 3),
        },
        "demo_run_s": round(demo_s, 2),
        "demo_execute_s": manifest.execute_seconds,
        "demo_render_s": manifest.render_seconds,
        "demo_render_timings_s": manifest.render_timings,
        "unchanged_rerun_cli_s": round(unchanged_s, 2),
    }
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "runner.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
