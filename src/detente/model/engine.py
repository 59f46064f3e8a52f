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
from detente.classic.fearon import screening_offer
from detente.classic.lanchester import square_law_losses
from detente.classic.richardson import euler_step
from detente.model.alliances import win_probability
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
    imposed = mods.ceasefire & (state.phase == WAR)
    if not eager() or imposed.any():  # else none of the three changes anything
        state.phase = xp.where(imposed, CEASEFIRE, state.phase)
        state.posture = xp.where(imposed[..., None], xp.minimum(state.posture, TOP), state.posture)
        state.rung = xp.where(imposed, state.posture.max(axis=2), state.rung)
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
    if live is None:  # compiled: skipped only when no run at all is in crisis
        choice, state.memory, state.belief = branch(
            crisis.any(),
            lambda: _decide(model, state, p, mods, seed, runs, centres, timing),
            lambda: (xp.full(state.posture.shape, HOLD), state.memory, state.belief),
        )
    elif len(live) == R:
        choice, state.memory, state.belief = _decide(
            model, state, p, mods, seed, runs, centres, timing
        )
    else:
        choice = xp.full((R, st.n_disputes, 2), HOLD, dtype=xp.int64)
        if len(live):
            sub_state, sub_p, sub_mods = _on_rows(live, R, state, p, mods)
            ch, mem, belief = _decide(
                model, sub_state, sub_p, sub_mods, seed, runs[live], centres, timing
            )
            choice[live] = ch
            state.memory[live] = mem
            state.belief[live] = belief
    choice = xp.where(crisis[..., None], choice, HOLD)

    # 5. Resolution: concessions settle, a climb from the top crisis rung is war.
    cap = mods.posture_cap[:, sides]
    move = xp.where(choice == UP, 1, xp.where(choice == DOWN, -1, 0))
    new_posture = xp.clip(state.posture + move, 0, None)
    chose_war = (new_posture > TOP).any(axis=2) & crisis
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
    crisis = state.phase == CRISIS
    state.rung = xp.where(crisis, state.posture.max(axis=2), state.rung)
    h = _hazard(state.rung, _front_scale(state, p, mods, st), p)
    slide = uniform(seed, "hazard.war", t, runs, (st.n_disputes,)) < h
    in_ceasefire = (state.phase == CEASEFIRE) & ~mods.ceasefire
    if eager() and not in_ceasefire.any():
        breakdown = in_ceasefire  # all False: no draw can break a ceasefire
    else:
        u_break = uniform(seed, "hazard.ceasefire", t, runs, (st.n_disputes,))
        breakdown = in_ceasefire & (u_break < p.ceasefire_breakdown * mods.breakdown_mult)
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
    U, pc_up = _utilities(
        state, belief, p, mods, st, pwin, r_own, c_own, a_own, s, s_concede, s_win, centres, scale
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
    return xp.where(crisis, choice, HOLD), xp.where(crisis, memory, state.memory), belief


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


def _utilities(
    state, belief, p, mods, st, pwin, r_own, c_own, a_own, s, s_concede, s_win, centres, scale
):
    """One-step look-ahead utilities of DOWN, HOLD, UP, CONCEDE, (R, Dn, 2, 4).

    U(o) = Pc(l') r (s_win - s) + (1 - Pc(l')) [w(l') W + (1 - w(l')) B]
           - k(l') - a [o = DOWN] / 5,
    with l' the crisis level after the move, w(l') the chance of war within
    the look-ahead, W = r g - c the war payoff (g: :func:`_war_gain`), B the expected
    bargaining gain when a channel is open (the midpoint of the bargaining
    range as the actor sees it, else 0), and Pc the believed chance that
    the opponent concedes (its type below its standing threshold).
    """
    post = state.posture
    opp_post = post[:, :, ::-1]
    war_payoff = r_own * _war_gain(pwin, s, s_concede, s_win) - c_own
    if eager() and not mods.channel_open.any():
        bargain = xp.zeros_like(r_own)  # no channel open: what the where below gives
    else:
        bargain = _bargain(belief, p, mods, st, pwin, r_own, c_own, s, centres)
    gain = r_own * (s_win - s)
    U = {}
    opp_c, opp_a = c_own[:, :, ::-1], a_own[:, :, ::-1]
    opp_s, opp_sc, opp_sw = s[:, :, ::-1], s_concede[:, :, ::-1], s_win[:, :, ::-1]
    for opt, delta in ((DOWN, -1), (HOLD, 0), (UP, 1)):
        new = post + delta
        valid = (new >= 0) & (
            new <= xp.minimum(TOP, mods.posture_cap[:, np.stack([st.challenger, st.defender], 1)])
        )
        new_c = xp.clip(new, 0, TOP)
        level = xp.maximum(new_c, opp_post)
        risk = _war_risk(level, scale, p, st)
        k = _take(p.posture_cost, level)
        den, num = _threshold_terms(
            1.0 - pwin, opp_c, opp_a, opp_post, opp_s, opp_sc, opp_sw, risk, k
        )
        pc_sides = []
        for side in (0, 1):
            b = belief[:, st.role_pair[:, side]]  # (R, Dn, G)
            concede = centres * den[:, :, side, None] < num[:, :, side, None]
            pc_sides.append((b * concede).sum(axis=-1))
        pc = xp.stack(pc_sides, axis=-1)
        u_opt = pc * gain + (1.0 - pc) * (risk * war_payoff + (1.0 - risk) * bargain) - k
        if opt == DOWN:
            u_opt = u_opt - a_own / TOP
        U[opt] = xp.where(valid, u_opt, -xp.inf)
        if opt == UP:
            pc_up = pc
    at_top = post >= TOP
    war_ok = at_top & (mods.posture_cap[:, np.stack([st.challenger, st.defender], 1)] >= TOP)
    U[UP] = xp.where(war_ok, war_payoff, U[UP])
    pc_up = xp.where(at_top, 0.0, pc_up)
    U[CONCEDE] = r_own * (s_concede - s) - a_own * post / TOP
    return xp.stack([U[o] for o in range(4)], axis=-1), pc_up


def _bargain(belief, p, mods, st, pwin, r_own, c_own, s, centres) -> F64:
    """Expected gain from talks where a channel is open: the midpoint of the
    bargaining range as each side sees it (its own resolve, its belief about
    the other's), in own shares; 0 where no channel is open (R, Dn, 2)."""
    r_hat_opp = xp.stack(
        [mean(belief[:, st.role_pair[:, side]], centres) for side in (0, 1)], axis=-1
    )
    r_c = xp.where(xp.arange(2) == 0, r_own, r_hat_opp)
    r_d = xp.where(xp.arange(2) == 1, r_own, r_hat_opp)
    p_c = xp.stack([pwin[:, :, 0], 1.0 - pwin[:, :, 1]], axis=-1)
    c_c = xp.stack([c_own[:, :, 0], c_own[:, :, 0]], axis=-1)
    c_d = xp.stack([c_own[:, :, 1], c_own[:, :, 1]], axis=-1)
    q, stake = p.status_quo[..., None], (p.demand - p.status_quo)[..., None]
    lo = xp.clip(q + p_c * stake - c_c / xp.maximum(r_c, 1e-6), q, q + stake)
    hi = xp.clip(q + p_c * stake + c_d / xp.maximum(r_d, 1e-6), q, q + stake)
    mid = 0.5 * (lo + hi)
    own_share_mid = xp.stack([mid[:, :, 0], 1.0 - mid[:, :, 1]], axis=-1)
    return xp.where(mods.channel_open[..., None], r_own * (own_share_mid - s), 0.0)


def _settle(state: State, mask, terms, how: int, t: int) -> None:
    mask = mask & (state.phase != SETTLED)
    state.phase = xp.where(mask, SETTLED, state.phase)
    state.settlement = xp.where(mask, terms, state.settlement)
    state.settled_by = xp.where(mask, how, state.settled_by)


def _start_war(state: State, mask, t: int) -> None:
    mask = mask & ((state.phase == CRISIS) | (state.phase == CEASEFIRE))
    state.phase = xp.where(mask, WAR, state.phase)
    state.rung = xp.where(mask, WAR_RUNG, state.rung)
    state.war_onset = xp.where(mask & (state.war_onset < 0), t, state.war_onset)
    state.rounds = xp.where(mask, 0, state.rounds)


def _negotiate(state, p, mods, st, centres) -> tuple[NDArray[np.bool_], F64]:
    """Take-it-or-leave-it offers, proposers alternating (Fearon 1995; Slantchev 2003).

    The proposer offers the split that maximises its expected value against
    its belief about the responder's type; the responder accepts when the
    offer is at least as good as war.
    """
    open_ = mods.channel_open & (state.phase != SETTLED)
    pwin = _win_probability(state, p, mods, st, centres)
    sides = np.stack([st.challenger, st.defender], axis=1)
    r_own = p.resolve[:, sides]
    c_own = _war_cost(state, p, mods)[:, sides]
    q = p.status_quo
    dem = p.demand
    stake = dem - q  # the share in play: offers lie between q and the demand
    p_c = pwin[:, :, 0]
    p_d = pwin[:, :, 1]
    # Reservation points in challenger shares, per responder type bin. Each
    # bin is represented by its upper edge, its most demanding type (both
    # reservations get stricter as resolve rises), so an offer aimed at a bin
    # is accepted by every type in it: with point beliefs (complete
    # information) the first offer is accepted, as in Fearon (1995).
    g = (xp.arange(len(centres), dtype=real()) + 1.0) / len(centres)
    lo_x, hi_x = q[..., None], dem[..., None]
    # Challenger responds: accepts x >= q + p_c (demand - q) - c_c / r.
    res_c = xp.clip(
        (q + p_c * stake)[..., None] - c_own[:, :, 0, None] / xp.maximum(g, 1e-6), lo_x, hi_x
    )
    # Defender responds: accepts x <= q + (1 - p_d)(demand - q) + c_d / r.
    res_d = xp.clip(
        (q + (1.0 - p_d) * stake)[..., None] + c_own[:, :, 1, None] / xp.maximum(g, 1e-6),
        lo_x,
        hi_x,
    )
    belief_c_about_d = state.belief[:, st.role_pair[:, 0]]
    belief_d_about_c = state.belief[:, st.role_pair[:, 1]]
    at_war = state.phase == WAR
    war_val_c = r_own[:, :, 0] * p_c * stake - c_own[:, :, 0]
    war_val_d = -r_own[:, :, 1] * (1.0 - p_d) * stake - c_own[:, :, 1]
    # Challenger proposes x (its share): value r_c (x - q); the defender accepts
    # x <= res_d. Defender proposes x: value r_d (q - x); the challenger accepts
    # x >= res_c, that is -x <= -res_c. Each row screens for its proposer only,
    # with the second direction turned into the first by a sign (exact).
    challenger_proposes = state.rounds % 2 == 0
    cp = challenger_proposes[..., None]
    sign = xp.where(cp, 1.0, -1.0)
    signed, _ = screening_offer(
        sign * xp.where(cp, res_d, res_c),
        xp.where(cp, belief_c_about_d, belief_d_about_c),
        xp.where(
            cp,
            r_own[:, :, 0, None] * (res_d - q[..., None]),
            r_own[:, :, 1, None] * (q[..., None] - res_c),
        ),
        xp.where(at_war, xp.where(challenger_proposes, war_val_c, war_val_d), 0.0),
        responder_accepts_at_most=True,
    )
    offer = sign[..., 0] * signed
    true_res_d = xp.clip(
        q + (1.0 - p_d) * stake + c_own[:, :, 1] / xp.maximum(r_own[:, :, 1], 1e-6), q, dem
    )
    true_res_c = xp.clip(
        q + p_c * stake - c_own[:, :, 0] / xp.maximum(r_own[:, :, 0], 1e-6), q, dem
    )
    accept = xp.where(challenger_proposes, offer <= true_res_d + 1e-12, offer >= true_res_c - 1e-12)
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
    # Allies join at the regional rung: each member of an alliance tied to the
    # defender, with probability equal to the alliance's (true) cohesion, once.
    regional = at_war & (state.rung >= REGIONAL_RUNG)
    if st.member.shape[0] and (not eager() or regional.any()):
        uj = uniform(seed, "war.join", 0, runs, (Dn, st.n_actors))
        for d in range(Dn):
            not_challenger = np.arange(st.n_actors) != st.challenger[d]
            joined = state.joined[:, d, :]
            for k in range(st.member.shape[0]):
                de = st.defender[d]
                backs = state.member[:, k, de] | state.partner[:, k, de]  # (R,)
                if eager() and not backs.any():
                    continue
                mem = state.member[:, k] & not_challenger  # (R, N)
                join = (
                    (regional[:, d] & backs)[:, None] & mem & (uj[:, d, :] < state.cohesion[:, [k]])
                )
                joined = joined | join
            state.joined = put(state.joined, (slice(None), d), joined)
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
    state.deployed = xp.where(
        engaged,
        state.deployed + p.reinforcement[:, None] * dt * (state.forces - state.deployed),
        state.deployed,
    )
    state.war_steps = state.war_steps + at_war
    # Territory moves toward the stronger side.
    balance = (alpha - beta) / xp.maximum(alpha + beta, 1e-12)
    state.territory = xp.where(
        at_war,
        xp.clip(state.territory + p.territory_rate[:, None] * dt * balance, 0.0, 1.0),
        state.territory,
    )
    # Collapse: a front below its share of the forces it began with loses; so
    # does a defender that has lost the whole contested territory.
    c_front = state.deployed[:, st.challenger] / xp.maximum(p.deployed[:, st.challenger], 1e-12)
    d_front = state.deployed[:, st.defender] / xp.maximum(p.deployed[:, st.defender], 1e-12)
    c_lost = at_war & (c_front < p.collapse[:, None])
    d_lost = at_war & ~c_lost & ((d_front < p.collapse[:, None]) | (state.territory >= 1.0))
    _settle(state, c_lost, p.status_quo, BY_VICTORY, t)
    _settle(state, d_lost, p.demand, BY_VICTORY, t)


def _civilians(state, p, st, runs, dt, military_losses, violation, mods) -> None:
    """Civilian deaths, displacement and return (model-spec steps 8 and 9).

    new displaced = (1 - exp(-delta v dt)) x people in place; a share phi
    crosses a border. People return at rate omega where no dispute of the
    actor is at war. Mobilisation grows with the actor's own deaths and
    organised campaigns and decays otherwise.
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
    exposure, war_any = [], []
    for a in range(st.n_actors):
        ds = np.flatnonzero((st.challenger == a) | (st.defender == a))
        exposure.append(v[:, ds].max(axis=1) if len(ds) else xp.zeros(R, dtype=v.dtype))
        war_any.append(at_war[:, ds].any(axis=1) if len(ds) else xp.zeros(R, dtype=bool))
    exposure, war_any = xp.stack(exposure, axis=1), xp.stack(war_any, axis=1)
    displaced = state.idps + state.refugees
    in_place = xp.maximum(p.population - displaced - state.civilian_deaths, 0.0)
    dead = xp.minimum(in_place, p.civilian_lethality[:, None] * exposure * dt * in_place)
    in_place = in_place - dead
    fled = in_place * -xp.expm1(-p.displacement_rate[:, None] * exposure * dt)
    state.civilian_deaths = state.civilian_deaths + dead
    ret = xp.where(war_any, 0.0, -xp.expm1(-p.return_rate[:, None] * dt))
    phi = p.refugee_share[:, None]
    state.idps = state.idps * (1.0 - ret) + (1.0 - phi) * fled
    state.refugees = state.refugees * (1.0 - ret) + phi * fled
    state.displaced_peak = xp.maximum(
        state.displaced_peak, (state.idps + state.refugees).sum(axis=1)
    )
    # Mobilisation: each actor's own deaths this step, per 10,000.
    m = state.mobilisation
    growth = (
        p.mobilisation_growth[:, None] * (dead + military_losses) / 1e4 + mods.mobilisation_push
    )
    state.mobilisation = xp.clip(m + dt * (growth - p.mobilisation_decay[:, None] * m), 0.0, 1.0)
