"""One round of talks: the proposer's screening offer and the responder's answer against
its value of rejecting (model-spec V2.1).

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import eager, real, xp
from detente.model.balance import (
    _balance_seen,
    _front_scale,
    war_cost,
)
from detente.model.bargaining import (
    Coefficients,
    Terms,
    Valuation,
    negotiate,
    reservation,
)
from detente.model.optimism import biased, optimism, seen_by_other
from detente.model.rows import (
    _on_rows,
    _Rows,
)
from detente.model.state import (
    SETTLED,
    WAR,
)
from detente.model.valuation import (
    _coefficients,
    _outlook,
    _rejecting,
    _war_threat,
)

F64 = NDArray[np.float64]


def _negotiate(state, p, mods, st, centres) -> tuple[NDArray[np.bool_], F64]:
    """One round of take-it-or-leave-it offers, proposers alternating (Rubinstein 1982).

    Each side's value of rejecting is its best continuation: in a crisis the
    lines of :func:`_coefficients` (hazards, posture costs, the chance of a
    concession, the war it may choose), at war the war going on, W = r g - c.
    The proposer knows the responder's resolve only as its belief and its
    cost of war as the mean of its prior (model-spec V2.1); it screens over
    the responder's types (:func:`detente.model.bargaining.negotiate`). A
    rejected round costs a step: the crisis or war goes on meanwhile.
    """
    open_ = mods.channel_open & (state.phase != SETTLED)
    seen = _balance_seen(state, p, mods, st, centres)
    bias = optimism(state, p, st)
    sides = np.stack([st.challenger, st.defender], axis=1)
    r_own = p.resolve[:, sides]
    c_own = war_cost(state, p, mods)[:, sides]
    a_own = p.audience_cost[:, sides]
    lines = _Lines(state, p, mods, st, r_own, c_own, a_own, centres)
    coef, threat, look = lines(biased(seen, bias))
    d = _rejecting(coef, threat, look.gain_war, r_own, c_own)  # (R, Dn, 2)
    cp = state.rounds % 2 == 0
    if eager():
        # An accepted offer is worth its value of rejecting to each side (to
        # within the tie tolerance): where the sides' true bargaining range is
        # empty no offer can pass, and screening there changes nothing. The
        # rounds are row-wise, so the rows kept give the same numbers alone.
        rows = np.flatnonzero((open_ & _range_open(look.terms, d, r_own, look.val)).any(axis=1))
        if len(rows) < len(cp):
            accept = np.zeros(cp.shape, dtype=bool)
            offer = np.zeros(cp.shape, dtype=real())
            if len(rows):
                sub = _Rows(rows)
                s_state, s_p, s_mods = _on_rows(rows, len(cp), state, p, mods)
                view = _proposers_view(
                    _Lines(s_state, s_p, s_mods, st, r_own[rows], c_own[rows], a_own[rows],
                           centres),
                    seen[rows], bias[rows], sub((coef, threat, look.gain_war)),
                )
                accept[rows], offer[rows] = _screen(
                    sub(state.belief), p.war_cost_belief[rows], st, view, sub(look),
                    d[rows], r_own[rows], cp[rows], centres,
                )
            return open_ & accept, offer
    view = _proposers_view(lines, seen, bias, (coef, threat, look.gain_war))
    accept, offer = _screen(state.belief, p.war_cost_belief, st, view, look, d, r_own, cp,
                            centres)
    return open_ & accept, offer


def _range_open(terms: Terms, d: F64, r_own: F64, val: Valuation) -> NDArray[np.bool_]:
    """Whether some divisible share is worth its value of rejecting to both sides (R, Dn).

    A necessary condition for agreement (model-spec property 8): each side's
    least acceptable share, with the tie tolerance and a margin far above the
    reservation's rounding, must leave room for the other's inside [q, hi].
    """
    slack = 1e-6
    need = reservation(d - 2e-9, r_own, val)  # (R, Dn, 2) own shares
    lo = xp.maximum(need[..., 0], terms.q)
    hi = xp.minimum(1.0 - need[..., 1], terms.hi)
    return lo <= hi + slack


def _proposers_view(lines, seen, bias, own):
    """The responder's lines as the proposer expects them: (coefficients, threat, gain of war).

    The balance as the proposer sees it (:func:`seen_by_other`): the
    responder's error is private, and the proposer does not reason about it
    (it does not screen over it as it screens over resolve; an assumption,
    docs/model.md section 7a). An optimistic proposer then offers less than
    the responder's war is worth to the responder, and war goes on until
    battles have brought the two estimates together (:mod:`.optimism`).
    Without any error the responder's own lines (``own``), unchanged.
    """
    if eager() and not (bias != 0).any():
        return own
    coef_v, threat_v, look_v = lines(seen_by_other(seen, bias))
    return coef_v, threat_v, look_v.gain_war


class _Lines:
    """Each side's options as lines in its type, the chance war comes anyway, and the
    outlook, for a given view of the balance (R, Dn, 2): the values of rejecting."""

    def __init__(self, state, p, mods, st, r_own, c_own, a_own, centres) -> None:
        self.args = (state, p, mods, st)
        self.r_own, self.c_own, self.a_own, self.centres = r_own, c_own, a_own, centres
        self.scale = _front_scale(state, p, mods, st)

    def __call__(self, pwin):
        state, p, mods, st = self.args
        look = _outlook(state, p, mods, st, pwin, self.r_own, self.c_own, self.centres,
                        state.belief)
        coef, _, _ = _coefficients(state, state.belief, p, mods, st, pwin, self.a_own, look,
                                   self.centres, self.scale)
        # At war the only way on is the war: its line is r g - c.
        at_war = (state.phase == WAR)[..., None, None]
        only_war = xp.arange(4) == 2
        coef = Coefficients(
            a=xp.where(at_war, xp.where(only_war, look.gain_war[..., None], 0.0), coef.a),
            bc=xp.where(at_war, xp.where(only_war, -1.0, 0.0), coef.bc),
            k=xp.where(at_war, xp.where(only_war, 0.0, -xp.inf), coef.k),
        )
        threat = _war_threat(coef, state.belief, p, st, self.centres, look.gain_war)
        return coef, threat, look


def _screen(belief, war_cost_belief, st, view, look, d, r_own, cp, centres):
    """The proposer's screening offer and the responder's answer, (R, Dn) each.

    ``view`` is (coefficients, threat, gain of war) of the responder's lines as
    the proposer sees them; ``d`` the sides' true values of rejecting.
    """
    coef, threat, gain_view = view
    sides = np.stack([st.challenger, st.defender], axis=1)
    # Each type bin is represented by its upper edge, its most demanding
    # type: with point beliefs (complete information) an offer aimed at the
    # bin is accepted, as in Fearon (1995).
    edges = (xp.arange(len(centres), dtype=real()) + 1.0) / len(centres)

    def responder(v):  # (R, Dn, 2, ...) -> the responder's (R, Dn, ...)
        pick = cp.reshape(cp.shape + (1,) * (v.ndim - 3))
        return xp.where(pick, v[:, :, 1], v[:, :, 0])

    def proposer(v):
        pick = cp.reshape(cp.shape + (1,) * (v.ndim - 3))
        return xp.where(pick, v[:, :, 0], v[:, :, 1])

    # The responder's value of rejecting for each type the proposer considers:
    # resolve at the bin edge, cost of war at the mean of its prior.
    a_r, bc_r, k_r = (responder(v)[:, :, None, :] for v in (coef.a, coef.bc, coef.k))
    c_r = responder(war_cost_belief[:, sides])[..., None]
    q_r, g_r = responder(threat)[..., None], responder(gain_view)[..., None]
    war_types = edges * g_r - c_r
    going_on = (edges[:, None] * a_r + c_r[..., None] * bc_r + k_r).max(axis=-1)
    d_types = (1.0 - q_r) * xp.maximum(going_on, war_types) + q_r * war_types  # (R, Dn, G)
    belief_about_resp = xp.where(
        cp[..., None], belief[:, st.role_pair[:, 0]], belief[:, st.role_pair[:, 1]]
    )
    return negotiate(
        look.terms,
        d_types,
        edges,
        belief_about_resp,
        responder(d),
        responder(r_own),
        proposer(d),
        proposer(r_own),
        look.val,
        cp,
    )
