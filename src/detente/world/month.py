"""One month of a world order, in the phases :mod:`detente.world.simulate` describes.

Each phase reads and writes the chunk's :class:`Tracks` (what the runs carry
from month to month) and, where claims exist, its :class:`Core` (the core
model's state and parameters); :class:`Draws` are the world's drawn
parameters and :class:`Slots` the fixed geometry of the claims. The order of
the phases, and of the random draws in them, is the simulation's: moving
code between phases changes numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from detente.model.engine import on_rows, quiet_step, step
from detente.model.package import Model
from detente.model.params import Params, Structure
from detente.model.rows import RowView
from detente.model.state import CRISIS, SETTLED, WAR, State
from detente.random import uniform
from detente.world.build import NOT_ALIGNED, World
from detente.world.choices import Chooser, growth_shift, stake_of
from detente.world.decisions import logit

__all__ = [
    "Core",
    "Draws",
    "Slots",
    "Tracks",
    "advance",
    "grow",
    "moves",
    "onset",
    "outcomes",
    "preferences",
    "reopen",
]

F64 = NDArray[np.float64]
B = NDArray[np.bool_]
I64 = NDArray[np.int64]
T = TypeVar("T")


def _rows(obj: T, rows: I64, runs: int) -> T:
    """``obj`` (the state, parameters) read at the runs ``rows`` only (:class:`RowView`)."""
    return cast(T, RowView(obj, rows, runs))


@dataclass(frozen=True)
class Draws:
    """The world's parameters, one draw per run (``world.*`` in the preset)."""

    shift_rate: F64  # (R, 1)
    pref_change: F64  # (R, 1)
    pressure: F64  # (R, 1)
    neutral: F64  # (R, 1)
    extra: F64  # (R, 1) alliance_stake
    contagion: F64  # (R, 1)
    memory: F64  # (R,) monthly decay of a remembered war
    claim_gain: F64  # (R,)
    claim_loss: F64  # (R,)
    coh_gain: F64  # (R,)
    coh_loss: F64  # (R,)
    growth: F64  # (R, K) monthly growth factor of each great power
    g_side: F64  # (R, K + S) every actor's monthly growth factor
    grows: bool


@dataclass(frozen=True)
class Slots:
    """The claims' fixed geometry: which state and claimant each dispute slot has."""

    over: B  # (Dn,) the slot is a claim over a small state (else a rivalry)
    sa: I64  # (Dn,) the slot's small state (0 for a rivalry)
    ca: I64  # (Dn,) the slot's claimant
    claimed_by: B  # (S, K) which great powers claim each state
    in_sphere: B  # (S,) some great power claims the state
    choices: I64  # (K + 1,) the alignments a preference can take

    @classmethod
    def of(cls, w: World) -> Slots:
        S, K = len(w.states), len(w.gp)
        claimed_by = np.zeros((S, K), dtype=bool)
        claimed_by[w.claimed[w.over_states], w.claimant[w.over_states]] = True
        return cls(
            over=w.over_states,
            sa=np.maximum(w.claimed, 0),
            ca=w.claimant,
            claimed_by=claimed_by,
            in_sphere=cast(B, claimed_by.any(axis=1)),
            choices=np.array([*range(K), NOT_ALIGNED], dtype=np.int64),
        )


@dataclass
class Tracks:
    """What a chunk of runs carries from month to month."""

    align: I64  # (R, S) each state's bloc, or NOT_ALIGNED
    pref: I64  # (R, S) the alignment it prefers
    strength: F64  # (R, Dn) each claim's strength
    recent: F64  # (R, S) a war in each state, remembered with decay (contagion)
    active: B  # (R, Dn) a crisis or war is open in the slot
    had_war: B  # (R, Dn) the open crisis has become a war
    had_gp: B  # (R, Dn) ... with a great power on each side
    opened_allied: B  # (R, Dn) the state had a great-power protector when it opened
    held: F64  # (R,) state-months at the preferred alignment
    crises: F64  # (R,)
    wars: F64  # (R,)
    gp_wars: F64  # (R,)
    tally: F64  # (4, R) crises and wars over states with and without a great-power ally


@dataclass
class Core:
    """The core model for the world's disputes, and what the choices read of it."""

    model: Model  # the world's core scenario, compiled
    st: Structure
    p: Params
    state: State
    chooser: Chooser
    posture: I64  # (Dn, 2) opening postures
    as_member: bool  # blocs take states in as members (else as partners)
    neighbours: F64  # (S, S) transposed, as float: near = recent @ neighbours


def preferences(
    w: World, sl: Slots, dr: Draws, tr: Tracks, seed: int, t: int, runs: I64
) -> tuple[I64, F64, B]:
    """1. Preferences change; states consider moving toward them.

    Returns the alignment each state would move to, the month's move draws
    (R, S, 2) and which states want to move.
    """
    S, K = tr.align.shape[1], len(sl.choices) - 1
    u = uniform(seed, "world.preference", t, runs, (S, 2))
    change = u[..., 0] < dr.pref_change
    new_pref = sl.choices[np.minimum((u[..., 1] * (K + 1)).astype(np.int64), K)]
    tr.pref = np.where(change, new_pref, tr.pref)
    target = tr.pref.copy()
    if w.spec.world.recognition:
        # A rival bloc refuses a state inside another's sphere: only non-alignment is open.
        rival = (target >= 0) & sl.in_sphere[None, :]
        rival &= ~sl.claimed_by[np.arange(S)[None, :], np.maximum(target, 0)]
        target = np.where(rival, NOT_ALIGNED, target)
    um = uniform(seed, "world.move", t, runs, (S, 2))
    wants = (target != tr.align) & (um[..., 0] < dr.shift_rate)
    return target, um, wants


def moves(
    w: World, sl: Slots, dr: Draws, tr: Tracks, core: Core, target: I64, um: F64, wants: B
) -> B:
    """A move that crosses a claim is weighed against the crises it provokes.

    Moves the states that go, ties the blocs to the new alignments and
    returns the moves made against a claim (R, Dn).
    """
    state, p, over, sa, ca = core.state, core.p, sl.over, sl.sa, sl.ca
    R, S = tr.align.shape
    K = len(sl.choices) - 1
    cand = np.where(wants, target, tr.align)
    frm, to = tr.align[:, sa], cand[:, sa]
    crosses = (
        over[None, :]
        & wants[:, sa]
        & (((to >= 0) & (to != ca[None, :])) | ((frm == ca[None, :]) & (to < 0)))
    )
    if crosses.any():
        _ties(state, cand, K, core.as_member)
        stake = stake_of(w, tr.strength, cand, dr.neutral, dr.extra)
        gain = stake - p.status_quo  # the share at stake, as at onset below
        # Only the runs where a move crosses a claim (row-wise: the same numbers).
        rows = np.flatnonzero(crosses.any(axis=1))
        sub, s_ = core.chooser.on(rows), _rows(state, rows, R)
        risk = np.zeros(crosses.shape)
        loss = sub.expected_loss(s_, sub.views(s_), gain[rows])
        risk[rows] = np.where(crosses[rows], loss, 0)
        fear = np.zeros((R, S))
        np.add.at(fear.T, sa[over], risk[:, over].T)
        r_s = p.resolve[:, K:]
        go = um[..., 1] < logit(p.rationality[:, K:], r_s - fear)
        wants &= go | ~_any_by_state(crosses, sa, S)
    tr.align = np.where(wants, target, tr.align)
    _ties(state, tr.align, K, core.as_member)
    return crosses & wants[:, sa]


def onset(
    w: World, sl: Slots, dr: Draws, tr: Tracks, core: Core, moved: B, seed: int, t: int, runs: I64
) -> None:
    """2. Onset as a choice: moves against a claim, and reviews of claims."""
    state, p, over, sa, ca = core.state, core.p, sl.over, sl.sa, sl.ca
    R, Dn = tr.active.shape
    near = tr.recent @ core.neighbours
    outside = over[None, :] & (tr.align[:, sa] != ca[None, :])
    review = dr.pressure * np.where(over[None, :], 1.0 + dr.contagion * near[:, sa], 1.0)
    uo = uniform(seed, "world.onset", t, runs, (Dn, 2))
    chance = moved | ((outside | ~over[None, :]) & (uo[..., 0] < review))
    chance &= ~tr.active
    if not chance.any():
        return
    stake = stake_of(w, tr.strength, tr.align, dr.neutral, dr.extra)
    q = p.status_quo
    rows = np.flatnonzero(chance.any(axis=1))  # the runs with a choice open
    sub, s_ = core.chooser.on(rows), _rows(state, rows, R)
    press = np.zeros((R, Dn))
    press[rows] = sub.press(s_, sub.views(s_), (stake - q)[rows], p.resolve[rows][:, ca])
    start = chance & (uo[..., 1] < press) & (stake > q)
    if start.any():
        _opened(w, tr, start)
        p.demand[start] = stake[start]
        _activate(state, p, start, core.posture)


def grow(w: World, sl: Slots, dr: Draws, core: Core) -> None:
    """Great powers' forces grow at their rates; the growth ahead is a shift in
    power the core's bargains must survive (its commitment problem, model-spec V2.2)."""
    state, p, K = core.state, core.p, dr.growth.shape[1]
    state.forces[:, :K] *= dr.growth
    state.deployed[:, :K] *= dr.growth
    p.power_shift[:] = growth_shift(
        core.chooser.views(state)[..., 0],
        dr.g_side[:, sl.ca],
        dr.g_side[:, w.target],
        core.st.lookahead,
        p.contest_exponent,
    )


def advance(core: Core, tr: Tracks, seed: int, runs: I64) -> None:
    """3. The core engine, every dispute at once, for the runs with one open;
    the others only advance their arms and displaced.

    The live runs' rows are copied out and stepped apart while the quiet
    step runs on the whole chunk; the copies then overwrite the live rows.
    Both steps are row-wise and write nothing but the state (the parameters
    are read-only and ``t`` is set here), so the live rows' quiet step
    leaves no trace: the numbers are those of each step on its own rows,
    with one copy of the chunk's state a month fewer.
    """
    state, p, model = core.state, core.p, core.model
    live = np.flatnonzero(tr.active.any(axis=1))
    tt = state.t
    if len(live) == 0:
        quiet_step(model, state, p, seed, runs)
    elif len(live) == len(runs):
        step(model, state, p, seed, runs)
    else:

        def both(s_: State, p_: Params, r_: I64) -> None:
            quiet_step(model, state, p, seed, runs)  # every run; the live rows are overwritten
            step(model, s_, p_, seed, r_)

        on_rows(live, state, p, runs, both)
    state.t = tt + 1


def reopen(w: World, tr: Tracks, core: Core) -> None:
    """A settlement that came apart in the core (V2's agreements break: Werner
    1999) reopens its crisis: it counts as one, as a press does."""
    reopened = ~tr.active & (core.state.phase != SETTLED)
    if reopened.any():
        _opened(w, tr, reopened)


def outcomes(w: World, sl: Slots, dr: Draws, tr: Tracks, core: Core) -> None:
    """4. Wars, great-power wars, ends and feedback."""
    state, over = core.state, sl.over
    K = dr.growth.shape[1]
    war_now = (state.phase == WAR) & tr.active
    new_war = tr.active & (state.war_onset >= 0) & ~tr.had_war
    tr.wars += new_war.sum(axis=1)
    tr.tally[2] += (new_war & tr.opened_allied & over[None, :]).sum(axis=1)
    tr.tally[3] += (new_war & ~tr.opened_allied & over[None, :]).sum(axis=1)
    tr.had_war |= new_war
    joined_gp = state.joined[:, :, :K].any(axis=2)  # the great powers are actors 0..K-1
    gp_war = (joined_gp | ~over[None, :]) & war_now
    tr.gp_wars += (gp_war & ~tr.had_gp).sum(axis=1)
    tr.had_gp |= gp_war
    at_war = _any_by_state(war_now & over, sl.sa, tr.align.shape[1])
    tr.recent = np.maximum(tr.recent * dr.memory[:, None], at_war)
    ended = tr.active & (state.phase == SETTLED)
    if ended.any():
        _feedback(w, state, core.p, ended, tr, dr)
        tr.active &= ~ended


def _opened(w: World, tr: Tracks, start: B) -> None:
    """Count the crises opened in ``start`` (R, Dn); for the record check, note
    whether the target was under a great power's protection (a rival bloc or
    the collective guarantee)."""
    over = w.over_states[None, :]
    allied = start & over & (_protected(w, tr.align) | w.collective)
    tr.tally[0] += allied.sum(axis=1)
    tr.tally[1] += (start & over & ~allied).sum(axis=1)
    tr.opened_allied = np.where(start, allied, tr.opened_allied)
    tr.active |= start
    tr.had_war &= ~start
    tr.had_gp &= ~start
    tr.crises += start.sum(axis=1)


def _activate(state: State, p: Params, mask: B, posture: I64) -> None:
    """Open the crises in ``mask`` (R, Dn): a fresh dispute in its opening postures."""
    m2 = mask[..., None]
    state.phase = np.where(mask, CRISIS, state.phase)
    state.posture = np.where(m2, posture[None], state.posture)
    state.rung = np.where(mask, posture.max(axis=1)[None], state.rung)
    state.last_move = np.where(m2, 0, state.last_move)
    state.memory = np.where(m2, 0, state.memory)
    state.settlement = np.where(mask, np.nan, state.settlement)
    state.settled_by = np.where(mask, 0, state.settled_by)
    state.rounds = np.where(mask, 0, state.rounds)
    state.war_onset = np.where(mask, -1, state.war_onset)
    state.ceasefire_age = np.where(mask, 0, state.ceasefire_age)
    state.territory = np.where(mask, p.territory, state.territory)
    state.joined = np.where(m2, False, state.joined)


def _ties(state: State, align: I64, K: int, as_member: bool) -> None:
    """Blocs follow alignments: bloc k takes in (or backs) the states aligned with it."""
    ties = state.member if as_member else state.partner
    S = align.shape[1]
    ties[:, np.arange(K)[:, None], K + np.arange(S)[None, :]] = (
        align[:, None, :] == np.arange(K)[None, :, None]
    )


def _protected(w: World, align: I64) -> B:
    """(R, Dn): the slot's state sits in the bloc of a great power other than its claimant."""
    to = align[:, np.maximum(w.claimed, 0)]
    return w.over_states[None, :] & (to >= 0) & (to != w.claimant[None, :])


def _any_by_state(crosses: B, sa: I64, S: int) -> B:
    """(R, S): the state has at least one slot set in ``crosses`` (R, Dn)."""
    hit = np.zeros((crosses.shape[0], S), dtype=np.int64)
    np.add.at(hit.T, sa, crosses.T.astype(np.int64))
    return hit > 0


def _feedback(w: World, state: State, p: Params, ended: B, tr: Tracks, dr: Draws) -> None:
    """Claims strengthen when pressed with success, weaken otherwise; a state whose
    claimant won moves into its bloc; the bloc that backed it gains or loses cohesion.

    A run's ended claims act one after another in slot order (a later one reads
    the alignment an earlier one set); runs are independent, so round j takes
    every run's j-th ended claim at once.
    """
    q = p.status_quo
    won = ended & (np.nan_to_num(state.settlement, nan=-1.0) >= q + 0.5 * (p.demand - q))
    lost = ended & ~won
    strength = np.where(won, np.minimum(1.0, tr.strength + dr.claim_gain[:, None]), tr.strength)
    tr.strength = np.where(lost, strength * (1.0 - dr.claim_loss[:, None]), strength)
    runs, slots = np.nonzero(ended & w.over_states[None, :])  # by run, then slot
    nth = np.arange(len(runs)) - np.searchsorted(runs, runs)  # rank among the run's claims
    align = tr.align
    for j in range(nth.max() + 1 if len(nth) else 0):
        r, d = runs[nth == j], slots[nth == j]
        s, c = w.claimed[d], w.claimant[d]
        backer = align[r, s]  # the bloc the state was in when it ended
        backed = (backer >= 0) & (backer != c)
        k = np.maximum(backer, 0)
        delta = np.where(won[r, d], -dr.coh_loss[r], np.where(lost[r, d], dr.coh_gain[r], 0.0))
        delta = np.where(backed, delta, 0.0)
        state.cohesion[r, k] = np.clip(state.cohesion[r, k] + delta, 0.0, 1.0)
        align[r, s] = np.where(won[r, d], c, align[r, s])
