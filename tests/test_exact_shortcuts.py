"""The NumPy engine's shortcuts give the numbers of the computation they skip, bit for bit.

Each shortcut works on fewer rows or fewer options than the plain computation
(issue 20): the war threat takes HOLD's line alone where the other three are
-inf, the escalation inside war runs on the runs at war only. Here every call
of a short simulation of ``ukraine-2022`` (crises, ceasefires, settlements and
wars side by side) is checked against the plain computation on the same inputs.
"""

from __future__ import annotations

import numpy as np

import detente
from detente.model import talks, valuation, war
from detente.run.ensemble import simulate


def _short_run(monkeypatch) -> None:
    sc = detente.load_scenario("ukraine-2022")
    sc = sc.model_copy(update={"settings": sc.settings.model_copy(update={"steps": 40})})
    simulate(sc, runs=300, seed=3, workers=1)


def test_the_war_threat_outside_a_crisis_is_the_four_lines_threat(monkeypatch):
    shortcut, mixed = valuation._war_threat, []

    def checked(coef, belief, p, st, centres, war_gain):
        got = shortcut(coef, belief, p, st, centres, war_gain)
        full = valuation._threat(coef, belief, p, st, centres, war_gain, (0, 1, 2, 3))
        assert np.array_equal(got, full, equal_nan=True)
        only_hold = (np.asarray(coef.k)[..., [0, 2, 3]] == -np.inf).all(axis=(1, 2, 3))
        mixed.append(0 < only_hold.sum() < len(only_hold))
        return got

    monkeypatch.setattr(valuation, "_war_threat", checked)
    monkeypatch.setattr(talks, "_war_threat", checked)
    _short_run(monkeypatch)
    assert sum(mixed) > 20  # the split was taken with both kinds of rows present


def test_escalation_on_the_runs_at_war_is_escalation_on_every_run(monkeypatch):
    shortcut, seen = war._escalate, []

    def checked(state, p, mods, st, seed, runs, at_war):
        full = war._escalated(state, p, mods, st, seed, runs, at_war)
        shortcut(state, p, mods, st, seed, runs, at_war)
        got = (state.rung, state.joined, state.nuclear_deaths, state.nuclear_used)
        for a, b in zip(got, full, strict=True):
            assert np.array_equal(a, b, equal_nan=True)
        seen.append(0 < at_war.any(axis=1).sum() < len(at_war))
        return None

    monkeypatch.setattr(war, "_escalate", checked)
    _short_run(monkeypatch)
    assert sum(seen) > 5  # some runs at war and some not, in the same week
