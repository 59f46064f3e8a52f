"""Calibrate a scenario's uncertain parameters to dated observations by ABC-SMC.

Why a sequential ABC of our own and not pyabc: pyabc calls the model once per
particle, and one call of this engine costs about the same for one run as for
a thousand (it is vectorised over runs). Here every batch of proposals is one
vectorised simulation, split over worker processes, so a whole calibration of
``donbas-2014`` costs a few minutes on two cores. The algorithm is pyabc's
default one (Beaumont et al. 2009 with adaptive tolerances), in
:mod:`detente.calibration.abc`.

What is calibrated: every quantity the scenario writes as a distribution
(its distribution is the prior), or those named, plus the observation model's
reporting share and dispersion when a target is ``recorded``. The distance
between a simulation and the data is the weighted sum, over targets, of the
root-mean-square difference of log(1 + value): counts from a few to
thousands weigh alike, and each target's weight is in the targets file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from detente.calibration.abc import Generation, abc_smc
from detente.calibration.observation import index_scale, recorded, shortfall, with_error
from detente.calibration.targets import (
    Observations,
    TargetsFile,
    check_dates,
    observations,
    read_off,
)
from detente.model.params import parameter_paths
from detente.model.simulate import compile_model, run_chunk
from detente.random import uniform
from detente.scenario.distributions import Dist
from detente.scenario.loading import ScenarioError
from detente.scenario.schema import Scenario
from detente.scenario.sources import quantities

__all__ = ["Calibration", "Problem", "calibrate", "make_problem"]

F64 = NDArray[np.float64]
PREDICTIVE_BASE = 10**12  # global run indices of posterior-predictive simulations
PIECE = 1000  # runs per engine call: bounds memory, not results


@dataclass(frozen=True)
class Problem:
    """What a calibration needs: the scenario, the parameters and the data."""

    scenario: Scenario
    package: str
    seed: int
    paths: tuple[str, ...]  # calibrated scenario parameters
    priors: tuple[Dist, ...]  # their priors, then the observation model's
    observation: tuple[str, ...]  # calibrated observation parameters
    fitted: tuple[Observations, ...]  # observations the distance uses
    predicted: tuple[Observations, ...]  # observations the predictive covers (all)
    start: dt.date
    until: dt.date | None

    @property
    def names(self) -> tuple[str, ...]:
        return self.paths + self.observation

    def values(self, z: F64) -> F64:
        """Parameter values (n, P) from standard-normal particles (n, P)."""
        u = np.clip(ndtr(z), 1e-12, 1.0 - 1e-12)
        return np.column_stack([q.ppf(u[:, i]) for i, q in enumerate(self.priors)])


def make_problem(
    sc: Scenario,
    tf: TargetsFile,
    *,
    parameters: list[str] | None = None,
    until: dt.date | None = None,
    package: str = "status-quo",
    seed: int = 0,
    file: str = "<scenario>",
    targets_file: str | None = None,
) -> Problem:
    """Check that the scenario and the targets fit together and collect the parameters."""
    start = sc.settings.start_date
    if start is None:
        raise ScenarioError(
            file, "settings.start_date", "expected a date (YYYY-MM-DD) to calibrate"
        )
    if package not in sc.packages:
        raise ScenarioError(file, "packages", f"expected a package named {package!r}")
    drawn = set(parameter_paths(sc))
    uncertain = {}
    for n in quantities(sc):
        path = n.path.replace("[", ".").replace("]", "")
        if path in drawn and not n.quantity.is_fixed:
            uncertain[path] = n.quantity
    if parameters:
        for p in parameters:
            if p not in uncertain:
                raise ScenarioError(
                    file, p, "expected a parameter the scenario writes as a distribution"
                )
        chosen = {p: uncertain[p] for p in parameters}
    else:
        chosen = uncertain
    recorded_targets = any(t.observed == "recorded" for t in tf.targets)
    obs_names: tuple[str, ...] = ()
    priors: list[Dist] = list(chosen.values())
    if recorded_targets and tf.observation is not None:
        obs_names = ("observation.reporting", "observation.dispersion")
        priors += [tf.observation.reporting, tf.observation.dispersion]
    if not priors:
        raise ScenarioError(file, "", "expected at least one parameter written as a distribution")
    check_dates(tf, start, targets_file or tf.name)
    fitted = observations(tf, start, until=until)
    if not fitted:
        raise ScenarioError(
            targets_file or tf.name,
            "targets",
            f"expected observations between the scenario's start ({start}) and --until",
        )
    return Problem(
        scenario=sc,
        package=package,
        seed=seed,
        paths=tuple(chosen),
        priors=tuple(priors),
        observation=obs_names,
        fitted=tuple(fitted),
        predicted=tuple(observations(tf, start)),
        start=start,
        until=until,
    )


def simulate_model(
    problem: Problem, values: F64, ids: NDArray[np.int64], which: tuple[Observations, ...]
) -> dict[str, F64]:
    """The model's value for each observation window (before the observation model)."""
    sc = horizon_for(problem.scenario, which)
    model = compile_model(sc, problem.package)
    out: dict[str, list[F64]] = {o.target.id: [] for o in which}
    for a in range(0, len(ids), PIECE):
        sl = slice(a, a + PIECE)
        overrides = {p: values[sl, i] for i, p in enumerate(problem.paths)}
        _, series = run_chunk(sc, model, problem.seed, ids[sl], record=True, overrides=overrides)
        assert series is not None
        for o in which:
            out[o.target.id].append(read_off(o, series, sc.settings.step_weeks))
    return {k: np.concatenate(v) for k, v in out.items()}


def horizon_for(sc: Scenario, which: tuple[Observations, ...]) -> Scenario:
    """The scenario cut to the last step any of ``which`` reads: the steps
    before are the same (each depends only on those before it), the rest
    would be simulated for nothing."""
    days = 7.0 * sc.settings.step_weeks
    last = max((int(o.last.max()) for o in which), default=0)
    steps = min(sc.settings.steps, int(np.ceil((last + 1) / days)) + 1)
    if steps == sc.settings.steps:
        return sc
    return sc.model_copy(update={"settings": sc.settings.model_copy(update={"steps": steps})})


def observe(
    problem: Problem,
    values: F64,
    ids: NDArray[np.int64],
    model_values: dict[str, F64],
    which: tuple[Observations, ...],
) -> dict[str, F64]:
    """Each target as its record would show the model's values
    (:mod:`detente.calibration.observation`): recorded counts drawn, index
    series scaled to the record, survey error added; floors as they are."""
    out = {}
    k = len(problem.paths)
    for o in which:
        t = o.target
        v = model_values[t.id]
        purpose = f"observation.{t.id}"
        if t.observed == "recorded":
            v = recorded(v, values[:, k], values[:, k + 1], problem.seed, purpose, ids)
        elif t.observed == "index":
            pos, ref = _fitted_positions(problem, o)
            v = v * index_scale(v[:, pos], ref)[:, None]
        if t.observed in ("direct", "index"):
            v = with_error(v, t.error, problem.seed, purpose + ".error", ids)
        out[t.id] = v
    return out


def _fitted_positions(problem: Problem, o: Observations) -> tuple[NDArray[np.int64], F64]:
    """Where the fitted windows of ``o``'s target lie in ``o``, and their record
    (all of ``o`` where none of it was fitted)."""
    fit = next((f for f in problem.fitted if f.target.id == o.target.id), o)
    pairs = [
        (o.labels.index(lab), v)
        for lab, v in zip(fit.labels, fit.values, strict=True)
        if lab in o.labels
    ]
    if not pairs:
        return np.arange(len(o), dtype=np.int64), o.values
    return np.array([i for i, _ in pairs], dtype=np.int64), np.array([v for _, v in pairs])


def distances(problem: Problem, observed: dict[str, F64]) -> F64:
    """Weighted sum over targets of the RMS difference of log(1 + value);
    for a floor, of the shortfall below it only."""
    total = 0.0
    for o in problem.fitted:
        sim = observed[o.target.id]
        if o.target.observed == "floor":
            err = shortfall(sim, o.values)
        else:
            err = np.log1p(np.maximum(sim, 0.0)) - np.log1p(o.values)[None, :]
        total = total + o.target.weight * np.sqrt(np.mean(err**2, axis=1))
    return np.asarray(total, dtype=np.float64)


def _worker(problem: Problem, values: F64, ids: NDArray[np.int64], predictive: bool):
    which = problem.predicted if predictive else problem.fitted
    return simulate_model(problem, values, ids, which)


@dataclass
class Calibration:
    """The result: generations, the posterior predictive, and what was fitted."""

    problem: Problem
    generations: list[Generation]
    predictive: dict[str, F64]  # target id -> (M, n) recorded draws, all observations
    predictive_model: dict[str, F64]  # the same before the observation model
    seconds: float = 0.0
    simulations: int = 0
    meta: dict = field(default_factory=dict)

    @property
    def posterior(self) -> Generation:
        return self.generations[-1]

    def posterior_values(self) -> F64:
        return self.problem.values(self.posterior.z)


def _split(n: int, parts: int) -> list[slice]:
    edges = np.linspace(0, n, parts + 1).astype(int)
    return [slice(a, b) for a, b in itertools.pairwise(edges) if b > a]


def calibrate(
    problem: Problem,
    *,
    particles: int = 1000,
    generations: int = 8,
    quantile: float = 0.5,
    min_acceptance: float = 0.02,
    draws: int | None = None,
    workers: int | None = None,
    on_generation: Callable[[Generation], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Run ABC-SMC, then simulate the posterior predictive for every observation."""
    t0 = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn")) if workers > 1 else None
    counter = {"sims": 0}

    def model_values(values: F64, ids: NDArray[np.int64], predictive: bool) -> dict[str, F64]:
        counter["sims"] += len(ids)
        if pool is None or len(ids) < 2 * workers:
            return _worker(problem, values, ids, predictive)
        parts = _split(len(ids), workers)
        futures = [pool.submit(_worker, problem, values[s], ids[s], predictive) for s in parts]
        results = [f.result() for f in futures]
        return {k: np.concatenate([r[k] for r in results]) for k in results[0]}

    def distance(z: F64, ids: NDArray[np.int64]) -> F64:
        values = problem.values(z)
        mv = model_values(values, ids, predictive=False)
        return distances(problem, observe(problem, values, ids, mv, problem.fitted))

    try:
        history = abc_smc(
            distance,
            len(problem.priors),
            particles,
            generations,
            problem.seed,
            quantile=quantile,
            min_acceptance=min_acceptance,
            batch=max(PIECE * workers, 2000),
            on_generation=on_generation,
            on_batch=on_batch,
        )
        post = history[-1]
        m = draws or particles
        pid = PREDICTIVE_BASE + np.arange(m, dtype=np.int64)
        cw = np.cumsum(post.weights)
        pick = np.minimum(
            np.searchsorted(cw / cw[-1], uniform(problem.seed, "abc.predictive", 0, pid)),
            len(cw) - 1,
        )
        values = problem.values(post.z[pick])
        mv = model_values(values, pid, predictive=True)
        pred = observe(problem, values, pid, mv, problem.predicted)
    finally:
        if pool is not None:
            pool.shutdown()
    return Calibration(
        problem=problem,
        generations=history,
        predictive=pred,
        predictive_model=mv,
        seconds=time.perf_counter() - t0,
        simulations=counter["sims"],
        meta={
            "particles": particles,
            "generations_requested": generations,
            "quantile": quantile,
            "min_acceptance": min_acceptance,
            "draws": m,
            "workers": workers,
        },
    )
