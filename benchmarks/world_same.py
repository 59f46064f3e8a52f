"""Fingerprints of every world output, to show a speed change moved no number.

Usage::

    python benchmarks/world_same.py --save /tmp/world-ref.json   # before a change
    python benchmarks/world_same.py --check /tmp/world-ref.json  # after it

For each of the four presets and each case (seed, runs, years, workers) it
runs ``detente world PRESET --out DIR --json`` in a fresh process and
records the SHA-256 of the printed JSON and of each file written
(world.json, world.parquet, report.html). ``--check`` exits 1 naming every
output whose bytes changed. Nothing here is a test: it takes
about a minute of CPU, which the test suite cannot afford.

With ``--parquet-values`` (in both the ``--save`` and the ``--check`` run), a
Parquet file is fingerprinted by its columns' names, types and values, not its
bytes: for a change that adds only schema metadata (the declared units and
meanings of issue "The house re-laid"), the numbers must still be the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

PRESETS = ("spheres-recognised", "spheres-contested", "collective-security", "unipolar")
# (seed, runs, years, workers): the A/B's size, and another seed chunked over two workers.
CASES = ((0, 60, 30, 1), (7, 30, 15, 2))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parquet_values(path: str) -> bytes:
    """A Parquet file's columns, types and values, without its schema's metadata."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    parts = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        values = col.to_numpy(zero_copy_only=False)
        data = values.tobytes() if values.dtype != object else repr(values.tolist()).encode()
        parts += [name.encode(), str(col.type).encode(), np.int64(len(data)).tobytes(), data]
    return b"\0".join(parts)


def fingerprints(parquet_values: bool = False) -> dict[str, str]:
    """SHA-256 of every output of every preset and case."""
    out: dict[str, str] = {}
    for seed, runs, years, workers in CASES:
        args = ["--runs", str(runs), "--years", str(years), "--seed", str(seed)]
        args += ["--workers", str(workers)]
        for name in PRESETS:
            key = f"{name} seed={seed} runs={runs} years={years} workers={workers}"
            with tempfile.TemporaryDirectory() as d:
                cmd = ["detente", "world", name, *args, "--out", d, "--json"]
                res = subprocess.run(cmd, check=True, capture_output=True)
                out[f"{key} --json"] = _sha(res.stdout)
                for f in sorted(os.listdir(d)):
                    path = os.path.join(d, f)
                    if parquet_values and f.endswith(".parquet"):
                        out[f"{key} {f} (values)"] = _sha(_parquet_values(path))
                        continue
                    with open(path, "rb") as fh:
                        out[f"{key} {f}"] = _sha(fh.read())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", help="write the fingerprints to this JSON file")
    g.add_argument("--check", help="compare with the fingerprints in this JSON file")
    ap.add_argument(
        "--parquet-values",
        action="store_true",
        help="fingerprint Parquet files by their columns' values, not their bytes",
    )
    args = ap.parse_args()
    now = fingerprints(args.parquet_values)
    if args.save:
        with open(args.save, "w") as fh:
            json.dump(now, fh, indent=1)
        print(f"{len(now)} outputs fingerprinted")
        return
    with open(args.check) as fh:
        ref = json.load(fh)
    bad = [k for k in sorted(set(ref) | set(now)) if ref.get(k) != now.get(k)]
    for k in bad:
        print(f"changed: {k}")
    print(f"{len(now) - len(bad)} of {len(ref)} outputs byte-identical")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
