"""Sweeps: designs, the results store, resume after SIGKILL, executors, sensitivity, PRIM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import sweep_rows
from detente.cli import app
from detente.io.store import load
from detente.run.models import Ishigami
from detente.run.spec import ExperimentSpec
from detente.run.sweep import run_sweep

runner = CliRunner()

TEXTBOOK = {
    "name": "textbook-sweep",
    "scenario": "two-state-textbook",
    "seed": 3,
    "runs": 20,
    "packages": ["status-quo", "withdrawal"],
    "uncertainties": {"actors.A.resolve": [0.2, 0.9], "actors.B.war_cost": [0.05, 0.5]},
    "levers": {"packages.withdrawal[0].fraction": [0.1, 0.9]},
    "design": {"method": "lhs", "samples": 12},
    "outcomes": ["war", "settled", "deaths", "displaced"],
    "chunk_seconds": 0.02,
}


def spec_file(tmp_path: Path, **over) -> Path:
    data = {**TEXTBOOK, **over}
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_sweep_streams_chunks_and_catalogues_them_in_duckdb(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["sweep", str(spec_file(tmp_path)), "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["points"] == 12 and len(manifest["complete"]) == len(manifest["chunks"]) > 1
    assert manifest["provenance"]["scenario_sha256"]
    experiments, outcomes, con = load(out)
    assert len(experiments) == 12 * 2 and set(experiments["policy"]) == {"status-quo", "withdrawal"}
    assert {"actors.A.resolve", "packages.withdrawal[0].fraction"} <= set(experiments.columns)
    assert set(outcomes) == {"war", "settled", "deaths", "displaced"}
    assert all(len(v) == 24 for v in outcomes.values())
    n = con.execute("select count(*) from runs").fetchone()[0]
    assert n == 12 * 2 * 20
    assert con.execute("select count(*) from experiments").fetchone()[0] == 12
    p_war = con.execute("select avg(war) from summary where package = 'status-quo'").fetchone()[0]
    assert 0 <= p_war <= 1
    con.close()


def test_the_design_sets_each_runs_true_parameter_value(tmp_path):
    """A point's uncertainty value reaches the engine: resolve 0 means no challenge pays."""
    spec = ExperimentSpec.model_validate(
        {
            **TEXTBOOK,
            "uncertainties": {"actors.A.resolve": {"low": 0.0, "high": 1.0, "levels": [0.0, 1.0]}},
            "levers": {},
            "design": {"method": "factorial"},
            "packages": ["status-quo"],
            "runs": 200,
        }
    )
    out = tmp_path / "o"
    run_sweep(spec, tmp_path, out)
    experiments, outcomes, con = load(out)
    con.close()
    by_value = dict(zip(experiments["actors.A.resolve"], outcomes["war"], strict=True))
    assert by_value[1.0] > by_value[0.0] + 0.3


def test_a_sweep_killed_with_sigkill_resumes_to_exactly_the_uninterrupted_rows(tmp_path):
    spec = spec_file(tmp_path, design={"method": "lhs", "samples": 40}, chunk_seconds=0.01)
    whole = tmp_path / "whole"
    assert (
        runner.invoke(app, ["sweep", str(spec), "--out", str(whole), "--workers", "1"]).exit_code
        == 0
    )
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "detente.cli",
            "sweep",
            str(spec),
            "--out",
            str(out),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        m = out / "manifest.json"
        if m.exists():
            try:
                if len(json.loads(m.read_text())["complete"]) >= 3:
                    break
            except (json.JSONDecodeError, KeyError):
                pass
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    manifest = json.loads((out / "manifest.json").read_text())
    assert 0 < len(manifest["complete"]) < len(manifest["chunks"]), "killed partway"
    result = runner.invoke(
        app, ["sweep", str(spec), "--out", str(out), "--resume", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    a, b = sweep_rows(whole), sweep_rows(out)
    assert len(b) == len(a) == 40 * 2 * 20
    assert not b.duplicated(["point", "package", "run"]).any()
    assert a.equals(b)
    assert not list((out / "chunks").glob(".*"))


def test_a_finished_folder_is_not_overwritten_without_resume(tmp_path):
    spec = spec_file(tmp_path)
    out = tmp_path / "o"
    assert (
        runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"]).exit_code == 0
    )
    before = (out / "manifest.json").read_bytes()
    again = runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert again.exit_code == 2 and "--resume" in again.stderr
    assert (out / "manifest.json").read_bytes() == before


def test_results_are_bitwise_identical_for_1_and_2_local_workers_and_a_dask_cluster(tmp_path):
    pytest.importorskip("dask.distributed")
    spec = spec_file(tmp_path, chunk_seconds=0.01)
    outs = {}
    for label, args in {
        "one": ["--workers", "1"],
        "two": ["--workers", "2"],
        "dask": ["--executor", "dask", "--workers", "2"],
    }.items():
        outs[label] = tmp_path / label
        res = runner.invoke(app, ["sweep", str(spec), "--out", str(outs[label]), *args])
        assert res.exit_code == 0, res.output
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        outs["scheduler"] = tmp_path / "scheduler"
        res = runner.invoke(
            app,
            [
                "sweep",
                str(spec),
                "--out",
                str(outs["scheduler"]),
                "--executor",
                "dask",
                "--scheduler",
                cluster.scheduler_address,
            ],
        )
        assert res.exit_code == 0, res.output
    ref = sweep_rows(outs["one"])
    for label in ("two", "dask", "scheduler"):
        other = sweep_rows(outs[label])
        assert ref.equals(other), label
        for col in ("deaths", "displaced"):
            assert ref[col].to_numpy().tobytes() == other[col].to_numpy().tobytes()


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values(tmp_path):
    spec = Path(__file__).resolve().parents[1] / "examples" / "ishigami.yaml"
    out = tmp_path / "ish"
    result = runner.invoke(app, ["sensitivity", str(spec), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows_ = json.loads((out / "sensitivity.json").read_text())
    truth = Ishigami.analytic()
    for i, r in enumerate(sorted(rows_, key=lambda r: r["factor"])):
        assert abs(r["S1"] - truth["S1"][i]) <= r["S1_conf"], r
        assert abs(r["ST"] - truth["ST"][i]) <= r["ST_conf"], r


def test_morris_screening_ranks_the_ishigami_factors(tmp_path):
    spec = Path(__file__).resolve().parents[1] / "examples" / "ishigami.yaml"
    out = tmp_path / "m"
    result = runner.invoke(
        app, ["sensitivity", str(spec), "--out", str(out), "--method", "morris", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    mu = {r["factor"]: r["mu_star"] for r in json.loads((out / "sensitivity.json").read_text())}
    assert mu["x3"] > 0 and mu["x1"] > 0 and mu["x2"] > 0


def test_discover_finds_the_box_where_war_is_likely(tmp_path):
    pytest.importorskip("ema_workbench")
    spec = spec_file(
        tmp_path,
        packages=["status-quo"],
        levers={},
        runs=40,
        design={"method": "lhs", "samples": 60},
        chunk_seconds=0.2,
    )
    out = tmp_path / "o"
    assert (
        runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"]).exit_code == 0
    )
    res = runner.invoke(app, ["discover", str(out), "--outcome", "p_war > 0.6"])
    assert res.exit_code == 0, res.output
    boxes = json.loads((out / "prim.json").read_text())["boxes"]
    assert boxes and boxes[0]["density"] >= 0.8
    lo, _hi = boxes[0]["limits"]["actors.A.resolve"]
    assert lo > 0.2  # war is likely where the challenger cares more


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"uncertainties": {"actors.Z.resolve": [0, 1]}}, "uncertainties.actors.Z.resolve"),
        ({"uncertainties": {"actors.A.resolve": [1, 0]}}, "uncertainties.actors.A.resolve"),
        ({"levers": {"packages.nope[0].fraction": [0, 1]}}, "levers.packages.nope[0].fraction"),
        ({"design": {"method": "magic"}}, "design.method"),
        ({"runs": 0}, "runs"),
        ({"model": "oracle"}, "model"),
        ({"packages": ["status-quo", "x"]}, "packages"),
    ],
)
def test_a_bad_experiment_gives_a_clear_error_and_status_2(tmp_path, over, field):
    out = tmp_path / "o"
    res = runner.invoke(app, ["sweep", str(spec_file(tmp_path, **over)), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert field in res.stderr and "expected" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (out / "manifest.json").exists()


def test_discover_refuses_a_condition_it_cannot_read(tmp_path):
    out = tmp_path / "o"
    assert (
        runner.invoke(
            app, ["sweep", str(spec_file(tmp_path)), "--out", str(out), "--workers", "1"]
        ).exit_code
        == 0
    )
    res = runner.invoke(app, ["discover", str(out), "--outcome", "import os"])
    assert res.exit_code == 2 and "expected an outcome condition" in res.stderr


# Designs from CSV and resumes that must match (issue 18) ----------------------------


def test_a_csv_design_saved_by_excel_with_a_byte_order_mark_is_read(tmp_path):
    rows = "actors.A.resolve,actors.B.war_cost,packages.withdrawal[0].fraction\r\n"
    rows += "0.3,0.1,0.5\r\n0.8,0.4,0.2\r\n"
    (tmp_path / "design.csv").write_bytes(b"\xef\xbb\xbf" + rows.encode())
    spec = spec_file(tmp_path, design={"method": "csv", "file": "design.csv"})
    out = tmp_path / "o"
    res = runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    experiments, _, con = load(out)
    con.close()
    assert sorted(experiments["actors.A.resolve"].unique()) == [0.3, 0.8]


def test_a_resume_after_the_design_file_or_scenario_changed_is_refused_naming_it(tmp_path):
    (tmp_path / "design.csv").write_text(
        "actors.A.resolve,actors.B.war_cost,packages.withdrawal[0].fraction\n0.3,0.1,0.5\n"
    )
    scenario = tmp_path / "s.yaml"
    text = Path(__file__).parent.parent / "src/detente/scenario/builtin/two-state-textbook.yaml"
    scenario.write_text(text.read_text())
    spec = spec_file(tmp_path, scenario="s.yaml", design={"method": "csv", "file": "design.csv"})
    out = tmp_path / "o"
    assert (
        runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"]).exit_code == 0
    )
    resume = ["sweep", str(spec), "--out", str(out), "--workers", "1", "--resume"]
    (tmp_path / "design.csv").write_text(
        "actors.A.resolve,actors.B.war_cost,packages.withdrawal[0].fraction\n0.4,0.1,0.5\n"
    )
    res = runner.invoke(app, resume)
    assert res.exit_code == 2 and ": design_file_sha256:" in res.stderr, res.stderr
    (tmp_path / "design.csv").write_text(
        "actors.A.resolve,actors.B.war_cost,packages.withdrawal[0].fraction\n0.3,0.1,0.5\n"
    )
    assert runner.invoke(app, resume).exit_code == 0
    scenario.write_text(scenario.read_text().replace("title:", "title: changed", 1))
    res = runner.invoke(app, resume)
    assert res.exit_code == 2 and "provenance.scenario_sha256" in res.stderr, res.stderr
