"""Bargaining against the crisis going on (model-spec V2.1-V2.3).

Pure functions over arrays with a leading run axis; shapes are written
``(R, Dn, 2)`` for a value per run, dispute and side (0 challenger,
1 defender), and ``(R, Dn, 2, O)`` for a value per option.

Three rationalist causes of war act here (Fearon 1995):

- **private information**: a proposer knows the responder's type only as a
  belief over resolve bins and the mean of its cost of war, and screens
  (the risk-return trade-off);
- **commitment problems** (Powell 2006): a side whose chance of winning is
  forecast to fall values any peaceful share above what the rising side could
  credibly promise after the shift at a discount, and the rising side counts
  on gaining it (:func:`renegotiated`);
- **indivisible stakes** (Fearon 1995; Toft 2003): offers split only the
  divisible part of the stake in play.

An offer is judged against the value of *rejecting* it: in a crisis the best
continuation of the crisis (:func:`disagreement`), at war the war going on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.backend import xp

__all__ = [
    "Coefficients",
    "Terms",
    "Valuation",
    "best_deal_value",
    "commitment_bounds",
    "credible_shares",
    "disagreement",
    "negotiate",
    "own_share",
    "renegotiated",
    "reservation",
    "unrenegotiated",
]

F64 = NDArray[np.float64]
B = NDArray[np.bool_]
_EPS = 1e-6
_FAR = 1e9  # a bound out of reach of any share
# Ties within 1e-9 count as acceptance: NumPy's and XLA's exp, log and pow
# differ in the last bits, and an offer aimed at a type's reservation must be
# accepted by that type on both backends alike.
_TOL = 1e-9
# A chance below 1e-300 counts as none. XLA on the CPU flushes subnormal numbers
# (below 2.2e-308) to zero and NumPy keeps them, so a test against exactly 0 could
# choose differently on the two backends (seen: an offer whose chance of acceptance
# was 7e-309 made on NumPy and not on JAX).
_NEGLIGIBLE = 1e-300


@dataclass(frozen=True)
class Terms:
    """What an agreement can split, per run and dispute (R, Dn).

    ``q`` is the challenger's status-quo share, ``demand`` its demand; offers
    lie in ``[q, hi]``, where ``hi = q + (1 - indivisible) (demand - q)``:
    the indivisible part of the stake in play is not on the table.
    """

    q: F64
    demand: F64
    hi: F64

    @classmethod
    def of(cls, q: F64, demand: F64, indivisible: F64) -> Terms:
        return cls(q=q, demand=demand, hi=q + (1.0 - indivisible) * (demand - q))


@dataclass(frozen=True)
class Coefficients:
    """Each option's value as a line in the type: U = r A + c Bc + K, (R, Dn, 2, O).

    The continuation of a crisis is linear in the chooser's resolve r and
    cost of war c, so one set of coefficients gives the value of rejecting an
    offer for every type a proposer considers. Unavailable options have
    ``K = -inf``.
    """

    a: F64
    bc: F64
    k: F64

    def best(self, r: F64, c: F64) -> F64:
        """Value of the best option for types (r, c) broadcast on trailing axes.

        ``r`` and ``c`` have shape (R, Dn, 2) or (R, Dn, 2, G); the result has
        their shape.
        """
        extra = r.ndim - 3
        a, bc, k = (v.reshape(v.shape[:3] + (1,) * extra + v.shape[3:]) for v in (
            self.a, self.bc, self.k))
        return (r[..., None] * a + c[..., None] * bc + k).max(axis=-1)


def own_share(x: F64) -> F64:
    """Each side's own share of the stake, (R, Dn) challenger shares -> (R, Dn, 2)."""
    return xp.stack([x, 1.0 - x], axis=-1)


def renegotiated(x_own: F64, ceiling: F64, floor: F64, delta: float) -> F64:
    """What a peaceful own share ``x_own`` is worth once a forecast shift in power is counted.

    After the shift the rising side will honour no more than the declining
    side's war share then plus the rising side's cost of war (Powell 2006,
    the most it can credibly promise): a declining side keeps a share above
    that ``ceiling`` only for the part ``1 - delta`` of the agreement's life
    before the shift, and the rising side expects to gain the difference
    (its ``floor``, one minus the declining side's ceiling) after it:

        K(x) = x - delta (x - ceiling)^+ + delta (floor - x)^+.

    Without a forecast shift ceiling and floor lie out of reach and K(x) = x.
    """
    return x_own - delta * xp.maximum(x_own - ceiling, 0.0) + delta * xp.maximum(floor - x_own, 0.0)


def unrenegotiated(v: F64, ceiling: F64, floor: F64, delta: float) -> F64:
    """The share x with K(x) = v (:func:`renegotiated` is increasing, so this is one-to-one)."""
    slope = max(1.0 - delta, _EPS)
    return xp.where(
        v > ceiling,
        (v - delta * ceiling) / slope,
        xp.where(v < floor, (v - delta * floor) / slope, v),
    )


def commitment_bounds(y_now: F64, y_fut: F64) -> tuple[F64, F64]:
    """(ceiling, floor) of :func:`renegotiated` for each side, (R, Dn, 2).

    A side is declining where its credible share falls with the forecast
    shift (``y_fut < y_now``); its ceiling is ``y_fut`` and its opponent's
    floor is ``1 - y_fut``. Elsewhere both lie out of reach.
    """
    declining = y_fut < y_now - 1e-12
    ceiling = xp.where(declining, y_fut, _FAR)
    floor = xp.where(declining[..., ::-1], 1.0 - y_fut[..., ::-1], -_FAR)
    return ceiling, floor


def credible_shares(
    war_share: F64, opp_cost_share: F64, shift: F64, stake: F64
) -> tuple[F64, F64]:
    """(y_now, y_fut), (R, Dn, 2): the most the other side concedes now and after the shift.

    ``war_share`` is each side's expected own share from a war now,
    ``opp_cost_share`` the other side's cost of war in stake shares (c / r),
    ``shift`` the challenger's forecast change in its chance of winning
    (R, Dn) and ``stake`` the share in play (R, Dn). Only a side whose chance
    falls has ``y_fut < y_now``.
    """
    y_now = war_share + opp_cost_share
    own_shift = xp.stack([shift, -shift], axis=-1) * stake[..., None]
    return y_now, y_now + xp.minimum(own_shift, 0.0)


def disagreement(coef: Coefficients, r: F64, c: F64) -> F64:
    """Value of rejecting an offer in a crisis: the best continuation (R, Dn, 2[, G])."""
    return coef.best(r, c)


@dataclass(frozen=True)
class Valuation:
    """How a side values a peaceful own share x, arrays (R, Dn, 2) or one side's (R, Dn).

    V(x) = r (K(x) - s) - A min(1, max(0, (top - x) / stake)):

    K is :func:`renegotiated` (the commitment problem); the second term is
    the audience cost of settling for less than the side stood for (Fearon
    1994): A = a L / 5 at its posture L, in proportion to the part of its
    position given up, from its full aim ``top`` (the demand for the
    challenger, the status quo for the defender). An agreement at the other
    side's terms costs the whole of A, as a concession does.
    """

    s: F64
    ceiling: F64
    floor: F64
    delta: float
    top: F64
    stake: F64
    aud: F64

    def pick(self, first: B) -> Valuation:
        """Side 0's values where ``first``, else side 1's, (R, Dn)."""
        def one(v: F64) -> F64:
            return xp.where(first, v[:, :, 0], v[:, :, 1])

        return Valuation(one(self.s), one(self.ceiling), one(self.floor), self.delta,
                         one(self.top), one(self.stake), one(self.aud))

    def expand(self) -> Valuation:
        """Each array with a trailing axis, to broadcast against types or candidates."""
        return Valuation(self.s[..., None], self.ceiling[..., None], self.floor[..., None],
                         self.delta, self.top[..., None], self.stake[..., None],
                         self.aud[..., None])

    def swap(self) -> Valuation:
        """The other side's values in each side's place (R, Dn, 2)."""
        return Valuation(self.s[:, :, ::-1], self.ceiling[:, :, ::-1], self.floor[:, :, ::-1],
                         self.delta, self.top[:, :, ::-1], self.stake[:, :, ::-1],
                         self.aud[:, :, ::-1])

    def value(self, x_own: F64, r: F64) -> F64:
        given_up = xp.clip((self.top - x_own) / xp.maximum(self.stake, _EPS), 0.0, 1.0)
        kept = renegotiated(x_own, self.ceiling, self.floor, self.delta)
        return r * (kept - self.s) - self.aud * given_up


def reservation(d: F64, r: F64, val: Valuation) -> F64:
    """Own share a side of resolve ``r`` needs to accept: the least x in [-2, 3] with V(x) >= d.

    V (:meth:`Valuation.value`) is continuous, non-decreasing and linear
    between its kinks: the commitment bounds (``ceiling`` and ``floor`` of
    :func:`renegotiated`) and the two ends of the audience cost's ramp
    (``top - stake`` and ``top``). The root is found exactly by evaluating V
    at those kinks and the ends of the bracket, finding the segment where V
    crosses d, and inverting the line there (an inverse of a monotone
    piecewise-linear function; O(1) passes instead of bisection's 48). Where
    V stays above d on the whole bracket the answer is -2 (any share will
    do), where it stays below, 3 (no share will).
    """
    at = val.expand()
    stake = xp.maximum(at.stake, _EPS)
    # The kinks depend on the valuation only: sorted once, shared by every
    # type (r) and value of rejecting (d) broadcast against them.
    own = xp.broadcast_shapes(*(v.shape for v in (at.s, at.ceiling, at.floor, at.top, stake,
                                                   at.aud)))
    ends = xp.full(own, -2.0, dtype=d.dtype)
    kinks = [xp.broadcast_to(xp.clip(k, -2.0, 3.0), own)
             for k in (at.ceiling, at.floor, at.top - stake, at.top)]
    pts = xp.sort(xp.concatenate([ends, *kinks, ends + 5.0], axis=-1), axis=-1)  # (..., 6)
    kept = renegotiated(pts, at.ceiling, at.floor, at.delta) - at.s
    given_up = at.aud * xp.clip((at.top - pts) / stake, 0.0, 1.0)
    v = r[..., None] * kept - given_up  # V at the kinks, (..., 6) broadcast with r
    shape = xp.broadcast_shapes(d.shape, v.shape[:-1])
    v = xp.broadcast_to(v, (*shape, 6))
    pts = xp.broadcast_to(pts, (*shape, 6))
    k = (v < d[..., None]).sum(axis=-1)[..., None]  # non-decreasing V: the points below d lead
    i01 = xp.clip(xp.concatenate([k - 1, k], axis=-1), 0, 5)  # the segment's two ends
    x0, x1 = xp.moveaxis(xp.take_along_axis(pts, i01, axis=-1), -1, 0)
    v0, v1 = xp.moveaxis(xp.take_along_axis(v, i01, axis=-1), -1, 0)
    rise = v1 - v0
    # At k = 0 and k = 6 both gathers give the same end of the bracket
    # (x1 = x0, rise = 0), so the line returns -2 or 3 with no branch.
    return x0 + (d - v0) * (x1 - x0) / xp.where(rise > 0.0, rise, 1.0)


def best_deal_value(
    terms: Terms, r_own: F64, need_opp: F64, val: Valuation
) -> tuple[F64, B]:
    """Each side's value of the best deal the other would accept, and whether one exists.

    ``need_opp`` (R, Dn, 2) is the own share the *other* side needs (its
    :func:`reservation` as this side sees it). The deal gives this side the
    rest, kept inside the divisible range ``[q, hi]`` of challenger shares.
    """
    x_c = xp.stack([1.0 - need_opp[..., 0], need_opp[..., 1]], axis=-1)  # challenger share
    # The defender accepts any x up to 1 - its need: the challenger's best deal
    # is that, or the most on the table, and exists if it is at least q. The
    # challenger accepts any x from its need: the defender's best deal is that,
    # or q, and exists if the need is on the table (at most hi).
    lo, hi = terms.q[..., None], terms.hi[..., None]
    ok = xp.where(xp.arange(2) == 0, x_c >= lo - 1e-12, x_c <= hi + 1e-12)
    x_c = xp.clip(x_c, lo, hi)
    x_own = xp.stack([x_c[..., 0], 1.0 - x_c[..., 1]], axis=-1)
    return val.value(x_own, r_own), ok


def negotiate(
    terms: Terms,
    d_resp_types: F64,
    type_edges: F64,
    belief: F64,
    d_resp: F64,
    r_resp: F64,
    d_prop: F64,
    r_prop: F64,
    val: Valuation,
    challenger_proposes: B,
) -> tuple[B, F64]:
    """One round of take-it-or-leave-it offers, (R, Dn) each (Fearon 1995; Rubinstein 1982).

    The proposer screens over the responder's types (Fearon's risk-return
    trade-off): for each candidate offer (a type's reservation, inside the
    divisible range) it weighs the chance of acceptance under its belief
    against its own value of rejection ``d_prop``; it makes no offer that is
    worth less to it than ``d_prop``, so an accepted offer is individually
    rational for both (model-spec property 8). The responder accepts when the
    offer is worth at least ``d_resp``, its value of the crisis (or war)
    going on.

    Parameters
    ----------
    terms : what can be split.
    d_resp_types : (R, Dn, G) the responder's value of rejecting, per type, as
        the proposer sees it (type resolve ``type_edges``, its expected cost).
    type_edges : (G,) each type bin's most demanding resolve (its upper edge).
    belief : (R, Dn, G) the proposer's belief over the responder's type.
    d_resp, r_resp : (R, Dn) the responder's true value of rejecting and resolve.
    d_prop, r_prop : (R, Dn) the proposer's.
    val : how each side values a share (:class:`Valuation`, (R, Dn, 2)).
    challenger_proposes : (R, Dn).

    Returns
    -------
    (accepted, offer in challenger shares), each (R, Dn).
    """
    cp = challenger_proposes
    resp, prop = val.pick(~cp), val.pick(cp)
    need = reservation(d_resp_types, type_edges, resp.expand())  # (R, Dn, G) own share
    res_x = xp.where(cp[..., None], 1.0 - need, need)  # in challenger shares
    lo, hi = terms.q[..., None], terms.hi[..., None]
    cand = xp.clip(res_x, lo, hi)  # (R, Dn, G) candidate offers
    # Type h accepts candidate g: a defender wants x <= its bound, a challenger x >= it.
    c_g, r_h = cand[..., :, None], res_x[..., None, :]
    accepts = xp.where(cp[..., None, None], c_g <= r_h + _TOL, c_g >= r_h - _TOL)
    p_acc = (accepts * belief[..., None, :]).sum(axis=-1)  # (R, Dn, G)
    own_p = xp.where(cp[..., None], cand, 1.0 - cand)
    v_prop = prop.expand().value(own_p, r_prop[..., None])
    ev = p_acc * v_prop + (1.0 - p_acc) * d_prop[..., None]
    worth = (v_prop >= d_prop[..., None] - _TOL) & (p_acc > _NEGLIGIBLE)
    # Candidates whose expected values agree to 1e-9 are a tie, broken by the
    # first (the most generous offer): the backends' last bits must not choose.
    ev = xp.where(worth, xp.round(ev / _TOL), -xp.inf)
    best = xp.argmax(ev, axis=-1)
    offer = xp.take_along_axis(cand, best[..., None], axis=-1)[..., 0]
    has_offer = worth.any(axis=-1)
    own_r = xp.where(cp, 1.0 - offer, offer)
    v_resp = resp.value(own_r, r_resp)
    accepted = has_offer & (v_resp >= d_resp - _TOL)
    return accepted, offer
