"""Calibration to the record of eastern Ukraine, and forecast scores (issue: grounded)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from conftest import build, scenario_dict, simulate
from detente.calibration.abc import abc_smc
from detente.calibration.calibrate import calibrate, make_problem
from detente.calibration.store import coverage_table, write_calibration
from detente.calibration.targets import load_targets, observations, read_off
from detente.cli import app
from detente.model.params import draw_params
from detente.scenario.loading import ScenarioError, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "data" / "targets" / "donbas-2014.yaml"
runner = CliRunner()


def test_the_targets_are_the_ucdp_months_ohchr_years_and_totals_and_the_idp_stock():
    tf = load_targets(TARGETS)
    obs = {o.target.id: o for o in observations(tf, dt.date(2014, 4, 14))}
    assert set(obs) == {
        "ucdp-monthly-deaths",
        "ohchr-civilian-deaths",
        "ohchr-killed-total",
        "unhcr-idps",
    }
    months = obs["ucdp-monthly-deaths"]
    assert months.labels[0] == "2014-04" and months.labels[-1] == "2021-12"
    assert len(months) == 93
    assert months.values.sum() == 7794  # UCDP GED 22.1 best estimates, April 2014 on
    assert obs["ohchr-civilian-deaths"].values.sum() == 3404  # OHCHR's verified total
    held = observations(tf, dt.date(2014, 4, 14), until=dt.date(2018, 12, 31))
    assert {o.target.id for o in held} == {"ucdp-monthly-deaths", "ohchr-civilian-deaths"}
    assert next(o for o in held if o.target.kind == "monthly").labels[-1] == "2018-12"


def test_adjacent_windows_never_share_a_death():
    tf = load_targets(TARGETS)
    months = next(o for o in observations(tf, dt.date(2014, 4, 14)) if o.target.kind == "monthly")
    rng = np.random.default_rng(0)
    cumulative = np.cumsum(rng.uniform(0, 10, size=(3, 404)), axis=1)
    cumulative[:, 0] = 0.0
    flows = read_off(months, {"deaths": cumulative}, 1.0)
    # 14 April 2014 to 31 December 2021 is 2,819 days: 402.7 weekly steps.
    total = np.interp(2819 / 7, np.arange(404), cumulative[0])
    assert flows[0].sum() == pytest.approx(total, rel=1e-12)
    assert (flows >= 0).all()


def _normal_mean_distance(truth: float):
    """A toy simulator with a known posterior: 25 normal draws around z."""
    from detente.random import normal

    data = truth + normal(99, "data", 0, np.arange(25))

    def distance(z, ids):
        sims = z[:, :1] + normal(1, "sim", 0, ids, (25,))
        return np.abs(sims.mean(axis=1) - data.mean())

    return distance, data.mean()


def test_abc_smc_concentrates_on_the_value_that_generated_the_data():
    distance, xbar = _normal_mean_distance(1.2)
    gens = abc_smc(distance, 1, 400, 6, seed=3)
    post = gens[-1].z[:, 0]
    # With a N(0, 1) prior and 25 unit-variance draws the exact posterior is
    # N(25 xbar / 26, 1 / 26): mean near xbar, sd 0.196.
    assert abs(post.mean() - 25 * xbar / 26) < 0.1
    assert 0.1 < post.std() < 0.35
    assert gens[-1].epsilon < gens[1].epsilon


def test_abc_smc_gives_the_same_posterior_whatever_the_batch_size():
    distance, _ = _normal_mean_distance(0.5)
    a = abc_smc(distance, 1, 64, 3, seed=5, batch=7)
    b = abc_smc(distance, 1, 64, 3, seed=5, batch=5000)
    np.testing.assert_array_equal(a[-1].z, b[-1].z)
    np.testing.assert_array_equal(a[-1].distances, b[-1].distances)


def test_a_lasting_ceasefire_consolidates_toward_its_floor():
    data = scenario_dict()
    data["settings"]["steps"] = 60
    data["disputes"][0].update(
        phase="ceasefire", ceasefire_violation=0.3, violation_decay=0.1, violation_floor=0.2
    )
    # A ceasefire can break by choice (model-spec V2.4): the property is about
    # one that lasts, so only the runs in which it held are read.
    out, series = simulate(build(data), runs=200, record=True)
    held = (out["ceasefire_breakdowns.d"] == 0) & (out["phase.d"] == 2)
    assert held.sum() >= 20
    weekly = np.diff(series["military_deaths"][held], axis=1).mean(axis=0)
    assert weekly[1] > 2 * weekly[-1] > 0  # falls, but not to zero
    data["disputes"][0].update(violation_decay=0.0)
    out, flat = simulate(build(data), runs=200, record=True)
    held = (out["ceasefire_breakdowns.d"] == 0) & (out["phase.d"] == 2)
    weekly_flat = np.diff(flat["military_deaths"][held], axis=1).mean(axis=0)
    assert weekly_flat[-1] > 0.6 * weekly_flat[1]  # no decay: only the forces' attrition


@pytest.fixture(scope="module")
def small_calibration(tmp_path_factory):
    """A small calibration (few particles) of donbas-2014 with a holdout from 2019."""
    sc = load_scenario("donbas-2014")
    problem = make_problem(
        sc, load_targets(TARGETS), until=dt.date(2018, 12, 31), seed=1, file="donbas-2014"
    )
    cal = calibrate(problem, particles=40, generations=3, workers=1)
    out = tmp_path_factory.mktemp("cal")
    write_calibration(
        cal, out, scenario_ref="donbas-2014", scenario_file=None, targets_file=TARGETS
    )
    return cal, out


def test_a_small_calibration_narrows_the_distance_and_stays_inside_the_priors(small_calibration):
    cal, _ = small_calibration
    gens = cal.generations
    assert np.median(gens[-1].distances) < np.median(gens[0].distances)
    values = cal.posterior_values()
    for i, prior in enumerate(cal.problem.priors):
        lo, hi = prior.support()
        assert (values[:, i] >= lo).all() and (values[:, i] <= hi).all()
    rows = {r["target"]: r for r in coverage_table(cal)}
    assert rows["ucdp-monthly-deaths"]["observations"] == 57  # April 2014 to December 2018
    assert 0.0 <= rows["ucdp-monthly-deaths"]["coverage_90"] <= 1.0


def test_the_calibration_folder_holds_posterior_predictive_and_a_parameter_file(small_calibration):
    import pyarrow.parquet as pq

    cal, out = small_calibration
    post = pq.read_table(out / "posterior.parquet").to_pandas()
    assert set(cal.problem.names) <= set(post.columns)
    assert post["generation"].max() == len(cal.generations) - 1
    pred = pq.read_table(out / "predictive.parquet").to_pandas()
    assert set(pred["target"]) == {o.target.id for o in cal.problem.predicted}
    params = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert set(params["samples"]) == set(cal.problem.names)
    assert {len(v) for v in params["samples"].values()} == {40}


def test_a_scenario_draws_whole_posterior_rows_from_a_calibrated_file(small_calibration, tmp_path):
    _, out = small_calibration
    data = scenario_dict()
    file = str(out / "calibrated.yaml")
    data["war"] = {
        "civilian_lethality": {
            "dist": "posterior",
            "file": file,
            "parameter": "war.civilian_lethality",
        },
        "displacement_rate": {
            "dist": "posterior",
            "file": file,
            "parameter": "war.displacement_rate",
        },
    }
    sc = parse_scenario(data, file="<test>", base=tmp_path)
    p = draw_params(sc, 0, np.arange(500))
    samples = yaml.safe_load((out / "calibrated.yaml").read_text())["samples"]
    rows = set(
        zip(samples["war.civilian_lethality"], samples["war.displacement_rate"], strict=True)
    )
    drawn = set(zip(p.civilian_lethality.tolist(), p.displacement_rate.tolist(), strict=True))
    assert drawn <= rows  # each run draws one row: the correlations are kept
    assert len(drawn) > 20


def test_text_with_no_file_may_not_read_files_outside_the_built_in_folder(small_calibration):
    _, out = small_calibration
    data = scenario_dict()
    data["war"] = {
        "civilian_lethality": {
            "dist": "posterior",
            "file": str(out / "calibrated.yaml"),
            "parameter": "war.civilian_lethality",
        }
    }
    with pytest.raises(ScenarioError, match="built-in folder"):
        parse_scenario(data, file="uploaded scenario")


def test_score_reports_the_model_beside_no_change_and_climatology(small_calibration):
    _, out = small_calibration
    res = runner.invoke(app, ["score", str(out), "--json"])
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["first"] == "2019-01" and result["last"] == "2021-12"
    assert result["observations"] == 36
    names = [r["forecast"] for r in result["scores"]]
    assert names == ["model", "no-change", "climatology"]
    assert all(r["crps"] >= 0 for r in result["scores"])
    assert "CRPS" in result["verdict"]
    assert (out / "scores.json").is_file()


def test_the_report_of_a_calibration_shows_the_predictive_checks(small_calibration, tmp_path):
    _, out = small_calibration
    res = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "r.html").read_text()
    assert "Posterior predictive check: ucdp-monthly-deaths" in text
    assert "conditional on the scenario" in text


def test_the_calibrate_command_runs_end_to_end(tmp_path):
    res = runner.invoke(
        app,
        [
            "calibrate",
            "donbas-2014",
            "--targets",
            str(TARGETS),
            "--out",
            str(tmp_path / "c"),
            "--particles",
            "12",
            "--generations",
            "2",
            "--workers",
            "1",
            "--no-report",
            "--parameter",
            "disputes.donbas.violation_floor",
            "--parameter",
            "actors.UA.effectiveness",
        ],
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "c" / "calibration.json").read_text())
    names = [p["name"] for p in manifest["parameters"]]
    assert names == [
        "disputes.donbas.violation_floor",
        "actors.UA.effectiveness",
        "observation.reporting",
        "observation.dispersion",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"targets": []}, "targets: "),
        (
            {"targets": [{"id": "x", "quantity": "deaths", "kind": "monthly", "source": "s"}]},
            "exactly one of 'values' or 'file'",
        ),
        (
            {
                "targets": [
                    {
                        "id": "x",
                        "quantity": "deaths",
                        "kind": "monthly",
                        "source": "s",
                        "values": {"March 2015": 3},
                    }
                ]
            },
            "targets[0].values.March 2015",
        ),
        (
            {
                "targets": [
                    {
                        "id": "x",
                        "quantity": "morale",
                        "kind": "monthly",
                        "source": "s",
                        "values": {"2015-03": 3},
                    }
                ]
            },
            "targets[0].quantity",
        ),
    ],
)
def test_a_bad_targets_file_is_one_clear_line_and_exit_2(tmp_path, change, expected):
    data = yaml.safe_load(TARGETS.read_text())
    data.update(change)
    bad = tmp_path / "targets.yaml"
    bad.write_text(yaml.safe_dump(data))
    res = runner.invoke(
        app, ["calibrate", "donbas-2014", "--targets", str(bad), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert str(bad) in res.output and expected in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_calibrating_needs_a_start_date(tmp_path):
    res = runner.invoke(
        app, ["calibrate", "two-state-textbook", "--targets", str(TARGETS), "--out", str(tmp_path)]
    )
    assert res.exit_code == 2
    assert "settings.start_date" in res.output


def test_a_holdout_before_the_start_and_a_missing_csv_name_the_targets_file(tmp_path):
    res = runner.invoke(
        app,
        [
            "calibrate",
            "donbas-2014",
            "--targets",
            str(TARGETS),
            "--until",
            "2013-01",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert res.exit_code == 2 and str(TARGETS) in res.output and "--until" in res.output
    data = yaml.safe_load(TARGETS.read_text())
    data["targets"][0]["file"] = "missing.csv"
    bad = tmp_path / "targets.yaml"
    bad.write_text(yaml.safe_dump(data))
    res = runner.invoke(app, ["calibrate", "donbas-2014", "--targets", str(bad)])
    assert res.exit_code == 2 and "targets[0].file" in res.output
    assert "Traceback" not in res.output
