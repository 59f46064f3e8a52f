"""The observation model: from the simulation's latent escalation to ICB's viol.

The simulation gives each crisis a latent escalation z, the mean of its runs'
viol codes (1-4, :func:`~detente.crises.simulate.simulate_crises`). The
record's code is read from it through an ordered logit (McCullagh 1980,
"Regression models for ordinal data", JRSS B 42(2)):

    P(viol <= k | z) = logistic(c_k - b z),   k = 1, 2, 3,   c_1 < c_2 < c_3, b >= 0,

three cut-points and a slope, fitted by maximum likelihood on training
crises only. A latent variable read through thresholds with an error term is
how structural models of crisis bargaining are taken to conflict data
(Signorino 1999, "Strategic interaction and the statistical analysis of
international conflict", APSR 93(2); Lewis & Schultz 2003, "Revealing
preferences", Political Analysis 11(4)): the simulated outcome is what the
actors' choices produce, the thresholds say where the coders' categories
lie on it, and the logistic error is what the model leaves out.

The split of the skill is measurable: with b = 0 the link is the training
frequencies (the base rate, cut-points only); with b > 0 only the ordering
of crises by the simulation adds to it. b >= 0 keeps the reading honest: a
crisis the simulation escalates further may not be read as less violent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit

__all__ = ["OrderedLink", "fit_link", "link_rps"]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class OrderedLink:
    """Cut-points c_1 < c_2 < c_3 and slope b >= 0 of the ordered logit."""

    cuts: tuple[float, float, float]
    slope: float

    def probabilities(self, z: F64) -> F64:
        """P(viol = 1..4) of crises (C, 4) from their latent escalation z (C,)."""
        z = np.asarray(z, dtype=float)
        F = expit(np.asarray(self.cuts)[None, :] - self.slope * z[:, None])
        F = np.concatenate([np.zeros((len(z), 1)), F, np.ones((len(z), 1))], axis=1)
        return np.clip(np.diff(F, axis=1), 1e-9, 1.0)

    def to_dict(self) -> dict:
        return {"cuts": [float(c) for c in self.cuts], "slope": float(self.slope)}

    @classmethod
    def from_dict(cls, d: dict) -> OrderedLink:
        cuts = [float(c) for c in d["cuts"]]
        if len(cuts) != 3 or not cuts[0] < cuts[1] < cuts[2] or float(d["slope"]) < 0:
            raise ValueError("expected 3 increasing cut-points and a slope >= 0")
        return cls((cuts[0], cuts[1], cuts[2]), float(d["slope"]))


def _unpack(theta: F64, slope: bool) -> OrderedLink:
    c1, g2, g3 = theta[:3]
    return OrderedLink((c1, c1 + g2, c1 + g2 + g3), float(theta[3]) if slope else 0.0)


def fit_link(z: F64, viol: NDArray[np.int64], slope: bool = True) -> OrderedLink:
    """Maximum-likelihood ordered logit of viol on z (L-BFGS-B, bounded gaps and slope).

    ``slope=False`` fits the cut-points alone (b = 0): the training frequencies.
    """
    z = np.asarray(z, dtype=float)
    y = np.asarray(viol, dtype=np.int64) - 1
    rows = np.arange(len(y))

    def nll(theta: F64) -> float:
        p = _unpack(theta, slope).probabilities(z)
        return float(-np.log(p[rows, y]).mean())

    # Start at the cut-points-only answer (the cumulative training frequencies).
    freq = np.bincount(y, minlength=4)[:3].cumsum() / max(len(y), 1)
    c = np.log(np.clip(freq, 0.01, 0.99) / (1 - np.clip(freq, 0.01, 0.99)))
    c = np.maximum.accumulate(c + np.array([0.0, 1e-3, 2e-3]))
    x0 = [c[0], max(c[1] - c[0], 1e-3), max(c[2] - c[1], 1e-3)]
    bounds = [(-20.0, 20.0), (1e-4, 20.0), (1e-4, 20.0)]
    if slope:
        x0, bounds = [*x0, 0.0], [*bounds, (0.0, 20.0)]
    res = minimize(nll, np.asarray(x0, dtype=float), method="L-BFGS-B", bounds=bounds)
    return _unpack(res.x, slope)


def link_rps(z: F64, viol: NDArray[np.int64]) -> F64:
    """Per row of z (P, C): the mean RPS of the ordered logit fitted on that row.

    The simulation's coefficients are judged by what the observation model
    makes of their latent escalation (the link profiled out), as in a
    profile likelihood.
    """
    from detente.crises.score import rps

    out = np.empty(len(z))
    for i, row in enumerate(np.asarray(z, dtype=float)):
        out[i] = rps(fit_link(row, viol).probabilities(row), viol).mean()
    return out
