"""What detente's generality costs: the engine against a hand-written kernel.

Usage::

    python benchmarks/overhead.py            # 20,000 runs of two-state-textbook
    python benchmarks/overhead.py --quick    # 4,000 runs

The baseline is `benchmarks/baselines/hand_kernel.py`, the status quo of
`two-state-textbook` written for that crisis alone (two actors, one dispute,
no alliances or interventions) with the same numerical primitives. The
script first checks that the kernel and the engine give the same numbers
run by run (bit for bit), then times both in this process on the same runs
and chunks (2,500 runs), parameters drawn and initial state built by the
same code in both, best of five taken in turn. The ratio engine / kernel is the
framework's overhead (goal: at most 1.25).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent / "baselines"))

import hand_kernel

from detente import load_scenario
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model, simulate_chunk
from detente.model.state import initial_state

NAME, SEED = "two-state-textbook", 0
CHUNK = int(os.environ.get("CHUNK", 2500))


def kernel_chunk(sc, st, runs) -> dict:
    p = draw_params(sc, SEED, runs)
    belief = initial_state(p, st, *common_priors(sc, st.bins)).belief
    return hand_kernel.simulate(p, belief, SEED, runs, st.steps, st.bins, st.lookahead)


def best_alternating(f, g, rounds: int = 5) -> tuple[float, float]:
    """Best of ``rounds`` timings of f and of g, taken in turn (f, g, f, g, ...),
    so that a drift in the machine's speed affects both alike."""
    best = [np.inf, np.inf]
    for _ in range(rounds):
        for i, h in enumerate((f, g)):
            start = time.perf_counter()
            h()
            best[i] = min(best[i], time.perf_counter() - start)
    return best[0], best[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 4000 if args.quick else 20000
    sc = load_scenario(NAME)
    model = compile_model(sc, "status-quo")
    st = model.structure
    chunks = [np.arange(a, min(a + CHUNK, n)) for a in range(0, n, CHUNK)]

    engine = {
        k: np.concatenate(v)
        for k, v in _merge(simulate_chunk(sc, model, SEED, c) for c in chunks).items()
    }
    kernel = {
        k: np.concatenate(v) for k, v in _merge(kernel_chunk(sc, st, c) for c in chunks).items()
    }
    identical = {k: bool(np.array_equal(engine[k], kernel[k])) for k in kernel}
    if not all(identical.values()):
        raise SystemExit(f"the kernel and the engine disagree: {identical}")

    t_engine, t_kernel = best_alternating(
        lambda: [simulate_chunk(sc, model, SEED, c) for c in chunks],
        lambda: [kernel_chunk(sc, st, c) for c in chunks],
    )
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()}, Python {platform.python_version()}",
                "scenario": f"{NAME} / status-quo, {n} runs x {st.steps} steps, chunks of {CHUNK}",
                "identical outcomes (war, settled, max_rung, deaths, displaced)": identical,
                "hand kernel seconds (baseline)": round(t_kernel, 3),
                "engine seconds": round(t_engine, 3),
                "overhead (engine / kernel)": round(t_engine / t_kernel, 3),
                "engine run_steps_per_s": round(n * st.steps / t_engine),
                "kernel run_steps_per_s": round(n * st.steps / t_kernel),
            },
            indent=2,
        )
    )


def _merge(parts) -> dict[str, list]:
    out: dict[str, list] = {}
    for part in parts:
        for k in ("war", "settled", "max_rung", "deaths", "displaced"):
            out.setdefault(k, []).append(part[k])
    return out


if __name__ == "__main__":
    main()
