"""Interventions that make peace: a withdrawal commitment, a ceasefire, a monitoring
mission, negotiation (model-spec section 5, V2.4-V2.5).

The contract each keeps is :mod:`detente.model.interventions.base`'s: hooks
return new values and write into nothing they are given.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from pydantic import Field

from detente.backend import put, xp
from detente.model.interventions.base import ALL, Context, Intervention, interventions
from detente.model.params import Params as ModelParams
from detente.model.state import Modifiers, State

__all__ = ["Ceasefire", "MonitoringMission", "Negotiate", "Withdraw"]


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

    def on_start(self, state: State, p: ModelParams, ctx: Context) -> State:
        if not self.params.enforced:
            return state  # the pull-back is the actor's choice (engine: _compliance)
        i = ctx.actor(self.params.actor)
        kept = state.deployed[:, i] * (1.0 - self.params.fraction)
        return replace(state, deployed=put(state.deployed, (ALL, i), kept))

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        i = ctx.actor(self.params.actor)
        prm = self.params
        if prm.enforced:
            cap = xp.minimum(mods.posture_cap[:, i], prm.cap)
            return replace(mods, posture_cap=put(mods.posture_cap, (ALL, i), cap))
        return replace(
            mods,
            commit_cap=put(mods.commit_cap, (ALL, i), xp.minimum(mods.commit_cap[:, i], prm.cap)),
            commit_penalty=put(
                mods.commit_penalty, (ALL, i), mods.commit_penalty[:, i] + prm.penalty
            ),
            commit_pullback=put(
                mods.commit_pullback, (ALL, i),
                xp.maximum(mods.commit_pullback[:, i], prm.fraction),
            ),
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

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        d = ctx.disputes(self.params.disputes)
        keep = 1.0 - self.params.monitoring
        if self.params.enforced:
            mods = replace(mods, ceasefire=put(mods.ceasefire, (ALL, d), True))
        else:
            more = mods.ceasefire_guarantee[:, d] + self.params.guarantee
            mods = replace(
                mods,
                ceasefire_offer=put(mods.ceasefire_offer, (ALL, d), True),
                ceasefire_guarantee=put(mods.ceasefire_guarantee, (ALL, d), more),
            )
        return replace(
            mods,
            violation_mult=put(mods.violation_mult, (ALL, d), mods.violation_mult[:, d] * keep),
            breakdown_mult=put(mods.breakdown_mult, (ALL, d), mods.breakdown_mult[:, d] * keep),
        )


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

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        pairs = ctx.pairs_in(ctx.disputes(self.params.disputes))
        cut = mods.noise_mult[:, pairs] * (1.0 - self.params.transparency)
        return replace(mods, noise_mult=put(mods.noise_mult, (ALL, pairs), cut))


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

    def while_active(
        self, mods: Modifiers, state: State, p: ModelParams, ctx: Context
    ) -> Modifiers:
        d = ctx.disputes(self.params.disputes)
        pairs = ctx.pairs_in(d)
        kept = 1.0 - (1.0 - mods.enforcement[:, d]) * (1.0 - self.params.guarantee)
        cut = mods.noise_mult[:, pairs] * (1.0 - self.params.mediation)
        return replace(
            mods,
            channel_open=put(mods.channel_open, (ALL, d), True),
            enforcement=put(mods.enforcement, (ALL, d), kept),
            noise_mult=put(mods.noise_mult, (ALL, pairs), cut),
        )
