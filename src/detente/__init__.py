"""detente: make international crises computable.

The public API is a thin facade over pure functions:

- :func:`load_scenario` reads a built-in scenario or a YAML file;
- :func:`simulate` runs an ensemble of one policy package;
- :func:`compare` runs several packages on common random numbers.
"""

from __future__ import annotations

__version__ = "0.1.0"

from detente.experiments.ensemble import Comparison, Result, compare, simulate
from detente.scenario.loading import ScenarioError, load_scenario, parse_scenario
from detente.scenario.schema import Scenario

__all__ = [
    "Comparison",
    "Result",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "parse_scenario",
    "simulate",
]
