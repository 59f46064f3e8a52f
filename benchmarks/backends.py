"""The NumPy and compiled (JAX) backends side by side on `ukraine-2022`, on this machine.

Usage::

    python benchmarks/backends.py            # 10,000 runs (the default run's size)
    python benchmarks/backends.py --quick    # 2,000 runs

Reports, in one run:

* run-steps per second of the engine on `ukraine-2022` (status quo, where
  most runs go to war, and the peace programme, where most settle): NumPy
  in one process (the named baseline), NumPy with a worker per CPU, and the
  compiled backend in one process (it uses every core itself). The compiled
  backend is compiled before it is timed; the first call (trace, compile or
  load, run) is reported apart;
* the wall time of the default `detente run` (6 packages x 104 steps) as a
  subprocess: NumPy with its default workers, and ``--backend jax`` with an
  empty compilation cache (what a first run costs; a new empty cache each
  round) and with the cache a run before it wrote (every later run).

Checked before timing: on the first 400 runs of each package, the compiled
backend gives NumPy's wars, settlements and highest rungs in every run and
its deaths and displaced to 1e-9 relative; NumPy gives the same outcomes
with one worker and with a worker per CPU; and ``detente run --runs 400
--json`` prints the same summary with either backend (numbers to 1e-9).
Every case is timed interleaved with the others of its table, best of N, the
load recorded (benchmarks/harness.py). Writes
``benchmarks/results/backends.json``; no test asserts any of it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import (
    Measured,
    Report,
    arguments,
    close,
    fingerprint,
    interleave,
    outcomes_agree,
    rounds_of,
)

from detente import load_scenario
from detente.model import compiled
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model
from detente.model.state import initial_state
from detente.run.ensemble import simulate

PACKAGES = ("status-quo", "peace-program")
KEYS = ("war", "settled", "max_rung", "deaths", "displaced")


def default_run(runs: int, *extra: str, env: dict | None = None) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "detente.cli", "run", "--runs", str(runs), "--json", *extra]
    start = time.perf_counter()
    out = subprocess.run(
        cmd, check=True, capture_output=True, env={**os.environ, **(env or {})}, text=True
    )
    return time.perf_counter() - start, json.loads(out.stdout)


def first_call(jax, sc, package: str, runs: int) -> float:
    """Seconds of the compiled simulation's first call: trace, compile (or load), run."""
    model = compile_model(sc, package)
    start = time.perf_counter()
    fn, starts, ends = compiled.simulation(sc, model, 0, runs)
    p = draw_params(sc, 0, np.arange(runs))
    state = initial_state(p, model.structure, *common_priors(sc, model.structure.bins))
    carry, params = compiled.to_device(state, p)
    jax.block_until_ready(fn(carry, params, jax.numpy.arange(runs), starts, ends))
    return time.perf_counter() - start


def checks(report: Report, sc, cpus: int) -> None:
    for package in PACKAGES:
        ref = simulate(sc, runs=400, package=package, workers=1).outcomes
        workers = simulate(sc, runs=400, package=package, workers=cpus, chunk_size=100).outcomes
        report.check(
            f"{package}: numpy gives the same outcomes with 1 and {cpus} workers (400 runs)",
            fingerprint({k: ref[k] for k in KEYS}) == fingerprint({k: workers[k] for k in KEYS}),
        )
        got = simulate(sc, runs=400, package=package, backend="jax").outcomes
        agree = outcomes_agree(ref, got, KEYS, rtol=1e-9)
        report.check(
            f"{package}: jax gives numpy's discrete outcomes in every run, deaths and "
            "displaced to 1e-9 (400 runs)",
            all(v == 1.0 for v in agree.values()),
            share_of_runs_equal=agree,
        )
    with tempfile.TemporaryDirectory() as cache:
        _, a = default_run(400)
        _, b = default_run(400, "--backend", "jax", env={"DETENTE_JAX_CACHE": cache})
    a.pop("backend", None), b.pop("backend", None)
    diff = close(a, b, rtol=1e-9)
    report.check(
        "detente run --runs 400 --json: the same summary from numpy and jax (to 1e-9)",
        not diff,
        differences=diff[:10],
    )


def main() -> None:
    ap = arguments(__doc__, rounds=3)
    args = ap.parse_args()
    runs, rounds = (2000 if args.quick else 10_000), rounds_of(args)
    cpus = os.cpu_count() or 1
    jax = compiled._jax()
    report = Report("backends", args)
    report.put("device", compiled.device())
    sc = load_scenario("ukraine-2022")
    steps = sc.settings.steps
    checks(report, sc, cpus)
    rows = []
    for package in PACKAGES:
        first = first_call(jax, sc, package, runs)
        simulate(sc, runs=runs, package=package, backend="jax", chunk_size=runs)  # cached
        t = interleave(
            {
                "numpy, 1 process (baseline)": lambda p=package: simulate(
                    sc, runs=runs, package=p, workers=1
                ),
                f"numpy, {cpus} workers": lambda p=package: simulate(
                    sc, runs=runs, package=p, workers=cpus
                ),
                "jax, 1 process": lambda p=package: simulate(
                    sc, runs=runs, package=p, backend="jax", chunk_size=runs
                ),
            },
            rounds,
        )
        report.timed(f"ukraine-2022/{package}", t, runs=runs, steps=steps)
        rate = {k: runs * steps / v.best for k, v in t.items()}
        base, many, jx = rate.values()
        row = {
            "package": package,
            "numpy_1_process": round(base),
            f"numpy_{cpus}_workers": round(many),
            "jax_1_process": round(jx),
            "jax_vs_numpy_1_process": round(jx / base, 2),
            f"jax_vs_numpy_{cpus}_workers": round(jx / many, 2),
            "jax_first_call_s": round(first, 1),
        }
        rows.append(row)
    report.put("run_steps_per_s", rows)
    report.table(
        f"ukraine-2022, {runs:,} runs x {steps} steps: run-steps/s, best of {rounds} interleaved",
        list(rows[0]),
        [list(r.values()) for r in rows],
    )

    warm_cache = tempfile.TemporaryDirectory()
    default_run(runs, "--backend", "jax", env={"DETENTE_JAX_CACHE": warm_cache.name})

    def cold() -> Measured:
        with tempfile.TemporaryDirectory() as cache:
            return Measured(
                default_run(runs, "--backend", "jax", env={"DETENTE_JAX_CACHE": cache})[0]
            )

    t = interleave(
        {
            f"numpy, {cpus} workers (baseline)": lambda: Measured(default_run(runs)[0]),
            "jax, empty compilation cache": cold,
            "jax, cache written by a run before": lambda: Measured(
                default_run(runs, "--backend", "jax", env={"DETENTE_JAX_CACHE": warm_cache.name})[0]
            ),
        },
        rounds,
    )
    warm_cache.cleanup()
    report.timed("detente run", t, runs=runs, packages=len(sc.packages), steps=steps)
    base = t[f"numpy, {cpus} workers (baseline)"].best
    report.put(
        "detente run seconds",
        {k: round(v.best, 2) for k, v in t.items()}
        | {"jax (cached) vs numpy": round(base / t["jax, cache written by a run before"].best, 2)},
    )
    report.table(
        f"detente run --runs {runs:,} ({len(sc.packages)} packages x {steps} steps), "
        f"best of {rounds} interleaved",
        ["case", "best s", "median s", "vs baseline"],
        [[k, v.best, v.median, round(base / v.best, 2)] for k, v in t.items()],
    )
    report.write()


if __name__ == "__main__":
    main()
