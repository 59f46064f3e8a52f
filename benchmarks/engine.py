"""Engine throughput and the wall time of the default `detente run`.

Usage::

    python benchmarks/engine.py            # full: the default run as the README gives it
    python benchmarks/engine.py --quick    # smaller, for a smoke check

Reports run-steps per second of one process on `ukraine-2022` (status quo,
where most runs go to war, and the peace programme, where most settle), then
the wall time of `detente run` with its defaults (10,000 runs x 6 packages x
104 steps) as a subprocess, and the ratio of the two process counts. The
named baseline for ratios is the single-process engine measured in the same
run. No figure here is asserted by any test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

from detente import load_scenario
from detente.model.simulate import compile_model, simulate_chunk


def run_steps_per_second(name: str, package: str, runs: int, chunk: int) -> float:
    sc = load_scenario(name)
    model = compile_model(sc, package)
    simulate_chunk(sc, model, 0, np.arange(min(chunk, 200)))  # warm caches and imports
    start = time.perf_counter()
    for a in range(0, runs, chunk):
        simulate_chunk(sc, model, 0, np.arange(a, min(a + chunk, runs)))
    elapsed = time.perf_counter() - start
    return runs * sc.settings.steps / elapsed


def default_run_seconds(runs: int, workers: int) -> float:
    cmd = [
        sys.executable,
        "-m",
        "detente.cli",
        "run",
        "--runs",
        str(runs),
        "--json",
        "--workers",
        str(workers),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs")
    args = ap.parse_args()
    runs = 2_000 if args.quick else 10_000
    report: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "numpy": np.__version__,
    }
    for package in ("status-quo", "peace-program"):
        rate = run_steps_per_second("ukraine-2022", package, runs, 2500)
        report[f"run_steps_per_s[ukraine-2022/{package}, 1 process]"] = round(rate)
    t1 = default_run_seconds(runs, 1)
    tn = default_run_seconds(runs, os.cpu_count() or 1)
    report[f"detente run --runs {runs} (1 worker) seconds"] = round(t1, 1)
    report[f"detente run --runs {runs} ({os.cpu_count()} workers) seconds"] = round(tn, 1)
    report["speed-up of workers over 1 process (baseline)"] = round(t1 / tn, 2)
    report["default run run-steps per second"] = round(runs * 6 * 104 / tn)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
