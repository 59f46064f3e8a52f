"""Byte-identical outputs before and after a change that must not move a number.

Runs ``detente run --json`` for ``ukraine-2022`` (every package),
``two-state-textbook`` and ``ukraine-war-2022`` from a source tree and saves
the documents (``--save DIR``) or compares them byte for byte with saved
ones (``--compare DIR``); exit 1 on any difference. Used for every commit of
the speed work of issue 15 (docs/performance.md):

    git stash; python benchmarks/same_output.py --src src --save /tmp/before; git stash pop
    python benchmarks/same_output.py --src src --compare /tmp/before
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

JOBS = {
    "ukraine-2022": ["--runs", "2000", "--seed", "0"],
    "two-state-textbook": ["--runs", "2000", "--seed", "0"],
    "ukraine-war-2022": ["--runs", "1000", "--seed", "3"],
}


def run(src: Path, scenario: str, args: list[str]) -> bytes:
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    cmd = [sys.executable, "-m", "detente.cli", "run", scenario, *args, "--json", "--workers", "1"]
    return subprocess.run(cmd, env=env, check=True, capture_output=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", type=Path, default=Path("src"))
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path)
    mode.add_argument("--compare", type=Path)
    a = ap.parse_args()
    differ = []
    for scenario, args in JOBS.items():
        out = run(a.src, scenario, args)
        if a.save:
            a.save.mkdir(parents=True, exist_ok=True)
            (a.save / f"{scenario}.json").write_bytes(out)
            print(f"{scenario}: saved")
        else:
            same = (a.compare / f"{scenario}.json").read_bytes() == out
            print(f"{scenario}: {'identical' if same else 'DIFFERS'}")
            differ += [] if same else [scenario]
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
