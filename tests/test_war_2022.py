"""The war of 2022: targets by their definitions, the forecast, scoring later
records, and the hindcast switch of ukraine-2022 (issue: the war as it was fought).

No figure of 2023 or later appears here: the later-dated targets below are
synthetic numbers that exercise the command, not records.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from detente.calibration.calibrate import calibrate, distances, make_problem, observe
from detente.calibration.forecast import forecast, load_posterior
from detente.calibration.store import write_calibration
from detente.calibration.targets import load_targets, observations, read_off
from detente.cli import app
from detente.scenario.loading import hindcast_label, load_scenario

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "data" / "targets" / "ukraine-war-2022.yaml"
START = dt.date(2022, 2, 24)
runner = CliRunner()


def test_every_target_is_of_2022_and_read_by_its_definition():
    tf = load_targets(TARGETS)
    obs = {o.target.id: o for o in observations(tf, START)}
    assert {o.target.observed for o in obs.values()} == {"floor", "direct", "index"}
    for o in obs.values():
        assert (o.last <= (dt.date(2022, 12, 31) - START).days).all(), o.target.id
    # Exits are a cumulative flow, the Europe figure a stock: never the same series.
    assert obs["unhcr-border-exits"].target.quantity == "exits"
    assert obs["unhcr-border-exits"].target.kind == "cumulative"
    assert obs["unhcr-refugees-europe"].target.quantity == "refugees"
    assert obs["ucdp-deaths-2022"].target.observed == "floor"
    assert obs["ohchr-civilians-killed"].target.observed == "floor"
    # The Oryx windows tile 24 February to 31 December: shares of one total.
    oryx = obs["oryx-losses-index"]
    assert oryx.values.sum() == 11191
    assert (oryx.first[1:] == oryx.last[:-1] + 1).all()


def _problem():
    sc = load_scenario("ukraine-war-2022")
    return make_problem(sc, load_targets(TARGETS), targets_file=str(TARGETS))


def test_a_floor_counts_only_a_shortfall_and_an_index_only_its_shape():
    pr = _problem()
    n = 3
    model = {o.target.id: np.tile(o.values, (n, 1)) for o in pr.fitted}
    floors = {o.target.id for o in pr.fitted if o.target.observed == "floor"}
    index = next(o.target.id for o in pr.fitted if o.target.observed == "index")
    values = np.zeros((n, len(pr.names)))
    ids = np.arange(n)
    base = distances(pr, observe(pr, values, ids, model, pr.fitted))
    above = dict(model)
    for t in floors:
        above[t] = model[t] * np.array([[1.0], [3.0], [10.0]])  # at and above the floors
    scaled = dict(above)
    scaled[index] = model[index] * np.array([[0.1], [1.0], [50.0]])  # any scale
    np.testing.assert_allclose(distances(pr, observe(pr, values, ids, scaled, pr.fitted)), base)
    below = dict(model)
    below[next(iter(floors))] = model[next(iter(floors))] * 0.5
    assert (distances(pr, observe(pr, values, ids, below, pr.fitted)) > base).all()


def test_cumulative_exits_are_read_as_levels_not_differences():
    tf = load_targets(TARGETS)
    exits = next(o for o in observations(tf, START) if o.target.id == "unhcr-border-exits")
    series = {"exits": np.tile(np.arange(50, dtype=float) * 1000.0, (2, 1))}
    got = read_off(exits, series, 1.0)
    # A level at the end of the day: day d ends at (d + 1) / 7 steps.
    np.testing.assert_allclose(got[0], (exits.last + 1) / 7 * 1000.0)


def _write(tmp_path: Path, name: str, targets: list[dict]) -> Path:
    path = tmp_path / name
    doc = {"name": "t", "targets": targets}
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize(
    ("target", "field", "expect"),
    [
        (
            {"quantity": "idps", "kind": "stock", "values": {"2022-01-31": 100}},
            "targets[0].values.2022-01-31",
            "on or after the scenario's start (2022-02-24)",
        ),
        (
            {"quantity": "territory_held", "kind": "stock", "values": {"2022-05-01": 1}},
            "targets[0].quantity",
            "expected",
        ),
        (
            {
                "quantity": "deaths",
                "kind": "total",
                "observed": "floor",
                "values": {"2022-02-24/2022-12-31": -81500},
            },
            "targets[0].values.2022-02-24/2022-12-31",
            "expected a floor (a lower bound, >= 0)",
        ),
        (
            {"quantity": "exits", "kind": "stock", "values": {"2022-04-30": 4803626}},
            "targets[0]",
            "expected kind 'monthly', 'yearly', 'total' or 'cumulative' for 'exits'",
        ),
    ],
)
def test_bad_targets_exit_2_with_one_line_naming_file_field_and_expectation(
    tmp_path, target, field, expect
):
    bad = _write(tmp_path, "bad.yaml", [{"id": "x", "source": "test", **target}])
    res = runner.invoke(
        app, ["calibrate", "ukraine-war-2022", "--targets", str(bad), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    lines = [ln for ln in res.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, res.output
    assert "bad.yaml" in lines[0] and field in lines[0] and expect in lines[0], lines[0]
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def small_calibration(tmp_path_factory):
    out = tmp_path_factory.mktemp("war") / "cal"
    cal = calibrate(_problem(), particles=24, generations=2, workers=1)
    write_calibration(
        cal, out, scenario_ref="ukraine-war-2022", scenario_file=None, targets_file=TARGETS
    )
    return out


def test_the_forecast_gives_every_quantity_by_month_and_year_with_intervals(small_calibration):
    post = load_posterior(small_calibration)
    df = forecast(post, dt.date(2025, 12, 31), draws=40)
    assert set(df["target"]) == {o.target.id for o in post.problem.fitted}
    for t, rows in df.groupby("target"):
        months = rows[rows["period"] == "month"]["label"].tolist()
        assert months[0] == "2022-02" and months[-1] == "2025-12", t
        assert rows[rows["period"] == "year"]["label"].tolist() == ["2022", "2023", "2024", "2025"]
    q = df[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    assert (np.diff(q, axis=1) >= -1e-9).all()
    # A flow of deaths within a month or a year is never negative.
    assert (df.loc[df["target"] == "ucdp-deaths-2022", "q05"] >= 0).all()
    assert df["fitted_window"].any() and not df["fitted_window"].all()


def test_the_forecast_command_writes_parquet_and_the_report(small_calibration):
    res = runner.invoke(app, ["forecast", str(small_calibration), "--until", "2023-06"])
    assert res.exit_code == 0, res.output
    assert (small_calibration / "forecast.parquet").is_file()
    assert "| 2023 |" in (small_calibration / "forecast.md").read_text()
    res = runner.invoke(app, ["forecast", str(small_calibration), "--until", "2031-01"])
    assert res.exit_code == 2 and "horizon" in res.output


def test_score_takes_any_targets_file_dated_after_the_calibration_window(
    small_calibration, tmp_path
):
    # Synthetic values (not records): the command is under test, not the model.
    later = _write(
        tmp_path,
        "later.yaml",
        [
            {
                "id": "idps-later",
                "quantity": "idps",
                "kind": "stock",
                "source": "synthetic",
                "error": 0.05,
                "values": {"2023-06-30": 5.0e6, "2024-06-30": 4.0e6},
            },
            {
                "id": "deaths-later",
                "quantity": "deaths",
                "kind": "yearly",
                "source": "synthetic",
                "observed": "floor",
                "values": {"2023": 1000},
            },
        ],
    )
    res = runner.invoke(
        app, ["score", str(small_calibration), "--targets", str(later), "--draws", "40", "--json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    rows = {r["target"]: r for r in doc["targets"]}
    assert rows["idps-later"]["observations"] == 2 and rows["idps-later"]["crps"] >= 0
    assert "share_above_floor" in rows["deaths-later"]
    inside = _write(
        tmp_path,
        "inside.yaml",
        [
            {
                "id": "x",
                "quantity": "idps",
                "kind": "stock",
                "source": "synthetic",
                "values": {"2022-10-01": 1.0},
            }
        ],
    )
    res = runner.invoke(app, ["score", str(small_calibration), "--targets", str(inside)])
    assert res.exit_code == 2
    assert "inside.yaml" in res.output and "targets[0].values.2022-10-01" in res.output
    assert "after the calibration window" in res.output


def test_ukraine_2022_draws_its_war_parameters_from_the_2022_posterior_unless_told_not_to():
    hind = load_scenario("ukraine-2022")
    pre = load_scenario("ukraine-2022", hindcast=False)
    assert "a hindcast" in (hindcast_label(hind) or "")
    assert hindcast_label(pre) is None
    assert hind.war.tempo.dist == "posterior"
    assert "ukraine-war-2022" in hind.war.tempo.file
    assert hind.war.displacement_wave.dist == "posterior"
    # Without the hindcast, the war of 2014 scaled up, as before.
    assert pre.war.tempo.mean() == 1.0 and pre.war.displacement_wave.mean() == 0.0
    assert "donbas-2014" in pre.war.civilian_lethality.file
    # The crisis is untouched: only war-phase numbers differ.
    assert hind.disputes == pre.disputes and hind.ladder == pre.ladder


def test_the_run_and_its_report_say_the_war_parameters_are_a_hindcast(tmp_path):
    args = ["run", "ukraine-2022", "--runs", "20", "--packages", "status-quo", "--workers", "1"]
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "h"), "--report"])
    assert res.exit_code == 0, res.output
    assert "war parameters calibrated on the war of 2022 (a hindcast)" in " ".join(
        res.output.split()
    )
    assert "(a hindcast)" in (tmp_path / "h" / "report.html").read_text()
    res = runner.invoke(app, [*args, "--no-hindcast", "--out", str(tmp_path / "p"), "--report"])
    assert res.exit_code == 0, res.output
    assert "hindcast" not in res.output
    assert "(a hindcast)" not in (tmp_path / "p" / "report.html").read_text()
