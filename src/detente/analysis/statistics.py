"""Summary statistics with confidence intervals, as pure functions."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["paired_difference", "quantiles", "wilson_interval"]

# The 97.5% standard normal quantile, as scipy.stats.norm.ppf(0.975) gives it
# to the last bit (tests/test_metrics.py checks): importing scipy.stats costs
# about a second of start-up for this one constant.
Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA* 22(158): 209-212. Unlike the normal
    approximation it stays inside [0, 1] and is sound near 0 and 1.
    """
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # The interval always contains p; rounding must not push it off 0 or 1.
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def paired_difference(a: NDArray, b: NDArray, z: float = Z95) -> tuple[float, tuple[float, float]]:
    """Mean of a - b over runs paired by common random numbers, with a normal CI.

    Pairing removes the variance the two packages share, which is what makes
    small policy effects visible (Law 2015, Simulation Modeling and Analysis,
    section 11.2, common random numbers).
    """
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    n = len(d)
    m = float(d.mean())
    if n < 2:
        return m, (m, m)
    half = z * float(d.std(ddof=1)) / math.sqrt(n)
    return m, (m - half, m + half)


def quantiles(x: NDArray, qs: tuple[float, ...] = (0.05, 0.95)) -> tuple[float, ...]:
    """Empirical quantiles (linear interpolation, numpy's default)."""
    return tuple(float(v) for v in np.quantile(np.asarray(x, dtype=np.float64), qs))
