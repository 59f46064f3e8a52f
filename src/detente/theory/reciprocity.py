"""The symmetric 2x2 game and the reciprocity rules that both the iterated
games (:mod:`detente.theory.games`) and the crisis policies
(:mod:`detente.model.policies`) use: one source for each idea.

Axelrod, R. (1984). *The Evolution of Cooperation*. Basic Books; Nowak, M. &
Sigmund, K. (1992). Tit for tat in heterogeneous populations. *Nature* 355: 250-253.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import xp

B = NDArray[np.bool_]
F64 = NDArray[np.float64]

__all__ = ["Game", "generous_probability", "reciprocate"]


@dataclass(frozen=True)
class Game:
    """A symmetric 2x2 game by its payoffs: reward, sucker, temptation, punishment."""

    R: float = 3.0
    S: float = 0.0
    T: float = 5.0
    P: float = 1.0

    def payoffs(self, a: B, b: B) -> tuple[F64, F64]:
        """Each player's payoff for actions a and b (True = cooperate)."""
        # Looked up by outcome: index 2a + b is DD, DC, CD, CC for player a.
        table = np.array([self.P, self.T, self.S, self.R])
        a, b = np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp)
        return table[2 * a + b], table[2 * b + a]

    def score(self, a: B, b: B, axis: int = -1) -> F64:
        """Player a's total payoff over ``axis`` (the turns), from the count of
        each outcome: the same total for any order of the turns."""
        cc, cd = (a & b).sum(axis=axis), (a & ~b).sum(axis=axis)
        dc, dd = (~a & b).sum(axis=axis), (~a & ~b).sum(axis=axis)
        total: F64 = self.R * cc + self.S * cd + self.T * dc + self.P * dd
        return total


def generous_probability(game: Game = Game()) -> float:
    """Generous tit-for-tat's forgiveness q = min(1 - (T-R)/(R-S), (R-P)/(T-P)).

    Nowak, M. & Sigmund, K. (1992). Tit for tat in heterogeneous populations.
    *Nature* 355: 250-253. For (R, S, T, P) = (3, 0, 5, 1) it is 1/3.
    """
    g = game
    return min(1.0 - (g.T - g.R) / (g.R - g.S), (g.R - g.P) / (g.T - g.P))


def reciprocate(opponent_last: NDArray[Any]) -> NDArray[Any]:
    """Tit-for-tat's rule: do what the opponent did last.

    The one source of the idea: the games' TitForTat copies a cooperation or
    defection, and the crisis policy ``tit-for-tat`` copies a step down,
    hold or climb through this same function.
    """
    copy: NDArray[Any] = xp.array(opponent_last)
    return copy
