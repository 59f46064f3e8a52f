"""The public runner: ensembles, comparisons and sweeps.

- :mod:`~detente.run.ensemble`: :func:`simulate` one package, :func:`compare`
  several on common random numbers; the one place that picks the backend
  (NumPy, or JAX compiled) and sizes the chunks;
- :mod:`~detente.run.results`: :class:`Result` and :class:`Comparison`;
- :mod:`~detente.run.spec`, :mod:`~detente.run.design`,
  :mod:`~detente.run.models`, :mod:`~detente.run.executors`,
  :mod:`~detente.run.sweep`: an experiment's specification, its design
  points, the models it can run, where its chunks run, and the sweep that
  streams them to a results folder (:mod:`detente.io.store`).

``detente.simulate``, ``detente.compare``, ``detente.Result`` and
``detente.Comparison`` are these names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from detente.run.ensemble import compare, simulate
    from detente.run.results import Comparison, Result

__all__ = ["Comparison", "Result", "compare", "simulate"]

_LAZY = {
    "Comparison": "detente.run.results",
    "Result": "detente.run.results",
    "compare": "detente.run.ensemble",
    "simulate": "detente.run.ensemble",
}


def __getattr__(name: str) -> Any:
    # Imported on first use, as the top-level names are (PEP 562).
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'detente.run' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
