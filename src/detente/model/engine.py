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

from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from detente.backend import branch, eager, put, real, xp
from detente.classic.lanchester import square_law_losses
from detente.classic.richardson import euler_step
from detente.model import front
from detente.model.agreements import accepts_ceasefire, breakdown_hazard, renege_incentive
from detente.model.alliances import join_chance, join_value, win_probability
from detente.model.bargaining import (
    Coefficients,
    Terms,
    Valuation,
    best_deal_value,
    commitment_bounds,
    credible_shares,
    disagreement,
    negotiate,
    renegotiated,
    reservation,
)
from detente.model.beliefs import gaussian_update, likelihood_update, mean
from detente.model.interventions import Context, Intervention
from detente.model.params import Params, Structure
from detente.model.policies import CONCEDE, DOWN, HOLD, UP, Observation, Policy
from detente.model.state import (
    BY_AGREEMENT,
    BY_CONCESSION,
    BY_VICTORY,
    CEASEFIRE,
    CRISIS,
    NOT_SETTLED,
    SETTLED,
    WAR,
    Modifiers,
    State,
    grid,
)
from detente.random import normal, uniform
from detente.scenario.schema import (
    NUCLEAR_ALERT_RUNG,
    NUCLEAR_USE_RUNG,
    REGIONAL_RUNG,
    WAR_RUNG,
)

__all__ = ["Model", "step"]

F64 = NDArray[np.float64]
TOP = WAR_RUNG - 1  # highest crisis rung
WEEKS_PER_YEAR = 52.1775


@dataclass(frozen=True)
class Model:
    """A scenario compiled for one policy package: structure, rules, interventions."""

    structure: Structure
    policies: tuple[tuple[Policy, NDArray[np.bool_]], ...]  # rule, (Dn, 2) roles it plays
    interventions: tuple[Intervention, ...]
    package: str

    @property
    def enforced(self) -> bool:
        """Whether any intervention of the package imposes an outcome by fiat."""
        return any(iv.enforced for iv in self.interventions)


# --------------------------------------------------------------------------- helpers


def _strength(state: State, p: Params, mods: Modifiers, which: F64) -> F64:
    """Fighting strength: troops x effectiveness x arsenal factor (R, N)."""
    # Relative to the starting arsenal; an actor that starts with (almost) none
    # keeps factor 1, and the ratio is bounded so that no power overflows.
    base = xp.where(p.arsenal > 1e-6, p.arsenal, 1.0)
    ratio = xp.where(p.arsenal > 1e-6, xp.clip(state.arsenal / base, 1e-9, 1e6), 1.0)
    factor = xp.power(ratio, p.arms_elasticity[:, None])
    return which * p.effectiveness * mods.effectiveness_mult * factor


def _war_cost(state: State, p: Params, mods: Modifiers) -> F64:
    """Effective war cost c (1 + eta m), times any sanctions (R, N)."""
    return (
        p.war_cost * mods.war_cost_mult * (1.0 + p.mobilisation_cost[:, None] * state.mobilisation)
    )


def _arms(state: State, p: Params, mods: Modifiers, st: Structure) -> F64:
    """One Richardson step of every arsenal (coefficients per year)."""
    return _bounded_arms(
        state.arsenal,
        p.arms_reaction,
        p.arms_fatigue,
        p.arms_grievance * mods.grievance_mult,
        st.hostile,
        st.step_weeks / WEEKS_PER_YEAR,
    )


def _bounded_arms(*args) -> F64:
    """Richardson's step, capped at 1e12: an unstable race runs away, but no
    economy spends without limit, and the cap keeps every later sum finite."""
    return xp.minimum(euler_step(*args), 1e12)


def _win_probability(state: State, p: Params, mods: Modifiers, st: Structure, centres: F64) -> F64:
    """Each side's believed chance of winning a war, (R, Dn, 2).

    A Tullock contest of total strength, own plus the allies an observer
    expects: alliance members weighted by its believed cohesion, aid to a
    partner as an effectiveness boost (Tullock 1980; Hirshleifer 1989).
    Alliances are counted by the rule the war step joins them by
    (:mod:`detente.model.alliances`): for the defender they are tied to, never
    for a challenger, even one inside the same alliance.
    """
    S = _strength(state, p, mods, state.forces)
    believed = mean(state.cohesion_belief, centres)  # (R, O, A)
    slot = np.zeros(st.n_actors, dtype=np.int64)
    slot[st.observers] = np.arange(len(st.observers))
    return win_probability(
        S,
        state.member,
        state.partner,
        p.partner_aid,
        believed,
        slot,
        st.challenger,
        st.defender,
        p.contest_exponent,
    )


def _shares(p: Params) -> tuple[F64, F64, F64]:
    """Status-quo share, share after conceding, and share if the other concedes (R, Dn, 2)."""
    q, dem = p.status_quo, p.demand
    s = xp.stack([q, 1.0 - q], axis=-1)
    s_concede = xp.stack([q, 1.0 - dem], axis=-1)
    s_win = xp.stack([dem, 1.0 - q], axis=-1)
    return s, s_concede, s_win


def _front_scale(state: State, p: Params, mods: Modifiers, st: Structure) -> F64:
    """What multiplies each dispute's ladder hazard (R, Dn): the intervention
    multiplier, and the forces at the front relative to the start raised to
    the hazard elasticity (more troops, more accidents)."""
    front = state.deployed[:, st.challenger] + state.deployed[:, st.defender]
    front0 = p.deployed[:, st.challenger] + p.deployed[:, st.defender]
    return (
        xp.power(
            xp.where(front0 > 0, front / xp.where(front0 > 0, front0, 1.0), 1.0),
            p.hazard_elasticity[:, None],
        )
        * mods.hazard_mult
    )


def _hazard(level: NDArray[np.int64], scale: F64, p: Params) -> F64:
    """Per-step hazard of unintended war at crisis ``level`` (R, Dn, ...):
    the ladder's hazard times :func:`_front_scale`, at most 1."""
    h = xp.take_along_axis(p.hazard, level.reshape(len(level), -1), axis=1).reshape(level.shape)
    extra_dims = level.ndim - 2
    scale = scale.reshape(scale.shape + (1,) * extra_dims)
    return xp.clip(h * scale, 0.0, 1.0)


def _violation(state: State, p: Params, mods: Modifiers, dt: float) -> F64:
    """Violence under a ceasefire as a share of war violence (R, Dn).

    The dispute's violation level, times any monitoring, times a consolidation
    factor: violations fall from their first level toward a floor as the
    ceasefire lasts, floor + (1 - floor) exp(-decay x weeks). Fortna (2004)
    finds that ceasefires grow more stable with age; the Donbas record (UCDP)
    shows the same fall after Minsk II. With decay 0 the factor is 1.
    """
    weeks = state.ceasefire_age.astype(real()) * dt
    floor = p.violation_floor
    consolidation = floor + (1.0 - floor) * xp.exp(-p.violation_decay * weeks)
    return p.ceasefire_violation * mods.violation_mult * consolidation


def _take(table: F64, level: NDArray[np.int64]) -> F64:
    return xp.take_along_axis(table, level.reshape(len(level), -1), axis=1).reshape(level.shape)


# --------------------------------------------------------------------------- the step


@dataclass(frozen=True)
class Timing:
    """What the step number decides: for each intervention, whether it starts
    now and whether it is in force; and whether this is the first step (no
    move has been seen yet).

    Eagerly these are Python bools read off ``t``. A compiled simulation
    traces one step for every ``t``; its flags are traced booleans computed
    from a schedule given as data (:meth:`scheduled`), and the step applies
    what they govern under a mask.
    """

    starting: tuple
    active: tuple
    first: object

    @classmethod
    def at(cls, model: Model, t: int) -> Timing:
        ivs = model.interventions
        return cls(
            starting=tuple(t == iv.start for iv in ivs),
            active=tuple(bool(iv.active(t)) for iv in ivs),
            first=t == 0,
        )

    @classmethod
    def scheduled(cls, t, starts, ends) -> Timing:
        """Flags for a traced step ``t``, intervention i in force on [starts[i], ends[i])."""
        n = len(starts)
        return cls(
            starting=tuple(t == starts[i] for i in range(n)),
            active=tuple((t >= starts[i]) & (t < ends[i]) for i in range(n)),
            first=t == 0,
        )


def step(
    model: Model,
    state: State,
    p: Params,
    seed: int,
    runs: NDArray[np.int64],
    timing: Timing | None = None,
) -> None:
    """Advance every run by one step, in place.

    ``timing`` is read off ``state.t`` when not given; a compiled simulation,
    whose step number is traced, passes it (see :mod:`detente.model.compiled`).
    """
    st = model.structure
    t = state.t
    if timing is None:
        timing = Timing.at(model, int(t))
    R = runs.shape[0]
    dt = st.step_weeks
    centres = xp.asarray(grid(st.bins), dtype=real())

    # 1. Interventions.
    mods = _interventions(model, state, p, seed, runs, timing)
    # Peace as it stands: each side's value of fighting now against that of
    # the ceasefire or settlement in force (judged at the start of the week).
    peace = _peace_values(state, p, mods, st, centres) if _peace_matters(state, p, mods) else None
    # Only settlements in force now can break this week (after the talks,
    # step 6b): one struck this week, by concession or agreement, is judged
    # from the next, with that week's values.
    settled_before = state.phase == SETTLED
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
    capped = xp.minimum(
        state.posture, mods.posture_cap[:, np.stack([st.challenger, st.defender], 1)]
    )
    live = (state.phase == CRISIS) | (state.phase == CEASEFIRE)
    state.posture = xp.where(live[..., None], capped, state.posture)
    state.rung = xp.where(live, state.posture.max(axis=2), state.rung)

    # 2. Arms (Richardson), coefficients per year.
    state.arsenal = _arms(state, p, mods, st)

    # 3. Signals and beliefs.
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
    state.belief = gaussian_update(state.belief, centres, signal, sd)
    n_al = state.cohesion.shape[1]
    if n_al:
        n_obs = len(st.observers)
        csd = xp.broadcast_to(p.cohesion_signal_noise[:, None, None], (R, n_obs, n_al))
        noise = normal(seed, "signal.cohesion", t, runs, (st.n_actors, n_al))[:, st.observers]
        csig = state.cohesion[:, None, :] + csd * noise
        state.cohesion_belief = gaussian_update(state.cohesion_belief, centres, csig, csd)

    # 3b-4. Costly signals and decisions, for the runs with a dispute in crisis.
    # Working on those rows alone gives the same numbers (every operation is
    # row-wise) for a fraction of the cost once most runs are at war or settled.
    # A compiled step computes every row and masks (no data-dependent shapes).
    crisis = state.phase == CRISIS
    sides = np.stack([st.challenger, st.defender], axis=1)  # (Dn, 2)
    live = np.flatnonzero(crisis.any(axis=1)) if eager() else None
    no_one = xp.zeros(state.complying.shape, dtype=bool)
    if live is None:  # compiled: skipped only when no run at all is in crisis
        choice, state.memory, state.belief, comply = branch(
            crisis.any(),
            lambda: _decide(model, state, p, mods, seed, runs, centres, timing),
            lambda: (xp.full(state.posture.shape, HOLD), state.memory, state.belief, no_one),
        )
    elif len(live) == R:
        choice, state.memory, state.belief, comply = _decide(
            model, state, p, mods, seed, runs, centres, timing
        )
    else:
        choice = xp.full((R, st.n_disputes, 2), HOLD, dtype=xp.int64)
        comply = no_one
        if len(live):
            sub_state, sub_p, sub_mods = _on_rows(live, R, state, p, mods)
            ch, mem, belief, cm = _decide(
                model, sub_state, sub_p, sub_mods, seed, runs[live], centres, timing
            )
            choice[live] = ch
            state.memory[live] = mem
            state.belief[live] = belief
            comply[live] = cm
    choice = xp.where(crisis[..., None], choice, HOLD)
    choice = _keep_commitments(state, mods, st, comply, choice)

    # 5. Resolution: concessions settle, a climb from the top crisis rung is war.
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
            sides = np.stack([st.challenger, st.defender], axis=1)
            beta = p.rationality[:, sides]
            gap = peace.war_cf - peace.ceasefire - p.audience_cost[:, sides]
            h_cf = _breaking(
                p.ceasefire_breakdown, p.renege_rate, gap, beta, 0.0, 1.0 - mods.breakdown_mult
            )
        u_break = uniform(seed, "hazard.ceasefire", t, runs, (st.n_disputes,))
        breakdown = in_ceasefire & (u_break < h_cf)
    state.ceasefire_breakdowns = state.ceasefire_breakdowns + breakdown
    _start_war(state, (crisis & (chose_war | slide)) | breakdown, t)

    # 6. Negotiation.
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
        _settle(state, acc, off, BY_AGREEMENT, t)
        state.rounds = xp.where(talking, state.rounds + 1, state.rounds)

    # 6b. Settlements come apart, after the week's talks: a broken agreement
    # cannot be signed again before the next round.
    if peace is not None:
        _agreements_break(state, p, mods, st, peace, seed, runs, centres, settled_before)

    # 7. War (and the fighting of violated ceasefires).
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
    state.t = t + 1


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


def on_rows(
    live: NDArray[np.int64],
    state: State,
    p: Params,
    runs: NDArray[np.int64],
    advance,
) -> None:
    """Apply ``advance(sub_state, sub_params, sub_runs)`` to rows ``live``; write them back.

    Every operation of the engine is row-wise, so advancing a subset of runs
    gives the same numbers as advancing them with the rest.
    """
    R = state.phase.shape[0]
    if len(live) == R:
        advance(state, p, runs)
        return
    sub = _rows(state, live, R)
    advance(sub, _rows(p, live, R), runs[live])
    for f in fields(state):
        v = getattr(state, f.name)
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == R:
            v[live] = getattr(sub, f.name)


def _on_rows(live: NDArray[np.int64], runs: int, state: State, p: Params, mods: Modifiers):
    """State, parameters and modifiers restricted to the rows ``live``, read-only.

    Each array is indexed when first read (a decision reads a third of the
    parameters), so the subset costs what is used of it.
    """
    if len(live) == runs:
        return state, p, mods
    return _RowView(state, live, runs), _RowView(p, live, runs), _RowView(mods, live, runs)


class _RowView:
    """Rows ``idx`` of a dataclass of per-run arrays, each indexed on first access."""

    def __init__(self, obj, idx: NDArray[np.int64], runs: int) -> None:
        self.__dict__["_of"] = (obj, idx, runs)

    def __getattr__(self, name: str):
        obj, idx, runs = self.__dict__["_of"]
        v = getattr(obj, name)
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == runs:
            v = v[idx]
        self.__dict__[name] = v  # found there next time, without __getattr__
        return v


def _rows(obj, idx: NDArray[np.int64], runs: int):
    """The same dataclass with every per-run array restricted to rows ``idx``."""
    changes = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == runs:
            changes[f.name] = v[idx]
    return replace(obj, **changes)


def _decide(
    model: Model,
    state: State,
    p: Params,
    mods: Modifiers,
    seed: int,
    runs: NDArray[np.int64],
    centres: F64,
    timing: Timing,
):
    """Costly-signal updates, then each role's choice through its policy.

    Returns (choice, memory, belief) for the rows given; the state passed in
    may be a row subset, so nothing here writes to it except through the
    returned arrays.
    """
    st = model.structure
    t = state.t
    pwin = _win_probability(state, p, mods, st, centres)
    cost = _war_cost(state, p, mods)
    s, s_concede, s_win = _shares(p)
    sides = np.stack([st.challenger, st.defender], axis=1)  # (Dn, 2)
    r_own = p.resolve[:, sides]  # (R, Dn, 2)
    c_own = cost[:, sides]
    a_own = p.audience_cost[:, sides]
    belief = state.belief
    scale = _front_scale(state, p, mods, st)
    if timing.first is not True:
        updated = _behaviour_update(
            state, p, mods, st, pwin, c_own, a_own, s, s_concede, s_win, centres, scale
        )
        belief = updated if timing.first is False else xp.where(timing.first, belief, updated)
    look = _outlook(state, p, mods, st, pwin, r_own, c_own, centres, belief)
    U, pc_up, talks = _utilities(
        state, belief, p, mods, st, pwin, r_own, c_own, a_own, look, centres, scale
    )
    comply = _compliance(
        state, belief, p, mods, st, pwin, r_own, c_own, a_own, look, centres, scale, U, talks
    )
    u = uniform(seed, "decision", t, runs, (st.n_disputes, 2))
    choice = xp.full(state.posture.shape, HOLD, dtype=xp.int64)
    memory = xp.array(state.memory)  # a copy: written below
    beta = p.rationality[:, sides]
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
        choice = put(choice, where, ch)
        memory = put(memory, where, mem)
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


def _war_gain(pwin, s, s_concede, s_win):
    """Expected change in own share from a war: it ends at s_win with chance p, else at s_c.

    A war is fought over the stake in play: victory gives the challenger its
    demand (the defender keeps the status quo), defeat the reverse, exactly as
    the war step settles a war. So the challenger's gain is p (demand - q)
    and the defender's -(1 - p)(demand - q).
    """
    return pwin * s_win + (1.0 - pwin) * s_concede - s


def _threshold_terms(pwin_opp, c_opp, a_opp, posture_opp, s_opp, sc_opp, sw_opp, war_risk, k):
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


def _stand_probability(belief_shape_centres, den, num, beta):
    """Chance each type stands, logit in the utility gap (R, ..., G)."""
    gap = belief_shape_centres * den[..., None] - num[..., None]
    return 1.0 / (1.0 + xp.exp(-xp.clip(beta[..., None] * gap, -50, 50)))


def _war_risk(level, scale, p, st) -> F64:
    """Chance of unintended war within the look-ahead at crisis ``level``: 1 - (1 - h)^H."""
    return 1.0 - xp.power(1.0 - _hazard(level, scale, p), st.lookahead)


def _behaviour_update(
    state, p, mods, st, pwin, c_own, a_own, s, s_concede, s_win, centres, scale
) -> F64:
    """Costly signals: a side that stood (held or climbed) at the crisis level is
    likelier a type that would stand there; one that stepped down, likelier a
    type that would not stand at its former rung. Weights floor at 0.02 (a
    trembling hand), so no type is ever ruled out by one move."""
    crisis = state.phase == CRISIS
    belief = xp.array(state.belief)  # a copy: written below
    sides = np.stack([st.challenger, st.defender], 1)
    for side in (0, 1):
        other = 1 - side
        seen = 1.0 - pwin[:, :, other]  # the mover's chance of winning, as the observer sees it
        beta = p.rationality[:, sides[:, side]]

        def stands(posture, side=side, seen=seen, beta=beta):
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
        for d in range(st.n_disputes):
            upd = likelihood_update(belief[:, pair[d]], lik[:, d])
            kept = xp.where(crisis[:, d, None], upd, belief[:, pair[d]])
            belief = put(belief, (slice(None), pair[d]), kept)
    return belief


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


def _outlook(state, p, mods, st, pwin, r_own, c_own, centres, belief) -> Outlook:
    """Shares, war payoffs and the commitment problem as each side sees them."""
    s, s_concede, s_win = _shares(p)
    gain_war = _war_gain(pwin, s, s_concede, s_win)
    stake = p.demand - p.status_quo
    sides = np.stack([st.challenger, st.defender], axis=1)
    r_hat_opp = xp.stack(
        [mean(belief[:, st.role_pair[:, side]], centres) for side in (0, 1)], axis=-1
    )
    c_opp = p.war_cost_belief[:, sides[:, ::-1]]
    shift = _projected_shift(state, p, mods, st, pwin)
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


def _projected_shift(state, p, mods, st, pwin) -> F64:
    """The challenger's forecast change in its chance of winning over the look-ahead (R, Dn).

    Richardson's arms race run forward for the look-ahead (each side's
    strength grows with its arsenal to the arms elasticity, as in
    :func:`_strength`), plus the dispute's declared ``power_shift`` for what
    the engine does not project (alliance entry, deliveries, mobilisation).
    """
    x0 = state.arsenal
    step_change = _arms(state, p, mods, st) - x0
    ahead = xp.maximum(x0 + st.lookahead * step_change, 1e-9)
    ratio = xp.where(p.arsenal > 1e-6, ahead / xp.maximum(x0, 1e-9), 1.0)
    grow = xp.power(ratio, p.arms_elasticity[:, None])
    m = xp.power(grow[:, st.challenger] / grow[:, st.defender], p.contest_exponent[:, None])
    pc = pwin[:, :, 0]
    future = pc * m / xp.maximum(pc * m + 1.0 - pc, 1e-12)
    return xp.clip(future + p.power_shift, 0.0, 1.0) - pc


def _coefficients(
    state, belief, p, mods, st, pwin, a_own, look: Outlook, centres, scale, posture=None
):
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
    sides = np.stack([st.challenger, st.defender], 1)
    cap = mods.posture_cap[:, sides]
    commit = mods.commit_cap[:, sides]
    # Only an actor that took a commitment up pays for breaking it.
    penalty = xp.where(state.complying[:, sides], mods.commit_penalty[:, sides], 0.0)
    cost = _war_cost(state, p, mods)
    opp_c, opp_a = cost[:, sides][:, :, ::-1], a_own[:, :, ::-1]
    s, sc, sw = look.s, look.s_concede, look.s_win
    opp_s, opp_sc, opp_sw = s[:, :, ::-1], sc[:, :, ::-1], sw[:, :, ::-1]
    keep_win, keep_sq = look.kept(sw) - s, look.kept(s) - s
    a_cols, bc_cols, k_cols, calm = [], [], [], []
    pc_up = None
    for delta in (-1, 0, 1):  # DOWN, HOLD, UP
        new = post + delta
        valid = (new >= 0) & (new <= xp.minimum(TOP, cap))
        level = xp.maximum(xp.clip(new, 0, TOP), opp_post)
        risk = _war_risk(level, scale, p, st)
        k = _take(p.posture_cost, level)
        den, num = _threshold_terms(
            1.0 - pwin, opp_c, opp_a, opp_post, opp_s, opp_sc, opp_sw, risk, k
        )
        pc = xp.stack(
            [
                (belief[:, st.role_pair[:, side]] * (
                    centres * den[:, :, side, None] < num[:, :, side, None])).sum(axis=-1)
                for side in (0, 1)
            ],
            axis=-1,
        )
        a_cols.append(pc * keep_win + (1.0 - pc) * (risk * look.gain_war + (1.0 - risk) * keep_sq))
        bc_cols.append(-(1.0 - pc) * risk)
        calm.append((1.0 - pc) * (1.0 - risk))
        extra = k + (a_own / TOP if delta < 0 else 0.0) + xp.where(new > commit, penalty, 0.0)
        k_cols.append(xp.where(valid, -extra, -xp.inf))
        if delta == 1:
            pc_up = pc
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


def _utilities(state, belief, p, mods, st, pwin, r_own, c_own, a_own, look, centres, scale):
    """One-step look-ahead utilities of DOWN, HOLD, UP, CONCEDE, (R, Dn, 2, 4).

    The lines of :func:`_coefficients` at the chooser's own type, plus, where
    a channel is open, what talks add when neither a concession nor a war
    comes: the midpoint between the side's value of going on without a deal
    (its best option, :func:`~detente.model.bargaining.disagreement`) and
    its value of the best deal the other side would accept as it sees it,
    in place of the status quo. No deal exists where the other's need lies
    beyond the divisible range or leaves the side worse off than going on.
    """
    coef, pc_up, calm = _coefficients(
        state, belief, p, mods, st, pwin, a_own, look, centres, scale
    )
    U = r_own[..., None] * coef.a + c_own[..., None] * coef.bc + coef.k
    talks = xp.zeros_like(r_own)
    if not eager() or mods.channel_open.any():
        # (1 - Pc)(1 - w), the weight of the status quo in an option's line,
        # is the weight of what talks bring instead.
        talks = _talks_value(coef, belief, p, st, r_own, c_own, look, centres)
        talks = xp.where(mods.channel_open[..., None], talks, 0.0)
        U = U + calm * talks[..., None]
    return U, pc_up, talks


def _compliance(state, belief, p, mods, st, pwin, r_own, c_own, a_own, look, centres, scale,
                U, talks):
    """Which actors take up a withdrawal commitment this week, (R, N) (model-spec V2.5).

    An actor under a commitment it does not yet keep compares, over the
    disputes it is party to, holding at the cap with its forces pulled back
    (lower hazards through the hazard elasticity, less at the front, the
    audience cost of stepping down) against its best option as things are
    (where climbing above the cap carries the commitment's penalty). It
    complies when the first is worth at least the second.
    """
    sides = np.stack([st.challenger, st.defender], axis=1)
    committed = (mods.commit_cap < TOP) | (mods.commit_pullback > 0)
    # An actor that broke its commitment is not offered it again.
    open_ = committed & ~state.complying & ~state.broke_commitment
    pending = open_[:, sides] & (state.phase == CRISIS)[..., None]
    none = xp.zeros(state.complying.shape, dtype=bool)
    if eager() and not pending.any():
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
            total = put(total, (slice(None), a), total[:, a] + gain[:, d, side])
            any_role = put(any_role, (slice(None), a), any_role[:, a] | pending[:, d, side])
    return any_role & (total >= 0.0)


def _war_threat(coef: Coefficients, belief, p, st, centres, war_gain) -> F64:
    """Chance, in each side's belief, that the other side prefers war to the crisis (R, Dn, 2).

    Rejecting an offer leaves the other side free to fight: the types of it
    (on the belief grid, with its expected cost of war) whose war payoff
    r g - c beats every way of going on in the crisis would.
    """
    sides = np.stack([st.challenger, st.defender], axis=1)
    opp = Coefficients(coef.a[:, :, ::-1], coef.bc[:, :, ::-1], coef.k[:, :, ::-1])
    c_opp = p.war_cost_belief[:, sides[:, ::-1]]
    types = xp.broadcast_to(centres, c_opp.shape + centres.shape)
    if st.complete_information:  # the other's resolve is known exactly, not by its bin
        types = xp.broadcast_to(p.resolve[:, sides[:, ::-1]][..., None], types.shape)
    lines = (
        types[..., None] * opp.a[..., None, :]
        + c_opp[..., None, None] * opp.bc[..., None, :]
        + opp.k[..., None, :]
    )  # (R, Dn, 2, G, 4)
    war = types * war_gain[:, :, ::-1, None] - c_opp[..., None]
    at_war_rung = (opp.bc[..., 2] == -1.0)[..., None]  # there UP is the war line itself
    climb = xp.where(at_war_rung, -xp.inf, lines[..., 2])
    others = xp.maximum(xp.maximum(lines[..., 0], lines[..., 1]),
                        xp.maximum(lines[..., 3], climb))
    about_opp = xp.stack([belief[:, st.role_pair[:, s]] for s in (0, 1)], axis=2)
    return (about_opp * (war > others)).sum(axis=-1)


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


def _talks_value(coef, belief, p, st, r_own, c_own, look: Outlook, centres) -> F64:
    """What talks add, for each side, over the status quo it would otherwise keep (R, Dn, 2)."""
    sides = np.stack([st.challenger, st.defender], axis=1)
    threat = _war_threat(coef, belief, p, st, centres, look.gain_war)
    d = _rejecting(coef, threat, look.gain_war, r_own, c_own)
    r_hat_opp = xp.stack(
        [mean(belief[:, st.role_pair[:, side]], centres) for side in (0, 1)], axis=-1
    )
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


def _settle(state: State, mask, terms, how: int, t: int) -> None:
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
    """Whether any run has a ceasefire on offer or a peace that can break (eager only)."""
    if not eager():
        return True
    # Any settlement or unenforced ceasefire can be broken by choice, whatever
    # its hazards of accident.
    at_risk = (state.phase == SETTLED) | ((state.phase == CEASEFIRE) & ~mods.ceasefire)
    return bool((mods.ceasefire_offer & (state.phase == WAR)).any() or at_risk.any())


def _peace_values(state: State, p: Params, mods: Modifiers, st: Structure, centres) -> Peace:
    pwin = _win_probability(state, p, mods, st, centres)
    sides = np.stack([st.challenger, st.defender], axis=1)
    r_own = p.resolve[:, sides]
    c_own = _war_cost(state, p, mods)[:, sides]
    look = _outlook(state, p, mods, st, pwin, r_own, c_own, centres, state.belief)
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


def _breaking(base, rate, gap, beta, protection, accident_protection) -> F64:
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
    state, p, mods, st, peace: Peace, seed, runs, centres, settled_before
) -> None:
    """Settlements come apart at the hazard of :func:`breakdown_hazard`; the crisis reopens.

    It reopens at the rung it had reached, and every observer learns from
    it: the side with the larger incentive to renege is taken to be the one
    that broke, and beliefs about it move toward resolved types.
    """
    # Only what was settled can come apart: a dispute slot that no crisis has
    # opened yet (the world's dormant claims) holds no agreement to break.
    settled = (state.phase == SETTLED) & settled_before & (state.settled_by != NOT_SETTLED)
    if eager() and not settled.any():
        return
    sides = np.stack([st.challenger, st.defender], axis=1)
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
    if eager() and not brk.any():
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
            upd = likelihood_update(belief[:, pair], lik)
            belief = put(belief, (slice(None), pair), xp.where(hit[:, None], upd,
                                                                belief[:, pair]))
    state.belief = belief


def _keep_commitments(state: State, mods: Modifiers, st: Structure, comply, choice):
    """Actors that now take up a withdrawal commitment pull back and step down to its cap.

    Whether to comply was each actor's choice (:func:`_compliance`); once it
    complies, the rung and forces follow, and its move this week is to hold
    at the cap.
    """
    if eager() and not comply.any():
        return choice
    sides = np.stack([st.challenger, st.defender], axis=1)
    live = (state.phase == CRISIS) | (state.phase == CEASEFIRE)
    roles = comply[:, sides] & live[..., None]  # (R, Dn, 2): along a ceasefire line too
    cap = mods.commit_cap[:, sides]
    state.posture = xp.where(roles, xp.minimum(state.posture, cap), state.posture)
    state.deployed = xp.where(comply, state.deployed * (1.0 - mods.commit_pullback),
                              state.deployed)
    state.complying = state.complying | comply
    return xp.where(roles, HOLD, choice)


def _note_breaches(state: State, mods: Modifiers, st: Structure, to_war) -> None:
    """An actor that climbs above the cap it committed to has broken its commitment.

    Only a climb this week counts (a move up, or the choice of war, in a
    dispute still open), not a posture it held when it took the commitment up.
    """
    sides = np.stack([st.challenger, st.defender], axis=1)
    live = ((state.phase == CRISIS) | (state.phase == CEASEFIRE))[..., None]
    above = state.posture > mods.commit_cap[:, sides]
    climbed = above & (state.last_move > 0) & live
    above_role = climbed | (to_war & (mods.commit_cap[:, sides] < TOP))
    broke = xp.zeros(state.complying.shape, dtype=bool)
    for d in range(st.n_disputes):
        for side in (0, 1):
            a = sides[d, side]
            broke = put(broke, (slice(None), a), broke[:, a] | above_role[:, d, side])
    broke = broke & state.complying
    state.broke_commitment = state.broke_commitment | broke
    state.complying = state.complying & ~broke


def _start_war(state: State, mask, t: int) -> None:
    mask = mask & ((state.phase == CRISIS) | (state.phase == CEASEFIRE))
    state.phase = xp.where(mask, WAR, state.phase)
    state.rung = xp.where(mask, WAR_RUNG, state.rung)
    state.war_onset = xp.where(mask & (state.war_onset < 0), t, state.war_onset)
    state.rounds = xp.where(mask, 0, state.rounds)


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
    pwin = _win_probability(state, p, mods, st, centres)
    sides = np.stack([st.challenger, st.defender], axis=1)
    r_own = p.resolve[:, sides]
    c_own = _war_cost(state, p, mods)[:, sides]
    a_own = p.audience_cost[:, sides]
    belief = state.belief
    look = _outlook(state, p, mods, st, pwin, r_own, c_own, centres, belief)
    coef, _, _ = _coefficients(
        state, belief, p, mods, st, pwin, a_own, look, centres, _front_scale(state, p, mods, st)
    )
    # At war the only way on is the war: its line is r g - c.
    at_war = (state.phase == WAR)[..., None, None]
    only_war = xp.arange(4) == 2
    coef = Coefficients(
        a=xp.where(at_war, xp.where(only_war, look.gain_war[..., None], 0.0), coef.a),
        bc=xp.where(at_war, xp.where(only_war, -1.0, 0.0), coef.bc),
        k=xp.where(at_war, xp.where(only_war, 0.0, -xp.inf), coef.k),
    )
    threat = _war_threat(coef, belief, p, st, centres, look.gain_war)
    d = _rejecting(coef, threat, look.gain_war, r_own, c_own)  # (R, Dn, 2)
    cp = state.rounds % 2 == 0
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
    c_r = responder(p.war_cost_belief[:, sides])[..., None]
    q_r, g_r = responder(threat)[..., None], responder(look.gain_war)[..., None]
    war_types = edges * g_r - c_r
    going_on = (edges[:, None] * a_r + c_r[..., None] * bc_r + k_r).max(axis=-1)
    d_types = (1.0 - q_r) * xp.maximum(going_on, war_types) + q_r * war_types  # (R, Dn, G)
    belief_about_resp = xp.where(
        cp[..., None], belief[:, st.role_pair[:, 0]], belief[:, st.role_pair[:, 1]]
    )
    accept, offer = negotiate(
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
    return open_ & accept, offer


def _war(state, p, mods, st, seed, runs, dt, violation) -> None:
    """Lanchester square-law attrition between the two sides' deployed forces.

    Each side is its disputant plus the allies who joined; an actor fighting
    several wars splits its forces between them. Under a ceasefire the same
    attrition runs at the violation intensity (the low-level fighting of an
    often-violated ceasefire). Battles move territory toward the stronger
    side; a side whose front collapses loses.
    """
    at_war = state.phase == WAR
    intensity = xp.where(at_war, 1.0, 0.0)
    intensity = xp.where(state.phase == CEASEFIRE, violation, intensity)
    if eager() and not (intensity > 0).any():
        return  # nothing is fought anywhere: the rest would change nothing
    Dn = at_war.shape[1]
    t = state.t
    # Escalation inside war: 6 -> 7 spreads the war; 7 -> 8 -> 9 need a nuclear power.
    nuclear_side = (
        st.nuclear[st.challenger][None, :]
        | st.nuclear[st.defender][None, :]
        | (state.joined & st.nuclear).any(axis=2)
    )
    # A war becomes regional (7) only where an alliance is tied to a disputant;
    # otherwise a war with a nuclear power can climb straight to the alert (8).
    ties = state.member | state.partner  # (R, A, N)
    tied = ties[:, :, st.challenger].any(axis=1) | ties[:, :, st.defender].any(axis=1)
    at_six = state.rung < REGIONAL_RUNG
    allowed = (at_six & (tied | nuclear_side)) | (
        ~at_six & (state.rung < NUCLEAR_USE_RUNG) & nuclear_side
    )
    climb = at_war & allowed
    if not eager() or climb.any():  # else no draw can make a war climb
        climb = climb & (
            uniform(seed, "hazard.war-rung", t, runs, (Dn,)) < _take(p.hazard, state.rung)
        )
    target = xp.where(at_six & ~tied, NUCLEAR_ALERT_RUNG, state.rung + 1)
    state.rung = xp.where(climb, target, state.rung)
    # Allies join at the regional rung: each member of an alliance the defender
    # is a member of chooses by its expected value (alliances.join_value); a
    # partner gets aid only. Its draw is one per dispute and member, so a member
    # that stayed out joins later only if its value rises (the defender losing).
    regional = at_war & (state.rung >= REGIONAL_RUNG)
    if st.member.shape[0] and (not eager() or regional.any()):
        _join(state, p, mods, st, regional, uniform(seed, "war.join", 0, runs, (Dn, st.n_actors)))
    nuke = climb & (state.rung == NUCLEAR_USE_RUNG)
    first_use = nuke.any(axis=1) & ~state.nuclear_used
    state.nuclear_deaths = state.nuclear_deaths + xp.where(first_use, p.nuclear_use_deaths, 0.0)
    state.nuclear_used = state.nuclear_used | nuke.any(axis=1)

    # Attrition. Participation (R, Dn, N): which side each actor fights on.
    fighting_d = intensity > 0
    actors = np.arange(st.n_actors)
    on_c = (actors == st.challenger[:, None]) & fighting_d[..., None]  # (R, Dn, N)
    on_d = ((actors == st.defender[:, None]) | state.joined) & fighting_d[..., None]
    wars_of = (on_c | on_d).sum(axis=1)  # (R, N)
    share = 1.0 / xp.maximum(wars_of, 1).astype(real())
    aid = 1.0 + (
        state.partner.transpose(0, 2, 1) * (p.partner_aid * state.cohesion)[:, None, :]
    ).sum(axis=2)
    power = _strength(state, p, mods, state.deployed) * share * aid  # (R, N)
    troops = state.deployed * share
    A = (on_c * troops[:, None, :]).sum(axis=2)
    Bf = (on_d * troops[:, None, :]).sum(axis=2)
    alpha = (on_c * power[:, None, :]).sum(axis=2)  # casualties A inflicts per week
    beta = (on_d * power[:, None, :]).sum(axis=2)
    balance = (alpha - beta) / xp.maximum(alpha + beta, 1e-12)
    # The tempo of a high-intensity war (detente.model.front; 1 by default).
    intensity = intensity * front.tempo(at_war, balance, state.war_steps * dt, p)
    loss_a, loss_b = square_law_losses(
        A,
        Bf,
        intensity * alpha / xp.maximum(A, 1e-12),
        intensity * beta / xp.maximum(Bf, 1e-12),
        dt,
    )
    # Spread each side's losses over its members in proportion to their troops.
    w_c = on_c * troops[:, None, :] / xp.maximum(A, 1e-12)[..., None]
    w_d = on_d * troops[:, None, :] / xp.maximum(Bf, 1e-12)[..., None]
    losses = (w_c * loss_a[..., None] + w_d * loss_b[..., None]).sum(axis=1)  # (R, N)
    losses = xp.minimum(losses, state.deployed)
    state.deployed = state.deployed - losses
    state.forces = xp.maximum(state.forces - losses, state.deployed)
    state.military_deaths = state.military_deaths + p.death_share[:, None] * losses * 1000.0
    # Fronts are kept up wherever there is fighting, in war and along a
    # violated ceasefire line alike (otherwise a ceasefire's front would
    # dwindle to nothing over the years; Donbas's did not).
    engaged = (on_c | on_d).any(axis=1)
    _call_up_and_aid(state, p, on_c, on_d, at_war, dt)
    state.deployed = xp.where(
        engaged,
        state.deployed + p.reinforcement[:, None] * dt * (state.forces - state.deployed),
        state.deployed,
    )
    state.war_steps = state.war_steps + at_war
    # Territory moves toward the stronger side.
    before = state.territory
    state.territory = xp.where(
        at_war,
        xp.clip(state.territory + p.territory_rate[:, None] * dt * balance, 0.0, 1.0),
        state.territory,
    )
    state.front_moved = xp.abs(state.territory - before)
    # Collapse: a front below its share of the forces it began with loses; so
    # does a defender that has lost the whole contested territory.
    c_front = state.deployed[:, st.challenger] / xp.maximum(p.deployed[:, st.challenger], 1e-12)
    d_front = state.deployed[:, st.defender] / xp.maximum(p.deployed[:, st.defender], 1e-12)
    c_lost = at_war & (c_front < p.collapse[:, None])
    d_lost = at_war & ~c_lost & ((d_front < p.collapse[:, None]) | (state.territory >= 1.0))
    _settle(state, c_lost, p.status_quo, BY_VICTORY, t)
    _settle(state, d_lost, p.demand, BY_VICTORY, t)


def _join(state: State, p: Params, mods: Modifiers, st: Structure, regional, u) -> None:
    """Members join the defender's war by their choice (R, Dn, N); see alliances.join_value."""
    centres = xp.asarray(grid(st.bins), dtype=real())
    slot = np.zeros(st.n_actors, dtype=np.int64)
    slot[st.observers] = np.arange(len(st.observers))
    believed = mean(state.cohesion_belief, centres)[:, slot[st.defender], :]  # (R, Dn, A)
    value, may = join_value(
        _strength(state, p, mods, state.forces),
        state.member,
        state.partner,
        p.partner_aid,
        state.cohesion,
        believed,
        state.joined,
        p.resolve,
        _war_cost(state, p, mods),
        p.demand - p.status_quo,
        st.challenger,
        st.defender,
        p.contest_exponent,
    )
    join = regional[..., None] & may & (u < join_chance(p.rationality, value))
    state.joined = state.joined | join


def _call_up_and_aid(state: State, p: Params, on_c, on_d, at_war, dt: float) -> None:
    """Each actor at war calls up its reserve and receives its allies' aid
    (detente.model.front); nothing changes where neither is set."""
    if eager() and not ((p.recruitment > 0).any() or (p.aid_flow > 0).any()):
        return
    warring = ((on_c | on_d) & at_war[..., None]).any(axis=1)  # (R, N)
    state.forces, state.reserve = front.call_up(state.forces, state.reserve, p, warring, dt)
    state.arsenal = state.arsenal + front.aid_delivered(
        state.partner, state.cohesion, p, warring, dt / WEEKS_PER_YEAR
    )


def _civilians(state, p, st, runs, dt, military_losses, violation, mods) -> None:
    """Civilian deaths, displacement and return (model-spec steps 8 and 9).

    new displaced = (1 - exp(-delta v dt)) x people in place; a share phi
    crosses a border. People return at rate omega where no dispute of the
    actor is at war, and at the war return rates where one is. A high-intensity
    war adds a wave of flight at its start and flight from a moving front
    (:mod:`detente.model.front`); ``exits`` counts the border crossings out.
    Mobilisation grows with the actor's own deaths and organised campaigns
    and decays otherwise.
    """
    v_rung = _take(p.violence, state.rung)
    v = xp.where(state.phase == WAR, v_rung, 0.0)
    v = xp.where(state.phase == CRISIS, v_rung, v)
    v = xp.where(
        state.phase == CEASEFIRE,
        p.violence[:, [WAR_RUNG]] * violation,
        v,
    )
    # Each actor is exposed to the worst violence of the disputes it is party to.
    R = runs.shape[0]
    at_war = state.phase == WAR
    exposure, war_any, weeks, moved = [], [], [], []
    zero = xp.zeros(R, dtype=v.dtype)
    for a in range(st.n_actors):
        ds = np.flatnonzero((st.challenger == a) | (st.defender == a))
        exposure.append(v[:, ds].max(axis=1) if len(ds) else zero)
        war_any.append(at_war[:, ds].any(axis=1) if len(ds) else xp.zeros(R, dtype=bool))
        # How long the actor's war has lasted, and how far its fronts moved.
        weeks.append(state.war_steps[:, ds].max(axis=1) * dt if len(ds) else zero)
        moved.append(
            xp.where(at_war[:, ds], state.front_moved[:, ds], 0.0).sum(axis=1) if len(ds) else zero
        )
    exposure, war_any = xp.stack(exposure, axis=1), xp.stack(war_any, axis=1)
    weeks, moved = xp.stack(weeks, axis=1), xp.stack(moved, axis=1)
    displaced = state.idps + state.refugees
    in_place = xp.maximum(p.population - displaced - state.civilian_deaths, 0.0)
    dead = xp.minimum(in_place, p.civilian_lethality[:, None] * exposure * dt * in_place)
    in_place = in_place - dead
    # Bombardment and fighting at the actor's exposure, with the wave of a
    # war's first weeks and flight from a moving front (detente.model.front).
    hazard = front.flight_hazard(p.displacement_rate[:, None] * exposure * dt, weeks, moved, p)
    fled = in_place * -xp.expm1(-hazard)
    state.civilian_deaths = state.civilian_deaths + dead
    phi = p.refugee_share[:, None]
    ret_idp = front.returns(war_any, p.return_rate, p.war_return_rate, dt)
    ret_ref = front.returns(war_any, p.return_rate, p.refugee_war_return_rate, dt)
    state.idps = state.idps * (1.0 - ret_idp) + (1.0 - phi) * fled
    state.refugees = state.refugees * (1.0 - ret_ref) + phi * fled
    state.exits = state.exits + phi * fled
    state.displaced_peak = xp.maximum(
        state.displaced_peak, (state.idps + state.refugees).sum(axis=1)
    )
    # Mobilisation: each actor's own deaths this step, per 10,000.
    m = state.mobilisation
    growth = (
        p.mobilisation_growth[:, None] * (dead + military_losses) / 1e4 + mods.mobilisation_push
    )
    state.mobilisation = xp.clip(m + dt * (growth - p.mobilisation_decay[:, None] * m), 0.0, 1.0)
