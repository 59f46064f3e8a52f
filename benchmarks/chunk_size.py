"""The NumPy engine's default chunk size, chosen by measurement (issue 20, item 2).

Runs are simulated in chunks; a chunk pays a fixed cost per step (Python and
NumPy dispatch, a few milliseconds) and a cost per run-step that rises once
its arrays outgrow the caches. For each chunk size, in a fresh process:
``ukraine-2022`` status quo, ``--runs`` runs, seed 0, one worker,
``time.process_time()`` around the simulation and the process's peak
resident memory (``ru_maxrss``). The sizes are timed interleaved, best of N
(benchmarks/harness.py), the load recorded.

Checked before timing and on every timed run: every chunk size gives the
same outcomes, bit for bit (the random numbers are keyed by run, so the
chunking must not change a single number).

    python benchmarks/chunk_size.py                 # 10,000 runs, 1250-10000, 2 rounds
    python benchmarks/chunk_size.py --quick         # 1,000 runs

Writes ``benchmarks/results/chunk_size.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import Measured, Report, arguments, interleave, rounds_of

ROOT = Path(__file__).resolve().parents[1]
JOB = r"""
import hashlib, json, os, resource, time
import numpy as np
import detente
from detente.run.ensemble import compare
sc = detente.load_scenario("ukraine-2022")
runs, chunk = int(os.environ["DETENTE_RUNS"]), int(os.environ["DETENTE_CHUNK"])
c0 = time.process_time()
cmp = compare(sc, packages=["status-quo"], runs=runs, seed=0, workers=1, chunk_size=chunk)
cpu = time.process_time() - c0
h = hashlib.sha256()
for res in cmp.results.values():
    for k in sorted(res.outcomes):
        a = np.ascontiguousarray(np.asarray(res.outcomes[k]))
        h.update(k.encode() + a.dtype.str.encode() + repr(a.shape).encode() + a.tobytes())
print(json.dumps({"cpu": cpu, "outcomes": h.hexdigest()[:16],
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(runs: int, chunk: int) -> Measured:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), DETENTE_RUNS=str(runs),
               DETENTE_CHUNK=str(chunk))
    out = subprocess.run(
        [sys.executable, "-c", JOB], env=env, check=True, capture_output=True, text=True
    ).stdout
    doc = json.loads(out.strip().splitlines()[-1])
    return Measured(doc.pop("cpu"), doc)


def main() -> None:
    ap = arguments(__doc__, rounds=2)
    ap.add_argument("--runs", type=int, default=None, help="runs (default 10,000)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1250, 2500, 5000, 10000])
    a = ap.parse_args()
    runs = a.runs or (1000 if a.quick else 10_000)
    sizes = [s for s in a.sizes if s <= runs] or [runs]
    report = Report("chunk_size", a)
    small = {s: measure(min(runs, 600), min(s, 200)).info["outcomes"]
             for s in (sizes[0], sizes[-1])}
    report.check("before timing, on 600 runs: chunks of two sizes give the same outcomes",
                 len(set(small.values())) == 1, outcomes=small)
    t = interleave({str(s): (lambda s=s: measure(runs, s)) for s in sizes}, rounds_of(a))
    digests = sorted({i["outcomes"] for v in t.values() for i in v.info})
    report.check("every chunk size, every round: the same outcomes bit for bit",
                 len(digests) == 1, outcomes=digests)
    base = t[str(2500)].best if "2500" in t else t[str(sizes[0])].best
    peak = {k: max(i["peak_mib"] for i in v.info) for k, v in t.items()}
    best = min(t, key=lambda k: t[k].best)
    report.put("fastest", int(best))
    report.put("peak_mib", peak)
    report.table(
        f"ukraine-2022 status quo, {runs:,} runs, one worker: CPU s by chunk size, "
        f"best of {rounds_of(a)} interleaved",
        ["chunk", "best CPU s", "median CPU s", "x chunk 2,500", "peak MiB"],
        [[int(k), v.best, v.median, round(v.best / base, 3), round(peak[k])]
         for k, v in t.items()],
    )
    report.write()


if __name__ == "__main__":
    main()
