"""Talks under a ceasefire judge offers against the ceasefire going on (model-spec V2.1).

The value of rejecting an offer is what goes on if it is rejected: in a
crisis the crisis, at war the war, and under a ceasefire the ceasefire (its
status quo less the violations' share of the war's cost, the value
``peace._peace_values`` gives it), never the options of a crisis the
ceasefire has frozen.
"""

from __future__ import annotations

import numpy as np

import detente
from detente.model.balance import _front_scale, _win_probability, war_cost
from detente.model.engine import _interventions
from detente.model.params import draw_params
from detente.model.peace import _peace_values
from detente.model.simulate import common_priors, compile_model
from detente.model.state import CEASEFIRE, grid, initial_state
from detente.model.talks import _rejection
from detente.model.valuation import _coefficients, _rejecting, _war_threat


def _week_0(runs: int = 300):
    sc = detente.load_scenario("ukraine-2022")
    model = compile_model(sc, "status-quo")
    st = model.structure
    ids = np.arange(runs)
    p = draw_params(sc, 0, ids)
    state = initial_state(p, st, *common_priors(sc, st.bins))
    mods = _interventions(model, state, p, 0, ids)
    return state, p, mods, st, grid(st.bins)


def test_under_a_ceasefire_an_offer_is_judged_against_the_ceasefire_going_on():
    """Catches the old rule (a ceasefire's talks valued with the crisis lines
    of the rung it froze) and any line for the ceasefire other than the one
    its breakdown is judged by: d = (1 - q) max(C, W) + q W, with C and W the
    peace values of the same week and q the chance the other side fights."""
    state, p, mods, st, centres = _week_0()
    table = _rejection(state, p, mods, st, centres)
    open_, look, threat, d, r_own = table.open_, table.look, table.threat, table.d, table.r_own
    cf = (state.phase == CEASEFIRE) & open_  # Donbas under Minsk II, talks open
    assert cf.sum() == cf.shape[0]
    peace = _peace_values(state, p, mods, st, centres)
    going_on = np.maximum(peace.ceasefire, peace.war)
    expected = (1.0 - threat) * going_on + threat * peace.war
    np.testing.assert_allclose(d[cf], expected[cf], rtol=0.0, atol=1e-12)
    # The crisis lines would give other values here: the test can tell the rules apart.
    pwin = _win_probability(state, p, mods, st, centres)
    sides = np.stack([st.challenger, st.defender], axis=1)
    crisis = _coefficients(state, state.belief, p, mods, st, pwin, p.audience_cost[:, sides],
                           look, centres, _front_scale(state, p, mods, st))[0]
    q_crisis = _war_threat(crisis, state.belief, p, st, centres, look.gain_war)
    d_crisis = _rejecting(crisis, q_crisis, look.gain_war, r_own,
                          war_cost(state, p, mods)[:, sides])
    assert np.abs(d_crisis[cf] - d[cf]).max() > 1e-3
