"""Experiment specifications, in the EMA Workbench's vocabulary.

An experiment names a model (the crisis engine on a scenario, or another
registered model), its **uncertainties** (parameters whose true value the
design sets, by path), its **levers** (policy packages, and intervention
parameters by path), a **design** (Latin hypercube, Sobol/Saltelli, full
factorial, or a CSV the user supplies), the replications per design point
and the outcomes to keep.

Kwakkel, J. H. (2017). The Exploratory Modeling Workbench. *Environmental
Modelling & Software* 96: 239-250.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detente.scenario.loading import (
    ScenarioError,
    check_name,
    check_numbers,
    pydantic_error,
    read_yaml,
)

__all__ = ["Design", "ExperimentSpec", "Parameter", "load_experiment"]


class Parameter(BaseModel):
    """A range a design samples: real or integer, between low and high."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    low: float
    high: float
    integer: bool = False
    levels: list[float] | None = Field(default=None, description="for factorial designs")

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, data: Any) -> Any:
        if isinstance(data, list | tuple) and len(data) == 2:
            return {"low": data[0], "high": data[1]}
        return data

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("expected finite low and high")
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got low={self.low}, high={self.high}")
        for x in self.levels or []:
            if not (math.isfinite(x) and self.low <= x <= self.high):
                raise ValueError(f"expected levels in [low, high], got {x}")
        return self


class Design(BaseModel):
    """How design points are chosen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    method: Literal["lhs", "sobol", "factorial", "morris", "csv"] = "lhs"
    samples: int = Field(default=64, ge=1, le=10_000_000)
    levels: int = Field(default=3, ge=2, le=100, description="per factor, for factorial")
    second_order: bool = False
    file: str | None = Field(default=None, description="CSV with one column per parameter")

    @model_validator(mode="after")
    def _csv(self) -> Design:
        if self.method == "csv" and not self.file:
            raise ValueError("expected a 'file' for method csv")
        return self


class ExperimentSpec(BaseModel):
    """A sweep: model x uncertainties x levers x design x replications."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    model: str = "crisis"
    scenario: str | None = None
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    runs: int = Field(default=100, ge=1, le=10_000_000, description="replications per point")
    packages: list[str] | None = None
    uncertainties: dict[str, Parameter] = Field(default_factory=dict)
    levers: dict[str, Parameter] = Field(default_factory=dict)
    design: Design = Field(default_factory=Design)
    outcomes: list[str] | None = None
    chunk_seconds: float = Field(
        default=1.0, gt=0, le=86_400, allow_inf_nan=False, description="target work per task"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        problem = check_name(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("packages", "outcomes")
    @classmethod
    def _names(cls, v: list[str] | None) -> list[str] | None:
        for name in v or []:
            problem = check_name(name)
            if problem:
                raise ValueError(problem)
        if v is not None and len(set(v)) != len(v):
            raise ValueError(f"expected each name once, got {v}")
        return v

    @field_validator("uncertainties", "levers")
    @classmethod
    def _paths(cls, v: dict[str, Parameter]) -> dict[str, Parameter]:
        for path in v:
            if not path or any(ch.isspace() for ch in path):
                raise ValueError(f"expected a parameter path like actors.RU.resolve, got {path!r}")
        return v

    @model_validator(mode="after")
    def _factors(self) -> ExperimentSpec:
        if not self.uncertainties and not self.levers and self.design.method != "csv":
            raise ValueError("expected at least one uncertainty or lever to vary")
        overlap = set(self.uncertainties) & set(self.levers)
        if overlap:
            raise ValueError(f"expected each path once, got {sorted(overlap)} in both")
        return self

    @property
    def factors(self) -> dict[str, Parameter]:
        return {**self.uncertainties, **self.levers}

    def problem(self) -> dict[str, Any]:
        """The SALib problem definition for the experiment's factors (names and
        bounds), shared by the design's sampling and the sensitivity analysis."""
        names = list(self.factors)
        return {
            "num_vars": len(names),
            "names": names,
            "bounds": [[self.factors[n].low, self.factors[n].high] for n in names],
        }


def load_experiment(path: str | Path) -> tuple[ExperimentSpec, Path]:
    """Read and validate an experiment file; return it with its folder (for relative paths)."""
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise ScenarioError(str(p), "", "expected a path to an experiment YAML file")
    data = read_yaml(p, what="experiment")
    check_numbers(data, str(p))
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as e:
        raise pydantic_error(str(p), e) from None
    return spec, p.resolve().parent
