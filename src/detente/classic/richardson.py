"""Richardson's arms race model.

Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood Press.
For two parties, dx/dt = k y - a x + g and dy/dt = l x - b y + h.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

__all__ = ["arms_rate", "equilibrium", "euler_step", "is_stable"]


def arms_rate(arsenal: F64, reaction: F64, fatigue: F64, grievance: F64, hostile: NDArray) -> F64:
    """dX_i/dt = k_i * sum_{j hostile to i} X_j - a_i X_i + g_i, for many actors.

    Parameters
    ----------
    arsenal : (..., N) armament levels X.
    reaction, fatigue, grievance : (..., N) Richardson's k, a and g per actor.
    hostile : (N, N) boolean, True where j is a rival of i.

    Returns
    -------
    (..., N) the rate of change, per unit of time of the coefficients.
    """
    # Multiply-and-sum, not ``@``: the result must not depend on the batch size.
    rivals = (arsenal[..., None, :] * hostile.astype(arsenal.dtype)).sum(axis=-1)
    return reaction * rivals - fatigue * arsenal + grievance


def euler_step(
    arsenal: F64, reaction: F64, fatigue: F64, grievance: F64, hostile: NDArray, dt: float
) -> F64:
    """One explicit Euler step of :func:`arms_rate`, floored at zero (no negative arms)."""
    return np.maximum(arsenal + dt * arms_rate(arsenal, reaction, fatigue, grievance, hostile), 0.0)


def equilibrium(k: float, a: float, g: float, l: float, b: float, h: float) -> tuple[float, float]:
    """Fixed point of dx/dt = k y - a x + g, dy/dt = l x - b y + h.

    Solves a x - k y = g, -l x + b y = h (Richardson 1960, ch. 2).
    """
    det = a * b - k * l
    if det == 0:
        raise ValueError("no unique equilibrium: a b = k l")
    return ((b * g + k * h) / det, (l * g + a * h) / det)


def is_stable(k: float, a: float, l: float, b: float) -> bool:
    """The equilibrium is stable when a b > k l (both eigenvalues negative).

    With non-negative coefficients the trace -(a + b) is negative, so the
    sign of the determinant a b - k l decides.
    """
    return a * b > k * l
