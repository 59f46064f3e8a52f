"""Render docs/performance.md's measured tables from the benchmarks' JSON files.

Usage::

    python benchmarks/render_performance.py            # rewrite the generated sections
    python benchmarks/render_performance.py --check    # exit 1 if any section is stale

A generated section of the page lies between two markers::

    <!-- generated: tables NAME -->
    ... (rewritten: every table of benchmarks/results/NAME.json, and where it came from)
    <!-- end generated -->

    <!-- generated: gpu FILE [FILE ...] -->
    ... (the GPU table from benchmarks/results/FILE.json, the first file's figures
         and every file's ratio to NumPy)
    <!-- end generated -->

``tables`` renders what a benchmark built on benchmarks/harness.py wrote: its
printed tables, then one line naming the command, the machine, the commit,
the date, the load it ran under and the checks it passed before timing. Only
full runs are rendered (``--quick`` results live in results/quick/ and are
refused). Text outside the markers is left as it is. ``--check`` is run by
tests/test_performance_doc.py, so a JSON file re-measured without the page
regenerated fails the tests.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "performance.md"
SECTION = re.compile(
    r"(<!-- generated: (?P<spec>[^>]*?) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S
)


class Stale(Exception):
    """A marker that cannot be rendered: unknown kind, missing or unusable file."""


def _read(name: str) -> dict[str, Any]:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise Stale(f"{name!r}: expected a file name under benchmarks/results/")
    path = RESULTS / f"{name}.json"
    if not path.is_file():
        raise Stale(f"benchmarks/results/{name}.json: no such file")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise Stale(f"benchmarks/results/{name}.json: not JSON ({e.msg})") from None


def cell(v: Any) -> str:
    """A table cell: integers with thousands separators, reals to 3 significant figures."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(v).replace("|", "\\|")


def markdown(columns: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(cell(c) for c in columns) + " |"]
    lines.append("|" + "---|" * len(columns))
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _loads(doc: dict[str, Any]) -> list[float]:
    out = [doc.get("load_at_start"), doc.get("load_at_end")]
    for group in doc.get("timings", {}).values():
        for case in group.get("cases", {}).values():
            out += case.get("load_before", []) + case.get("load_after", [])
    return [x for x in out if isinstance(x, int | float)]


def provenance(doc: dict[str, Any]) -> str:
    """One paragraph: command, machine, commit, date, load, checks."""
    m = doc.get("machine", {})
    cores = m.get("usable_cpus") or m.get("logical_cpus")
    soft = (
        ", ".join(f"{k} {m[k]}" for k in ("python", "numpy", "jax") if m.get(k) is not None)
        .replace("python", "Python")
        .replace("numpy", "NumPy")
        .replace("jax", "JAX")
    )
    commit = m.get("commit") or "?"
    if m.get("src_modified"):
        commit += " with src/ modified"
    loads = _loads(doc)
    low, high = (f"{min(loads):.1f}", f"{max(loads):.1f}") if loads else ("", "")
    load = "not recorded" if not loads else low if low == high else f"{low}-{high}"
    checks = doc.get("checks", [])
    passed = sum(1 for c in checks if c.get("ok"))
    when = doc.get("started_utc", "?")[:10]
    return (
        f"(`{doc.get('command', '?')}`, {when}, commit {commit}; {m.get('cpu', '?')}, "
        f"{cores} CPUs, {m.get('memory_gib', '?')} GiB, {soft}; one-minute load "
        f"{load} during the run; {passed} of {len(checks)} checks before timing passed: "
        + "; ".join(c.get("what", "?") for c in checks)
        + f". `benchmarks/results/{doc.get('benchmark', '?')}.json`.)"
    )


def render_tables(args: list[str]) -> str:
    if len(args) != 1:
        raise Stale(f"tables: expected one results name, got {args}")
    doc = _read(args[0])
    if doc.get("quick"):
        raise Stale(f"benchmarks/results/{args[0]}.json: a --quick run, not for the page")
    if doc.get("stopped"):
        failed = [c for c in doc.get("checks", []) if not c.get("ok")]
        detail = "".join(
            f" ({k.replace('_', ' ')}: " + ", ".join(f"{a} {cell(b)}" for a, b in v.items()) + ")"
            for c in failed
            for k, v in c.items()
            if isinstance(v, dict)
        )
        return f"**Not timed**: {doc['stopped']}{detail}.\n\n" + provenance(doc)
    parts = []
    for t in doc.get("tables", []):
        parts.append(f"{t['title']}:\n\n" + markdown(t["columns"], t["rows"]))
    if not parts:
        raise Stale(f"benchmarks/results/{args[0]}.json: no tables")
    return "\n\n".join(parts) + "\n\n" + provenance(doc)


def _gpu_case(doc: dict[str, Any], size: str, precision: str) -> dict[str, Any] | None:
    """One case of a gpu.py document; the first format ("runs=N", float64 only) too."""
    if f"runs={size}, {precision}" in doc:
        return doc[f"runs={size}, {precision}"]
    if precision == "float64" and "float64" in doc.get("scenario", ""):
        return doc.get(f"runs={size}")
    return None


def sci(x: float) -> str:
    """1.01 x 10^8."""
    exp = len(str(int(abs(x)))) - 1
    return f"{x / 10**exp:.2f} x 10^{exp}"


def render_gpu(args: list[str]) -> str:
    """The GPU table: the first file's figures, every file's ratio to NumPy on 2 cores."""
    if not args:
        raise Stale("gpu: expected one or more results names")
    docs = [_read(a) for a in args]
    tags = [a.rsplit("-", 1)[-1] for a in args]
    first = docs[0]
    rows = []
    for key in (k for k in first if k.startswith("runs=")):
        size, precision = key[len("runs=") :].split(", ")
        r = first[key]
        ratios = "; ".join(
            f"{cell(c['vs_numpy_2_cores'])}x ({tag})"
            for d, tag in zip(docs, tags, strict=True)
            if (c := _gpu_case(d, size, precision)) is not None
        )
        rows.append(
            [
                f"10^{len(size) - 1}" if size.strip("0") == "1" else f"{int(size):,}",
                precision,
                sci(r["run_steps_per_s"]),
                ratios,
                f"{100 * r['share_of_limit']:.1f}%",
                r["first_call_with_compile_s"],
            ]
        )
    table = markdown(
        [
            "runs",
            "precision",
            f"run-steps/s ({tags[0]})",
            "vs NumPy on 2 cores",
            f"share of the state round-trip limit ({tags[0]})",
            f"first call with compile, s ({tags[0]})",
        ],
        rows,
    )
    base = "; ".join(
        f"{d['baseline_numpy_2_cores_run_steps_per_s']:,} ({t})"
        for d, t in zip(docs, tags, strict=True)
    )
    bw = "; ".join(
        f"{d['stream_bandwidth_GB_per_s']:,} ({t})" for d, t in zip(docs, tags, strict=True)
    )
    files = ", ".join(f"`benchmarks/results/{a}.json`" for a in args)
    return (
        f"{table}\n\n({first['device']}, JAX {first['jax']}, host {first['host']}; NumPy "
        f"baseline on 2 cores: {base} run-steps/s; stream bandwidth {bw} GB/s; {files}.)"
    )


RENDERERS = {"tables": render_tables, "gpu": render_gpu}


def render(text: str) -> tuple[str, list[str]]:
    """The page with every generated section rewritten; and the sections' names."""
    names: list[str] = []

    def one(m: re.Match[str]) -> str:
        kind, *args = m["spec"].split()
        if kind not in RENDERERS:
            raise Stale(f"<!-- generated: {m['spec']} -->: unknown kind {kind!r}")
        names.append(m["spec"])
        return f"{m.group(1)}{RENDERERS[kind](args)}\n{m.group(4)}"

    return SECTION.sub(one, text), names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    ap.add_argument("--doc", type=Path, default=DOC)
    args = ap.parse_args(argv)
    text = args.doc.read_text()
    try:
        new, names = render(text)
    except Stale as e:
        print(f"{args.doc}: {e}", file=sys.stderr)
        return 1 if args.check else 2
    if not names:
        print(f"{args.doc}: no generated sections", file=sys.stderr)
        return 1 if args.check else 2
    if args.check:
        if new != text:
            stale = [n for n in names if _section(new, n) != _section(text, n)]
            print(
                f"{args.doc} is stale in {stale}: run python benchmarks/render_performance.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != text:
        args.doc.write_text(new)
    print(f"{args.doc}: {len(names)} generated sections", file=sys.stderr)
    return 0


def _section(text: str, spec: str) -> str | None:
    for m in SECTION.finditer(text):
        if m["spec"] == spec:
            return m["body"]
    return None


if __name__ == "__main__":
    sys.exit(main())
