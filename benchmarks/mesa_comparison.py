"""detente against Mesa 3 on the same model: the `two-state-textbook` crisis.

Usage::

    python benchmarks/mesa_comparison.py              # Mesa on 2,000 runs; detente on 20,000
    python benchmarks/mesa_comparison.py --quick      # Mesa on 300 runs; detente on 3,000

The baseline is `benchmarks/baselines/mesa_crisis.py`: the status quo of
`two-state-textbook` written as a Mesa user would (a Model per run, an Agent
per actor, staged activation), with detente's rules and random numbers; and
the same crisis with 4 and 8 allies of the defender (`benchmarks/scaling.py`'s
actor series: an alliance, cohesion beliefs, allies' arms, a war that spreads
and allies that join).
Before timing anything the script checks, run by run, that Mesa and detente
agree on who goes to war, the highest rung, deaths and displaced.

Then, in one run on this machine, run-steps per second of: Mesa in one
process and in as many processes as there are CPUs (a Pool over runs, the
way Mesa's ``batch_run`` parallelises); detente's NumPy backend in one
process and with a worker per CPU; and the compiled (JAX) backend, which
uses every core from one process (its compilation is done beforehand and
not timed; `benchmarks/backends.py` reports it). Ratios are against Mesa
with the same number of cores. Needs ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent / "baselines"))
sys.path.insert(0, str(Path(__file__).parent))

import mesa_crisis
from scaling import with_allies

from detente import load_scenario
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model, simulate_chunk
from detente.model.state import initial_state
from detente.run.ensemble import simulate

NAME, SEED = "two-state-textbook", 0


def scenario(allies: int = 0):
    return with_allies(allies) if allies else load_scenario(NAME)


def mesa_runs(bounds: tuple[int, int], allies: int = 0) -> dict:
    """The Mesa baseline on runs [a, b): parameters drawn as detente draws them."""
    sc = scenario(allies)
    st = compile_model(sc, "status-quo").structure
    runs = np.arange(*bounds)
    p = draw_params(sc, SEED, runs)
    state = initial_state(p, st, *common_priors(sc, st.bins))
    return mesa_crisis.simulate(p, st, state.belief, state.cohesion_belief, SEED, runs)


def by_actors(n_mesa: int, n_detente: int) -> list[dict]:
    """Mesa, NumPy and JAX in one process each, with 0, 4 and 8 allies of the defender."""
    rows = []
    for allies in (0, 4, 8):
        sc = scenario(allies)
        steps = sc.settings.steps
        model = compile_model(sc, "status-quo")
        t_mesa, theirs = timed(mesa_runs, (0, n_mesa), allies)
        ours = simulate_chunk(sc, model, SEED, np.arange(n_mesa))
        same = float(np.mean(ours["war"] == theirs["war"]))
        simulate(sc, runs=500, seed=SEED)
        t_np, _ = timed(lambda sc=sc: simulate(sc, runs=n_detente, seed=SEED, workers=1))
        simulate(sc, runs=n_detente, seed=SEED, backend="jax", chunk_size=n_detente)
        t_jax, _ = timed(
            lambda sc=sc: simulate(
                sc, runs=n_detente, seed=SEED, backend="jax", chunk_size=n_detente
            )
        )
        mesa_rate = n_mesa * steps / t_mesa
        np_rate, jax_rate = n_detente * steps / t_np, n_detente * steps / t_jax
        rows.append(
            {
                "actors": 2 + allies,
                "share of runs with the same war in Mesa and detente": same,
                "mesa run-steps/s (baseline)": round(mesa_rate),
                "numpy run-steps/s": round(np_rate),
                "jax run-steps/s (2 cores)": round(jax_rate),
                "numpy vs mesa (1 process each)": round(np_rate / mesa_rate, 1),
                "jax vs mesa (1 process each)": round(jax_rate / mesa_rate, 1),
            }
        )
    return rows


def timed(f, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = f(*args)
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n_mesa, n_detente = (300, 3000) if args.quick else (2000, 20000)
    cpus = os.cpu_count() or 1
    sc = load_scenario(NAME)
    steps = sc.settings.steps
    model = compile_model(sc, "status-quo")

    # 1. Same model: Mesa and detente, run by run.
    t_mesa, theirs = timed(mesa_runs, (0, n_mesa))
    ours = simulate_chunk(sc, model, SEED, np.arange(n_mesa))
    agree = {
        k: float(np.mean(np.isclose(ours[k], theirs[k], rtol=1e-9)))
        for k in ("war", "max_rung", "deaths", "displaced")
    }

    # 2. Mesa on every core.
    size = -(-n_mesa // cpus)
    chunks = [(a, min(a + size, n_mesa)) for a in range(0, n_mesa, size)]
    with ProcessPoolExecutor(cpus, mp_context=get_context("spawn")) as pool:
        list(pool.map(mesa_runs, [(0, 2)] * cpus))  # start the workers
        t_mesa_all, _ = timed(lambda: list(pool.map(mesa_runs, chunks)))

    # 3. detente, NumPy backend.
    simulate(sc, runs=500, seed=SEED)  # warm
    t_np1, _ = timed(lambda: simulate(sc, runs=n_detente, seed=SEED, workers=1))
    t_npn, _ = timed(lambda: simulate(sc, runs=n_detente, seed=SEED, workers=cpus))

    # 4. detente, compiled backend (compiled first, untimed).
    simulate(sc, runs=n_detente, seed=SEED, backend="jax", chunk_size=n_detente)
    t_jax, _ = timed(
        lambda: simulate(sc, runs=n_detente, seed=SEED, backend="jax", chunk_size=n_detente)
    )

    rate = {
        "mesa, 1 process (baseline)": n_mesa * steps / t_mesa,
        f"mesa, {cpus} processes (baseline)": n_mesa * steps / t_mesa_all,
        "detente numpy, 1 process": n_detente * steps / t_np1,
        f"detente numpy, {cpus} workers": n_detente * steps / t_npn,
        f"detente jax, 1 process ({cpus} cores)": n_detente * steps / t_jax,
    }
    base1 = rate["mesa, 1 process (baseline)"]
    basen = rate[f"mesa, {cpus} processes (baseline)"]
    report = {
        "machine": f"{platform.machine()}, {cpus} CPUs, Python {platform.python_version()}",
        "scenario": f"{NAME} / status-quo, {steps} steps",
        "runs": {"mesa": n_mesa, "detente": n_detente},
        "share of runs where Mesa and detente agree": agree,
        "run_steps_per_s": {k: round(v) for k, v in rate.items()},
        "speed-up": {
            "numpy vs mesa, 1 process": round(rate["detente numpy, 1 process"] / base1, 1),
            f"numpy vs mesa, {cpus} cores": round(
                rate[f"detente numpy, {cpus} workers"] / basen, 1
            ),
            f"jax vs mesa, {cpus} cores": round(
                rate[f"detente jax, 1 process ({cpus} cores)"] / basen, 1
            ),
        },
    }
    report["by actors (two-state-textbook with allies of the defender)"] = by_actors(
        n_mesa // 2, n_detente // 2
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
