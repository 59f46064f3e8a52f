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

The step is written against the array namespace ``xp`` and the active
:class:`~detente.backend.Backend` (:mod:`detente.backend`), so the same
functions run eagerly on NumPy and are traced and compiled by JAX
(:mod:`detente.model.compiled`). Work that is provably idle is skipped
where the backend can tell (``be.some(mask)``); a function of the rows that
need it runs through ``be.on_rows_where``; a step that acts only from a
given week (an intervention's) through ``be.when``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from detente.backend import Rows, current, real, xp
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
from detente.model.interventions import Context, Intervention
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
from detente.model.rows import on_rows, view
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
    if current().some(state.phase == CEASEFIRE):
        violation = _violation(state, p, mods, dt)
    else:
        violation = xp.zeros_like(state.territory)  # read only under a ceasefire
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
    if current().some(imposed):  # else none of the four changes anything
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
    A compiled step runs them in blocks of a fixed size (:mod:`detente.blocks`).
    """
    model, st, p, mods, seed, runs = wk.model, wk.st, wk.p, wk.mods, wk.seed, wk.runs
    crisis = state.phase == CRISIS

    def decide(rows: Rows) -> tuple[NDArray[np.int64], NDArray[np.int64], F64, NDArray[np.bool_]]:
        return _decide(model, view(rows, state), view(rows, p), view(rows, mods),
                       seed, rows.take(runs), wk.centres, wk.timing)

    def no_decision() -> tuple[NDArray[np.int64], NDArray[np.int64], F64, NDArray[np.bool_]]:
        hold = xp.full(state.posture.shape, HOLD, dtype=xp.int64)
        return hold, state.memory, state.belief, xp.zeros(state.complying.shape, dtype=bool)

    be, in_crisis = current(), crisis.any(axis=1)
    choice, state.memory, state.belief, comply = be.select(
        in_crisis.any(),  # compiled: the phase is skipped only when no run is in crisis
        lambda: be.on_rows_where(in_crisis, decide, no_decision),
        no_decision,
    )
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
    if not current().some(in_ceasefire):
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
    talking = mods.channel_open & (state.phase != SETTLED)
    be = current()
    if not be.some(talking):
        return

    def talk(rows: Rows) -> tuple[NDArray[np.bool_], F64]:
        return _negotiate(view(rows, state), view(rows, p), view(rows, mods), st, centres)

    def no_talks() -> tuple[NDArray[np.bool_], F64]:
        return xp.zeros(talking.shape, dtype=bool), xp.zeros(talking.shape, dtype=real())

    rows = talking.any(axis=1)
    acc, off = be.select(  # compiled: skipped only when no channel is open in any run
        rows.any(), lambda: be.on_rows_where(rows, talk, no_talks), no_talks
    )
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
    """Start the interventions due this step; collect the modifiers of those in force.

    Each hook returns a new state or new modifiers (the plugin contract,
    docs/plugins.md); the backend keeps the change only where its flag holds
    (a traced flag in a compiled simulation). The state, owned by the step,
    then takes the started state's fields.
    """
    if timing is None:
        timing = Timing.at(model, int(state.t))
    be = current()
    ctx = Context(model.structure, seed, runs)
    mods = Modifiers.neutral(runs.shape[0], model.structure)
    started = state
    for i, iv in enumerate(model.interventions):
        started = be.when(timing.starting[i], partial(_started, iv, p, ctx), started)
        mods = be.when(timing.active[i], partial(_in_force, iv, started, p, ctx), mods)
    state.assign(started)
    return mods


def _started(iv: Intervention, p: Params, ctx: Context, state: State) -> State:
    new = iv.on_start(state, p, ctx)
    if not isinstance(new, State):
        raise TypeError(f"intervention {iv.name!r}: on_start must return the new State "
                        f"(docs/plugins.md), got {type(new).__name__}")
    return new


def _in_force(
    iv: Intervention, state: State, p: Params, ctx: Context, mods: Modifiers
) -> Modifiers:
    new = iv.while_active(mods, state, p, ctx)
    if not isinstance(new, Modifiers):
        raise TypeError(f"intervention {iv.name!r}: while_active must return the new "
                        f"Modifiers (docs/plugins.md), got {type(new).__name__}")
    return new


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
