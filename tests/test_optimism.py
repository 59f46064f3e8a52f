"""Mutual optimism and battles as signals: why a war goes on (model-spec step 7).

Scripted two-state wars with talks open from the first week. Without
optimism the sides know the balance and settle the week the war starts; with
private errors on it the war goes on until fighting has taught them the
balance (Blainey 1973; Fearon 1995; Slantchev 2003; Smith & Stam 2004).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

from conftest import actor, build, ladder, scenario_dict, simulate
from detente.analysis.statistics import paired_difference
from detente.model.optimism import biased, optimism, seen_by_other


def war(optimism: float, learning_weeks: float = 26.0, cost: float = 0.1) -> dict:
    data = scenario_dict(
        settings={"steps": 60, "signal_noise": 0.25},
        actors=[actor("A", war_cost=cost), actor("B", war_cost=cost)],
        packages={"status-quo": [], "talks": [{"type": "negotiate", "start": 0}]},
    )
    data["disputes"][0].update(phase="war", territory=0.5)
    data["war"] = {"optimism": optimism, "learning_weeks": learning_weeks}
    return data


def weeks_at_war(optimism: float, learning_weeks: float = 26.0, cost: float = 0.1):
    return simulate(build(war(optimism, learning_weeks, cost)), "talks", runs=2000)["war_weeks"]


@given(hs.floats(0.0, 1.0), hs.floats(-30.0, 30.0))
def test_the_error_multiplies_the_odds_and_leaves_the_ends_and_no_error_alone(p, b):
    """Catches a multiplier applied to the probability instead of its odds
    (which would leave [0, 1]) and any change where there is no error."""
    pw, lift = np.array([p]), np.array([np.exp(b)])
    out = biased(pw, lift)[0]
    assert 0.0 <= out <= 1.0
    assert biased(pw, np.ones(1))[0] == p
    if 0.0 < p < 1.0 and abs(b) < 10:
        back = biased(np.array([out]), 1.0 / lift)[0]
        assert back == pytest.approx(p, rel=1e-6, abs=1e-12)
        assert (out > p) == (b > 0) or out == p


def test_a_multiplier_multiplies_the_odds():
    """Exact values where every multiplier is e, then 2 (kills a shortcut or a
    guard testing the multiplier against anything but 1)."""
    for m in (np.e, 2.0):
        out = biased(np.array([0.5, 0.2]), np.array([m, m]))
        np.testing.assert_allclose(out, [m / (m + 1.0), 0.2 * m / (0.2 * m + 0.8)], rtol=1e-15)


def test_without_optimism_a_war_with_talks_open_ends_the_week_it_starts():
    """The sides know the balance, so a deal both prefer to the war exists
    (Fearon 1995) and is found at once: catches a war phase that goes on for
    some other, unmodelled reason."""
    assert weeks_at_war(0.0).mean() < 0.5


def test_mutual_optimism_makes_wars_last():
    """Catches errors on the balance that never reach the talks, and a
    proposer who knows the responder's error (measured: mean 2 weeks with
    the error known against 21 with it private, at optimism 1)."""
    none, some = weeks_at_war(0.0), weeks_at_war(1.0)
    delta, (lo, _) = paired_difference(some.astype(float), none.astype(float))
    assert lo > 5.0, delta
    assert (some >= 60).mean() > 0.15  # some wars outlast the horizon


def test_battles_teach_the_balance_so_wars_end():
    """Catches fighting that teaches nothing: a side that learns in two weeks
    of battle ends its war sooner than one whose pre-war estimate keeps its
    weight for twenty years."""
    fast, slow = weeks_at_war(1.0, 2.0), weeks_at_war(1.0, 1000.0)
    delta, (_, hi) = paired_difference(fast.astype(float), slow.astype(float))
    assert hi < -5.0, delta


def test_costlier_wars_are_shorter():
    """The bargaining range widens with the costs of war, so the same
    optimism closes it less often (Fearon 1995)."""
    cheap, dear = weeks_at_war(1.0, cost=0.1), weeks_at_war(1.0, cost=0.3)
    delta, (_, hi) = paired_difference(dear.astype(float), cheap.astype(float))
    assert hi < 0, delta


def test_the_error_is_each_actors_own_and_fades_with_weeks_fought_between_the_pair():
    """Exact values. Catches an error on one side only, a count in steps
    instead of weeks, learning counted per dispute rather than per pair of
    actors (d0 and d1 are the same two states), and a fade that is not
    1 + (m - 1) L / (L + n)."""
    st = _structure([0, 1, 0], [1, 0, 2], step_weeks=2.0)
    state = SimpleNamespace(war_steps=np.array([[4, 2, 0]]))
    p = SimpleNamespace(learning_weeks=np.array([12.0]),
                        optimism_lift=np.array([[3.0, 0.5, 1.5]]))
    # Pair (0, 1) has fought 6 steps of 2 weeks: the error keeps 12 / (12 + 12).
    want = np.array([[[2.0, 0.75], [0.75, 2.0], [3.0, 1.5]]])
    np.testing.assert_array_equal(optimism(state, p, st), want)


def _structure(challenger: list[int], defender: list[int], step_weeks: float) -> SimpleNamespace:
    """What optimism reads of a Structure: the sides (Structure.sides) and the step."""
    c, d = np.array(challenger), np.array(defender)
    return SimpleNamespace(challenger=c, defender=d, sides=np.stack([c, d], axis=1),
                           step_weeks=step_weeks)


def test_no_error_gives_multipliers_of_one_and_an_error_of_two_fades():
    """Shape and values of the shortcut where no actor has an error (R = 3
    runs, 2 disputes), and no shortcut where every multiplier is 2."""
    st = _structure([0, 1], [1, 0], step_weeks=1.0)
    state = SimpleNamespace(war_steps=np.array([[2, 0], [0, 0], [6, 6]]))
    p = SimpleNamespace(learning_weeks=np.full(3, 4.0), optimism_lift=np.ones((3, 2)))
    out = optimism(state, p, st)
    assert out.shape == (3, 2, 2)
    np.testing.assert_array_equal(out, np.ones((3, 2, 2)))
    p = SimpleNamespace(learning_weeks=np.full(3, 4.0), optimism_lift=np.full((3, 2), 2.0))
    keep = 4.0 / (4.0 + np.array([2.0, 0.0, 12.0]))  # the pair's weeks in both disputes
    np.testing.assert_allclose(optimism(state, p, st)[:, 0, 0], 1.0 + keep, rtol=1e-15)


def test_the_multiplier_is_exp_of_sigma_times_the_actors_draw():
    """The parameters carry m = exp(sigma z) per run and actor: catches sigma
    squared, a shared draw for every actor, and a multiplier that ignores
    sigma."""
    from detente.model.params import draw_params

    sc = build(war(0.5))
    p = draw_params(sc, 0, np.arange(50))
    np.testing.assert_array_equal(p.optimism_lift, np.exp(0.5 * p.optimism_error))
    assert np.abs(p.optimism_error[:, 0] - p.optimism_error[:, 1]).min() > 0
    assert abs(p.optimism_error.std() - 1.0) < 0.3


@given(hs.floats(0.01, 0.99), hs.floats(-3.0, 3.0), hs.floats(-3.0, 3.0))
def test_each_side_believes_the_other_sees_the_balance_as_it_does(p, b0, b1):
    """The opponent's view of a side's chance is one less the opponent's own
    estimate. Catches the view taken with this side's error, a squared or
    missing inverse, and the responder's own error leaking to the proposer."""
    seen = np.array([[[p, 1.0 - p]]])
    lift = np.exp(np.array([[[b0, b1]]]))
    own = biased(seen, lift)
    other = seen_by_other(seen, lift)
    assert other[0, 0, 1] == pytest.approx(1.0 - own[0, 0, 0], rel=1e-9, abs=1e-12)
    assert other[0, 0, 0] == pytest.approx(1.0 - own[0, 0, 1], rel=1e-9, abs=1e-12)


def test_optimism_starts_wars_that_a_known_balance_deters():
    """The crisis channel (Blainey 1973): with no accidental hazards and a war
    too costly for the challenger at the balance both know, almost no war
    starts; an optimistic challenger chooses some. Catches crisis decisions
    that do not read the side's own estimate (measured at 2,000 runs: 0.011
    without optimism, 0.109 with sigma 1)."""
    def crisis(sigma: float) -> dict:
        data = scenario_dict(actors=[actor("A", war_cost=0.5), actor("B")],
                             ladder=ladder(hazard=0.0))
        data["war"] = {"optimism": sigma}
        return data

    known = simulate(build(crisis(0.0)), runs=2000)["war"].astype(float)
    misjudged = simulate(build(crisis(1.0)), runs=2000)["war"].astype(float)
    delta, (lo, _) = paired_difference(misjudged, known)
    assert lo > 0.05, delta
