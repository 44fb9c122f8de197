"""ETL benchmark: full build from ../shared/opendata vs. a re-run with unchanged inputs (the naive
baseline being a forced full rebuild every time). Writes bench/results/etl.json and the README table.

Machines are noisy: each variant runs REPEAT times; we report medians and the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl.runner import run  # noqa: E402
from etl.settings import Settings  # noqa: E402

REPEAT = 3
BUDGET_S = 60.0


def timed(fn, cpu: list | None = None) -> float:
    """Wall seconds of fn(); its CPU seconds (user + sys of this process, all DuckDB threads) go to `cpu`:
    on a shared, loaded machine the CPU figure is the one that compares across runs."""
    r0, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    fn()
    wall, r1 = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF)
    if cpu is not None:
        cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return wall


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=REPEAT)
    repeat = ap.parse_args().repeat
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(warehouse_path=f"{tmp}/wh.duckdb", snapshot_dir=f"{tmp}/snap",
                            asset_dir=f"{tmp}/assets", online="0")
        cold_cpu: list[float] = []
        cold = [timed(lambda: run(settings=settings, force=True), cold_cpu) for _ in range(repeat)]
        warm = [timed(lambda: run(settings=settings)) for _ in range(repeat)]
        size = Path(settings.warehouse).stat().st_size
    result = {
        "machine": f"{platform.machine()} {platform.python_version()} cores={__import__('os').cpu_count()}",
        "repeat": repeat,
        "load_average_1min_before": round(load_before, 2),
        "full_build_s": {"median": round(statistics.median(cold), 2), "runs": [round(x, 2) for x in cold]},
        "full_build_cpu_s": {"median": round(statistics.median(cold_cpu), 2), "runs": [round(x, 2) for x in cold_cpu]},
        "unchanged_rerun_s": {"median": round(statistics.median(warm), 3), "runs": [round(x, 3) for x in warm]},
        "speedup_unchanged_vs_forced_rebuild": round(statistics.median(cold) / statistics.median(warm), 1),
        "budget_full_build_s": BUDGET_S,
        "within_budget": statistics.median(cold) <= BUDGET_S,
        "warehouse_mb": round(size / 1e6, 1),
    }
    out = ROOT / "bench" / "results" / "etl.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    table = (
        "| measure | median | runs |\n|---|---:|---|\n"
        f"| full build (`etl run --force`, naive baseline) | {result['full_build_s']['median']} s | {result['full_build_s']['runs']} |\n"
        f"| full build, CPU time (user + sys) | {result['full_build_cpu_s']['median']} s | {result['full_build_cpu_s']['runs']} |\n"
        f"| re-run, unchanged inputs (`etl run`) | {result['unchanged_rerun_s']['median']} s | {result['unchanged_rerun_s']['runs']} |\n"
        f"| ratio forced / unchanged | {result['speedup_unchanged_vs_forced_rebuild']}× | |\n"
        f"| budget full build ≤ {BUDGET_S:.0f} s | {'met' if result['within_budget'] else 'MISSED'} | warehouse {result['warehouse_mb']} MB |\n"
        f"\n_{result['machine']}, {repeat} runs each, load average {result['load_average_1min_before']} before the "
        f"first run, results in `bench/results/etl.json`._"
    )
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    text = re.sub(r"<!-- bench:etl -->.*?<!-- /bench:etl -->", f"<!-- bench:etl -->\n{table}\n<!-- /bench:etl -->",
                  text, flags=re.S)
    readme.write_text(text, encoding="utf-8")
    print(table)
    return result


if __name__ == "__main__":
    main()
