"""The counter-based generator: a pure function of its coordinates, and uniform."""

from __future__ import annotations

import numpy as np
from scipy import stats

from detente.random import normal, uniform


def test_a_draw_depends_only_on_seed_purpose_step_and_run():
    runs = np.arange(1000)
    whole = uniform(3, "x", 5, runs, (4,))
    part = uniform(3, "x", 5, runs[600:], (4,))
    np.testing.assert_array_equal(whole[600:], part)
    assert not np.array_equal(whole, uniform(4, "x", 5, runs, (4,)))
    assert not np.array_equal(whole, uniform(3, "y", 5, runs, (4,)))
    assert not np.array_equal(whole, uniform(3, "x", 6, runs, (4,)))


def test_uniforms_are_uniform_and_in_the_open_interval():
    u = uniform(0, "test", 0, np.arange(200_000)).ravel()
    assert u.min() > 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 0.001
    counts = np.histogram(u, bins=64, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 0.001


def test_neighbouring_counters_are_uncorrelated():
    u = uniform(0, "test", 0, np.arange(100_000), (2,))
    r = np.corrcoef(u[:, 0], u[:, 1])[0, 1]
    assert abs(r) < 0.02
    lag = np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]
    assert abs(lag) < 0.02


def test_normals_have_unit_variance_and_no_skew():
    z = normal(1, "n", 2, np.arange(200_000)).ravel()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert stats.normaltest(z).pvalue > 0.001
