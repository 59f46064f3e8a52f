"""Fearon's rationalist bargaining model of war.

Fearon, J. D. (1995). Rationalist explanations for war. *International
Organization* 49(3): 379-414. A wins a war with probability p; war costs A
c_A and B c_B. Every split x (A's share) in [p - c_A, p + c_B] is preferred
to war by both. When A makes a take-it-or-leave-it demand and B's cost is
private, A trades a lower chance of acceptance for a better deal (the
risk-return trade-off), and war follows with positive probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from detente.backend import xp

F64 = NDArray[np.float64]

__all__ = [
    "UltimatumResult",
    "bargaining_range",
    "screening_cutoff",
    "screening_offer",
    "ultimatum",
]


@dataclass(frozen=True)
class UltimatumResult:
    """A's optimal demand, the chance B refuses it (war), and A's expected utility."""

    demand: float
    war_probability: float
    expected_utility: float


def bargaining_range(p: float, cost_a: float, cost_b: float) -> tuple[float, float]:
    """The splits both prefer to war under complete information: [p - c_A, p + c_B]."""
    return (p - cost_a, p + cost_b)


def _is_uniform(dist: Any) -> bool:
    return getattr(getattr(dist, "dist", None), "name", None) == "uniform"


def ultimatum(
    p: float, cost_a: float, cost_b: float | Any, method: str = "auto"
) -> UltimatumResult:
    """A's optimal take-it-or-leave-it demand to B.

    B accepts a demand x when 1 - x >= 1 - p - c_B, i.e. when c_B >= x - p.
    A maximises EU(x) = P(c_B >= x - p) x + P(c_B < x - p) (p - c_A).

    Parameters
    ----------
    p : A's probability of winning a war.
    cost_a : A's cost of war.
    cost_b : B's cost of war: a number (complete information) or a frozen
        scipy.stats distribution (one-sided incomplete information).
    method : "auto" (closed form for a uniform cost, else numerical) or
        "numeric" (always numerical; used to check the closed form).

    Returns
    -------
    UltimatumResult

    Notes
    -----
    Complete information: A demands p + c_B, B accepts, no war. For
    c_B ~ U[l, u] the first-order condition gives x* = p + (u - c_A) / 2,
    clipped to [p + l, p + u] (Fearon 1995, section on private information);
    the war probability F(x* - p) does not depend on p. Any other
    distribution is solved numerically (bounded scalar optimisation over the
    support, after a grid search for the basin).
    """
    if not hasattr(cost_b, "cdf"):
        demand = min(p + float(cost_b), 1.0)
        return UltimatumResult(demand, 0.0, demand)
    dist: Any = cost_b  # a frozen scipy.stats distribution from here on

    def eu(x: float) -> float:
        accept = float(dist.sf(x - p))
        return accept * x + (1.0 - accept) * (p - cost_a)

    lo, hi = (float(v) for v in dist.support())
    lo = max(lo, -p)
    hi = min(hi, 1.0 - p) if np.isfinite(hi) else 1.0 - p
    if method == "auto" and _is_uniform(dist):
        x = p + float(np.clip((float(dist.support()[1]) - cost_a) / 2.0, lo, hi))
    else:
        grid = np.linspace(p + lo, p + hi, 401)
        vals = np.array([eu(x) for x in grid])
        i = int(np.argmax(vals))
        a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        res = optimize.minimize_scalar(
            lambda x: -eu(x), bounds=(a, b), method="bounded", options={"xatol": 1e-10}
        )
        x = float(res.x) if -res.fun >= vals[i] else float(grid[i])
    war = float(cost_b.cdf(x - p))
    return UltimatumResult(x, war, eu(x))


def screening_cutoff(cost_high: float, cost_low: float, cost_a: float) -> float:
    """Two-type screening: q* = (c_H - c_L) / (c_H + c_A).

    B's cost is c_H (a weak, high-cost type) or c_L < c_H; q is the
    probability that B is the low-cost (resolved) type. A's demand p + c_H
    (accepted only by the high-cost type, war with the low-cost type) beats
    the safe demand p + c_L exactly when q < q*.
    """
    if not cost_high > cost_low:
        raise ValueError("expected cost_high > cost_low")
    return (cost_high - cost_low) / (cost_high + cost_a)


def screening_offer(
    reservations: F64,
    belief: F64,
    value_if_accepted: F64,
    value_if_rejected: F64,
    responder_accepts_at_most: bool,
) -> tuple[F64, F64]:
    """The proposer's best take-it-or-leave-it offer against a discrete type belief.

    The grid form of :func:`ultimatum` that the engine uses for every run at
    once. The responder of type g accepts an offer x when x <= reservations[g]
    (if ``responder_accepts_at_most``) or x >= reservations[g] otherwise. An
    optimal offer sits at one of the reservation points, so the search is
    exact over the G candidates: for each, the acceptance probability is the
    belief mass of the types that accept, and the proposer's expected value is
    P(accept) u(x) + (1 - P(accept)) v.

    Parameters
    ----------
    reservations : (..., G) each type's reservation point, already clipped.
    belief : (..., G) the proposer's belief over types.
    value_if_accepted : (..., G) u(x) at each candidate x = reservations[..., g].
    value_if_rejected : (...,) the proposer's value of going on.
    responder_accepts_at_most : the direction of acceptance.

    Returns
    -------
    (offer, probability of acceptance), each (...,).
    """
    cand = reservations[..., :, None]  # candidate offers on axis -2
    res = reservations[..., None, :]  # type reservations on axis -1
    accepts = res >= cand if responder_accepts_at_most else res <= cand
    p_accept = (accepts * belief[..., None, :]).sum(axis=-1)
    ev = p_accept * value_if_accepted + (1.0 - p_accept) * value_if_rejected[..., None]
    best = xp.argmax(ev, axis=-1)
    offer = xp.take_along_axis(reservations, best[..., None], axis=-1)[..., 0]
    prob = xp.take_along_axis(p_accept, best[..., None], axis=-1)[..., 0]
    return offer, prob
