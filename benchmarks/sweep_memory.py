"""A sweep of 1,000,000 runs stays under 1 GB of resident memory.

Usage::

    python benchmarks/sweep_memory.py              # 100 points x 10,000 runs = 10^6 runs
    python benchmarks/sweep_memory.py --points 10  # 10^5 runs, a quick look

Runs `detente sweep` as a subprocess on `two-state-textbook` (52 steps) with
the CPU count of workers and samples the resident memory of the whole process
tree (the command and its workers) every 0.2 s. The baseline for the ratio is
the idle interpreter with detente imported, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _rss import PeakRSS


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--runs", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = {
            "name": "memory",
            "scenario": "two-state-textbook",
            "runs": args.runs,
            "packages": ["status-quo"],
            "uncertainties": {"actors.A.resolve": [0.2, 0.9]},
            "design": {"method": "lhs", "samples": args.points},
            "outcomes": ["war", "deaths", "displaced"],
        }
        path = Path(tmp) / "memory.yaml"
        path.write_text(yaml.safe_dump(spec))
        idle = subprocess.Popen([sys.executable, "-c", "import detente.cli, time; time.sleep(3)"])
        with PeakRSS(idle.pid) as base:
            idle.wait()
        start = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "detente.cli",
                "sweep",
                str(path),
                "--out",
                str(Path(tmp) / "out"),
            ],
            stdout=subprocess.DEVNULL,
        )
        with PeakRSS(proc.pid) as peak:
            proc.wait()
        wall = time.perf_counter() - start
        size = sum(f.stat().st_size for f in (Path(tmp) / "out").rglob("*") if f.is_file())
    runs = args.points * args.runs
    print(
        json.dumps(
            {
                "runs": runs,
                "workers": os.cpu_count(),
                "wall_seconds": round(wall, 1),
                "peak_rss_MB (command and workers)": round(peak.peak / 2**20),
                "baseline: idle detente process, MB": round(base.peak / 2**20),
                "ratio peak / baseline": round(peak.peak / max(base.peak, 1), 2),
                "results on disk, MB": round(size / 2**20, 1),
                "under 1 GB": peak.peak < 2**30,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
