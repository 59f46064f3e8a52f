"""The high-intensity war's mechanisms (detente.model.front), each against the
run without it: the same seed and runs, one parameter changed."""

from __future__ import annotations

import numpy as np
import pytest

from detente.model.simulate import compile_model, run_chunk
from detente.scenario.loading import load_scenario

RUNS = np.arange(40)


@pytest.fixture(scope="module")
def war():
    return load_scenario("ukraine-war-2022")


def simulate(sc, **over):
    values = {k.replace("__", "."): np.full(len(RUNS), float(v)) for k, v in over.items()}
    return run_chunk(sc, compile_model(sc, "status-quo"), 7, RUNS, record=True, overrides=values)


def test_exits_are_a_cumulative_flow_never_below_the_refugee_stock(war):
    _, s = simulate(war, war__refugee_war_return_rate=0.02)
    assert (np.diff(s["exits"], axis=1) >= 0).all()
    assert (s["exits"] >= s["refugees"] - 1e-6).all()
    # Returns make the stock fall below the crossings once the war has lasted.
    assert (s["refugees"][:, 40] < s["exits"][:, 40]).all()


def test_people_return_while_the_war_goes_on(war):
    base = dict(war__refugee_war_return_rate=0.0, war__displacement_wave=20.0)
    _, none = simulate(war, war__war_return_rate=0.0, **base)
    _, some = simulate(war, war__war_return_rate=0.02, **base)
    at_war = none["at_war"][:, 30] & some["at_war"][:, 30]
    assert at_war.any()
    assert (some["idps"][at_war, 30] < none["idps"][at_war, 30]).all()


def test_the_wave_front_loads_flight(war):
    fixed = dict(
        war__front_displacement=0.0,
        war__wave_weeks=4.0,
        war__war_return_rate=0.0,
        war__refugee_war_return_rate=0.0,
    )
    _, calm = simulate(war, war__displacement_wave=0.0, **fixed)
    _, wave = simulate(war, war__displacement_wave=20.0, **fixed)
    first = wave["displaced"][:, 3] - calm["displaced"][:, 3]
    assert (first > 1e6).all()
    # The wave decays: the extra flight in week 41 is far less than in week 2.
    extra = np.diff(wave["exits"] - calm["exits"], axis=1)
    assert np.median(np.abs(extra[:, 40])) < 0.05 * np.median(extra[:, 1])


def test_a_moving_front_displaces(war):
    _, still = simulate(war, war__front_displacement=0.0, war__displacement_wave=0.0)
    _, moving = simulate(war, war__front_displacement=5.0, war__displacement_wave=0.0)
    moved = np.abs(np.diff(moving["territory"][:, :20, 0], axis=1)).sum(axis=1) > 0
    assert moved.any()
    assert (moving["exits"][moved, 19] > still["exits"][moved, 19]).all()


def test_tempo_raises_the_attrition(war):
    _, slow = simulate(war, war__tempo=1.0, war__tempo_surge=0.0, war__tempo_opening=0.0)
    _, fast = simulate(war, war__tempo=2.0, war__tempo_surge=0.0, war__tempo_opening=0.0)
    assert (fast["military_deaths"][:, 1] > 1.9 * slow["military_deaths"][:, 1]).all()


def test_an_invasion_opens_at_its_most_intense(war):
    calm = dict(war__tempo=1.0, war__tempo_surge=0.0, war__wave_weeks=3.0)
    _, flat = simulate(war, war__tempo_opening=0.0, **calm)
    _, opening = simulate(war, war__tempo_opening=3.0, **calm)
    first = opening["military_deaths"][:, 1] / flat["military_deaths"][:, 1]
    assert (first > 3.0).all()  # 1 + 3 exp(-1/3) at the end of week 1: about 3.1
    both = opening["at_war"][:, 31] & flat["at_war"][:, 31]
    assert both.any()
    late = (
        np.diff(opening["military_deaths"], axis=1)[both, 30]
        / np.diff(flat["military_deaths"], axis=1)[both, 30]
    )
    assert (late < 1.5).all()


def test_call_up_and_aid_only_while_at_war(war):
    out_w, _ = simulate(war)
    out_n, _ = simulate(war, actors__UA__recruitment=0.0, alliances__NATO__aid_flow=0.0)
    # Aid flows into Ukraine's arsenal while it fights; with none, its arsenal
    # stays at the 2021 equilibrium.
    assert (out_w["arsenal.UA"] > out_n["arsenal.UA"]).all()
    np.testing.assert_allclose(out_n["arsenal.UA"], 5.9, rtol=1e-9)


def test_without_the_new_parameters_nobody_returns_during_a_war():
    # ukraine-2022 without its hindcast sets none of them: in every week at war the refugee stock
    # grows by exactly the week's crossings (no returns in war, as before).
    sc = load_scenario("ukraine-2022", hindcast=False)
    # Enough runs for wars that last (version 2 ends most early wars by talks).
    out, s = run_chunk(sc, compile_model(sc, "status-quo"), 3, np.arange(1500), record=True)
    assert out["war"].any()
    war_weeks = s["at_war"][:, 1:]
    d_stock = np.diff(s["refugees"], axis=1)[war_weeks]
    d_exits = np.diff(s["exits"], axis=1)[war_weeks]
    assert (d_exits > 0).any()
    np.testing.assert_allclose(d_stock, d_exits, rtol=1e-9, atol=1e-6)
