"""Mutual optimism: each side's private error on the balance, and battles that wear it away
(model-spec step 7: "battles ... are signals too: beliefs converge and bargaining can end the
war"; docs/model.md section 7a).

Two small pure functions: :func:`optimism` gives each side's error on the log-odds of its chance
of winning as fighting has left it, :func:`biased` applies it. With ``war.optimism`` at 0 (the
default) both leave every number as it was, to the bit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import eager, xp
from detente.model.params import Params, Structure
from detente.model.state import State

F64 = NDArray[np.float64]

__all__ = ["biased", "optimism"]


def optimism(state: State, p: Params, st: Structure) -> F64:
    """Each side's error on the log-odds of its chance of winning, as fighting has left it.

    An actor's estimate of its chance is its true chance shifted on the
    log-odds scale by e_i = sigma z_i, z_i standard normal and private (drawn
    per run). Independent errors make mutual optimism: both sides can expect
    more from a war than the war has to give, so no offer one of them makes
    is worth the other's war (Blainey 1973; Fearon 1995's private information
    about capabilities; Smith & Stam 2004 for beliefs that differ). Battles
    are signals of the balance (Slantchev 2003): after n weeks of fighting
    the pre-war error keeps the weight L / (L + n), the prior's share of a
    normal posterior mean whose prior counts as L weeks of battle (L =
    ``learning_weeks``), so estimates converge and bargaining can end the
    war. Returns (R, Dn, 2).
    """
    sides = np.stack([st.challenger, st.defender], axis=1)
    weeks = state.war_steps * st.step_weeks
    keep = p.learning_weeks[:, None] / (p.learning_weeks[:, None] + weeks)  # (R, Dn)
    return (p.optimism[:, None, None] * p.optimism_error[:, sides]) * keep[..., None]


def biased(pwin: F64, bias: F64) -> F64:
    """The chance ``pwin`` shifted by ``bias`` on the log-odds scale, p e^b / (p e^b + 1 - p).

    Exactly ``pwin`` where the bias is 0 (and at 0 and 1), so a scenario
    without optimism keeps its numbers to the bit.
    """
    if eager() and not (bias != 0).any():
        return pwin
    odds = pwin * xp.exp(bias)
    return xp.where(bias == 0, pwin, odds / xp.maximum(odds + (1.0 - pwin), 1e-300))
