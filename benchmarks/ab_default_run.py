"""A/B: the default `detente run` job on two source trees, interleaved, best of N.

Times `detente.compare(ukraine-2022, every package, 10,000 runs, seed 0)` in
a fresh process per measurement (start-up included, as a user sees it),
alternating the trees (benchmarks/harness.py: A, B, C, then C, B, A, ...) so
that a change in the machine's load hits both alike, and records the load
average before and after each measurement. The trees compute different
models when they are different versions, which is the point: what is checked
(before timing, on 50 runs, and again on every timed run) is that every tree
runs the same job (scenario, packages, runs, seed) and that each tree gives
the same P(war) in every round; whether the trees agree is recorded.

    git archive 1939211 src | tar -x -C /tmp/v1     # version 1, before issue 15
    python benchmarks/ab_default_run.py --a /tmp/v1/src --b src --repeats 3 \\
        --out benchmarks/results/ab-default-run.json
    python benchmarks/ab_default_run.py --a src --b /tmp/other/src --quick   # 500 runs

``--c`` adds a third tree to the same interleaved rotation (say, the code
before a speed change), so that a before/after pair and version 1 are
timed under the same load; ratios are given against A. Writes
``benchmarks/results/ab_default_run.json`` unless ``--out`` says otherwise.
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
JOB_KEYS = ("scenario", "packages", "runs", "seed")


def measure(src: Path, runs: int) -> Measured:
    """The wall time of one fresh process (start-up included), and what it computed."""
    env = dict(os.environ, PYTHONPATH=str(src.resolve()), DETENTE_AB_RUNS=str(runs))
    out = subprocess.run(
        [sys.executable, "-c", JOB], env=env, check=True, capture_output=True, text=True
    )
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    return Measured(doc.pop("seconds"), doc)


def main() -> None:
    ap = arguments(__doc__, rounds=3)
    ap.add_argument("--a", type=Path, required=True)
    ap.add_argument("--b", type=Path, required=True)
    ap.add_argument("--c", type=Path, default=None, help="an optional third source tree")
    ap.add_argument("--repeats", type=int, dest="rounds", help="the old name of --rounds")
    ap.add_argument("--runs", type=int, default=None, help="runs per package (default 10,000)")
    a = ap.parse_args()
    runs = a.runs or (500 if a.quick else 10_000)
    rounds = rounds_of(a)
    report = Report("ab_default_run", a)
    trees = {"a": a.a, "b": a.b} | ({"c": a.c} if a.c else {})
    report.put("trees", {k: str(v) for k, v in trees.items()})
    small = {k: measure(src, 50).info for k, src in trees.items()}
    report.check(
        "before timing, on 50 runs: every tree runs the same job (scenario, packages, runs, "
        "seed); the trees are different code on purpose",
        all(all(i[k] == small["a"][k] for k in JOB_KEYS) for i in small.values()),
        p_war_on_50_runs={k: i["p_war"] for k, i in small.items()},
    )
    t = interleave({k: (lambda src=src: measure(src, runs)) for k, src in trees.items()}, rounds)
    report.timed("detente.compare, fresh process", t, runs=runs, clock="the child's wall time")
    first = t["a"].info[0]
    report.check(
        "every timed run ran the same job",
        all(i[k] == first[k] for v in t.values() for i in v.info for k in JOB_KEYS),
    )
    p_war = {k: sorted({json.dumps(i["p_war"]) for i in v.info}) for k, v in t.items()}
    report.check(
        "each tree gave the same P(war) in every round",
        all(len(v) == 1 for v in p_war.values()),
        p_war=p_war,
    )
    report.put("same P(war) in every tree", len({v[0] for v in p_war.values()}) == 1)
    best = {k: v.best for k, v in t.items()}
    report.put("best_wall_s", best)
    report.put("ratio_to_a", {k: round(v / best["a"], 3) for k, v in best.items()})
    report.table(
        f"detente.compare(ukraine-2022, {runs:,} runs, every package), fresh process, "
        f"best of {rounds} interleaved",
        ["tree", "source", "best s", "median s", "x A"],
        [[k, str(trees[k]), v.best, v.median, round(v.best / best["a"], 2)] for k, v in t.items()],
    )
    report.write()


if __name__ == "__main__":
    main()
