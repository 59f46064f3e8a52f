"""Richardson's arms race model.

Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood Press. For two
parties, dx/dt = k y - a x + g and dy/dt = l x - b y + h: each arms in
reaction to the other (k, l), is held back by the burden of its own arms
(a, b) and carries a standing grievance (g, h).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from detente.backend import xp

F64 = NDArray[np.float64]

__all__ = [
    "RichardsonFit",
    "arms_rate",
    "closed_form",
    "equilibrium",
    "euler_step",
    "fit",
    "is_stable",
    "solve",
]


def arms_rate(
    arsenal: F64, reaction: F64, fatigue: F64, grievance: F64, hostile: NDArray[np.bool_]
) -> F64:
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
    rate: F64 = reaction * rivals - fatigue * arsenal + grievance
    return rate


def euler_step(
    arsenal: F64,
    reaction: F64,
    fatigue: F64,
    grievance: F64,
    hostile: NDArray[np.bool_],
    dt: float,
) -> F64:
    """One explicit Euler step of :func:`arms_rate`, floored at zero (no negative arms)."""
    step: F64 = xp.maximum(
        arsenal + dt * arms_rate(arsenal, reaction, fatigue, grievance, hostile), 0.0
    )
    return step


def _system(k: float, a: float, g: float, l: float, b: float, h: float) -> tuple[F64, F64]:
    return np.array([[-a, k], [l, -b]]), np.array([g, h])


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


def closed_form(
    t: ArrayLike, x0: float, y0: float, k: float, a: float, g: float, l: float, b: float, h: float
) -> tuple[F64, F64]:
    """Exact solution z(t) = z* + exp(M t) (z0 - z*) of the linear system.

    M = [[-a, k], [l, -b]] and z* the equilibrium; where M is singular the
    affine solution is integrated through the augmented 3x3 exponential.
    """
    M, c = _system(k, a, g, l, b, h)
    aug = np.zeros((3, 3))
    aug[:2, :2], aug[:2, 2] = M, c
    z0 = np.array([x0, y0, 1.0])
    ts = np.atleast_1d(np.asarray(t, dtype=np.float64))
    out = np.array([expm(aug * ti) @ z0 for ti in ts])
    return out[:, 0], out[:, 1]


def solve(
    t_end: float,
    x0: float,
    y0: float,
    k: float,
    a: float,
    g: float,
    l: float,
    b: float,
    h: float,
    t_eval: ArrayLike | None = None,
) -> tuple[F64, F64, F64]:
    """Numerical solution (scipy's RK45, tight tolerances): (t, x, y)."""
    M, c = _system(k, a, g, l, b, h)
    sol = solve_ivp(
        lambda _t, z: M @ z + c, (0.0, t_end), [x0, y0], t_eval=t_eval, rtol=1e-10, atol=1e-10
    )
    return sol.t, sol.y[0], sol.y[1]


@dataclass(frozen=True)
class RichardsonFit:
    """Richardson's additive test: d(x+y)/dt = slope (x+y) + intercept."""

    slope: float  # k - a in the symmetric case
    intercept: float  # g + h
    zero_growth_level: float  # the total at which growth stops: -intercept / slope
    r_squared: float


def fit(years: ArrayLike, x: ArrayLike, y: ArrayLike) -> RichardsonFit:
    """Fit Richardson's additive test to two blocs' yearly spending.

    Following Richardson (1960, ch. 5) on the 1909-1913 blocs, the yearly
    difference of the total V = x + y is regressed on the mean of V over the
    two consecutive years: ΔV = slope · mean(V) + intercept (least squares).

    Parameters
    ----------
    years : consecutive years.
    x, y : the two blocs' spending in those years.
    """
    yrs = np.asarray(years, dtype=np.float64)
    if len(yrs) < 3 or not np.all(np.diff(yrs) == 1):
        raise ValueError("expected at least three consecutive years")
    total = np.asarray(x, dtype=np.float64) + np.asarray(y, dtype=np.float64)
    dv = np.diff(total)
    mv = 0.5 * (total[1:] + total[:-1])
    slope, intercept = np.polyfit(mv, dv, 1)
    pred = slope * mv + intercept
    ss_res = float(((dv - pred) ** 2).sum())
    ss_tot = float(((dv - dv.mean()) ** 2).sum())
    return RichardsonFit(
        slope=float(slope),
        intercept=float(intercept),
        zero_growth_level=float(-intercept / slope),
        r_squared=1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0,
    )
