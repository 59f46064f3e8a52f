"""A/B of the engine's CPU time on several source trees, interleaved, best of N.

On a shared machine under load, wall times of the default job swing by 30%
between neighbouring runs (docs/performance.md); the CPU time of the
process that simulates is steadier. For each tree, in a fresh process:
every package of ``ukraine-2022``, one chunk of ``--runs`` runs, seed 0,
``time.process_time()`` around the simulation only (no start-up).

    python benchmarks/ab_cpu.py --runs 3000 --repeats 2 /tmp/v1/src src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

JOB = r"""
import json, os, time
import numpy as np
import detente
from detente.model.simulate import compile_model, run_chunk
sc = detente.load_scenario("ukraine-2022")
models = [compile_model(sc, k) for k in sc.packages]
runs = np.arange(int(os.environ["DETENTE_AB_RUNS"]))
c0 = time.process_time()
for m in models:
    run_chunk(sc, m, 0, runs)
print(json.dumps({"cpu": time.process_time() - c0}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("trees", type=Path, nargs="+", help="source trees (ratios: to the first)")
    ap.add_argument("--runs", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    cpu: dict[str, list[float]] = {str(t): [] for t in a.trees}
    for _ in range(a.repeats):
        for t in a.trees:
            env = dict(os.environ, PYTHONPATH=str(t.resolve()), DETENTE_AB_RUNS=str(a.runs))
            out = subprocess.run([sys.executable, "-c", JOB], env=env, check=True,
                                 capture_output=True, text=True).stdout
            cpu[str(t)].append(json.loads(out.strip().splitlines()[-1])["cpu"])
            print(f"{t}: {cpu[str(t)][-1]:.1f} s CPU (load {os.getloadavg()[0]:.1f})", flush=True)
    best = {k: min(v) for k, v in cpu.items()}
    first = best[str(a.trees[0])]
    for k, v in best.items():
        print(f"best {k}: {v:.1f} s CPU, {v / first:.2f}x the first")
    if a.out:
        a.out.write_text(json.dumps({"runs": a.runs, "cpu_s": cpu, "best_cpu_s": best,
                                     "ratio_to_first": {k: v / first for k, v in best.items()}},
                                    indent=1))


if __name__ == "__main__":
    main()
