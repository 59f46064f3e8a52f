"""detente.theory reproduces its published numbers, and agrees with the axelrod library."""

from __future__ import annotations

import json

import axelrod as axl
import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from detente.cli import app
from detente.theory import bdm, fearon, games, lanchester, richardson
from detente.validation.reproduce import iwo_jima, targets

# Richardson ---------------------------------------------------------------------


def test_richardsons_additive_test_on_the_1909_1913_blocs():
    rows = np.genfromtxt(
        "src/detente/validation/data/richardson-cow-1907-1913.csv", delimiter=",", names=True
    )
    m = rows["year"] >= 1909
    f = richardson.fit(
        rows["year"][m],
        (rows["france"] + rows["russia"])[m] / 1000,
        (rows["germany"] + rows["austria_hungary"])[m] / 1000,
    )
    assert f.slope == pytest.approx(0.832, rel=0.005)
    assert f.zero_growth_level == pytest.approx(189.3, rel=0.005)


def test_closed_form_and_ode_agree_and_approach_the_equilibrium():
    coef = (0.1, 0.3, 2.0, 0.2, 0.4, 1.0)
    t = np.array([0.0, 1.0, 5.0, 80.0])
    x, y = richardson.closed_form(t, 1.0, 1.0, *coef)
    _, xo, yo = richardson.solve(80.0, 1.0, 1.0, *coef, t_eval=t)
    np.testing.assert_allclose(x, xo, rtol=1e-7)
    np.testing.assert_allclose(y, yo, rtol=1e-7)
    np.testing.assert_allclose([x[-1], y[-1]], richardson.equilibrium(*coef), rtol=1e-6)


# Fearon -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost_a", "cost_b", "demand", "war", "eu"),
    [
        (0.1, stats.uniform(0, 0.3), 0.6, 1 / 3, 0.5333),
        (0.1, stats.uniform(0.05, 0.3), 0.625, 0.25, 0.56875),
        (0.3, stats.uniform(0, 0.2), 0.5, 0.0, 0.5),
    ],
)
def test_the_ultimatum_under_uniform_private_costs(cost_a, cost_b, demand, war, eu):
    r = fearon.ultimatum(0.5, cost_a, cost_b)
    assert r.demand == pytest.approx(demand)
    assert r.war_probability == pytest.approx(war)
    assert r.expected_utility == pytest.approx(eu, abs=1e-4)
    numeric = fearon.ultimatum(0.5, cost_a, cost_b, method="numeric")
    assert numeric.demand == pytest.approx(demand, abs=1e-6)


def test_the_war_probability_does_not_depend_on_p():
    wars = {
        round(fearon.ultimatum(p, 0.1, stats.uniform(0, 0.3)).war_probability, 12)
        for p in (0.2, 0.4, 0.5, 0.65)
    }
    assert len(wars) == 1


def test_complete_information_means_no_war_and_the_range_is_p_minus_ca_to_p_plus_cb():
    assert fearon.bargaining_range(0.5, 0.1, 0.2) == (0.4, 0.7)
    r = fearon.ultimatum(0.5, 0.1, 0.2)
    assert r.war_probability == 0 and r.demand == pytest.approx(0.7)


def test_the_screening_cutoff():
    assert fearon.screening_cutoff(0.3, 0.1, 0.1) == pytest.approx(0.5)


# Lanchester ---------------------------------------------------------------------


def test_iwo_jima_reproduces_engel():
    tr = iwo_jima()
    assert tr.winner == "A"
    assert tr.ended_at == pytest.approx(36.4, abs=0.3)
    assert tr.a[-1] == pytest.approx(51980, rel=0.01)


def test_the_square_laws_closed_form_matches_integration():
    closed = lanchester.square_law(100.0, 80.0, 0.01, 0.012)
    tr = lanchester.integrate(100.0, 80.0, 0.01, 0.012, t_end=500.0)
    assert closed.winner == tr.winner == "A"
    assert tr.ended_at == pytest.approx(closed.duration, rel=1e-4)
    assert tr.a[-1] == pytest.approx(closed.survivors, rel=1e-4)


def test_the_linear_law_conserves_alpha_a_minus_beta_b():
    tr = lanchester.integrate(100.0, 60.0, 0.002, 0.003, t_end=200.0, law="linear")
    inv = 0.002 * tr.a - 0.003 * tr.b
    np.testing.assert_allclose(inv, inv[0], rtol=1e-6)
    assert lanchester.linear_law(100.0, 60.0, 0.002, 0.003).survivors == pytest.approx(10.0)


# Games --------------------------------------------------------------------------

PAIRS = {
    games.Cooperator: axl.Cooperator,
    games.Defector: axl.Defector,
    games.TitForTat: axl.TitForTat,
    games.WinStayLoseShift: axl.WinStayLoseShift,
    games.Grudger: axl.Grudger,
    games.GoByMajority: axl.GoByMajority,
    games.Gradual: axl.Gradual,
}


def _axl_actions(a, b, turns):
    m = axl.Match((a(), b()), turns=turns)
    m.play()
    return (
        np.array([x[0] == axl.Action.C for x in m.result]),
        np.array([x[1] == axl.Action.C for x in m.result]),
    )


@pytest.mark.parametrize("ours_a", list(PAIRS), ids=lambda c: c.__name__)
def test_deterministic_strategies_play_exactly_as_in_the_axelrod_library(ours_a):
    for ours_b, theirs_b in PAIRS.items():
        ours = games.play(ours_a(), ours_b(), 60)
        ref_a, ref_b = _axl_actions(PAIRS[ours_a], theirs_b, 60)
        np.testing.assert_array_equal(ours.actions_a[0], ref_a)
        np.testing.assert_array_equal(ours.actions_b[0], ref_b)


def test_the_published_deterministic_results():
    res = games.play(games.TitForTat(), games.Defector(), 10)
    assert (res.scores_a[0], res.scores_b[0]) == (9, 14)
    t = games.tournament(
        [games.Cooperator(), games.TitForTat(), games.Defector(), games.Grudger()], turns=10
    )
    assert t.totals.tolist() == [60, 69, 78, 69]
    ref = axl.Tournament(
        [axl.Cooperator(), axl.TitForTat(), axl.Defector(), axl.Grudger()], turns=10, repetitions=1
    ).play(progress_bar=False, processes=1)
    assert [s[0] for s in ref.scores] == t.totals.tolist()


def test_stochastic_strategies_agree_with_axelrod_within_monte_carlo_error():
    turns, reps, noise = 100, 400, 0.05
    ours = games.play(games.GenerousTitForTat(), games.Random(), turns, reps, noise, seed=3)
    scores = []
    for k in range(reps):
        m = axl.Match((axl.GTFT(), axl.Random()), turns=turns, noise=noise, seed=k)
        m.play()
        scores.append(sum(p[0] for p in m.scores()))
    theirs = np.array(scores, dtype=float)
    se = np.sqrt(ours.scores_a.var() / reps + theirs.var() / reps)
    assert abs(ours.scores_a.mean() - theirs.mean()) < 4 * se


@pytest.mark.parametrize("noise", [0.05, 0.2, 0.5, 0.9])
def test_tit_for_tat_against_itself_averages_2_25_a_turn_under_any_noise(noise):
    assert games.memory_one_payoffs((1, 0, 1, 0), (1, 0, 1, 0), noise)[0] == pytest.approx(2.25)
    sim = games.play(games.TitForTat(), games.TitForTat(), 1000, 200, noise, seed=5)
    assert sim.mean_per_turn[0] == pytest.approx(2.25, abs=0.02)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (games.WinStayLoseShift(), games.GenerousTitForTat()),
        (games.TitForTat(), games.Random(0.7)),
        (games.GenerousTitForTat(), games.Defector()),
    ],
)
def test_the_markov_chain_payoff_of_memory_one_pairs_matches_long_matches(a, b):
    exact = games.memory_one_payoffs(a.four_vector, b.four_vector, 0.05)
    sim = games.play(a, b, 2000, 200, 0.05, seed=9).mean_per_turn
    np.testing.assert_allclose(sim, exact, atol=0.02)


def test_generous_tit_for_tat_forgives_a_third_in_the_standard_game():
    assert games.generous_probability() == pytest.approx(1 / 3)


def test_grit_makes_its_announced_moves_then_reciprocates():
    res = games.play(games.Grit(steps=3), games.Defector(), 8)
    assert res.actions_a[0].tolist() == [True, True, True] + [False] * 5


# BDM ----------------------------------------------------------------------------


def _bdm():
    rows = np.genfromtxt(
        "src/detente/validation/data/bdm-eu-emissions.csv",
        delimiter=",",
        names=True,
        dtype=None,
        encoding="utf-8",
    )
    return ([str(n) for n in rows["actor"]], rows["capability"], rows["position"], rows["salience"])


def test_bdm_starts_from_the_published_median_and_mean():
    _, c, x, s = _bdm()
    assert bdm.weighted_median(x, c * s) == 7.0
    assert bdm.weighted_mean(x, c * s) == pytest.approx(7.38996, abs=5e-6)


def test_bdm_risk_exponents_span_half_to_two_with_uk_and_luxembourg_at_the_ends():
    names, c, x, s = _bdm()
    r = bdm.risk_exponents(x, c, s)
    assert r.min() >= 0.5 and r.max() <= 2.0
    assert r[names.index("UK")] == pytest.approx(2.0)
    assert r[names.index("Luxembourg")] == pytest.approx(0.5)


def test_bdm_positions_stay_within_the_original_range():
    names, c, x, s = _bdm()
    fc = bdm.forecast(names, c, x, s, rounds=10)
    assert fc.positions.shape == (11, 10)
    assert ((fc.positions >= 4) & (fc.positions <= 10)).all()
    assert len(fc.median) == 11


# reproduce ----------------------------------------------------------------------


def test_detente_reproduce_passes_every_row():
    assert all(t.passed for t in targets())
    result = CliRunner().invoke(app, ["reproduce", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) >= 30 and all(r["passed"] for r in rows)


def test_a_batched_tournament_plays_exactly_the_matches_of_pair_by_pair_play():
    players = [
        games.Cooperator(),
        games.Defector(),
        games.TitForTat(),
        games.GenerousTitForTat(),
        games.WinStayLoseShift(),
        games.Grudger(),
        games.GoByMajority(),
        games.Random(),
        games.Gradual(),
        games.Grit(),
    ]
    deterministic = [p for p in players if not p.stochastic]  # draws only what is read
    for field, noise in [(f, x) for f in (players, deterministic) for x in (0.0, 0.1)]:
        batched = games.tournament(field, 40, 7, noise=noise, seed=2, self_play=True)
        by_pairs = tournament_by_pairs(field, 40, 7, noise=noise, seed=2, self_play=True)
        np.testing.assert_array_equal(batched.payoff_matrix, by_pairs.payoff_matrix)


def tournament_by_pairs(
    players: list[games.Strategy],
    turns: int,
    repetitions: int,
    noise: float,
    seed: int,
    self_play: bool,
) -> games.TournamentResult:
    """The round robin as it was first written: one ``games.play`` per pair."""
    game = games.Game()
    n = len(players)
    matrix = np.zeros((n, n))
    for i in range(n):
        for j in range(i if self_play else i + 1, n):
            res = games.play(
                players[i], players[j], turns, repetitions, noise, game, seed, stream=f"{i}-{j}"
            )
            matrix[i, j] = res.scores_a.mean()
            matrix[j, i] = res.scores_b.mean() if i != j else res.scores_a.mean()
    return games.TournamentResult(tuple(p.name for p in players), matrix, matrix.sum(axis=1))
