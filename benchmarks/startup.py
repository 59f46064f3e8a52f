"""Start-up time: ``import detente`` and ``detente --help`` in fresh processes.

Usage::

    python benchmarks/startup.py               # 7 repetitions each, median and worst
    python benchmarks/startup.py --cores 2     # pinned to 2 CPUs (Linux taskset), as CI
    python benchmarks/startup.py --json

Each measurement starts a new interpreter (``python -c "import detente"`` and
``python -m detente.cli --help``), so nothing is cached in the process; the
operating system's file cache is warmed by one unrecorded run first. The
goal (issue 19) is under 1 s for both on 2 cores. This is a benchmark, not a
test: a wall time depends on the machine and its load, and no test asserts
one. ``python -X importtime -c "import detente"`` shows where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
COMMANDS = {
    "import detente": [sys.executable, "-c", "import detente"],
    "detente --help": [sys.executable, "-m", "detente.cli", "--help"],
    "import detente; load_scenario": [
        sys.executable,
        "-c",
        "import detente; detente.load_scenario('ukraine-2022')",
    ],
}


def wall(cmd: list[str], cores: int | None) -> float:
    """Seconds one fresh process takes to run ``cmd``."""
    if cores:
        cmd = ["taskset", "-c", f"0-{cores - 1}", *cmd]
    env = dict(os.environ)
    if (SRC / "detente").is_dir():  # a source checkout: measure this code
        env["PYTHONPATH"] = f"{SRC}{os.pathsep}{env.get('PYTHONPATH', '')}"
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cores", type=int, default=None, help="pin to this many CPUs")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.cores and not shutil.which("taskset"):
        sys.exit("--cores needs taskset (util-linux)")
    rows = []
    for name, cmd in COMMANDS.items():
        wall(cmd, args.cores)  # warm the file cache
        times = [wall(cmd, args.cores) for _ in range(args.repeat)]
        rows.append(
            {
                "what": name,
                "median_s": round(statistics.median(times), 3),
                "worst_s": round(max(times), 3),
                "repeat": args.repeat,
            }
        )
    meta = {
        "python": platform.python_version(),
        "cpus": args.cores or os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps({"meta": meta, "rows": rows}, indent=1))
        return
    print(f"python {meta['python']}, {meta['cpus']} CPUs, load {meta['load_1min']}")
    for r in rows:
        print(f"{r['what']:32s} median {r['median_s']:.3f} s   worst {r['worst_s']:.3f} s")


if __name__ == "__main__":
    main()
