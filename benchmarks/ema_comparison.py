"""detente's sweep against the EMA Workbench on the same model function.

Usage::

    python benchmarks/ema_comparison.py                    # 10,000 LHS experiments x 3 packages
    python benchmarks/ema_comparison.py --experiments 500  # a quick look

Both run the detente engine on `two-state-textbook`, one run per experiment,
with three uncertainties sampled by Latin hypercube and three policy
packages: the EMA Workbench calls the model function once per experiment
through its ``MultiprocessingEvaluator`` with 2 processes (the named
baseline); detente evaluates the same design vectorised, with 2 worker
processes. Reported: experiments per second for each and their ratio, and
the results' size on disk and load time (detente's Parquet folder and
``detente.io.store.load`` against EMA's ``save_results``/``load_results``).
Needs ``pip install 'detente[test]'`` (ema-workbench).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from detente import load_scenario
from detente.io.store import load
from detente.model.simulate import compile_model, run_chunk
from detente.run.spec import ExperimentSpec
from detente.run.sweep import run_sweep

PACKAGES = ["status-quo", "negotiations", "withdrawal"]
UNCERTAIN = {
    "actors.A.resolve": (0.2, 0.9),
    "actors.B.war_cost": (0.05, 0.5),
    "ladder.4.hazard": (0.0005, 0.01),
}
_CACHE: dict = {}


def crisis_model(
    resolve_a: float = 0.5,
    war_cost_b: float = 0.2,
    hazard_4: float = 0.003,
    package: str = "status-quo",
) -> dict[str, float]:
    """One run of the engine with the given true parameter values (EMA's model function)."""
    if not _CACHE:
        sc = load_scenario("two-state-textbook")
        _CACHE["sc"] = sc
        _CACHE.update({p: compile_model(sc, p) for p in PACKAGES})
    values = dict(zip(UNCERTAIN, (resolve_a, war_cost_b, hazard_4), strict=True))
    out, _ = run_chunk(
        _CACHE["sc"],
        _CACHE[package],
        0,
        np.array([0]),
        overrides={k: np.array([v]) for k, v in values.items()},
    )
    return {
        "war": float(out["war"][0]),
        "deaths": float(out["deaths"][0]),
        "displaced": float(out["displaced"][0]),
    }


def run_ema(n: int, folder: Path) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import (
            Model,
            MultiprocessingEvaluator,
            Policy,
            RealParameter,
            ScalarOutcome,
            load_results,
            save_results,
        )
        from ema_workbench.em_framework.samplers import LHSSampler

    model = Model("crisis", function=crisis_model)
    names = ["resolve_a", "war_cost_b", "hazard_4"]
    model.uncertainties = [
        RealParameter(nm, lo, hi) for nm, (lo, hi) in zip(names, UNCERTAIN.values(), strict=True)
    ]
    model.levers = []
    model.constants = []
    model.outcomes = [ScalarOutcome("war"), ScalarOutcome("deaths"), ScalarOutcome("displaced")]
    from ema_workbench import CategoricalParameter

    model.levers = [CategoricalParameter("package", PACKAGES)]
    policies = [Policy(p, package=p) for p in PACKAGES]
    start = time.perf_counter()
    with MultiprocessingEvaluator(model, n_processes=2) as ev:
        results = ev.perform_experiments(
            scenarios=n, policies=policies, uncertainty_sampling=LHSSampler()
        )
    wall = time.perf_counter() - start
    path = folder / "ema.tar.gz"
    save_results(results, str(path))
    t0 = time.perf_counter()
    load_results(str(path))
    return {"seconds": wall, "size": path.stat().st_size, "load": time.perf_counter() - t0}


def run_detente(n: int, folder: Path) -> dict[str, float]:
    spec = ExperimentSpec.model_validate(
        {
            "name": "ema-comparison",
            "scenario": "two-state-textbook",
            "runs": 1,
            "packages": PACKAGES,
            "uncertainties": {k: list(v) for k, v in UNCERTAIN.items()},
            "design": {"method": "lhs", "samples": n},
            "outcomes": ["war", "deaths", "displaced"],
        }
    )
    out = folder / "detente"
    start = time.perf_counter()
    run_sweep(spec, folder, out, workers=2)
    wall = time.perf_counter() - start
    size = sum(
        f.stat().st_size for f in out.rglob("*") if f.is_file() and f.name != "results.duckdb"
    )
    t0 = time.perf_counter()
    _, _, con = load(out)
    con.close()
    return {"seconds": wall, "size": size, "load": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--experiments", type=int, default=10_000)
    args = ap.parse_args()
    n = args.experiments
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_detente(n, Path(tmp))
        ema = run_ema(n, Path(tmp))
    total = n * len(PACKAGES)
    print(
        json.dumps(
            {
                "experiments": f"{n} LHS x {len(PACKAGES)} packages = {total}",
                "detente experiments/s (2 workers)": round(total / ours["seconds"], 1),
                "EMA MultiprocessingEvaluator experiments/s (2 processes, baseline)": round(
                    total / ema["seconds"], 1
                ),
                "speed-up over EMA": round(ema["seconds"] / ours["seconds"], 1),
                "detente results on disk, kB": round(ours["size"] / 1024, 1),
                "EMA save_results, kB": round(ema["size"] / 1024, 1),
                "detente load, s": round(ours["load"], 3),
                "EMA load_results, s": round(ema["load"], 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
