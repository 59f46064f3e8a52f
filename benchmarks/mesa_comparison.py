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
Before timing anything the script checks that what the Mesa model leaves out
is idle in each scenario (`benchmarks/baselines/inactive.py`) and, run by
run, that Mesa and detente agree on who goes to war and the highest rung
(every run) and on deaths and displaced (to 1e-9 relative), with and without
allies. If they do not, it writes the check to the JSON and stops: a ratio
against a different model would mean nothing.

Then, interleaved, best of N, the load recorded (benchmarks/harness.py),
run-steps per second of: Mesa in one process and in as many processes as
there are CPUs (a Pool over runs, the way Mesa's ``batch_run``
parallelises); detente's NumPy backend in one process and with a worker per
CPU; and the compiled (JAX) backend, which uses every core from one process
(its compilation is done beforehand and not timed; `benchmarks/backends.py`
reports it). Ratios are against Mesa with the same number of cores. Writes
``benchmarks/results/mesa_comparison.json``. Needs ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent / "baselines"))
sys.path.insert(0, str(Path(__file__).parent))

import inactive
import mesa_crisis
from harness import Report, arguments, interleave, outcomes_agree, rounds_of
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


def check_agreement(report: Report, n_mesa: int) -> None:
    """Mesa and detente, run by run, before anything is timed."""
    for allies in (0, 4, 8):
        sc = scenario(allies)
        model = compile_model(sc, "status-quo")
        left_out = inactive.left_out(
            sc, model, draw_params(sc, SEED, np.arange(n_mesa)), allies=bool(allies),
            commitment=True,
        )
        report.check(
            f"{2 + allies} actors: what the Mesa model leaves out is idle in the scenario",
            all(left_out.values()),
            **left_out,
        )
        theirs = mesa_runs((0, n_mesa), allies)
        ours = simulate_chunk(sc, model, SEED, np.arange(n_mesa))
        keys = ("war", "max_rung", "deaths", "displaced")
        agree = outcomes_agree(ours, theirs, keys, rtol=1e-9)
        report.check(
            f"{2 + allies} actors, {n_mesa} runs: Mesa and detente agree run by run on "
            + ", ".join(keys),
            all(v == 1.0 for v in agree.values()),
            share_of_runs_equal=agree,
        )


def detente_cases(sc, n: int, cpus: int | None) -> dict:
    """detente's cases on ``n`` runs, warmed (and compiled) first."""
    simulate(sc, runs=500, seed=SEED)
    simulate(sc, runs=n, seed=SEED, backend="jax", chunk_size=n)
    cases = {"detente numpy, 1 process": lambda: simulate(sc, runs=n, seed=SEED, workers=1)}
    if cpus:
        cases[f"detente numpy, {cpus} workers"] = lambda: simulate(
            sc, runs=n, seed=SEED, workers=cpus
        )
    cases[f"detente jax, 1 process ({os.cpu_count()} cores)"] = lambda: simulate(
        sc, runs=n, seed=SEED, backend="jax", chunk_size=n
    )
    return cases


def by_actors(report: Report, n_mesa: int, n_detente: int, rounds: int) -> list[dict]:
    """Mesa, NumPy and JAX in one process each, with 0, 4 and 8 allies of the defender."""
    rows = []
    for allies in (0, 4, 8):
        sc = scenario(allies)
        steps = sc.settings.steps
        cases = {"mesa, 1 process (baseline)": lambda a=allies: mesa_runs((0, n_mesa), a)}
        cases.update(detente_cases(sc, n_detente, None))
        t = interleave(cases, rounds)
        report.timed(f"actors={2 + allies}", t, mesa_runs=n_mesa, detente_runs=n_detente)
        best = [v.best for v in t.values()]
        mesa, np_rate, jax_rate = (
            n_mesa * steps / best[0],
            n_detente * steps / best[1],
            n_detente * steps / best[2],
        )
        rows.append(
            {
                "actors": 2 + allies,
                "mesa run-steps/s (baseline)": round(mesa),
                "numpy run-steps/s": round(np_rate),
                "jax run-steps/s": round(jax_rate),
                "numpy vs mesa (1 process each)": round(np_rate / mesa, 1),
                "jax vs mesa (1 process each)": round(jax_rate / mesa, 1),
            }
        )
    return rows


def main() -> None:
    ap = arguments(__doc__, rounds=3)
    args = ap.parse_args()
    n_mesa, n_detente = (300, 3000) if args.quick else (2000, 20000)
    rounds, cpus = rounds_of(args), os.cpu_count() or 1
    report = Report("mesa_comparison", args)
    report.put("runs", {"mesa": n_mesa, "detente": n_detente})
    check_agreement(report, min(n_mesa, 1000))
    sc = load_scenario(NAME)
    steps = sc.settings.steps

    size = -(-n_mesa // cpus)
    chunks = [(a, min(a + size, n_mesa)) for a in range(0, n_mesa, size)]
    with ProcessPoolExecutor(cpus, mp_context=get_context("spawn")) as pool:
        list(pool.map(mesa_runs, [(0, 2)] * cpus))  # start the workers
        cases = {
            "mesa, 1 process (baseline)": lambda: mesa_runs((0, n_mesa)),
            f"mesa, {cpus} processes (baseline)": lambda: list(pool.map(mesa_runs, chunks)),
        }
        cases.update(detente_cases(sc, n_detente, cpus))
        t = interleave(cases, rounds)
    report.timed(f"{NAME} / status-quo", t, steps=steps)
    runs = [n_mesa, n_mesa, n_detente, n_detente, n_detente]
    rate = {k: n * steps / v.best for (k, v), n in zip(t.items(), runs, strict=True)}
    base1, basen, np1, npn, jx = rate.values()
    report.put("run_steps_per_s", {k: round(v) for k, v in rate.items()})
    report.put(
        "speed-up",
        {
            "numpy vs mesa, 1 process": round(np1 / base1, 1),
            f"numpy vs mesa, {cpus} cores": round(npn / basen, 1),
            f"jax vs mesa, {cpus} cores": round(jx / basen, 1),
        },
    )
    report.table(
        f"{NAME}, {steps} steps, best of {rounds} interleaved",
        ["case", "run-steps/s", "vs Mesa, same cores"],
        [
            [k, round(v), round(v / b, 1)]
            for (k, v), b in zip(rate.items(), [base1, basen, base1, basen, basen], strict=True)
        ],
    )
    rows = by_actors(report, n_mesa // 2, n_detente // 2, rounds)
    report.put("by actors (two-state-textbook with allies of the defender)", rows)
    report.table(
        "by actors, one process each (baseline: Mesa)",
        list(rows[0]),
        [list(r.values()) for r in rows],
    )
    report.write()


if __name__ == "__main__":
    main()
