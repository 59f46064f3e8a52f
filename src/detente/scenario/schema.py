"""The typed, frozen scenario (model-spec sections 2 and 5).

A scenario file is YAML that validates into :class:`Scenario`. Every numeric
parameter is a :data:`~detente.scenario.distributions.Quantity`: a number or a
distribution drawn once per run. Policies and interventions are named plugins;
their parameters are validated by the plugin's own parameter model, so a
plugin from another package gets the same error messages as a built-in one.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    model_validator,
)

from detente.scenario.distributions import Fixed, Quantity
from detente.scenario.fields import (
    DEFAULT_LADDER,
    NUCLEAR_ALERT_RUNG,
    NUCLEAR_USE_RUNG,
    PHASES,
    REGIONAL_RUNG,
    WAR_RUNG,
    Frozen,
    NonNegative,
    Positive,
    Probability,
    Real,
    Rung,
    within,
)
from detente.scenario.war_settings import WarSettings

__all__ = [
    "DEFAULT_LADDER",
    "NUCLEAR_ALERT_RUNG",
    "NUCLEAR_USE_RUNG",
    "PHASES",
    "REGIONAL_RUNG",
    "WAR_RUNG",
    "Actor",
    "Alliance",
    "ArmsDynamics",
    "Dispute",
    "Intervention",
    "NonNegative",
    "PastCrisis",
    "PolicySpec",
    "Positive",
    "Probability",
    "Real",
    "Rung",
    "Scenario",
    "Settings",
    "WarSettings",
    "json_schema",
]

class ArmsDynamics(Frozen):
    """Richardson (1960) coefficients: dX/dt = k * (hostile arsenals) - a X + g, per year."""

    reaction: NonNegative = 0.0
    fatigue: NonNegative = 0.0
    grievance: Real = 0.0


class PolicySpec(Frozen):
    """A decision rule by its registered name, with that rule's parameters."""

    name: str = "expected-utility"
    params: dict[str, Any] = Field(default_factory=dict)


class Actor(Frozen):
    """A state, or a bloc acting as one (model-spec section 2)."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    name: str = ""
    forces: NonNegative = Field(description="thousands of troops available")
    deployed: NonNegative = Field(description="thousands of troops at the front")
    arsenal: NonNegative = Field(description="armament level, e.g. USD bn per year")
    nuclear: bool = False
    population_at_risk: NonNegative = 0.0
    resolve: Probability = Field(description="value of the stake, private")
    war_cost: Positive = Field(description="cost of war relative to the stake")
    audience_cost: NonNegative = 0.0
    rationality: NonNegative = Field(default_factory=lambda: Fixed(value=20.0))
    effectiveness: Positive = Field(
        default_factory=lambda: Fixed(value=0.01),
        description="Lanchester coefficient: enemy casualties per own soldier per week",
    )
    mobilisation: Probability = 0.0
    cohesion_bias: Annotated[Quantity, within(-1.0, 1.0)] = 0.0
    arms: ArmsDynamics = Field(default_factory=ArmsDynamics)
    policy: PolicySpec = Field(default_factory=PolicySpec)
    reserve: NonNegative = Field(
        default=0.0,
        description="thousands of troops that can be called up while the actor is at war "
        "(a mobilisation reserve; 0: none)",
    )
    recruitment: Probability = Field(
        default=0.0,
        description="weekly share of the remaining reserve called up while at war (0: none)",
    )


class Alliance(Frozen):
    """Members get collective defence; partners get aid only."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    name: str = ""
    members: list[str] = Field(min_length=1)
    partners: list[str] = Field(default_factory=list)
    cohesion: Probability
    partner_aid: NonNegative = Field(
        default=0.0, description="effectiveness boost to a partner at war, at full cohesion"
    )
    aid_flow: NonNegative = Field(
        default=0.0,
        description="military aid to each partner at war, USD bn a year at full cohesion, "
        "added to the partner's arsenal as it is delivered (0: none)",
    )


class Dispute(Frozen):
    """A disputed stake between a challenger and a defender."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    name: str = ""
    challenger: str
    defender: str
    status_quo: Probability = Field(description="share of the stake the challenger holds")
    demand: Probability = Field(description="share the challenger demands")
    territory: Probability = Field(description="share of contested territory it holds")
    phase: Literal["crisis", "war", "ceasefire"] = "crisis"
    challenger_posture: int = Field(default=0, ge=0, le=5)
    defender_posture: int = Field(default=0, ge=0, le=5)
    ceasefire_violation: Probability = Field(
        default=0.0, description="violence under a ceasefire, as a share of war violence"
    )
    ceasefire_breakdown: Probability = Field(
        default=0.0, description="per-step chance that a ceasefire collapses into war"
    )
    violation_decay: NonNegative = Field(
        default=0.0,
        description="weekly rate at which a lasting ceasefire's violations fall toward the "
        "floor (0: they do not fall)",
    )
    violation_floor: Probability = Field(
        default=0.0,
        description="share of a ceasefire's initial violations that persists once it has "
        "consolidated",
    )
    indivisible: Probability = Field(
        default=0.0,
        description="share of the stake in play that cannot be split (membership of an "
        "alliance: yes or no); offers split only the rest (Fearon 1995; Toft 2003)",
    )
    power_shift: Annotated[Quantity, within(-1.0, 1.0)] = Field(
        default=0.0,
        description="expected change in the challenger's chance of winning over an "
        "agreement's life from what the engine does not project (alliance entry, arms "
        "deliveries, mobilisation); the engine adds the projected arms race (Powell 2006)",
    )
    agreement_breakdown: Probability = Field(
        default=0.0,
        description="weekly chance that a settlement comes apart with no side wanting it "
        "to (spoilers, incidents), before enforcement",
    )
    renege_rate: NonNegative = Field(
        default=0.0,
        description="weekly hazard of breakdown per stake unit by which a side's war value "
        "exceeds what the agreement or ceasefire gives it (Werner 1999)",
    )

    @model_validator(mode="after")
    def _sides(self) -> Dispute:
        if self.challenger == self.defender:
            raise ValueError(
                f"expected two different actors, got {self.challenger!r} on both sides"
            )
        lo_demand = self.demand.support()[0]
        hi_quo = self.status_quo.support()[1]
        if lo_demand < hi_quo:
            raise ValueError(
                f"expected demand >= status_quo, got demand from {lo_demand} "
                f"and status_quo up to {hi_quo}"
            )
        return self


class Intervention(Frozen):
    """A timed intervention, by registered type. Other keys are its parameters."""

    model_config = ConfigDict(extra="allow", frozen=True, validate_default=True)
    type: str
    start: int = Field(default=0, ge=0)
    end: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _window(self) -> Intervention:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"expected end > start, got start={self.start}, end={self.end}")
        return self

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Settings(Frozen):
    """Simulation settings."""

    steps: int = Field(default=104, ge=1, le=100_000)
    step_weeks: float = Field(default=1.0, gt=0, le=52)
    belief_bins: int = Field(default=16, ge=2, le=256)
    lookahead: float = Field(
        default=26.0, gt=0, description="steps an actor weighs when it compares options"
    )
    information: Literal["incomplete", "complete"] = "incomplete"
    signal_noise: NonNegative = Field(default=0.25, description="sd of a resolve signal")
    cohesion_signal_noise: NonNegative = Field(
        default=0.5,
        description="sd of a weekly signal of an alliance's cohesion: commitments are "
        "rarely tested, so this is noisier than a resolve signal",
    )
    war_signal_noise: NonNegative = Field(
        default=0.1, description="sd of the resolve signal a battle gives"
    )
    shadow_of_future: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="weight of the time after a forecast shift in power in the value of an "
        "agreement (Powell 2006's delta over the look-ahead)",
    )
    start_date: datetime.date | None = Field(
        default=None,
        description="calendar date of step 0; needed to compare a run with dated observations",
    )


class PastCrisis(Frozen):
    """An earlier crisis between a scenario's actors and how it ended (model-spec V2.6).

    Before step 0 every observer updates its prior about the two actors'
    resolve (the side that stood is likelier resolved, the side that gave way
    likelier not) and, when ``alliance`` is named, about that alliance's
    cohesion (it fought, or it did not), by Bayes' rule on the type grid.
    """

    name: str = Field(min_length=1)
    year: int = Field(ge=1800, le=2100)
    challenger: str | None = Field(
        default=None, description="actor id, or null for a state outside the scenario"
    )
    defender: str | None = Field(
        default=None, description="actor id, or null for a state outside the scenario"
    )
    conceded: Literal["challenger", "defender", "neither"] = Field(
        description="who gave way: backed down, accepted the other's terms, or lost"
    )
    alliance: str | None = Field(default=None, description="the alliance whose help was tested")
    allies_fought: bool | None = None
    weight: float = Field(
        default=1.0,
        gt=0.0,
        le=1.0, description="how much the episode says about today (1: as much as now)"
    )
    source: str = Field(min_length=1)


def _status_quo_only() -> dict[str, list[Intervention]]:
    return {"status-quo": []}


class Scenario(Frozen):
    """A crisis, written down. Validated once; immutable afterwards."""

    name: str = Field(min_length=1)
    title: str = ""
    description: str = ""
    as_of: str = ""
    settings: Settings = Field(default_factory=Settings)
    ladder: list[Rung] = Field(default_factory=lambda: [Rung(**r) for r in DEFAULT_LADDER])
    war: WarSettings = Field(default_factory=WarSettings)
    actors: list[Actor] = Field(min_length=2)
    alliances: list[Alliance] = Field(default_factory=list)
    disputes: list[Dispute] = Field(min_length=1)
    baseline: list[Intervention] = Field(
        default_factory=list,
        description="interventions in force in every package, status-quo included: "
        "the world as it is",
    )
    packages: dict[str, list[Intervention]] = Field(default_factory=_status_quo_only)
    sources: dict[str, str] = Field(
        default_factory=dict, description="short keys used in 'source' fields, expanded"
    )
    history: list[PastCrisis] = Field(
        default_factory=list,
        description="earlier crises between the actors; they update the priors before step 0",
    )

    def actor_index(self, actor_id: str) -> int:
        return [a.id for a in self.actors].index(actor_id)

    @property
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scenario files, from the pydantic models."""
    doc = Scenario.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "detente scenario",
        **{k: v for k, v in doc.items() if k != "title"},
    }


def scenario_hash(sc: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON: what the results are conditional on
    (written into every result, and the key of the compiled-program cache)."""
    text = json.dumps(sc.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
