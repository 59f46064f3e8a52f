"""Plugins from other packages: decision rules and interventions found through
entry points, with no edit to the engine."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import numpy as np

from conftest import build, ladder, scenario_dict, simulate
from detente.model.interventions import Intervention
from detente.model.policies import Policy
from detente.model.registry import Registry


def install_fake_package(tmp_path: Path, monkeypatch) -> None:
    """A package on sys.path with a dist-info that declares two entry points."""
    (tmp_path / "myrules.py").write_text(
        textwrap.dedent("""
        import numpy as np
        from detente.model.policies import Policy, DOWN
        from detente.model.interventions import Intervention

        class AlwaysDown(Policy):
            name = "always-down"
            citation = "a test plugin"
            def decide(self, obs):
                return np.full(obs.posture.shape, DOWN), obs.memory

        class Freeze(Intervention):
            name = "freeze-postures"
            citation = "a test plugin"
            def while_active(self, mods, state, p, ctx):
                mods.posture_cap[:] = 0
    """)
    )
    dist = tmp_path / "myrules-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: myrules\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[detente.policies]\nalways-down = myrules:AlwaysDown\n\n"
        "[detente.interventions]\nfreeze-postures = myrules:Freeze\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()


def test_a_registry_finds_plugins_declared_as_entry_points(tmp_path, monkeypatch):
    install_fake_package(tmp_path, monkeypatch)
    policies: Registry[Policy] = Registry("detente.policies", "policy")
    interventions: Registry[Intervention] = Registry("detente.interventions", "intervention")
    assert "always-down" in policies.names()
    assert interventions.get("freeze-postures").citation == "a test plugin"
    sys.modules.pop("myrules", None)


def test_an_entry_point_policy_runs_in_a_scenario(tmp_path, monkeypatch):
    install_fake_package(tmp_path, monkeypatch)
    from detente.model import interventions as iv_mod
    from detente.model import policies as pol_mod

    # The global registries load entry points once; reload them for this test.
    monkeypatch.setattr(pol_mod.policies, "_loaded", False)
    monkeypatch.setattr(iv_mod.interventions, "_loaded", False)
    sc = build(
        scenario_dict(
            ladder=ladder(hazard=0.0),
            actors=[
                {**scenario_dict()["actors"][0], "policy": {"name": "always-down"}},
                {**scenario_dict()["actors"][1], "policy": {"name": "always-down"}},
            ],
            packages={"status-quo": [], "frozen": [{"type": "freeze-postures"}]},
            settings={"steps": 10},
        )
    )
    out = simulate(sc, runs=20)
    assert (out["posture.d.challenger"] == 0).all() and (out["posture.d.defender"] == 0).all()
    frozen = simulate(sc, "frozen", runs=20)
    assert np.array_equal(frozen["posture.d.challenger"], np.zeros(20))
    sys.modules.pop("myrules", None)
