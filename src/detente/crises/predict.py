"""Forecast crises from a fitted posterior: P(viol = 1..4) and the mean duration.

Each forecast mixes ``draws`` coefficient draws of the posterior (spread
evenly through its samples) with ``reps`` runs each, so it carries the
posterior's uncertainty as well as the runs' (a posterior predictive).
Probabilities are smoothed by half a run per category (the Jeffreys prior
of a multinomial), so that no category the runs missed gets probability 0
and an infinite log loss.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
from numpy.typing import NDArray

from detente.crises.fit import Posterior, _splits
from detente.crises.mapping import FeatureTable
from detente.crises.simulate import simulate_crises

__all__ = ["predict"]


def _chunk(args) -> tuple[NDArray, NDArray]:
    table, coefs, pids, reps, seed = args
    sim = simulate_crises(table, coefs, pids, reps, seed)
    v = sim["viol"].transpose(1, 0, 2).reshape(len(table), -1)  # (C, draws x reps)
    counts = np.stack([(v == k).sum(axis=1) for k in range(1, 5)], axis=1).astype(float)
    p = (counts + 0.5) / (counts.sum(axis=1, keepdims=True) + 2.0)
    return p, sim["days"].mean(axis=(0, 2))


def predict(
    table: FeatureTable,
    post: Posterior,
    draws: int = 50,
    reps: int = 8,
    seed: int = 0,
    workers: int = 1,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per crisis: probabilities of viol 1-4 (C, 4) and the mean simulated days (C,)."""
    n = len(post.samples)
    idx = np.unique(np.linspace(0, n - 1, min(draws, n)).round().astype(np.int64))
    coefs = post.coefficients(idx)
    jobs = [
        (table.take(np.arange(len(table))[sl]), coefs, idx, reps, seed)
        for sl in _splits(len(table), max(workers, 1))
    ]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_chunk, jobs))
    else:
        parts = [_chunk(j) for j in jobs]
    if not parts:
        return np.zeros((0, 4)), np.zeros(0)
    return np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])
