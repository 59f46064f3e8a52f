"""Richardson's arms race model.

Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood Press.
For two parties, dx/dt = k y - a x + g and dy/dt = l x - b y + h.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

__all__ = ["arms_rate", "euler_step"]


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
