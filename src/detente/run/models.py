"""Models an experiment can run: the crisis engine, or any registered plugin.

A model evaluates many design points at once: ``evaluate(package, points,
seed, runs)`` gets the factor values as columns (one entry per point) and
returns per-run outcome columns, ``runs`` replications per point, in point
order. Plugins register by name here or through the ``detente.models``
entry-point group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from detente.model.params import parameter_paths
from detente.model.registry import Registry
from detente.model.simulate import compile_model, run_chunk
from detente.run.spec import ExperimentSpec
from detente.scenario.loading import (
    ScenarioError,
    builtin_names,
    load_scenario,
    parse_scenario,
    set_path,
)

__all__ = ["CrisisModel", "ExperimentModel", "Ishigami", "models"]

Columns = dict[str, NDArray]


class ExperimentModel:
    """Base class for models an experiment runs."""

    name: ClassVar[str]
    citation: ClassVar[str] = ""

    def __init__(self, spec: ExperimentSpec, folder: Path) -> None:
        self.spec = spec
        self.folder = folder

    def packages(self) -> list[str]:
        return ["default"]

    def steps(self) -> int:
        """Work per run, in steps (for sizing tasks)."""
        return 1

    def provenance(self) -> dict[str, Any]:
        return {"model": self.name}

    def evaluate(self, package: str, points: Columns, seed: int, runs: int) -> Columns:
        raise TypeError(f"{type(self).__name__} does not define evaluate()")


models: Registry[ExperimentModel] = Registry("detente.models", "model")


@models.register
class Ishigami(ExperimentModel):
    """The Ishigami function, a standard test of sensitivity analysis.

    y = sin x1 + a sin^2 x2 + b x3^4 sin x1 with a = 7, b = 0.1 and x_i in
    [-pi, pi]. Ishigami, T. & Homma, T. (1990). An importance quantification
    technique in uncertainty analysis for computer models. *ISUMA '90*.
    """

    name = "ishigami"
    citation = "Ishigami & Homma (1990)"
    A, B = 7.0, 0.1

    def evaluate(self, package, points, seed, runs):
        x1, x2, x3 = (np.repeat(points[k], runs) for k in ("x1", "x2", "x3"))
        y = np.sin(x1) + self.A * np.sin(x2) ** 2 + self.B * x3**4 * np.sin(x1)
        return {"y": y}

    @classmethod
    def analytic(cls) -> dict[str, list[float]]:
        """First-order and total Sobol indices in closed form (Sobol' & Levitan 1999)."""
        a, b, pi = cls.A, cls.B, np.pi
        v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
        v2 = a**2 / 8
        v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
        v = v1 + v2 + v13
        return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]}


@models.register
class CrisisModel(ExperimentModel):
    """The detente crisis engine on the experiment's scenario.

    Uncertainties are parameter paths of the scenario (``actors.RU.resolve``,
    ``alliances.NATO.cohesion``, ``ladder.4.hazard``, ``war.death_share``):
    a design point sets that parameter's true value in each of its runs, so
    points are simulated together, vectorised, in one engine call. Levers are
    paths into the scenario's packages (``packages.withdrawal[0].fraction``):
    points that share lever values are simulated together.
    """

    name = "crisis"
    citation = "detente engine (docs/model.md)"

    def __init__(self, spec: ExperimentSpec, folder: Path) -> None:
        super().__init__(spec, folder)
        if not spec.scenario:
            raise ScenarioError("experiment", "scenario", "expected a scenario name or path")
        target = spec.scenario
        candidate = folder / target
        if not candidate.exists() and target not in builtin_names():
            raise ScenarioError(
                spec.name,
                "scenario",
                "expected a built-in scenario name "
                f"({', '.join(builtin_names())}) or a path to a YAML file, "
                f"got {target!r}",
            )
        self.scenario = load_scenario(candidate if candidate.exists() else target)
        known = set(parameter_paths(self.scenario))
        for path in spec.uncertainties:
            if path not in known:
                raise ScenarioError(
                    spec.name,
                    f"uncertainties.{path}",
                    "expected a parameter "
                    "path of the scenario, such as actors.<id>.resolve or "
                    "ladder.4.hazard",
                )
        self._base = self.scenario.model_dump(mode="json", by_alias=True)
        for path in spec.levers:
            probe = self.scenario.model_dump(mode="json", by_alias=True)
            try:
                set_path(probe, path, spec.levers[path].low, f"levers.{path}")
            except ScenarioError as e:
                raise ScenarioError(spec.name, f"levers.{path}", e.expected) from None
        for name in spec.packages or []:
            if name not in self.scenario.packages:
                raise ScenarioError(
                    spec.name,
                    "packages",
                    f"expected packages of "
                    f"{self.scenario.name} ({', '.join(self.scenario.packages)}),"
                    f" got {name!r}",
                )

    def packages(self) -> list[str]:
        return list(self.spec.packages or self.scenario.packages)

    def steps(self) -> int:
        return self.scenario.settings.steps

    def provenance(self) -> dict[str, Any]:
        from detente.run.ensemble import scenario_hash

        return {
            "model": self.name,
            "scenario": self.scenario.name,
            "scenario_sha256": scenario_hash(self.scenario),
        }

    def _scenario_with(self, levers: dict[str, float]):
        if not levers:
            return self.scenario
        data = self.scenario.model_dump(mode="json", by_alias=True)
        for path, value in levers.items():
            v = round(value) if self.spec.levers[path].integer else float(value)
            set_path(data, path, v, f"levers.{path}")
        return parse_scenario(data, file=f"{self.scenario.name} with levers")

    def evaluate(self, package, points, seed, runs):
        n = len(next(iter(points.values())))
        lever_names = list(self.spec.levers)
        keys = [tuple(float(points[k][i]) for k in lever_names) for i in range(n)]
        out: dict[str, NDArray] | None = None
        for key in dict.fromkeys(keys):
            idx = np.array([i for i, k in enumerate(keys) if k == key], dtype=np.int64)
            sc = self._scenario_with(dict(zip(lever_names, key, strict=True)))
            model = compile_model(sc, package)
            overrides = {p: np.repeat(points[p][idx], runs) for p in self.spec.uncertainties}
            run_ids = np.tile(np.arange(runs, dtype=np.int64), len(idx))
            res, _ = run_chunk(sc, model, seed, run_ids, overrides=overrides)
            rows = (idx[:, None] * runs + np.arange(runs)).ravel()
            if out is None:
                out = {k: np.empty(n * runs, dtype=np.asarray(v).dtype) for k, v in res.items()}
            for k, v in res.items():
                out[k][rows] = v
        assert out is not None
        out.pop("run", None)
        return out
