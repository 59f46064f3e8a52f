"""Feed detente.random's streams to a statistical test battery (Debian's dieharder).

Every random number in detente is ``_mix(_mix(counter * golden ^ key) + key)``
for a 64-bit key hashed from (seed, purpose, step) and a counter from (run,
element). This script writes those 64-bit words, as raw little-endian 32-bit
halves, to standard output along one of three axes:

``runs``
    one key, consecutive counters: the draws of consecutive runs (and
    elements), the axis an ensemble uses most.
``steps``
    the key of each step in turn (seed 0, one purpose), eight runs per step:
    the draws of consecutive steps.
``purposes``
    the key of each purpose name in turn (``p0``, ``p1``, ...), eight runs
    per purpose: the draws of different uses in one step.

Usage (the command docs/reliability.md reports)::

    python benchmarks/rng_battery.py --stream runs | dieharder -g 200 -a

``-g 200`` is dieharder's raw standard-input generator. The words are the
exact ones :func:`detente.random.uniform_keyed` turns into doubles (its top
53 bits); the battery sees all 64.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

import numpy as np

from detente.random import _GOLDEN, _mix, purpose_key

BLOCK = 1 << 20


def _words(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """The generator's 64-bit words for every (key, counter) pair, key-major."""
    with np.errstate(over="ignore"):
        c = counters.astype(np.uint64)[None, :]
        k = keys.astype(np.uint64)[:, None]
        return _mix(_mix(c * _GOLDEN ^ k) + k).ravel()


def blocks(stream: str, seed: int = 0) -> Iterator[bytes]:
    """Endless blocks of raw bytes along one axis of the generator."""
    if stream == "runs":
        key = np.array([purpose_key(seed, "battery", 0)], dtype=np.uint64)
        start = 0
        while True:
            yield _words(key, np.arange(start, start + BLOCK, dtype=np.uint64)).tobytes()
            start += BLOCK
    per = 8  # runs per key
    runs = np.arange(per, dtype=np.uint64)
    i = 0
    while True:
        n = BLOCK // per
        if stream == "steps":
            keys = [purpose_key(seed, "battery", s) for s in range(i, i + n)]
        else:
            keys = [purpose_key(seed, f"p{p}", 0) for p in range(i, i + n)]
        i += n
        yield _words(np.array(keys, dtype=np.uint64), runs).tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stream", choices=["runs", "steps", "purposes"], default="runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bytes", type=int, default=0, help="stop after this many (0: never)")
    args = parser.parse_args()
    out = sys.stdout.buffer
    written = 0
    try:
        for block in blocks(args.stream, args.seed):
            out.write(block)
            written += len(block)
            if args.bytes and written >= args.bytes:
                break
    except BrokenPipeError:  # the battery stops reading when it is done
        sys.stderr.close()


if __name__ == "__main__":
    main()
