"""The building blocks of the scenario schema: bounded quantities, the frozen
base model, and the escalation ladder with its default rungs.

Kept apart from :mod:`detente.scenario.schema` (which re-exports them) so
that the schema module holds the scenario's sections only.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from detente.scenario.distributions import Quantity

__all__ = [
    "DEFAULT_LADDER",
    "NUCLEAR_ALERT_RUNG",
    "NUCLEAR_USE_RUNG",
    "PHASES",
    "REGIONAL_RUNG",
    "WAR_RUNG",
    "Frozen",
    "NonNegative",
    "Positive",
    "Probability",
    "Real",
    "Rung",
    "within",
]

PHASES = ("crisis", "war", "ceasefire", "settled")


def within(lo: float, hi: float) -> AfterValidator:
    """A check that every value a quantity can take lies in [lo, hi]."""

    def check(q: Any) -> Any:
        a, b = q.support()
        if a < lo or b > hi:
            span = f"{a}" if a == b else f"[{a}, {b}]"
            hi_txt = "infinity" if math.isinf(hi) else f"{hi}"
            raise ValueError(f"expected values in [{lo}, {hi_txt}], got {span}")
        return q

    return AfterValidator(check)


Probability = Annotated[Quantity, within(0.0, 1.0)]
NonNegative = Annotated[Quantity, within(0.0, math.inf)]
Positive = Annotated[Quantity, within(1e-12, math.inf)]
Real = Quantity


class Frozen(BaseModel):
    """Unknown fields refused, defaults validated, immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Rung(Frozen):
    """One rung of the escalation ladder.

    ``hazard`` is the per-step chance of sliding up beyond anyone's choice: on a
    crisis rung (below the war rung) into war, on a war rung to the next rung
    (Schelling 1960, "the threat that leaves something to chance").
    """

    name: str
    hazard: Probability
    cost: NonNegative = Field(description="per-step posture cost, in stake units")
    violence: NonNegative = Field(description="violence intensity, 1 = conventional war")


DEFAULT_LADDER: tuple[dict[str, Any], ...] = (
    {"name": "normal relations", "hazard": 0.0, "cost": 0.0, "violence": 0.0},
    {"name": "diplomatic protest", "hazard": 0.0, "cost": 0.0005, "violence": 0.0},
    {"name": "sanctions and economic pressure", "hazard": 0.0002, "cost": 0.001, "violence": 0.0},
    {"name": "military posturing", "hazard": 0.001, "cost": 0.002, "violence": 0.0},
    {"name": "mobilisation and ultimatum", "hazard": 0.003, "cost": 0.004, "violence": 0.0},
    {"name": "limited use of force", "hazard": 0.02, "cost": 0.008, "violence": 0.1},
    {"name": "conventional war", "hazard": 0.01, "cost": 0.0, "violence": 1.0},
    {"name": "regional war", "hazard": 0.005, "cost": 0.0, "violence": 1.5},
    {"name": "nuclear alert and threats", "hazard": 0.003, "cost": 0.0, "violence": 1.5},
    {"name": "nuclear use", "hazard": 0.0, "cost": 0.0, "violence": 5.0},
)
WAR_RUNG = 6
REGIONAL_RUNG = 7
NUCLEAR_ALERT_RUNG = 8
NUCLEAR_USE_RUNG = 9
