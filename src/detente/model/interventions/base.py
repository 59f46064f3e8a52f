"""The base of every intervention: its hooks and the contract they keep, the
:class:`Context` they are given, and the registry they join.

The contract (docs/plugins.md), which holds on both backends:

* ``on_start(state, p, ctx)`` returns a :class:`~detente.model.state.State`,
  ``while_active(mods, state, p, ctx)`` returns
  :class:`~detente.model.state.Modifiers`: new values, built with
  ``dataclasses.replace`` and :func:`detente.backend.put` (a new array with
  some elements set) or ``xp`` expressions; the arguments are never written
  into. On NumPy they may be read-only; under JAX they are immutable, and
  the engine keeps a hook's result only in the steps where it applies.
* Every operation is on whole arrays with a leading run axis, through
  ``xp`` (never ``numpy`` on a per-run array), and nothing branches on the
  value of a per-run array: under JAX the arrays are traced.
* Randomness comes from :mod:`detente.random`, keyed by ``ctx.seed``, a
  purpose of the plugin's own and ``ctx.runs``, so a run's numbers do not
  depend on its chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from detente.model.params import Params as ModelParams
from detente.model.params import Structure
from detente.model.registry import Registry
from detente.model.state import Modifiers, State

__all__ = ["ALL", "Context", "Intervention", "interventions"]

ALL = slice(None)  # every run


@dataclass(frozen=True)
class Context:
    """What an intervention may need besides the state: who is who, and the seed."""

    structure: Structure
    seed: int
    runs: NDArray[np.int64]

    def actor(self, actor_id: str) -> int:
        """Index of the actor ``actor_id`` (the loader has checked it exists)."""
        return self.structure.actor_ids.index(actor_id)

    def disputes(self, ids: list[str] | None) -> NDArray[np.int64]:
        """Indices of the disputes ``ids``; every dispute for None."""
        if ids is None:
            return np.arange(self.structure.n_disputes)
        return np.array([self.structure.dispute_ids.index(d) for d in ids], dtype=np.int64)

    def pairs_about(self, target: int, observers: list[int] | None) -> NDArray[np.bool_]:
        """(P,): the belief pairs about ``target``, held by ``observers`` (None: anyone)."""
        st = self.structure
        mask: NDArray[np.bool_] = st.pair_target == target
        if observers is not None:
            mask &= np.isin(st.pair_observer, observers)
        return mask

    def pairs_in(self, disputes: NDArray[np.int64]) -> NDArray[np.int64]:
        """Indices of the belief pairs between the sides of ``disputes``."""
        return np.flatnonzero(
            np.isin(
                np.arange(len(self.structure.pair_target)),
                self.structure.role_pair[disputes].ravel(),
            )
        )


class Intervention:
    """Base class for interventions: metadata, parameters and the two hooks.

    A subclass sets ``name`` (the ``type:`` in a scenario), ``citation``,
    optionally ``description`` and ``refs`` (parameter name -> ``actor``,
    ``actors``, ``disputes`` or ``alliance``, checked by the loader), and a
    nested pydantic ``Params`` (its parameters; the model's drawn parameters
    are :class:`detente.model.params.Params`, passed to the hooks as ``p``).
    """

    name: ClassVar[str]
    citation: ClassVar[str]
    description: ClassVar[str] = ""
    refs: ClassVar[dict[str, str]] = {}

    class Params(BaseModel):
        """No parameters: a subclass's ``Params`` extends this one."""

        model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, params: BaseModel, start: int, end: int | None) -> None:
        self.params = params
        self.start = start
        self.end = end

    @property
    def enforced(self) -> bool:
        """Whether it fixes an outcome by fiat (``enforced: true``), a labelled counterfactual."""
        return bool(getattr(self.params, "enforced", False))

    def active(self, t: int) -> bool:
        """Whether it is in force at step ``t``: from ``start`` until before ``end``."""
        return t >= self.start and (self.end is None or t < self.end)

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> State:
        """The state changed once, at ``start`` (a new value; ``state`` unchanged).
        Default: the state as it is."""
        return state

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        """The modifiers changed on each step in force (a new value; ``mods`` unchanged).
        Default: the modifiers as they are."""
        return mods


interventions: Registry[Intervention] = Registry("detente.interventions", "intervention")
