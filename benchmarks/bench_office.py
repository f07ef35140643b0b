"""What writing report.docx and deck.pptx costs on the demo engagement.

The demo is run once (Word and PowerPoint only); then its executed notebooks are written
again ``--repeat`` times: reading the chapters back as blocks, the executive summary (with
its chart), ``report.docx`` and ``deck.pptx``. Prints the medians and the files' sizes and
writes ``benchmarks/results/office.json``.

Usage: ``python benchmarks/bench_office.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_runner import machine  # noqa: E402


def main() -> None:
    from workbench.demo import build_demo
    from workbench.report.content import chapter_content
    from workbench.report.deck import write_pptx
    from workbench.report.render import report_meta
    from workbench.report.summary import build_summary, findings_from_bundle, playbook_summary
    from workbench.report.word import write_docx
    from workbench.run import read_manifest, run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wb-bench-office-"))
    build_demo(work / "demo")
    result = run(work / "demo", out=work / "reports", formats=("docx", "pptx"), progress=None)
    assert result.status == "ok", result.status
    manifest = read_manifest(result.run_dir)
    notebooks = [
        nbformat.read(str(result.run_dir / "notebooks" / f"{name}.ipynb"), as_version=4)
        for name in manifest.playbook_names
    ]
    meta = report_meta(manifest)
    times: dict[str, list[float]] = {"chapters": [], "summary": [], "docx": [], "pptx": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        chapters = [chapter_content(nb) for nb in notebooks]
        times["chapters"].append(time.perf_counter() - t)
        t = time.perf_counter()
        summary = build_summary(
            [f for c in chapters for f in findings_from_bundle(c.results)],
            [playbook_summary(c.results, c.title, c.playbook) for c in chapters],
            texts=meta.branding.texts,
        )
        times["summary"].append(time.perf_counter() - t)
        t = time.perf_counter()
        write_docx(work / "report.docx", meta, chapters, summary,
                   validation=manifest.validation,
                   provenance={"inputs": manifest.inputs})  # fmt: skip
        times["docx"].append(time.perf_counter() - t)
        t = time.perf_counter()
        write_pptx(work / "deck.pptx", meta, chapters, summary)
        times["pptx"].append(time.perf_counter() - t)
    tables = sum(1 for c in chapters for b in c.blocks if type(b).__name__ == "Table")
    images = sum(len(c.images) for c in chapters)
    results = {
        "machine": machine(),
        "repeat": args.repeat,
        "median_s": {k: round(statistics.median(v), 3) for k, v in times.items()},
        "run_render_timings_s": manifest.render_timings,
        "sizes_bytes": {
            "report.docx": (work / "report.docx").stat().st_size,
            "deck.pptx": (work / "deck.pptx").stat().st_size,
        },
        "chapters": len(chapters),
        "tables": tables,
        "charts": images,
        "findings": len(summary.findings),
    }
    for step, seconds in results["median_s"].items():
        print(f"{step:<10} {seconds:6.2f} s")
    print(json.dumps(results["sizes_bytes"]))
    out = ROOT / "benchmarks" / "results" / "office.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
