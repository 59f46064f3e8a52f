"""A sweep of 1,000,000 runs stays under 1 GB of resident memory.

Usage::

    python benchmarks/sweep_memory.py              # 100 points x 10,000 runs = 10^6 runs
    python benchmarks/sweep_memory.py --points 10  # 10^5 runs, a quick look
    python benchmarks/sweep_memory.py --quick      # 10 points x 2,000 runs

Runs `detente sweep` as a subprocess on `two-state-textbook` (52 steps) with
the CPU count of workers and samples the resident memory of the whole process
tree (the command and its workers) every 0.2 s. The baseline for the ratio is
the idle interpreter with detente imported, measured in the same run.
Checked before timing: a small sweep writes the same results with one
worker and with a worker per CPU. The baseline and the sweep are measured in
turn for ``--rounds`` rounds (default 1: the full sweep takes minutes), the
load recorded (benchmarks/harness.py); writes
``benchmarks/results/sweep_memory.json``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _rss import PeakRSS
from harness import Measured, Report, arguments, fingerprint, interleave, rounds_of


def write_spec(folder: Path, points: int, runs: int) -> Path:
    spec = {
        "name": "memory",
        "scenario": "two-state-textbook",
        "runs": runs,
        "packages": ["status-quo"],
        "uncertainties": {"actors.A.resolve": [0.2, 0.9]},
        "design": {"method": "lhs", "samples": points},
        "outcomes": ["war", "deaths", "displaced"],
    }
    path = folder / f"memory-{points}x{runs}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def sweep(spec: Path, out: Path, workers: int | None = None) -> Measured:
    """``detente sweep SPEC`` as a subprocess: wall time, peak memory of its tree, disk."""
    cmd = [sys.executable, "-m", "detente.cli", "sweep", str(spec), "--out", str(out)]
    cmd += ["--workers", str(workers)] if workers else []
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    with PeakRSS(proc.pid) as peak:
        if proc.wait():
            raise SystemExit(f"{' '.join(cmd)} failed")
    wall = time.perf_counter() - start
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return Measured(wall, {"peak_rss_bytes": peak.peak, "disk_bytes": size})


def idle() -> Measured:
    """The baseline: an idle interpreter with detente imported."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "import detente.cli, time; time.sleep(3)"])
    with PeakRSS(proc.pid) as base:
        proc.wait()
    return Measured(time.perf_counter() - start, {"peak_rss_bytes": base.peak})


def results(out: Path) -> str:
    chunks = sorted((out / "chunks").glob("*.parquet"))
    table = pa.concat_tables([pq.read_table(c) for c in chunks])
    return fingerprint({c: table.column(c).to_numpy() for c in table.column_names})


def main() -> None:
    ap = arguments(__doc__, rounds=1)
    ap.add_argument("--points", type=int, default=None, help="design points (default 100)")
    ap.add_argument("--runs", type=int, default=10_000)
    args = ap.parse_args()
    points = args.points or (10 if args.quick else 100)
    runs = args.runs if not args.quick else min(args.runs, 2000)
    rounds = rounds_of(args, quick=1)
    report = Report("sweep_memory", args)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        small = write_spec(tmp_path, 4, 300)
        cpus = os.cpu_count() or 1
        sweep(small, tmp_path / "w1", 1), sweep(small, tmp_path / "wn", cpus)
        report.check(
            f"a small sweep (4 points x 300 runs) writes the same results with 1 and {cpus} "
            "workers (the timed sweep and the idle baseline are different work on purpose: "
            "the baseline is what the command costs before it simulates anything)",
            results(tmp_path / "w1") == results(tmp_path / "wn"),
        )
        spec = write_spec(tmp_path, points, runs)
        outs = iter(tmp_path / f"out-{i}" for i in range(rounds))
        t = interleave(
            {
                "idle detente process (baseline)": idle,
                f"detente sweep, {points} x {runs} runs": lambda: sweep(spec, next(outs)),
            },
            rounds,
        )
    base, run = t.values()
    report.timed("sweep", t, runs=points * runs, workers=cpus)
    peak = max(i["peak_rss_bytes"] for i in run.info)
    idle_peak = max(i["peak_rss_bytes"] for i in base.info)
    summary = {
        "runs": points * runs,
        "workers": cpus,
        "wall_seconds (best)": round(run.best, 1),
        "peak_rss_MB (command and workers, largest round)": round(peak / 2**20),
        "baseline: idle detente process, MB": round(idle_peak / 2**20),
        "ratio peak / baseline": round(peak / max(idle_peak, 1), 2),
        "results on disk, MB": round(run.info[0]["disk_bytes"] / 2**20, 1),
        "under 1 GB": peak < 2**30,
    }
    report.put("summary", summary)
    report.table(
        f"two-state-textbook sweep, {points} points x {runs:,} runs, {rounds} round(s)",
        ["measure", "value"],
        [[k, v] for k, v in summary.items()],
    )
    report.write()


if __name__ == "__main__":
    main()
