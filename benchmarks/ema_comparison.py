"""detente's sweep against the EMA Workbench on the same model function.

Usage::

    python benchmarks/ema_comparison.py                    # 10,000 LHS experiments x 3 packages
    python benchmarks/ema_comparison.py --experiments 500  # a quick look
    python benchmarks/ema_comparison.py --quick            # 200 experiments x 3, best of 2

Both run the detente engine on `two-state-textbook`, one run per experiment,
with three uncertainties sampled by Latin hypercube and three policy
packages: the EMA Workbench calls the model function once per experiment
through its ``MultiprocessingEvaluator`` with 2 processes (the named
baseline); detente evaluates the same design vectorised, with 2 worker
processes. Reported: experiments per second for each and their ratio, and
the results' size on disk and load time (detente's Parquet folder and
``detente.io.store.load`` against EMA's ``save_results``/``load_results``).
Checked before timing: EMA's model function, called once per experiment,
gives the vectorised engine's outcomes on the same parameter values; the two
sides then run the same job (model, uncertainties, packages, number of
experiments, Latin hypercube), each with its own sample of the hypercube.
Both are timed interleaved, best of N, the load recorded
(benchmarks/harness.py); writes ``benchmarks/results/ema_comparison.json``.
Needs ``pip install 'detente[test]'`` (ema-workbench).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Measured, Report, arguments, interleave, package_version, rounds_of

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


def run_ema(n: int, folder: Path) -> Measured:
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
    return Measured(wall, {"size": path.stat().st_size, "load_s": time.perf_counter() - t0})


def run_detente(n: int, folder: Path) -> Measured:
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
    return Measured(wall, {"size": size, "load_s": time.perf_counter() - t0})


def check_same_model(report: Report, n: int) -> None:
    """EMA's model function, called once per experiment, against the vectorised engine."""
    u = np.random.default_rng(0).uniform(size=(n, len(UNCERTAIN)))
    lo, hi = np.array(list(UNCERTAIN.values())).T
    values = lo + u * (hi - lo)
    crisis_model()  # fills the cache
    sc = _CACHE["sc"]
    worst = {}
    for package in PACKAGES:
        one = [crisis_model(*v, package=package) for v in values]
        out, _ = run_chunk(
            sc,
            _CACHE[package],
            0,
            np.zeros(n, dtype=np.int64),
            overrides={k: values[:, i] for i, k in enumerate(UNCERTAIN)},
        )
        worst[package] = max(
            abs(o[k] - float(out[k][i])) / max(abs(float(out[k][i])), 1e-300)
            if out[k][i] != 0
            else abs(o[k])
            for i, o in enumerate(one)
            for k in ("war", "deaths", "displaced")
        )
    report.check(
        f"EMA's model function, once per experiment, gives the vectorised engine's outcomes "
        f"on the same parameter values ({n} points x {len(PACKAGES)} packages, run 0 each; "
        "the timed sides then run the same job: model, uncertainties, packages, experiments, "
        "Latin hypercube, each with its own sample)",
        all(w <= 1e-12 for w in worst.values()),
        largest_relative_difference=worst,
    )


def main() -> None:
    ap = arguments(__doc__, rounds=2)
    ap.add_argument("--experiments", type=int, default=None, help="LHS samples (default 10,000)")
    args = ap.parse_args()
    n = args.experiments or (200 if args.quick else 10_000)
    rounds = rounds_of(args)
    report = Report("ema_comparison", args)
    report.put("ema_workbench", package_version("ema_workbench"))
    check_same_model(report, 20)
    with tempfile.TemporaryDirectory() as tmp:
        folders = (Path(tmp) / f"{i}" for i in range(2 * rounds))

        def fresh() -> Path:
            folder = next(folders)
            folder.mkdir()
            return folder

        t = interleave(
            {
                "detente sweep, 2 workers": lambda: run_detente(n, fresh()),
                "EMA MultiprocessingEvaluator, 2 processes (baseline)": lambda: run_ema(n, fresh()),
            },
            rounds,
        )
    total = n * len(PACKAGES)
    report.timed("sweep", t, experiments=total)
    ours, ema = t.values()
    rows = {
        "experiments": f"{n} LHS x {len(PACKAGES)} packages = {total}",
        "detente experiments/s (2 workers)": round(total / ours.best, 1),
        "EMA MultiprocessingEvaluator experiments/s (2 processes, baseline)": round(
            total / ema.best, 1
        ),
        "speed-up over EMA": round(ema.best / ours.best, 1),
        "detente results on disk, kB": round(ours.info[0]["size"] / 1024, 1),
        "EMA save_results, kB": round(ema.info[0]["size"] / 1024, 1),
        "detente load, s (best)": round(min(i["load_s"] for i in ours.info), 3),
        "EMA load_results, s (best)": round(min(i["load_s"] for i in ema.info), 3),
    }
    report.put("summary", rows)
    report.table(
        f"{total:,} experiments, best of {rounds} interleaved (baseline: EMA)",
        ["measure", "value"],
        [[k, v] for k, v in rows.items()],
    )
    report.write()


if __name__ == "__main__":
    main()
