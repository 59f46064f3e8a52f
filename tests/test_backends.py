"""The compiled (JAX) backend runs the NumPy reference's model and agrees with it.

Both backends draw the same random numbers (the streams are keyed by step,
purpose and run, and a compiled step looks its keys up in a table). They
differ only where XLA and NumPy round ``exp``, ``log`` or ``pow`` to a
different last bit, so discrete outcomes must be identical run by run and
continuous ones equal to 1e-9 relative.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.model.engine import Timing
from detente.model.simulate import compile_model, run_chunk
from detente.run.ensemble import compare, simulate
from detente.scenario.loading import load_scenario
from test_plugins import global_registries  # noqa: F401  (a fixture)

# Not imported here: collection would load JAX before the tests that fork (conftest).
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="the jax extra is not installed"
)

runner = CliRunner()


def assert_same_runs(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        assert x.shape == y.shape, key
        if x.dtype.kind in "biu":
            assert np.array_equal(x, y), f"{key}: {np.mean(x != y):.4f} of runs differ"
        else:
            np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=key)


@pytest.mark.parametrize("name", ["ukraine-2022", "two-state-textbook"])
def test_every_package_gives_the_same_runs_on_both_backends(name):
    sc = load_scenario(name)
    runs = np.arange(1000, 1400)
    wars = {}
    for package in sc.packages:
        model = compile_model(sc, package)
        reference, _ = run_chunk(sc, model, 11, runs)
        compiled, _ = run_chunk(sc, model, 11, runs, backend="jax")
        assert_same_runs(reference, compiled)
        # Not a comparison of constants: in every package several per-run
        # outcomes differ between runs.
        varying = [k for k, v in reference.items() if np.unique(np.asarray(v)).size > 1]
        assert len(varying) >= 5, (package, varying)
        wars[package] = int(np.sum(reference["war"]))
    assert wars["status-quo"] > 0, "the war path itself is compared run by run"


def test_recorded_series_agree_with_interventions_that_start_and_end():
    # donbas-2014: a monitoring mission from step 0, Minsk I in force for one
    # week (20-21) and Minsk II from week 44: the schedule is data in the
    # compiled step, and every week of all 403 must match.
    sc = load_scenario("donbas-2014")
    model = compile_model(sc, "status-quo")
    runs = np.arange(64)
    out_np, rec_np = run_chunk(sc, model, 2, runs, record=True)
    out_jx, rec_jx = run_chunk(sc, model, 2, runs, record=True, backend="jax")
    assert_same_runs(out_np, out_jx)
    assert_same_runs(rec_np, rec_jx)
    assert rec_np["rung"].shape == (64, 404)


def test_the_high_intensity_war_agrees_on_both_backends():
    # ukraine-war-2022 exercises every mechanism of detente.model.front (tempo
    # and surge, call-up, aid as a flow, the wave, flight from the front,
    # returns in war, exits), which the other built-ins leave at their defaults.
    sc = load_scenario("ukraine-war-2022")
    model = compile_model(sc, "status-quo")
    runs = np.arange(48)
    out_np, rec_np = run_chunk(sc, model, 5, runs, record=True)
    out_jx, rec_jx = run_chunk(sc, model, 5, runs, record=True, backend="jax")
    assert_same_runs(out_np, out_jx)
    assert_same_runs(rec_np, rec_jx)
    assert (rec_np["exits"][:, -1] > 0).all()


def test_the_traced_schedule_gives_the_timing_of_every_step():
    from detente.model.compiled import _own_schedule

    sc = load_scenario("donbas-2014")
    model = compile_model(sc, "status-quo")
    starts, ends = _own_schedule(model)
    for t in range(sc.settings.steps):
        eager = Timing.at(model, t)
        traced = Timing.scheduled(np.int64(t), starts, ends)
        assert tuple(bool(f) for f in traced.starting) == eager.starting
        assert tuple(bool(f) for f in traced.active) == eager.active
        assert bool(traced.moves_seen) == eager.moves_seen


def test_compiled_results_do_not_depend_on_the_chunk_size():
    sc = load_scenario("two-state-textbook")
    whole = simulate(sc, runs=300, seed=4, backend="jax", chunk_size=300)
    chunked = simulate(sc, runs=300, seed=4, backend="jax", chunk_size=128)  # last chunk padded
    for key in whole.outcomes:
        assert np.array_equal(whole.outcomes[key], chunked.outcomes[key], equal_nan=True), key
    assert chunked.backend == "jax"


def test_summaries_agree_within_monte_carlo_error():
    sc = load_scenario("ukraine-2022")
    kw = {"packages": ["withdrawal"], "runs": 1500, "seed": 5}
    a = {r["name"]: r for r in compare(sc, **kw).rows()}
    b = {r["name"]: r for r in compare(sc, backend="jax", **kw).rows()}
    for name, row in a.items():
        p, n = row["p_war"], 1500
        se = max(np.sqrt(p * (1 - p) / n), 1 / n)
        assert abs(b[name]["p_war"] - p) <= 3 * se
        assert b[name]["deaths_mean"] == pytest.approx(row["deaths_mean"], rel=1e-6, abs=1e-6)


def test_the_cli_runs_the_compiled_backend_and_names_it():
    res = runner.invoke(
        app, ["run", "two-state-textbook", "--runs", "200", "--backend", "jax", "--json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["backend"] == "jax"
    ref = json.loads(
        runner.invoke(app, ["run", "two-state-textbook", "--runs", "200", "--json"]).stdout
    )
    assert [r["p_war"] for r in doc["packages"]] == [r["p_war"] for r in ref["packages"]]


def test_an_unknown_backend_is_a_clear_error():
    res = runner.invoke(app, ["run", "--runs", "10", "--backend", "cuda"])
    assert res.exit_code == 2
    assert "--backend: expected numpy or jax, got 'cuda'" in res.output
    assert "Traceback" not in res.output


def test_single_precision_keeps_the_summaries_within_monte_carlo_error():
    # float32 is not the reference's arithmetic: runs may take other paths,
    # but what is reported must not move beyond sampling error.
    sc = load_scenario("ukraine-2022")
    kw = {"packages": ["withdrawal"], "runs": 1500, "seed": 6}
    ref = {r["name"]: r for r in compare(sc, **kw).rows()}
    f32 = compare(sc, backend="jax/float32", **kw)
    assert next(iter(f32.results.values())).backend == "jax/float32"
    for row in f32.rows():
        p = ref[row["name"]]["p_war"]
        se = max(np.sqrt(p * (1 - p) / 1500), 1 / 1500)
        assert abs(row["p_war"] - p) <= 3 * se
        assert row["deaths_mean"] == pytest.approx(ref[row["name"]]["deaths_mean"], rel=0.05)


def test_float32_is_refused_on_the_numpy_backend():
    res = runner.invoke(app, ["run", "--runs", "10", "--precision", "float32"])
    assert res.exit_code == 2
    assert "--precision float32: only the jax backend computes in float32" in res.output


def test_without_jax_the_jax_backend_is_a_clear_error(monkeypatch):
    import detente.model.compiled as compiled

    monkeypatch.setattr(compiled, "available", lambda: False)
    res = runner.invoke(app, ["run", "--runs", "10", "--backend", "jax"])
    assert res.exit_code == 2
    assert "JAX is not installed; pip install 'detente[jax]'" in res.output


def test_powell_closed_forms_give_the_same_numbers_compiled():
    # theory.powell is written against xp so the engine can call it under JAX.
    import jax
    import jax.numpy as jnp

    from detente.backend import using
    from detente.theory import powell

    # float64, as the engine's JAX backend sets it (model/compiled.py): without
    # it this test passed only after another test had switched JAX to x64.
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(3)
    args = [rng.uniform(0, 1, 50), rng.uniform(0, 1, 50), rng.uniform(0.5, 0.99, 50)]
    args += [rng.uniform(0, 0.2, 50), rng.uniform(0, 0.2, 50), rng.choice([0, 0.5, 1], 50)]
    with using(jnp):
        margin = jax.jit(powell.war_margin)(*args)
        bound = jax.jit(powell.shift_bound)(*args[:1], *args[2:])
        lo, hi = jax.jit(powell.bargaining_range)(*args)
    np.testing.assert_allclose(np.asarray(margin), powell.war_margin(*args), atol=1e-12)
    np.testing.assert_allclose(
        np.asarray(bound), powell.shift_bound(*args[:1], *args[2:]), atol=1e-12
    )
    for a, b in zip((lo, hi), powell.bargaining_range(*args), strict=True):
        np.testing.assert_allclose(np.asarray(a), b, atol=1e-12)


@pytest.mark.usefixtures("global_registries")
def test_a_plugin_intervention_keeps_the_contract_compiled():
    # The plugin assigns a new array (never writes in place), so the compiled
    # step keeps its change: the same runs on both backends.
    from conftest import build
    from test_plugins import duel

    sc = build(duel("always-up"))
    model = compile_model(sc, "frozen")
    reference, _ = run_chunk(sc, model, 0, np.arange(20))
    compiled, _ = run_chunk(sc, model, 0, np.arange(20), backend="jax")
    assert_same_runs(reference, compiled)
    assert (np.asarray(compiled["posture.d.challenger"]) == 0).all()
