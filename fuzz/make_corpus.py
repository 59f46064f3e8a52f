"""Build the seed corpus for fuzz_loader.py from the built-in scenarios and the
bad-input catalogue: python fuzz/make_corpus.py fuzz/corpus; with a second
argument ``experiments``, fuzz_experiments.py's corpus from the catalogue's
experiment specs (first byte 0) and CSV designs (first byte 1)."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path


def experiments(out: Path, root: Path) -> None:
    folder = root / "tests" / "bad_inputs" / "experiments"
    sources = [(0, p) for p in sorted(folder.glob("*.yaml"))]
    sources += [(1, p) for p in sorted(folder.glob("*.csv"))]
    sources += [(0, p) for p in sorted((root / "examples").rglob("*.yaml"))]
    for i, (mode, path) in enumerate(sources):
        data = path.read_bytes()
        if len(data) < 64 * 1024:
            (out / f"seed-{i:03d}").write_bytes(bytes([mode]) + data)


def main(target: str, kind: str = "scenarios") -> None:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[1]
    if kind == "experiments":
        experiments(out, root)
        return
    builtin = resources.files("detente.scenario") / "builtin"
    sources = [p for p in builtin.iterdir() if p.name.endswith(".yaml")]
    sources += sorted((root / "tests" / "bad_inputs" / "scenarios").glob("*.yaml"))
    for i, path in enumerate(sources):
        data = path.read_bytes()
        if len(data) < 64 * 1024:
            (out / f"seed-{i:03d}").write_bytes(data)


if __name__ == "__main__":
    main(*(sys.argv[1:3] if len(sys.argv) > 1 else ["fuzz/corpus"]))
