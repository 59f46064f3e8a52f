"""Bueno de Mesquita's expected-utility forecasting model.

Bueno de Mesquita, B. (1994). Political forecasting: an expected utility
method. In *European Community Decision Making* (Yale University Press), in
the explicit form of Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011).
Unravelling Bueno De Mesquita's group decision model. *Journal of Theoretical
Politics* 23(4): 510-531. Written here from the equations, with every
pairwise quantity as an (n, n) array.

Each actor i has a capability c_i, a position x_i on a line and a salience
s_i. Round by round: third parties vote, which gives each side's chance of
prevailing in a challenge; each actor's risk exponent follows from how
exposed its position is; each actor judges, for every other, whether it can
compel, must compromise or should leave it be; and each actor takes the
offer that moves it least.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]

__all__ = ["Forecast", "forecast", "risk_exponents", "weighted_mean", "weighted_median"]


def weighted_median(x: ArrayLike, w: ArrayLike) -> float:
    """The position at which half the weight c s lies on either side (the first such)."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cum, 0.5 * cum[-1])])


def weighted_mean(x: ArrayLike, w: ArrayLike) -> float:
    """Capability-times-salience weighted mean position."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    return float((w * x).sum() / w.sum())


def _probabilities(x: F64, weight: F64, d: float) -> F64:
    """P[i, j]: chance that i prevails over j, from third parties' votes.

    Actor k's vote for i over j is c_k s_k (|x_k - x_j| - |x_k - x_i|) / d;
    P = (sum of votes for i) / (sum of absolute votes).
    """
    dist = np.abs(x[:, None] - x[None, :]) / d  # dist[k, i] = |x_k - x_i| / d
    votes = weight[:, None, None] * (dist[:, None, :] - dist[:, :, None])  # [k, i, j]
    pos = np.clip(votes, 0, None).sum(axis=0)
    tot = np.abs(votes).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, pos / tot, 0.5)


def _utilities(x: F64, r: F64, d: float, median: float) -> tuple[F64, F64, F64, F64, F64]:
    """U^s, U^f, U^b, U^w (each [i, j], seen with i's risk exponent) and U^sq [i]."""
    gap = np.abs(x[:, None] - x[None, :]) / d
    rr = r[:, None]
    us = 2 - 4 * (0.5 - 0.5 * gap) ** rr
    uf = 2 - 4 * (0.5 + 0.5 * gap) ** rr
    to_median = np.abs(x - median)[:, None] / d
    ub = 2 - 4 * np.clip(0.5 - 0.25 * (to_median + gap), 0, None) ** rr
    uw = 2 - 4 * (0.5 + 0.25 * (to_median + gap)) ** rr
    usq = 2 - 4 * 0.5**r
    return us, uf, ub, uw, usq


def _expected_challenge(
    x: F64, s: F64, weight: F64, r: F64, d: float, q: float = 1.0, t: float = 1.0
) -> F64:
    """EU[i, j]: i's expected utility of challenging j, with i's risk exponent.

    EU = s_j [P U^s + (1 - P) U^f] + (1 - s_j) U^s - Q U^sq
         - (1 - Q) [T U^b + (1 - T) U^w]
    (Scholz, Calbert & Smith 2011, eq. 6; Q = 1 and T = 1 by default).
    """
    median = weighted_median(x, weight)
    p = _probabilities(x, weight, d)
    us, uf, ub, uw, usq = _utilities(x, r, d, median)
    eu: F64 = (
        s[None, :] * (p * us + (1 - p) * uf)
        + (1 - s[None, :]) * us
        - q * usq[:, None]
        - (1 - q) * (t * ub + (1 - t) * uw)
    )
    np.fill_diagonal(eu, 0.0)
    return eu


def risk_exponents(x: ArrayLike, c: ArrayLike, s: ArrayLike) -> F64:
    """Each actor's risk exponent r_i in [0.5, 2] from the danger to its position.

    Danger_i is the sum of the others' expected utility of challenging i
    (computed risk-neutrally). With R_i = (2 D_i - D_max - D_min) /
    (D_max - D_min), r_i = (1 - R_i / 3) / (1 + R_i / 3): the most exposed
    actor is risk-acceptant (0.5), the most secure risk-averse (2).
    """
    x, c, s = (np.asarray(v, dtype=np.float64) for v in (x, c, s))
    d = float(x.max() - x.min()) or 1.0
    eu = _expected_challenge(x, s, c * s, np.ones_like(x), d)
    danger = eu.sum(axis=0)  # column i: everyone's utility of challenging i
    span = danger.max() - danger.min()
    if span == 0:
        return np.ones_like(x)
    big_r = (2 * danger - danger.max() - danger.min()) / span
    # The formula maps [-1, 1] onto [2, 0.5]; the clip only removes rounding.
    r: F64 = np.clip((1 - big_r / 3) / (1 + big_r / 3), 0.5, 2.0)
    return r


@dataclass(frozen=True)
class Forecast:
    """Positions by round ((rounds + 1, n), row 0 the start) and the median by round."""

    actors: tuple[str, ...]
    positions: F64
    median: F64
    mean: F64
    risk: F64  # (rounds + 1, n) risk exponents used in each round


def forecast(
    actors: list[str],
    capability: ArrayLike,
    position: ArrayLike,
    salience: ArrayLike,
    rounds: int = 10,
) -> Forecast:
    """Run the model for ``rounds`` rounds.

    In each round every actor i, from its own perspective, sets EU_ii(j) (its
    utility of challenging j) against EU_ij(i) (j's utility of challenging
    it, as i sees it). Where i expects to gain and j to lose, i can demand a
    move: if i's gain outweighs j's loss, j must adopt x_i (compel);
    otherwise j is asked to move toward x_i by the share |EU_ij / EU_ii|
    (compromise). Where both expect to gain and i more so, it is a conflict
    that i expects to win: j must adopt x_i. Each actor then accepts, of the
    offers made to it, the one that moves it least.
    """
    c = np.asarray(capability, dtype=np.float64)
    s = np.asarray(salience, dtype=np.float64)
    x = np.asarray(position, dtype=np.float64).copy()
    w = c * s
    d = float(x.max() - x.min()) or 1.0
    xs, medians, means, risks = [x.copy()], [weighted_median(x, w)], [weighted_mean(x, w)], []
    for _ in range(rounds):
        r = risk_exponents(x, c, s)
        risks.append(r)
        eu_own = _expected_challenge(x, s, w, r, d)  # [i, j] with r_i
        # j's utility of challenging i, seen with i's risk exponent: transpose
        # the challenge matrix computed with r_i in every row.
        eu_other = np.empty_like(eu_own)
        for i in range(len(x)):
            ri = np.full_like(x, r[i])
            eu_other[i] = _expected_challenge(x, s, w, ri, d)[:, i]
        np.fill_diagonal(eu_other, 0.0)
        gain, loss = eu_own, eu_other
        compel = (gain > 0) & (loss < 0) & (gain > np.abs(loss))
        compromise = (gain > 0) & (loss < 0) & (gain <= np.abs(loss))
        conflict = (gain > 0) & (loss > 0) & (gain > loss)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(compromise, np.abs(loss / np.where(gain > 0, gain, 1.0)), 0.0)
        share = np.clip(share, 0.0, 1.0)
        # offer[i, j]: the position i asks j to take.
        offer = np.where(
            compel | conflict,
            x[:, None],
            np.where(compromise, x[None, :] + share * (x[:, None] - x[None, :]), np.nan),
        )
        move = np.abs(offer - x[None, :])
        move = np.where(np.isnan(offer), np.inf, move)
        best = np.argmin(move, axis=0)
        has = np.isfinite(move[best, np.arange(len(x))])
        x = np.where(has, offer[best, np.arange(len(x))], x)
        xs.append(x.copy())
        medians.append(weighted_median(x, w))
        means.append(weighted_mean(x, w))
    risks.append(risk_exponents(x, c, s))
    return Forecast(
        tuple(actors), np.array(xs), np.array(medians), np.array(means), np.array(risks)
    )
