"""Settlements, ceasefires and commitments: what peace is worth against fighting now, and
how agreements come apart (model-spec V2.4).

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.backend import Rows, current, xp
from detente.model.agreements import breakdown_hazard, renege_incentive
from detente.model.balance import (
    TOP,
    _violation,
    _win_probability,
    war_cost,
)
from detente.model.beliefs import likelihood_update
from detente.model.params import Params, Structure
from detente.model.policies import HOLD
from detente.model.state import (
    BY_AGREEMENT,
    CEASEFIRE,
    CRISIS,
    NOT_SETTLED,
    SETTLED,
    WAR,
    Modifiers,
    State,
)
from detente.model.valuation import (
    _outlook,
)
from detente.random import uniform
from detente.scenario.schema import (
    WAR_RUNG,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


def _settle(state: State, mask: B, terms: F64, how: int, t: int) -> None:
    mask = mask & (state.phase != SETTLED)
    state.phase = xp.where(mask, SETTLED, state.phase)
    state.settlement = xp.where(mask, terms, state.settlement)
    state.settled_by = xp.where(mask, how, state.settled_by)
    if how == BY_AGREEMENT:
        state.agreements = state.agreements + mask
        state.agreement_step = xp.where(mask & (state.agreement_step < 0), t,
                                        state.agreement_step)


@dataclass(frozen=True)
class Peace:
    """Each side's value of fighting now and of the peace in force, (R, Dn, 2).

    ``war`` is W = r g - c; ``war_cf`` adds what a ceasefire's guarantor
    makes the breaker pay (in units of its war cost); ``settlement`` is the
    value of the terms in force (the status quo where none is), net of the
    erosion a commitment problem brings; ``ceasefire`` that of holding the
    line: the violations' share of the war's cost and the status quo.
    """

    war: F64
    war_cf: F64
    settlement: F64
    ceasefire: F64


def _peace_matters(state: State, p: Params, mods: Modifiers) -> bool:
    """Whether any run may have a ceasefire on offer or a peace that can break."""
    # Any settlement or unenforced ceasefire can be broken by choice, whatever
    # its hazards of accident.
    be = current()
    at_risk = (state.phase == SETTLED) | ((state.phase == CEASEFIRE) & ~mods.ceasefire)
    return be.some(mods.ceasefire_offer & (state.phase == WAR)) or be.some(at_risk)


def _peace_values(
    state: State,
    p: Params,
    mods: Modifiers,
    st: Structure,
    centres: F64,
    arms_next: F64 | None = None,
) -> Peace:
    """Each side's value of fighting now and of the peace in force (:class:`Peace`).

    ``arms_next`` is this week's Richardson step of the arsenals, where the
    caller has it (the forecast shift in power starts from it).
    """
    pwin = _win_probability(state, p, mods, st, centres)
    sides = st.sides
    r_own = p.resolve[:, sides]
    c_own = war_cost(state, p, mods)[:, sides]
    look = _outlook(state, p, mods, st, pwin, r_own, c_own, centres, state.belief, arms_next)
    terms = xp.where(xp.isnan(state.settlement), p.status_quo, state.settlement)
    x_own = xp.stack([terms, 1.0 - terms], axis=-1)
    violation = _violation(state, p, mods, st.step_weeks)
    status_quo = r_own * (look.kept(look.s) - look.s)
    return Peace(
        war=look.war_payoff,
        war_cf=look.war_payoff - mods.ceasefire_guarantee[..., None] * c_own,
        settlement=r_own * (look.kept(x_own) - look.s),
        ceasefire=status_quo - c_own * violation[..., None],
    )


def _breaking(
    base: F64,
    rate: F64,
    gap: F64,
    beta: F64,
    protection: F64 | float,
    accident_protection: F64 | float,
) -> F64:
    """Per-step chance that a settlement or ceasefire comes apart, (R, Dn).

    Each side breaks it by choice with logit probability 1 / (1 + exp(-beta
    gap)), gap its value of fighting now less that of the peace in force (the
    quantal response of its decisions, McKelvey & Palfrey 1995), unless
    ``protection`` (guarantees) stops it; besides, it comes apart with no
    side choosing it at :func:`breakdown_hazard` (incidents, spoilers, and
    factions acting on the incentive at ``rate``), less ``accident_protection``
    (monitoring).
    """
    by_choice = 1.0 / (1.0 + xp.exp(-xp.clip(beta * gap, -50.0, 50.0)))
    accident = breakdown_hazard(base, rate, renege_incentive(gap, 0.0), accident_protection)
    chosen = 1.0 - (1.0 - by_choice).prod(axis=-1)
    return 1.0 - (1.0 - accident) * (1.0 - chosen * (1.0 - protection))


def _agreements_break(
    state: State,
    p: Params,
    mods: Modifiers,
    st: Structure,
    peace: Peace,
    seed: int,
    runs: I64,
    centres: F64,
    settled_before: B,
) -> None:
    """Settlements come apart at the hazard of :func:`breakdown_hazard`; the crisis reopens.

    It reopens at the rung it had reached, and every observer learns from
    it: the side with the larger incentive to renege is taken to be the one
    that broke, and beliefs about it move toward resolved types.
    """
    # Only what was settled can come apart: a dispute slot that no crisis has
    # opened yet (the world's dormant claims) holds no agreement to break.
    settled = (state.phase == SETTLED) & settled_before & (state.settled_by != NOT_SETTLED)
    be = current()
    if not be.some(settled):
        return
    sides = st.sides
    # Breaking a public agreement costs the breaker its audience cost, as
    # backing down from a public threat does (Fearon 1994): a side breaks it
    # when fighting now is worth more than the terms by at least that much.
    gap = peace.war - peace.settlement - p.audience_cost[:, sides]  # (R, Dn, 2)
    beta = p.rationality[:, sides]
    h = _breaking(
        p.agreement_breakdown, p.renege_rate, gap, beta, mods.enforcement, mods.enforcement
    )
    u = uniform(seed, "hazard.agreement", state.t, runs, (st.n_disputes,))
    brk = settled & (u < h)
    if not be.some(brk):
        return
    breaker = gap[..., 1] > gap[..., 0]  # (R, Dn): the defender broke
    # Breaking a settlement is pressing the claim again: the breaker stands at
    # the top crisis rung, with its hazards and costs (Werner 1999).
    pressed = xp.stack([brk & ~breaker, brk & breaker], axis=-1)
    state.posture = xp.where(pressed, xp.minimum(TOP, mods.posture_cap[:, sides]), state.posture)
    state.phase = xp.where(brk, CRISIS, state.phase)
    state.settled_by = xp.where(brk, NOT_SETTLED, state.settled_by)
    state.settlement = xp.where(brk, xp.nan, state.settlement)
    state.rung = xp.where(brk, state.posture.max(axis=2), state.rung)
    state.rounds = xp.where(brk, 0, state.rounds)
    state.breakdowns = state.breakdowns + brk
    lik = 0.02 + 0.98 * centres
    belief = state.belief
    for d in range(st.n_disputes):
        for side in (0, 1):
            pair = st.role_pair[d, 1 - side]  # the other side's belief about this side
            hit = brk[:, d] & (breaker[:, d] == (side == 1))
            # Row-wise: the few rows hit alone give the same numbers.
            about = belief[:, pair]

            def learn(rows: Rows, about: F64 = about, hit: B = hit) -> F64:
                before = rows.take(about)
                upd = likelihood_update(before, lik)
                return xp.where(rows.take(hit)[:, None], upd, before)

            def unchanged(about: F64 = about) -> F64:
                return about

            belief = be.write(belief, (slice(None), pair), be.on_rows_where(hit, learn, unchanged))
    state.belief = belief


def _keep_commitments(
    state: State, mods: Modifiers, st: Structure, comply: B, choice: I64
) -> I64:
    """Actors that now take up a withdrawal commitment pull back and step down to its cap.

    Whether to comply was each actor's choice (:func:`_compliance`); once it
    complies, the rung and forces follow, and its move this week is to hold
    at the cap.
    """
    if not current().some(comply):
        return choice
    sides = st.sides
    live = (state.phase == CRISIS) | (state.phase == CEASEFIRE)
    roles = comply[:, sides] & live[..., None]  # (R, Dn, 2): along a ceasefire line too
    cap = mods.commit_cap[:, sides]
    state.posture = xp.where(roles, xp.minimum(state.posture, cap), state.posture)
    state.deployed = xp.where(comply, state.deployed * (1.0 - mods.commit_pullback),
                              state.deployed)
    state.complying = state.complying | comply
    return xp.where(roles, HOLD, choice)


def _note_breaches(state: State, mods: Modifiers, st: Structure, to_war: B) -> None:
    """An actor that climbs above the cap it committed to has broken its commitment.

    Only a climb this week counts (a move up, or the choice of war, in a
    dispute still open), not a posture it held when it took the commitment up.
    """
    sides = st.sides
    live = ((state.phase == CRISIS) | (state.phase == CEASEFIRE))[..., None]
    above = state.posture > mods.commit_cap[:, sides]
    climbed = above & (state.last_move > 0) & live
    above_role = climbed | (to_war & (mods.commit_cap[:, sides] < TOP))
    broke = xp.zeros(state.complying.shape, dtype=bool)
    for d in range(st.n_disputes):
        for side in (0, 1):
            a = sides[d, side]
            broke = current().write(broke, (slice(None), a), broke[:, a] | above_role[:, d, side])
    broke = broke & state.complying
    state.broke_commitment = state.broke_commitment | broke
    state.complying = state.complying & ~broke


def _start_war(state: State, mask: B, t: int) -> None:
    mask = mask & ((state.phase == CRISIS) | (state.phase == CEASEFIRE))
    state.phase = xp.where(mask, WAR, state.phase)
    state.rung = xp.where(mask, WAR_RUNG, state.rung)
    state.war_onset = xp.where(mask & (state.war_onset < 0), t, state.war_onset)
    state.rounds = xp.where(mask, 0, state.rounds)
