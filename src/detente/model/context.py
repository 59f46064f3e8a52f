"""What a week's decisions read, gathered once (model-spec sections 3.5-3.6).

Split from :mod:`detente.model.decisions` so that the valuation of options
(:mod:`detente.model.valuation`) and the decisions share it without an
import circle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.model.balance import _front_scale, _win_probability, war_cost
from detente.model.params import Params, Structure
from detente.model.state import Modifiers, State

__all__ = ["DecisionContext"]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class DecisionContext:
    """What every term of a week's decisions reads, for the rows decided.

    R rows (every run, or those in crisis), Dn disputes, 2 sides (challenger,
    defender), G belief bins. Built once per decision step
    (:meth:`of`) in place of a dozen positional arguments.
    """

    state: State  # the rows' state (may be a read-only row view)
    p: Params
    mods: Modifiers
    st: Structure
    centres: F64  # (G,) the belief grid
    pwin: F64  # (R, Dn, 2) each side's believed chance of winning a war now
    r_own: F64  # (R, Dn, 2) each side's resolve
    c_own: F64  # (R, Dn, 2) its cost of war
    a_own: F64  # (R, Dn, 2) its audience cost
    scale: F64  # (R, Dn) the front's scale of the rung hazards

    @classmethod
    def of(
        cls, state: State, p: Params, mods: Modifiers, st: Structure, centres: F64
    ) -> DecisionContext:
        sides = st.sides  # (Dn, 2)
        return cls(
            state, p, mods, st, centres,
            pwin=_win_probability(state, p, mods, st, centres),
            r_own=p.resolve[:, sides],
            c_own=war_cost(state, p, mods)[:, sides],
            a_own=p.audience_cost[:, sides],
            scale=_front_scale(state, p, mods, st),
        )
