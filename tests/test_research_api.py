"""Researchers' habits: xarray series, figures, ArviZ posteriors, the EMA
Workbench adapter with its optimisation, and ``detente.io.store.load``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import detente

pytest.importorskip("xarray")


@pytest.fixture(scope="module")
def textbook_cmp():
    sc = detente.load_scenario("two-state-textbook")
    return detente.compare(sc, runs=200, seed=3, series=True)


def test_to_xarray_holds_the_weekly_series_and_its_provenance(textbook_cmp):
    ds = textbook_cmp.to_xarray()
    sc = detente.load_scenario("two-state-textbook")
    assert ds.sizes == {"package": len(sc.packages), "week": sc.settings.steps + 1, "level": 11}
    # the shares at each level are a distribution over the runs, every week
    np.testing.assert_allclose(ds["share_at_level"].sum("level"), 1.0)
    sq = textbook_cmp.results["status-quo"]
    np.testing.assert_array_equal(
        ds["p_at_war"].sel(package="status-quo"), sq.series["at_war"] / sq.runs
    )
    assert ds.attrs["seed"] == 3 and ds.attrs["scenario_sha256"] == sq.scenario_sha256
    one = sq.to_xarray()
    assert list(one["package"].values) == ["status-quo"]


def test_to_xarray_asks_for_series_when_there_are_none():
    sc = detente.load_scenario("two-state-textbook")
    res = detente.simulate(sc, runs=20)
    with pytest.raises(ValueError, match="series=True"):
        res.to_xarray()


def test_plots_are_matplotlib_figures_with_one_row_per_package(textbook_cmp):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    fig = textbook_cmp.plot()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == list(textbook_cmp.results)
    fig = textbook_cmp.results["negotiations"].plot()
    assert len(fig.axes) == 3  # deaths, displaced, and the series


def test_posterior_exports_to_arviz_with_the_prior(tmp_path):
    az = pytest.importorskip("arviz")
    import pandas as pd

    from detente.interop import posterior_to_arviz

    rng = np.random.default_rng(0)
    post = pd.DataFrame(
        {
            "generation": np.repeat([0, 1, 2], 50),
            "particle": np.tile(np.arange(50), 3),
            "id": np.arange(150),
            "distance": rng.random(150),
            "epsilon": np.repeat([np.nan, 0.5, 0.3], 50),
            "war.civilian_lethality": np.r_[rng.random(100), np.full(50, 0.25)],
        }
    )
    post.to_parquet(tmp_path / "posterior.parquet")
    idata = posterior_to_arviz(tmp_path)
    assert isinstance(idata, az.InferenceData)
    x = idata.posterior["war.civilian_lethality"]
    assert x.shape == (1, 50) and float(x.mean()) == 0.25  # the LAST generation
    assert idata.prior["war.civilian_lethality"].shape == (1, 50)


def test_experiments_load_is_the_public_name():
    from detente.io.store import load
    from detente.io.store import load as store_load

    assert load is store_load


@pytest.mark.slow
def test_ema_optimisation_finds_the_package_that_prevents_war():
    pytest.importorskip("ema_workbench")
    pytest.importorskip("platypus")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import Scenario, SequentialEvaluator

    from detente.ema import crisis_model

    model = crisis_model(
        "two-state-textbook",
        uncertainties={"actors.A.resolve": (0.2, 0.9)},
        levers={"packages.withdrawal[0].fraction": (0.1, 0.9)},
        packages=["status-quo", "withdrawal"],
        outcomes=["war", "deaths"],
        runs=10,
    )
    assert model.detente_names["packages_withdrawal_0__fraction"] == (
        "packages.withdrawal[0].fraction"
    )
    f = model.function
    p_sq = f(actors_A_resolve=0.6, package="status-quo")["war"]
    assert p_sq > 0.3  # the textbook crisis goes to war often without a package
    with SequentialEvaluator(model) as ev:
        front = ev.optimize(
            nfe=40,
            population_size=10,
            searchover="levers",
            epsilons=[0.05, 1000.0],
            reference=Scenario("reference", actors_A_resolve=0.6),
        )
    assert len(front) >= 1
    # Version 2: a withdrawal is the actor's choice, and in the textbook crisis
    # it seldom takes it up, so the front need not beat the status quo; the
    # adapter is what is tested here (levers reach the scenario, a front comes back).
    assert front["war"].min() <= p_sq
    assert {getattr(c, "value", c) for c in front["package"]} == {"withdrawal"}
