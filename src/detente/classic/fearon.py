"""Fearon's rationalist bargaining model of war.

Fearon, J. D. (1995). Rationalist explanations for war. *International
Organization* 49(3): 379-414. With war payoffs p - c_A and 1 - p - c_B, every
split in [p - c_A, p + c_B] is preferred to war by both; under uncertainty
about the responder's cost the proposer trades a lower chance of acceptance
for a better deal (the risk-return trade-off).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

__all__ = ["screening_offer"]


def screening_offer(
    reservations: F64,
    belief: F64,
    value_if_accepted: F64,
    value_if_rejected: F64,
    responder_accepts_at_most: bool,
) -> tuple[F64, F64]:
    """The proposer's best take-it-or-leave-it offer against a discrete type belief.

    The responder of type g accepts an offer x (the proposer's share
    convention is the caller's) when x <= reservations[g] (if
    ``responder_accepts_at_most``) or x >= reservations[g] otherwise. An
    optimal offer sits at one of the reservation points, so the search is
    exact over the G candidates: for each candidate the acceptance
    probability is the belief mass of the types that accept, and the
    proposer's expected value is P(accept) u(x) + (1 - P(accept)) v.

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
    best = np.argmax(ev, axis=-1)
    offer = np.take_along_axis(reservations, best[..., None], axis=-1)[..., 0]
    prob = np.take_along_axis(p_accept, best[..., None], axis=-1)[..., 0]
    return offer, prob
