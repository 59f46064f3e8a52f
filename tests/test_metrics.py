"""Forecast scores: CRPS, Brier, interval coverage and the reference forecasts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from detente.analysis.metrics import (
    brier,
    climatology_forecast,
    coverage,
    crps,
    no_change_forecast,
)


def test_crps_of_a_one_member_ensemble_is_the_absolute_error():
    np.testing.assert_allclose(crps([1.0, 5.0], [[3.0], [4.0]]), [2.0, 1.0])


def test_crps_of_a_large_normal_ensemble_matches_the_closed_form():
    rng = np.random.default_rng(0)
    y, sigma = 0.7, 2.0
    members = rng.normal(0.0, sigma, 200_000)
    z = y / sigma
    exact = sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    assert crps([y], members[None, :])[0] == pytest.approx(exact, rel=0.01)


def test_a_sharper_correct_forecast_scores_better():
    rng = np.random.default_rng(1)
    truth = rng.normal(10, 1, 500)
    sharp = rng.normal(10, 1, (500, 400))
    vague = rng.normal(10, 5, (500, 400))
    assert crps(truth, sharp).mean() < crps(truth, vague).mean()


def test_brier_score():
    assert brier([1.0, 0.0, 0.5], [1, 0, 1]) == pytest.approx(0.25 / 3)
    with pytest.raises(ValueError):
        brier([1.2], [1])


def test_intervals_from_the_true_distribution_cover_their_nominal_share():
    rng = np.random.default_rng(2)
    obs = rng.normal(size=4000)
    ens = rng.normal(size=(4000, 2000))
    assert coverage(obs, ens, 0.9) == pytest.approx(0.9, abs=0.02)
    assert coverage(obs, ens, 0.5) == pytest.approx(0.5, abs=0.03)


def test_reference_forecasts():
    hist = np.array([3.0, 5.0, 4.0])
    assert no_change_forecast(hist, 2).tolist() == [[4.0], [4.0]]
    assert climatology_forecast(hist, 2).tolist() == [[3.0, 5.0, 4.0]] * 2
