"""A/B of the engine's CPU time on several source trees, interleaved, best of N.

On a shared machine under load, wall times of the default job swing by 30%
between neighbouring runs (docs/performance.md); the CPU time of the
process that simulates is steadier. For each tree, in a fresh process:
every package of ``ukraine-2022``, one chunk of ``--runs`` runs, seed 0,
``time.process_time()`` around the simulation only (no start-up).

    python benchmarks/ab_cpu.py --runs 3000 --repeats 2 /tmp/v1/src src
    python benchmarks/ab_cpu.py --quick src /tmp/other/src    # 300 runs, 2 rounds

The trees are timed interleaved (benchmarks/harness.py: A, B, C, then C, B,
A, ...), the load recorded around each. The trees are different code on
purpose, so what is checked (before timing, on 50 runs, and again on the
timed rounds) is that every tree runs the same job (scenario, packages,
runs, seed), and that each tree computed the same outcomes in every round; whether
the trees' outcomes are identical is recorded (they are when a change kept
the numbers). Ratios are to the first tree. Writes
``benchmarks/results/ab_cpu.json`` (or ``--out``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import Measured, Report, arguments, interleave, rounds_of

JOB = r"""
import hashlib, json, os, time
import numpy as np
import detente
from detente.model.simulate import compile_model, run_chunk
sc = detente.load_scenario("ukraine-2022")
drop = os.environ.get("DETENTE_AB_DROP_BASELINE")  # a baseline item's type (v2_cost.py)
if drop:
    sc = sc.model_copy(update={"baseline": [b for b in sc.baseline
                                            if getattr(b, "type", "") != drop]})
models = [compile_model(sc, k) for k in sc.packages]
runs = np.arange(int(os.environ["DETENTE_AB_RUNS"]))
c0 = time.process_time()
outs = [run_chunk(sc, m, 0, runs)[0] for m in models]
cpu = time.process_time() - c0
h = hashlib.sha256()
for out in outs:
    for k in sorted(out):
        a = np.ascontiguousarray(np.asarray(out[k]))
        h.update(k.encode() + a.dtype.str.encode() + repr(a.shape).encode() + a.tobytes())
print(json.dumps({"cpu": cpu, "job": ["ukraine-2022", list(sc.packages), len(runs), 0],
                  "outcomes": h.hexdigest()[:16], "baseline": len(getattr(sc, "baseline", ()))}))
"""


def measure(tree: Path, runs: int, drop_baseline: str | None = None) -> Measured:
    """CPU seconds of the job on ``tree`` in a fresh process; ``drop_baseline`` removes
    the scenario's baseline items of that type first (a counterfactual, for
    benchmarks/v2_cost.py)."""
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()), DETENTE_AB_RUNS=str(runs))
    if drop_baseline:
        env["DETENTE_AB_DROP_BASELINE"] = drop_baseline
    out = subprocess.run(
        [sys.executable, "-c", JOB], env=env, check=True, capture_output=True, text=True
    ).stdout
    doc = json.loads(out.strip().splitlines()[-1])
    return Measured(doc.pop("cpu"), doc)


def main() -> None:
    ap = arguments(__doc__, rounds=2)
    ap.add_argument("trees", type=Path, nargs="+", help="source trees (ratios: to the first)")
    ap.add_argument("--runs", type=int, default=None, help="runs per package (default 3,000)")
    ap.add_argument("--repeats", type=int, dest="rounds", help="the old name of --rounds")
    a = ap.parse_args()
    runs = a.runs or (300 if a.quick else 3000)
    rounds = rounds_of(a)
    report = Report("ab_cpu", a)
    names = [str(t) for t in a.trees]
    if len(set(names)) != len(names):
        ap.error("name each tree once")
    small = {str(tree): measure(tree, 50).info for tree in a.trees}
    report.check(
        "before timing, on 50 runs: every tree runs the same job (scenario, packages, runs, "
        "seed); the trees are different code on purpose",
        len({json.dumps(i["job"]) for i in small.values()}) == 1,
        outcomes_on_50_runs={k: i["outcomes"] for k, i in small.items()},
    )
    t = interleave({str(tree): (lambda tree=tree: measure(tree, runs)) for tree in a.trees}, rounds)
    report.timed("CPU seconds of the simulating process", t, runs=runs, clock="process_time")
    jobs = {json.dumps(i["job"]) for v in t.values() for i in v.info}
    report.check(
        "every tree ran the same job (scenario, packages, runs, seed)",
        len(jobs) == 1,
        jobs=sorted(jobs),
    )
    digests = {k: sorted({i["outcomes"] for i in v.info}) for k, v in t.items()}
    report.check(
        "each tree computed the same outcomes in every round",
        all(len(d) == 1 for d in digests.values()),
        outcomes=digests,
    )
    report.put("same outcomes in every tree", len({d[0] for d in digests.values()}) == 1)
    first = t[names[0]].best
    best = {k: v.best for k, v in t.items()}
    report.put("best_cpu_s", best)
    report.put("ratio_to_first", {k: round(v / first, 3) for k, v in best.items()})
    report.table(
        f"ukraine-2022, every package, {runs:,} runs, CPU s, best of {rounds} interleaved",
        ["tree", "best CPU s", "median CPU s", "x the first"],
        [[k, v.best, v.median, round(v.best / first, 2)] for k, v in t.items()],
    )
    report.write()


if __name__ == "__main__":
    main()
