"""Ensembles, comparisons and experiments (sweeps, sensitivity, discovery).

:func:`load` reads a sweep's results folder (``detente sweep --out``) in the
EMA Workbench's contract: ``experiments, outcomes, con = load("sweep/")``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the store needs DuckDB and pandas (detente[experiments]).
    if name == "load":
        from detente.experiments.store import load

        return load
    raise AttributeError(f"module 'detente.experiments' has no attribute {name!r}")
