"""Forecast scores as conflict-forecasting systems use them (ViEWS: Hegre et al. 2019).

- CRPS of an ensemble forecast (Gneiting & Raftery 2007, "Strictly proper
  scoring rules, prediction, and estimation", JASA 102(477)), computed by
  the maintained ``scoringrules`` package;
- the Brier score of a probability forecast (Brier 1950);
- the coverage of central prediction intervals;
- two reference forecasts: no change (the last observed value) and the
  historical climatology (the empirical distribution of the past).

Lower CRPS and Brier scores are better; a calibrated 90% interval covers
about 90% of the observations.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["brier", "climatology_forecast", "coverage", "crps", "no_change_forecast"]

F64 = NDArray[np.float64]


def crps(observations: ArrayLike, ensemble: ArrayLike) -> F64:
    """CRPS of each observation against its ensemble (members on the last axis).

    The CRPS of the ensemble's empirical distribution, E|X - y| - E|X - X'|/2,
    computed by scoringrules in its quantile-decomposition form ("qd",
    O(M log M)); for a one-member ensemble it is the absolute error.
    """
    import scoringrules as sr

    obs = np.asarray(observations, dtype=np.float64)
    ens = np.asarray(ensemble, dtype=np.float64)
    if ens.ndim != obs.ndim + 1 or ens.shape[:-1] != obs.shape:
        raise ValueError(f"expected an ensemble of shape {obs.shape} + (members,), got {ens.shape}")
    return np.asarray(sr.crps_ensemble(obs, ens, estimator="qd"), dtype=np.float64)


def brier(probability: ArrayLike, outcome: ArrayLike) -> float:
    """Mean squared difference between forecast probabilities and 0/1 outcomes."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("expected probabilities in [0, 1]")
    return float(np.mean((p - y) ** 2))


def coverage(observations: ArrayLike, ensemble: ArrayLike, level: float) -> float:
    """Share of observations inside the ensemble's central ``level`` interval."""
    obs = np.asarray(observations, dtype=np.float64)
    ens = np.asarray(ensemble, dtype=np.float64)
    lo = np.quantile(ens, (1 - level) / 2, axis=-1)
    hi = np.quantile(ens, (1 + level) / 2, axis=-1)
    return float(np.mean((obs >= lo) & (obs <= hi)))


def no_change_forecast(history: ArrayLike, horizon: int) -> F64:
    """The last observed value for every future step, as a one-member ensemble."""
    h = np.asarray(history, dtype=np.float64)
    return np.full((horizon, 1), h[-1])


def climatology_forecast(history: ArrayLike, horizon: int) -> F64:
    """The whole past as the ensemble for every future step."""
    h = np.asarray(history, dtype=np.float64)
    return np.broadcast_to(h, (horizon, len(h))).copy()
