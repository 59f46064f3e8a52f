"""Which alliance backs which side of a dispute: one rule for belief, joining and payoff.

The model's alliances are defence pacts: an alliance comes to the aid of a
member (collective defence) or a partner (aid) that is *attacked*; it does
not fight for a member that attacks. Most alliances in the record are of
this kind (Leeds, Ritter, Mitchell & Long 2002, ATOP: defence obligations
are by far the commonest), and it is the rule the war step applies: allies
join only the defender (:func:`detente.model.engine._war`, "allies join at
the regional rung"), and the arms race pits the defender's alliance against
the challenger (:func:`detente.model.params.structure_of`).

So the same rule has to decide what each side *believes* it can count on
(:func:`detente.model.engine._win_probability`): an alliance counts for the
defender it is tied to, and for no challenger, even one that is a member of
it; the challenger's own strength is not counted for the defender either,
since an alliance's members do not fight themselves. The earlier accounting
credited an alliance to both sides when both were members, while only the
defender could ever receive its help (issue 21, point 2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import xp

__all__ = ["defended_support", "win_probability"]


def defended_support(
    strength,
    member,
    partner,
    partner_aid,
    challenger: NDArray[np.int64],
    defender: NDArray[np.int64],
):
    """What each alliance would add to each dispute's defender, before belief (R, Dn, A).

    Parameters
    ----------
    strength : (R, N) fighting strength of every actor.
    member, partner : (R, A, N) alliance ties.
    partner_aid : (R, A) aid to a partner, as a share of its own strength.
    challenger, defender : (Dn,) actor index of each dispute's sides.

    Returns
    -------
    For alliance k: if the defender is a member, the strength of the other
    members (the challenger excepted: members do not fight themselves); if
    it is a partner, ``partner_aid`` times its own strength; else 0. The
    challenger gets no such term from any alliance (defence pacts).
    """
    total = (strength[:, None, :] * member).sum(axis=-1)  # (R, A)
    s_f = strength[:, defender]  # (R, Dn)
    s_c = strength[:, challenger]
    m_f = member[:, :, defender].transpose(0, 2, 1)  # (R, Dn, A)
    m_c = member[:, :, challenger].transpose(0, 2, 1)
    p_f = partner[:, :, defender].transpose(0, 2, 1)
    members = m_f * (total[:, None, :] - s_f[..., None] - m_c * s_c[..., None])
    aid = p_f * partner_aid[:, None, :] * s_f[..., None]
    return members + aid


def win_probability(
    strength,
    member,
    partner,
    partner_aid,
    believed,
    observer_slot: NDArray[np.int64],
    challenger: NDArray[np.int64],
    defender: NDArray[np.int64],
    gamma,
):
    """Each side's believed chance of winning, (R, Dn, 2): a Tullock contest.

    Side totals are own strength plus, for the defender only, every
    alliance's :func:`defended_support` weighted by the observer's believed
    cohesion ``believed`` (R, O, A), O indexed by ``observer_slot`` (N,).
    p_c = T_c^g / (T_c^g + T_f^g) (Tullock 1980; Hirshleifer 1989).
    """
    support = defended_support(strength, member, partner, partner_aid, challenger, defender)
    out = []
    for side, obs in enumerate((challenger, defender)):
        kappa = believed[:, observer_slot[obs], :]  # (R, Dn, A)
        t_f = strength[:, defender] + (kappa * support).sum(axis=-1)
        tc = xp.power(xp.maximum(strength[:, challenger], 1e-12), gamma[:, None])
        tf = xp.power(xp.maximum(t_f, 1e-12), gamma[:, None])
        out.append(tc / (tc + tf) if side == 0 else tf / (tc + tf))
    return xp.stack(out, axis=-1)
