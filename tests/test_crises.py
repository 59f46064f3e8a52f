"""detente.crises: ICB readers, mapping, batched simulation, fit, forecasts, scores."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from detente.cli import app
from detente.crises import load_crises
from detente.crises.fit import (
    FitSettings,
    Posterior,
    fair_rps,
    fit,
    read_posterior,
    write_posterior,
)
from detente.crises.mapping import COEFFICIENTS, crisis_features, from_unit
from detente.crises.observation import OrderedLink, fit_link
from detente.crises.predict import predict
from detente.crises.reader import read_icb
from detente.crises.score import block_bootstrap, cross_validate, decade, log_loss, rps
from detente.crises.simulate import simulate_crises

DATA = Path(__file__).parents[1] / "data" / "icb"
ICB1 = DATA / "icb1v14-1918-1989.csv"
ICB2 = DATA / "icb2v14-1918-1989.csv"
runner = CliRunner()
# The middle of every prior: a posterior of two samples for fast forecasts.
MID = from_unit(np.full((2, len(COEFFICIENTS)), 0.5))


def subset(tmp: Path, keep: set[int], edit=None) -> tuple[Path, Path]:
    """Write the ICB rows of the crises ``keep`` to tmp; ``edit(kind, row)`` may change rows."""
    out = []
    for src, kind in ((ICB1, "crises"), (ICB2, "actors")):
        with src.open(newline="") as f:
            rows = list(csv.DictReader(f))
        rows = [r for r in rows if int(r["crisno"]) in keep]
        if edit:
            rows = [edit(kind, r) for r in rows]
        path = tmp / f"{kind}.csv"
        with path.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        out.append(path)
    return out[0], out[1]


def mid_posterior(tmp: Path) -> Path:
    samples = np.concatenate([MID[c.name] for c in COEFFICIENTS], axis=1)
    path = tmp / "posterior.yaml"
    write_posterior(Posterior(samples, {}), path, "test", {})
    return path


def test_reads_the_whole_record_and_maps_every_crisis():
    table, _, skipped = load_crises(ICB1, ICB2)
    assert len(table) == 391 and skipped == []
    assert set(np.unique(table.viol)) == {1, 2, 3, 4}
    assert table.year.min() == 1918 and table.year.max() == 1989


def test_sides_trigger_and_mediation_of_the_cuban_missile_crisis():
    rows = {r.crisno: r for r in read_icb(ICB1, ICB2)}
    f = crisis_features(rows[196])
    # USA is the first crisis actor; its threat came from the USSR; Cuba is threatened
    # by the USA: both are on the challenger's side, and both hold nuclear code >= 3.
    assert f.nuclear_d and f.nuclear_c and f.shadow
    assert f.rung_c == 1  # triggr 4, external change: a protest-level start
    assert f.mediated  # the UN Secretary-General and the OAS were involved
    assert f.balance == pytest.approx(-0.9)  # USA -9; RUS and CUB +9, turned


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda k, r: {x: v for x, v in r.items() if not (k == "crises" and x == "viol")},
            ["crises.csv", "row 1", "'viol'", "missing"],
        ),
        (
            lambda k, r: {**r, "viol": "5"} if k == "crises" and r["crisno"] == "2" else r,
            ["crises.csv", "row 3", "'viol'", "[1, 4]", "got 5"],
        ),
        (
            lambda k, r: {**r, "noactr": "1"} if k == "crises" and r["crisno"] == "1" else r,
            ["crises.csv", "row 2", "'noactr'", "at least 2 actors"],
        ),
        (
            lambda k, r: {**r, "gravty": "x"} if k == "actors" else r,
            ["actors.csv", "row 2", "'gravty'", "expected a number"],
        ),
        (
            lambda k, r: {**r, "triggr": ""} if k == "actors" else r,
            ["actors.csv", "row 2", "'triggr'", "blank"],
        ),
    ],
)
def test_bad_icb_input_exits_2_with_one_line(tmp_path, edit, words):
    crises, actors = subset(tmp_path, {1, 2, 3}, edit)
    keep = tmp_path / "out"
    keep.mkdir()
    (keep / "posterior.yaml").write_text("kept")
    r = runner.invoke(
        app,
        [
            "crises",
            "fit",
            "--crises",
            str(crises),
            "--actors",
            str(actors),
            "--out",
            str(keep),
            "--particles",
            "4",
            "--generations",
            "1",
        ],
    )
    assert r.exit_code == 2, r.output
    msg = " ".join(r.output.split())
    assert all(w in msg for w in words), msg
    assert "Traceback" not in r.output
    assert (keep / "posterior.yaml").read_text() == "kept"


def test_predict_json_lists_unmappable_crises_in_skipped(tmp_path):
    # Crisis 3 keeps its ICB1 row but loses its actor rows: it cannot be mapped.
    crises, actors = subset(tmp_path, {1, 2, 3, 4})
    rows = list(csv.DictReader(actors.open()))
    with actors.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r["crisno"] != "3")
    post = mid_posterior(tmp_path)
    r = runner.invoke(
        app,
        [
            "crises",
            "predict",
            "--crises",
            str(crises),
            "--actors",
            str(actors),
            "--fit",
            str(post),
            "--json",
            "--draws",
            "2",
            "--reps",
            "4",
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert [c["crisno"] for c in doc["crises"]] == [1, 2, 4]
    assert doc["skipped"] == [
        {"crisno": 3, "reason": "no crisis actor rows for this crisis in the actor file"}
    ]
    for c in doc["crises"]:
        assert len(c["p_viol"]) == 4 and sum(c["p_viol"]) == pytest.approx(1.0)
        assert c["mean_days"] > 0


def test_same_seed_same_forecasts_for_any_worker_count():
    table, _, _ = load_crises(ICB1, ICB2)
    small = table.take(np.arange(12))
    samples = np.concatenate([MID[c.name] for c in COEFFICIENTS], axis=1)
    post = Posterior(samples, {})
    one = predict(small, post, draws=2, reps=3, seed=7, workers=1)
    two = predict(small, post, draws=2, reps=3, seed=7, workers=2)
    # and the crises in another order and split: each crisis's runs are its own
    part = predict(small.take(np.arange(6, 12)), post, draws=2, reps=3, seed=7)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
    np.testing.assert_array_equal(one[0][6:], part[0])
    other = predict(small, post, draws=2, reps=3, seed=8)
    assert not np.array_equal(one[0], other[0])


def test_fit_is_the_same_for_any_worker_count():
    table, _, _ = load_crises(ICB1, ICB2)
    small = table.take(np.arange(20))
    s = FitSettings(particles=6, generations=2, reps=2, max_moves=1, seed=3)
    a = fit(small, s)
    b = fit(small, FitSettings(**{**s.__dict__, "workers": 2}))
    np.testing.assert_array_equal(a.samples, b.samples)


def test_fair_rps_is_zero_for_a_perfect_ensemble_and_scores_order():
    obs = np.array([1, 4])
    assert np.allclose(fair_rps(np.array([[1, 1, 1], [4, 4, 4]]), obs), 0.0)
    p_good = np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.7]])
    p_bad = p_good[::-1]
    assert (rps(p_good, obs) < rps(p_bad, obs)).all()
    assert rps(np.array([[0, 0, 0, 1.0]]), np.array([1]))[0] == pytest.approx(3.0)
    assert log_loss(p_good, obs) == pytest.approx(-np.log([0.7, 0.7]))


def test_block_bootstrap_resamples_whole_blocks():
    v = np.array([0.0, 0.0, 1.0, 1.0])
    lo, hi = block_bootstrap(v, np.array([1, 1, 2, 2]), draws=2000)
    assert lo == pytest.approx(0.0) and hi == pytest.approx(1.0)
    assert list(decade(np.array([1918, 1929, 1930, 1989]))) == [1920, 1920, 1930, 1980]


def test_cross_validation_holds_each_decade_out(tmp_path):
    table, _, _ = load_crises(ICB1, ICB2)
    pick = np.flatnonzero(np.isin(decade(table.year), [1930, 1950, 1970]))[::6]
    cv = cross_validate(
        table.take(pick), FitSettings(particles=4, generations=1, reps=2), draws=2, reps=2
    )
    s = cv.summary()
    assert s["blocks"] == [1930, 1950, 1970]
    for k in ("model", "base_rate", "logistic", "cuts_only", "model_raw", "trigger_link"):
        assert cv.forecasts[k].shape == (len(pick), 4)
        np.testing.assert_allclose(cv.forecasts[k].sum(axis=1), 1.0)
        assert 0 <= s[k]["rps"]["mean"] <= 3
    # the base rate of a fold never sees the fold's own crises
    b = decade(table.year[pick])
    test = b == 1950
    train_viol = table.viol[pick][~test]
    expect = (np.bincount(train_viol, minlength=5)[1:] + 0.5) / (len(train_viol) + 2)
    np.testing.assert_allclose(cv.forecasts["base_rate"][test][0], expect)
    # the cut-points alone are the fold's training frequencies, unsmoothed
    raw = np.bincount(train_viol, minlength=5)[1:] / len(train_viol)
    np.testing.assert_allclose(cv.forecasts["cuts_only"][test][0], raw, atol=2e-3)


def test_ordered_link_recovers_known_cut_points_and_slope():
    """Crises drawn from a known ordered logit: the fit finds its cut-points and slope."""
    rng = np.random.default_rng(5)
    z = rng.uniform(1, 4, 4000)
    truth = OrderedLink((1.0, 2.5, 4.0), 1.2)
    p = truth.probabilities(z)
    y = 1 + (rng.random(len(z))[:, None] > p.cumsum(axis=1)).sum(axis=1)
    got = fit_link(z, y)
    np.testing.assert_allclose(got.cuts, truth.cuts, atol=0.25)
    assert got.slope == pytest.approx(truth.slope, abs=0.12)
    np.testing.assert_allclose(got.probabilities(z).sum(axis=1), 1.0)


def test_ordered_link_never_reads_more_escalation_as_less_violence():
    """A latent ordered against the outcomes gets slope 0: the training frequencies."""
    y = np.repeat([1, 2, 3, 4], 50)
    z = -y + np.random.default_rng(1).normal(0, 0.3, len(y))
    got = fit_link(z, y)
    assert got.slope == 0.0
    np.testing.assert_allclose(got.probabilities(z)[0], [0.25] * 4, atol=2e-3)
    np.testing.assert_allclose(fit_link(-z, y).probabilities(-z)[0, 0], 1.0, atol=0.2)


def test_scenario_command_writes_a_scenario_validate_and_run_accept(tmp_path):
    post = mid_posterior(tmp_path)
    r = runner.invoke(
        app,
        [
            "crises",
            "scenario",
            "196",
            "--crises",
            str(ICB1),
            "--actors",
            str(ICB2),
            "--fit",
            str(post),
        ],
    )
    assert r.exit_code == 0, r.output
    path = tmp_path / "crisis.yaml"
    path.write_text(r.output)
    doc = yaml.safe_load(r.output)
    assert doc["actors"][0]["nuclear"] and doc["baseline"][0]["type"] == "negotiate"
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    r = runner.invoke(app, ["run", str(path), "--runs", "20", "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output


def test_scenario_of_a_missing_crisis_exits_2(tmp_path):
    r = runner.invoke(
        app, ["crises", "scenario", "9999", "--crises", str(ICB1), "--actors", str(ICB2)]
    )
    assert r.exit_code == 2 and "9999" in r.output


def test_posterior_round_trip_and_bad_posterior(tmp_path):
    path = mid_posterior(tmp_path)
    np.testing.assert_allclose(
        read_posterior(path).samples[0, 0], MID["hazard_scale"][0, 0], rtol=1e-5
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"samples": {"hazard_scale": [1000.0]}}))
    with pytest.raises(ValueError, match="hazard_scale"):
        read_posterior(bad)
    doc = yaml.safe_load(path.read_text())
    doc["observation"] = {"cuts": [2.0, 1.0, 3.0], "slope": 1.0}
    bad.write_text(yaml.safe_dump(doc))
    with pytest.raises(ValueError, match="'observation'"):
        read_posterior(bad)


def test_forecasts_read_the_latent_through_the_posterior_link():
    table, _, _ = load_crises(ICB1, ICB2)
    small = table.take(np.arange(10))
    samples = np.concatenate([MID[c.name] for c in COEFFICIENTS], axis=1)
    link = OrderedLink((1.0, 2.0, 3.0), 1.0)
    post = Posterior(samples, {"observation": link.to_dict()})
    p, _ = predict(small, post, draws=2, reps=3, seed=7)
    raw, _ = predict(small, post, draws=2, reps=3, seed=7, raw=True)
    sim = simulate_crises(small, post.coefficients(), np.arange(2), 3, 7)
    z = sim["viol"].mean(axis=(0, 2))
    np.testing.assert_allclose(p, link.probabilities(z))
    np.testing.assert_allclose(raw, predict(small, Posterior(samples, {}), 2, 3, 7)[0])
    assert not np.allclose(p, raw)


def test_fit_recovers_known_coefficients_from_synthetic_crises():
    """Crises whose outcomes were simulated from known coefficients: the fitted
    posterior's 95% interval holds each true value, and is narrower than the prior."""
    table, _, _ = load_crises(ICB1, ICB2)
    syn = table.take(np.arange(0, 391, 4))
    truth = {"rationality": 30.0, "war_cost": 0.15}
    coefs = {k: v[:1].copy() for k, v in MID.items()}
    for k, v in truth.items():
        coefs[k][:] = v
    sim = simulate_crises(syn, coefs, np.array([10**6]), 1, seed=99)
    syn = type(syn)(
        **{
            **syn.__dict__,
            "viol": sim["viol"][0, :, 0],
            "days": sim["days"][0, :, 0],
            "outcome": sim["outcome"][0, :, 0],
        }
    )
    fixed = tuple((c.name, float(MID[c.name][0, 0])) for c in COEFFICIENTS if c.name not in truth)
    post = fit(syn, FitSettings(particles=32, generations=4, reps=2, max_moves=2, fixed=fixed))
    for i, c in enumerate(COEFFICIENTS):
        if c.name in truth:
            x = np.log10(post.samples[:, i]) if c.log else post.samples[:, i]
            lo, hi = np.quantile(x, [0.025, 0.975])
            t = np.log10(truth[c.name]) if c.log else truth[c.name]
            assert lo <= t <= hi, (c.name, lo, hi, t)
            width = np.log10(c.hi / c.lo) if c.log else c.hi - c.lo
            assert hi - lo < 0.75 * width, (c.name, lo, hi)


def test_history_priors_replace_crisis_hazards_and_rationality(tmp_path):
    from detente import load_scenario, parse_scenario
    from detente.crises.scenario import (
        fitted_hazards,
        history_overrides,
        scenario_posterior,
        scenario_with_history,
    )

    samples = np.concatenate([MID[c.name] for c in COEFFICIENTS], axis=1)
    samples[1, 0] = 10.0  # a second hazard scale
    post = Posterior(samples, {})
    sc = load_scenario("two-state-textbook")
    runs = np.arange(50)
    ov = history_overrides(sc, post, seed=1, runs=runs)
    again = history_overrides(sc, post, seed=1, runs=runs[25:])
    np.testing.assert_array_equal(ov["ladder.5.hazard"][25:], again["ladder.5.hazard"])
    assert set(np.round(ov["ladder.5.hazard"], 12)) == {
        round(float(h), 12) for h in fitted_hazards(samples[:, 0], 1.0)[5]
    }
    assert "ladder.6.hazard" not in ov  # war rungs keep the scenario's own
    assert (ov["actors.A.rationality"] == MID["rationality"][0, 0]).all()
    # per fortnight in the fit, per week here: the same hazard per unit time
    h2 = fitted_hazards(np.array([1.0]), 2.0)[5][0]
    h1 = fitted_hazards(np.array([1.0]), 1.0)[5][0]
    assert (1 - h1) ** 2 == pytest.approx(1 - h2)
    pfile = tmp_path / "icb.yaml"
    pfile.write_text(yaml.safe_dump(scenario_posterior(post, 1.0)))
    data = yaml.safe_load(
        (
            Path(__file__).parents[1] / "src/detente/scenario/builtin/two-state-textbook.yaml"
        ).read_text()
    )
    fitted = parse_scenario(scenario_with_history(data, str(pfile), 8.0), "t", base=tmp_path)
    assert fitted.settings.lookahead == 8.0
    top = fitted.ladder[5].hazard.support()[1]
    assert top == pytest.approx(max(ov["ladder.5.hazard"]), rel=1e-5)


def test_score_and_priors_commands(tmp_path):
    keep = {n for n in range(1, 392) if n % 9 == 0}
    crises, actors = subset(tmp_path, keep)
    r = runner.invoke(
        app,
        [
            "crises",
            "score",
            "--crises",
            str(crises),
            "--actors",
            str(actors),
            "--particles",
            "4",
            "--generations",
            "1",
            "--draws",
            "2",
            "--predict-reps",
            "2",
            "--out",
            str(tmp_path / "cv"),
            "--figure",
            str(tmp_path / "cv" / "reliability.png"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (
        "base_rate" in r.output and "logistic" in r.output and "model_minus_base_rate" in r.output
    )
    doc = json.loads((tmp_path / "cv" / "scores.json").read_text())
    assert doc["crises"] == len(keep) and (tmp_path / "cv" / "reliability.png").stat().st_size
    post = mid_posterior(tmp_path)
    r = runner.invoke(app, ["crises", "priors", "--fit", str(post), "--step-weeks", "1"])
    assert r.exit_code == 0, r.output
    samples = yaml.safe_load(r.output)["samples"]
    assert set(samples) == {
        *(f"ladder.{i}.hazard" for i in range(6)),
        "rationality",
        "lookahead_weeks",
    }
