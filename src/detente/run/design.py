"""Design points: Latin hypercube, Sobol/Saltelli, Morris, full factorial, or CSV.

Sampling is SALib's (Herman & Usher 2017; Iwanaga, Usher & Herman 2022),
seeded by the experiment's seed, so a design is reproducible.
"""

from __future__ import annotations

import copy
import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.io import read_csv
from detente.run.spec import ExperimentSpec, Parameter
from detente.scenario.loading import ScenarioError, parse_scenario, set_path
from detente.scenario.schema import Scenario

__all__ = ["check_points", "read_design_csv", "sample"]


def sample(spec: ExperimentSpec, folder: Path | None = None) -> dict[str, NDArray[np.float64]]:
    """Design points as columns: factor path -> values (one per point)."""
    d = spec.design
    names = list(spec.factors)
    if d.method == "csv":
        return read_design_csv(spec, (folder or Path.cwd()) / (d.file or ""))
    prob = spec.problem()
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


def read_design_csv(spec: ExperimentSpec, path: Path) -> dict[str, NDArray[np.float64]]:
    """Design points from a CSV file: one column per declared factor, each value
    a finite number inside the factor's declared range (whole for integer
    factors); the first bad cell is named by its row."""
    if not spec.factors:
        raise ScenarioError(
            str(path),
            "",
            "expected the experiment to declare each column under uncertainties or levers",
        )
    if not path.exists() and not path.is_symlink():
        raise ScenarioError(
            str(path), "design.file", "expected a CSV file with one column per factor"
        )
    header, rows = read_csv(path, "CSV design")
    unknown = [n for n in header if n not in spec.factors]
    if unknown:
        raise ScenarioError(
            str(path),
            unknown[0],
            "expected a column named as an uncertainty "
            f"or lever of the experiment ({', '.join(spec.factors)})",
        )
    missing = [n for n in spec.factors if n not in header]
    if missing:
        raise ScenarioError(
            str(path),
            missing[0],
            "expected a column for every uncertainty and lever; it is missing",
        )
    cols: dict[str, NDArray[np.float64]] = {}
    for j, n in enumerate(header):
        prm = spec.factors[n]
        values = np.empty(len(rows))
        for i, row in enumerate(rows):
            values[i] = _cell(row[j], prm, str(path), f"row {i + 2}.{n}")
        cols[n] = values
    return cols


def _cell(text: str, prm: Parameter, file: str, where: str) -> float:
    """One design cell as a number the factor accepts."""
    try:
        x = float(text)
    except ValueError:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise ScenarioError(file, where, f"expected a number, got {shown!r}") from None
    if not math.isfinite(x):
        raise ScenarioError(file, where, f"expected finite numbers, got {text.strip()!r}")
    if not prm.low <= x <= prm.high:
        raise ScenarioError(
            file,
            where,
            f"expected a value in the factor's range [{prm.low:g}, {prm.high:g}], got {x:g}",
        )
    if prm.integer and x != round(x):
        raise ScenarioError(file, where, f"expected a whole number (an integer factor), got {x:g}")
    return x


def _set(data: dict, path: str, value: float, file: str) -> None:
    """Set a parameter path in a scenario mapping. As in the engine's paths
    (detente.model.params), an item of a list is named by its id or, for
    the ladder, its index: ``actors.RU.resolve``, ``ladder.4.hazard``; lever
    paths (``packages.withdrawal[0].fraction``) go through ``set_path``."""
    if "[" in path:
        set_path(data, path, value, file)
        return
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        if isinstance(node, list):
            match = [it for it in node if isinstance(it, dict) and it.get("id") == part]
            if match:
                node = match[0]
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise ScenarioError(file, path, f"expected an item with id {part!r}")
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ScenarioError(file, path, f"expected {part!r} to exist in the scenario")
    if not isinstance(node, dict):
        raise ScenarioError(file, path, "expected a path of names")
    node[last] = value


def check_points(
    scenario: Scenario, spec: ExperimentSpec, cols: dict[str, NDArray[np.float64]], file: str
) -> None:
    """Validate every design point as a scenario is validated: each point's
    values set into the scenario, which must then pass every check a scenario
    file passes (ranges, finiteness, deployed <= forces, ...).

    First each factor at its lowest and highest value alone (the error names
    the factor), then each point whole (the error names the point).
    """
    base = scenario.model_dump(mode="json", by_alias=True)
    # Posterior paths in a dump are relative to detente's built-in folder or
    # absolute: read back from there.
    where = Path(__file__).resolve().parents[1] / "scenario" / "builtin"
    names = list(cols)

    def attempt(values: dict[str, float]) -> ScenarioError | None:
        data = copy.deepcopy(base)
        for path, v in values.items():
            _set(data, path, v, file)
        try:
            parse_scenario(data, file=file, base=where)
        except ScenarioError as e:
            return e
        return None

    for n in names:
        group = "levers" if n in spec.levers else "uncertainties"
        for v in sorted({float(cols[n].min()), float(cols[n].max())}):
            e = attempt({n: v})
            if e is not None:
                raise ScenarioError(
                    spec.name,
                    f"{group}.{n}",
                    f"expected values the scenario accepts at {e.path or 'top level'}: "
                    f"{e.expected} (the design sets {v:g})",
                )
    if len(names) < 2:
        return
    for i in range(len(cols[names[0]])):
        point = {n: float(cols[n][i]) for n in names}
        e = attempt(point)
        if e is not None:
            shown = ", ".join(f"{k}={v:g}" for k, v in point.items())
            raise ScenarioError(
                spec.name,
                f"design point {i}",
                f"expected a point the scenario accepts ({shown}): {e.path}: {e.expected}",
            )
