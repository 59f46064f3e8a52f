"""Params: the scenario's uncertain parameters drawn per run, as arrays.

Every quantity at path ``P`` in the scenario is drawn for run ``r`` as
``Q.ppf(uniform(seed, "param:" + P, -1, r))``: a pure function of the seed,
the run and the path. Adding a parameter never changes another one's draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from detente.model.structure import Structure, structure_of
from detente.random import uniform
from detente.scenario.distributions import Distribution
from detente.scenario.schema import Scenario

Array = NDArray[np.float64]

__all__ = ["Params", "Structure", "draw_params", "structure_of"]


@dataclass(frozen=True)
class Params:
    """Per-run parameters, each with a leading run axis."""

    forces: Array  # (R, N)
    deployed: Array
    arsenal: Array
    population: Array
    resolve: Array
    war_cost: Array
    audience_cost: Array
    rationality: Array
    effectiveness: Array
    mobilisation: Array
    cohesion_bias: Array
    arms_reaction: Array
    arms_fatigue: Array
    arms_grievance: Array
    cohesion: Array  # (R, A)
    partner_aid: Array  # (R, A)
    status_quo: Array  # (R, Dn)
    demand: Array
    territory: Array
    ceasefire_violation: Array
    ceasefire_breakdown: Array
    violation_decay: Array
    violation_floor: Array
    indivisible: Array  # (R, Dn)
    power_shift: Array
    agreement_breakdown: Array
    renege_rate: Array
    hazard: Array  # (R, K+1)
    posture_cost: Array
    violence: Array
    death_share: Array  # (R,)
    civilian_lethality: Array
    displacement_rate: Array
    refugee_share: Array
    return_rate: Array
    territory_rate: Array
    collapse: Array
    reinforcement: Array
    contest_exponent: Array
    arms_elasticity: Array
    hazard_elasticity: Array
    nuclear_use_deaths: Array
    mobilisation_growth: Array
    mobilisation_decay: Array
    mobilisation_cost: Array
    signal_noise: Array
    cohesion_signal_noise: Array
    war_signal_noise: Array
    war_cost_belief: Array  # (R, N) what others expect an actor's war cost to be (its mean)
    # The high-intensity war (detente.model.front).
    reserve: Array  # (R, N)
    recruitment: Array  # (R, N)
    aid_flow: Array  # (R, A)
    tempo: Array  # (R,)
    tempo_surge: Array
    displacement_wave: Array
    wave_weeks: Array
    front_displacement: Array
    war_return_rate: Array
    refugee_war_return_rate: Array
    tempo_opening: Array
    # Optimism about the balance (detente.model.optimism).
    optimism: Array  # (R,) sd of an actor's error on the log-odds of its chance of winning
    learning_weeks: Array  # (R,)
    optimism_error: Array  # (R, N) each actor's standard-normal error
    optimism_lift: Array  # (R, N) exp(optimism x error): the multiplier of its odds of winning


def draw_quantity(
    q: Distribution,
    seed: int,
    path: str,
    runs: NDArray[np.int64],
    overrides: dict[str, Array] | None = None,
) -> Array:
    if overrides and path in overrides:
        return np.asarray(overrides[path], dtype=np.float64)
    if q.is_fixed:
        return np.full(len(runs), q.mean())
    return q.ppf(uniform(seed, q.stream(path), -1, runs))


def parameter_paths(sc: Scenario) -> list[str]:
    """Every path :func:`draw_params` draws, e.g. ``actors.RU.resolve``, ``ladder.4.hazard``."""
    paths = []
    for a in sc.actors:
        paths += [f"actors.{a.id}.{f}" for f in ACTOR_FIELDS]
        paths += [f"actors.{a.id}.arms.{f}" for f in ("reaction", "fatigue", "grievance")]
    paths += [
        f"alliances.{al.id}.{f}"
        for al in sc.alliances
        for f in ("cohesion", "partner_aid", "aid_flow")
    ]
    paths += [f"disputes.{d.id}.{f}" for d in sc.disputes for f in _DISPUTE_FIELDS]
    paths += [
        f"ladder.{i}.{f}" for i in range(len(sc.ladder)) for f in ("hazard", "cost", "violence")
    ]
    paths += [f"war.{f}" for f in _WAR_FIELDS]
    paths += [
        f"settings.{f}" for f in ("signal_noise", "cohesion_signal_noise", "war_signal_noise")
    ]
    return paths


ACTOR_FIELDS = (
    "forces",
    "deployed",
    "arsenal",
    "population_at_risk",
    "resolve",
    "war_cost",
    "audience_cost",
    "rationality",
    "effectiveness",
    "mobilisation",
    "cohesion_bias",
    "reserve",
    "recruitment",
)
_DISPUTE_FIELDS = (
    "status_quo",
    "demand",
    "territory",
    "ceasefire_violation",
    "ceasefire_breakdown",
    "violation_decay",
    "violation_floor",
    "indivisible",
    "power_shift",
    "agreement_breakdown",
    "renege_rate",
)
_WAR_FIELDS = (
    "death_share",
    "civilian_lethality",
    "displacement_rate",
    "refugee_share",
    "return_rate",
    "territory_rate",
    "collapse",
    "reinforcement",
    "contest_exponent",
    "arms_elasticity",
    "hazard_elasticity",
    "nuclear_use_deaths",
    "mobilisation_growth",
    "mobilisation_decay",
    "mobilisation_cost",
    "tempo",
    "tempo_surge",
    "displacement_wave",
    "wave_weeks",
    "front_displacement",
    "war_return_rate",
    "refugee_war_return_rate",
    "tempo_opening",
    "optimism",
    "learning_weeks",
)


def draw_params(
    sc: Scenario, seed: int, runs: NDArray[np.int64], overrides: dict[str, Array] | None = None
) -> Params:
    """Draw every uncertain parameter of ``sc`` for the given global run indices.

    ``overrides`` maps a parameter path (see :func:`parameter_paths`) to one
    value per run: an experiment design sets the true value of an uncertain
    parameter run by run this way, while the actors' priors stay the
    scenario's.
    """
    ov = overrides

    def per(items: Sequence[Any], field: str, prefix: str, attr: str | None = None) -> Array:
        cols = []
        for it in items:
            obj = getattr(it, attr) if attr else it
            cols.append(
                draw_quantity(getattr(obj, field), seed, f"{prefix}.{it.id}.{field}", runs, ov)
            )
        return np.stack(cols, axis=1) if cols else np.zeros((len(runs), 0))

    A = sc.actors
    forces = per(A, "forces", "actors")
    deployed = np.minimum(per(A, "deployed", "actors"), forces)

    def ladder(field: str) -> Array:
        return np.stack(
            [
                draw_quantity(getattr(r, field), seed, f"ladder.{i}.{field}", runs, ov)
                for i, r in enumerate(sc.ladder)
            ],
            axis=1,
        )

    def war(field: str) -> Array:
        return draw_quantity(getattr(sc.war, field), seed, f"war.{field}", runs, ov)

    def arms(field: str) -> Array:
        return np.stack(
            [
                draw_quantity(getattr(a.arms, field), seed, f"actors.{a.id}.arms.{field}", runs, ov)
                for a in A
            ],
            axis=1,
        )

    status_quo = per(sc.disputes, "status_quo", "disputes")
    demand = np.maximum(per(sc.disputes, "demand", "disputes"), status_quo)
    war_cost = per(A, "war_cost", "actors")
    return Params(
        forces=forces,
        deployed=deployed,
        arsenal=per(A, "arsenal", "actors"),
        population=per(A, "population_at_risk", "actors"),
        resolve=per(A, "resolve", "actors"),
        war_cost=war_cost,
        audience_cost=per(A, "audience_cost", "actors"),
        rationality=per(A, "rationality", "actors"),
        effectiveness=per(A, "effectiveness", "actors"),
        mobilisation=per(A, "mobilisation", "actors"),
        cohesion_bias=per(A, "cohesion_bias", "actors"),
        arms_reaction=arms("reaction"),
        arms_fatigue=arms("fatigue"),
        arms_grievance=arms("grievance"),
        cohesion=per(sc.alliances, "cohesion", "alliances"),
        partner_aid=per(sc.alliances, "partner_aid", "alliances"),
        status_quo=status_quo,
        demand=demand,
        territory=per(sc.disputes, "territory", "disputes"),
        ceasefire_violation=per(sc.disputes, "ceasefire_violation", "disputes"),
        ceasefire_breakdown=per(sc.disputes, "ceasefire_breakdown", "disputes"),
        violation_decay=per(sc.disputes, "violation_decay", "disputes"),
        violation_floor=per(sc.disputes, "violation_floor", "disputes"),
        indivisible=per(sc.disputes, "indivisible", "disputes"),
        power_shift=per(sc.disputes, "power_shift", "disputes"),
        agreement_breakdown=per(sc.disputes, "agreement_breakdown", "disputes"),
        renege_rate=per(sc.disputes, "renege_rate", "disputes"),
        hazard=ladder("hazard"),
        posture_cost=ladder("cost"),
        violence=ladder("violence"),
        death_share=war("death_share"),
        civilian_lethality=war("civilian_lethality"),
        displacement_rate=war("displacement_rate"),
        refugee_share=war("refugee_share"),
        return_rate=war("return_rate"),
        territory_rate=war("territory_rate"),
        collapse=war("collapse"),
        reinforcement=war("reinforcement"),
        contest_exponent=war("contest_exponent"),
        arms_elasticity=war("arms_elasticity"),
        hazard_elasticity=war("hazard_elasticity"),
        nuclear_use_deaths=war("nuclear_use_deaths"),
        mobilisation_growth=war("mobilisation_growth"),
        mobilisation_decay=war("mobilisation_decay"),
        mobilisation_cost=war("mobilisation_cost"),
        signal_noise=draw_quantity(
            sc.settings.signal_noise, seed, "settings.signal_noise", runs, ov
        ),
        cohesion_signal_noise=draw_quantity(
            sc.settings.cohesion_signal_noise, seed, "settings.cohesion_signal_noise", runs, ov
        ),
        war_signal_noise=draw_quantity(
            sc.settings.war_signal_noise, seed, "settings.war_signal_noise", runs, ov
        ),
        war_cost_belief=_cost_belief(sc, war_cost, len(runs)),
        reserve=per(A, "reserve", "actors"),
        recruitment=per(A, "recruitment", "actors"),
        aid_flow=per(sc.alliances, "aid_flow", "alliances"),
        tempo=war("tempo"),
        tempo_surge=war("tempo_surge"),
        displacement_wave=war("displacement_wave"),
        wave_weeks=war("wave_weeks"),
        front_displacement=war("front_displacement"),
        war_return_rate=war("war_return_rate"),
        refugee_war_return_rate=war("refugee_war_return_rate"),
        tempo_opening=war("tempo_opening"),
        optimism=(sigma := war("optimism")),
        learning_weeks=war("learning_weeks"),
        optimism_error=(z := _optimism_errors(sc, seed, runs)),
        # exp once per run with the parameters (NumPy on either backend), so the
        # step itself needs no transcendental function (detente.model.optimism).
        optimism_lift=np.exp(sigma[:, None] * z),
    )


def _optimism_errors(sc: Scenario, seed: int, runs: NDArray[np.int64]) -> Array:
    """Each actor's standard-normal error on the balance, one stream per actor (R, N).

    Drawn whether or not the scenario sets ``war.optimism``, so that setting it
    scales the same errors (paired comparisons on common random numbers).
    """
    cols = [ndtri(np.asarray(uniform(seed, f"optimism-error:{a.id}", -1, runs)))
            for a in sc.actors]
    return np.stack(cols, axis=1) if cols else np.zeros((len(runs), 0))


def _cost_belief(sc: Scenario, war_cost: Array, runs: int) -> Array:
    """What the other side expects an actor's war cost to be (model-spec V2.1).

    The cost of war is private: a proposer knows the distribution it is drawn
    from, not the draw, and reasons with its mean. Under complete information
    it knows the draw.
    """
    if sc.settings.information == "complete":
        return war_cost
    means = np.array([a.war_cost.mean() for a in sc.actors], dtype=np.float64)
    return np.broadcast_to(means, (runs, len(means))).copy()
