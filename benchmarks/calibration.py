"""Wall time of a full calibration (issue goal: under 30 minutes on 2 cores).

Usage::

    python benchmarks/calibration.py            # donbas-2014, the documented calibration
    python benchmarks/calibration.py --quick    # 200 particles, 4 generations
    python benchmarks/calibration.py --scenario ukraine-war-2022   # the war of 2022
    python benchmarks/calibration.py --scenario ukraine-war-2022 --particles 2000 \\
        --generations 14                        # the committed posterior's settings

Runs, as subprocesses, exactly the documented command::

    detente calibrate donbas-2014 --targets data/targets/donbas-2014.yaml \\
        --particles 1000 --generations 10 --out <tmp>

(or the same for ukraine-war-2022 with data/targets/ukraine-war-2022.yaml)

and reports its wall time, the simulations it ran, and two ratios against
baselines measured in the same run: the time of simulating the same number of
donbas-2014 runs in one vectorised call in this process (the engine's cost
with no sampler around it), and the 30-minute budget. No test asserts any of
these numbers.
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
from pathlib import Path

import numpy as np

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
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
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cal"
        cmd = [
            "detente",
            "calibrate",
            args.scenario,
            "--targets",
            str(ROOT / "data" / "targets" / f"{args.scenario}.yaml"),
            "--particles",
            str(particles),
            "--generations",
            str(generations),
            "--workers",
            str(args.workers),
            "--out",
            str(out),
            "--no-report",
        ]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        manifest = json.loads((out / "calibration.json").read_text())
    sims = manifest["simulations"]
    # ukraine-war-2022 runs to 2025 but the calibration simulates only to the
    # last observation of 2022 (detente.calibration.calibrate.horizon_for).
    steps = 46 if args.scenario == "ukraine-war-2022" else None
    base = engine_seconds(min(sims, 20_000), args.scenario, steps) * sims / min(sims, 20_000)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "command": " ".join(cmd[:-3]),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
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
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
