"""Summarise the dieharder results in benchmarks/results/dieharder/ as Markdown.

    python benchmarks/rng_battery_summary.py          # every p-value, and counts
    python benchmarks/rng_battery_summary.py --docs   # rewrite docs/reliability.md's table

One row per stream and test: the test, its sizes (dieharder's ``tsamples``
and ``psamples``), the p-value and dieharder's verdict, read from the raw
output that ``benchmarks/rng_battery_rest.sh`` keeps (each file starts with
its exact command). docs/reliability.md quotes the totals.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "results" / "dieharder"
DOC = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
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


def _lags(sel: list) -> str:
    lags = sorted({r[2] for r in sel})
    if len(lags) == 1:
        return f"lag {lags[0]}"
    return f"lags {lags[0]}-{lags[-1]}"


def _counts(sel: list) -> str:
    c = Counter(r[6] for r in sel)
    return f"{len(sel)} | {c['PASSED']} | {c['WEAK']} | {c['FAILED']}"


def _table(table: list) -> str:
    lines = [
        "| stream | tests, sizes | p-values | passed | weak | failed |",
        "|---|---|---|---|---|---|",
    ]
    others = "`rgb_kstest_test`, the five DAB tests, at `-a`'s sizes"
    for s in ("runs", "steps", "purposes"):
        other = [r for r in table if r[0] == s and r[1] != "rgb_lagged_sum"]
        if other:
            lines.append(f"| {s} | {others} | {_counts(other)} |")
        lagged = [r for r in table if r[0] == s and r[1] == "rgb_lagged_sum"]
        for t, p in sorted({(r[3], r[4]) for r in lagged}, key=lambda k: -k[0] * k[1]):
            sel = [r for r in lagged if (r[3], r[4]) == (t, p)]
            if p in (5, 10, 20, 100):
                full = " (as `-a`)" if (t, p) == (1_000_000, 100) else ""
                what = f"`-t {t:,} -p {p}`{full}"
            else:  # a -Y 1 rerun: dieharder added p-values until the result was clear
                what = f"`-Y 1`, resolved at {p} p-values"
            lines.append(f"| {s} | `rgb_lagged_sum` {_lags(sel)}, {what} | {_counts(sel)} |")
    return "\n".join(lines)


def _leans(table: list) -> str:
    out = []
    names = {"control-g13": "mt19937", "control-g205": "AES_OFB"}
    for key in ("control-g13", "control-g205", "runs", "steps", "purposes"):
        for p in (5, 10, 20, 100):
            sel = [r for r in table if r[0] == key and r[1] == "rgb_lagged_sum" and r[4] == p]
            if sel:
                hi = sum(r[5] > 0.9 for r in sel)
                out.append(f"{names.get(key, key)} at `-p {p}`: {hi} of {len(sel)}")
    return "; ".join(out)


def _between(text: str, mark: str, body: str) -> str:
    a, b = f"<!-- {mark} -->", f"<!-- /{mark} -->"
    i, j = text.index(a), text.index(b) + len(b)
    return text[:i] + a + body + b + text[j:]


def write_docs(doc: Path = DOC) -> None:
    """Rewrite the round-3 table and the counts of p-values above 0.9 in
    docs/reliability.md (between their ``<!-- battery-... -->`` marks)."""
    table = rows()
    text = _between(doc.read_text(), "battery-table", "\n" + _table(table) + "\n")
    text = _between(text, "battery-control", _leans(table))
    doc.write_text(text)
    print(f"rewrote the battery table in {doc}")


if __name__ == "__main__":
    write_docs() if "--docs" in sys.argv[1:] else main()
