"""Time the rendering of a realistic run and a few other steps that used to be timed in tests.

* ``render_run`` on a run folder of four executed playbooks (real house-style charts, three
  tables and two charts per chapter): the chapters, ``report.html`` with the per-playbook
  documents, and ``report.pdf`` (WeasyPrint), each the median of ``--repeat`` renderings;
* the attribute sample size for an expected rate close to the tolerable rate
  (``attribute_sample_size(0.2, 0.05, 0.19)``, a search over thousands of sizes).

Usage: ``python benchmarks/bench_report.py [--repeat N]``. Prints the figures and writes
``benchmarks/results/report.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' notebook builders and factories

from bench_runner import machine  # noqa: E402


def time_render(repeat: int) -> dict[str, float]:
    """Median seconds per step of ``render_run`` on four playbooks."""
    from tests.factories import run_folder
    from tests.report.builders import four_playbooks
    from workbench.report import render_run

    notebooks = four_playbooks(real_charts=True, tables=3, charts=2)
    steps: dict[str, list[float]] = {}
    for i in range(repeat):
        folder = Path(tempfile.mkdtemp(prefix="wb-bench-")) / f"run{i}"
        run_dir, manifest = run_folder(folder, notebooks)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        render_run(run_dir, manifest, ["html", "pdf"], timings=timings)
        timings["total"] = time.perf_counter() - started
        for step, seconds in timings.items():
            steps.setdefault(step, []).append(seconds)
    return {step: round(statistics.median(values), 3) for step, values in steps.items()}


def time_sample_size(repeat: int) -> float:
    """Median seconds of the slowest attribute sample size the playbooks may ask for."""
    from workbench.analytics import sampling

    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert sampling.attribute_sample_size(0.2, 0.05, 0.19) == 4400
        seconds.append(time.perf_counter() - started)
    return round(statistics.median(seconds), 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    render = time_render(args.repeat)
    print(
        f"render_run, four playbooks: chapters {render['chapters']:.2f}s, "
        f"html {render['html']:.2f}s, pdf {render['pdf']:.2f}s, total {render['total']:.2f}s"
    )
    sample = time_sample_size(args.repeat)
    print(f"attribute sample size (0.2, 0.05, 0.19): {sample:.3f}s")
    out = {
        "machine": machine(),
        "repeat": args.repeat,
        "render_run_four_playbooks_s": render,
        "attribute_sample_size_near_tolerable_s": sample,
    }
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "report.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
