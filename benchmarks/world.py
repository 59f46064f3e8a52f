"""Wall time of a world of 5 great powers and 40 small states, 30 years, 1,000 runs.

Usage::

    python benchmarks/world.py            # every preset, 1,000 runs each
    python benchmarks/world.py --quick    # 200 runs, best of 2
    python benchmarks/world.py --against /work/main/src --runs 60 --repeat 3

``--against SRC`` is the A/B measurement: the same preset simulated by one
worker with this checkout's code and with the code under SRC (another
checkout's ``src``), alternately in fresh subprocesses (``PYTHONPATH``
switched), ``--repeat`` times each (benchmarks/harness.py: interleaved, the
load before and after each), so both meet the same machine load; it reports
the ratio of their medians and of their best times (on a shared machine the
best is the least disturbed), and the same for the CPU time of the process
(``time.process_time``: less moved by other processes than the wall time,
though not immune to them). The two trees are different code on purpose:
checked is that each side computes the same outcomes in every round, and
whether the two sides' outcomes are identical is recorded. ``--presets``
limits the presets. Writes ``benchmarks/results/world-ab.json``.

For each world preset, the time of ``detente world PRESET --runs 1000`` (as a
subprocess, with its default workers: one per CPU) and, as the named baseline
measured in the same run, the time of the same world simulated in this
process by one worker, scaled from a tenth of the runs; the two interleaved,
best of N. Checked before timing: ``detente world PRESET --runs 20 --json``
prints the same with one worker and with a worker per CPU. Reports run-months
per second and the ratio of the two; writes ``benchmarks/results/world.json``.
The issue's goal is under 2 minutes per world; no test asserts any of these
numbers.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Measured, Report, arguments, interleave, rounds_of

from detente.world.loading import load_world
from detente.world.simulate import build_world, simulate_world

PRESETS = ("spheres-contested", "spheres-recognised", "collective-security", "unipolar")


ONE = (
    "import sys, time, numpy as np\n"
    "from detente.world.loading import load_world\n"
    "from detente.world.simulate import build_world, simulate_world\n"
    "w = build_world(load_world(sys.argv[1]))\n"
    "t, c = time.perf_counter(), time.process_time()\n"
    "out = simulate_world(w, 0, np.arange(int(sys.argv[2])))\n"
    "wall, cpu = time.perf_counter() - t, time.process_time() - c\n"
    "import hashlib\n"
    "h = hashlib.sha256()\n"
    "for k in sorted(out) if isinstance(out, dict) else ():\n"
    "    a = np.ascontiguousarray(np.asarray(out[k]))\n"
    "    h.update(k.encode() + a.dtype.str.encode() + repr(a.shape).encode() + a.tobytes())\n"
    "print(wall, cpu, h.hexdigest()[:16])\n"
)


def ab(report: Report, against: str, runs: int, repeat: int, presets: tuple[str, ...]) -> None:
    """Interleaved A/B timing of one worker's simulation: this code against ``against``.

    The two trees are different code on purpose; checked: both run the same
    job (preset, runs 0..RUNS-1, seed 0), and whether their outcomes are
    identical is recorded (it is when the change kept the numbers)."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    rows = []
    for name in presets:
        cases = {}
        for side, src in (("against", against), ("this", here)):
            env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
            cmd = [sys.executable, "-c", ONE, name, str(runs)]

            def case(cmd=cmd, env=env) -> Measured:
                out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
                wall, used, digest = out.stdout.strip().splitlines()[-1].split()
                return Measured(float(wall), {"cpu_s": float(used), "outcomes": digest})

            cases[side] = case
        t = interleave(cases, repeat)
        report.timed(name, t, runs=runs)
        digests = {side: {i["outcomes"] for i in t[side].info} for side in t}
        report.check(
            f"{name}: each side computed the same outcomes in every round",
            all(len(v) == 1 for v in digests.values()),
        )
        cpu = {side: [i["cpu_s"] for i in t[side].info] for side in t}
        rows.append(
            {
                "preset": name,
                "runs": runs,
                "same_outcomes_both_sides": digests["this"] == digests["against"],
                "ratio_median": round(t["this"].median / t["against"].median, 3),
                "ratio_best": round(t["this"].best / t["against"].best, 3),
                "ratio_cpu_median": round(
                    float(np.median(cpu["this"])) / float(np.median(cpu["against"])), 3
                ),
                "ratio_cpu_best": round(min(cpu["this"]) / min(cpu["against"]), 3),
            }
        )
    report.put("against", against)
    report.put("worlds", rows)
    report.table(
        f"this tree / {against}, one worker, {repeat} interleaved rounds",
        list(rows[0]),
        [list(r.values()) for r in rows],
    )


def world_json(name: str, runs: int, workers: int | None = None) -> str:
    """``detente world NAME --runs RUNS --json`` as a subprocess; its output's hash."""
    cmd = ["detente", "world", name, "--runs", str(runs), "--json"]
    cmd += ["--workers", str(workers)] if workers else []
    out = subprocess.run(cmd, check=True, capture_output=True)
    return hashlib.sha256(out.stdout).hexdigest()[:16]


def main() -> None:
    ap = arguments(__doc__, rounds=2)
    ap.add_argument("--against", help="another checkout's src folder, for an A/B timing")
    ap.add_argument("--runs", type=int, default=60, help="runs per A/B timing")
    ap.add_argument("--repeat", type=int, default=3, help="timings per side in the A/B")
    ap.add_argument("--presets", nargs="+", default=list(PRESETS), choices=PRESETS)
    args = ap.parse_args()
    if args.against:
        report = Report("world-ab", args)
        ab(report, args.against, args.runs, args.repeat, tuple(args.presets))
        report.write()
        return
    report = Report("world", args)
    runs, rounds = (200 if args.quick else 1000), rounds_of(args)
    cpus = os.cpu_count() or 1
    for name in args.presets:
        one, many = world_json(name, 20, 1), world_json(name, 20, cpus)
        report.check(
            f"{name}: detente world --runs 20 --json prints the same with 1 and {cpus} workers",
            one == many,
            one_worker=one,
            workers=many,
        )
    rows = []
    for name in args.presets:
        spec = load_world(name)
        w = build_world(spec)
        base_runs = max(runs // 10, 20)

        def in_process(w=w, base_runs=base_runs) -> Measured:
            start = time.perf_counter()
            simulate_world(w, 0, np.arange(base_runs))
            return Measured((time.perf_counter() - start) * runs / base_runs)

        t = interleave(
            {
                "one worker in this process, scaled (baseline)": in_process,
                f"detente world --runs {runs}": lambda name=name: world_json(name, runs),
            },
            rounds,
        )
        report.timed(name, t, runs=runs, baseline_runs=base_runs)
        one, wall = (v.best for v in t.values())
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
    report.put("worlds", rows)
    report.table(
        f"worlds, {runs:,} runs, best of {rounds} interleaved (baseline: one worker)",
        ["preset", "slots", "wall s", "run-months/s", "one worker s", "speed-up"],
        [
            [
                r["preset"],
                r["dispute_slots"],
                r["wall_s"],
                r["run_months_per_s"],
                r["baseline_one_worker_s"],
                r["speedup_vs_one_worker"],
            ]
            for r in rows
        ],
    )
    report.write()


if __name__ == "__main__":
    main()
