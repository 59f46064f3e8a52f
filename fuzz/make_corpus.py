"""Build the seed corpus for fuzz_loader.py from the built-in scenarios and the
bad-input catalogue: python fuzz/make_corpus.py fuzz/corpus"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path


def main(target: str) -> None:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[1]
    builtin = resources.files("detente.scenario") / "builtin"
    sources = [p for p in builtin.iterdir() if p.name.endswith(".yaml")]
    sources += sorted((root / "tests" / "bad_inputs" / "scenarios").glob("*.yaml"))
    for i, path in enumerate(sources):
        data = path.read_bytes()
        if len(data) < 64 * 1024:
            (out / f"seed-{i:03d}").write_bytes(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus")
