"""Counter-based randomness: every number is a pure function of
(root seed, run index, step, purpose, element).

Why not ``numpy.random.Generator``? A stateful generator hands out numbers in
the order they are asked for, so a run's draws would depend on how many runs
share a chunk, which policy package is simulated and how many workers there
are. Here a draw is a hash of its coordinates instead, evaluated on whole
arrays at once. Runs split into any chunks see the same numbers, and every
policy package meets the same random numbers (common random numbers).

The hash is the SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast
splittable pseudorandom number generators", OOPSLA), applied twice to a
key-whitened counter, in the spirit of counter-based generators (Salmon et al.
2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11). It needs only
uint64 arithmetic, which NumPy and jax.numpy both provide. The test suite
checks the moments, the spread over bins and the independence of neighbouring
counters; it is not a cryptographic generator.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import current, errstate, horizon, ndtri, real, xp

__all__ = [
    "normal",
    "purpose_key",
    "step_keys",
    "uniform",
    "uniform_keyed",
]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser on an array of uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def purpose_key(seed: int, purpose: str, step: int = -1) -> int:
    """A 64-bit key for one (seed, purpose, step) triple.

    The purpose is a readable name ("resolve-signal", "actors.RU.forces", ...)
    hashed with BLAKE2b, so adding a new purpose never shifts the numbers of
    another one.
    """
    digest = hashlib.blake2b(f"{seed}\x1f{purpose}\x1f{step}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def step_keys(seed: int, purpose: str, steps: int) -> NDArray[np.uint64]:
    """Keys for steps 0..steps-1 of one purpose, from one BLAKE2b hash.

    Key t is the SplitMix64 finaliser of base + (t + 1) x golden ratio, the
    generator's own way of deriving a sequence of independent seeds (Steele,
    Lea & Flood 2014). For loops of many short steps (the iterated games'
    turns), where a hash per step would cost more than the step itself.
    """
    base = np.uint64(purpose_key(seed, purpose))
    t = np.arange(1, steps + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _mix(base + t * _GOLDEN)


@lru_cache(maxsize=512)
def _key_table(seed: int, purpose: str, steps: int) -> NDArray[np.uint64]:
    return np.array([purpose_key(seed, purpose, s) for s in range(steps)], dtype=np.uint64)


def _key(seed: int, purpose: str, step: Any) -> NDArray[np.uint64]:
    """The purpose key as a 1-element array. Eagerly the step is a number and its
    key is hashed; a traced backend (the step of a compiled simulation is
    data) looks it up in a table of every step's key, hashed once on the
    host: the same keys, so the same numbers, as when stepping eagerly."""
    key: NDArray[np.uint64]  # NumPy's, or a traced JAX array of the same dtype
    if current().eager:
        key = np.array([purpose_key(seed, purpose, int(step))], dtype=np.uint64)
    else:
        key = xp.asarray(_key_table(seed, purpose, horizon()))[step][None]
    return key


def uniform(
    seed: int, purpose: str, step: int, runs: NDArray[np.int64], shape: tuple[int, ...] = ()
) -> NDArray[np.float64]:
    """Uniform numbers in the open interval (0, 1), shape ``(len(runs), *shape)``.

    Element ``[r, *idx]`` depends only on (seed, purpose, step, runs[r], idx).
    """
    u: NDArray[np.float64] = uniform_keyed(_key(seed, purpose, step), runs, shape)[0]
    return u


def uniform_keyed(
    keys: NDArray[np.uint64],
    runs: NDArray[np.int64],
    shape: tuple[int, ...] = (),
    elements: list[int] | None = None,
) -> NDArray[np.float64]:
    """:func:`uniform` for many purpose keys at once, shape ``(len(keys), len(runs), *shape)``.

    Row k equals ``uniform`` with the (seed, purpose, step) whose
    :func:`purpose_key` is ``keys[k]``. With ``elements`` (flat indices into
    ``shape``) only those are drawn, shape ``(len(keys), len(runs),
    len(elements))``: the same numbers as those elements of the full draw.
    """
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    key = xp.asarray(keys, dtype=xp.uint64)[:, None, None]
    idx = xp.arange(n, dtype=xp.uint64) if elements is None else xp.asarray(elements, xp.uint64)
    if elements is not None:
        shape = (len(elements),)
    with errstate(over="ignore"):
        counter = runs.astype(xp.uint64)[:, None] * np.uint64(n) + idx
        x = _mix(_mix(counter[None] * _GOLDEN ^ key) + key)
    # 53 high bits -> double in (0, 1): the +0.5 keeps both ends open.
    u = ((x >> np.uint64(11)).astype(xp.float64) + 0.5) * (1.0 / 9007199254740992.0)
    if real() != np.float64:
        # Rounded to a shorter float the ends would close (1 - 2^-54 -> 1.0): keep them open.
        eps = float(np.finfo(real()).eps)
        u = xp.clip(u, eps, 1.0 - eps).astype(real())
    return u.reshape((key.shape[0], runs.shape[0], *shape))


def normal(
    seed: int, purpose: str, step: int, runs: NDArray[np.int64], shape: tuple[int, ...] = ()
) -> NDArray[np.float64]:
    """Standard normal numbers by inversion of :func:`uniform` (exact, monotone)."""
    z: NDArray[np.float64] = ndtri(uniform(seed, purpose, step, runs, shape))
    return z
