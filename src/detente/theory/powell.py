"""War as a commitment problem: Powell's condition for preventive war.

Powell, R. (2004). The inefficient use of power: costly conflict with
complete information. *American Political Science Review* 98(2): 231-241.
Powell, R. (2006). War as a commitment problem. *International Organization*
60(1): 169-203. Fearon, J. D. (1995). Rationalist explanations for war.
*International Organization* 49(3): 379-414 (the preventive-war example).
Baron, D. P. & Ferejohn, J. A. (1989). Bargaining in legislatures. *APSR*
83(4): 1181-1206 (random recognition of the proposer). Krainin, C. (2017).
Preventive war as a result of long-term shifts in power. *Political Science
Research and Methods* 5(1): 103-121 (shifts spread over many periods).

Setting (Powell 2006, preventive war): two states divide a flow of benefits
each period under complete information, discount factor delta in (0, 1).
Either may fight instead: the war ends the game, the winner takes the flow
for ever; the rising side R wins with probability p_t, fighting costs c_R and
c_D. Power shifts once, from p_t to p' next period. Payoffs are
average-discounted (the whole flow for ever is worth 1, a period's flow
1 - delta), in the units of :mod:`detente.theory.fearon`; Powell's sums and
lump-sum costs times (1 - delta) give ours. Equations (our numbering,
derived in docs/theory.md):

(1) W_R(t) = p_t - c_R, W_D(t) = 1 - p_t - c_D (war values);
(2) V_D(t+1) = 1 - p' - c_D + s (c_D + c_R) (the stationary peace after the
    shift, D proposing with probability s; s = 1 is the most R can credibly
    promise, as R never takes less than its minmax payoff p' - c_R);
(3) Pi_D(t) = (1 - delta) + delta V_D(t+1) (the most peace gives D today);
(4) war iff W_D(t) > Pi_D(t) iff delta p' - p_t > (1 - delta) c_D + delta s (c_D + c_R);
    with s = 1 this is Powell's (2004) inefficiency condition
    M_D(t) + delta M_R(t+1) > 1, war in every equilibrium;
(5) war iff p' - p_t > Delta* = [(1 - delta)(p_t + c_D) + delta s (c_D + c_R)] / delta;
(6) today's bargaining range over D's share of the flow, empty iff war.
(2'), where the shares that (2) needs leave [0, 1]: the clipped fixed point.

The closed forms broadcast over runs and use :data:`detente.backend.xp`, so
the engine can call them under JAX. :func:`backward_induction` solves the
same game by value iteration and backward induction, comparing discounted
sums without (2)-(6): the check in ``detente reproduce`` and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.backend import real, xp

Array = Any  # a NumPy or JAX array, or a float: every closed form broadcasts

__all__ = [
    "Solution",
    "backward_induction",
    "bargaining_range",
    "continuation_value",
    "peace_ceiling",
    "prefers_war",
    "shift_bound",
    "war_margin",
    "war_values",
]


def war_values(p: Array, cost_declining: Array, cost_rising: Array) -> tuple[Array, Array]:
    """Each side's average-discounted value of war begun now, eq. (1).

    Parameters
    ----------
    p : the rising side's probability of winning a war begun now.
    cost_declining, cost_rising : each side's cost of war, as a share of the stake.

    Returns
    -------
    (W_D, W_R) = (1 - p - c_D, p - c_R), broadcast: war is a costly lottery
    over the whole flow (Fearon 1995; Powell 2006).
    """
    return 1.0 - p - cost_declining, p - cost_rising


def _clip01(x: Array) -> Array:
    return xp.minimum(xp.maximum(x, 0.0), 1.0)


def _bcast(*xs: Array) -> list[Array]:
    """The arguments as arrays of the model's real dtype, broadcast to one shape."""
    return list(xp.broadcast_arrays(*[xp.asarray(x, dtype=real()) for x in xs]))


def _stack(*xs: Array) -> Array:
    return xp.stack(_bcast(*xs), axis=-1)


def _decreasing_root(fun: Any, knots: Array) -> Array:
    """The root of a non-increasing piecewise-linear ``fun`` whose kinks are among ``knots``.

    ``knots`` (..., K) hold every kink; ``fun`` is linear between sorted knots,
    so interpolating on the segment where its sign changes is exact, with no
    iteration. +inf where ``fun`` stays > 0 at every knot.
    """
    x = xp.sort(knots, axis=-1)
    f = fun(x)
    neg = f <= 0.0
    i = xp.argmax(neg, axis=-1)[..., None]
    j = xp.maximum(i - 1, 0)
    x1, f1 = xp.take_along_axis(x, i, -1)[..., 0], xp.take_along_axis(f, i, -1)[..., 0]
    x0, f0 = xp.take_along_axis(x, j, -1)[..., 0], xp.take_along_axis(f, j, -1)[..., 0]
    slope_ok = f0 > f1
    t = xp.where(slope_ok, f0 / xp.where(slope_ok, f0 - f1, 1.0), 1.0)
    root = xp.where(i[..., 0] == 0, x1, x0 + t * (x1 - x0))
    return xp.where(neg.any(axis=-1), root, xp.inf)


def _shares(
    v_d: Array, p: Array, delta: Array, cost_declining: Array, cost_rising: Array, s: Array
) -> Array:
    """s y_D + (1 - s) y_R: D's expected share of one period's flow, given V_D tomorrow.

    y_R is the least share of today's flow that leaves D its war value when R
    proposes; y_D the most D can keep while leaving R its war value; both
    clipped to [0, 1], because a period's flow is all there is to transfer.
    """
    flow = 1.0 - delta
    y_r = (1.0 - p - cost_declining - delta * v_d) / flow
    y_d = 1.0 - (p - cost_rising - delta * (1.0 - v_d)) / flow
    return s * _clip01(y_d) + (1.0 - s) * _clip01(y_r)


def continuation_value(
    p_next: Array,
    delta: Array,
    cost_declining: Array,
    cost_rising: Array,
    surplus_share: Array = 1.0,
) -> Array:
    """The declining side's value of the stationary peace after the shift, eq. (2).

    Each later period D proposes with probability s and R otherwise (Baron &
    Ferejohn 1989); a responder who rejects fights, so a proposer leaves it
    exactly its war value. Where the shares this needs lie in [0, 1],
    V_D(t+1) = 1 - p' - c_D + s (c_D + c_R): D's war value plus a share s of
    the surplus c_D + c_R that peace saves. Where they do not (a proposer
    cannot take more than a period's whole flow: s strictly between 0 and 1
    with costs large against 1 - delta, or a negative war value) V_D is the
    fixed point V = s clip(y_D(V)) + (1 - s) clip(y_R(V)), eq. (2'), solved
    exactly by :func:`_decreasing_root`.

    Parameters
    ----------
    p_next : the rising side's probability of winning once power has shifted.
    delta : the discount factor per period, in (0, 1).
    cost_declining, cost_rising : the costs of war, shares of the stake.
    surplus_share : s in [0, 1]. 1 (default) is the most the rising side can
        credibly promise (Powell 2004: it never accepts less than its minmax
        payoff, max(p' - c_R, 0)); 0 is a rising side making every offer.

    Returns
    -------
    V_D(t+1), broadcast.
    """
    args = _bcast(p_next, delta, cost_declining, cost_rising, surplus_share)
    p_next, delta, cost_declining, cost_rising, surplus_share = args
    w_r, w_d = p_next - cost_rising, 1.0 - p_next - cost_declining

    def gap(v: Array) -> Array:
        return _shares(v, *(a[..., None] for a in args)) - v

    # The kinks of y_R and y_D, clipped to [0, 1]. They bracket the root: below
    # the lowest both shares are 1, so the gap there is 1 - V > 0, and above the
    # highest both are 0 and the gap is -V <= 0.
    knots = _stack(
        _clip01(w_d / delta),
        _clip01((w_d - (1.0 - delta)) / delta),
        _clip01(1.0 - w_r / delta),
        _clip01(1.0 - (w_r - (1.0 - delta)) / delta),
    )
    return _decreasing_root(gap, knots)


def peace_ceiling(
    p_next: Array,
    delta: Array,
    cost_declining: Array,
    cost_rising: Array,
    surplus_share: Array = 1.0,
) -> Array:
    """The most peace can give the declining side now, eq. (3).

    Pi_D(t) = (1 - delta) + delta V_D(t+1): the whole of today's flow, then
    the credible continuation of :func:`continuation_value` (Powell 2006).
    """
    v = continuation_value(p_next, delta, cost_declining, cost_rising, surplus_share)
    return (1.0 - delta) + delta * v


def war_margin(
    p_now: Array,
    p_next: Array,
    delta: Array,
    cost_declining: Array,
    cost_rising: Array,
    surplus_share: Array = 1.0,
) -> Array:
    """W_D(t) - Pi_D(t): how much the declining side gains by fighting now, eq. (4).

    Where the shares are interior (see :func:`continuation_value`) it equals
    delta p' - p_t - (1 - delta) c_D - delta s (c_D + c_R). Positive means war
    under complete information (Powell 2006); its size is the incentive to
    break an agreement that the shift has made unenforceable.

    Parameters
    ----------
    p_now, p_next : the rising side's probability of winning now and after the shift.
    delta : the discount factor per period, in (0, 1).
    cost_declining, cost_rising : the costs of war, as shares of the stake.
    surplus_share : see :func:`continuation_value`.

    Returns
    -------
    The margin, broadcast over the arguments.
    """
    w_d = 1.0 - p_now - cost_declining
    return w_d - peace_ceiling(p_next, delta, cost_declining, cost_rising, surplus_share)


def prefers_war(
    p_now: Array,
    p_next: Array,
    delta: Array,
    cost_declining: Array,
    cost_rising: Array,
    surplus_share: Array = 1.0,
) -> Array:
    """Powell's condition, eq. (4): True where the declining side fights now.

    Strict: at the bound the declining side is indifferent and keeps the peace
    (Powell 2006: war when the shift *exceeds* what the costs of war can absorb).
    """
    return war_margin(p_now, p_next, delta, cost_declining, cost_rising, surplus_share) > 0.0


def shift_bound(
    p_now: Array,
    delta: Array,
    cost_declining: Array,
    cost_rising: Array,
    surplus_share: Array = 1.0,
) -> Array:
    """The largest shift p' - p_t that the peace survives, eq. (5).

    Where the shares are interior, Delta* = [(1 - delta)(p_t + c_D) +
    delta s (c_D + c_R)] / delta: eq. (4) solved for p'. A shift is too large
    when it beats the costs of war that the rising side can credibly share,
    and too rapid when delta is small (Powell 2006: "large, rapid shifts in
    the distribution of power"). In general p' enters the margin only through
    V_D(t+1), which falls piecewise linearly in p', so Delta* is found exactly
    on the segment where D's expected share crosses the level that makes the
    margin zero.

    Returns
    -------
    Delta*, broadcast; +inf where no p' <= 1 makes the declining side fight.
    War iff p' - p_t > Delta*.
    """
    args = _bcast(p_now, delta, cost_declining, cost_rising, surplus_share)
    p_now, delta, cost_declining, cost_rising, surplus_share = args
    # The continuation value at which the margin is zero.
    level = (1.0 - p_now - cost_declining - (1.0 - delta)) / delta
    tail = [a[..., None] for a in (level, delta, cost_declining, cost_rising, surplus_share)]

    def gap(q: Array) -> Array:  # D's share at V_D = level, less level: > 0 means peace
        return _shares(tail[0], q, *tail[1:]) - tail[0]

    base = 1.0 - cost_declining - delta * level  # y_R(q) = (base - q) / (1 - delta)
    top = cost_rising + delta * (1.0 - level)  # y_D(q) = 1 - (q - top) / (1 - delta)
    # The kinks in q within [p_t, 1] (y_R's kink at 1 is q = p_t): beyond the
    # highest the gap is constant, so a root there is none.
    knots = _stack(p_now, base, top, top + (1.0 - delta))
    knots = xp.minimum(xp.maximum(knots, p_now[..., None]), 1.0)
    return _decreasing_root(gap, knots) - p_now


def bargaining_range(
    p_now: Array,
    p_next: Array,
    delta: Array,
    cost_declining: Array,
    cost_rising: Array,
    surplus_share: Array = 1.0,
) -> tuple[Array, Array]:
    """The declining side's shares of today's flow that both prefer to war, eq. (6).

    Fearon's (1995) range [p - c_A, p + c_B] with a forecast shift: tomorrow is
    worth V_D(t+1) to the declining side and 1 - V_D(t+1) to the rising side,
    so today's share y must give D at least W_D(t) and R at least W_R(t).
    The parameters are those of :func:`war_margin`.

    Returns
    -------
    (lo, hi), broadcast and clipped to [0, 1]. The range is empty (war,
    whichever side the shift hurts) exactly where lo > hi; its width before
    clipping is (c_D + c_R) / (1 - delta).
    """
    v_d = continuation_value(p_next, delta, cost_declining, cost_rising, surplus_share)
    w_d, w_r = war_values(p_now, cost_declining, cost_rising)
    lo = (w_d - delta * v_d) / (1.0 - delta)
    hi = 1.0 - (w_r - delta * (1.0 - v_d)) / (1.0 - delta)
    return xp.maximum(lo, 0.0), xp.minimum(hi, 1.0)


@dataclass(frozen=True)
class Solution:
    """:func:`backward_induction` at period 0: the chance war begins (over who
    proposes), W_D(0) less the most peace gives D, and each side's value."""

    war_probability: float
    margin: float
    declining_value: float
    rising_value: float


def _period(
    p: float, delta: float, c_d: float, c_r: float, s: float, v_d: float, v_r: float
) -> tuple[float, float, float]:
    """One period: (V_D, V_R, P(war)) given tomorrow's values. D proposes with
    probability s; the responder accepts a share of today's flow (in [0, 1]) or
    fights; the proposer makes its best accepted offer or fights itself."""
    w_r, w_d = p - c_r, 1.0 - p - c_d
    flow = 1.0 - delta
    # R proposes: the smallest share of today's flow that D accepts.
    y = max((w_d - delta * v_d) / flow, 0.0)
    r_peace = flow * (1.0 - y) + delta * v_r
    if y > 1.0 or w_r > r_peace:
        r_branch = (w_d, w_r, 1.0)
    else:
        r_branch = (flow * y + delta * v_d, r_peace, 0.0)
    # D proposes: the largest share for itself that R accepts.
    z = min(1.0 - (w_r - delta * v_r) / flow, 1.0)
    d_peace = flow * z + delta * v_d
    if z < 0.0 or w_d > d_peace:
        d_branch = (w_d, w_r, 1.0)
    else:
        d_branch = (d_peace, flow * (1.0 - z) + delta * v_r, 0.0)
    v_d, v_r, war = s * np.array(d_branch) + (1.0 - s) * np.array(r_branch)
    return float(v_d), float(v_r), float(war)


def backward_induction(
    p_path: Any,
    delta: float,
    cost_declining: float,
    cost_rising: float,
    surplus_share: float = 1.0,
    tol: float = 1e-15,
) -> Solution:
    """Solve the game on a path of powers by value iteration and backward induction.

    The check of eqs. (2)-(6) that does not use them. The last power of the
    path holds for ever: that stationary tail is solved by iterating
    :func:`_period` from (0, 0) (a contraction of modulus delta) until the
    values stop changing, or have moved by at most ``tol`` for 64 iterations;
    then the path is solved backwards.
    Paths of any length are allowed, so shifts spread over several periods
    (Krainin 2017) can be studied too.

    Parameters
    ----------
    p_path : sequence of the rising side's probability of winning, period 0 first.
    delta : discount factor in (0, 1).
    cost_declining, cost_rising : costs of war (average-discounted shares).
    surplus_share : the declining side's chance of proposing each period.
    tol : convergence tolerance of the value iteration.

    Returns
    -------
    Solution
    """
    path = [float(v) for v in np.atleast_1d(p_path)]
    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta must lie in (0, 1), got {delta}")
    if not 0.0 <= surplus_share <= 1.0:
        raise ValueError(f"surplus_share must lie in [0, 1], got {surplus_share}")
    args = (delta, cost_declining, cost_rising, surplus_share)
    v_d, v_r, settled = 0.0, 0.0, 0
    for _ in range(100_000):
        n_d, n_r, _w = _period(path[-1], *args, v_d, v_r)
        change = max(abs(n_d - v_d), abs(n_r - v_r))
        v_d, v_r = n_d, n_r
        # Within tol, go on to the last bit (exact on dyadic numbers), but not
        # for ever: rounding can leave the iteration cycling between neighbours.
        settled += change <= tol
        if change == 0.0 or settled > 64:
            break
    for p in reversed(path[1:-1]):
        v_d, v_r, _w = _period(p, *args, v_d, v_r)
    val_d, val_r, war = _period(path[0], *args, v_d, v_r)
    # D's war value now against the most peace can give it: today's whole flow
    # plus its continuation as solved above.
    margin = (1.0 - path[0] - cost_declining) - ((1.0 - delta) + delta * v_d)
    return Solution(war, margin, val_d, val_r)
