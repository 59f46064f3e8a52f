"""Design points: Latin hypercube, Sobol/Saltelli, Morris, full factorial, or CSV.

Sampling is SALib's (Herman & Usher 2017; Iwanaga, Usher & Herman 2022),
seeded by the experiment's seed, so a design is reproducible.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from detente.experiments.spec import ExperimentSpec
from detente.scenario.loading import ScenarioError

__all__ = ["problem", "sample"]


def problem(spec: ExperimentSpec) -> dict:
    """The SALib problem definition for the experiment's factors."""
    names = list(spec.factors)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[spec.factors[n].low, spec.factors[n].high] for n in names],
    }


def sample(spec: ExperimentSpec, folder: Path | None = None) -> dict[str, NDArray[np.float64]]:
    """Design points as columns: factor path -> values (one per point)."""
    d = spec.design
    names = list(spec.factors)
    if d.method == "csv":
        return _from_csv(spec, (folder or Path.cwd()) / (d.file or ""))
    prob = problem(spec)
    if d.method == "lhs":
        from SALib.sample import latin

        x = latin.sample(prob, d.samples, seed=spec.seed)
    elif d.method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(prob, d.samples, calc_second_order=d.second_order, seed=spec.seed)
    elif d.method == "morris":
        from SALib.sample import morris

        x = morris.sample(prob, d.samples, num_levels=4, seed=spec.seed)
    else:  # factorial
        axes = [
            spec.factors[n].levels
            or list(np.linspace(spec.factors[n].low, spec.factors[n].high, d.levels))
            for n in names
        ]
        x = np.array(list(itertools.product(*axes)), dtype=np.float64)
    cols = {n: np.asarray(x[:, i], dtype=np.float64) for i, n in enumerate(names)}
    for n in names:
        if spec.factors[n].integer:
            cols[n] = np.round(cols[n])
    return cols


def _from_csv(spec: ExperimentSpec, path: Path) -> dict[str, NDArray[np.float64]]:
    if not path.exists():
        raise ScenarioError(
            str(path), "design.file", "expected a CSV file with one column per factor"
        )
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ScenarioError(str(path), "", "expected a header and at least one row")
    names = list(rows[0])
    unknown = [n for n in names if spec.factors and n not in spec.factors]
    if unknown:
        raise ScenarioError(
            str(path),
            unknown[0],
            "expected a column named as an uncertainty "
            f"or lever of the experiment ({', '.join(spec.factors)})",
        )
    cols: dict[str, NDArray[np.float64]] = {}
    for n in names:
        try:
            cols[n] = np.array([float(r[n]) for r in rows])
        except (TypeError, ValueError):
            bad = next(i for i, r in enumerate(rows) if not _is_float(r[n]))
            raise ScenarioError(
                str(path), f"row {bad + 2}.{n}", f"expected a number, got {rows[bad][n]!r}"
            ) from None
        if not np.isfinite(cols[n]).all():
            raise ScenarioError(str(path), n, "expected finite numbers")
    return cols


def _is_float(x: object) -> bool:
    try:
        float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True
