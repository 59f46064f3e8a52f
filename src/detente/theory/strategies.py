"""The strategies of the iterated games, each a small class in the manner of the
Axelrod library: a ``name``, the ``citation`` it follows, whether it is
``stochastic``, its memory-one ``four_vector`` where it has one, and ``move``,
which maps the histories of many repetitions at once to the next actions
(True cooperates, False defects). Played by :mod:`detente.theory.games`.

Axelrod, R. (1980). Effective choice in the Prisoner's Dilemma. *Journal of
Conflict Resolution* 24(1): 3-25; Axelrod, R. (1984). *The Evolution of
Cooperation*. Basic Books.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from detente.theory.reciprocity import Game, generous_probability, reciprocate

B = NDArray[np.bool_]
F64 = NDArray[np.float64]
Memory = dict[str, NDArray[Any]]  # a strategy's state per repetition, by name

__all__ = [
    "Cooperator",
    "Defector",
    "GenerousTitForTat",
    "GoByMajority",
    "Gradual",
    "Grit",
    "Grudger",
    "Random",
    "Strategy",
    "TitForTat",
    "WinStayLoseShift",
]


class Strategy:
    """Base class. ``move`` gets the histories up to turn t (exclusive)."""

    name: ClassVar[str]
    citation: ClassVar[str]
    stochastic: ClassVar[bool] = False
    four_vector: tuple[float, float, float, float] | None = None  # P(C | CC, CD, DC, DD)

    def reset(self, reps: int) -> Memory:
        """Per-repetition memory at the start of a match."""
        return {}

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        raise TypeError(f"{type(self).__name__} does not define move()")

    def __repr__(self) -> str:
        return self.name


class Cooperator(Strategy):
    """Always cooperates."""

    name = "Cooperator"
    citation = "Axelrod (1984)"
    four_vector = (1.0, 1.0, 1.0, 1.0)

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        return np.ones(len(own), dtype=bool)


class Defector(Strategy):
    """Always defects."""

    name = "Defector"
    citation = "Axelrod (1984)"
    four_vector = (0.0, 0.0, 0.0, 0.0)

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        return np.zeros(len(own), dtype=bool)


class TitForTat(Strategy):
    """Cooperates first, then copies the opponent's last move."""

    name = "Tit For Tat"
    citation = "Rapoport's entry in Axelrod (1980)"
    four_vector = (1.0, 0.0, 1.0, 0.0)

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        if t == 0:
            return np.ones(len(own), dtype=bool)
        return reciprocate(opp[:, t - 1])


class GenerousTitForTat(Strategy):
    """Tit-for-tat that forgives a defection with probability q."""

    name = "Generous Tit For Tat"
    citation = "Nowak & Sigmund (1992), Nature 355"
    stochastic = True

    def __init__(self, q: float | None = None, game: Game = Game()) -> None:
        self.q = generous_probability(game) if q is None else q
        self.four_vector = (1.0, self.q, 1.0, self.q)

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        if t == 0:
            return np.ones(len(own), dtype=bool)
        return opp[:, t - 1] | (u < self.q)


class WinStayLoseShift(Strategy):
    """Pavlov: repeats its move after R or T, switches after S or P."""

    name = "Win-Stay Lose-Shift"
    citation = "Nowak & Sigmund (1993), Nature 364"
    four_vector = (1.0, 0.0, 0.0, 1.0)

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        if t == 0:
            return np.ones(len(own), dtype=bool)
        same: B = own[:, t - 1] == opp[:, t - 1]
        return same


class Grudger(Strategy):
    """Cooperates until the opponent defects once, then defects for ever."""

    name = "Grudger"
    citation = "Friedman's entry (grim trigger) in Axelrod (1980)"

    def reset(self, reps: int) -> Memory:
        return {"wronged": np.zeros(reps, dtype=bool)}

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        if t > 0:
            mem["wronged"] |= ~opp[:, t - 1]
        return ~mem["wronged"]


class GoByMajority(Strategy):
    """Cooperates while the opponent has cooperated at least as often as defected."""

    name = "Go By Majority"
    citation = "Axelrod (1984)"

    def reset(self, reps: int) -> Memory:
        return {"coop": np.zeros(reps, dtype=np.int64)}  # the opponent's cooperations so far

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        if t == 0:
            return np.ones(len(own), dtype=bool)
        mem["coop"] += opp[:, t - 1]
        return mem["coop"] >= t - mem["coop"]


class Random(Strategy):
    """Cooperates with probability p."""

    name = "Random"
    citation = "the RANDOM entry in Axelrod (1980)"
    stochastic = True

    def __init__(self, p: float = 0.5) -> None:
        self.p = p
        self.four_vector = (p, p, p, p)

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        return u < self.p


class Gradual(Strategy):
    """Answers the opponent's n-th defection with n defections, then two cooperations.

    Beaufils, B., Delahaye, J.-P. & Mathieu, P. (1996). Our meeting with
    gradual. *Artificial Life V*: 202-209 (as implemented in the Axelrod
    library: the count is of all the opponent's defections so far).
    """

    name = "Gradual"
    citation = "Beaufils, Delahaye & Mathieu (1996)"

    def reset(self, reps: int) -> Memory:
        return {
            "punish": np.zeros(reps, dtype=np.int64),
            "calm": np.zeros(reps, dtype=np.int64),
            "defections": np.zeros(reps, dtype=np.int64),  # the opponent's, so far
        }

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        n = len(own)
        if t == 0:
            return np.ones(n, dtype=bool)
        punish, calm = mem["punish"], mem["calm"]
        punishing = punish > 0
        calming = ~punishing & (calm > 0)
        free = ~punishing & ~calming
        triggered = free & ~opp[:, t - 1]
        mem["defections"] += ~opp[:, t - 1]
        defections = mem["defections"]
        action = np.ones(n, dtype=bool)
        action[punishing | triggered] = False
        mem["punish"] = np.where(punishing, punish - 1, np.where(triggered, defections - 1, punish))
        mem["calm"] = np.where(calming, calm - 1, np.where(triggered, 2, calm))
        return action


class Grit(Strategy):
    """Graduated reciprocation in tension reduction, as an iterated-game strategy.

    Osgood, C. E. (1962). *An Alternative to War or Surrender*. Announces and
    makes ``steps`` unilateral conciliatory moves (cooperates whatever the
    opponent does), then reciprocates: it continues to cooperate while the
    opponent does and answers a defection with a defection (retaliation kept).
    """

    name = "GRIT"
    citation = "Osgood (1962)"

    def __init__(self, steps: int = 3) -> None:
        self.steps = steps

    def move(self, t: int, own: B, opp: B, mem: Memory, u: F64) -> B:
        if t < self.steps:
            return np.ones(len(own), dtype=bool)
        return reciprocate(opp[:, t - 1])
