"""How the engine's cost grows with runs, steps and actors (three sizes each).

Usage: python benchmarks/scaling.py [--backend numpy|jax]

One process (the jax backend uses every core from it; each size is
compiled before it is timed). The baseline for each ratio is the smallest size of the same
series, measured in the same run. Runs: 1,000 / 5,000 / 20,000 runs of
`two-state-textbook` (52 steps). Steps: 26 / 52 / 104 steps, 5,000 runs.
Actors: the two-state crisis with 0, 4 and 8 bystander allies of the
defender (an alliance of them backs it), 5,000 runs, 52 steps.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from detente import load_scenario, parse_scenario
from detente.model.simulate import compile_model, run_chunk, simulate_chunk

BACKEND = "numpy"


def seconds(sc, runs: int) -> float:
    model = compile_model(sc, "status-quo")
    if BACKEND == "jax":  # one chunk of every run, compiled first
        run_chunk(sc, model, 0, np.arange(runs), backend="jax")
        start = time.perf_counter()
        run_chunk(sc, model, 0, np.arange(runs), backend="jax")
        return time.perf_counter() - start
    simulate_chunk(sc, model, 0, np.arange(100))  # warm up
    start = time.perf_counter()
    for a in range(0, runs, 2500):
        simulate_chunk(sc, model, 0, np.arange(a, min(a + 2500, runs)))
    return time.perf_counter() - start


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


def series(label: str, sizes: list, make, runs_of) -> list[dict]:
    rows, base = [], None
    for size in sizes:
        sc = make(size)
        runs = runs_of(size)
        t = seconds(sc, runs)
        per = t / (runs * sc.settings.steps)
        base = base or per
        rows.append(
            {
                label: size,
                "seconds": round(t, 2),
                "run_steps_per_s": round(1 / per),
                "cost per run-step vs smallest": round(per / base, 2),
            }
        )
    return rows


def main() -> None:
    global BACKEND
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["numpy", "jax"], default="numpy")
    BACKEND = ap.parse_args().backend
    textbook = load_scenario("two-state-textbook")
    out = {
        "backend": BACKEND,
        "runs": series("runs", [1000, 5000, 20000], lambda n: textbook, lambda n: n),
        "steps": series("steps", [26, 52, 104], with_steps, lambda n: 5000),
        "actors": series("actors", [2, 6, 10], lambda n: with_allies(n - 2), lambda n: 5000),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
