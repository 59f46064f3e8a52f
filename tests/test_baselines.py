"""The benchmarks' baselines compute detente's model, so their timings compare like with like.

`benchmarks/baselines/hand_kernel.py` (the two-state crisis written for
itself) and `benchmarks/baselines/mesa_crisis.py` (the same crisis as a Mesa 3
model, an Agent per actor) must give the engine's outcomes run by run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from detente import load_scenario
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model, simulate_chunk
from detente.model.state import initial_state

BASELINES = Path(__file__).parents[1] / "benchmarks" / "baselines"


def baseline(name: str):
    sys.path.insert(0, str(BASELINES))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(BASELINES))


def inputs(runs):
    sc = load_scenario("two-state-textbook")
    model = compile_model(sc, "status-quo")
    st = model.structure
    p = draw_params(sc, 7, runs)
    belief = initial_state(p, st, *common_priors(sc, st.bins)).belief
    engine = simulate_chunk(sc, model, 7, runs)
    return engine, (p, belief, 7, runs, st.steps, st.bins, st.lookahead)


def test_the_hand_kernel_gives_the_engines_numbers_bit_for_bit():
    engine, args = inputs(np.arange(500, 1700))
    kernel = baseline("hand_kernel").simulate(*args)
    assert engine["war"].mean() > 0.3  # wars, settlements and crises to compare
    for key, value in kernel.items():
        assert np.array_equal(engine[key], value), key


@pytest.mark.skipif(importlib.util.find_spec("mesa") is None, reason="mesa is not installed")
def test_the_mesa_model_gives_the_engines_outcomes_run_by_run():
    engine, args = inputs(np.arange(150))
    theirs = baseline("mesa_crisis").simulate(*args)
    assert np.array_equal(engine["war"], theirs["war"])
    assert np.array_equal(engine["max_rung"], theirs["max_rung"])
    np.testing.assert_allclose(theirs["deaths"], engine["deaths"], rtol=1e-9)
    np.testing.assert_allclose(theirs["displaced"], engine["displaced"], rtol=1e-9)
