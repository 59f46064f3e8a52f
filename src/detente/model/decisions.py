"""Decisions in a crisis: each side's rule chooses a move from the values of its options,
and beliefs learn from the moves seen (model-spec sections 3.5-3.6, V2.5).

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import current, xp
from detente.model.balance import (
    TOP,
    _shares,
    _take,
)
from detente.model.beliefs import likelihood_update
from detente.model.context import DecisionContext
from detente.model.package import (
    Model,
    Timing,
)
from detente.model.params import Params, Structure
from detente.model.policies import HOLD, Observation
from detente.model.state import (
    CRISIS,
    WAR,
    Modifiers,
    State,
)
from detente.model.valuation import (
    _compliance,
    _outlook,
    _stand_probability,
    _threshold_terms,
    _utilities,
    _war_risk,
)
from detente.random import uniform

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


def _decide(
    model: Model,
    state: State,
    p: Params,
    mods: Modifiers,
    seed: int,
    runs: I64,
    centres: F64,
    timing: Timing,
) -> tuple[I64, I64, F64, B]:
    """Costly-signal updates, then each role's choice through its policy.

    Returns (choice, memory, belief, comply) for the rows given, (R, Dn, 2)
    and (R, P, G) and (R, N); the state passed in may be a row subset, so
    nothing here writes to it except through the returned arrays.
    """
    st = model.structure
    dc = DecisionContext.of(state, p, mods, st, centres)
    be = current()
    belief = be.when(timing.moves_seen, lambda _: _behaviour_update(dc), state.belief)
    look = _outlook(state, p, mods, st, dc.pwin, dc.r_own, dc.c_own, centres, belief)
    U, pc_up, talks = _utilities(dc, belief, look)
    comply = _compliance(dc, belief, look, U, talks)
    u = uniform(seed, "decision", state.t, runs, (st.n_disputes, 2))
    choice = xp.full(state.posture.shape, HOLD, dtype=xp.int64)
    memory = xp.array(state.memory)  # a copy: written below
    beta = p.rationality[:, st.sides]
    opp_last = state.last_move[:, :, ::-1]
    opp_post = state.posture[:, :, ::-1]
    for policy, roles in model.policies:
        obs = Observation(
            utility=U[:, roles],
            p_concede_up=pc_up[:, roles],
            posture=state.posture[:, roles],
            opponent_posture=opp_post[:, roles],
            last_move=state.last_move[:, roles],
            opponent_last_move=opp_last[:, roles],
            memory=state.memory[:, roles],
            rationality=beta[:, roles],
            u=u[:, roles],
            top=TOP,
        )
        ch, mem = policy.decide(obs)
        where = (slice(None), *np.nonzero(roles))
        choice = be.write(choice, where, ch)
        memory = be.write(memory, where, mem)
    crisis = (state.phase == CRISIS)[..., None]
    return (
        xp.where(crisis, choice, HOLD),
        xp.where(crisis, memory, state.memory),
        belief,
        comply,
    )


def _pair_at_war(state: State, st: Structure) -> NDArray[np.bool_]:
    """(R, P): observer and target of a belief pair fight each other in some dispute."""
    at_war = state.phase == WAR
    in_dispute = np.zeros((st.n_disputes, len(st.pair_target)), dtype=bool)  # (Dn, P)
    for d in range(st.n_disputes):
        in_dispute[d, st.role_pair[d]] = True
    return (at_war[:, :, None] & in_dispute).any(axis=1)


def _behaviour_update(dc: DecisionContext) -> F64:
    """Costly signals: a side that stood (held or climbed) at the crisis level is
    likelier a type that would stand there; one that stepped down, likelier a
    type that would not stand at its former rung. Weights floor at 0.02 (a
    trembling hand), so no type is ever ruled out by one move. Returns the
    beliefs (R, P, G)."""
    state, p, st, centres, scale = dc.state, dc.p, dc.st, dc.centres, dc.scale
    pwin, c_own, a_own = dc.pwin, dc.c_own, dc.a_own
    s, s_concede, s_win = _shares(p)
    crisis = state.phase == CRISIS
    be = current()
    belief = xp.array(state.belief)  # a copy: written below
    sides = st.sides
    for side in (0, 1):
        other = 1 - side
        seen = 1.0 - pwin[:, :, other]  # the mover's chance of winning, as the observer sees it
        beta = p.rationality[:, sides[:, side]]

        def stands(posture: I64, side: int = side, seen: F64 = seen, beta: F64 = beta) -> F64:
            level = xp.maximum(posture, state.posture[:, :, 1 - side])
            den, num = _threshold_terms(
                seen,
                c_own[:, :, side],
                a_own[:, :, side],
                posture,
                s[:, :, side],
                s_concede[:, :, side],
                s_win[:, :, side],
                _war_risk(level, scale, p, st),
                _take(p.posture_cost, level),
            )
            return _stand_probability(centres, den, num, beta)

        now = state.posture[:, :, side]
        before = xp.clip(now - state.last_move[:, :, side], 0, TOP)
        stepped_down = (state.last_move[:, :, side] < 0)[..., None]
        stand = stands(now)
        lik = xp.where(stepped_down, stand * (1.0 - stands(before)), stand)
        lik = 0.02 + 0.98 * lik
        pair = st.role_pair[:, other]  # the other side's belief about this side
        for ds in _distinct_rounds(pair):
            cols = pair[ds]
            upd = likelihood_update(belief[:, cols], lik[:, ds])
            kept = xp.where(crisis[:, ds, None], upd, belief[:, cols])
            belief = be.write(belief, (slice(None), cols), kept)
    return belief


def _distinct_rounds(pair: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    """The disputes in rounds whose belief pairs are distinct, each pair's disputes
    in their order: a round updated at once is the dispute-by-dispute update, to
    the bit (each pair's posterior takes its disputes' evidence in the same order)."""
    seen: dict[int, int] = {}
    rounds: list[list[int]] = []
    for d, q in enumerate(pair.tolist()):
        r = seen.get(q, 0)
        seen[q] = r + 1
        if r == len(rounds):
            rounds.append([])
        rounds[r].append(d)
    return [np.array(r, dtype=np.int64) for r in rounds]
