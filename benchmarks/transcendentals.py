"""NumPy against XLA (JAX on the CPU) for the transcendental functions the step uses.

Each function on 640,000 float64 elements (the size of a chunk's belief grid:
2,500 runs x 16 bins x 16 pairs), both sides checked to agree to 1e-12
relative (1e-9 for ``pow`` written as ``exp(x log y)``) before timing, timed
interleaved (benchmarks/harness.py), best of N, the load and the machine
recorded. Writes ``benchmarks/results/transcendentals.json`` beside the
printed table::

    python benchmarks/transcendentals.py --rounds 21
    python benchmarks/transcendentals.py --quick      # 64,000 elements, 3 rounds

(``--repeats`` is the old name of ``--rounds``.) Needs the ``jax`` extra.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Report, arguments, interleave, rounds_of


def main() -> None:
    ap = arguments(__doc__, rounds=7)
    ap.add_argument("--repeats", type=int, dest="rounds", help="the old name of --rounds")
    ap.add_argument("--size", type=int, default=None, help="elements (default 640,000)")
    a = ap.parse_args()
    size = a.size or (64_000 if a.quick else 640_000)
    rounds = rounds_of(a, quick=3)
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    report = Report("transcendentals", a)
    report.put("size", size)
    rng = np.random.default_rng(0)
    x = rng.uniform(-3.0, 3.0, size)
    y = rng.uniform(0.1, 3.0, size)
    jx, jy = jnp.asarray(x), jnp.asarray(y)
    cases = {
        "exp": (lambda: np.exp(x), jax.jit(jnp.exp), (jx,), 1e-12),
        "log": (lambda: np.log(y), jax.jit(jnp.log), (jy,), 1e-12),
        "pow": (lambda: np.power(y, x), jax.jit(jnp.power), (jy, jx), 1e-12),
        "pow as exp(x log y)": (
            lambda: np.power(y, x),
            jax.jit(lambda b, e: jnp.exp(e * jnp.log(b))),
            (jy, jx),
            1e-9,
        ),
    }
    rows = []
    for name, (np_f, jax_f, args, rtol) in cases.items():
        want, got = np_f(), np.asarray(jax_f(*args).block_until_ready())
        worst = float(np.max(np.abs(got - want) / np.abs(want)))
        report.check(
            f"{name}: XLA equals NumPy to {rtol:g} relative on every element",
            bool(np.allclose(got, want, rtol=rtol, atol=0.0)),
            worst_relative_difference=worst,
        )
        t = interleave(
            {"numpy": np_f, "xla": lambda f=jax_f, a=args: f(*a).block_until_ready()}, rounds
        )
        report.timed(name, t, elements=size)
        ratio = t["xla"].best / t["numpy"].best
        load = max(t["numpy"].load_before + t["xla"].load_after)
        rows.append([name, t["numpy"].best * 1e3, t["xla"].best * 1e3, round(ratio, 2), load])
    report.table(
        f"{size:,} float64 elements, best of {rounds} interleaved (baseline: NumPy)",
        ["function", "numpy ms", "xla ms", "xla / numpy", "load (max)"],
        rows,
    )
    report.write()


if __name__ == "__main__":
    main()
