"""The world's per-run metrics, declared once (as :mod:`detente.outcomes` declares
the crisis engine's): name, unit, meaning and the label the command line,
the report and ``world.parquet``'s schema show (docs/commands/world.md)."""

from __future__ import annotations

from detente.outcomes import Outcome

__all__ = ["LABELS", "METRICS", "WORLD_METRICS", "is_share"]

# In the order simulate_world returns them and ``world --json`` lists them.
WORLD_METRICS: tuple[Outcome, ...] = (
    Outcome(
        "crises_per_decade", "float64", "run", "crises per decade",
        "disputes over spheres opened (pressed by a claimant, or reopened when a "
        "settlement came apart), per decade", label="crises per decade",
    ),
    Outcome("wars", "float64", "run", "count", "crises that became wars", label="wars"),
    Outcome(
        "great_power_wars", "float64", "run", "count",
        "a rivalry at war, or a great power other than the claimant joined the defender",
        label="wars between great powers",
    ),
    Outcome(
        "nuclear_use", "float64", "run", "share", "nuclear weapons used (1) or not (0)",
        label="P(nuclear use)", harm=True,
    ),
    Outcome(
        "deaths", "float64", "run", "people", "military and civilian deaths, world-wide",
        label="deaths", harm=True,
    ),
    Outcome(
        "displaced", "float64", "run", "people", "the peak stock of displaced people, world-wide",
        label="displaced (peak)", harm=True,
    ),
    Outcome(
        "autonomy", "float64", "run", "share",
        "the share of state-months in which a small state held the alignment it prefers",
        label="small-state autonomy",
    ),
)  # fmt: skip

METRICS: tuple[str, ...] = tuple(m.name for m in WORLD_METRICS)
LABELS: dict[str, str] = {m.name: m.title for m in WORLD_METRICS}


def is_share(name: str) -> bool:
    """A metric that is a share in [0, 1] (shown to three decimals)."""
    return any(m.name == name and m.unit == "share" for m in WORLD_METRICS)
