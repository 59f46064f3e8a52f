"""A/B: the default `detente run` job on two source trees, interleaved, best of N.

Times `detente.compare(ukraine-2022, every package, 10,000 runs, seed 0)` in
a fresh process per measurement (start-up included, as a user sees it),
alternating A and B so that a change in the machine's load hits both alike,
and records the load average before each measurement. Both sides are checked
to have run the same job (scenario, packages, runs, seed); they compute
different models when A and B are different versions, which is the point.

    git archive 1939211 src | tar -x -C /tmp/v1     # version 1, before issue 15
    python benchmarks/ab_default_run.py --a /tmp/v1/src --b src --repeats 3 \\
        --out benchmarks/results/ab-default-run.json

``--c`` adds a third tree to the same interleaved rotation (say, the code
before a speed change), so that a before/after pair and version 1 are
timed under the same load; ratios are given against A.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

JOB = r"""
import json, os, time, detente
RUNS = int(os.environ["DETENTE_AB_RUNS"])
t0 = time.perf_counter()
sc = detente.load_scenario("ukraine-2022")
cmp = detente.compare(sc, packages=list(sc.packages), runs=RUNS, seed=0)
doc = json.loads(cmp.to_json())
print(json.dumps({"seconds": time.perf_counter() - t0, "scenario": doc["scenario"],
                  "packages": [p["name"] for p in doc["packages"]], "runs": doc["runs"],
                  "seed": doc["seed"], "p_war": [p["p_war"] for p in doc["packages"]]}))
"""


def measure(src: Path, runs: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src.resolve()), DETENTE_AB_RUNS=str(runs))
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", JOB], env=env, check=True, capture_output=True,
                         text=True)
    wall = time.perf_counter() - t0
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    return {"wall": wall, "load_before": load, **doc}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", type=Path, required=True)
    ap.add_argument("--b", type=Path, required=True)
    ap.add_argument("--c", type=Path, default=None, help="an optional third source tree")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--runs", type=int, default=10_000, help="runs per package")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    trees = [("a", a.a), ("b", a.b)] + ([("c", a.c)] if a.c else [])
    runs: dict[str, list[dict]] = {key: [] for key, _ in trees}
    for _ in range(a.repeats):
        for key, src in trees:
            runs[key].append(measure(src, a.runs))
            print(key, f"{runs[key][-1]['wall']:.1f} s (load {runs[key][-1]['load_before']:.1f})",
                  flush=True)
    same = {k: all(runs[key][0][k] == runs["a"][0][k] for key, _ in trees)
            for k in ("scenario", "packages", "runs", "seed")}
    best = {k: min(r["wall"] for r in v) for k, v in runs.items()}
    doc = {"machine": platform.platform(), "cpus": os.cpu_count(),
           **{key: str(src) for key, src in trees},
           "same_job": same, "best_wall_s": best, "ratio_b_over_a": best["b"] / best["a"],
           **({"ratio_c_over_a": best["c"] / best["a"]} if a.c else {}),
           "runs": runs}
    extra = f", best C {best['c']:.1f} s, C/A {doc['ratio_c_over_a']:.2f}" if a.c else ""
    print(f"best A {best['a']:.1f} s, best B {best['b']:.1f} s, B/A {doc['ratio_b_over_a']:.2f}"
          f"{extra}; same job: {all(same.values())}")
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
