"""Fit the mapping's free coefficients to the ICB record by ABC-SMC.

The project's sampler (:func:`detente.calibration.abc.abc_smc`, the
replenishment ABC-SMC of Drovandi & Pettitt 2011) runs unchanged: a particle
is one draw of the coefficients (:data:`~detente.crises.mapping.COEFFICIENTS`,
uniform priors turned into the sampler's standard-normal space through the
normal CDF), and its distance is how badly an ensemble of runs of every
training crisis, simulated in one vectorised call, forecasts what happened:

D = mean RPS(viol through the observation model) / 3
    + mean fair CRPS(log days) / sd(log days) + mean fair Brier(outcome form) / 2.

The viol term reads each particle's latent escalation (the mean viol code of
its runs of a crisis) through the ordered logit of
:mod:`~detente.crises.observation`, fitted for that particle on the training
crises (the link profiled out); the other two are proper scores with the
ensemble-size correction of Ferro (2014), "Fair scores for ensemble
forecasts", QJRMS 140, so that a small ensemble is not penalised for its
sampling noise. Accepting the particles with the smallest scores is then a
likelihood-free cousin of generalised Bayesian updating with a scoring-rule
loss (Bissiri, Holmes & Walker 2016, "A general framework for updating
belief distributions", JRSS B 78(5)).

After the last generation the observation model is fitted once more, on the
posterior predictive latent escalation of the training crises (``link_draws``
posterior draws x ``link_reps`` runs each), and stored with the posterior.
"""

from __future__ import annotations

import datetime
import itertools
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray
from scipy.special import ndtr

from detente.calibration.abc import abc_smc
from detente.crises.mapping import COEFFICIENTS, OUTCOMES, FeatureTable, from_unit, to_unit
from detente.crises.observation import OrderedLink, fit_link, link_rps
from detente.crises.simulate import simulate_crises

__all__ = [
    "FitSettings",
    "Posterior",
    "discrepancy",
    "fit",
    "read_posterior",
    "splits",
    "write_posterior",
]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class FitSettings:
    """The sampler's budget: particles, generations, runs per crisis and MCMC moves."""

    particles: int = 200
    generations: int = 6
    reps: int = 4
    max_moves: int = 3
    seed: int = 0
    workers: int = 1
    # Coefficients held at given values (name, value); the rest are fitted.
    fixed: tuple[tuple[str, float], ...] = ()
    # Posterior draws and runs per draw the final observation model is fitted on.
    link_draws: int = 40
    link_reps: int = 5

    def free(self) -> list[int]:
        held = {n for n, _ in self.fixed}
        return [i for i, c in enumerate(COEFFICIENTS) if c.name not in held]

    def embed(self, z: F64) -> F64:
        """Points of the unit cube (P, K) from the sampler's free coordinates (P, F)."""
        u = np.zeros((len(z), len(COEFFICIENTS)))
        u[:, self.free()] = ndtr(z)
        if self.fixed:
            vals = dict(self.fixed)
            held = to_unit({c.name: np.array([vals.get(c.name, c.lo)]) for c in COEFFICIENTS})
            for i, c in enumerate(COEFFICIENTS):
                if c.name in vals:
                    u[:, i] = held[0, i]
        return u


@dataclass(frozen=True)
class Posterior:
    """Equally weighted coefficient samples (N, K) in the order of COEFFICIENTS."""

    samples: F64
    meta: dict[str, Any]

    def coefficients(self, idx: NDArray[np.int64] | None = None) -> dict[str, F64]:
        s = self.samples if idx is None else self.samples[idx]
        return {c.name: s[:, i : i + 1] for i, c in enumerate(COEFFICIENTS)}

    def median(self) -> dict[str, float]:
        return {c.name: float(np.median(self.samples[:, i])) for i, c in enumerate(COEFFICIENTS)}

    def link(self) -> OrderedLink | None:
        """The fitted observation model, or None for a posterior without one."""
        d = self.meta.get("observation")
        return OrderedLink.from_dict(d) if isinstance(d, dict) else None

    def draw_ids(self, draws: int) -> NDArray[np.int64]:
        """``draws`` sample indices spread evenly through the samples."""
        n = len(self.samples)
        return np.unique(np.linspace(0, n - 1, min(draws, n)).round().astype(np.int64))


def fair_rps(members: NDArray[np.int64], obs: NDArray[np.int64], k: int = 4) -> F64:
    """Fair ranked probability score of ensembles (..., m) for categories 1..k (Ferro 2014)."""
    m = members.shape[-1]
    total = np.zeros(members.shape[:-1])
    for j in range(1, k):
        f = (members <= j).mean(axis=-1)
        o = (obs <= j).astype(float)
        total += (f - o) ** 2 - f * (1 - f) / (m - 1)
    return total


def fair_crps(members: F64, obs: F64) -> F64:
    """Fair CRPS of ensembles (..., m) (Ferro 2014; Gneiting & Raftery 2007)."""
    m = members.shape[-1]
    a = np.abs(members - obs[..., None]).mean(axis=-1)
    b = np.abs(members[..., :, None] - members[..., None, :]).sum(axis=(-1, -2))
    return a - b / (2 * m * (m - 1))


def fair_brier(members: NDArray[np.int64], obs: NDArray[np.int64], k: int) -> F64:
    """Fair multi-category Brier score of ensembles (..., m)."""
    m = members.shape[-1]
    total = np.zeros(members.shape[:-1])
    for j in range(k):
        f = (members == j).mean(axis=-1)
        o = (obs == j).astype(float)
        total += (f - o) ** 2 - f * (1 - f) / (m - 1)
    return total


def discrepancy(sim: dict[str, NDArray], table: FeatureTable) -> F64:
    """Distance of each coefficient draw's simulations (P, C, reps) from the record."""
    log_obs = np.log(table.days)
    scale = max(float(np.std(log_obs)), 1e-6)
    d = link_rps(sim["viol"].mean(axis=2), table.viol) / 3.0
    d += fair_crps(np.log(sim["days"]), log_obs[None, :]).mean(axis=1) / scale
    has = table.outcome >= 0
    if has.any():
        b = fair_brier(sim["outcome"][:, has], table.outcome[None, has], len(OUTCOMES))
        d += b.mean(axis=1) / 2.0
    return d


def _distance_chunk(args) -> F64:
    table, u, ids, reps, seed = args
    sim = simulate_crises(table, from_unit(u), ids, reps, seed)
    return discrepancy(sim, table)


def latent_chunk(args) -> tuple[F64, F64, F64]:
    """Posterior predictive of crises: latent escalation (C,), viol frequencies
    (C, 4) and mean days (C,) over all draws and runs."""
    table, coefs, pids, reps, seed = args
    sim = simulate_crises(table, coefs, pids, reps, seed)
    v = sim["viol"].transpose(1, 0, 2).reshape(len(table), -1)  # (C, draws x reps)
    counts = np.stack([(v == k).sum(axis=1) for k in range(1, 5)], axis=1).astype(float)
    return v.mean(axis=1), counts, sim["days"].mean(axis=(0, 2))


def splits(n: int, parts: int) -> list[slice]:
    edges = np.linspace(0, n, parts + 1).astype(int)
    return [slice(a, b) for a, b in itertools.pairwise(edges) if b > a]


def fit(table: FeatureTable, s: FitSettings, on_generation=None) -> Posterior:
    """Run ABC-SMC over all crises of ``table``; return the last generation."""
    pool = ProcessPoolExecutor(s.workers) if s.workers > 1 else None

    def distance(z: F64, ids: NDArray[np.int64]) -> F64:
        parts = splits(len(z), s.workers)
        u = s.embed(z)
        jobs = [(table, u[sl], ids[sl], s.reps, s.seed) for sl in parts]
        if pool is None:
            return np.concatenate([_distance_chunk(j) for j in jobs])
        return np.concatenate(list(pool.map(_distance_chunk, jobs)))

    start = time.perf_counter()
    try:
        gens = _sample(s, distance, on_generation)
        k = from_unit(s.embed(gens[-1].z))
        samples = np.concatenate([k[c.name] for c in COEFFICIENTS], axis=1)
        post = Posterior(samples, {})
        idx = post.draw_ids(s.link_draws)
        coefs = post.coefficients(idx)
        jobs = [
            (table.take(np.arange(len(table))[sl]), coefs, idx, s.link_reps, s.seed)
            for sl in splits(len(table), s.workers)
        ]
        parts = list(pool.map(latent_chunk, jobs)) if pool else [latent_chunk(j) for j in jobs]
        z = np.concatenate([a for a, _, _ in parts])
    finally:
        if pool is not None:
            pool.shutdown()
    link = fit_link(z, table.viol)
    meta = _meta(gens, s, table, start)
    meta["observation"] = {
        **link.to_dict(),
        "draws": len(idx),
        "reps": s.link_reps,
        "cuts_only": fit_link(z, table.viol, slope=False).to_dict(),
    }
    return Posterior(samples, meta)


def _sample(s: FitSettings, distance, on_generation):
    return abc_smc(
        distance,
        len(s.free()),
        s.particles,
        s.generations,
        s.seed,
        max_moves=s.max_moves,
        batch=max(s.particles, 1),
        on_generation=on_generation,
    )


def _meta(gens, s: FitSettings, table: FeatureTable, start: float) -> dict[str, Any]:
    return {
        "generations": [
            {
                "epsilon": float(g.epsilon),
                "acceptance": float(g.acceptance),
                "median_distance": float(np.median(g.distances)),
                "simulations": int(g.simulations),
            }
            for g in gens
        ],
        "settings": {
            "particles": s.particles,
            "generations": s.generations,
            "reps": s.reps,
            "max_moves": s.max_moves,
            "seed": s.seed,
            "fixed": dict(s.fixed),
        },
        "crises": len(table),
        "years": [int(table.year.min()), int(table.year.max())],
        "seconds": round(time.perf_counter() - start, 1),
    }


def sha256(path: str | Path) -> str:
    """SHA-256 of an input file, streamed through the guarded reader."""
    from detente.io import sha256_file

    return sha256_file(path, "ICB")


def write_posterior(post: Posterior, path: Path, command: str, inputs: dict[str, str]) -> None:
    """Write the posterior as YAML: how it was made, then the samples by coefficient."""
    from detente import __version__
    from detente.io import write_atomic

    doc = {
        "fitted_by": command,
        "inputs": inputs,
        "detente": __version__,
        "written": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
        **post.meta,
        "priors": {
            c.name: {"low": c.lo, "high": c.hi, "log": c.log, "meaning": c.meaning}
            for c in COEFFICIENTS
        },
        "samples": {
            c.name: [float(f"{v:.6g}") for v in post.samples[:, i]]
            for i, c in enumerate(COEFFICIENTS)
        },
    }
    write_atomic(path, yaml.safe_dump(doc, sort_keys=False, width=100).encode())


def read_posterior(path: str | Path) -> Posterior:
    """Read a posterior written by :func:`write_posterior`; every coefficient is checked."""
    p = Path(path)
    from detente.scenario.loading import read_yaml

    doc = read_yaml(p, "crisis-fit")  # guarded: no FIFOs or devices, bounded, safe loader
    if not isinstance(doc, dict) or not isinstance(doc.get("samples"), dict):
        raise ValueError(f"{p}: field 'samples': expected a mapping of coefficient samples")
    cols = []
    for c in COEFFICIENTS:
        v = doc["samples"].get(c.name)
        if not isinstance(v, list) or not v or not all(isinstance(x, int | float) for x in v):
            raise ValueError(f"{p}: field 'samples.{c.name}': expected a list of numbers")
        a = np.asarray(v, dtype=float)
        if not np.all((a >= c.lo - 1e-9) & (a <= c.hi + 1e-9)):
            raise ValueError(f"{p}: field 'samples.{c.name}': expected values in [{c.lo}, {c.hi}]")
        cols.append(a)
    if len({len(x) for x in cols}) != 1:
        raise ValueError(f"{p}: field 'samples': expected as many samples of every coefficient")
    samples = np.stack(cols, axis=1)
    to_unit({c.name: samples[:, i] for i, c in enumerate(COEFFICIENTS)})
    if "observation" in doc:
        try:
            OrderedLink.from_dict(doc["observation"])
        except (TypeError, KeyError, ValueError):
            raise ValueError(
                f"{p}: field 'observation': expected 'cuts' (3 increasing numbers) "
                "and 'slope' (a number >= 0)"
            ) from None
    return Posterior(samples, {k: v for k, v in doc.items() if k != "samples"})
