"""One round of talks: the proposer's screening offer and the responder's answer against
its value of rejecting (model-spec V2.1).

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import Rows, current, real, xp
from detente.blocks import tree_map
from detente.model.balance import (
    _arms,
    _balance_seen,
    _front_scale,
    _violation,
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
from detente.model.params import Params, Structure
from detente.model.rows import view
from detente.model.state import (
    CEASEFIRE,
    CRISIS,
    SETTLED,
    WAR,
    Modifiers,
    State,
)
from detente.model.valuation import (
    Outlook,
    _coefficients,
    _outlook,
    _rejecting,
    _war_threat,
)

F64 = NDArray[np.float64]
B = NDArray[np.bool_]
View = tuple[Coefficients, F64, F64]  # (coefficients, threat, gain of war) of a side's lines


def _negotiate(
    state: State, p: Params, mods: Modifiers, st: Structure, centres: F64
) -> tuple[B, F64]:
    """One round of take-it-or-leave-it offers, proposers alternating (Rubinstein 1982).

    Each side's value of rejecting is its best way on (:func:`_ways_on`): in
    a crisis the lines of :func:`_coefficients` (hazards, posture costs, the
    chance of a concession, the war it may choose), under a ceasefire the
    ceasefire going on, at war the war going on, W = r g - c; and, unless it
    is at war, the chance that the other side fights instead
    (:func:`_war_threat`). Each side reads the balance with its own error on
    it (:mod:`detente.model.optimism`). The proposer knows the responder's
    resolve only as its belief and its cost of war as the mean of its prior
    (model-spec V2.1); it screens over the responder's types
    (:func:`detente.model.bargaining.negotiate`). A rejected round costs a
    step: the crisis, ceasefire or war goes on meanwhile.
    """
    t = _rejection(state, p, mods, st, centres)
    open_, look, coef, threat, d, r_own = t.open_, t.look, t.coef, t.threat, t.d, t.r_own
    seen, bias, c_own, a_own = t.seen, t.bias, t.c_own, t.a_own
    cp = state.rounds % 2 == 0

    def screen(rows: Rows) -> tuple[NDArray[np.bool_], F64]:
        sub = rows.take
        s_state = view(rows, state)
        lines_r = _Lines(s_state, view(rows, p), view(rows, mods), st, sub(r_own), sub(c_own),
                         sub(a_own), centres, sub(open_), sub(t.lines.arms_next), inner=True)
        seen_by_proposer = _proposers_view(
            lines_r, sub(seen), sub(bias), sub((coef, threat, look.gain_war))
        )
        return _screen(s_state.belief, sub(p.war_cost_belief), st, seen_by_proposer, sub(look),
                       sub(d), sub(r_own), sub(cp), centres)

    def no_offer() -> tuple[NDArray[np.bool_], F64]:
        return xp.zeros(cp.shape, dtype=bool), xp.zeros(cp.shape, dtype=real())

    # An accepted offer is worth its value of rejecting to each side (to within
    # the tie tolerance): where the sides' true bargaining range is empty no
    # offer can pass, and screening there changes nothing. The rounds are
    # row-wise, so the rows kept give the same numbers alone.
    in_range = (open_ & _range_open(look.terms, d, r_own, look.val)).any(axis=1)
    accept, offer = current().on_rows_where(in_range, screen, no_offer)
    return open_ & accept, offer


@dataclass(frozen=True)
class _Table:
    """One round's values of rejecting and what they are made of, (R, Dn, ...) each."""

    open_: Any  # (R, Dn) the disputes at the table
    look: Outlook
    coef: Coefficients  # each side's ways on (:func:`_ways_on`)
    threat: Any  # the chance the other side fights instead
    d: Any  # (R, Dn, 2) each side's value of rejecting
    r_own: Any  # (R, Dn, 2) resolve
    c_own: Any  # cost of war
    a_own: Any  # audience cost
    seen: Any  # the balance without the sides' errors
    bias: Any  # each side's error on it (:func:`.optimism.optimism`)
    lines: _Lines


def _rejection(
    state: State, p: Params, mods: Modifiers, st: Structure, centres: F64
) -> _Table:
    """What each side gets by rejecting an offer this round (model-spec V2.1):
    d = (1 - q) max(best way on, W) + q W (:func:`_rejecting`), each side
    reading the balance with its own error on it."""
    open_ = mods.channel_open & (state.phase != SETTLED)
    seen = _balance_seen(state, p, mods, st, centres)
    bias = optimism(state, p, st)
    sides = st.sides
    r_own = p.resolve[:, sides]
    c_own = war_cost(state, p, mods)[:, sides]
    a_own = p.audience_cost[:, sides]
    lines = _Lines(state, p, mods, st, r_own, c_own, a_own, centres, open_)
    coef, threat, look = lines(biased(seen, bias))
    d = _rejecting(coef, threat, look.gain_war, r_own, c_own)  # (R, Dn, 2)
    return _Table(open_, look, coef, threat, d, r_own, c_own, a_own, seen, bias, lines)


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


def _proposers_view(lines: _Lines, seen: F64, bias: F64, own: View) -> View:
    """The responder's lines as the proposer expects them: (coefficients, threat, gain of war).

    The balance as the proposer sees it (:func:`seen_by_other`): the
    responder's error is private, and the proposer does not reason about it
    (it does not screen over it as it screens over resolve; an assumption,
    docs/model.md section 7a). An optimistic proposer then offers less than
    the responder's war is worth to the responder, and war goes on until
    battles have brought the two estimates together (:mod:`.optimism`).
    Without any error the responder's own lines (``own``), unchanged.
    """
    if not current().some(bias != 1.0):
        return own
    coef_v, threat_v, look_v = lines(seen_by_other(seen, bias))
    return coef_v, threat_v, look_v.gain_war


class _Lines:
    """Each side's ways on, the chance war comes anyway, and the outlook, for a given
    view of the balance (R, Dn, 2): what the values of rejecting are made of."""

    def __init__(
        self,
        state: State,
        p: Params,
        mods: Modifiers,
        st: Structure,
        r_own: F64,
        c_own: F64,
        a_own: F64,
        centres: F64,
        open_: B,
        arms_next: F64 | None = None,
        inner: bool = False,
    ) -> None:
        self.args = (state, p, mods, st)
        self.inner = inner  # called inside a row-wise function of its own (the screen)
        self.r_own, self.c_own, self.a_own, self.centres = r_own, c_own, a_own, centres
        self.open_ = open_
        # The arsenals' next Richardson step, the same for every view of the
        # balance: computed once (:func:`detente.model.balance._arms`).
        self.arms_next = _arms(state, p, mods, st) if arms_next is None else arms_next

    def __call__(self, pwin: F64) -> tuple[Coefficients, F64, Outlook]:
        state, p, mods, st = self.args
        look = _outlook(state, p, mods, st, pwin, self.r_own, self.c_own, self.centres,
                        state.belief, self.arms_next)
        coef = _ways_on(state, p, mods, st, self.centres, pwin, self.a_own, look, self.open_,
                        self.inner)
        threat = _war_threat(coef, state.belief, p, st, self.centres, look.gain_war)
        return coef, threat, look


def _ways_on(
    state: State,
    p: Params,
    mods: Modifiers,
    st: Structure,
    centres: F64,
    pwin: F64,
    a_own: F64,
    look: Outlook,
    open_: B,
    inner: bool = False,
) -> Coefficients:
    """Each side's ways on if an offer is rejected, as lines in its type (R, Dn, 2, 4).

    In a crisis, the options of :func:`_coefficients`; under a ceasefire, the
    ceasefire going on, r (K(s) - s) - c v: the status quo (net of a
    commitment problem's erosion) and the violations' share v of the war's
    cost, the value :func:`detente.model.peace._peace_values` gives it
    (model-spec V2.1: the value of rejecting is what goes on, never a crisis
    the ceasefire has frozen); at war, the war, r g - c. Unavailable options
    have K = -inf. The crisis lines are computed, when eager, only on the
    rows with a crisis at the table (they are row-wise).
    """
    crisis = state.phase == CRISIS

    def crisis_lines(rows: Rows) -> Coefficients:
        sub = rows.take
        s_state, s_p, s_mods = view(rows, state), view(rows, p), view(rows, mods)
        return _coefficients(s_state, s_state.belief, s_p, s_mods, st, sub(pwin), sub(a_own),
                             sub(look), centres, _front_scale(s_state, s_p, s_mods, st))[0]

    def none_open() -> Coefficients:
        shape = (*open_.shape, 2, 4)
        zeros = xp.zeros(shape, dtype=real())
        return Coefficients(zeros, xp.zeros(shape, dtype=real()),
                            xp.full(shape, -xp.inf, dtype=real()))

    be, live = current(), (open_ & crisis).any(axis=1)
    if inner and not be.eager:
        # Compiled, inside the screen: every row of the screen's block, the rows
        # outside the mask given none_open's values as on_rows_where gives
        # them, so that the screen stays the innermost call, run in blocks.
        coef = tree_map(lambda c, e: xp.where(live[:, None, None, None], c, e),
                        crisis_lines(Rows(None, live.shape[0])), none_open())
    else:
        coef = be.on_rows_where(live, crisis_lines, none_open)
    at_war = (state.phase == WAR)[..., None, None]
    in_ceasefire = (state.phase == CEASEFIRE)[..., None, None]
    only_war, only_hold = xp.arange(4) == 2, xp.arange(4) == 1
    violation = _violation(state, p, mods, st.step_weeks)[..., None, None]
    keep_sq = (look.kept(look.s) - look.s)[..., None]
    line = (  # (a, bc, k) at war, under a ceasefire
        (xp.where(only_war, look.gain_war[..., None], 0.0), xp.where(only_hold, keep_sq, 0.0)),
        (xp.where(only_war, -1.0, 0.0), xp.where(only_hold, -violation, 0.0)),
        (xp.where(only_war, 0.0, -xp.inf), xp.where(only_hold, 0.0, -xp.inf)),
    )
    return Coefficients(*(
        xp.where(at_war, war, xp.where(in_ceasefire, cf, crisis_line))
        for (war, cf), crisis_line in zip(line, (coef.a, coef.bc, coef.k), strict=True)
    ))


def _screen(
    belief: F64,
    war_cost_belief: F64,
    st: Structure,
    view: View,
    look: Outlook,
    d: F64,
    r_own: F64,
    cp: B,
    centres: F64,
) -> tuple[B, F64]:
    """The proposer's screening offer and the responder's answer, (R, Dn) each.

    ``view`` is (coefficients, threat, gain of war) of the responder's lines as
    the proposer sees them; ``d`` the sides' true values of rejecting.
    """
    coef, threat, gain_view = view
    sides = st.sides
    # Each type bin is represented by its upper edge, its most demanding
    # type: with point beliefs (complete information) an offer aimed at the
    # bin is accepted, as in Fearon (1995).
    edges = (xp.arange(len(centres), dtype=real()) + 1.0) / len(centres)

    def responder(v: F64) -> F64:  # (R, Dn, 2, ...) -> the responder's (R, Dn, ...)
        pick = cp.reshape(cp.shape + (1,) * (v.ndim - 3))
        return xp.where(pick, v[:, :, 1], v[:, :, 0])

    def proposer(v: F64) -> F64:
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
