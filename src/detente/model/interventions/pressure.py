"""Interventions that press or back a side: arms reduction, sanctions, military aid,
alliance assurance, information campaigns, public mobilisation (model-spec section 5).

The contract each keeps is :mod:`detente.model.interventions.base`'s: hooks
return new values and write into nothing they are given.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from detente.backend import put, xp
from detente.model.interventions.base import ALL, Context, Intervention, interventions
from detente.model.params import Params as ModelParams
from detente.model.state import Modifiers, State
from detente.random import uniform

__all__ = [
    "AllianceAssurance",
    "ArmsReduction",
    "InformationCampaign",
    "MilitaryAid",
    "PublicMobilisation",
    "Sanctions",
]

F64 = NDArray[np.float64]


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

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> State:
        idx = np.array([ctx.actor(a) for a in self.params.parties])
        cut = xp.where(self._honest(p, ctx), 1.0 - self.params.fraction, 1.0)
        return replace(
            state,
            arsenal=put(state.arsenal, (ALL, idx), state.arsenal[:, idx] * cut),
            deployed=put(state.deployed, (ALL, idx), state.deployed[:, idx] * cut),
        )

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        idx = np.array([ctx.actor(a) for a in self.params.parties])
        # Lower grievances lower the Richardson equilibrium: X* scales with g.
        cut = xp.where(self._honest(p, ctx), 1.0 - self.params.fraction, 1.0)
        grievance = mods.grievance_mult[:, idx] * cut
        return replace(mods, grievance_mult=put(mods.grievance_mult, (ALL, idx), grievance))


def _cheat_gain(p: ModelParams, i: int, j: int, fraction: float) -> F64:
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

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        i = ctx.actor(self.params.target)
        prm = self.params
        cost = mods.war_cost_mult[:, i] * (1.0 + prm.cost_increase)
        grievance = mods.grievance_mult[:, i] * (1.0 - prm.arms_cut)
        return replace(
            mods,
            war_cost_mult=put(mods.war_cost_mult, (ALL, i), cost),
            grievance_mult=put(mods.grievance_mult, (ALL, i), grievance),
        )


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

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> State:
        i = ctx.actor(self.params.target)
        more = self.params.forces
        return replace(
            state,
            forces=put(state.forces, (ALL, i), state.forces[:, i] + more),
            deployed=put(state.deployed, (ALL, i), state.deployed[:, i] + more),
        )

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        i = ctx.actor(self.params.target)
        boost = mods.effectiveness_mult[:, i] * (1.0 + self.params.effectiveness)
        return replace(mods, effectiveness_mult=put(mods.effectiveness_mult, (ALL, i), boost))


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

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> State:
        k = ctx.structure.alliance_ids.index(self.params.alliance)
        moved = xp.clip(state.cohesion[:, k] + self.params.change, 0.0, 1.0)
        return replace(state, cohesion=put(state.cohesion, (ALL, k), moved))


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

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        prm = self.params
        src = ctx.actor(prm.source)
        obs = None if prm.targets is None else [ctx.actor(a) for a in prm.targets]
        mask = np.flatnonzero(ctx.pairs_about(src, obs))
        return replace(
            mods,
            bias=put(mods.bias, (ALL, mask), mods.bias[:, mask] + prm.bias),
            noise_mult=put(
                mods.noise_mult, (ALL, mask), mods.noise_mult[:, mask] * (1.0 + prm.noise)
            ),
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

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        i = ctx.actor(self.params.actor)
        push = mods.mobilisation_push[:, i] + self.params.rate
        return replace(mods, mobilisation_push=put(mods.mobilisation_push, (ALL, i), push))
