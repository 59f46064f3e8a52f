"""Which alliance backs which side of a dispute: one rule for belief, joining and payoff.

The model's alliances are defence pacts: an alliance comes to the aid of a
member (collective defence) or a partner (aid) that is *attacked*; it does
not fight for a member that attacks. Most alliances in the record are of
this kind (Leeds, Ritter, Mitchell & Long 2002, ATOP: defence obligations
are by far the commonest), and it is the rule the war step applies: allies
join only the defender (:func:`detente.model.war._war`, "allies join at
the regional rung"), and the arms race pits the defender's alliance against
the challenger (:func:`detente.model.structure.structure_of`).

So the same rule has to decide what each side *believes* it can count on
(:func:`detente.model.balance._win_probability`): an alliance counts for the
defender it is tied to, and for no challenger, even one that is a member of
it; the challenger's own strength is not counted for the defender either,
since an alliance's members do not fight themselves. The earlier accounting
credited an alliance to both sides when both were members, while only the
defender could ever receive its help (issue 21, point 2).

Members join a defender that is a *member* (collective defence); a partner
gets aid only (model-spec section 2), in belief (``partner_aid`` times its
own strength) and in war alike: no member joins a partner's war
(:func:`collective_defence`). Joining is each member's choice by expected
value (:func:`join_value`): chain-ganging and buck-passing (Christensen &
Snyder 1990) are its two outcomes, and the cohesion others believe in is a
belief about those choices that can be wrong.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import real, xp

F64 = NDArray[np.float64]
B = NDArray[np.bool_]

__all__ = ["collective_defence", "defended_support", "join_chance", "join_value", "win_probability"]


def defended_support(
    strength: F64,
    member: B,
    partner: B,
    partner_aid: F64,
    challenger: NDArray[np.int64],
    defender: NDArray[np.int64],
) -> F64:
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
    strength: F64,
    member: B,
    partner: B,
    partner_aid: F64,
    believed: F64,
    observer_slot: NDArray[np.int64],
    challenger: NDArray[np.int64],
    defender: NDArray[np.int64],
    gamma: F64,
) -> F64:
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


def collective_defence(member: B, defender: NDArray[np.int64]) -> B:
    """Which alliance brings its members into each dispute's war (R, Dn, A): those the
    defender is a member of. A partner gets aid only, so none joins for it."""
    return member[:, :, defender].transpose(0, 2, 1)


def _contest(t_c: F64, t_f: F64, gamma: F64) -> F64:
    """The defender's chance in a Tullock contest, T_f^g / (T_c^g + T_f^g)."""
    tc = xp.power(xp.maximum(t_c, 1e-12), gamma)
    tf = xp.power(xp.maximum(t_f, 1e-12), gamma)
    return tf / (tc + tf)


def join_value(
    strength: F64,
    member: B,
    partner: B,
    partner_aid: F64,
    cohesion: F64,
    believed: F64,
    joined: B,
    resolve: F64,
    cost: F64,
    stake: F64,
    challenger: NDArray[np.int64],
    defender: NDArray[np.int64],
    gamma: F64,
) -> tuple[F64, B]:
    """Each actor's value of joining each dispute's defender at war, and who may (R, Dn, N).

    A member m of an alliance k the defender is a member of (the challenger
    and the defender excepted) weighs joining against staying out:

        J = r_m (v - q) ([P_f(T + s_m) - P_f(T)] + kappa_k) - c_m.

    Collective defence makes the defender's stake (v - q) each member's own
    ("an attack on one is an attack on all"); joining buys the rise in the
    defender's chance its strength s_m brings, P_f the Tullock contest
    against the challenger alone, with T the defender's side as m expects it
    without itself: the defender, the aid it gets as a partner, members
    already fighting in full and the others weighted by the believed cohesion
    ``believed`` (R, Dn, A), the defender's, as in :func:`win_probability`.
    Staying out breaks a public commitment, which costs the member the share
    kappa_k of the stake, kappa_k the alliance's true ``cohesion`` (the
    audience cost of reneging, Fearon 1997; Gibler 2008). c_m is its cost of
    war. Where several alliances tie m to the defender the tightest counts.

    Buck-passing is J < 0 because others are expected to carry the burden
    (the contest term is small once T is large); chain-ganging is J > 0 for
    a member whose own contribution is not worth the war (r (v - q) dP < c)
    but whose commitment chains it to the defender (Christensen & Snyder
    1990). Others believe each member joins with the believed cohesion; what
    members choose can prove them wrong.
    """
    tie = collective_defence(member, defender).astype(real())  # (R, Dn, A)
    mem = member.astype(real())  # (R, A, N)
    n = strength.shape[1]
    actors = np.arange(n)
    outside = (actors[None, :] != challenger[:, None]) & (actors[None, :] != defender[:, None])

    # Explicit multiply-and-sum over alliances (no BLAS: a run's numbers must
    # not depend on the chunk's size).
    def over_k(w: F64) -> F64:  # (R, Dn, A) x (R, A, N) -> (R, Dn, N)
        return (w[..., None] * mem[:, None, :, :]).sum(axis=2)

    may = (over_k(tie) > 0) & outside[None] & ~joined  # (R, Dn, N)
    share = xp.max(tie[..., None] * mem[:, None] * cohesion[:, None, :, None], axis=2)
    s_f, s_c, s_m = strength[:, defender], strength[:, challenger], strength[:, None, :]
    support = defended_support(strength, member, partner, partner_aid, challenger, defender)
    fighting = (joined & outside[None]) * s_m  # (R, Dn, N): members already at war
    in_k = (fighting[:, :, None, :] * mem[:, None, :, :]).sum(axis=-1)  # (R, Dn, A)
    t = s_f + (believed * support + (1.0 - believed) * tie * in_k).sum(axis=-1)
    without = t[..., None] - s_m * over_k(tie * believed)  # m itself not counted
    g = gamma[:, None, None]
    gain = _contest(s_c[..., None], without + s_m, g) - _contest(s_c[..., None], without, g)
    value = resolve[:, None, :] * stake[..., None] * (gain + share)
    return value - cost[:, None, :], may


def join_chance(rationality: F64, value: F64) -> F64:
    """Quantal response to join (McKelvey & Palfrey 1995): 1 / (1 + e^(-beta J)) (R, Dn, N)."""
    return 1.0 / (1.0 + xp.exp(-xp.clip(rationality[:, None, :] * value, -50.0, 50.0)))
