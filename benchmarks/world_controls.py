"""The paired control comparisons behind docs/world.md, as a Markdown table.

Usage::

    python benchmarks/world_controls.py --runs 200 --workers 2
    python benchmarks/world_controls.py --parquet world/world.parquet   # from `detente world --out`
    python benchmarks/world_controls.py --runs 100 --vary world.pressure=0.001,0.004

Each row is one comparison that changes one thing (the presets' own comments
say which), paired run by run on common random numbers, with its 95%
percentile-bootstrap interval (:mod:`detente.world.compare`). ``--vary``
reruns every comparison with one world assumption set to each value given,
to show which assumptions move a claim. The record check (ICB 1918-1989) is
appended: the share of crises that became wars with a great-power ally and
without, in the record and in the model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

from detente.world.compare import compare_worlds, percentile_interval, ratio_interval, resamples
from detente.world.record import icb_war_shares

PAIRS = (
    ("spheres-disjoint", "spheres-contested", "disjoint instead of overlapping claims"),
    ("spheres-disjoint-recognised", "spheres-disjoint", "recognition, claims held fixed"),
    ("spheres-recognised", "spheres-disjoint-recognised", "states start in their claimant's bloc"),
    ("collective-security", "spheres-contested", "a collective guarantee, beta(6, 3)"),
    ("collective-security-strong", "collective-security-weak", "guarantee cohesion 0.95 vs 0.1"),
    ("polarity-2", "polarity-1", "two powers instead of one, claims fixed"),
    ("spheres-disjoint", "polarity-2", "five powers instead of two, claims fixed"),
    ("rising-power", "rising-power-even", "the rival's forces grow 5% a year"),
)
METRICS = ("crises_per_decade", "wars", "great_power_wars", "deaths", "autonomy")
ICB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "icb"


def _table(metrics: dict[str, dict[str, np.ndarray]], seed: int) -> list[dict]:
    n = len(next(iter(next(iter(metrics.values())).values())))
    idx = resamples(n, seed)
    rows = []
    for a, b, what in PAIRS:
        if a not in metrics or b not in metrics:
            continue
        row = {"comparison": f"{a} - {b}", "change": what}
        for k in METRICS:
            d = metrics[a][k] - metrics[b][k]
            row[k] = [float(d.mean()), *percentile_interval(d, idx)]
        rows.append(row)
    for name, m in metrics.items():
        if "_wars_allied" not in m:
            continue  # a parquet written before the tallies were kept
        for side in ("allied", "alone"):
            share, ci = ratio_interval(m[f"_wars_{side}"], m[f"_crises_{side}"], idx)
            rows.append({"comparison": name, "change": f"war share, {side}", "share": [share, ci]})
    return rows


def _vary(names: list[str], path: str, value: float, folder: Path) -> list[str]:
    """Write each preset with one world assumption changed, return the files."""
    section, _, field = path.partition(".")
    out = []
    for name in names:
        change = {field: {"value": value, "source": "assumption: a sensitivity value"}}
        data = {"extends": name, "name": name, section: change}
        f = folder / f"{name}.yaml"
        f.write_text(yaml.safe_dump(data))
        out.append(str(f))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--years", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--parquet", help="per-run metrics written by `detente world --out`")
    ap.add_argument("--vary", help="SECTION.FIELD=v1,v2: rerun the comparisons at each value")
    ap.add_argument("--only", help="comma-separated presets: only the pairs among them")
    args = ap.parse_args()
    names = sorted({n for a, b, _ in PAIRS for n in (a, b)})
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    result: dict = {}
    if args.parquet:
        import pyarrow.parquet as pq

        t = pq.read_table(args.parquet).to_pydict()
        metrics: dict[str, dict[str, np.ndarray]] = {}
        for name in set(t["preset"]):
            rows = [i for i, p in enumerate(t["preset"]) if p == name]
            metrics[name] = {k: np.array([t[k][i] for i in rows]) for k in t if k != "preset"}
        result["base"] = _table(metrics, args.seed)
    else:
        runs = [(None, names)]
        if args.vary:
            path, _, values = args.vary.partition("=")
            tmp = Path(tempfile.mkdtemp())
            for v in values.split(","):
                folder = tmp / v
                folder.mkdir()
                runs.append((f"{path}={v}", _vary(names, path, float(v), folder)))
        for label, presets in runs:
            res = compare_worlds(presets, args.runs, args.years, args.seed, args.workers)
            metrics = {Path(p).stem: res.metrics[p] for p in presets}
            result[label or "base"] = _table(metrics, args.seed)
    csv = ICB / "icb2v14-1918-1989.csv"
    result["icb_1918_1989"] = icb_war_shares(csv)
    result["icb_1918_1944"] = icb_war_shares(csv, 1918, 1944)
    result["icb_1945_1989"] = icb_war_shares(csv, 1945, 1989)
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
