"""Interventions (model-spec section 5): timed changes to parameters or state.

Each is a small registered class with a ``name`` (the ``type:`` in a scenario),
a ``citation``, a pydantic ``Params`` model, ``refs`` naming which parameters
refer to actors, disputes or alliances (the loader checks them), and two
hooks: ``on_start`` changes the state once when the intervention begins, and
``while_active`` sets :class:`~detente.model.state.Modifiers` on every step
it is in force. A package of interventions acts on every run alike, so all
runs of a package share the same timing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from detente.backend import put, xp
from detente.model.params import Params as ModelParams
from detente.model.params import Structure
from detente.model.registry import Registry
from detente.model.state import Modifiers, State
from detente.random import uniform

__all__ = ["Context", "Intervention", "interventions"]

ALL = slice(None)  # every run


@dataclass(frozen=True)
class Context:
    """What an intervention may need besides the state: who is who, and the seed."""

    structure: Structure
    seed: int
    runs: NDArray[np.int64]

    def actor(self, actor_id: str) -> int:
        return self.structure.actor_ids.index(actor_id)

    def disputes(self, ids: list[str] | None) -> NDArray[np.int64]:
        if ids is None:
            return np.arange(self.structure.n_disputes)
        return np.array([self.structure.dispute_ids.index(d) for d in ids], dtype=np.int64)

    def pairs_about(self, target: int, observers: list[int] | None) -> NDArray[np.bool_]:
        st = self.structure
        mask = st.pair_target == target
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
    """Base class for interventions."""

    name: ClassVar[str]
    citation: ClassVar[str]
    description: ClassVar[str] = ""
    refs: ClassVar[dict[str, str]] = {}

    class Params(BaseModel):
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
        return t >= self.start and (self.end is None or t < self.end)

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> None:
        """Change the state once, at ``start``. Default: nothing."""

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        """Set modifiers on each step in force. Default: nothing."""


interventions: Registry[Intervention] = Registry("detente.interventions", "intervention")


@interventions.register
class Withdraw(Intervention):
    """A commitment to pull back part of the deployed forces and stay at or below a rung.

    The actor takes it up, or not, by its own expected values (model-spec
    V2.5): holding at the cap with fewer troops at the front lowers the
    hazards of unintended war (the ladder's hazard elasticity) at the price
    of the audience cost of stepping down; climbing above the cap later
    breaks it, seen by all (verification) and at ``penalty``. With
    ``enforced: true`` the pull-back and the cap are imposed instead: a
    labelled counterfactual, not a choice.
    """

    name = "withdraw"
    citation = "Schelling (1960), ch. 7; Blair (1985) on force posture and accidental war"
    refs: ClassVar[dict[str, str]] = {"actor": "actor"}

    class Params(Intervention.Params):
        actor: str
        fraction: float = Field(default=0.5, ge=0.0, le=1.0)
        cap: int = Field(default=2, ge=0, le=5, description="highest crisis rung allowed")
        penalty: float = Field(
            default=0.05,
            ge=0.0,
            le=1.0,
            description="cost of being seen to break the commitment, in stake units",
        )
        enforced: bool = False

    params: Params

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> None:
        if not self.params.enforced:
            return  # the pull-back is the actor's choice (engine: _compliance)
        i = ctx.actor(self.params.actor)
        state.deployed = put(
            state.deployed, (ALL, i), state.deployed[:, i] * (1.0 - self.params.fraction)
        )

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        i = ctx.actor(self.params.actor)
        prm = self.params
        if prm.enforced:
            mods.posture_cap = put(
                mods.posture_cap, (ALL, i), xp.minimum(mods.posture_cap[:, i], prm.cap)
            )
            return
        mods.commit_cap = put(mods.commit_cap, (ALL, i), xp.minimum(mods.commit_cap[:, i], prm.cap))
        mods.commit_penalty = put(
            mods.commit_penalty, (ALL, i), mods.commit_penalty[:, i] + prm.penalty
        )
        mods.commit_pullback = put(
            mods.commit_pullback, (ALL, i), xp.maximum(mods.commit_pullback[:, i], prm.fraction)
        )


@interventions.register
class Ceasefire(Intervention):
    """A ceasefire proposed to the sides at war; violence falls to a violation level.

    It begins only if both sides prefer it to the war going on, and breaks at
    (1 - monitoring) x its breakdown hazard, which rises with the sides'
    incentives to fight on (model-spec V2.4, V2.5); a guarantor adds
    ``guarantee`` x the breaker's war cost to the cost of breaking it. With
    ``enforced: true`` it is imposed and never breaks: a labelled
    counterfactual.
    """

    name = "ceasefire"
    citation = (
        "Fortna (2004), Peace Time: Cease-Fire Agreements and the Durability of Peace; "
        "Fortna (2003), Scraps of paper? IO 57(2)"
    )
    refs: ClassVar[dict[str, str]] = {"disputes": "disputes"}

    class Params(Intervention.Params):
        disputes: list[str] | None = None
        monitoring: float = Field(default=0.5, ge=0.0, le=1.0)
        guarantee: float = Field(
            default=0.0, ge=0.0, le=10.0, description="extra cost of breaking, x war cost"
        )
        enforced: bool = False

    params: Params

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        d = ctx.disputes(self.params.disputes)
        keep = 1.0 - self.params.monitoring
        if self.params.enforced:
            mods.ceasefire = put(mods.ceasefire, (ALL, d), True)
        else:
            mods.ceasefire_offer = put(mods.ceasefire_offer, (ALL, d), True)
            more = mods.ceasefire_guarantee[:, d] + self.params.guarantee
            mods.ceasefire_guarantee = put(mods.ceasefire_guarantee, (ALL, d), more)
        mods.violation_mult = put(mods.violation_mult, (ALL, d), mods.violation_mult[:, d] * keep)
        mods.breakdown_mult = put(mods.breakdown_mult, (ALL, d), mods.breakdown_mult[:, d] * keep)


@interventions.register
class MonitoringMission(Intervention):
    """An impartial mission that watches and reports: the parties see each other better.

    Its public reports cut the noise of what each disputant learns of the
    other's resolve (both ways alike). Its effect on violations belongs to the
    ceasefire it monitors (the ceasefire's ``monitoring``), so that it is not
    counted twice.
    """

    name = "monitoring_mission"
    citation = (
        "Fortna (2004), Peace Time, ch. 5 (monitors as information); "
        "OSCE Special Monitoring Mission to Ukraine, PC.DEC/1117, 21 March 2014"
    )
    refs: ClassVar[dict[str, str]] = {"disputes": "disputes"}

    class Params(Intervention.Params):
        disputes: list[str] | None = None
        transparency: float = Field(
            default=0.2, ge=0.0, le=1.0, description="share of signal noise removed"
        )

    params: Params

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        pairs = ctx.pairs_in(ctx.disputes(self.params.disputes))
        cut = mods.noise_mult[:, pairs] * (1.0 - self.params.transparency)
        mods.noise_mult = put(mods.noise_mult, (ALL, pairs), cut)


@interventions.register
class Negotiate(Intervention):
    """Opens a bargaining channel; a mediator narrows beliefs by sharing information."""

    name = "negotiate"
    citation = "Fearon (1995); Kydd (2003), Which side are you on? Bias, credibility, and mediation"
    refs: ClassVar[dict[str, str]] = {"disputes": "disputes"}

    class Params(Intervention.Params):
        disputes: list[str] | None = None
        mediation: float = Field(default=0.0, ge=0.0, le=1.0, description="noise cut")
        guarantee: float = Field(
            default=0.0,
            ge=0.0,
            le=1.0,
            description="share of an agreement's breakdown hazard a third-party guarantee "
            "removes (Walter 2002)",
        )

    params: Params

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        d = ctx.disputes(self.params.disputes)
        pairs = ctx.pairs_in(d)
        mods.channel_open = put(mods.channel_open, (ALL, d), True)
        kept = 1.0 - (1.0 - mods.enforcement[:, d]) * (1.0 - self.params.guarantee)
        mods.enforcement = put(mods.enforcement, (ALL, d), kept)
        cut = mods.noise_mult[:, pairs] * (1.0 - self.params.mediation)
        mods.noise_mult = put(mods.noise_mult, (ALL, pairs), cut)


@interventions.register
class ArmsReduction(Intervention):
    """Symmetric cuts in arsenals and deployed forces, kept or cheated on by choice.

    Each party to a dispute cheats (keeps its arsenal and forces while the
    others cut) when the gain it expects, its resolve times the rise in its
    chance of winning times the stake in play, summed over its disputes,
    exceeds the expected cost of being caught, ``verification`` x
    ``penalty`` (Downs, Rocke & Siverson 1985; model-spec V2.5). Parties to no
    dispute have nothing to gain and comply. The cut then acts through the
    hazards of forces at the front, the projected arms race (a lower
    Richardson grievance lowers the equilibrium) and the balance. With
    ``enforced: true`` cheating is a random draw at
    ``cheating x (1 - verification)`` instead, the first round's form.
    """

    name = "arms_reduction"
    citation = "Richardson (1960); Downs, Rocke & Siverson (1985), Arms races and cooperation"
    refs: ClassVar[dict[str, str]] = {"parties": "actors"}

    class Params(Intervention.Params):
        parties: list[str] = Field(min_length=2)
        fraction: float = Field(default=0.25, ge=0.0, le=1.0)
        verification: float = Field(default=0.8, ge=0.0, le=1.0)
        cheating: float = Field(
            default=0.3, ge=0.0, le=1.0, description="chance of cheating when enforced: true"
        )
        penalty: float = Field(
            default=0.05, ge=0.0, le=1.0, description="cost of being caught, in stake units"
        )
        enforced: bool = False

    params: Params

    def _honest(self, p: ModelParams, ctx: Context) -> NDArray[np.bool_]:
        prm = self.params
        if prm.enforced:
            u = uniform(ctx.seed, "arms_reduction.cheat", self.start, ctx.runs,
                        (len(prm.parties),))
            return u >= prm.cheating * (1.0 - prm.verification)
        st = ctx.structure
        idx = [ctx.actor(a) for a in prm.parties]
        gains = []
        for i in idx:
            gain = xp.zeros(ctx.runs.shape[0], dtype=p.resolve.dtype)
            for d in range(st.n_disputes):
                c, f = int(st.challenger[d]), int(st.defender[d])
                if i not in (c, f) or c not in idx or f not in idx:
                    continue
                j = f if i == c else c
                gain = gain + p.resolve[:, i] * _cheat_gain(p, i, j, prm.fraction) * (
                    p.demand[:, d] - p.status_quo[:, d]
                )
            gains.append(gain)
        return xp.stack(gains, axis=1) <= prm.verification * prm.penalty

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> None:
        idx = np.array([ctx.actor(a) for a in self.params.parties])
        cut = xp.where(self._honest(p, ctx), 1.0 - self.params.fraction, 1.0)
        state.arsenal = put(state.arsenal, (ALL, idx), state.arsenal[:, idx] * cut)
        state.deployed = put(state.deployed, (ALL, idx), state.deployed[:, idx] * cut)

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        idx = np.array([ctx.actor(a) for a in self.params.parties])
        # Lower grievances lower the Richardson equilibrium: X* scales with g.
        cut = xp.where(self._honest(p, ctx), 1.0 - self.params.fraction, 1.0)
        mods.grievance_mult = put(
            mods.grievance_mult, (ALL, idx), mods.grievance_mult[:, idx] * cut
        )


def _cheat_gain(p: ModelParams, i: int, j: int, fraction: float):
    """Rise in i's chance of winning against j if it keeps its arms while j cuts, (R,).

    A Tullock contest of troops x effectiveness x arsenal factor, as the
    engine's strength at the start: a cut by f scales the other's strength by
    (1 - f)^(1 + e) (troops and the arsenal's factor).
    """
    gamma = p.contest_exponent
    s_i = xp.power(p.forces[:, i] * p.effectiveness[:, i], gamma)
    s_j = xp.power(p.forces[:, j] * p.effectiveness[:, j], gamma)
    p0 = s_i / xp.maximum(s_i + s_j, 1e-12)
    shrink = xp.power(max(1.0 - fraction, 1e-9), (1.0 + p.arms_elasticity) * gamma)
    p1 = s_i / xp.maximum(s_i + s_j * shrink, 1e-12)
    return p1 - p0


@interventions.register
class Sanctions(Intervention):
    """Raise the target's cost of war and slow its armament."""

    name = "sanctions"
    citation = "Drezner (1999), The Sanctions Paradox"
    refs: ClassVar[dict[str, str]] = {"target": "actor"}

    class Params(Intervention.Params):
        target: str
        cost_increase: float = Field(default=0.2, ge=0.0)
        arms_cut: float = Field(default=0.1, ge=0.0, le=1.0)

    params: Params

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        i = ctx.actor(self.params.target)
        prm = self.params
        cost = mods.war_cost_mult[:, i] * (1.0 + prm.cost_increase)
        mods.war_cost_mult = put(mods.war_cost_mult, (ALL, i), cost)
        grievance = mods.grievance_mult[:, i] * (1.0 - prm.arms_cut)
        mods.grievance_mult = put(mods.grievance_mult, (ALL, i), grievance)


@interventions.register
class MilitaryAid(Intervention):
    """Forces and effectiveness for the target."""

    name = "military_aid"
    citation = "Lanchester (1916): aid enters as strength and effectiveness"
    refs: ClassVar[dict[str, str]] = {"target": "actor"}

    class Params(Intervention.Params):
        target: str
        effectiveness: float = Field(default=0.2, ge=0.0)
        forces: float = Field(default=0.0, ge=0.0, description="thousands of troops")

    params: Params

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> None:
        i = ctx.actor(self.params.target)
        state.forces = put(state.forces, (ALL, i), state.forces[:, i] + self.params.forces)
        state.deployed = put(state.deployed, (ALL, i), state.deployed[:, i] + self.params.forces)

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        i = ctx.actor(self.params.target)
        boost = mods.effectiveness_mult[:, i] * (1.0 + self.params.effectiveness)
        mods.effectiveness_mult = put(mods.effectiveness_mult, (ALL, i), boost)


@interventions.register
class AllianceAssurance(Intervention):
    """Changes an alliance's cohesion; others learn it through cohesion signals."""

    name = "alliance_assurance"
    citation = "Snyder (1984), The security dilemma in alliance politics, World Politics 36(4)"
    refs: ClassVar[dict[str, str]] = {"alliance": "alliance"}

    class Params(Intervention.Params):
        alliance: str
        change: float = Field(default=0.1, ge=-1.0, le=1.0)

    params: Params

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> None:
        k = ctx.structure.alliance_ids.index(self.params.alliance)
        moved = xp.clip(state.cohesion[:, k] + self.params.change, 0.0, 1.0)
        state.cohesion = put(state.cohesion, (ALL, k), moved)


@interventions.register
class InformationCampaign(Intervention):
    """Bias and noise in what others see of the source's resolve."""

    name = "information_campaign"
    citation = "Jervis (1976), Perception and Misperception; Kydd (2005), Trust and Mistrust"
    refs: ClassVar[dict[str, str]] = {"source": "actor", "targets": "actors"}

    class Params(Intervention.Params):
        source: str
        targets: list[str] | None = None
        bias: float = Field(default=0.1, ge=-1.0, le=1.0)
        noise: float = Field(default=0.5, ge=0.0, description="relative rise in signal noise")

    params: Params

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        prm = self.params
        src = ctx.actor(prm.source)
        obs = None if prm.targets is None else [ctx.actor(a) for a in prm.targets]
        mask = np.flatnonzero(ctx.pairs_about(src, obs))
        mods.bias = put(mods.bias, (ALL, mask), mods.bias[:, mask] + prm.bias)
        mods.noise_mult = put(
            mods.noise_mult, (ALL, mask), mods.noise_mult[:, mask] * (1.0 + prm.noise)
        )


@interventions.register
class PublicMobilisation(Intervention):
    """Organised anti-war pressure on the actor's government (raises m)."""

    name = "public_mobilisation"
    citation = "Chenoweth & Stephan (2011), Why Civil Resistance Works"
    refs: ClassVar[dict[str, str]] = {"actor": "actor"}

    class Params(Intervention.Params):
        actor: str
        rate: float = Field(default=0.01, ge=0.0, le=1.0, description="weekly rise in m")

    params: Params

    def while_active(self, mods: Modifiers, state: State, p: ModelParams, ctx: Context) -> None:
        i = ctx.actor(self.params.actor)
        push = mods.mobilisation_push[:, i] + self.params.rate
        mods.mobilisation_push = put(mods.mobilisation_push, (ALL, i), push)
