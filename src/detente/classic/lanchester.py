"""Lanchester's laws of combat.

Lanchester, F. W. (1916). *Aircraft in Warfare: the Dawn of the Fourth Arm*.
Constable. The square law: dA/dt = -beta B, dB/dt = -alpha A.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

__all__ = ["square_law_losses"]


def square_law_losses(a: F64, b: F64, alpha: F64, beta: F64, dt: float) -> tuple[F64, F64]:
    """Losses of A and B over one explicit step of the square law.

    Parameters
    ----------
    a, b : strengths of the two sides.
    alpha : effectiveness of A (B's losses per unit of A per unit time).
    beta : effectiveness of B.
    dt : the step.

    Returns
    -------
    (loss_a, loss_b), each capped at the side's strength.
    """
    loss_a = np.minimum(dt * beta * b, a)
    loss_b = np.minimum(dt * alpha * a, b)
    return loss_a, loss_b
