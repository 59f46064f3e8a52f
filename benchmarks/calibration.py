"""Wall time of a full calibration (issue goal: under 30 minutes on 2 cores).

Usage::

    python benchmarks/calibration.py            # donbas-2014, the documented calibration
    python benchmarks/calibration.py --quick    # 200 particles, 4 generations, best of 2
    python benchmarks/calibration.py --scenario ukraine-war-2022   # the war of 2022
    python benchmarks/calibration.py --scenario ukraine-war-2022 --particles 2000 \\
        --generations 14                        # the committed posterior's settings

Runs, as subprocesses, exactly the documented command::

    detente calibrate donbas-2014 --targets data/targets/donbas-2014.yaml \\
        --particles 1000 --generations 10 --out <tmp>

(or the same for ukraine-war-2022 with data/targets/ukraine-war-2022.yaml)

and reports its wall time, the simulations it ran, and two ratios against
baselines measured in the same run: the time of simulating the same number of
runs of the same scenario and horizon in this process, in chunks of 1,000
(the engine's cost with no sampler around it), and the 30-minute budget.

Checked before timing: a small calibration (20 particles, 2 generations)
gives the same posterior with one worker and with a worker per CPU. The first
calibration is timed alone (the baseline needs its simulation count), then
the calibration and the baseline in turn for N - 1 rounds, best of each (benchmarks/harness.py);
every timed calibration must run the same simulations and write the same
posterior. Writes ``benchmarks/results/calibration-SCENARIO.json``. No test
asserts any of these numbers.
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
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from harness import Measured, Report, arguments, fingerprint, interleave, rounds_of

from detente import load_scenario
from detente.model.simulate import compile_model, run_chunk

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 30 * 60


def engine_seconds(runs: int, name: str = "donbas-2014", steps: int | None = None) -> float:
    """Seconds to simulate ``runs`` runs of ``name`` (series recorded, ``steps``
    steps: those the calibration simulates), one process."""
    sc = load_scenario(name)
    if steps is not None:
        sc = sc.model_copy(update={"settings": sc.settings.model_copy(update={"steps": steps})})
    model = compile_model(sc, "status-quo")
    run_chunk(sc, model, 0, np.arange(100), record=True)
    start = time.perf_counter()
    for a in range(0, runs, 1000):
        run_chunk(sc, model, 0, np.arange(a, min(a + 1000, runs)), record=True)
    return time.perf_counter() - start


def calibrate(scenario: str, particles: int, generations: int, workers: int, out: Path) -> list:
    """The documented command, as a subprocess; returns the command line."""
    cmd = [
        "detente",
        "calibrate",
        scenario,
        "--targets",
        str(ROOT / "data" / "targets" / f"{scenario}.yaml"),
        "--particles",
        str(particles),
        "--generations",
        str(generations),
        "--workers",
        str(workers),
        "--out",
        str(out),
        "--no-report",
    ]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return cmd


def posterior(folder: Path) -> str:
    """Fingerprint of a calibration's posterior (its particles and weights)."""
    table = pq.read_table(folder / "posterior.parquet")
    return fingerprint({c: table.column(c).to_numpy() for c in table.column_names})


def main() -> None:
    ap = arguments(__doc__, rounds=2)
    ap.add_argument(
        "--scenario", default="donbas-2014", choices=["donbas-2014", "ukraine-war-2022"]
    )
    ap.add_argument("--particles", type=int, default=None)
    ap.add_argument("--generations", type=int, default=None)
    ap.add_argument("--workers", type=int, default=0, help="0: one per CPU")
    args = ap.parse_args()
    particles, generations = (200, 4) if args.quick else (1000, 10)
    particles = args.particles or particles
    generations = args.generations or generations
    rounds = rounds_of(args)
    report = Report(f"calibration-{args.scenario}", args)
    # ukraine-war-2022 runs to 2025 but the calibration simulates only to the
    # last observation of 2022 (detente.calibration.calibrate.horizon_for).
    steps = 46 if args.scenario == "ukraine-war-2022" else None
    with tempfile.TemporaryDirectory() as tmp:
        small = [Path(tmp) / f"check-{w}" for w in (1, os.cpu_count() or 1)]
        for w, folder in zip((1, os.cpu_count() or 1), small, strict=True):
            calibrate(args.scenario, 20, 2, w, folder)
        report.check(
            "a small calibration (20 particles, 2 generations) gives the same posterior with "
            f"1 worker and {os.cpu_count()}; the engine baseline then simulates the same "
            "scenario, horizon and number of runs as the timed calibration",
            posterior(small[0]) == posterior(small[1]),
            posteriors=[posterior(f) for f in small],
        )
        outs = iter(Path(tmp) / f"cal-{i}" for i in range(rounds))
        manifests: list[dict] = []
        cmd: list[str] = []

        def one_calibration() -> None:
            out = next(outs)
            cmd[:] = calibrate(args.scenario, particles, generations, args.workers, out)
            manifests.append(
                {**json.loads((out / "calibration.json").read_text()), "fp": posterior(out)}
            )

        # The engine baseline needs the calibration's simulation count: the
        # first calibration is timed alone, then both in turn.
        first = interleave({"calibration": one_calibration}, 1)
        sims = manifests[0]["simulations"]
        runs = min(sims, 20_000)

        def engine() -> Measured:
            return Measured(engine_seconds(runs, args.scenario, steps) * sims / runs)

        base_name = "engine alone, 1 process (baseline)"
        if rounds > 1:
            rest = interleave({base_name: engine, "calibration": one_calibration}, rounds - 1)
        else:
            rest = interleave({base_name: engine}, 1)
    cal = first["calibration"]
    if "calibration" in rest:  # the rounds after the first
        for k in ("seconds", "cpu_seconds", "load_before", "load_after"):
            getattr(cal, k).extend(getattr(rest["calibration"], k))
    timings = {"calibration": cal, base_name: rest[base_name]}
    report.check(
        "every timed calibration ran the same simulations and wrote the same posterior",
        len({(m["simulations"], m["fp"]) for m in manifests}) == 1,
    )
    manifest = manifests[0]
    report.timed("calibration", timings, simulations=sims)
    wall, base = cal.best, timings[base_name].best
    result = {
        "command": " ".join(cmd[:-3]),
        "particles": particles,
        "generations_run": len(manifest["generations"]),
        "simulations": sims,
        "wall_s": round(wall, 1),
        "baseline_engine_1_process_s": round(base, 1),
        "ratio_to_engine_baseline": round(wall / base, 3),
        "ratio_to_30_min_budget": round(wall / BUDGET_S, 3),
        "coverage_90_in_sample": {
            r["target"]: r["coverage_90"] for r in manifest["coverage_in_sample"]
        },
    }
    for k, v in result.items():
        report.put(k, v)
    report.table(
        f"{args.scenario}: {particles} particles, {generations} generations, best of "
        f"{len(cal.seconds)} (calibration) and {len(rest[base_name].seconds)} (engine), "
        "interleaved",
        ["measure", "value"],
        [[k, v] for k, v in result.items() if k != "coverage_90_in_sample"],
    )
    report.write()


if __name__ == "__main__":
    main()
