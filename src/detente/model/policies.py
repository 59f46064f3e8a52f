"""Decision rules for the crisis phase (model-spec section 4).

Each rule is a small class, in the manner of the Axelrod library's strategies:
a registered ``name``, the ``citation`` it follows, a pydantic ``Params`` model
for its parameters, and ``decide``, which maps an :class:`Observation` of many
(run, role) pairs at once to choices. A role is one side of one dispute.

Choices: ``DOWN`` one rung, ``HOLD``, ``UP`` one rung (from the top crisis rung
that is war), ``CONCEDE`` (settle on the other side's terms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from detente.backend import errstate, xp
from detente.model.registry import Registry
from detente.theory.reciprocity import generous_probability, reciprocate

__all__ = [
    "CONCEDE",
    "DOWN",
    "HOLD",
    "UP",
    "Brinkmanship",
    "Dove",
    "ExpectedUtility",
    "GenerousTitForTat",
    "Grit",
    "Hardliner",
    "Observation",
    "Policy",
    "TitForTat",
    "logit_choice",
    "policies",
]

DOWN, HOLD, UP, CONCEDE = 0, 1, 2, 3
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Observation:
    """What a decision rule sees, for R runs x m roles.

    ``utility`` is (R, m, 4): the one-step look-ahead expected utility of each
    option (DOWN, HOLD, UP, CONCEDE), with unavailable options at -inf.
    """

    utility: F64
    p_concede_up: F64  # believed chance the opponent concedes if it climbs
    posture: I64
    opponent_posture: I64
    last_move: I64  # own previous move, -1/0/+1
    opponent_last_move: I64
    memory: I64  # the rule's own counter, kept by the engine
    rationality: F64
    u: F64  # a uniform number per (run, role), for mixed choices
    top: int  # highest crisis rung


class Policy:
    """Base class: a decision rule with metadata and parameters."""

    name: ClassVar[str]
    citation: ClassVar[str]
    description: ClassVar[str] = ""

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    def decide(self, obs: Observation) -> tuple[I64, I64]:
        """Return (choice, new memory), each (R, m)."""
        raise TypeError(f"{type(self).__name__} does not define decide()")


policies: Registry[Policy] = Registry("detente.policies", "policy")


def logit_choice(utility: F64, beta: F64, u: F64) -> I64:
    """Quantal-response (logit) choice: P(o) proportional to exp(beta U(o)).

    McKelvey, R. D. & Palfrey, T. R. (1995). Quantal response equilibria for
    normal form games. *Games and Economic Behavior* 10(1): 6-38. As beta
    grows the choice becomes a best response; ties go to the first option.
    """
    best = utility.max(axis=-1, keepdims=True)
    with errstate(invalid="ignore", over="ignore"):
        z = beta[..., None] * (utility - best)
    w = xp.where(xp.isfinite(utility), xp.exp(xp.where(xp.isfinite(z), z, -xp.inf)), 0.0)
    # An infinite beta is a best response.
    w = xp.where(xp.isinf(beta)[..., None], (utility == best).astype(w.dtype), w)
    cdf = xp.cumsum(w, axis=-1)
    cdf = cdf / cdf[..., -1:]
    return xp.minimum((u[..., None] > cdf).sum(axis=-1), utility.shape[-1] - 1).astype(xp.int64)


def _mirror(move: I64) -> I64:
    """Tit-for-tat in a crisis: the opponent's last step, through the games' rule."""
    reply = reciprocate(move)
    return xp.where(reply > 0, UP, xp.where(reply < 0, DOWN, HOLD)).astype(xp.int64)


@policies.register
class ExpectedUtility(Policy):
    """One-step look-ahead with logit choice (the default rule)."""

    name = "expected-utility"
    citation = (
        "Fearon (1994), Domestic political audiences and the escalation of international "
        "disputes, APSR 88(3); McKelvey & Palfrey (1995)"
    )
    description = "chooses each option with probability proportional to exp(beta U)"

    def decide(self, obs: Observation) -> tuple[I64, I64]:
        return logit_choice(obs.utility, obs.rationality, obs.u), obs.memory


@policies.register
class Brinkmanship(Policy):
    """Climbs while the believed chance of a concession is above a threshold."""

    name = "brinkmanship"
    citation = (
        "Schelling (1960), The Strategy of Conflict; Powell (1990), Nuclear Deterrence Theory"
    )
    description = "the weaker side's 'constant escalation of risks'; else expected utility"

    class Params(Policy.Params):
        threshold: float = Field(default=0.2, ge=0.0, le=1.0)

    params: Params

    def decide(self, obs: Observation) -> tuple[I64, I64]:
        fallback = logit_choice(obs.utility, obs.rationality, obs.u)
        can_climb = (obs.posture < obs.top) & xp.isfinite(obs.utility[..., UP])
        climb = can_climb & (obs.p_concede_up > self.params.threshold)
        return xp.where(climb, UP, fallback).astype(xp.int64), obs.memory


@policies.register
class TitForTat(Policy):
    """Mirrors the opponent's last move; never moves first, never concedes."""

    name = "tit-for-tat"
    citation = "Axelrod (1984), The Evolution of Cooperation; Rapoport's entry, 1980"

    def decide(self, obs: Observation) -> tuple[I64, I64]:
        return _mirror(obs.opponent_last_move), obs.memory


@policies.register
class GenerousTitForTat(Policy):
    """Tit-for-tat that lets an opponent's climb pass with probability ``generosity``."""

    name = "generous-tit-for-tat"
    citation = "Nowak & Sigmund (1992), Tit for tat in heterogeneous populations, Nature 355"

    class Params(Policy.Params):
        # Nowak & Sigmund's forgiveness for the (3, 0, 5, 1) game: 1/3.
        generosity: float = Field(default_factory=generous_probability, ge=0.0, le=1.0)

    params: Params

    def decide(self, obs: Observation) -> tuple[I64, I64]:
        choice = _mirror(obs.opponent_last_move)
        forgive = (choice == UP) & (obs.u < self.params.generosity)
        return xp.where(forgive, HOLD, choice).astype(xp.int64), obs.memory


@policies.register
class Grit(Policy):
    """Graduated reciprocation in tension reduction.

    Announces and takes ``steps`` unilateral steps down; goes on stepping down
    while the opponent reciprocates; once its announced steps go unanswered it
    stops conceding and plays tit-for-tat. It answers any climb with a climb
    throughout: the capacity to retaliate is kept.
    """

    name = "grit"
    citation = "Osgood (1962), An Alternative to War or Surrender, University of Illinois Press"

    class Params(Policy.Params):
        steps: int = Field(default=3, ge=1, le=10)

    params: Params

    def decide(self, obs: Observation) -> tuple[I64, I64]:
        steps = self.params.steps
        mem = obs.memory  # >= 0: announced steps taken; -1: initiative withdrawn
        active = mem >= 0
        provoked = obs.opponent_last_move > 0
        announcing = active & (mem < steps)
        reciprocated = (obs.opponent_last_move < 0) | (obs.opponent_posture == 0)
        continuing = active & (mem >= steps) & reciprocated
        step_down = (announcing | continuing) & ~provoked & (obs.posture > 0)
        choice = xp.where(step_down, DOWN, _mirror(obs.opponent_last_move))
        new_mem = xp.where(announcing & step_down, mem + 1, mem)
        withdrawn = active & (mem >= steps) & ~reciprocated & (obs.posture > 0)
        new_mem = xp.where(withdrawn, -1, new_mem)
        return choice.astype(xp.int64), new_mem.astype(xp.int64)


@policies.register
class Hardliner(Policy):
    """Never steps down and never concedes; answers a climb with a climb."""

    name = "hardliner"
    citation = "Snyder & Diesing (1977), Conflict Among Nations (the 'hard-liner' image)"

    def decide(self, obs: Observation) -> tuple[I64, I64]:
        choice = xp.where(obs.opponent_last_move > 0, UP, HOLD)
        return choice.astype(xp.int64), obs.memory


@policies.register
class Dove(Policy):
    """Steps down every step; concedes once the opponent stands at ``concede_at``."""

    name = "dove"
    citation = "Snyder & Diesing (1977), Conflict Among Nations (the 'soft-liner' image)"

    class Params(Policy.Params):
        concede_at: int = Field(default=4, ge=0, le=5)

    params: Params

    def decide(self, obs: Observation) -> tuple[I64, I64]:
        concede = obs.opponent_posture >= self.params.concede_at
        choice = xp.where(concede, CONCEDE, xp.where(obs.posture > 0, DOWN, HOLD))
        return choice.astype(xp.int64), obs.memory
