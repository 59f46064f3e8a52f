"""Forecast crises from a fitted posterior: P(viol = 1..4) and the mean duration.

Each forecast mixes ``draws`` coefficient draws of the posterior (spread
evenly through its samples) with ``reps`` runs each, so it carries the
posterior's uncertainty as well as the runs' (a posterior predictive). The
runs' mean viol code, the crisis's latent escalation, is read through the
posterior's observation model (:mod:`~detente.crises.observation`). With
``raw=True``, or for a posterior without one, the forecast is the runs'
frequencies of viol 1-4 themselves, smoothed by half a run per category (the
Jeffreys prior of a multinomial) so that no category the runs missed gets
probability 0 and an infinite log loss.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
from numpy.typing import NDArray

from detente.crises.fit import Posterior, latent_chunk, splits
from detente.crises.mapping import FeatureTable

__all__ = ["frequencies", "predict", "predict_latent"]


def predict_latent(
    table: FeatureTable,
    post: Posterior,
    draws: int = 50,
    reps: int = 8,
    seed: int = 0,
    workers: int = 1,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per crisis: latent escalation (C,), counts of runs with viol 1-4 (C, 4), mean days (C,)."""
    idx = post.draw_ids(draws)
    coefs = post.coefficients(idx)
    jobs = [
        (table.take(np.arange(len(table))[sl]), coefs, idx, reps, seed)
        for sl in splits(len(table), max(workers, 1))
    ]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(latent_chunk, jobs))
    else:
        parts = [latent_chunk(j) for j in jobs]
    if not parts:
        return np.zeros(0), np.zeros((0, 4)), np.zeros(0)
    return tuple(np.concatenate([x[i] for x in parts]) for i in range(3))  # type: ignore[return-value]


def frequencies(counts: NDArray[np.float64]) -> NDArray[np.float64]:
    """Jeffreys-smoothed frequencies of viol 1-4 from run counts (C, 4)."""
    return (counts + 0.5) / (counts.sum(axis=1, keepdims=True) + 2.0)


def predict(
    table: FeatureTable,
    post: Posterior,
    draws: int = 50,
    reps: int = 8,
    seed: int = 0,
    workers: int = 1,
    raw: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per crisis: probabilities of viol 1-4 (C, 4) and the mean simulated days (C,)."""
    z, counts, days = predict_latent(table, post, draws, reps, seed, workers)
    link = post.link()
    if link is not None and not raw:
        return link.probabilities(z), days
    return frequencies(counts), days
