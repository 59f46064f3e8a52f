"""The observation model: how a recorded count relates to the model's deaths.

Event datasets such as UCDP GED record a share of the deaths that occur
(events that cannot be located or confirmed are left out; UCDP counts about
7,800 deaths in Donbas from April 2014 to December 2021 where OHCHR counts
about 14,300), and monthly counts are overdispersed. A recorded count is

    Y ~ NegativeBinomial(mean = rho x D, size = k),  Var Y = mu + mu^2 / k,

with D the model's deaths in the window, rho the reporting share and k the
dispersion, both calibrated. The negative binomial is the usual count model
for conflict fatalities (the ViEWS models and benchmarks; Hegre et al. 2019).
Draws are by inverse transform of the project's counter-based uniforms, so a
recorded count is a pure function of (seed, target, run, window).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from detente.random import uniform

__all__ = ["recorded"]


def recorded(
    deaths: NDArray[np.float64],
    reporting: NDArray[np.float64],
    dispersion: NDArray[np.float64],
    seed: int,
    purpose: str,
    runs: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Draw recorded counts for (R, n) model deaths; ``reporting``, ``dispersion`` are (R,)."""
    mu = np.maximum(deaths, 0.0) * reporting[:, None]
    k = np.broadcast_to(dispersion[:, None], mu.shape)
    u = uniform(seed, purpose, 0, runs, (mu.shape[1],))
    p = k / (k + mu)
    draws = stats.nbinom.ppf(u, k, p)
    return np.where(mu > 0, np.asarray(draws, dtype=np.float64), 0.0)
