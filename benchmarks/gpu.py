"""The compiled backend on whatever device JAX finds, against NumPy on 2 cores.

Usage::

    python benchmarks/gpu.py                       # 10^5 and 10^6 runs (the GPU check)
    python benchmarks/gpu.py --sizes 2000 5000     # a smoke check on a CPU
    python benchmarks/gpu.py --quick               # the same, smaller (bandwidth on 2^22)

Run by `benchmarks/gpu.sh` on the GPU machine. Measures, in one run:

* the device, and its stream bandwidth: a jitted ``y = x + 1`` over 2^28
  float64 (2 GiB read, 2 GiB written), best of 5;
* the model's state: bytes per run of the arrays a step reads and writes
  (float64; float32 halves the real-valued ones);
* agreement, checked before anything is timed: the first 2,000 runs on the
  device and on NumPy, the share of runs whose discrete outcomes (war,
  settlement, highest rung) are identical; in float64 it must be every run,
  or the script stops;
* the baseline: the NumPy backend with 2 worker processes pinned to 2 cores,
  on `ukraine-2022` (status quo), run-steps per second;
* the compiled backend at each size, in float64 (the reference's
  arithmetic) and float32: run-steps per second of the compiled
  simulation alone (parameters drawn and state built beforehand, timed
  from the call until the result is on the device), every case compiled
  first, then timed interleaved (benchmarks/harness.py), best of
  ``--rounds`` (3), the load before and after each; and the end-to-end time
  of one chunk (drawing on the host and reading off outcomes included);
* the roofline: stream bandwidth / (2 x state bytes per run) is the rate at
  which a step could do no more than read and write every run's state once;
  the measured rate is reported as a share of it.

Prints one JSON document (again as it grows; ``gpu.sh`` keeps the last in
``gpu.json``), with the host machine (CPU, cores, memory, versions, commit)
and the checks. Its keys are those of earlier runs
(``benchmarks/results/gpu-h100-*.json``), with ``machine``, ``checks``,
``rounds`` and each case's rounds and loads added. No test asserts any of it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import interleave, load, machine

from detente import load_scenario
from detente.model import compiled
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model, run_chunk
from detente.model.state import initial_state

SCENARIO, PACKAGE = "ukraine-2022", "status-quo"


def stream_bandwidth(jax, n: int = 1 << 28) -> float:
    x = jax.numpy.zeros(n, dtype=jax.numpy.float64)
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


def prepared(sc, model, size: int, precision: str):
    """The compiled simulation of ``size`` runs and its inputs on the device."""
    jax = compiled._jax()
    st = model.structure
    runs = np.arange(size)
    p = draw_params(sc, 0, runs)
    state = initial_state(p, st, *common_priors(sc, st.bins))
    fn, starts, ends = compiled.simulation(sc, model, 0, size, precision=precision)
    carry, params = compiled.to_device(state, p, precision)
    bytes_per_run = sum(np.asarray(v).nbytes for v in carry.values() if np.ndim(v)) / size
    druns = jax.numpy.asarray(runs)
    return (lambda: jax.block_until_ready(fn(carry, params, druns, starts, ends))), bytes_per_run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--numpy-runs", type=int, default=20_000)
    ap.add_argument("--precisions", nargs="+", default=["float64", "float32"])
    ap.add_argument("--rounds", type=int, default=3, help="interleaved timed rounds, best taken")
    ap.add_argument("--quick", action="store_true", help="a CPU smoke run: small sizes")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.numpy_runs, args.rounds = [2000, 4000], 2000, 2
    jax = compiled._jax()
    sc = load_scenario(SCENARIO)
    model = compile_model(sc, PACKAGE)
    st = model.structure
    report: dict[str, object] = {
        "device": compiled.device(),
        "jax": jax.__version__,
        "host": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "machine": machine(),
        "command": " ".join(["python", "benchmarks/gpu.py", *sys.argv[1:]]),
        "scenario": f"{SCENARIO} / {PACKAGE}, {st.steps} steps",
        "rounds": args.rounds,
        "load_at_start": load(),
        "checks": [],
    }

    def emit() -> None:
        text = json.dumps(report, indent=2)
        print(text, flush=True)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text + "\n")

    bw = stream_bandwidth(jax, 1 << (22 if args.quick else 28))
    report["stream_bandwidth_GB_per_s"] = round(bw / 1e9, 1)
    base = numpy_two_cores(args.numpy_runs)
    report["baseline_numpy_2_cores_run_steps_per_s"] = round(base)

    # Compile every case, and check it against NumPy, before any is timed.
    cases, meta = {}, {}
    for size, precision in [(n, x) for x in args.precisions for n in args.sizes]:
        key = f"runs={size}, {precision}"
        call, bytes_per_run = prepared(sc, model, size, precision)
        t = time.perf_counter()
        call()
        first = time.perf_counter() - t
        t = time.perf_counter()
        outcomes, _ = compiled.run_chunk_compiled(
            sc, model, 0, np.arange(size), precision=precision
        )
        end_to_end = time.perf_counter() - t
        agreement = f"agreement[{precision}]"
        if agreement not in report:
            # The first 2,000 runs against the NumPy reference (same random numbers).
            head = np.arange(min(size, 2000))
            ref, _ = run_chunk(sc, model, 0, head)
            same = np.ones(len(head), dtype=bool)
            for k in ("war", "settled", "max_rung"):
                same &= ref[k] == outcomes[k][: len(head)]
            report[agreement] = {
                "runs": len(head),
                "share of runs identical": float(same.mean()),
                "p_war numpy, device": [
                    float(ref["war"].mean()),
                    float(outcomes["war"][: len(head)].mean()),
                ],
            }
            ok = precision != "float64" or bool(same.all())
            report["checks"].append(
                {
                    "what": f"{precision}: the first {len(head)} runs on the device against "
                    "NumPy (float64 must give the same wars, settlements and highest rungs in "
                    "every run; float32 is other arithmetic on purpose: recorded, same job and "
                    "random keys)",
                    "ok": ok,
                    "share_of_runs_identical": float(same.mean()),
                }
            )
            if not ok:
                report["stopped"] = "check failed before timing"
                emit()
                raise SystemExit("gpu.py: float64 on the device disagrees with NumPy")
        cases[key] = call
        meta[key] = (size, bytes_per_run, first, end_to_end)
    emit()
    timings = interleave(cases, args.rounds)
    for key, timing in timings.items():
        size, bytes_per_run, first, end_to_end = meta[key]
        rate = size * st.steps / timing.best
        limit = bw / (2 * bytes_per_run)
        report[key] = {
            "state_bytes_per_run": round(bytes_per_run, 1),
            "first_call_with_compile_s": round(first, 2),
            "simulation_s": round(timing.best, 3),
            "run_steps_per_s": round(rate),
            "vs_numpy_2_cores": round(rate / base, 1),
            "state_round_trip_limit_run_steps_per_s": round(limit),
            "share_of_limit": round(rate / limit, 3),
            "end_to_end_chunk_s": round(end_to_end, 2),
            **timing.record(),
        }
    report["load_at_end"] = load()
    emit()


if __name__ == "__main__":
    main()
