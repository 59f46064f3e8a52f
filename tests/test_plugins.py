"""Plugins from other packages: decision rules and interventions found through
entry points, with no edit to the engine."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import build, ladder, scenario_dict, simulate
from detente.model.interventions import Intervention
from detente.model.policies import Policy
from detente.model.registry import Registry


def install_fake_package(tmp_path: Path, monkeypatch) -> None:
    """A package on sys.path with a dist-info that declares two entry points."""
    (tmp_path / "myrules.py").write_text(
        textwrap.dedent("""
        from dataclasses import replace

        import numpy as np
        from detente.backend import xp
        from detente.model.policies import Policy, DOWN, UP
        from detente.model.interventions import Intervention

        class AlwaysDown(Policy):
            name = "always-down"
            citation = "a test plugin"
            def decide(self, obs):
                return np.full(obs.posture.shape, DOWN), obs.memory

        class AlwaysUp(Policy):
            name = "always-up"
            citation = "a test plugin"
            def decide(self, obs):
                return np.full(obs.posture.shape, UP), obs.memory

        class Freeze(Intervention):
            name = "freeze-postures"
            citation = "a test plugin"
            def while_active(self, mods, state, p, ctx):
                # The plugin contract (docs/plugins.md): return new modifiers,
                # never write into the ones given.
                return replace(mods, posture_cap=xp.zeros_like(mods.posture_cap))
    """)
    )
    dist = tmp_path / "myrules-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: myrules\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[detente.policies]\nalways-down = myrules:AlwaysDown\nalways-up = myrules:AlwaysUp\n\n"
        "[detente.interventions]\nfreeze-postures = myrules:Freeze\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()


@pytest.fixture
def global_registries(tmp_path, monkeypatch):
    """The fake package installed and the global registries made to read its
    entry points, for this test only (Registry.scope): no plugin leaks into a
    later test."""
    install_fake_package(tmp_path, monkeypatch)
    from detente.model.interventions import interventions
    from detente.model.policies import policies

    with policies.scope(reload=True), interventions.scope(reload=True):
        yield
    sys.modules.pop("myrules", None)


def test_a_registry_finds_plugins_declared_as_entry_points(tmp_path, monkeypatch):
    install_fake_package(tmp_path, monkeypatch)
    policies: Registry[Policy] = Registry("detente.policies", "policy")
    interventions: Registry[Intervention] = Registry("detente.interventions", "intervention")
    assert {"always-down", "always-up"} <= set(policies.names())
    assert interventions.get("freeze-postures").citation == "a test plugin"
    sys.modules.pop("myrules", None)


def duel(policy: str) -> dict:
    return scenario_dict(
        ladder=ladder(hazard=0.0),
        actors=[
            {**scenario_dict()["actors"][0], "policy": {"name": policy}},
            {**scenario_dict()["actors"][1], "policy": {"name": policy}},
        ],
        packages={"status-quo": [], "frozen": [{"type": "freeze-postures"}]},
        settings={"steps": 10},
    )


def test_an_entry_point_policy_runs_in_a_scenario(global_registries):
    # Both start at rungs 3 and 2 (scenario_dict) and step down every week.
    out = simulate(build(duel("always-down")), runs=20)
    assert (out["posture.d.challenger"] == 0).all() and (out["posture.d.defender"] == 0).all()


def test_an_entry_point_intervention_changes_what_the_policies_would_do(global_registries):
    # Two climbers: without the plugin intervention both stand above rung 0 at
    # the end (at war or at the top); with it, capped at 0, neither does.
    sc = build(duel("always-up"))
    free = simulate(sc, runs=20)
    assert (free["posture.d.challenger"] > 0).all() and (free["posture.d.defender"] > 0).all()
    frozen = simulate(sc, "frozen", runs=20)
    assert (frozen["posture.d.challenger"] == 0).all()
    assert (frozen["posture.d.defender"] == 0).all()
    assert not frozen["war"].any()


def test_plugins_do_not_leak_into_the_global_registries():
    from detente.model.interventions import interventions
    from detente.model.policies import policies

    assert "always-up" not in policies and "always-down" not in policies
    assert "test-climbs-once" not in policies  # test_required_properties' fixture
    assert "freeze-postures" not in interventions
