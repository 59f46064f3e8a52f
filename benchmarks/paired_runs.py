"""Paired before/after table of two `detente run --out` folders (same seed and run indices).

Usage::

    python benchmarks/paired_runs.py BEFORE/runs.parquet AFTER/runs.parquet

Each package's P(war) and deaths per run before and after, the paired
difference (after minus before) with its 95% interval, and how many runs
changed at all: the docs/model.md table for the alliance rule of issue 21.
"""

from __future__ import annotations

import sys

import pyarrow.parquet as pq

from detente.analysis.statistics import paired_difference


def main(before: str, after: str) -> None:
    a = pq.read_table(before).to_pandas()
    b = pq.read_table(after).to_pandas()
    print("| package | P(war) before → after | paired Δ deaths per run [95%] | runs changed |")
    print("|---|---|---|---|")
    for pkg in a.package.unique():
        x = a[a.package == pkg].sort_values("run")
        y = b[b.package == pkg].sort_values("run")
        assert (x.run.values == y.run.values).all(), "the two folders hold different runs"
        d, (lo, hi) = paired_difference(y.deaths.values, x.deaths.values)
        changed = int((x.deaths.values != y.deaths.values).sum())
        print(
            f"| {pkg} | {x.war.mean():.4f} → {y.war.mean():.4f} "
            f"| {d:+,.0f} [{lo:+,.0f}, {hi:+,.0f}] | {changed} of {len(x)} |"
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
