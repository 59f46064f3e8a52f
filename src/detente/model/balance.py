"""The quantities every decision reads: strength, arms, the chance of winning, war costs
and the hazards of each rung (model-spec sections 3.2-3.4).

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import real, xp
from detente.model.alliances import win_probability
from detente.model.beliefs import mean
from detente.model.optimism import biased, optimism
from detente.model.params import Params, Structure
from detente.model.state import (
    Modifiers,
    State,
)
from detente.scenario.schema import (
    WAR_RUNG,
)
from detente.theory.richardson import euler_step

F64 = NDArray[np.float64]
TOP = WAR_RUNG - 1  # highest crisis rung
WEEKS_PER_YEAR = 52.1775


def strength(state: State, p: Params, mods: Modifiers, which: F64) -> F64:
    """Fighting strength: troops x effectiveness x arsenal factor (R, N)."""
    # Relative to the starting arsenal; an actor that starts with (almost) none
    # keeps factor 1, and the ratio is bounded so that no power overflows.
    base = xp.where(p.arsenal > 1e-6, p.arsenal, 1.0)
    ratio = xp.where(p.arsenal > 1e-6, xp.clip(state.arsenal / base, 1e-9, 1e6), 1.0)
    factor = xp.power(ratio, p.arms_elasticity[:, None])
    return which * p.effectiveness * mods.effectiveness_mult * factor


def war_cost(state: State, p: Params, mods: Modifiers) -> F64:
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


def _bounded_arms(*args: Any) -> F64:
    """Richardson's step, capped at 1e12: an unstable race runs away, but no
    economy spends without limit, and the cap keeps every later sum finite."""
    return xp.minimum(euler_step(*args), 1e12)


def _win_probability(state: State, p: Params, mods: Modifiers, st: Structure, centres: F64) -> F64:
    """Each side's believed chance of winning a war, (R, Dn, 2), its own optimism included.

    :func:`_balance_seen` as each side's private error on the balance leaves it
    (:func:`optimism`).
    """
    return biased(_balance_seen(state, p, mods, st, centres), optimism(state, p, st))


def _balance_seen(state: State, p: Params, mods: Modifiers, st: Structure, centres: F64) -> F64:
    """Each side's chance of winning a war as it would see it without optimism, (R, Dn, 2).

    A Tullock contest of total strength, own plus the allies an observer
    expects: alliance members weighted by its believed cohesion, aid to a
    partner as an effectiveness boost (Tullock 1980; Hirshleifer 1989).
    Alliances are counted by the rule the war step joins them by
    (:mod:`detente.model.alliances`): for the defender they are tied to, never
    for a challenger, even one inside the same alliance.
    """
    S = strength(state, p, mods, state.forces)
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
