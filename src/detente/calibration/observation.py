"""The observation model: how each kind of record relates to the model's values.

Four definitions (a targets file's ``observed``):

- ``recorded``: an event dataset's count, a share of what occurs, with noise
  (below);
- ``direct``: the record is the quantity itself, up to a relative survey
  error ``e``: Y = X exp(e Z), Z standard normal (IOM's phone surveys of the
  internally displaced have margins of a few hundred thousand);
- ``floor``: the record is a lower bound (OHCHR's verified civilian deaths,
  UCDP's "more than 81,500"): any model value at or above it agrees, and
  only a shortfall counts against a simulation (:func:`shortfall`);
- ``index``: the record is proportional to the quantity with an unknown
  factor (Oryx's visually confirmed equipment losses as an index of the
  tempo of fighting): the model's series is scaled to the record's mean over
  the fitted windows (:func:`index_scale`), so only its shape is compared.

The ``recorded`` count:

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

from detente.random import normal, uniform

__all__ = ["index_scale", "recorded", "shortfall", "with_error"]


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


def with_error(
    values: NDArray[np.float64], error: float, seed: int, purpose: str, runs: NDArray[np.int64]
) -> NDArray[np.float64]:
    """A record with relative lognormal error ``error`` of the (R, n) model values."""
    if error <= 0.0:
        return values
    z = normal(seed, purpose, 0, runs, (values.shape[1],))
    return values * np.exp(error * z)


def index_scale(model: NDArray[np.float64], record: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per-run factor (R,) that gives the (R, n) model series the (n,) record's mean."""
    return float(np.mean(record)) / np.maximum(np.mean(model, axis=1), 1e-12)


def shortfall(model: NDArray[np.float64], floor: NDArray[np.float64]) -> NDArray[np.float64]:
    """How far (in log(1 + x)) each (R, n) model value falls below its floor; 0 at or above."""
    return np.maximum(np.log1p(floor)[None, :] - np.log1p(np.maximum(model, 0.0)), 0.0)
