"""What detente's generality costs: the engine against a hand-written kernel.

Usage::

    python benchmarks/overhead.py            # 20,000 runs of two-state-textbook, best of 5
    python benchmarks/overhead.py --quick    # 4,000 runs, best of 2

The baseline is `benchmarks/baselines/hand_kernel.py`, the status quo of
`two-state-textbook` written for that crisis alone (two actors, one dispute,
no alliances or interventions) with the same numerical primitives. Before
timing, the script checks that every mechanism the kernel leaves out is idle
in the scenario (`benchmarks/baselines/inactive.py`) and that the kernel and
the engine give the same numbers run by run, bit for bit (war, settled,
highest rung, deaths, displaced); if not, it writes the check to the JSON
and stops. Then
it times both in this process on the same runs and chunks (2,500 runs; the
``CHUNK`` environment variable changes it), parameters drawn and initial
state built by the same code in both, interleaved, best of N
(benchmarks/harness.py). The ratio engine / kernel is the framework's
overhead. Writes ``benchmarks/results/overhead.json``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent / "baselines"))
sys.path.insert(0, str(Path(__file__).parent))

import hand_kernel
import inactive
from harness import Report, arguments, fingerprint, interleave, outcomes_agree, rounds_of

from detente import load_scenario
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model, simulate_chunk
from detente.model.state import initial_state

NAME, SEED = "two-state-textbook", 0
CHUNK = int(os.environ.get("CHUNK", 2500))
KEYS = ("war", "settled", "max_rung", "deaths", "displaced")


def kernel_chunk(sc, st, runs) -> dict:
    p = draw_params(sc, SEED, runs)
    belief = initial_state(p, st, *common_priors(sc, st.bins)).belief
    return hand_kernel.simulate(p, belief, SEED, runs, st.steps, st.bins, st.lookahead)


def joined(parts) -> dict[str, np.ndarray]:
    parts = list(parts)
    return {k: np.concatenate([p[k] for p in parts]) for k in KEYS}


def main() -> None:
    ap = arguments(__doc__, rounds=5)
    args = ap.parse_args()
    n = 4000 if args.quick else 20000
    rounds = rounds_of(args)
    report = Report("overhead", args)
    sc = load_scenario(NAME)
    model = compile_model(sc, "status-quo")
    st = model.structure
    chunks = [np.arange(a, min(a + CHUNK, n)) for a in range(0, n, CHUNK)]
    report.put("job", f"{NAME} / status-quo, {n} runs x {st.steps} steps, chunks of {CHUNK}")

    left_out = inactive.left_out(sc, model, draw_params(sc, SEED, np.arange(n)))
    report.check(
        "what the hand kernel leaves out is idle in this scenario",
        all(left_out.values()),
        **left_out,
    )
    engine = joined(simulate_chunk(sc, model, SEED, c) for c in chunks)
    kernel = joined(kernel_chunk(sc, st, c) for c in chunks)
    report.check(
        "the hand kernel and the engine give the same outcomes, bit for bit, run by run",
        fingerprint(engine) == fingerprint(kernel),
        engine=fingerprint(engine),
        kernel=fingerprint(kernel),
        share_of_runs_equal=outcomes_agree(engine, kernel, KEYS, rtol=0.0),
    )
    t = interleave(
        {
            "hand kernel (baseline)": lambda: [kernel_chunk(sc, st, c) for c in chunks],
            "engine": lambda: [simulate_chunk(sc, model, SEED, c) for c in chunks],
        },
        rounds,
    )
    report.timed("engine against the hand kernel", t, runs=n, steps=st.steps, chunk=CHUNK)
    base, eng = t["hand kernel (baseline)"], t["engine"]
    report.put("overhead (engine / kernel, best)", round(eng.best / base.best, 3))
    report.table(
        f"{NAME} / status-quo, {n:,} runs x {st.steps} steps, best of {rounds} interleaved",
        ["", "best s", "median s", "run-steps/s (best)"],
        [
            [k, v.best, v.median, round(n * st.steps / v.best)]
            for k, v in (("hand kernel (baseline)", base), ("engine", eng))
        ]
        + [["overhead (engine / kernel)", round(eng.best / base.best, 3), "", ""]],
    )
    report.write()


if __name__ == "__main__":
    main()
