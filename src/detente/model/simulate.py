"""Run an ensemble chunk: draw parameters, step, and read off outcomes."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import BACKENDS, parse, xp
from detente.model.agreements import history_likelihoods
from detente.model.engine import Model, step
from detente.model.interventions import Intervention, interventions
from detente.model.params import Params, draw_params
from detente.model.policies import Policy, policies
from detente.model.state import SETTLED, WAR, State, grid, initial_state, prior_from_samples
from detente.model.structure import structure_of
from detente.scenario.schema import Scenario

__all__ = [
    "BACKENDS",
    "SERIES",
    "common_priors",
    "compile_model",
    "run_chunk",
    "simulate_chunk",
    "snapshot",
]

_PRIOR_POINTS = 4096


def compile_model(sc: Scenario, package: str) -> Model:
    """Instantiate the scenario's policies and the package's interventions."""
    st = structure_of(sc)
    roles: dict[tuple[str, str], np.ndarray] = {}
    rules: dict[tuple[str, str], Policy] = {}
    sides = st.sides
    for i, actor in enumerate(sc.actors):
        rule = policies.get(actor.policy.name)
        key = (actor.policy.name, repr(sorted(actor.policy.params.items())))
        mask = roles.setdefault(key, np.zeros(sides.shape, dtype=bool))
        mask |= sides == i
        rules.setdefault(key, rule(rule.Params(**actor.policy.params)))
    pol = tuple((rules[k], roles[k]) for k in roles if roles[k].any())
    ivs: list[Intervention] = []
    for spec in [*sc.baseline, *sc.packages[package]]:
        kind = interventions.get(spec.type)
        ivs.append(kind(kind.Params(**spec.params), spec.start, spec.end))
    return Model(structure=st, policies=pol, interventions=tuple(ivs), package=package)


def common_priors(sc: Scenario, bins: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """Common priors: each distribution's quantiles at a fine regular grid, binned."""
    u = (np.arange(_PRIOR_POINTS) + 0.5) / _PRIOR_POINTS
    resolve = np.stack([prior_from_samples(a.resolve.ppf(u), bins) for a in sc.actors])
    if sc.alliances:
        cohesion = np.stack([prior_from_samples(al.cohesion.ppf(u), bins) for al in sc.alliances])
    else:
        cohesion = np.zeros((0, bins))
    return learn_from_history(sc, resolve, cohesion)


def learn_from_history(
    sc: Scenario, resolve: NDArray[Any], cohesion: NDArray[Any]
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Common priors updated by the scenario's ``history`` (model-spec V2.6).

    Each past crisis is evidence about the resolve of its two sides (the one
    that gave way is likelier a weak type, the one that stood a resolved
    one) and, where an alliance's help was tested, about its cohesion; the
    update is Bayes' rule on the type grid (:func:`history_likelihoods`).
    Only the priors move: every run's true types are still drawn from the
    scenario's distributions, so a history can mislead, as the record of
    past crises can (Press 2005).
    """
    if not sc.history:
        return resolve, cohesion
    centres = grid(resolve.shape[1])
    resolve, cohesion = resolve.copy(), cohesion.copy()
    ids = sc.actor_ids
    allies = [a.id for a in sc.alliances]
    for past in sc.history:
        for who, side in ((past.challenger, "challenger"), (past.defender, "defender")):
            if who is None:  # a state outside the scenario: nobody here is learned about
                continue
            stood = past.conceded != side
            i = ids.index(who)
            post = resolve[i] * history_likelihoods(stood, past.weight, centres)
            resolve[i] = post / post.sum()
        if past.alliance is not None:
            k = allies.index(past.alliance)
            post = cohesion[k] * history_likelihoods(bool(past.allies_fought), past.weight, centres)
            cohesion[k] = post / post.sum()
    return resolve, cohesion


def simulate_chunk(
    sc: Scenario, model: Model, seed: int, runs: NDArray[np.int64]
) -> dict[str, NDArray[Any]]:
    """Simulate the given global run indices; return per-run outcome columns."""
    return run_chunk(sc, model, seed, runs)[0]


SERIES = (
    "rung",
    "deaths",
    "displaced",
    "idps",
    "military_deaths",
    "civilian_deaths",
    "at_war",
)




def run_chunk(
    sc: Scenario,
    model: Model,
    seed: int,
    runs: NDArray[np.int64],
    record: bool = False,
    overrides: dict[str, NDArray[Any]] | None = None,
    backend: str = "numpy",
) -> tuple[dict[str, NDArray[Any]], dict[str, NDArray[Any]] | None]:
    """Simulate; return the outcomes and, with ``record``, per-step series.

    Series are (R, T + 1) arrays, column 0 the initial state: the highest rung
    over the disputes, cumulative deaths, the displaced stock and its internal
    part (idps), whether any dispute is at war, and (R, T + 1, Dn) territory shares.
    ``backend`` is ``numpy`` (the reference), ``jax`` or ``jax/float32`` (the
    same step, compiled: :mod:`detente.model.compiled`), read by
    :func:`detente.backend.parse`.
    """
    spec = parse(backend)
    if spec.backend == "jax":
        from detente.model.compiled import run_chunk_compiled

        return run_chunk_compiled(
            sc, model, seed, runs, record, overrides, precision=spec.precision
        )
    runs = np.asarray(runs, dtype=np.int64)
    p = draw_params(sc, seed, runs, overrides)
    st = model.structure
    resolve_prior, cohesion_prior = common_priors(sc, st.bins)
    state = initial_state(p, st, resolve_prior, cohesion_prior)
    frames: list[dict[str, NDArray[Any]]] | None = [snapshot(state)] if record else None
    for _ in range(st.steps):
        step(model, state, p, seed, runs)
        if frames is not None:
            frames.append(snapshot(state))
    out = outcomes(sc, state, p, runs, model.enforced)
    if frames is None:
        return out, None
    return out, {k: np.stack([f[k] for f in frames], axis=1) for k in frames[0]}


def snapshot(state: State) -> dict[str, NDArray[Any]]:
    """What a recorded series keeps of one step, per run (both backends)."""
    mil = state.military_deaths.sum(axis=1)
    civ = state.civilian_deaths.sum(axis=1) + state.nuclear_deaths
    return {
        # The highest rung among disputes not yet settled; -1 once all are settled.
        "rung": xp.where(state.phase == SETTLED, -1, state.rung).max(axis=1),
        "deaths": mil + civ,
        "military_deaths": mil,
        "civilian_deaths": civ,
        "displaced": (state.idps + state.refugees).sum(axis=1),
        "idps": state.idps.sum(axis=1),
        "refugees": state.refugees.sum(axis=1),
        "exits": state.exits.sum(axis=1),  # cumulative border crossings out
        "at_war": (state.phase == WAR).any(axis=1),
        "territory": xp.array(state.territory),
        "posture": xp.array(state.posture),
    }


def outcomes(
    sc: Scenario, state: State, p: Params, runs: NDArray[np.int64], enforced: bool = False
) -> dict[str, NDArray[Any]]:
    """Per-run outcomes (model-spec section 7 and V2.7).

    ``enforced`` says whether the package imposes any outcome by fiat
    (``enforced: true``); every run of it carries the label.
    """
    st = structure_of(sc)
    war_onset = np.where(state.war_onset >= 0, state.war_onset, np.iinfo(np.int64).max).min(axis=1)
    war_onset = np.where(war_onset == np.iinfo(np.int64).max, -1, war_onset)
    mil = state.military_deaths.sum(axis=1)
    civ = state.civilian_deaths.sum(axis=1) + state.nuclear_deaths
    out: dict[str, Any] = {  # NumPy's stubs type a reduction as scalar-or-array
        "run": runs.copy(),
        "war": (state.war_onset >= 0).any(axis=1),
        "war_onset": war_onset.astype(np.int64),
        "war_weeks": state.war_steps.sum(axis=1) * st.step_weeks,
        "settled": (state.settled_by > 0).all(axis=1),
        "nuclear_use": state.nuclear_used.copy(),
        "max_rung": state.max_rung.max(axis=1).astype(np.int64),
        "military_deaths": mil,
        "civilian_deaths": civ,
        "deaths": mil + civ,
        "displaced": state.displaced_peak.copy(),
        "refugees": state.refugees.sum(axis=1),
        "idps": state.idps.sum(axis=1),
    }
    for d, dsp in enumerate(sc.disputes):
        out[f"phase.{dsp.id}"] = state.phase[:, d].astype(np.int8)
        out[f"settled_by.{dsp.id}"] = state.settled_by[:, d].astype(np.int8)
        out[f"settlement.{dsp.id}"] = state.settlement[:, d]
        out[f"territory_change.{dsp.id}"] = state.territory[:, d] - p.territory[:, d]
        out[f"at_war_end.{dsp.id}"] = state.phase[:, d] == WAR
        out[f"posture.{dsp.id}.challenger"] = state.posture[:, d, 0].astype(np.int8)
        out[f"posture.{dsp.id}.defender"] = state.posture[:, d, 1].astype(np.int8)
    for d, dsp in enumerate(sc.disputes):
        # The price of peace (model-spec V2.7): when and how it came, and
        # whether it held.
        week = state.agreement_step[:, d].astype(np.float64) * st.step_weeks
        out[f"agreement_week.{dsp.id}"] = np.where(state.agreement_step[:, d] >= 0, week, -1.0)
        out[f"agreements.{dsp.id}"] = state.agreements[:, d].astype(np.int16)
        out[f"breakdowns.{dsp.id}"] = state.breakdowns[:, d].astype(np.int16)
        out[f"ceasefires.{dsp.id}"] = state.ceasefires[:, d].astype(np.int16)
        out[f"ceasefire_breakdowns.{dsp.id}"] = state.ceasefire_breakdowns[:, d].astype(np.int16)
        out[f"conceded_by.{dsp.id}"] = state.conceded_by[:, d].astype(np.int8)
    for i, a in enumerate(sc.actors):
        out[f"arsenal.{a.id}"] = state.arsenal[:, i]
        out[f"complied.{a.id}"] = state.complying[:, i] | state.broke_commitment[:, i]
        out[f"broke_commitment.{a.id}"] = state.broke_commitment[:, i].copy()
    out["enforced"] = np.full(len(runs), enforced, dtype=bool)
    return out
