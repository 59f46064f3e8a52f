"""A/B of the compiled (JAX) backend on several source trees: step, cold compile, warm start.

For each tree, in a fresh process each time: ``ukraine-2022``, one package
(status quo by default), one chunk of ``--runs`` runs, seed 0, compiled for
the CPU, and its phases timed apart: importing detente and JAX; tracing and
lowering the simulation; compiling it (``cold``: with an empty compilation
cache, what a first run costs) or loading it from the persistent cache
(``warm``: a cache the tree's first, untimed, process wrote); then two calls
of the compiled simulation, the faster of which is the step's figure (104
steps of every run).

    python benchmarks/ab_compiled.py /tmp/before/src src              # 10,000 runs, 3 rounds
    python benchmarks/ab_compiled.py --quick /tmp/before/src src      # 2,000 runs, 2 rounds
    python benchmarks/ab_compiled.py --float32 /tmp/before/src src    # and the last tree in float32

``start-up`` is what a warm ``detente run --backend jax`` spends before its
first step: import, trace, lower and load. The trees are timed interleaved
(benchmarks/harness.py: A, B, then B, A, ...), the load recorded around
each process. Checked before timing (on 400 runs) and on every timed
round: each tree gives the first tree's discrete final state (phases,
rungs, postures, counts) in every run and its real numbers to 1e-9
relative (the trees are different code; the compiled arithmetic may round
the last bit differently where XLA fuses differently); whether the reals
are bit-identical is recorded. Ratios are to the first tree. Writes
``benchmarks/results/ab_compiled.json`` (or ``--out``).

``--detente-run`` times instead the default job end to end, ``detente run
--runs N --backend jax --json`` (every package of ``ukraine-2022``) on each
tree with the compilation cache a first run wrote, after checking that
every tree prints the first tree's summary (numbers to 1e-9); it writes
``benchmarks/results/ab_compiled-detente-run.json``.
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

sys.path.insert(0, str(Path(__file__).parent))
from harness import Measured, Report, arguments, close, interleave, rounds_of

JOB = r"""
import json, os, sys, time
t0 = time.perf_counter()
import numpy as np
import detente
from detente.model import compiled
jax = compiled._jax()
t_import = time.perf_counter() - t0
from detente import load_scenario
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model
from detente.model.state import initial_state
runs, package = int(os.environ["AB_RUNS"]), os.environ["AB_PACKAGE"]
precision = os.environ["AB_PRECISION"]
sc = load_scenario("ukraine-2022")
model = compile_model(sc, package)
t1 = time.perf_counter()
fn, starts, ends = compiled.simulation(sc, model, 0, runs, precision=precision)
p = draw_params(sc, 0, np.arange(runs))
state = initial_state(p, model.structure, *common_priors(sc, model.structure.bins))
carry, params = compiled.to_device(state, p, precision)
r = jax.numpy.arange(runs)
lowered = fn.trace(carry, params, r, starts, ends).lower()
t2 = time.perf_counter()
exe = lowered.compile()
t3 = time.perf_counter()
calls = []
for _ in range(2):
    c0 = time.perf_counter()
    final, _ = jax.block_until_ready(exe(carry, params, r, starts, ends))
    calls.append(time.perf_counter() - c0)
final = {k: np.asarray(v) for k, v in final.items()}
np.savez(os.environ["AB_SAVE"], **final)
print(json.dumps({"import_s": t_import, "trace_lower_s": t2 - t1, "compile_s": t3 - t2,
                  "startup_s": t_import + (t2 - t1) + (t3 - t2), "step_s": min(calls),
                  "first_call_s": calls[0], "detente": detente.__file__,
                  "steps": model.structure.steps,
                  "job": ["ukraine-2022", package, runs, 0, precision]}))
"""


def job(tree: Path, runs: int, package: str, cache: str, save: Path, precision: str) -> dict:
    env = dict(
        os.environ,
        PYTHONPATH=str(tree.resolve()),
        DETENTE_JAX_CACHE=cache,
        AB_RUNS=str(runs),
        AB_PACKAGE=package,
        AB_PRECISION=precision,
        AB_SAVE=str(save),
    )
    out = subprocess.run(
        [sys.executable, "-c", JOB], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def compare(reference: Path, other: Path) -> dict:
    """Discrete fields equal in every run; the largest relative difference of the reals."""
    a, b = np.load(reference), np.load(other)
    discrete_equal, worst, identical = True, 0.0, True
    for k in a.files:
        x, y = a[k], b[k]
        if x.dtype.kind == "f":
            same = np.array_equal(x, y, equal_nan=True)
            identical &= bool(same)
            if not same:
                with np.errstate(invalid="ignore", divide="ignore"):
                    rel = np.abs(x - y) / np.maximum(np.abs(x), np.finfo(np.float64).tiny)
                worst = max(worst, float(np.nanmax(rel)))
        else:
            discrete_equal &= bool(np.array_equal(x, y))
    return {"discrete_equal": discrete_equal, "reals_max_rel": worst, "bit_identical": identical}


def cli_run(tree: Path, runs: int, cache: str) -> tuple[float, dict]:
    """Wall seconds of ``detente run --runs N --backend jax --json`` (start-up included)."""
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()), DETENTE_JAX_CACHE=cache)
    cmd = [sys.executable, "-m", "detente.cli", "run", "--runs", str(runs), "--backend", "jax",
           "--json"]
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    doc = json.loads(out)
    doc.pop("backend", None)
    return seconds, doc


def detente_run(report: Report, trees: list[Path], runs: int, rounds: int, caches: dict) -> None:
    """The default job end to end on each tree, each with the cache a first run wrote."""
    docs = {str(t): cli_run(t, runs, caches[str(t)])[1] for t in trees}  # writes the caches
    first = docs[str(trees[0])]
    for name, doc in list(docs.items())[1:]:
        report.check(f"detente run --runs {runs} --json: {name} prints {trees[0]}'s summary "
                     "(numbers to 1e-9)", not close(first, doc, rtol=1e-9),
                     differences=close(first, doc, rtol=1e-9)[:10])
    t = interleave({str(tree): (lambda tree=tree: Measured(cli_run(tree, runs,
                                                                   caches[str(tree)])[0]))
                    for tree in trees}, rounds)
    report.timed("detente run --backend jax, warm cache", t, runs=runs)
    base = t[str(trees[0])].best
    report.table(
        f"detente run --runs {runs:,} --backend jax (every package of the default scenario), "
        f"compilation cache warm, start-up included, best of {rounds} interleaved",
        ["tree", "best s", "median s", "x the first tree"],
        [[k, v.best, v.median, round(base / v.best, 2)] for k, v in t.items()],
    )
    report.write()


def table_rows(t: dict, names: list[str], runs: int, steps: int, float32: bool) -> list[dict]:
    """One row per tree (and the last in float32): the step's rate, cold and warm seconds."""
    rows, first = [], None
    for name in names + ([f"{names[-1]} (float32)"] if float32 else []):
        keys = ([f"{name}: cold", f"{name}: warm"] if "float32" not in name
                else [f"{names[-1]}: warm, float32"])
        infos = [i for k in keys for i in t[k].info]
        step = min(i["step_s"] for i in infos)
        first = first or step
        cold_s = min(t[keys[0]].seconds) if "float32" not in name else None
        warm_k = keys[-1]
        rows.append({
            "tree": name,
            "run_steps_per_s": round(runs * steps / step),
            "x_first_tree": round(first / step, 2),
            "cold_compile_s": None if cold_s is None else round(cold_s, 1),
            "warm_startup_s": round(min(t[warm_k].seconds), 2),
            "of_which_import_s": round(min(i["import_s"] for i in t[warm_k].info), 2),
            "trace_lower_s": round(min(i["trace_lower_s"] for i in t[warm_k].info), 2),
            "cache_load_s": round(min(i["compile_s"] for i in t[warm_k].info), 2),
        })
    return rows


def main() -> None:
    ap = arguments(__doc__, rounds=3)
    ap.add_argument("trees", type=Path, nargs="+", help="source trees (ratios: to the first)")
    ap.add_argument("--runs", type=int, default=None, help="runs (default 10,000)")
    ap.add_argument("--package", default="status-quo")
    ap.add_argument("--float32", action="store_true", help="also the last tree in float32")
    ap.add_argument("--detente-run", action="store_true",
                    help="only: `detente run --backend jax --runs N --json` on each tree, warm")
    a = ap.parse_args()
    runs, rounds = a.runs or (2000 if a.quick else 10_000), rounds_of(a)
    names = [str(t) for t in a.trees]
    if len(set(names)) != len(names):
        ap.error("name each tree once")
    report = Report("ab_compiled", a)
    if a.detente_run and a.out is None and not a.quick:
        report.out = Path(__file__).parent / "results" / "ab_compiled-detente-run.json"
        report.doc["benchmark"] = "ab_compiled-detente-run"  # the file's name, for the page
    work = Path(tempfile.mkdtemp(prefix="ab_compiled_"))
    caches = {n: str(work / f"cache{i}") for i, n in enumerate(names)}
    ref = work / "ref.npz"

    def check(label: str, info: dict, save: Path) -> None:
        got = compare(ref, save)
        info.update(got)
        report.check(label, got["discrete_equal"] and got["reals_max_rel"] <= 1e-9, **got)

    if a.detente_run:
        detente_run(report, a.trees, runs, rounds, caches)
        return
    # Before timing: 400 runs, and each tree's warm cache written (untimed).
    for i, tree in enumerate(a.trees):
        save = work / f"small{i}.npz"
        job(tree, 400, a.package, "", ref if i == 0 else save, "float64")
        if i:
            check(f"{tree} gives {names[0]}'s discrete final state in every run and its "
                  "reals to 1e-9 (400 runs)", {}, save)
    for i, tree in enumerate(a.trees):
        job(tree, runs, a.package, caches[str(tree)], ref if i == 0 else work / "x.npz", "float64")
    if a.float32:
        job(a.trees[-1], runs, a.package, caches[names[-1]], work / "f32.npz", "float32")
    cases = {}
    for i, tree in enumerate(a.trees):
        save = work / f"t{i}.npz"

        def cold(tree: Path = tree, save: Path = save) -> Measured:
            with tempfile.TemporaryDirectory() as empty:
                info = job(tree, runs, a.package, empty, save, "float64")
            info.update(compare(ref, save))
            return Measured(info["compile_s"], info)

        def warm(tree: Path = tree, save: Path = save) -> Measured:
            info = job(tree, runs, a.package, caches[str(tree)], save, "float64")
            info.update(compare(ref, save))
            return Measured(info["startup_s"], info)

        cases[f"{tree}: cold"] = cold
        cases[f"{tree}: warm"] = warm
    if a.float32:
        last = a.trees[-1]
        cases[f"{last}: warm, float32"] = lambda: Measured(
            (info := job(last, runs, a.package, caches[str(last)], work / "f32.npz",
                         "float32"))["startup_s"], info)
    t = interleave(cases, rounds)
    report.timed("ukraine-2022 compiled: seconds of compile (cold) or start-up (warm)", t,
                 runs=runs, package=a.package)
    float64 = {k: v for k, v in t.items() if "float32" not in k}
    report.check(
        "every timed round: each tree's discrete final state equals the first tree's, "
        "reals to 1e-9",
        all(i["discrete_equal"] and i["reals_max_rel"] <= 1e-9
            for v in float64.values() for i in v.info),
        bit_identical={k: [i["bit_identical"] for i in v.info] for k, v in float64.items()},
        reals_max_rel={k: max(i["reals_max_rel"] for i in v.info) for k, v in float64.items()},
    )
    steps = next(iter(t.values())).info[0]["steps"]
    rows = table_rows(t, names, runs, steps, a.float32)
    report.put("rows", rows)
    report.table(
        f"ukraine-2022 {a.package}, {runs:,} runs x {steps} steps, compiled on the CPU, "
        f"best of {rounds} interleaved (step: the faster of two calls in each process)",
        list(rows[0]),
        [list(r.values()) for r in rows],
    )
    report.write()


if __name__ == "__main__":
    main()
