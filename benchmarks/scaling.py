"""How the engine's cost grows with runs, steps and actors (three sizes each).

Usage::

    python benchmarks/scaling.py [--backend numpy|jax]    # best of 3
    python benchmarks/scaling.py --quick                  # a tenth of the runs, best of 2

One process (the jax backend uses every core from it; each size is
compiled before it is timed). The three sizes of a series are timed
interleaved, best of N (benchmarks/harness.py); the baseline for each ratio
is the smallest size of the same series, measured in the same run. Each
size's wall time and the CPU time of this process are both kept: with NumPy
(one thread) the CPU time does not count the time spent waiting for a core,
so on a loaded machine its ratios are the steadier (with jax it sums the
time of the process's threads). Runs:
1,000 / 5,000 / 20,000 runs of `two-state-textbook` (52 steps). Steps: 26 /
52 / 104 steps, 5,000 runs. Actors: the two-state crisis with 0, 4 and 8
bystander allies of the defender (an alliance of them backs it), 5,000 runs,
52 steps.

Checked before timing: the runs series computes the same numbers for a run
whatever the size of the job (the smallest job's outcomes are the first rows
of the largest, bit for bit); with ``--backend jax``, the compiled backend's
discrete outcomes equal NumPy's on the smallest job and its deaths agree to
1e-9. The steps and actors series are different scenarios on purpose: what is
checked there is that the builder of each series gives `two-state-textbook`
itself, bit for bit, at its 52 steps and 2 actors (so only the size changes),
and every size runs seed 0 and the same run indices. Writes
``benchmarks/results/scaling-BACKEND.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Report, arguments, fingerprint, interleave, outcomes_agree, rounds_of

from detente import load_scenario, parse_scenario
from detente.model.simulate import compile_model, run_chunk

CHUNK = 2500


def outcomes(sc, runs: int, backend: str) -> dict[str, np.ndarray]:
    """Every run's outcomes: NumPy in chunks of 2,500; jax in one chunk."""
    model = compile_model(sc, "status-quo")
    if backend == "jax":
        return run_chunk(sc, model, 0, np.arange(runs), backend="jax")[0]
    parts = [
        run_chunk(sc, model, 0, np.arange(a, min(a + CHUNK, runs)))[0]
        for a in range(0, runs, CHUNK)
    ]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def job(sc, runs: int, backend: str):
    """The timed job (compiled and warmed first, untimed)."""
    model = compile_model(sc, "status-quo")
    if backend == "jax":
        run_chunk(sc, model, 0, np.arange(runs), backend="jax")
        return lambda: run_chunk(sc, model, 0, np.arange(runs), backend="jax")
    run_chunk(sc, model, 0, np.arange(100))
    return lambda: [
        run_chunk(sc, model, 0, np.arange(a, min(a + CHUNK, runs))) for a in range(0, runs, CHUNK)
    ]


def with_steps(steps: int):
    data = load_scenario("two-state-textbook").model_dump(mode="json", by_alias=True)
    data["settings"]["steps"] = steps
    return parse_scenario(data)


def with_allies(n: int):
    data = load_scenario("two-state-textbook").model_dump(mode="json", by_alias=True)
    if n:
        template = dict(data["actors"][1])
        for i in range(n):
            data["actors"].append({**template, "id": f"ALLY{i}"})
        data["alliances"] = [
            {"id": "pact", "members": ["B", *[f"ALLY{i}" for i in range(n)]], "cohesion": 0.6}
        ]
    return parse_scenario(data)


def series(report, label: str, sizes: list, make, runs_of, backend: str, rounds: int) -> list:
    jobs = {f"{label}={s}": (make(s), runs_of(s)) for s in sizes}
    t = interleave({k: job(sc, runs, backend) for k, (sc, runs) in jobs.items()}, rounds)
    report.timed(label, t, backend=backend, sizes=sizes)
    rows, base = [], None
    for key, (sc, runs) in jobs.items():
        per = t[key].best / (runs * sc.settings.steps)
        per_cpu = t[key].best_cpu / (runs * sc.settings.steps)
        base = base or (per, per_cpu)
        rows.append(
            {
                "size": int(key.split("=")[1]),
                "runs": runs,
                "steps": sc.settings.steps,
                "best_s": round(t[key].best, 3),
                "run_steps_per_s": round(1 / per),
                "cost per run-step vs smallest": round(per / base[0], 2),
                "best_cpu_s": round(t[key].best_cpu, 3),
                "run_steps_per_cpu_s": round(1 / per_cpu),
                "CPU cost per run-step vs smallest": round(per_cpu / base[1], 2),
            }
        )
    report.put(label, rows)
    return rows


def main() -> None:
    ap = arguments(__doc__, rounds=3)
    ap.add_argument("--backend", choices=["numpy", "jax"], default="numpy")
    args = ap.parse_args()
    backend, rounds = args.backend, rounds_of(args)
    scale = 10 if args.quick else 1
    report = Report(f"scaling-{backend}", args)
    textbook = load_scenario("two-state-textbook")
    small, large = 1000 // scale, 20000 // scale
    a, b = outcomes(textbook, small, backend), outcomes(textbook, large, backend)
    head = {k: v[:small] for k, v in b.items()}
    report.check(
        f"the same runs give the same numbers in a job of {small:,} and of {large:,} runs",
        fingerprint(a) == fingerprint(head),
        small=fingerprint(a),
        first_rows_of_large=fingerprint(head),
    )
    if backend == "jax":
        ref = outcomes(textbook, small, "numpy")
        agree = outcomes_agree(ref, a, ("war", "settled", "max_rung", "deaths"), rtol=1e-9)
        report.check(
            "jax and numpy: the same wars, settlements and highest rungs, deaths to 1e-9",
            all(v == 1.0 for v in agree.values()),
            share_of_runs_equal=agree,
        )
    for what, sc in (("steps=52", with_steps(52)), ("actors=2", with_allies(0))):
        got = outcomes(sc, small, backend)
        report.check(
            f"the {what} job of its series is two-state-textbook itself (same numbers); the "
            "other sizes are different scenarios on purpose, run with the same seed and runs",
            fingerprint(got) == fingerprint(a),
            series_job=fingerprint(got),
            textbook=fingerprint(a),
        )
    n = 5000 // scale
    out = {
        "runs": series(
            report,
            "runs",
            [small, 5000 // scale, large],
            lambda s: textbook,
            lambda s: s,
            backend,
            rounds,
        ),
        "steps": series(report, "steps", [26, 52, 104], with_steps, lambda s: n, backend, rounds),
        "actors": series(
            report, "actors", [2, 6, 10], lambda s: with_allies(s - 2), lambda s: n, backend, rounds
        ),
    }
    for label, rows in out.items():
        report.table(
            f"{label} series, {backend}, best of {rounds} interleaved (baseline: smallest size)",
            [
                label,
                "runs",
                "steps",
                "best s",
                "run-steps/s",
                "cost vs smallest",
                "best CPU s",
                "run-steps per CPU s",
                "CPU cost vs smallest",
            ],
            [list(r.values()) for r in rows],
        )
    report.write()


if __name__ == "__main__":
    main()
