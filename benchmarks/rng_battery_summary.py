"""Summarise the dieharder results in benchmarks/results/dieharder/ as Markdown.

    python benchmarks/rng_battery_summary.py

One row per stream and test: the test, its sizes (dieharder's ``tsamples``
and ``psamples``), the p-value and dieharder's verdict, read from the raw
output that ``benchmarks/rng_battery_rest.sh`` keeps (each file starts with
its exact command). docs/reliability.md quotes the totals.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "results" / "dieharder"
ROW = re.compile(r"^\s*(\w+)\|\s*(\d+)\|\s*(\d+)\|\s*(\d+)\|([0-9.]+)\|\s*(PASSED|WEAK|FAILED)")


def rows() -> list[tuple[str, str, int, int, int, float, str]]:
    """(stream, test, ntup, tsamples, psamples, p, verdict) for every p-value on file."""
    out = []
    for path in sorted(FOLDER.glob("*.txt")):
        if path.stem.endswith("-values"):  # the same data again, to print its p-values
            continue
        parts = path.name.split("-")
        # control-g13-S1-p10.txt: a reference generator (rng_battery_control.sh)
        stream = "-".join(parts[:2]) if parts[0] == "control" else parts[0]
        found = []
        for line in path.read_text().splitlines():
            m = ROW.match(line)
            if m:
                name, ntup, t, p, value, verdict = m.groups()
                found.append((stream, name, int(ntup), int(t), int(p), float(value), verdict))
        # -Y 1 repeats the ambiguous result, then gives the resolved one: keep that
        out += found[-1:] if path.stem.endswith("-Y1") else found
    return out


def main() -> None:
    table = rows()
    order = {"runs": 0, "steps": 1, "purposes": 2}
    table.sort(key=lambda r: (order.get(r[0], 9), r[1], r[2], r[4]))
    print("| stream | test | ntup | tsamples | psamples | p-value | verdict |")
    print("|---|---|---|---|---|---|---|")
    for s, name, ntup, t, p, value, verdict in table:
        print(f"| {s} | {name} | {ntup} | {t:,} | {p} | {value:.4f} | {verdict} |")
    print()
    for s in sorted({r[0] for r in table}, key=lambda x: (order.get(x, 9), x)):
        c = Counter(r[6] for r in table if r[0] == s)
        print(f"{s}: {sum(c.values())} p-values, " + ", ".join(f"{v} {k}" for k, v in c.items()))
    print()
    print("rgb_lagged_sum p-values by psamples: how many, how many above 0.9 and below 0.1")
    lagged = [r for r in table if r[1] == "rgb_lagged_sum"]
    for key in sorted({(r[0], r[4]) for r in lagged}, key=lambda k: (order.get(k[0], 9), k)):
        ps = [r[5] for r in lagged if (r[0], r[4]) == key]
        hi, lo = sum(v > 0.9 for v in ps), sum(v < 0.1 for v in ps)
        print(f"{key[0]} -p {key[1]}: {len(ps)}, {hi} above 0.9, {lo} below 0.1")


if __name__ == "__main__":
    main()
