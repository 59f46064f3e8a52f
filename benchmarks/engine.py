"""Engine throughput and the wall time of the default `detente run`.

Usage::

    python benchmarks/engine.py            # full: the default run as the README gives it
    python benchmarks/engine.py --quick    # 2,000 runs, for a smoke check

Reports run-steps per second of one process on `ukraine-2022` (status quo,
where most runs go to war, and the peace programme, where most settle), in
chunks of 2,500, then the wall time of `detente run` with its defaults
(10,000 runs x 6 packages x 104 steps) as a subprocess with one worker and
with a worker per CPU, and the ratio of the two. All four cases are timed
interleaved, best of N, the load recorded (benchmarks/harness.py). Checked
before timing: the default run prints the same JSON, byte for byte, with one
worker and with a worker per CPU (on 400 runs), and a package's outcomes are
the same in chunks of 2,500 as in one chunk (on 3,000 runs); every timed
`detente run` is checked again to print the same JSON as the others. The two
packages are different models on purpose. The named baseline for ratios is
one worker, measured in the same run. Writes ``benchmarks/results/engine.json``.
No figure here is asserted by any test.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Measured, Report, arguments, fingerprint, interleave, rounds_of

from detente import load_scenario
from detente.model.simulate import compile_model, simulate_chunk

SCENARIO, PACKAGES, CHUNK = "ukraine-2022", ("status-quo", "peace-program"), 2500


def chunked(sc, model, runs: int, chunk: int) -> dict[str, np.ndarray]:
    parts = [
        simulate_chunk(sc, model, 0, np.arange(a, min(a + chunk, runs)))
        for a in range(0, runs, chunk)
    ]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def default_run(runs: int, workers: int) -> tuple[float, str]:
    """Seconds of ``detente run --runs RUNS --json --workers W`` and its output's hash."""
    cmd = [sys.executable, "-m", "detente.cli", "run", "--runs", str(runs), "--json"]
    t0 = time.perf_counter()
    out = subprocess.run([*cmd, "--workers", str(workers)], check=True, capture_output=True)
    return time.perf_counter() - t0, hashlib.sha256(out.stdout).hexdigest()[:16]


def main() -> None:
    ap = arguments(__doc__, rounds=3)
    args = ap.parse_args()
    runs, rounds = (2_000 if args.quick else 10_000), rounds_of(args)
    cpus = os.cpu_count() or 1
    report = Report("engine", args)
    sc = load_scenario(SCENARIO)
    models = {p: compile_model(sc, p) for p in PACKAGES}
    report.put(
        "job",
        {
            "scenario": SCENARIO,
            "runs": runs,
            "steps": sc.settings.steps,
            "chunk": CHUNK,
            "workers": [1, cpus],
        },
    )

    one, many = default_run(400, 1), default_run(400, cpus)
    report.check(
        f"detente run --runs 400 --json prints the same with 1 and {cpus} workers",
        one[1] == many[1],
        one_worker=one[1],
        workers=many[1],
    )
    for p, m in models.items():
        a, b = chunked(sc, m, 3000, CHUNK), chunked(sc, m, 3000, 3000)
        report.check(
            f"{p}: the same outcomes in chunks of {CHUNK} as in one chunk (3,000 runs)",
            fingerprint(a) == fingerprint(b),
            chunks=fingerprint(a),
            one_chunk=fingerprint(b),
        )
        simulate_chunk(sc, m, 0, np.arange(200))  # warm caches and imports

    printed: set[str] = set()

    def run_case(workers: int):
        def case() -> Measured:
            seconds, digest = default_run(runs, workers)
            printed.add(digest)
            return Measured(seconds, {"output_sha256": digest})

        return case

    cases = {
        f"{p}, 1 process": (lambda m=m: chunked(sc, m, runs, CHUNK)) for p, m in models.items()
    }
    cases["detente run, 1 worker (baseline)"] = run_case(1)
    cases[f"detente run, {cpus} workers"] = run_case(cpus)
    t = interleave(cases, rounds)
    report.timed("engine and default run", t)
    report.check(
        "every timed detente run printed the same JSON", len(printed) == 1, outputs=sorted(printed)
    )
    steps = sc.settings.steps
    rates = {p: round(runs * steps / t[f"{p}, 1 process"].best) for p in PACKAGES}
    t1, tn = t["detente run, 1 worker (baseline)"].best, t[f"detente run, {cpus} workers"].best
    report.put("run_steps_per_s, 1 process", rates)
    report.put("detente run seconds", {"1 worker": round(t1, 2), f"{cpus} workers": round(tn, 2)})
    report.put("speed-up of workers over 1 worker", round(t1 / tn, 2))
    report.put("default run run-steps per second", round(runs * len(sc.packages) * steps / tn))
    report.put(
        "run_steps_per_cpu_s, 1 process",
        {p: round(runs * steps / t[f"{p}, 1 process"].best_cpu) for p in PACKAGES},
    )
    rows = []
    for k, v in t.items():
        in_process = "process" in k
        work = runs * steps * (1 if in_process else len(sc.packages))
        rows.append(
            [
                k,
                v.best,
                v.median,
                round(work / v.best),
                round(work / v.best_cpu) if in_process else "(subprocess)",
            ]
        )
    report.table(
        f"{SCENARIO}, {runs:,} runs x {steps} steps, best of {rounds} interleaved",
        ["case", "best s", "median s", "run-steps/s (best)", "run-steps per CPU s (best)"],
        rows,
    )
    report.write()


if __name__ == "__main__":
    main()
