"""A scenario compiled for one policy package, and when its interventions act.

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.model.interventions import Intervention
from detente.model.params import Structure
from detente.model.policies import Policy

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Model:
    """A scenario compiled for one policy package: structure, rules, interventions."""

    structure: Structure
    policies: tuple[tuple[Policy, NDArray[np.bool_]], ...]  # rule, (Dn, 2) roles it plays
    interventions: tuple[Intervention, ...]
    package: str

    @property
    def enforced(self) -> bool:
        """Whether any intervention of the package imposes an outcome by fiat."""
        return any(iv.enforced for iv in self.interventions)


@dataclass(frozen=True)
class Timing:
    """What the step number decides: for each intervention, whether it starts
    now and whether it is in force; and whether this is the first step (no
    move has been seen yet).

    Eagerly these are Python bools read off ``t``. A compiled simulation
    traces one step for every ``t``; its flags are traced booleans computed
    from a schedule given as data (:meth:`scheduled`), and the step applies
    what they govern under a mask.
    """

    starting: tuple[Any, ...]  # bool per intervention, or a traced bool
    active: tuple[Any, ...]
    moves_seen: Any  # t > 0: a move has been seen that beliefs learn from

    @classmethod
    def at(cls, model: Model, t: int) -> Timing:
        ivs = model.interventions
        return cls(
            starting=tuple(t == iv.start for iv in ivs),
            active=tuple(bool(iv.active(t)) for iv in ivs),
            moves_seen=t != 0,
        )

    @classmethod
    def scheduled(cls, t: Any, starts: NDArray[np.int64], ends: NDArray[np.int64]) -> Timing:
        """Flags for a traced step ``t``, intervention i in force on [starts[i], ends[i])."""
        n = len(starts)
        return cls(
            starting=tuple(t == starts[i] for i in range(n)),
            active=tuple((t >= starts[i]) & (t < ends[i]) for i in range(n)),
            moves_seen=t != 0,
        )
