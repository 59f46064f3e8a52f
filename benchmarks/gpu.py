"""The compiled backend on whatever device JAX finds, against NumPy on 2 cores.

Usage::

    python benchmarks/gpu.py                       # 10^5 and 10^6 runs (the GPU check)
    python benchmarks/gpu.py --sizes 2000 5000     # a smoke check on a CPU

Run by `benchmarks/gpu.sh` on the GPU machine. Measures, in one run:

* the device, and its stream bandwidth: a jitted ``y = x + 1`` over 2^28
  float64 (2 GiB read, 2 GiB written), best of 5;
* the model's state: bytes per run of the arrays a step reads and writes
  (float64; float32 halves the real-valued ones);
* agreement: the first 2,000 runs on the device and on NumPy, the share of
  runs whose discrete outcomes (war, settlement, highest rung) are identical;
* the baseline: the NumPy backend with 2 worker processes pinned to 2 cores,
  on `ukraine-2022` (status quo), run-steps per second;
* the compiled backend at each size, in float64 (the reference's
  arithmetic) and float32: run-steps per second of the compiled
  simulation alone (parameters drawn and state built beforehand, timed
  from the call until the result is on the device), best of 3 after a
  compiling call; and the end-to-end time of one chunk (drawing on the host
  and reading off outcomes included);
* the roofline: stream bandwidth / (2 x state bytes per run) is the rate at
  which a step could do no more than read and write every run's state once;
  the measured rate is reported as a share of it.

Prints one JSON document. No test asserts any of it.
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
from detente.model import compiled
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model, run_chunk
from detente.model.state import initial_state

SCENARIO, PACKAGE = "ukraine-2022", "status-quo"


def stream_bandwidth(jax) -> float:
    x = jax.numpy.zeros(1 << 28, dtype=jax.numpy.float64)
    f = jax.jit(lambda v: v + 1.0)
    f(x).block_until_ready()
    best = np.inf
    for _ in range(5):
        t = time.perf_counter()
        f(x).block_until_ready()
        best = min(best, time.perf_counter() - t)
    return 2 * x.nbytes / best


def numpy_two_cores(runs: int) -> float:
    """Run-steps/s of the NumPy backend, 2 workers, in a process pinned to 2 cores."""
    code = (
        "import os, time, sys\n"
        "os.sched_setaffinity(0, {0, 1})\n"
        "from detente import load_scenario\n"
        "from detente.run.ensemble import simulate\n"
        f"sc = load_scenario('{SCENARIO}')\n"
        "simulate(sc, runs=500, package='status-quo', workers=1)\n"
        "t = time.perf_counter()\n"
        f"simulate(sc, runs={runs}, package='{PACKAGE}', workers=2, chunk_size=2500)\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = float(out.stdout.strip().splitlines()[-1])
    return runs * load_scenario(SCENARIO).settings.steps / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--numpy-runs", type=int, default=20_000)
    ap.add_argument("--precisions", nargs="+", default=["float64", "float32"])
    args = ap.parse_args()
    jax = compiled._jax()
    jnp = jax.numpy
    sc = load_scenario(SCENARIO)
    model = compile_model(sc, PACKAGE)
    st = model.structure
    report: dict[str, object] = {
        "device": compiled.device(),
        "jax": jax.__version__,
        "host": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "scenario": f"{SCENARIO} / {PACKAGE}, {st.steps} steps",
    }
    bw = stream_bandwidth(jax)
    report["stream_bandwidth_GB_per_s"] = round(bw / 1e9, 1)

    base = numpy_two_cores(args.numpy_runs)
    report["baseline_numpy_2_cores_run_steps_per_s"] = round(base)

    resolve_prior, cohesion_prior = common_priors(sc, st.bins)
    for size, precision in [(n, x) for x in args.precisions for n in args.sizes]:
        runs = np.arange(size)
        p = draw_params(sc, 0, runs)
        state = initial_state(p, st, resolve_prior, cohesion_prior)
        fn, starts, ends = compiled.simulation(sc, model, 0, size, precision=precision)
        carry, params = compiled.to_device(state, p, precision)
        bytes_per_run = sum(np.asarray(v).nbytes for v in carry.values() if np.ndim(v)) / size
        druns = jnp.asarray(runs)
        t = time.perf_counter()
        jax.block_until_ready(fn(carry, params, druns, starts, ends))
        first = time.perf_counter() - t
        best = np.inf
        for _ in range(3):
            t = time.perf_counter()
            jax.block_until_ready(fn(carry, params, druns, starts, ends))
            best = min(best, time.perf_counter() - t)
        rate = size * st.steps / best
        limit = bw / (2 * bytes_per_run)
        t = time.perf_counter()
        outcomes, _ = compiled.run_chunk_compiled(sc, model, 0, runs, precision=precision)
        end_to_end = time.perf_counter() - t
        agreement = f"agreement[{precision}]"
        if agreement not in report:
            # The first 2,000 runs against the NumPy reference (same random numbers).
            head = np.arange(min(size, 2000))
            ref, _ = run_chunk(sc, model, 0, head)
            same = np.ones(len(head), dtype=bool)
            for key in ("war", "settled", "max_rung"):
                same &= ref[key] == outcomes[key][: len(head)]
            report[agreement] = {
                "runs": len(head),
                "share of runs identical": float(same.mean()),
                "p_war numpy, device": [
                    float(ref["war"].mean()),
                    float(outcomes["war"][: len(head)].mean()),
                ],
            }
        report[f"runs={size}, {precision}"] = {
            "state_bytes_per_run": round(bytes_per_run, 1),
            "first_call_with_compile_s": round(first, 2),
            "simulation_s": round(best, 3),
            "run_steps_per_s": round(rate),
            "vs_numpy_2_cores": round(rate / base, 1),
            "state_round_trip_limit_run_steps_per_s": round(limit),
            "share_of_limit": round(rate / limit, 3),
            "end_to_end_chunk_s": round(end_to_end, 2),
        }
        print(json.dumps(report, indent=2), flush=True)


if __name__ == "__main__":
    main()
