"""Start-up time: ``import detente`` and ``detente --help`` in fresh processes.

Usage::

    python benchmarks/startup.py               # 7 interleaved rounds, best and median
    python benchmarks/startup.py --cores 2     # pinned to 2 CPUs (Linux taskset), as CI
    python benchmarks/startup.py --json        # the JSON on stdout too
    python benchmarks/startup.py --quick       # 3 rounds

Each measurement starts a new interpreter (``python -c "import detente"``,
``python -m detente.cli --help``, and loading a built-in scenario), so nothing
is cached in the process; the operating system's file cache is warmed by one
unrecorded run of each first. The three commands are timed interleaved, best
and median of the rounds, the load recorded around each
(benchmarks/harness.py). Checked before timing: every command imports
detente from this checkout's ``src`` and exits 0. The goal (issue 19) is
under 1 s for both on 2 cores. This is a benchmark, not a test: a wall time
depends on the machine and its load, and no test asserts one.
``python -X importtime -c "import detente"`` shows where the time goes.
Writes ``benchmarks/results/startup.json`` (``startup-cores-N.json`` with
``--cores N``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import Report, arguments, interleave, rounds_of

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


def environment() -> dict[str, str]:
    env = dict(os.environ)
    if (SRC / "detente").is_dir():  # a source checkout: measure this code
        env["PYTHONPATH"] = f"{SRC}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return env


def pinned(cmd: list[str], cores: int | None) -> list[str]:
    return ["taskset", "-c", f"0-{cores - 1}", *cmd] if cores else cmd


def wall(cmd: list[str], cores: int | None) -> None:
    """Run ``cmd`` in one fresh process (the harness times the call)."""
    subprocess.run(pinned(cmd, cores), check=True, stdout=subprocess.DEVNULL, env=environment())


def main() -> None:
    ap = arguments(__doc__, rounds=7)
    ap.add_argument("--repeat", type=int, dest="rounds", help="the old name of --rounds")
    ap.add_argument("--cores", type=int, default=None, help="pin to this many CPUs")
    ap.add_argument("--json", action="store_true", help="print the JSON on stdout too")
    args = ap.parse_args()
    if args.cores and not shutil.which("taskset"):
        sys.exit("--cores needs taskset (util-linux)")
    rounds = rounds_of(args, quick=3)
    name = f"startup-cores-{args.cores}" if args.cores else "startup"
    report = Report(name, args)
    report.put("cores", args.cores or os.cpu_count())
    where = subprocess.run(
        pinned([sys.executable, "-c", "import detente; print(detente.__file__)"], args.cores),
        capture_output=True,
        text=True,
        env=environment(),
    )
    report.check(
        "the measured processes import detente from this checkout",
        where.returncode == 0 and Path(where.stdout.strip()).is_relative_to(SRC)
        if (SRC / "detente").is_dir()
        else where.returncode == 0,
        imported=where.stdout.strip(),
    )
    for cmd in COMMANDS.values():
        wall(cmd, args.cores)  # warm the file cache; raises if the command fails
    t = interleave({k: (lambda c=c: wall(c, args.cores)) for k, c in COMMANDS.items()}, rounds)
    report.timed("fresh process", t, cores=args.cores or os.cpu_count())
    rows = [[k, v.best, v.median, max(v.seconds)] for k, v in t.items()]
    report.put(
        "rows", [dict(zip(["what", "best_s", "median_s", "worst_s"], r, strict=True)) for r in rows]
    )
    report.table(
        f"fresh processes, {args.cores or os.cpu_count()} CPUs, {rounds} interleaved rounds",
        ["what", "best s", "median s", "worst s"],
        rows,
    )
    path = report.write()
    if args.json:
        print(json.dumps(json.loads(path.read_text()), indent=1))


if __name__ == "__main__":
    main()
