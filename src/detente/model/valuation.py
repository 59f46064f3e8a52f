"""What each option is worth: shares, war payoffs, the commitment problem, the lines of
each crisis option in the chooser's type, and the value of rejecting an offer
(model-spec V2.1-V2.2).

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import current, xp
from detente.model.balance import (
    TOP,
    _arms,
    _hazard,
    _shares,
    _take,
    war_cost,
)
from detente.model.bargaining import (
    Coefficients,
    Terms,
    Valuation,
    best_deal_value,
    commitment_bounds,
    credible_shares,
    disagreement,
    renegotiated,
    reservation,
)
from detente.model.beliefs import mean
from detente.model.context import DecisionContext
from detente.model.params import Params, Structure
from detente.model.rows import view
from detente.model.state import (
    CRISIS,
    Modifiers,
    State,
)
from detente.scenario.schema import (
    WAR_RUNG,
)

F64 = NDArray[np.float64]
Arr = NDArray[Any]  # real or integer, (R, Dn, 2, ...)
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


def _war_gain(pwin: F64, s: F64, s_concede: F64, s_win: F64) -> F64:
    """Expected change in own share from a war: it ends at s_win with chance p, else at s_c.

    A war is fought over the stake in play: victory gives the challenger its
    demand (the defender keeps the status quo), defeat the reverse, exactly as
    the war step settles a war. So the challenger's gain is p (demand - q)
    and the defender's -(1 - p)(demand - q).
    """
    return pwin * s_win + (1.0 - pwin) * s_concede - s


def _threshold_terms(
    pwin_opp: Arr, c_opp: Arr, a_opp: Arr, posture_opp: Arr, s_opp: Arr, sc_opp: Arr,
    sw_opp: Arr, war_risk: F64, k: F64,
) -> tuple[F64, F64]:
    """Resolve threshold of standing rather than conceding: a type r concedes iff r*den < num.

    Standing for the look-ahead risks war (chance ``war_risk``, payoff
    r g - c with g the expected share change of :func:`_war_gain`) and costs
    the posture cost k; conceding gives r (s_c - s) and the audience cost of
    backing down from the current posture (Fearon 1994). Setting the two
    equal gives the threshold.
    """
    den = (s_opp - sc_opp) + war_risk * _war_gain(pwin_opp, s_opp, sc_opp, sw_opp)
    num = war_risk * c_opp + k - a_opp * posture_opp / TOP
    return den, num


def _stand_probability(belief_shape_centres: F64, den: F64, num: F64, beta: F64) -> F64:
    """Chance each type stands, logit in the utility gap (R, ..., G)."""
    gap = belief_shape_centres * den[..., None] - num[..., None]
    return 1.0 / (1.0 + xp.exp(-xp.clip(beta[..., None] * gap, -50, 50)))


def _war_risk(level: I64, scale: F64, p: Params, st: Structure) -> F64:
    """Chance of unintended war within the look-ahead at crisis ``level``: 1 - (1 - h)^H."""
    return 1.0 - xp.power(1.0 - _hazard(level, scale, p), st.lookahead)


@dataclass(frozen=True)
class Outlook:
    """What every valuation of a step shares, (R, Dn, 2) unless noted.

    The status-quo, concession and victory shares; each side's war gain g and
    war payoff W = r g - c; the bounds a commitment problem puts on peaceful
    shares (:func:`detente.model.bargaining.commitment_bounds`) and the
    terms on the table.
    """

    s: F64
    s_concede: F64
    s_win: F64
    gain_war: F64
    war_payoff: F64
    terms: Terms
    val: Valuation

    def kept(self, x_own: F64) -> F64:
        """A peaceful own share as worth once the forecast shift in power is counted."""
        return renegotiated(x_own, self.val.ceiling, self.val.floor, self.val.delta)


def _outlook(
    state: State, p: Params, mods: Modifiers, st: Structure, pwin: F64, r_own: F64,
    c_own: F64, centres: F64, belief: F64, arms_next: F64 | None = None,
) -> Outlook:
    """Shares, war payoffs and the commitment problem as each side sees them.

    ``arms_next`` is this state's next Richardson step (:func:`_arms`), where
    the caller has it already.
    """
    s, s_concede, s_win = _shares(p)
    gain_war = _war_gain(pwin, s, s_concede, s_win)
    stake = p.demand - p.status_quo
    sides = st.sides
    r_hat_opp = mean(belief[:, st.role_pair], centres)
    c_opp = p.war_cost_belief[:, sides[:, ::-1]]
    shift = _projected_shift(state, p, mods, st, pwin, arms_next)
    y_now, y_fut = credible_shares(s + gain_war, c_opp / xp.maximum(r_hat_opp, 1e-6), shift,
                                   stake)
    ceiling, floor = commitment_bounds(y_now, y_fut)
    top = xp.stack([p.demand, 1.0 - p.status_quo], axis=-1)
    aud = p.audience_cost[:, sides] * state.posture / TOP
    val = Valuation(s, ceiling, floor, st.shadow_of_future, top,
                    xp.stack([stake, stake], axis=-1), aud)
    return Outlook(
        s=s,
        s_concede=s_concede,
        s_win=s_win,
        gain_war=gain_war,
        war_payoff=r_own * gain_war - c_own,
        terms=Terms.of(p.status_quo, p.demand, p.indivisible),
        val=val,
    )


def _projected_shift(
    state: State, p: Params, mods: Modifiers, st: Structure, pwin: F64, arms_next: F64 | None = None
) -> F64:
    """The challenger's forecast change in its chance of winning over the look-ahead (R, Dn).

    Richardson's arms race run forward for the look-ahead (each side's
    strength grows with its arsenal to the arms elasticity, as in
    :func:`strength`), plus the dispute's declared ``power_shift`` for what
    the engine does not project (alliance entry, deliveries, mobilisation).
    """
    x0 = state.arsenal
    step_change = (_arms(state, p, mods, st) if arms_next is None else arms_next) - x0
    ahead = xp.maximum(x0 + st.lookahead * step_change, 1e-9)
    ratio = xp.where(p.arsenal > 1e-6, ahead / xp.maximum(x0, 1e-9), 1.0)
    grow = xp.power(ratio, p.arms_elasticity[:, None])
    m = xp.power(grow[:, st.challenger] / grow[:, st.defender], p.contest_exponent[:, None])
    pc = pwin[:, :, 0]
    future = pc * m / xp.maximum(pc * m + 1.0 - pc, 1e-12)
    return xp.clip(future + p.power_shift, 0.0, 1.0) - pc


def _coefficients(
    state: State, belief: F64, p: Params, mods: Modifiers, st: Structure, pwin: F64,
    a_own: F64, look: Outlook, centres: F64, scale: F64, posture: I64 | None = None,
) -> tuple[Coefficients, F64, F64]:
    """Each option's value as a line in the chooser's type (R, Dn, 2, 4), and P(concede | up).

    U(o) = Pc(l') r (K(s_win) - s) + (1 - Pc(l')) [w(l') W + (1 - w(l')) r (K(s) - s)]
           - k(l') - a [o = DOWN] / TOP - penalty [l' above a commitment],
    with l' the crisis level after the move, w(l') the chance of war within
    the look-ahead, W = r g - c, K the share a side keeps after the erosion
    of a commitment problem (:class:`Outlook`), and Pc the believed chance
    that the opponent concedes (its type below its standing threshold). At
    the top rung UP is war, worth W; CONCEDE is worth r (K(s_c) - s) less the
    audience cost of backing down from the current posture (Fearon 1994).
    """
    post = state.posture if posture is None else posture
    opp_post = post[:, :, ::-1]
    sides = st.sides
    cap = mods.posture_cap[:, sides]
    commit = mods.commit_cap[:, sides]
    # Only an actor that took a commitment up pays for breaking it.
    penalty = xp.where(state.complying[:, sides], mods.commit_penalty[:, sides], 0.0)
    cost = war_cost(state, p, mods)
    opp_c, opp_a = cost[:, sides][:, :, ::-1], a_own[:, :, ::-1]
    s, sc, sw = look.s, look.s_concede, look.s_win
    opp_s, opp_sc, opp_sw = s[:, :, ::-1], sc[:, :, ::-1], sw[:, :, ::-1]
    keep_win, keep_sq = look.kept(sw) - s, look.kept(s) - s
    about_opp = belief[:, st.role_pair]  # (R, Dn, 2, G): each side's belief about the other
    # DOWN, HOLD, UP on a trailing axis (R, Dn, 2, 3): one pass for the three moves.
    delta = xp.asarray([-1, 0, 1])
    new = post[..., None] + delta
    valid = (new >= 0) & (new <= xp.minimum(TOP, cap)[..., None])
    level = xp.maximum(xp.clip(new, 0, TOP), opp_post[..., None])
    risk = _war_risk(level, scale, p, st)
    k = _take(p.posture_cost, level)
    p_opp, c_o, a_o, post_o, s_o, sc_o, sw_o = (v[..., None] for v in (
        1.0 - pwin, opp_c, opp_a, opp_post, opp_s, opp_sc, opp_sw))
    den, num = _threshold_terms(p_opp, c_o, a_o, post_o, s_o, sc_o, sw_o, risk, k)
    pc = (about_opp[..., None, :] * (centres * den[..., None] < num[..., None])).sum(axis=-1)
    a3 = pc * keep_win[..., None] + (1.0 - pc) * (
        risk * look.gain_war[..., None] + (1.0 - risk) * keep_sq[..., None])
    bc3 = -(1.0 - pc) * risk
    calm3 = (1.0 - pc) * (1.0 - risk)
    extra = k + xp.where(delta < 0, a_own[..., None] / TOP, 0.0) + xp.where(
        new > commit[..., None], penalty[..., None], 0.0)
    k3 = xp.where(valid, -extra, -xp.inf)
    pc_up = pc[..., 2]
    a_cols, bc_cols, k_cols, calm = ([v[..., i] for i in range(3)] for v in (a3, bc3, k3, calm3))
    at_top = post >= TOP
    war_ok = at_top & (cap >= TOP)
    a_cols[2] = xp.where(war_ok, look.gain_war, a_cols[2])
    bc_cols[2] = xp.where(war_ok, -1.0, bc_cols[2])
    k_cols[2] = xp.where(war_ok, -xp.where(commit < WAR_RUNG, penalty, 0.0), k_cols[2])
    calm[2] = xp.where(war_ok, 0.0, calm[2])
    a_cols.append(look.kept(sc) - s)
    bc_cols.append(xp.zeros_like(s))
    calm.append(xp.zeros_like(s))
    k_cols.append(-a_own * post / TOP)
    coef = Coefficients(
        a=xp.stack(a_cols, axis=-1), bc=xp.stack(bc_cols, axis=-1), k=xp.stack(k_cols, axis=-1)
    )
    return coef, xp.where(at_top, 0.0, pc_up), xp.stack(calm, axis=-1)


def _utilities(dc: DecisionContext, belief: F64, look: Outlook) -> tuple[F64, F64, F64]:
    """One-step look-ahead utilities of DOWN, HOLD, UP, CONCEDE, (R, Dn, 2, 4).

    The lines of :func:`_coefficients` at the chooser's own type, plus, where
    a channel is open, what talks add when neither a concession nor a war
    comes: the midpoint between the side's value of going on without a deal
    (its best option, :func:`~detente.model.bargaining.disagreement`) and
    its value of the best deal the other side would accept as it sees it,
    in place of the status quo. No deal exists where the other's need lies
    beyond the divisible range or leaves the side worse off than going on.
    ``belief`` (R, P, G) is this week's, after the moves seen.
    """
    state, p, mods, st, centres, scale = dc.state, dc.p, dc.mods, dc.st, dc.centres, dc.scale
    pwin, r_own, c_own, a_own = dc.pwin, dc.r_own, dc.c_own, dc.a_own
    coef, pc_up, calm = _coefficients(
        state, belief, p, mods, st, pwin, a_own, look, centres, scale
    )
    U = r_own[..., None] * coef.a + c_own[..., None] * coef.bc + coef.k
    talks = xp.zeros_like(r_own)
    if current().some(mods.channel_open):
        # (1 - Pc)(1 - w), the weight of the status quo in an option's line,
        # is the weight of what talks bring instead.
        talks = _talks_value(coef, belief, p, st, r_own, c_own, look, centres)
        talks = xp.where(mods.channel_open[..., None], talks, 0.0)
        U = U + calm * talks[..., None]
    return U, pc_up, talks


def _compliance(dc: DecisionContext, belief: F64, look: Outlook, U: F64, talks: F64) -> B:
    """Which actors take up a withdrawal commitment this week, (R, N) (model-spec V2.5).

    An actor under a commitment it does not yet keep compares, over the
    disputes it is party to, holding at the cap with its forces pulled back
    (lower hazards through the hazard elasticity, less at the front, the
    audience cost of stepping down) against its best option as things are
    (where climbing above the cap carries the commitment's penalty). It
    complies when the first is worth at least the second. ``U`` and ``talks``
    are :func:`_utilities`'s, (R, Dn, 2, 4) and (R, Dn, 2).
    """
    state, p, mods, st, centres, scale = dc.state, dc.p, dc.mods, dc.st, dc.centres, dc.scale
    pwin, r_own, c_own, a_own = dc.pwin, dc.r_own, dc.c_own, dc.a_own
    sides = st.sides
    committed = (mods.commit_cap < TOP) | (mods.commit_pullback > 0)
    # An actor that broke its commitment is not offered it again.
    open_ = committed & ~state.complying & ~state.broke_commitment
    pending = open_[:, sides] & (state.phase == CRISIS)[..., None]
    none = xp.zeros(state.complying.shape, dtype=bool)
    be = current()
    if not be.some(pending):
        return none
    post = state.posture
    post_c = xp.where(pending, xp.minimum(post, mods.commit_cap[:, sides]), post)
    pulled = (mods.commit_pullback * state.deployed)[:, sides] * pending  # (R, Dn, 2)
    front = state.deployed[:, st.challenger] + state.deployed[:, st.defender]
    left = xp.clip(1.0 - pulled.sum(axis=-1) / xp.maximum(front, 1e-12), 1e-9, 1.0)
    scale_c = scale * xp.power(left, p.hazard_elasticity[:, None])
    coef, _, calm = _coefficients(
        state, belief, p, mods, st, pwin, a_own, look, centres, scale_c, posture=post_c
    )
    hold = r_own * coef.a[..., 1] + c_own * coef.bc[..., 1] + coef.k[..., 1]
    hold = hold + calm[..., 1] * talks - a_own * (post - post_c) / TOP
    gain = xp.where(pending, hold - U.max(axis=-1), 0.0)
    total, any_role = none.astype(gain.dtype), none
    for d in range(st.n_disputes):
        for side in (0, 1):
            a = sides[d, side]
            total = be.write(total, (slice(None), a), total[:, a] + gain[:, d, side])
            any_role = be.write(any_role, (slice(None), a), any_role[:, a] | pending[:, d, side])
    return any_role & (total >= 0.0)


def _war_threat(
    coef: Coefficients, belief: F64, p: Params, st: Structure, centres: F64, war_gain: F64
) -> F64:
    """Chance, in each side's belief, that the other side prefers war to the crisis (R, Dn, 2).

    Rejecting an offer leaves the other side free to fight: the types of it
    (on the belief grid, with its expected cost of war) whose war payoff
    r g - c beats every way of going on in the crisis would.
    """
    # Under a ceasefire or for a settled dispute (not at war: there UP is the
    # war line, K = 0) only HOLD's line can be finite: K = -inf on the others
    # makes their lines -inf,
    # and the maximum is HOLD's alone. Rows where that holds for every dispute
    # and side skip the other three lines (the same numbers).
    be = current()
    if not be.eager:
        # Compiled: every row with all four lines, no call of on_rows_where, so
        # that the decisions calling this stay the innermost calls, the ones
        # the compiled step runs in blocks.
        return _threat(coef, belief, p, st, centres, war_gain, (0, 1, 2, 3))
    only_hold = (coef.k[..., [0, 2, 3]] == -xp.inf).all(axis=(1, 2, 3))
    return be.on_rows_where(
        ~only_hold,
        lambda rows: _threat(rows.take(coef), rows.take(belief), view(rows, p), st, centres,
                             rows.take(war_gain), (0, 1, 2, 3)),
        lambda: _threat(coef, belief, p, st, centres, war_gain, (1,)),
    )


def _threat(
    coef: Coefficients, belief: F64, p: Params, st: Structure, centres: F64, war_gain: F64,
    options: tuple[int, ...],
) -> F64:
    """:func:`_war_threat` from the lines of ``options`` (the others known to be -inf)."""
    sides = st.sides
    a, bc, k = coef.a[:, :, ::-1], coef.bc[:, :, ::-1], coef.k[:, :, ::-1]  # the other's lines
    c_opp = p.war_cost_belief[:, sides[:, ::-1]]
    types = centres
    if st.complete_information:  # the other's resolve is known exactly, not by its bin
        types = xp.broadcast_to(p.resolve[:, sides[:, ::-1]][..., None],
                                c_opp.shape + centres.shape)

    def line(o: int) -> F64:  # option o's value for each type, (R, Dn, 2, G): r A + c Bc + K
        return types * a[..., o, None] + (c_opp * bc[..., o])[..., None] + k[..., o, None]

    war = types * war_gain[:, :, ::-1, None] - c_opp[..., None]
    if options == (1,):
        others = line(1)
    else:
        at_war_rung = (bc[..., 2] == -1.0)[..., None]  # there UP is the war line itself
        climb = xp.where(at_war_rung, -xp.inf, line(2))
        others = xp.maximum(xp.maximum(line(0), line(1)), xp.maximum(line(3), climb))
    return (belief[:, st.role_pair] * (war > others)).sum(axis=-1)


def _rejecting(coef: Coefficients, threat: F64, war_gain: F64, r: F64, c: F64) -> F64:
    """Value of rejecting an offer: the best way on, unless the other starts the war.

    (1 - q) max(max_o U_o(r, c), W) + q W, with W = r g - c: a side can always
    go to war itself, however many rungs that takes, and q from
    :func:`_war_threat`; ``r`` and ``c`` (R, Dn, 2[, G]) broadcast with
    ``threat`` and ``war_gain``.
    """
    extra = r.ndim - threat.ndim
    q = threat.reshape(threat.shape + (1,) * extra)
    g = war_gain.reshape(war_gain.shape + (1,) * extra)
    war = r * g - c
    return (1.0 - q) * xp.maximum(disagreement(coef, r, c), war) + q * war


def _talks_value(
    coef: Coefficients, belief: F64, p: Params, st: Structure, r_own: F64, c_own: F64,
    look: Outlook, centres: F64,
) -> F64:
    """What talks add, for each side, over the status quo it would otherwise keep (R, Dn, 2)."""
    sides = st.sides
    threat = _war_threat(coef, belief, p, st, centres, look.gain_war)
    d = _rejecting(coef, threat, look.gain_war, r_own, c_own)
    r_hat_opp = mean(belief[:, st.role_pair], centres)
    c_hat_opp = p.war_cost_belief[:, sides[:, ::-1]]
    if st.complete_information:
        r_hat_opp = p.resolve[:, sides[:, ::-1]]
    swapped = Coefficients(coef.a[:, :, ::-1], coef.bc[:, :, ::-1], coef.k[:, :, ::-1])
    d_opp = _rejecting(
        swapped, threat[:, :, ::-1], look.gain_war[:, :, ::-1], r_hat_opp, c_hat_opp
    )
    need = reservation(d_opp, r_hat_opp, look.val.swap())
    best, ok = best_deal_value(look.terms, r_own, need, look.val)
    deal = ok & (best >= d)
    status_quo = r_own * (look.kept(look.s) - look.s)
    # A deal worth less than the status quo is one the side need not take:
    # talks never make the quiet branch worse than it is without them.
    return xp.where(deal, xp.maximum(0.5 * (d + best) - status_quo, 0.0), 0.0)
