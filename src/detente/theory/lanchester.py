"""Lanchester's laws of combat.

Lanchester, F. W. (1916). *Aircraft in Warfare: the Dawn of the Fourth Arm*.
Constable. Square law (aimed fire): dA/dt = -beta B, dB/dt = -alpha A, with
the invariant alpha A^2 - beta B^2. Linear law (area fire): dA/dt = -beta A B,
dB/dt = -alpha A B, with the invariant alpha A - beta B. Engel (1954) fitted
the square law, with reinforcements, to the battle of Iwo Jima.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from detente.backend import xp

F64 = NDArray[np.float64]
Schedule = Callable[[float], float]

__all__ = [
    "Battle",
    "Trajectory",
    "integrate",
    "linear_law",
    "square_law",
    "square_law_losses",
    "step_schedule",
]


@dataclass(frozen=True)
class Battle:
    """The outcome of a fight to the finish: who wins, with how many, after how long."""

    winner: Literal["A", "B", "draw"]
    survivors: float
    duration: float  # inf where the loser only approaches zero


@dataclass(frozen=True)
class Trajectory:
    """A numerically integrated battle."""

    t: F64
    a: F64
    b: F64
    ended_at: float | None  # when one side reached zero, if it did
    winner: Literal["A", "B", "none"]


def square_law(a0: float, b0: float, alpha: float, beta: float) -> Battle:
    """Closed form of the square law dA/dt = -beta B, dB/dt = -alpha A.

    The side with the larger fighting strength (alpha a0^2 against
    beta b0^2) wins with sqrt(|alpha a0^2 - beta b0^2| / own coefficient)
    survivors. With gamma = sqrt(alpha beta), B(t) = b0 cosh(gamma t) -
    sqrt(alpha/beta) a0 sinh(gamma t), so B reaches zero when
    tanh(gamma t) = b0 sqrt(beta) / (a0 sqrt(alpha)).
    """
    sa, sb = alpha * a0**2, beta * b0**2
    gamma = math.sqrt(alpha * beta)
    if math.isclose(sa, sb):
        return Battle("draw", 0.0, math.inf)
    if sa > sb:
        ratio = b0 * math.sqrt(beta) / (a0 * math.sqrt(alpha))
        return Battle("A", math.sqrt((sa - sb) / alpha), math.atanh(ratio) / gamma)
    ratio = a0 * math.sqrt(alpha) / (b0 * math.sqrt(beta))
    return Battle("B", math.sqrt((sb - sa) / beta), math.atanh(ratio) / gamma)


def linear_law(a0: float, b0: float, alpha: float, beta: float) -> Battle:
    """Closed form of the linear law dA/dt = -beta A B, dB/dt = -alpha A B.

    alpha A - beta B is constant, so the winner keeps a0 - beta b0 / alpha
    (or b0 - alpha a0 / beta); the loser only approaches zero, so the
    duration is infinite.
    """
    sa, sb = alpha * a0, beta * b0
    if math.isclose(sa, sb):
        return Battle("draw", 0.0, math.inf)
    if sa > sb:
        return Battle("A", a0 - beta * b0 / alpha, math.inf)
    return Battle("B", b0 - alpha * a0 / beta, math.inf)


def square_law_losses(a: F64, b: F64, alpha: F64, beta: F64, dt: float) -> tuple[F64, F64]:
    """Losses of A and B over one explicit step of the square law (the engine's form).

    Parameters
    ----------
    a, b : strengths of the two sides, any shape.
    alpha : effectiveness of A (B's losses per unit of A per unit time).
    beta : effectiveness of B.
    dt : the step.

    Returns
    -------
    (loss_a, loss_b), each capped at the side's strength.
    """
    loss_a = xp.minimum(dt * beta * b, a)
    loss_b = xp.minimum(dt * alpha * a, b)
    return loss_a, loss_b


def step_schedule(pieces: list[tuple[float, float, float]]) -> Schedule:
    """A reinforcement rate from (start, end, total) pieces: total/(end-start) on [start, end)."""

    def rate(t: float) -> float:
        return sum(total / (end - start) for start, end, total in pieces if start <= t < end)

    return rate


def integrate(
    a0: float,
    b0: float,
    alpha: float,
    beta: float,
    t_end: float,
    law: Literal["square", "linear"] = "square",
    reinforce_a: Schedule | None = None,
    reinforce_b: Schedule | None = None,
    breakpoints: list[float] | None = None,
    t_eval: F64 | None = None,
) -> Trajectory:
    """Integrate a Lanchester law with reinforcement schedules (scipy RK45).

    Integration restarts at each breakpoint (where a schedule jumps) so the
    solver never steps across a discontinuity, and stops when a side reaches
    zero after all reinforcements have arrived.
    """
    ra = reinforce_a or (lambda _t: 0.0)
    rb = reinforce_b or (lambda _t: 0.0)

    def rhs(t: float, z: F64) -> list[float]:
        a, b = max(z[0], 0.0), max(z[1], 0.0)
        if law == "square":
            return [ra(t) - beta * b, rb(t) - alpha * a]
        return [ra(t) - beta * a * b, rb(t) - alpha * a * b]

    def a_gone(_t: float, z: F64) -> float:
        return float(z[0])

    def b_gone(_t: float, z: F64) -> float:
        return float(z[1])

    a_gone.terminal = b_gone.terminal = True  # type: ignore[attr-defined]
    a_gone.direction = b_gone.direction = -1  # type: ignore[attr-defined]
    edges = sorted({0.0, *(breakpoints or []), t_end})
    edges = [e for e in edges if 0.0 <= e <= t_end]
    ts, As, Bs = [np.array([0.0])], [np.array([a0])], [np.array([b0])]
    z = [a0, b0]
    ended: float | None = None
    winner: Literal["A", "B", "none"] = "none"
    for lo, hi in itertools.pairwise(edges):
        events = [a_gone, b_gone] if lo >= max(breakpoints or [0.0]) else None
        sol = solve_ivp(
            rhs,
            (lo, hi),
            z,
            events=events,
            rtol=1e-10,
            atol=1e-8,
            dense_output=t_eval is not None,
            max_step=0.25,
        )
        ts.append(sol.t[1:])
        As.append(sol.y[0][1:])
        Bs.append(sol.y[1][1:])
        z = [sol.y[0][-1], sol.y[1][-1]]
        if sol.status == 1:
            ended = float(sol.t[-1])
            winner = "B" if len(sol.t_events[0]) else "A"
            break
    return Trajectory(np.concatenate(ts), np.concatenate(As), np.concatenate(Bs), ended, winner)
