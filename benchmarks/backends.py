"""The NumPy and compiled (JAX) backends side by side on `ukraine-2022`, on this machine.

Usage::

    python benchmarks/backends.py            # 10,000 runs (the default run's size)
    python benchmarks/backends.py --quick    # 2,000 runs

Reports, in one run:

* run-steps per second of the engine on `ukraine-2022` (status quo, where
  most runs go to war, and the peace programme, where most settle): NumPy
  in one process (the named baseline), NumPy with a worker per CPU, and the
  compiled backend in one process (it uses every core itself). The compiled
  backend is compiled before it is timed; the compilation is reported apart;
* the wall time of the default `detente run` (6 packages x 104 steps) as a
  subprocess: NumPy with its default workers, and ``--backend jax`` with an
  empty compilation cache (what a first run costs) and again with the cache
  it wrote (every later run).

Prints one JSON document; no test asserts any of it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

from detente import load_scenario
from detente.model import compiled
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model
from detente.model.state import initial_state
from detente.run.ensemble import simulate


def rate(sc, package: str, runs: int, **kw) -> float:
    start = time.perf_counter()
    simulate(sc, runs=runs, package=package, **kw)
    return runs * sc.settings.steps / (time.perf_counter() - start)


def default_run(runs: int, *extra: str, env: dict | None = None) -> float:
    cmd = [sys.executable, "-m", "detente.cli", "run", "--runs", str(runs), "--json", *extra]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    runs = 2000 if args.quick else 10_000
    cpus = os.cpu_count() or 1
    jax = compiled._jax()
    sc = load_scenario("ukraine-2022")
    report: dict[str, object] = {
        "machine": f"{platform.machine()}, {cpus} CPUs, Python {platform.python_version()}",
        "numpy": np.__version__,
        "jax": jax.__version__,
        "device": compiled.device(),
    }
    simulate(sc, runs=200, seed=0)  # imports and caches
    for package in ("status-quo", "peace-program"):
        base = rate(sc, package, runs, workers=1)
        workers = rate(sc, package, runs, workers=cpus)
        model = compile_model(sc, package)
        start = time.perf_counter()
        fn, starts, ends = compiled.simulation(sc, model, 0, runs)
        p = draw_params(sc, 0, np.arange(runs))
        state = initial_state(p, model.structure, *common_priors(sc, model.structure.bins))
        carry, params = compiled.to_device(state, p)
        jax.block_until_ready(fn(carry, params, jax.numpy.arange(runs), starts, ends))
        first = time.perf_counter() - start
        compiled_rate = rate(sc, package, runs, backend="jax", chunk_size=runs)
        report[f"ukraine-2022/{package}, {runs} runs"] = {
            "numpy, 1 process (baseline) run-steps/s": round(base),
            f"numpy, {cpus} workers run-steps/s": round(workers),
            "jax, 1 process run-steps/s": round(compiled_rate),
            "jax vs numpy 1 process": round(compiled_rate / base, 2),
            f"jax vs numpy {cpus} workers": round(compiled_rate / workers, 2),
            "jax first call (trace, compile or load, run) s": round(first, 1),
        }
    t_np = default_run(runs)
    with tempfile.TemporaryDirectory() as cache:
        cold = default_run(runs, "--backend", "jax", env={"DETENTE_JAX_CACHE": cache})
        warm = default_run(runs, "--backend", "jax", env={"DETENTE_JAX_CACHE": cache})
    report[f"detente run --runs {runs} (6 packages) s"] = {
        f"numpy, {cpus} workers (baseline)": round(t_np, 1),
        "jax, empty compilation cache": round(cold, 1),
        "jax, cache written by the run before": round(warm, 1),
        "jax (cached) vs numpy": round(t_np / warm, 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
