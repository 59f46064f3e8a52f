"""The Python API and the `detente run` command, as a user meets them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from typer.testing import CliRunner

import detente
from detente.cli import app

runner = CliRunner()
PACKAGE_KEYS = {
    "name",
    "p_war",
    "p_war_ci",
    "p_settlement",
    "p_nuclear",
    "deaths_mean",
    "deaths_q05",
    "deaths_q95",
    "displaced_mean",
    "displaced_q05",
    "displaced_q95",
    "delta_p_war_vs_status_quo",
    "delta_p_war_ci",
}


def test_simulate_returns_per_run_outcomes_as_a_dataframe_and_a_summary(textbook):
    result = detente.simulate(textbook, runs=300, seed=1, package="negotiations")
    frame = result.frame
    assert len(frame) == 300 and {"war", "deaths", "displaced", "settled"} <= set(frame.columns)
    assert (frame["package"] == "negotiations").all()
    s = result.summary()
    assert 0 <= s["p_war_ci"][0] <= s["p_war"] <= s["p_war_ci"][1] <= 1
    assert result.scenario_sha256 and result.backend == "numpy"


def test_the_summary_reports_the_runs_deaths_and_displaced(textbook):
    # The status quo has wars, so deaths vary between runs and the summary's
    # mean and 5-95% range are checked against the runs themselves.
    result = detente.simulate(textbook, runs=300, seed=1)
    frame, s = result.frame, result.summary()
    for key in ("deaths", "displaced"):
        x = frame[key].to_numpy(dtype=float)
        assert x.max() > 0 and np.unique(x).size > 10, key
        assert s[f"{key}_mean"] == np.mean(x)
        assert [s[f"{key}_q05"], s[f"{key}_q95"]] == list(np.quantile(x, [0.05, 0.95]))
        assert s[f"{key}_q05"] <= s[f"{key}_mean"] <= s[f"{key}_q95"]
    assert s["p_war"] == frame["war"].mean() > 0


def test_compare_measures_each_package_against_the_status_quo(textbook):
    cmp = detente.compare(textbook, packages=["negotiations"], runs=400, seed=2)
    table = cmp.table()
    assert list(table.index) == ["status-quo", "negotiations"]
    assert table.loc["status-quo", "delta_p_war_vs_status_quo"] == 0
    doc = json.loads(cmp.to_json())
    assert {"scenario", "runs", "seed", "version", "packages"} <= set(doc)
    for row in doc["packages"]:
        assert set(row) >= PACKAGE_KEYS
    neg = doc["packages"][1]
    lo, hi = neg["delta_p_war_ci"]
    assert lo <= neg["delta_p_war_vs_status_quo"] <= hi
    assert np.isclose(neg["delta_p_war_vs_status_quo"], neg["p_war"] - doc["packages"][0]["p_war"])


def test_run_json_has_the_documented_keys():
    result = runner.invoke(
        app, ["run", "two-state-textbook", "--runs", "200", "--json", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["scenario"] == "two-state-textbook" and doc["runs"] == 200 and doc["seed"] == 0
    assert doc["version"] == detente.__version__
    assert [p["name"] for p in doc["packages"]] == ["status-quo", "negotiations", "withdrawal"]
    assert all(set(p) >= PACKAGE_KEYS for p in doc["packages"])


def test_run_prints_a_table_with_one_row_per_package():
    result = runner.invoke(
        app,
        [
            "run",
            "two-state-textbook",
            "--runs",
            "100",
            "--workers",
            "1",
            "--packages",
            "withdrawal",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "status-quo" in result.stdout and "withdrawal" in result.stdout
    assert "negotiations" not in result.stdout
    assert "conditional" in result.stdout.lower()


def test_run_out_writes_the_json_and_the_per_run_outcomes_as_parquet(tmp_path: Path):
    out = tmp_path / "res"
    result = runner.invoke(
        app, ["run", "two-state-textbook", "--runs", "150", "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "runs.parquet")
    assert table.num_rows == 150 * 3
    doc = json.loads((out / "summary.json").read_text())
    assert doc["runs"] == 150
    wars = table.to_pandas().groupby("package")["war"].mean()
    assert {p["name"]: p["p_war"] for p in doc["packages"]} == wars.to_dict()
    assert not list(out.glob(".*tmp"))


def _run_json(*extra: str) -> bytes:
    cmd = [
        sys.executable,
        "-m",
        "detente.cli",
        "run",
        "two-state-textbook",
        "--runs",
        "500",
        "--seed",
        "11",
        "--json",
        *extra,
    ]
    return subprocess.run(cmd, capture_output=True, check=True, timeout=300).stdout


def test_the_same_seed_gives_byte_identical_json_in_separate_processes_and_chunkings():
    first = _run_json("--workers", "1")
    assert first == _run_json("--workers", "1")
    assert first == _run_json("--workers", "2", "--chunk-size", "77")
    assert json.loads(first)["seed"] == 11


def test_scenarios_lists_the_built_ins_one_line_each():
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(detente.scenario.loading.builtin_names())
    assert any(line.startswith("ukraine-2022") for line in lines)


def test_validate_accepts_a_good_file_and_counts_its_sources():
    result = runner.invoke(app, ["validate", "ukraine-2022"])
    assert result.exit_code == 0
    assert "ok: ukraine-2022" in result.stdout


def _chunk_asked(monkeypatch, args: list[str]) -> int:
    """The chunk size ``detente run ARGS`` hands the library (the run itself stubbed)."""
    import detente.model.compiled as compiled
    import detente.run.ensemble as ensemble

    seen: dict[str, int] = {}

    def fake_compare(*a, **kw):
        seen["chunk"] = kw["chunk_size"]
        raise KeyboardInterrupt  # stop before simulating

    monkeypatch.setattr(ensemble, "compare", fake_compare)
    monkeypatch.setattr(compiled, "available", lambda: True)
    runner.invoke(app, ["run", "two-state-textbook", "--runs", "200000", *args])
    return seen["chunk"]


def test_an_unset_chunk_size_is_the_backends_own_and_a_given_one_is_kept(monkeypatch):
    # Unset: 2,500 runs on NumPy, one compiled call per package on JAX; a size
    # the user gives is used as given on either backend, even 2,500 on JAX
    # (a default compared by value could not tell those two apart).
    from detente.run.ensemble import DEFAULT_CHUNK, JAX_CHUNK

    assert _chunk_asked(monkeypatch, []) == DEFAULT_CHUNK == 2500
    assert _chunk_asked(monkeypatch, ["--chunk-size", "7"]) == 7
    assert _chunk_asked(monkeypatch, ["--backend", "jax"]) == JAX_CHUNK
    assert _chunk_asked(monkeypatch, ["--backend", "jax", "--chunk-size", "2500"]) == 2500
