"""Issue 20's goals, measured side by side in one run: before and after, both backends.

Each goal is measured here, in this run, or (the two baselines, whose
benchmarks take minutes of their own) read from the JSON file its benchmark
wrote, with that file's commit and date shown:

* **NumPy step** (goal >= 1.5x): the engine's CPU time on ``ukraine-2022``'s
  status quo, ``--runs`` runs in one chunk, one process, seed 0; this tree
  against ``--base`` (the tree before the work), interleaved, best of N.
* **Compiled step** (goal >= 2x): the same job on ``--backend jax`` (one
  chunk), timed on the second call in the process (compiled by the first);
  this tree against ``--base``.
* **Default ``detente run``** (goal under 10 s, start-up included): the
  command as a user types it, NumPy (default workers) and ``--backend jax``
  with a warm compilation cache (a run before it wrote it).
* **Cold compile** (goal under 10 s): in a fresh process with an empty cache,
  the first compiled call's time less the second's.
* **Warm start** (goal under 2 s): a fresh process, cache warm, from the
  interpreter's start to the first compiled result (``detente run --backend
  jax --runs 100 --packages status-quo``).
* **Overhead against the hand kernel** (goal <= 1.15x) and **Mesa** (goals
  >= 50x NumPy, >= 300x compiled): from benchmarks/results/overhead.json and
  mesa_comparison.json, when their checks passed (a baseline that computes
  another model is not timed).

Checked before timing: each tree gives the same outcomes on the NumPy and
the compiled backend across the rounds (bit for bit within a backend), and
whether the two trees agree is recorded (they do when the work kept the
numbers). Writes ``benchmarks/results/goals.json``.

    git archive e45aec2 src | tar -x -C /tmp/base20     # the code before this work
    python benchmarks/goals.py --base /tmp/base20/src
    python benchmarks/goals.py --base /tmp/base20/src --quick
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from harness import RESULTS, ROOT, Measured, Report, arguments, interleave, rounds_of

SIM = r"""
import hashlib, json, os, time
import numpy as np
import detente
from detente.run.ensemble import simulate
sc = detente.load_scenario("ukraine-2022")
runs, backend = int(os.environ["G_RUNS"]), os.environ["G_BACKEND"]
kw = dict(runs=runs, seed=0, workers=1, chunk_size=runs, backend=backend)
t0, c0 = time.perf_counter(), time.process_time()
res = simulate(sc, **kw)
first = time.perf_counter() - t0
if backend != "numpy":  # the second call is the compiled step alone
    t0, c0 = time.perf_counter(), time.process_time()
    res = simulate(sc, **kw)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
h = hashlib.sha256()
for k in sorted(res.outcomes):
    a = np.ascontiguousarray(np.asarray(res.outcomes[k]))
    h.update(k.encode() + a.dtype.str.encode() + repr(a.shape).encode() + a.tobytes())
print(json.dumps({"wall": wall, "cpu": cpu, "first": first, "outcomes": h.hexdigest()[:16]}))
"""


def _sim(tree: Path, runs: int, backend: str, clock: str, env: dict[str, str] | None = None
         ) -> Measured:
    e = dict(os.environ, PYTHONPATH=str(tree.resolve()), G_RUNS=str(runs), G_BACKEND=backend,
             **(env or {}))
    out = subprocess.run([sys.executable, "-c", SIM], env=e, check=True, capture_output=True,
                         text=True).stdout
    doc = json.loads(out.strip().splitlines()[-1])
    return Measured(doc[clock], doc)


def _command(args: list[str], env: dict[str, str]) -> Measured:
    """Wall time of a ``detente`` command in a fresh interpreter, from its start."""
    e = dict(os.environ, PYTHONPATH=str(ROOT / "src"), **env)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "detente.cli", *args], env=e, check=True,
                   capture_output=True)
    return Measured(time.perf_counter() - t0, {})


def _baseline(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    doc = json.loads(path.read_text())
    return {"file": str(path.relative_to(ROOT)), "commit": doc["machine"].get("git_commit"),
            "started_utc": doc.get("started_utc"), "stopped": doc.get("stopped"),
            "results": {k: v for k, v in doc.items() if k not in ("machine", "tables")}}


def main() -> None:
    ap = arguments(__doc__, rounds=2)
    ap.add_argument("--base", type=Path, required=True, help="src of the tree before the work")
    ap.add_argument("--runs", type=int, default=None, help="runs (default 10,000)")
    a = ap.parse_args()
    runs = a.runs or (1000 if a.quick else 10_000)
    rounds = rounds_of(a)
    report = Report("goals", a)
    trees = {"before": a.base, "after": ROOT / "src"}
    report.put("trees", {k: str(v) for k, v in trees.items()})
    goals: list[list[Any]] = []

    for backend, goal in (("numpy", 1.5), ("jax", 2.0)):
        clock = "cpu" if backend == "numpy" else "wall"
        t = interleave({k: (lambda tr=tr, b=backend, c=clock: _sim(tr, runs, b, c))
                        for k, tr in trees.items()}, rounds)
        digests = {k: sorted({i["outcomes"] for i in v.info}) for k, v in t.items()}
        report.check(f"{backend}: each tree the same outcomes in every round",
                     all(len(d) == 1 for d in digests.values()), outcomes=digests)
        report.put(f"{backend}: the trees agree", digests["before"] == digests["after"])
        report.timed(f"{backend} step", t, runs=runs, clock=clock)
        ratio = t["before"].best / t["after"].best
        rate = runs * 104 / t["after"].best
        goals.append([f"{'NumPy' if backend == 'numpy' else 'compiled'} step, x before",
                      f">= {goal}x", f"{ratio:.2f}x ({rate:,.0f} run-steps/s)", ratio >= goal])

    cache = Path(tempfile.mkdtemp(prefix="detente-goals-cache-"))
    try:
        jax_env = {"JAX_COMPILATION_CACHE_DIR": str(cache)}
        cold = _sim(ROOT / "src", min(runs, 2000), "jax", "wall", jax_env)
        compile_s = cold.info["first"] - cold.info["wall"]
        goals.append(["cold compile (first call less second)", "< 10 s", f"{compile_s:.1f} s",
                      compile_s < 10])
        run = ["run", "ukraine-2022"]
        t = interleave({
            "numpy": lambda: _command(run, {}),
            "jax, warm cache": lambda: _command([*run, "--backend", "jax"], jax_env),
            "jax warm start, 100 runs": lambda: _command(
                [*run, "--backend", "jax", "--runs", "100", "--packages", "status-quo"],
                jax_env),
        }, rounds)
        report.timed("detente run, fresh process", t)
        for k in ("numpy", "jax, warm cache"):
            goals.append([f"default detente run ({k})", "< 10 s", f"{t[k].best:.1f} s",
                          t[k].best < 10])
        w = t["jax warm start, 100 runs"].best
        goals.append(["warm start (fresh process to first result)", "< 2 s", f"{w:.1f} s", w < 2])
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    for name in ("overhead", "mesa_comparison"):
        report.put(name, _baseline(name))
    report.table("issue 20's goals, this run (baselines: their own files)",
                 ["goal", "wanted", "measured", "met"], goals)
    report.write()


if __name__ == "__main__":
    main()
