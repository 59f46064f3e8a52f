"""What every timing benchmark shares, so that its figures can be believed.

A benchmark built on this module:

* checks, before it times anything, that its sides compute the same numbers
  (:func:`fingerprint` of their outputs, :func:`close` of two summaries), or
  says what it checks instead where the sides are different models on purpose
  (:meth:`Report.check`); a failed check writes the JSON and stops with exit
  status 1, nothing timed;
* times its cases interleaved (:func:`interleave`: round 1 A, B, C; round 2
  C, B, A; ...), so that a change in the machine's speed or load hits every
  case alike, and reports the best (the least disturbed) and the median of the
  rounds;
* records the one-minute load average before and after every measurement,
  and the machine (:func:`machine`: CPU model, cores, memory, Python, NumPy,
  JAX, the git commit);
* writes its JSON beside the printed table (:meth:`Report.write`):
  ``benchmarks/results/NAME.json``, or ``benchmarks/results/quick/NAME.json``
  for a ``--quick`` smoke run (ignored by git), or ``--out PATH``.

``benchmarks/render_performance.py`` renders docs/performance.md's tables
from those files. The design follows the usual advice for timing on shared
machines (Chen and Revels 2016, "Robust benchmarking in noisy
environments": the minimum is the estimator least moved by interference).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


# --------------------------------------------------------------------- machine
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def package_version(package: str) -> str | None:
    """A package's installed version, read from its metadata (nothing is imported)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    """The machine and software a measurement ran on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    status = _git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return {
        "cpu": _cpu_model(),
        "arch": platform.machine(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "jax": package_version("jax"),
        "commit": _git("rev-parse", "--short=12", "HEAD"),
        "src_modified": bool(status) if status is not None else None,
    }


def load() -> float:
    """The one-minute load average (runnable processes, all CPUs together)."""
    return round(os.getloadavg()[0], 2)


# ---------------------------------------------------------------- agreement
def fingerprint(arrays: Mapping[str, Any]) -> str:
    """SHA-256 of named arrays (keys sorted; dtype, shape and bytes of each).

    Two sides with the same fingerprint computed the same numbers bit for bit.
    """
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(np.asarray(arrays[key]))
        h.update(f"{key}|{a.dtype.str}|{a.shape}|".encode())
        # An object array's bytes are pointers: hash its items' text instead.
        h.update(repr(a.tolist()).encode() if a.dtype.kind == "O" else a.tobytes())
    return h.hexdigest()[:16]


def close(a: Any, b: Any, rtol: float = 1e-9, path: str = "") -> list[str]:
    """Where two JSON-like documents differ beyond ``rtol`` (relative) in a number.

    Returns the paths of the differences; an empty list means they agree.
    Strings, booleans and integers must be equal; floats within ``rtol``.
    """
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if set(a) != set(b):
            return [f"{path or '.'}: keys {sorted(set(a) ^ set(b))} on one side only"]
        return [d for k in a for d in close(a[k], b[k], rtol, f"{path}.{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{path}: lengths {len(a)} and {len(b)}"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in close(x, y, rtol, f"{path}[{i}]")
        ]
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int | float):
            return [f"{path}: {a!r} and {b!r}"]
        if not isinstance(b, int | float) or not math.isclose(a, b, rel_tol=rtol, abs_tol=0.0):
            return [f"{path}: {a!r} and {b!r}"]
        return []
    return [] if a == b else [f"{path}: {a!r} and {b!r}"]


def outcomes_agree(
    a: Mapping[str, Any], b: Mapping[str, Any], keys: tuple[str, ...], rtol: float = 1e-9
) -> dict[str, float]:
    """Share of runs on which two sides' outcome columns agree, key by key.

    Booleans and integers must be equal; reals equal to ``rtol`` relative.
    """
    out = {}
    for k in keys:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        if x.shape != y.shape:
            out[k] = 0.0
        elif x.dtype.kind == "f" or y.dtype.kind == "f":
            out[k] = float(np.mean(np.isclose(x, y, rtol=rtol, atol=0.0)))
        else:
            out[k] = float(np.mean(x == y))
    return out


# ------------------------------------------------------------------- timing
@dataclass(frozen=True)
class Measured:
    """What a case returns when it measures itself (a child process's own clock)."""

    seconds: float
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Timing:
    """Every round's measurement of one case."""

    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    info: list[dict[str, Any]] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best_cpu(self) -> float:
        """Least CPU time of this process over the rounds: for a case computed in
        this process (one thread), steadier than the wall time on a loaded machine,
        since time spent waiting for a core is not counted."""
        return min(self.cpu_seconds)

    def record(self) -> dict[str, Any]:
        """The JSON record: best, median, every round, and the load around each."""
        doc: dict[str, Any] = {
            "best_s": round(self.best, 6),
            "median_s": round(self.median, 6),
            "rounds_s": [round(s, 6) for s in self.seconds],
            "best_cpu_s_this_process": round(self.best_cpu, 4),
            "cpu_s_this_process": [round(s, 4) for s in self.cpu_seconds],
            "load_before": self.load_before,
            "load_after": self.load_after,
        }
        if any(self.info):
            doc["info"] = self.info
        return doc


def interleave(
    cases: Mapping[str, Callable[[], object]], rounds: int, *, echo: bool = True
) -> dict[str, Timing]:
    """Time every case once per round, the cases in turn, for ``rounds`` rounds.

    The order alternates (A, B, C, then C, B, A) so that no case always runs
    right after the same one. A case is timed by the wall clock around its
    call, unless it returns :class:`Measured` (a child process's own timing).
    The load average is recorded before and after each call.
    """
    names = list(cases)
    out = {name: Timing() for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            t = out[name]
            t.load_before.append(load())
            c0, t0 = time.process_time(), time.perf_counter()
            got = cases[name]()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            t.load_after.append(load())
            if isinstance(got, Measured):
                wall = got.seconds
                t.info.append(got.info)
            t.seconds.append(wall)
            t.cpu_seconds.append(cpu)
            if echo:
                print(
                    f"  round {r + 1}/{rounds} {name}: {wall:.3f} s "
                    f"(load {t.load_before[-1]:.1f} -> {t.load_after[-1]:.1f})",
                    file=sys.stderr,
                    flush=True,
                )
    return out


# ------------------------------------------------------------------- report
def arguments(doc: str | None, rounds: int) -> argparse.ArgumentParser:
    """A parser with the options every benchmark shares."""
    ap = argparse.ArgumentParser(
        description=(doc or "").splitlines()[0] if doc else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument(
        "--rounds",
        type=int,
        default=None,
        help=f"interleaved rounds, best taken (default {rounds})",
    )
    ap.add_argument("--out", type=Path, default=None, help="where the JSON goes")
    ap.set_defaults(default_rounds=rounds)
    return ap


def rounds_of(args: argparse.Namespace, quick: int = 2) -> int:
    """The rounds asked for, or the benchmark's default (``quick`` with --quick)."""
    if args.rounds:
        return max(1, args.rounds)
    return min(quick, args.default_rounds) if args.quick else args.default_rounds


class Report:
    """One benchmark run's record: machine, checks, timings, results, tables."""

    def __init__(self, name: str, args: argparse.Namespace | None = None) -> None:
        self.name = name
        self.quick = bool(getattr(args, "quick", False))
        self.out: Path | None = getattr(args, "out", None)
        self.doc: dict[str, Any] = {
            "benchmark": name,
            "command": " ".join(["python", f"benchmarks/{name}.py", *sys.argv[1:]]),
            "quick": self.quick,
            "started_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": machine(),
            "load_at_start": load(),
            "checks": [],
            "timings": {},
            "results": {},
            "tables": [],
        }

    def check(self, what: str, ok: bool, **detail: Any) -> None:
        """Record a check made before timing; stop (exit 1) if it failed."""
        self.doc["checks"].append({"what": what, "ok": bool(ok), **detail})
        mark = "ok" if ok else "FAILED"
        print(f"check {mark}: {what}", file=sys.stderr, flush=True)
        if not ok:
            self.doc["stopped"] = f"check failed before timing: {what}"
            path = self.write()
            raise SystemExit(f"{self.name}: check failed, nothing timed: {what} ({path})")

    def timed(self, key: str, timings: Mapping[str, Timing], **meta: Any) -> None:
        """Record a set of interleaved timings under ``key``."""
        self.doc["timings"][key] = {**meta, "cases": {k: t.record() for k, t in timings.items()}}

    def put(self, key: str, value: Any) -> None:
        self.doc["results"][key] = value

    def table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        """Print a table and keep it in the JSON."""
        self.doc["tables"].append({"title": title, "columns": columns, "rows": rows})
        cells = [[_cell(v) for v in row] for row in [columns, *rows]]
        widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
        print(f"\n{title}")
        for i, row in enumerate(cells):
            print(
                "  ".join(
                    c.rjust(w) if j else c.ljust(w)
                    for j, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
            if i == 0:
                print("  ".join("-" * w for w in widths))

    def path(self) -> Path:
        if self.out is not None:
            return self.out
        return (RESULTS / "quick" if self.quick else RESULTS) / f"{self.name}.json"

    def write(self) -> Path:
        """Write the JSON (load at the end included); return its path."""
        self.doc["load_at_end"] = load()
        self.doc["finished_utc"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.doc, indent=1, default=_json_default) + "\n")
        print(f"\nwrote {_shown(path)}", file=sys.stderr)
        return path


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def _json_default(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, Path):
        return str(v)
    raise TypeError(f"not JSON: {type(v).__name__}")
