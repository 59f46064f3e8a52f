"""Wall time of a world of 5 great powers and 40 small states, 30 years, 1,000 runs.

Usage::

    python benchmarks/world.py            # every preset, 1,000 runs each
    python benchmarks/world.py --quick    # 200 runs
    python benchmarks/world.py --against /work/main/src --runs 60 --repeat 3

``--against SRC`` is the A/B measurement: the same preset simulated by one
worker with this checkout's code and with the code under SRC (another
checkout's ``src``), alternately in fresh subprocesses (``PYTHONPATH``
switched), ``--repeat`` times each, so both meet the same machine load; it
reports each side's wall times with the one-minute load average before each,
the ratio of their medians and the ratio of their best times (on a shared
machine the best is the least disturbed), and the same for the CPU time of
the process (``time.process_time``: less moved by other processes than the
wall time, though not immune to them). ``--presets`` limits the presets.

For each world preset, the time of ``detente world PRESET --runs 1000`` (as a
subprocess, with its default workers: one per CPU) and, as the named baseline
measured in the same run, the time of the same world simulated in this
process by one worker, scaled from a tenth of the runs. Reports run-months
per second and the ratio of the two. The issue's goal is under 2 minutes per
world; no test asserts any of these numbers.
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

from detente.world.loading import load_world
from detente.world.simulate import build_world, simulate_world

PRESETS = ("spheres-contested", "spheres-recognised", "collective-security", "unipolar")


ONE = (
    "import sys, time, numpy as np\n"
    "from detente.world.loading import load_world\n"
    "from detente.world.simulate import build_world, simulate_world\n"
    "w = build_world(load_world(sys.argv[1]))\n"
    "t, c = time.perf_counter(), time.process_time()\n"
    "simulate_world(w, 0, np.arange(int(sys.argv[2])))\n"
    "print(time.perf_counter() - t, time.process_time() - c)\n"
)


def ab(against: str, runs: int, repeat: int, presets: tuple[str, ...]) -> None:
    """Interleaved A/B timing of one worker's simulation: this code against ``against``."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    rows = []
    for name in presets:
        times: dict[str, list[float]] = {"this": [], "against": []}
        cpu: dict[str, list[float]] = {"this": [], "against": []}
        load: list[float] = []
        for _ in range(repeat):
            for side, src in (("against", against), ("this", here)):
                env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
                cmd = [sys.executable, "-c", ONE, name, str(runs)]
                load.append(round(os.getloadavg()[0], 2))
                out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
                wall, used = out.stdout.strip().splitlines()[-1].split()
                times[side].append(float(wall))
                cpu[side].append(float(used))
        a, b = float(np.median(times["this"])), float(np.median(times["against"]))
        rows.append(
            {
                "preset": name,
                "runs": runs,
                "this_s": [round(t, 2) for t in times["this"]],
                "against_s": [round(t, 2) for t in times["against"]],
                "load_before": load,  # against, this, against, this, ...
                "ratio_median": round(a / b, 3),
                "ratio_best": round(min(times["this"]) / min(times["against"]), 3),
                "this_cpu_s": [round(t, 2) for t in cpu["this"]],
                "against_cpu_s": [round(t, 2) for t in cpu["against"]],
                "ratio_cpu_median": round(
                    float(np.median(cpu["this"])) / float(np.median(cpu["against"])), 3
                ),
            }
        )
        print(name, rows[-1], file=sys.stderr, flush=True)
    json.dump({"against": against, "worlds": rows}, sys.stdout, indent=1)
    sys.stdout.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--against", help="another checkout's src folder, for an A/B timing")
    ap.add_argument("--runs", type=int, default=60, help="runs per A/B timing")
    ap.add_argument("--repeat", type=int, default=3, help="timings per side in the A/B")
    ap.add_argument("--presets", nargs="+", default=list(PRESETS), choices=PRESETS)
    args = ap.parse_args()
    if args.against:
        ab(args.against, args.runs, args.repeat, tuple(args.presets))
        return
    runs = 200 if args.quick else 1000
    rows = []
    for name in PRESETS:
        spec = load_world(name)
        w = build_world(spec)
        base_runs = max(runs // 10, 20)
        start = time.perf_counter()
        simulate_world(w, 0, np.arange(base_runs))
        one = (time.perf_counter() - start) * runs / base_runs
        start = time.perf_counter()
        subprocess.run(
            ["detente", "world", name, "--runs", str(runs), "--json"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        months = runs * spec.world.years * 12
        rows.append(
            {
                "preset": name,
                "great_powers": len(spec.great_powers),
                "small_states": spec.small_states.count,
                "dispute_slots": len(w.claimant),
                "years": spec.world.years,
                "runs": runs,
                "wall_s": round(wall, 1),
                "run_months_per_s": round(months / wall),
                "baseline_one_worker_s": round(one, 1),
                "speedup_vs_one_worker": round(one / wall, 2),
                "under_2_min": wall < 120,
            }
        )
    json.dump(
        {
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}",
            "worlds": rows,
        },
        sys.stdout,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
