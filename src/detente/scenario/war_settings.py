"""The war section of a scenario: attrition, civilians, the high-intensity war of 2022,
and why a war goes on (docs/model.md sections 7-9; re-exported by
:mod:`detente.scenario.schema`).
"""

from __future__ import annotations

from pydantic import Field

from detente.scenario.fields import Frozen, NonNegative, Positive, Probability

__all__ = ["WarSettings"]


class WarSettings(Frozen):
    """How war kills, displaces and ends (model-spec section 3, steps 7 to 9)."""

    death_share: Probability = Field(
        default=0.3, description="share of military casualties who are killed"
    )
    civilian_lethality: NonNegative = Field(
        default=1.5e-5, description="weekly civilian deaths per person in place at violence 1"
    )
    displacement_rate: NonNegative = Field(
        default=0.007, description="weekly share of people in place displaced at violence 1"
    )
    refugee_share: Probability = Field(default=0.45, description="share crossing a border")
    return_rate: Probability = Field(
        default=0.001, description="weekly share of displaced who return in peace"
    )
    territory_rate: NonNegative = Field(
        default=0.02, description="weekly territory shift at full superiority"
    )
    collapse: Probability = Field(
        default=0.25, description="a side whose deployed force falls below this share loses"
    )
    reinforcement: Probability = Field(
        default=0.05, description="weekly share of the gap between deployed and total closed"
    )
    contest_exponent: Positive = Field(default=1.0, description="Tullock contest exponent")
    arms_elasticity: NonNegative = Field(
        default=0.5, description="elasticity of effectiveness to the arsenal"
    )
    hazard_elasticity: NonNegative = Field(
        default=1.0, description="elasticity of crisis hazards to deployed forces"
    )
    nuclear_use_deaths: NonNegative = Field(
        default=0.0, description="deaths from nuclear use, beyond the contested zone"
    )
    mobilisation_growth: NonNegative = Field(
        default=0.0, description="weekly rise in mobilisation per 10,000 own deaths"
    )
    mobilisation_decay: Probability = Field(default=0.02, description="weekly decay")
    mobilisation_cost: NonNegative = Field(
        default=1.0, description="eta: war cost is multiplied by (1 + eta m)"
    )
    # The high-intensity war (detente.model.front); the defaults leave a war as before.
    tempo: Positive = Field(
        default=1.0, description="intensity of fighting at war relative to the ladder's (1: as is)"
    )
    tempo_surge: NonNegative = Field(
        default=0.0,
        description="rise of the tempo with superiority: intensity x (1 + surge |balance|), "
        "a side that has the upper hand attacks",
    )
    displacement_wave: NonNegative = Field(
        default=0.0,
        description="extra displacement hazard when a war begins, as a multiple of the "
        "base rate, decaying over wave_weeks (0: none)",
    )
    wave_weeks: Positive = Field(
        default=4.0, description="e-folding time of the displacement wave, in weeks"
    )
    front_displacement: NonNegative = Field(
        default=0.0,
        description="hazard of flight per unit of contested territory changing hands "
        "(people flee a moving front; 0: none)",
    )
    war_return_rate: Probability = Field(
        default=0.0, description="weekly share of internally displaced who return during a war"
    )
    refugee_war_return_rate: Probability = Field(
        default=0.0, description="weekly share of refugees who return during a war"
    )
    tempo_opening: NonNegative = Field(
        default=0.0,
        description="extra intensity of a war's first weeks, as a multiple, decaying over "
        "wave_weeks (an invasion on every axis at once; 0: none)",
    )
    optimism: NonNegative = Field(
        default=0.0,
        description="sd of each actor's private error on the log-odds of its chance of "
        "winning a war (mutual optimism; 0: the balance of capabilities is common knowledge)",
    )
    learning_weeks: Positive = Field(
        default=26.0,
        description="weeks of fighting after which a side's pre-war error keeps half its "
        "weight (battles are signals of the balance)",
    )
