"""Crisis onset as a choice: a claimant presses a claim, a small state moves, by expected value.

Both choices use the core's utility terms (model-spec section 4; Fearon
1994, 1995): resolve times the share of the stake, the cost of war, the
audience cost of backing down, the ladder's posture costs and hazards over
the look-ahead, the believed chance of winning (with alliances counted by
:mod:`detente.model.alliances`) and the believed chance that the other side
concedes. Where the core's actors look one rung ahead, a decision to open a
crisis looks to the brink (rung 5, where any climb is war): what opening a
crisis is worth depends on who would give way there.

* The claimant presses with the logit chance of the gain
  U = Pc r (v - q) + (1 - Pc) [w W + (1 - w) max(W, -a)] - K,
  with v the stake it demands, Pc its believed chance that the state concedes
  at the brink, w the chance the climb to the brink slides into war on the
  way, W = r p (v - q) - c its war payoff and K its posture costs on the way.
  A state it believes guaranteed stands more often, its allies lower p: a
  guarantee deters (or fails to) through this choice.
* A small state makes a move it prefers with the logit chance of
  r g - sum over the claims it crosses of P(pressed) x (its expected loss in
  that crisis), with g = 1 (its whole choice of alignment); the loss is its
  posture costs and the path's risk of war, then the better of conceding at
  the brink and fighting. A guarantee reassures it through p.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.model.engine import TOP

__all__ = ["brink_path", "concede_chance", "logit", "move_value", "press_value"]

F64 = NDArray[np.float64]


def logit(beta: F64, gain: F64) -> F64:
    """Quantal response between acting and not (McKelvey & Palfrey 1995): 1 / (1 + e^(-beta u))."""
    return 1.0 / (1.0 + np.exp(-np.clip(beta * gain, -50.0, 50.0)))


def brink_path(
    hazard: F64, posture_cost: F64, start: int, lookahead: float
) -> tuple[F64, F64]:
    """Chance of sliding into war on the climb from ``start`` to the brink, and its costs (R,).

    Each rung l on the way is held for the look-ahead H (the core's horizon):
    w = 1 - prod_l (1 - h_l)^H, K = H sum_l k_l (the core's hazards and
    posture costs, per run).
    """
    h = hazard[:, start : TOP + 1]
    w = 1.0 - np.prod((1.0 - h) ** lookahead, axis=1)
    return w, lookahead * posture_cost[:, start : TOP + 1].sum(axis=1)


def concede_chance(
    belief: F64, centres: F64, p_f: F64, stake: F64, c_f: F64, a_f: F64, k_top: F64
) -> F64:
    """Believed chance the defender gives way at the brink (R, D).

    The core's concession threshold (engine ``_threshold_terms``) with war
    certain if it stands: a type r concedes iff r p_f stake < c_f + k_top -
    a_f, i.e. iff fighting (losing the stake with chance 1 - p_f, paying the
    cost of war and the posture cost) is worse than conceding (the stake, and
    the audience cost a_f of backing down at the top; Fearon 1994).
    ``belief`` (R, D, G) is the claimant's over the defender's resolve.
    """
    den = p_f * stake
    num = c_f + k_top[:, None] - a_f
    return (belief * (centres * den[..., None] < num[..., None])).sum(axis=-1)


def press_value(
    r_c: F64, c_c: F64, a_c: F64, p_c: F64, pc: F64, stake: F64, w: F64, k: F64
) -> F64:
    """The claimant's expected gain from opening a crisis over ``stake`` (R, D)."""
    war = r_c * p_c * stake - c_c
    stand = w[:, None] * war + (1.0 - w[:, None]) * np.maximum(war, -a_c)
    return pc * r_c * stake + (1.0 - pc) * stand - k[:, None]


def move_value(r_s: F64, c_s: F64, a_s: F64, p_f: F64, stake: F64, w: F64, k: F64) -> F64:
    """The small state's expected loss in a crisis over ``stake`` it provoked (R, D).

    Posture costs k and the path's risk of war w, then the better of conceding
    at the brink (the stake, and the audience cost a_s) and fighting there
    (the stake lost with chance 1 - p_f, and the cost of war).
    """
    fight = (1.0 - p_f) * r_s * stake + c_s
    concede = r_s * stake + a_s
    return k[:, None] + w[:, None] * fight + (1.0 - w[:, None]) * np.minimum(concede, fight)
