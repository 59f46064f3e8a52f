"""Mutual optimism: each side's private error on the balance, and battles that wear it away
(model-spec step 7: "battles ... are signals too: beliefs converge and bargaining can end the
war"; docs/model.md section 7a).

Small pure functions: :func:`optimism` gives each side's error on its odds of winning as
fighting has left it (a multiplier of the odds), :func:`biased` applies it. With
``war.optimism`` at 0 (the default) both leave every number as it was, to the bit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import current, xp
from detente.model.params import Params, Structure
from detente.model.state import State

F64 = NDArray[np.float64]

__all__ = ["biased", "optimism", "seen_by_other", "weeks_fought"]


def optimism(state: State, p: Params, st: Structure) -> F64:
    """Each side's error on its odds of winning, as fighting has left it (R, Dn, 2).

    An actor's estimate of its chance is its chance as it would see it
    without the error, with the odds of winning multiplied by
    m = exp(sigma z_i), z_i standard normal and private (drawn once per run
    and actor; m is computed with the parameters, :mod:`detente.model.params`).
    Both sides may be optimistic at once (Blainey 1973), so both can expect
    more from a war than it has to give (private information about
    capabilities, the first of Fearon's 1995 causes). Fighting wears the
    error away: after n weeks of war between the same two actors (in any of
    their disputes) the multiplier is 1 + (m - 1) L / (L + n), L =
    ``learning_weeks``: an assumed reduced form of learning from battles
    (Slantchev 2003; Powell 2004, "Bargaining and learning while fighting"),
    the prior's weight in the posterior mean of a prior worth L weeks of
    battle after n weekly observations of the true balance, with the
    observations' noise left out. Returns the multipliers; 1 is no error.
    Only products and quotients: no transcendental function in the step, so
    the two backends give the same bits.
    """
    sides = st.sides
    if not current().some(p.optimism_lift != 1.0):
        # No error anywhere (war.optimism 0, as in every world): 1 + 0 x keep is
        # exactly 1, so the pair sums of weeks fought are not needed.
        return np.ones((state.war_steps.shape[0], len(sides), 2))
    keep = p.learning_weeks[:, None] / (p.learning_weeks[:, None] + weeks_fought(state, st))
    return 1.0 + (p.optimism_lift[:, sides] - 1.0) * keep[..., None]


def weeks_fought(state: State, st: Structure) -> F64:
    """Weeks of war so far between each dispute's two actors, in any of their disputes (R, Dn).

    The error is an actor's estimate of the balance against its opponent, so
    a war over one issue teaches it as much as a war over another between
    the same two states.
    """
    pair = np.sort(st.sides, axis=1)  # (Dn, 2)
    same = (pair[:, None, :] == pair[None, :, :]).all(axis=2)  # (Dn, Dn)
    steps = (state.war_steps[:, None, :] * same[None]).sum(axis=2)
    return steps * st.step_weeks


def seen_by_other(seen: F64, lift: F64) -> F64:
    """Each side's chance as its opponent believes it, (R, Dn, 2).

    The opponent holds its own error on the balance and takes it for the
    truth (it does not reason about this side's error: naive realism, Ross &
    Ward 1996; on leaders' misperception of the balance, Jervis 1976): with a
    two-sided contest the opponent believes this side's chance is one less
    its own estimate, ``biased(seen, 1 / the other side's multiplier)``.
    """
    return biased(seen, 1.0 / lift[..., ::-1])


def biased(pwin: F64, lift: F64) -> F64:
    """The chance ``pwin`` with its odds multiplied by ``lift``, p m / (p m + 1 - p).

    Exactly ``pwin`` where the multiplier is 1 (and at 0 and 1), so a scenario
    without optimism keeps its numbers to the bit.
    """
    if not current().some(lift != 1.0):
        return pwin
    odds = pwin * lift
    return xp.where(lift == 1.0, pwin, odds / xp.maximum(odds + (1.0 - pwin), 1e-300))
