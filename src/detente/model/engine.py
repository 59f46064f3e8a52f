"""The step: one week of a crisis for R runs at once (model-spec section 3).

``step`` applies, in order: interventions, arms, signals and beliefs,
decisions, resolution, negotiation, war, displacement and mobilisation. Every
operation acts on whole arrays with a leading run axis; Python loops run only
over disputes, policies and interventions, never over runs. Randomness comes
from :mod:`detente.random`, keyed by (seed, purpose, step) and the global run
index, so a run's path does not depend on the chunk it is in or on which
package is simulated.

The state is owned by one call of :func:`simulate_chunk` and updated in place,
which on NumPy saves an allocation per array per step.

The step is written against the array namespace ``xp`` (:mod:`detente.backend`),
so the same functions run eagerly on NumPy and are traced and compiled by JAX
(:mod:`detente.model.compiled`). Writes go through ``put``; work is skipped
for rows or steps that do not need it only ``if eager()``, or for a whole
step through ``branch``; the rows a compiled step does not need are masked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.backend import branch, eager, real, xp
from detente.model.agreements import accepts_ceasefire
from detente.model.balance import (
    TOP,
    _arms,
    _front_scale,
    _hazard,
    _violation,
)
from detente.model.beliefs import gaussian_update
from detente.model.decisions import (
    _decide,
    _pair_at_war,
)
from detente.model.interventions import Context
from detente.model.package import (
    Model,
    Timing,
)
from detente.model.params import Params, Structure
from detente.model.peace import (
    Peace,
    _agreements_break,
    _breaking,
    _keep_commitments,
    _note_breaches,
    _peace_matters,
    _peace_values,
    _settle,
    _start_war,
)
from detente.model.policies import CONCEDE, DOWN, HOLD, UP
from detente.model.rows import (
    _on_rows,
    on_rows,
)
from detente.model.state import (
    BY_AGREEMENT,
    BY_CONCESSION,
    CEASEFIRE,
    CRISIS,
    SETTLED,
    WAR,
    Modifiers,
    State,
    grid,
)
from detente.model.talks import (
    _negotiate,
)
from detente.model.war import (
    _civilians,
    _war,
)
from detente.random import normal, uniform

# Names other modules read from here (the world, the compiled step, tests):
# the engine is the model's front door; the sections live in their modules.
__all__ = ["TOP", "Model", "Timing", "on_rows", "quiet_step", "step"]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Week:
    """What every phase of one step reads: the model, parameters, modifiers and draws' keys."""

    model: Model
    p: Params
    mods: Modifiers
    seed: int
    runs: NDArray[np.int64]
    timing: Timing
    centres: F64

    @property
    def st(self) -> Structure:
        return self.model.structure


def step(
    model: Model,
    state: State,
    p: Params,
    seed: int,
    runs: NDArray[np.int64],
    timing: Timing | None = None,
) -> None:
    """Advance every run by one step, in place: the model's phases in order.

    ``timing`` is read off ``state.t`` when not given; a compiled simulation,
    whose step number is traced, passes it (see :mod:`detente.model.compiled`).
    """
    st = model.structure
    if timing is None:
        timing = Timing.at(model, int(state.t))
    centres = xp.asarray(grid(st.bins), dtype=real())

    # 1. Interventions.
    mods = _interventions(model, state, p, seed, runs, timing)
    wk = Week(model, p, mods, seed, runs, timing, centres)
    # Peace as it stands: each side's value of fighting now against that of
    # the ceasefire or settlement in force (judged at the start of the week).
    # 2's Richardson step, computed once here: the peace values forecast from it.
    arms_next = _arms(state, p, mods, st)
    peace = (
        _peace_values(state, p, mods, st, centres, arms_next)
        if _peace_matters(state, p, mods) else None
    )
    # Only settlements in force now can break this week (after the talks,
    # step 6b): one struck this week, by concession or agreement, is judged
    # from the next, with that week's values.
    settled_before = state.phase == SETTLED
    _ceasefires_and_caps(wk, state, peace)
    # 2. Arms (Richardson), coefficients per year.
    state.arsenal = arms_next
    _signals(wk, state)  # 3.
    choice = _crisis_choices(wk, state)  # 3b-4.
    _resolve(wk, state, choice, peace)  # 5.
    _talks(wk, state)  # 6.
    # 6b. Settlements come apart, after the week's talks: a broken agreement
    # cannot be signed again before the next round.
    if peace is not None:
        _agreements_break(state, p, mods, st, peace, seed, runs, centres, settled_before)

    # 7. War (and the fighting of violated ceasefires).
    dt = st.step_weeks
    if eager() and not (state.phase == CEASEFIRE).any():
        violation = xp.zeros_like(state.territory)  # read only under a ceasefire
    else:
        violation = _violation(state, p, mods, dt)
    military_before = state.military_deaths
    _war(state, p, mods, st, seed, runs, dt, violation)

    # 8. Displacement and deaths among civilians. 9. Mobilisation.
    _civilians(state, p, st, runs, dt, state.military_deaths - military_before, violation, mods)
    state.max_rung = xp.maximum(state.max_rung, state.rung)
    state.ceasefire_age = xp.where(state.phase == CEASEFIRE, state.ceasefire_age + 1, 0)
    state.t = state.t + 1


def _ceasefires_and_caps(wk: Week, state: State, peace: Peace | None) -> None:
    """Ceasefires imposed or accepted at war this week, then the posture caps in force."""
    st, mods = wk.st, wk.mods
    imposed = mods.ceasefire & (state.phase == WAR)
    if peace is not None:  # a proposed ceasefire begins only if both sides accept it
        imposed = imposed | (
            mods.ceasefire_offer & (state.phase == WAR) & accepts_ceasefire(peace.war_cf,
                                                                           peace.ceasefire)
        )
    if not eager() or imposed.any():  # else none of the four changes anything
        state.phase = xp.where(imposed, CEASEFIRE, state.phase)
        state.posture = xp.where(imposed[..., None], xp.minimum(state.posture, TOP), state.posture)
        state.rung = xp.where(imposed, state.posture.max(axis=2), state.rung)
        state.ceasefires = state.ceasefires + imposed
    capped = xp.minimum(state.posture, mods.posture_cap[:, st.sides])
    live = (state.phase == CRISIS) | (state.phase == CEASEFIRE)
    state.posture = xp.where(live[..., None], capped, state.posture)
    state.rung = xp.where(live, state.posture.max(axis=2), state.rung)


def _signals(wk: Week, state: State) -> None:
    """3. Signals of resolve and of allies' cohesion, and the beliefs they update."""
    st, p, mods, seed, runs, t = wk.st, wk.p, wk.mods, wk.seed, wk.runs, state.t
    at_war_pair = _pair_at_war(state, st)
    sd = (
        xp.where(at_war_pair, p.war_signal_noise[:, None], p.signal_noise[:, None])
        * mods.noise_mult
    )
    signal = (
        p.resolve[:, st.pair_target]
        + sd * normal(seed, "signal.resolve", t, runs, (len(st.pair_target),))
        + mods.bias
    )
    state.belief = gaussian_update(state.belief, wk.centres, signal, sd)
    n_al = state.cohesion.shape[1]
    if n_al:
        n_obs = len(st.observers)
        csd = xp.broadcast_to(p.cohesion_signal_noise[:, None, None], (runs.shape[0], n_obs, n_al))
        noise = normal(seed, "signal.cohesion", t, runs, (st.n_actors, n_al))[:, st.observers]
        csig = state.cohesion[:, None, :] + csd * noise
        state.cohesion_belief = gaussian_update(state.cohesion_belief, wk.centres, csig, csd)


def _crisis_choices(wk: Week, state: State) -> NDArray[np.int64]:
    """3b-4. Costly signals and decisions, for the runs with a dispute in crisis (R, Dn, 2).

    Working on those rows alone gives the same numbers (every operation is
    row-wise) for a fraction of the cost once most runs are at war or settled.
    A compiled step computes every row and masks (no data-dependent shapes).
    """
    model, st, p, mods, seed, runs = wk.model, wk.st, wk.p, wk.mods, wk.seed, wk.runs
    R = runs.shape[0]
    crisis = state.phase == CRISIS
    live = np.flatnonzero(crisis.any(axis=1)) if eager() else None
    no_one = xp.zeros(state.complying.shape, dtype=bool)
    if live is None:  # compiled: skipped only when no run at all is in crisis
        choice, state.memory, state.belief, comply = branch(
            crisis.any(),
            lambda: _decide(model, state, p, mods, seed, runs, wk.centres, wk.timing),
            lambda: (xp.full(state.posture.shape, HOLD), state.memory, state.belief, no_one),
        )
    elif len(live) == R:
        choice, state.memory, state.belief, comply = _decide(
            model, state, p, mods, seed, runs, wk.centres, wk.timing
        )
    else:
        choice = xp.full((R, st.n_disputes, 2), HOLD, dtype=xp.int64)
        comply = no_one
        if len(live):
            sub_state, sub_p, sub_mods = _on_rows(live, R, state, p, mods)
            ch, mem, belief, cm = _decide(
                model, sub_state, sub_p, sub_mods, seed, runs[live], wk.centres, wk.timing
            )
            choice[live] = ch
            state.memory[live] = mem
            state.belief[live] = belief
            comply[live] = cm
    choice = xp.where(crisis[..., None], choice, HOLD)
    return _keep_commitments(state, mods, st, comply, choice)


def _resolve(wk: Week, state: State, choice: NDArray[np.int64], peace: Peace | None) -> None:
    """5. Resolution: concessions settle, a climb from the top crisis rung is war,
    the rung's hazard can slide a crisis into war and a ceasefire can break."""
    st, p, mods, seed, runs, t = wk.st, wk.p, wk.mods, wk.seed, wk.runs, state.t
    crisis = state.phase == CRISIS
    sides = st.sides  # (Dn, 2)
    cap = mods.posture_cap[:, sides]
    move = xp.where(choice == UP, 1, xp.where(choice == DOWN, -1, 0))
    new_posture = xp.clip(state.posture + move, 0, None)
    to_war = (new_posture > TOP) & crisis[..., None]  # (R, Dn, 2): who chose war
    chose_war = to_war.any(axis=2)
    new_posture = xp.minimum(xp.minimum(new_posture, TOP), xp.maximum(cap, 0))
    moved = xp.where(crisis[..., None], new_posture - state.posture, 0)
    state.last_move = xp.where(crisis[..., None], xp.sign(moved), 0)
    state.posture = xp.where(crisis[..., None], new_posture, state.posture)
    conceded = (choice == CONCEDE) & crisis[..., None]
    any_concession = conceded.any(axis=2)
    # The challenger backing down settles at the status quo; otherwise the
    # defender's concession gives the challenger its demand.
    terms = xp.where(conceded[..., 0], p.status_quo, p.demand)
    _settle(state, any_concession, terms, BY_CONCESSION, t)
    state.conceded_by = xp.where(
        any_concession, xp.where(conceded[..., 0], 0, 1), state.conceded_by
    )
    _note_breaches(state, mods, st, to_war)
    crisis = state.phase == CRISIS
    state.rung = xp.where(crisis, state.posture.max(axis=2), state.rung)
    h = _hazard(state.rung, _front_scale(state, p, mods, st), p)
    slide = uniform(seed, "hazard.war", t, runs, (st.n_disputes,)) < h
    # An enforced ceasefire holds by fiat (the labelled counterfactual); any
    # other breaks at (1 - monitoring) x its hazard, which rises with the
    # sides' incentives to fight on (model-spec V2.4).
    in_ceasefire = (state.phase == CEASEFIRE) & ~mods.ceasefire
    if eager() and not in_ceasefire.any():
        breakdown = in_ceasefire  # all False: no draw can break a ceasefire
    else:
        if peace is None:
            h_cf = p.ceasefire_breakdown * mods.breakdown_mult
        else:
            beta = p.rationality[:, sides]
            gap = peace.war_cf - peace.ceasefire - p.audience_cost[:, sides]
            h_cf = _breaking(
                p.ceasefire_breakdown, p.renege_rate, gap, beta, 0.0, 1.0 - mods.breakdown_mult
            )
        u_break = uniform(seed, "hazard.ceasefire", t, runs, (st.n_disputes,))
        breakdown = in_ceasefire & (u_break < h_cf)
    state.ceasefire_breakdowns = state.ceasefire_breakdowns + breakdown
    _start_war(state, (crisis & (chose_war | slide)) | breakdown, t)


def _talks(wk: Week, state: State) -> None:
    """6. A round of talks where a channel is open and the dispute is not settled."""
    st, p, mods, centres = wk.st, wk.p, wk.mods, wk.centres
    R = wk.runs.shape[0]
    talking = mods.channel_open & (state.phase != SETTLED)
    live = np.flatnonzero(talking.any(axis=1)) if eager() else None
    if live is None:  # compiled: skipped only when no channel is open in any run
        acc, off = branch(
            talking.any(),
            lambda: _negotiate(state, p, mods, st, centres),
            lambda: (xp.zeros(talking.shape, dtype=bool), xp.zeros(talking.shape, dtype=real())),
        )
    elif len(live) == R:
        acc, off = _negotiate(state, p, mods, st, centres)
    elif len(live):
        sub_state, sub_p, sub_mods = _on_rows(live, R, state, p, mods)
        accept, offer = _negotiate(sub_state, sub_p, sub_mods, st, centres)
        acc = np.zeros((R, st.n_disputes), dtype=bool)
        off = np.zeros((R, st.n_disputes))
        acc[live], off[live] = accept, offer
    if live is None or len(live):
        _settle(state, acc, off, BY_AGREEMENT, state.t)
        state.rounds = xp.where(talking, state.rounds + 1, state.rounds)


def _interventions(
    model: Model,
    state: State,
    p: Params,
    seed: int,
    runs: NDArray[np.int64],
    timing: Timing | None = None,
) -> Modifiers:
    """Start the interventions due this step; collect the modifiers of those in force."""
    if timing is None:
        timing = Timing.at(model, int(state.t))
    ctx = Context(model.structure, seed, runs)
    mods = Modifiers.neutral(runs.shape[0], model.structure)
    for i, iv in enumerate(model.interventions):
        _apply_if(timing.starting[i], state, lambda iv=iv: iv.on_start(state, p, ctx))
        _apply_if(timing.active[i], mods, lambda iv=iv: iv.while_active(mods, state, p, ctx))
    return mods


def _apply_if(flag, target, change) -> None:
    """Run ``change()``, which sets attributes of ``target``, if ``flag``.

    A traced flag (compiled simulation) keeps each changed attribute only
    where it holds; the arrays are immutable there, so a changed attribute
    is a new object.
    """
    if flag is False:
        return
    if flag is True:
        change()
        return
    before = dict(vars(target))
    change()
    for name, old in before.items():
        new = getattr(target, name)
        if new is not old:
            setattr(target, name, xp.where(flag, new, old))


def quiet_step(model: Model, state: State, p: Params, seed: int, runs: NDArray[np.int64]) -> None:
    """Advance runs in which no dispute is open (every one settled) by one step.

    What :func:`step` does for such runs, less the signals: interventions,
    arms (Richardson), the return of the displaced and the decay of
    mobilisation. With no crisis open nobody is watched, so beliefs stand
    still (a modelling choice of the world layer, which keeps dormant dispute
    slots; ``step`` itself updates beliefs every week in single-crisis
    scenarios).
    """
    st = model.structure
    dt = st.step_weeks
    # Interventions start and act here too (a withdrawal at step 0 withdraws
    # in every run, whether or not a crisis is open in it).
    mods = _interventions(model, state, p, seed, runs)
    state.arsenal = _arms(state, p, mods, st)
    # No dispute is open, so nothing is violated: only returns and mobilisation move.
    none = xp.zeros_like(state.deployed)
    _civilians(state, p, st, runs, dt, none, xp.zeros_like(state.territory), mods)
    state.ceasefire_age = xp.zeros_like(state.ceasefire_age)
    state.t = state.t + 1
