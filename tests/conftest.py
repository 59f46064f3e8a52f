"""Shared builders: small scenarios written as data, as a user would write them."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from detente.model.simulate import compile_model, run_chunk
from detente.scenario.loading import parse_scenario
from detente.scenario.schema import DEFAULT_LADDER, Scenario


def actor(aid: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": aid,
        "forces": 100,
        "deployed": 50,
        "arsenal": 10,
        "population_at_risk": 500_000,
        "resolve": {"dist": "beta", "a": 2, "b": 2},
        "war_cost": {"dist": "uniform", "low": 0.1, "high": 0.3},
        "audience_cost": 0.05,
        "rationality": 200,
        "arms": {"reaction": 0.1, "fatigue": 0.2, "grievance": 1.0},
        "policy": {"name": "expected-utility"},
    }
    base.update(over)
    return base


def scenario_dict(**over: Any) -> dict[str, Any]:
    """A two-state crisis (A challenges B) to vary in tests."""
    base: dict[str, Any] = {
        "name": "test",
        "settings": {"steps": 52, "signal_noise": 0.25},
        "actors": [actor("A"), actor("B")],
        "disputes": [
            {
                "id": "d",
                "challenger": "A",
                "defender": "B",
                "status_quo": 0.0,
                "demand": 1.0,
                "territory": 0.0,
                "challenger_posture": 3,
                "defender_posture": 2,
            }
        ],
        "packages": {"status-quo": []},
    }
    base.update(over)
    return copy.deepcopy(base)


def ladder(hazard: float | None = None, **by_rung: float) -> list[dict[str, Any]]:
    """The default ladder, with every hazard set to ``hazard`` (if given)."""
    rungs = [dict(r) for r in DEFAULT_LADDER]
    if hazard is not None:
        for r in rungs:
            r["hazard"] = hazard
    for key, value in by_rung.items():
        rungs[int(key.removeprefix("h"))]["hazard"] = value
    return rungs


def build(data: dict[str, Any]) -> Scenario:
    return parse_scenario(data, file="<test>")


def simulate(
    sc: Scenario, package: str = "status-quo", runs: int = 2000, seed: int = 0, record: bool = False
):
    out, series = run_chunk(sc, compile_model(sc, package), seed, np.arange(runs), record=record)
    return (out, series) if record else out


def sweep_rows(folder):
    """A sweep folder's per-run rows, in a fixed order (pandas)."""
    import pyarrow.parquet as pq

    t = pq.read_table(folder / "chunks").to_pandas()
    return t.sort_values(["point", "package", "run"]).reset_index(drop=True)


@pytest.fixture
def textbook() -> Scenario:
    from detente import load_scenario

    return load_scenario("two-state-textbook")


def pytest_collection_modifyitems(config, items) -> None:
    """Run the compiled-backend tests last.

    JAX starts thread pools when it is first used, and some tests fork a
    process (the axelrod library's tournament, subprocesses with resource
    limits). Forking a process with threads running is unsafe, so JAX is
    imported only after every other test has run.
    """
    items.sort(key=lambda item: item.module.__name__.endswith("test_backends"))
