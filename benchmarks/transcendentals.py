"""NumPy against XLA (JAX on the CPU) for the transcendental functions the step uses.

Each function on 640,000 float64 elements (the size of a chunk's belief grid:
2,500 runs x 16 bins x 16 pairs), both sides checked to agree to 1e-12
relative before timing, timed interleaved (NumPy, then XLA, N times), best of
N, the load average recorded. Writes JSON beside the printed table::

    python benchmarks/transcendentals.py --repeats 7 \\
        --out benchmarks/results/transcendentals.json

Needs the ``jax`` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--size", type=int, default=640_000)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(0)
    x = rng.uniform(-3.0, 3.0, a.size)
    y = rng.uniform(0.1, 3.0, a.size)
    jy = jnp.asarray(y)
    cases = {
        "exp": (lambda: np.exp(x), jax.jit(jnp.exp), (jnp.asarray(x),)),
        "log": (lambda: np.log(y), jax.jit(jnp.log), (jy,)),
        "pow": (lambda: np.power(y, x), jax.jit(jnp.power), (jy, jnp.asarray(x))),
        "pow as exp(x log y)": (
            lambda: np.power(y, x),
            jax.jit(lambda b, e: jnp.exp(e * jnp.log(b))),
            (jy, jnp.asarray(x)),
        ),
    }
    rows = {}
    for name, (np_f, jax_f, args) in cases.items():
        want, got = np_f(), np.asarray(jax_f(*args).block_until_ready())
        if not np.allclose(got, want, rtol=1e-12 if "as exp" not in name else 1e-9, atol=0.0):
            raise SystemExit(f"{name}: NumPy and XLA disagree")
        best = {"numpy": float("inf"), "xla": float("inf")}
        loads = []
        for _ in range(a.repeats):
            loads.append(os.getloadavg()[0])
            t0 = time.perf_counter()
            np_f()
            best["numpy"] = min(best["numpy"], time.perf_counter() - t0)
            t0 = time.perf_counter()
            jax_f(*args).block_until_ready()
            best["xla"] = min(best["xla"], time.perf_counter() - t0)
        rows[name] = {"numpy_ms": best["numpy"] * 1e3, "xla_ms": best["xla"] * 1e3,
                      "xla_over_numpy": best["xla"] / best["numpy"], "load": max(loads)}
        print(f"{name:24s} NumPy {best['numpy'] * 1e3:6.2f} ms  XLA {best['xla'] * 1e3:6.2f} ms"
              f"  XLA/NumPy {best['xla'] / best['numpy']:.2f}  (load {max(loads):.1f})")
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(),
                                     "size": a.size, "repeats": a.repeats, "jax": jax.__version__,
                                     "numpy": np.__version__, "cases": rows}, indent=1))


if __name__ == "__main__":
    main()
