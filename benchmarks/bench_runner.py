"""What the runner costs per playbook, and how long the demo takes end to end.

For each playbook of the demo engagement:

* ``script``  - the notebook's code cells run as one plain Python script (a fresh
  interpreter), the floor any notebook runner is measured against;
* ``papermill`` - the same notebook executed by the runner's path (kernel start over IPC,
  parameter injection, execution, notebook written);
* ``render`` - that playbook's HTML deliverable rendered from the executed notebook.

Then the whole demo: ``workbench run`` on the demo engagement with HTML, PDF and XLSX.

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

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def script_of(notebook: Path, params: dict) -> str:
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


def time_script(notebook: Path, params: dict, workdir: Path) -> float:
    path = workdir / f"{notebook.stem}.py"
    source = script_of(notebook, params)
    path.write_text(source)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(path)],
        check=True,
        cwd=notebook.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from workbench.demo import build_demo
    from workbench.engagement import load_engagement
    from workbench.playbooks import list_playbooks
    from workbench.report.render import ReportMeta, render_playbook
    from workbench.runner import PlaybookRun, execute_playbook, run

    work = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    demo = build_demo(work / "demo")
    engagement = load_engagement(demo)
    rows = []
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
    for spec in list_playbooks():
        params = {"engagement_dir": str(demo), "output_dir": str(work)}
        params.update(spec.defaults())
        scripts, papers, renders = [], [], []
        for i in range(args.repeat):
            scripts.append(time_script(spec.notebook, params, work))
            out = work / f"run{i}"
            (out / "notebooks").mkdir(parents=True, exist_ok=True)
            (out / "logs").mkdir(exist_ok=True)
            record = PlaybookRun(spec.name)
            started = time.perf_counter()
            execute_playbook(spec, engagement, spec.defaults(), out, record)
            papers.append(time.perf_counter() - started)
            assert record.status == "ok", record.error
            started = time.perf_counter()
            render_playbook(out / "notebooks" / f"{spec.name}.ipynb", meta)
            renders.append(time.perf_counter() - started)
        row = {
            "playbook": spec.name,
            "script_s": statistics.median(scripts),
            "papermill_s": statistics.median(papers),
            "render_s": statistics.median(renders),
        }
        row["overhead_s"] = row["papermill_s"] + row["render_s"] - row["script_s"]
        rows.append(row)
        print(
            f"{spec.name:<26} script {row['script_s']:5.2f}s  papermill {row['papermill_s']:5.2f}s"
            f"  render {row['render_s']:5.2f}s  overhead {row['overhead_s']:+5.2f}s",
            flush=True,
        )
    started = time.perf_counter()
    result = run(demo, out=work / "reports", progress=None)
    demo_s = time.perf_counter() - started
    print(f"demo run (all playbooks, html+pdf+xlsx): {demo_s:.1f}s, status {result.status}")
    out = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "per_playbook": rows,
        "demo_run_s": demo_s,
        "demo_render_s": json.loads((result.run_dir / "manifest.json").read_text())[
            "render_seconds"
        ],
    }
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "runner.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
