"""detente: make international crises computable.

The public API is a thin facade over pure functions:

- :func:`load_scenario` reads a built-in scenario or a YAML file;
- :func:`simulate` runs an ensemble of one policy package;
- :func:`compare` runs several packages on common random numbers.

The names are imported on first use (PEP 562 module ``__getattr__``), so
``import detente`` and ``detente --help`` do not pay for NumPy, SciPy and
the engine until something is computed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it
_LAZY = {
    "Comparison": "detente.run.results",
    "Result": "detente.run.results",
    "compare": "detente.run.ensemble",
    "simulate": "detente.run.ensemble",
    "ScenarioError": "detente.scenario.loading",
    "load_scenario": "detente.scenario.loading",
    "parse_scenario": "detente.scenario.loading",
    "Scenario": "detente.scenario.schema",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from detente.run.ensemble import compare, simulate
    from detente.run.results import Comparison, Result
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


_SUBPACKAGES = {
    "analysis", "backend", "calibration", "crises", "ema", "extras", "io", "model",
    "outcomes", "plotting", "random", "reference", "report", "run", "scenario", "theory",
    "validation", "web", "world",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:  # ``detente.scenario.loading`` works after ``import detente``
        return importlib.import_module(f"detente.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'detente' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next access skips this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
