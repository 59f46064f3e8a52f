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


def _with_allies(allies: int):
    sys.path.insert(0, str(BASELINES.parent))
    try:
        return __import__("scaling").with_allies(allies)
    finally:
        sys.path.remove(str(BASELINES.parent))


def inputs(runs, allies: int = 0):
    sc = _with_allies(allies) if allies else load_scenario("two-state-textbook")
    model = compile_model(sc, "status-quo")
    st = model.structure
    p = draw_params(sc, 7, runs)
    state = initial_state(p, st, *common_priors(sc, st.bins))
    engine = simulate_chunk(sc, model, 7, runs)
    return engine, p, st, state


def test_the_hand_kernel_gives_the_engines_numbers_bit_for_bit():
    engine, p, st, state = inputs(np.arange(500, 1700))
    kernel = baseline("hand_kernel").simulate(
        p, state.belief, 7, np.arange(500, 1700), st.steps, st.bins, st.lookahead
    )
    assert engine["war"].mean() > 0.3  # wars, settlements and crises to compare
    # Settlements that come apart (model-spec V2.4) are on the path compared.
    assert (engine["breakdowns.province"] > 0).mean() > 0.02
    for key, value in kernel.items():
        assert np.array_equal(engine[key], value), key


def test_what_the_baselines_leave_out_is_idle_in_their_scenarios_and_only_there():
    sc = load_scenario("two-state-textbook")
    runs = np.arange(50)
    p = draw_params(sc, 7, runs)
    left_out = baseline("inactive").left_out
    assert all(left_out(sc, compile_model(sc, "status-quo"), p).values())
    # Talks, or arsenals that move (allies arming against the challenger), are
    # mechanisms the hand kernel lacks: the check must refuse them.
    assert not all(left_out(sc, compile_model(sc, "negotiations"), p).values())
    # With allies the arsenals race (a forecast shift in power): the Mesa model
    # ports the commitment problem, the hand kernel does not.
    sc4 = _with_allies(4)
    p4 = draw_params(sc4, 7, runs)
    assert not all(left_out(sc4, compile_model(sc4, "status-quo"), p4, allies=True).values())
    assert all(left_out(sc4, compile_model(sc4, "status-quo"), p4, allies=True,
                        commitment=True).values())


@pytest.mark.skipif(importlib.util.find_spec("mesa") is None, reason="mesa is not installed")
@pytest.mark.parametrize("allies", [0, 4])
def test_the_mesa_model_gives_the_engines_outcomes_run_by_run(allies):
    # With 4 allies of the defender: cohesion beliefs, arms against the
    # challenger (so a forecast shift in power and the commitment problem), a
    # war that spreads to the regional rung and allies joining by their value.
    runs = np.arange(200)
    engine, p, st, state = inputs(runs, allies)
    sc = load_scenario("two-state-textbook") if not allies else _with_allies(allies)
    left_out = baseline("inactive").left_out(
        sc, compile_model(sc, "status-quo"), p, allies=bool(allies), commitment=True
    )
    assert all(left_out.values()), left_out
    theirs = baseline("mesa_crisis").simulate(p, st, state.belief, state.cohesion_belief, 7, runs)
    assert engine["war"].any()
    assert (engine["breakdowns.province"] > 0).any()  # settlements come apart on the path
    assert np.array_equal(engine["war"], theirs["war"])
    assert np.array_equal(engine["max_rung"], theirs["max_rung"])
    if allies:
        assert (engine["max_rung"] == 7).any()  # the allies' path is exercised
        assert (engine["arsenal.A"] != p.arsenal[:, 0]).all()  # the arms race moves
    np.testing.assert_allclose(theirs["deaths"], engine["deaths"], rtol=1e-9)
    np.testing.assert_allclose(theirs["displaced"], engine["displaced"], rtol=1e-9)
