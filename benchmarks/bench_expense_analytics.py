"""Time the expense analytics on synthetic expense tables of 1 and 10 million rows.

Each size runs in its own subprocess, so the peak memory (``ru_maxrss``) of one size does
not leak into the next. Inside a subprocess the data are generated first (not timed),
then each test runs once; for each we record the wall time and the process's peak RSS
after the test (a high-water mark, so it only grows from one test to the next).

Usage::

    python benchmarks/bench_expense_analytics.py                  # 1M and 10M rows
    python benchmarks/bench_expense_analytics.py --rows 200000    # one size
    python benchmarks/bench_expense_analytics.py --rows 1000000 --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SEED = 20260101
N_VENDORS = 20_000
CATEGORIES = [
    "travel", "hotel", "meals", "software", "hardware", "training", "consulting",
    "subcontract", "rent", "utilities", "telecom", "office",
]  # fmt: skip
WORDS = [
    "Acme", "Global", "Northern", "Blue", "Summit", "Pioneer", "Vertex", "Harbor", "Atlas",
    "Crown", "Delta", "Evergreen", "Falcon", "Granite", "Horizon", "Ivory", "Juniper",
    "Keystone", "Liberty", "Meridian", "Nova", "Orchid", "Pinnacle", "Quantum", "Regal",
]  # fmt: skip
FORMS = ["Ltd", "Limited", "Inc", "GmbH", "LLC", "plc", "SA", ""]


def _peak_mb() -> float:
    # Linux reports ru_maxrss in kilobytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _strings(values: pa.Array) -> pd.Series:
    return pd.Series(values, dtype="str")


def vendor_names(rng: np.random.Generator) -> list[str]:
    """20,000 vendor names, 2% of them with a look-alike spelling (typo or legal form)."""
    names = []
    for i in range(N_VENDORS):
        a, b = rng.choice(len(WORDS), 2, replace=False)
        form = FORMS[i % len(FORMS)]
        names.append(f"{WORDS[a]} {WORDS[b]} {i:05d} {form}".strip())
    lookalikes = rng.choice(N_VENDORS, N_VENDORS // 50, replace=False)
    for j in lookalikes:
        base = names[j].rsplit(" ", 1)[0] if names[j].split()[-1] in FORMS else names[j]
        names.append(base.upper() + " Limited.")
    return names


def generate(n: int, seed: int = SEED) -> pd.DataFrame:
    """A synthetic expenses table with planted duplicates, gaps, round and limit amounts."""
    rng = np.random.default_rng(seed)
    names = vendor_names(rng)
    # a few vendors take most of the volume, as in real ledgers
    weights = 1.0 / np.arange(1, len(names) + 1) ** 0.8
    vendor_codes = rng.choice(len(names), n, p=weights / weights.sum())
    amount = np.round(10 ** rng.uniform(0.5, 5.5, n), 2)
    planted = rng.random(n)
    amount[planted < 0.03] = np.round(amount[planted < 0.03], -2)  # round figures
    below = (planted >= 0.03) & (planted < 0.04)
    amount[below] = np.round(rng.uniform(4500, 4999.99, below.sum()), 2)  # below a 5,000 limit
    amount[(planted >= 0.04) & (planted < 0.06)] *= -1  # credit notes
    days = rng.integers(0, 730, n)
    date = np.datetime64("2024-01-01", "ns") + days.astype("timedelta64[D]")
    numbers = np.sort(rng.choice(int(n * 1.001), n, replace=False))  # 0.1% missing
    invoice = pc.binary_join_element_wise(
        "INV-", pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), 9, "0"), ""
    )
    ids = pc.binary_join_element_wise(
        "EXP-", pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), 9, "0"), ""
    )
    frame = pd.DataFrame(
        {
            "expense_id": _strings(ids),
            "date": date,
            "amount": amount,
            "vendor": _strings(pa.array(names).take(pa.array(vendor_codes))),
            "category": _strings(pa.array(CATEGORIES).take(pa.array(rng.integers(0, 12, n)))),
            "invoice_number": _strings(invoice),
        }
    )
    # 0.5% of the records keyed twice: copy vendor, date, amount and invoice number
    copies = rng.choice(n, n // 200, replace=False)
    sources = rng.choice(n, n // 200, replace=False)
    for col in ("vendor", "date", "amount", "invoice_number"):
        values = frame[col].to_numpy(copy=True) if col in ("date", "amount") else None
        if values is not None:
            values[copies] = values[sources]
            frame[col] = values
        else:
            arr = pa.array(frame[col].array)
            idx = np.arange(n)
            idx[copies] = sources
            frame[col] = _strings(arr.take(pa.array(idx)))
    return frame


def tests(frame: pd.DataFrame) -> list[tuple[str, Callable[[], Any]]]:
    """The analytics to time, in the order a playbook runs them."""
    from workbench.analytics import benford, duplicates, gaps, ledger, outliers

    return [
        ("benford: 5 digit tests x 2 signs", lambda: benford.benford_tests(frame)),
        ("benford: summation", lambda: benford.summation_test(frame)),
        ("benford: number duplication", lambda: benford.number_duplication(frame)),
        ("benford: drill-down 50", lambda: benford.drill_down(frame, 50)),
        ("duplicates: exact", lambda: duplicates.exact_duplicates(frame)),
        ("duplicates: same-same-different", lambda: duplicates.same_same_different(frame)),
        ("duplicates: same-same-near (7 days)", lambda: duplicates.same_same_near(frame)),
        ("duplicates: same-same-similar", lambda: duplicates.same_same_similar(frame)),
        ("gaps: invoice numbers", lambda: gaps.sequence_gaps(frame)),
        ("ledger: round amounts", lambda: ledger.round_amounts(frame)),
        ("ledger: just below 5,000", lambda: ledger.just_below_limit(frame, 5000)),
        ("ledger: weekend", lambda: ledger.weekend_postings(frame)),
        ("ledger: public holidays (GB)", lambda: ledger.holiday_postings(frame, country="GB")),
        (
            "ledger: aging + summary",
            lambda: ledger.aging_summary(ledger.aging(frame, "2026-01-31")),
        ),
        ("ledger: stratify", lambda: ledger.stratify(frame)),
        ("outliers: robust by category", lambda: outliers.outliers(frame, by="category")),
        ("outliers: IQR by vendor", lambda: outliers.outliers(frame, by="vendor", method="iqr")),
        (
            "finding: round amounts (all ids)",
            lambda: ledger.round_amounts_finding(ledger.round_amounts(frame), frame),
        ),
    ]


def worker(rows: int) -> dict[str, Any]:
    """Generate ``rows`` rows, run every test once, return the timings."""
    start = time.perf_counter()
    frame = generate(rows)
    generated = time.perf_counter() - start
    after_data = _peak_mb()
    results: list[dict[str, Any]] = []
    total = total_cpu = 0.0
    for name, fn in tests(frame):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
        total += seconds
        total_cpu += cpu
        size = len(out) if hasattr(out, "__len__") else None
        results.append(
            {
                "test": name,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "peak_mb": round(_peak_mb()),
                "out": size,
            }
        )
        del out
    return {
        "rows": rows,
        "generate_seconds": round(generated, 2),
        "peak_mb_after_data": round(after_data),
        "total_seconds": round(total, 2),
        "total_cpu_seconds": round(total_cpu, 2),
        "load_average": os.getloadavg(),
        "peak_mb": round(_peak_mb()),
        "tests": results,
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
    }


def report(runs: list[dict[str, Any]], info: dict[str, Any]) -> str:
    """A plain-text table of the runs."""
    lines = [
        f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB; "
        f"Python {info['python']}, numpy {info['numpy']}, pandas {info['pandas']}",
        "load average at the end of each run: "
        + "; ".join(
            f"{r['rows']:,} rows: " + " ".join(f"{v:.1f}" for v in r["load_average"]) for r in runs
        ),
        "columns per size: wall seconds, CPU seconds, peak RSS so far",
        "",
    ]
    header = f"{'test':38s}" + "".join(f"{r['rows']:>26,} rows" for r in runs)
    lines += [header, "-" * len(header)]
    names = [t["test"] for t in runs[0]["tests"]]
    for i, name in enumerate(names):
        cells = "".join(
            f"{r['tests'][i]['seconds']:>9.2f} s {r['tests'][i]['cpu_seconds']:>7.2f} cpu "
            f"{r['tests'][i]['peak_mb']:>6,} MB"
            for r in runs
        )
        lines.append(f"{name:38s}{cells}")
    lines.append("-" * len(header))
    lines.append(
        f"{'total (excluding data generation)':38s}"
        + "".join(
            f"{r['total_seconds']:>9.2f} s {r['total_cpu_seconds']:>7.2f} cpu {r['peak_mb']:>6,} MB"
            for r in runs
        )
    )
    lines.append(
        f"{'data generation, RSS after data':38s}"
        + "".join(
            f"{r['generate_seconds']:>9.2f} s {'':11s} {r['peak_mb_after_data']:>6,} MB"
            for r in runs
        )
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="table sizes"
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.rows[0])))
        return 0
    runs = []
    for rows in args.rows:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", "--rows", str(rows)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            return proc.returncode
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    info = machine()
    print(report(runs, info))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"machine": info, "runs": runs}, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
