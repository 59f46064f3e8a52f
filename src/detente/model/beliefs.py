"""Beliefs on a grid of types, updated by Bayes' rule.

Each observer holds a probability vector over G resolve bins for each actor it
faces, and over G cohesion bins for each alliance. Bayes' rule on a grid is
exact for the discretised prior, cheap, and vectorises over runs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import current, xp

F64 = NDArray[np.float64]

__all__ = ["gaussian_update", "likelihood_update", "mean"]


def likelihood_update(belief: F64, likelihood: F64) -> F64:
    """Posterior proportional to belief x likelihood over the last axis.

    Where the evidence rules out every type the observer thought possible
    (the posterior mass underflows), the prior is kept: an observer does not
    divide by zero, it disregards evidence it cannot explain.
    """
    post = belief * likelihood
    total = post.sum(axis=-1, keepdims=True)
    ok = total > 1e-300
    if not current().some(~ok):  # known to hold everywhere: no select needed
        return post / total
    return xp.where(ok, post / xp.where(ok, total, 1.0), belief)


def gaussian_update(belief: F64, centres: F64, signal: F64, sd: F64) -> F64:
    """Update on a signal s = type + N(0, sd^2), for each leading index.

    ``signal`` and ``sd`` have the belief's leading shape; ``centres`` is (G,).
    A zero sd means no signal is informative enough to use here (complete
    information is set in the prior instead), so the belief is unchanged.
    """
    # A floor on the sd keeps z^2 finite: a signal more precise than 1e-6 of
    # the type range is as good as exact on a grid of at most 256 bins.
    sd_safe = xp.where(sd > 0, xp.maximum(sd, 1e-6), 1.0)[..., None]
    z = (signal[..., None] - centres) / sd_safe
    z2 = z * z
    # Subtracting the smallest z^2 rescales the likelihood by a constant, which
    # Bayes' rule ignores, and keeps the nearest bin from underflowing.
    lik = xp.exp(-0.5 * (z2 - z2.min(axis=-1, keepdims=True)))
    updated = likelihood_update(belief, lik)
    informative = sd > 0
    if not current().some(~informative):  # known: every signal is used
        return updated
    return xp.where(informative[..., None], updated, belief)


def mean(belief: F64, centres: F64) -> F64:
    """Expected type under each belief.

    An explicit multiply-and-sum rather than ``@``: BLAS may order a dot
    product differently for different array sizes, and a run's numbers must
    not depend on how many runs share its chunk.
    """
    return (belief * centres).sum(axis=-1)
