"""A new user's first hour: copied scenarios, exports, the schema, missing
extras, the terminal at 80 columns, where files go and what is said about them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from detente.analysis.statistics import Z95
from detente.cli import app
from detente.scenario.loading import builtin_posterior, load_scenario, parse_scenario
from detente.written import describe, snapshot, written

runner = CliRunner()
BUILTIN = Path(str(resources.files("detente.scenario") / "builtin"))
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(extra)
    return env


def test_z95_is_scipys_normal_quantile_to_the_last_bit():
    assert float(stats.norm.ppf(0.975)) == Z95


def test_import_detente_loads_neither_scipy_stats_nor_the_engine():
    code = (
        "import sys, detente; detente.__version__;"
        "print(sorted(m for m in ('scipy.stats', 'detente.model.engine', 'numpy', 'pydantic')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=True
    )
    assert out.stdout.strip() == "[]"
    # ...and the names still work on first use
    code = "import detente; print(detente.load_scenario('two-state-textbook').name)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=True
    )
    assert out.stdout.strip() == "two-state-textbook"


def test_a_builtin_scenario_copied_anywhere_validates_and_loads(tmp_path):
    copy = tmp_path / "deep" / "crisis.yaml"
    copy.parent.mkdir()
    shutil.copy(BUILTIN / "ukraine-2022.yaml", copy)
    res = runner.invoke(app, ["validate", str(copy)])
    assert res.exit_code == 0, res.output
    assert load_scenario(copy).name == "ukraine-2022"


def test_a_posterior_is_found_by_its_builtin_name_and_a_file_beside_the_scenario_wins(tmp_path):
    data = yaml.safe_load((BUILTIN / "ukraine-2022.yaml").read_text())
    q = data["war"]["civilian_lethality"]
    assert q["dist"] == "posterior"
    q["file"] = "donbas-2014"
    sc = parse_scenario(data, file="x.yaml", base=tmp_path)
    assert sc.war.civilian_lethality.file == "posteriors/donbas-2014.yaml"
    # a file of that name beside the scenario is the one read
    local = tmp_path / "donbas-2014"
    post = yaml.safe_load((BUILTIN / "posteriors" / "donbas-2014.yaml").read_text())
    post["samples"] = {k: [v[0]] * 3 for k, v in post["samples"].items()}
    local.write_text(yaml.safe_dump(post))
    sc = parse_scenario(data, file="x.yaml", base=tmp_path)
    assert Path(sc.war.civilian_lethality.file) == local.resolve()
    assert sc.war.civilian_lethality.support()[0] == sc.war.civilian_lethality.support()[1]


def test_builtin_posterior_names_only_files_of_the_builtin_folder():
    assert builtin_posterior("donbas-2014") == BUILTIN / "posteriors" / "donbas-2014.yaml"
    assert builtin_posterior("posteriors/donbas-2014.yaml") is not None
    for bad in ("../ukraine-2022", "posteriors/../../x", "/etc/passwd", "nope", "a/b/c"):
        assert builtin_posterior(bad) is None


def test_scenarios_show_prints_the_file_and_export_never_replaces_one(tmp_path):
    res = runner.invoke(app, ["scenarios", "show", "ukraine-2022"])
    assert res.exit_code == 0
    assert res.stdout == (BUILTIN / "ukraine-2022.yaml").read_text()
    target = tmp_path / "mine.yaml"
    res = runner.invoke(app, ["scenarios", "export", "two-state-textbook", "--out", str(target)])
    assert (
        res.exit_code == 0
        and target.read_text() == (BUILTIN / "two-state-textbook.yaml").read_text()
    )
    target.write_text("my edits")
    res = runner.invoke(app, ["scenarios", "export", "ukraine-2022", "--out", str(target)])
    assert res.exit_code == 2 and target.read_text() == "my edits"
    assert "--force" in res.output
    res = runner.invoke(app, ["scenarios", "show", "nope"])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1


def test_schema_describes_scenario_files():
    res = runner.invoke(app, ["schema"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["$schema"].endswith("2020-12/schema")
    assert {"actors", "disputes", "packages"} <= set(doc["properties"])
    assert "actors" in doc["required"]


def test_run_table_fits_80_columns_without_breaking_numbers():
    out = subprocess.run(
        [sys.executable, "-m", "detente.cli", "run", "ukraine-2022", "--runs", "60"],
        capture_output=True,
        text=True,
        env=_env(COLUMNS="80"),
        check=True,
        timeout=300,
    ).stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out  # nothing cut
    row = next(line for line in lines if line.startswith("arms-reduction"))
    assert len(row.split()) == 7  # name and six whole cells


def test_a_missing_extra_stops_the_command_before_work_in_one_line(tmp_path, monkeypatch):
    import detente.extras

    monkeypatch.setattr(detente.extras, "_installed", lambda m: m != "altair")
    out = tmp_path / "r"
    res = runner.invoke(app, ["run", "two-state-textbook", "--out", str(out), "--report"])
    assert res.exit_code == 2
    assert "pip install 'detente[report]'" in res.output and "altair" in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()  # nothing was simulated or written


def test_wrote_lists_every_new_or_changed_file(tmp_path):
    (tmp_path / "old.txt").write_text("kept")
    (tmp_path / "replaced.json").write_text("{}")
    before = snapshot(tmp_path)
    (tmp_path / "replaced.json").write_text('{"new": 1}')  # a file written again counts
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "chunks").mkdir()
    for i in range(3):
        (tmp_path / "chunks" / f"{i}.parquet").write_text("x")
    files = written(tmp_path, before)
    assert files == [
        "a.json",
        "chunks/0.parquet",
        "chunks/1.parquet",
        "chunks/2.parquet",
        "replaced.json",
    ]
    expected = f"wrote {tmp_path}: a.json, replaced.json, chunks/ (3 files)"
    assert describe(tmp_path, files) == expected


def test_run_out_writes_a_scenario_that_runs_from_another_machine(tmp_path):
    post = tmp_path / "mine" / "post.yaml"
    post.parent.mkdir()
    shutil.copy(BUILTIN / "posteriors" / "donbas-2014.yaml", post)
    data = yaml.safe_load((BUILTIN / "ukraine-2022.yaml").read_text())
    data["war"]["civilian_lethality"]["file"] = "post.yaml"  # the user's own posterior
    src = tmp_path / "mine" / "crisis.yaml"
    src.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(src), "--runs", "20", "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("runs.parquet", "scenario.yaml", "summary.json", "posteriors/ (1 file)"):
        assert name in res.output
    shutil.rmtree(tmp_path / "mine")  # the original posterior is gone
    moved = tmp_path / "elsewhere"
    shutil.move(out, moved)
    res = runner.invoke(app, ["validate", str(moved / "scenario.yaml")])
    assert res.exit_code == 0, res.output


def test_calibrate_finds_the_shipped_targets_and_names_them_when_asked_wrongly(tmp_path):
    from detente.reference import targets_file

    path = targets_file(None, "donbas-2014")
    assert path.name == "donbas-2014.yaml" and path.is_file()
    assert targets_file("donbas-2014", "anything") == path
    out = tmp_path / "x"
    res = runner.invoke(app, ["calibrate", "two-state-textbook", "--out", str(out), "--no-report"])
    assert res.exit_code == 2 and "donbas-2014" in res.output
    assert not out.exists()


def test_discover_never_replaces_an_earlier_result(tmp_path):
    from detente.io import new_file

    assert new_file(tmp_path, "prim", ".json") == tmp_path / "prim.json"
    (tmp_path / "prim.json").write_text("{}")
    assert new_file(tmp_path, "prim", ".json") == tmp_path / "prim-2.json"


def _readme_commands_with_extras() -> list[tuple[list[str], str]]:
    """README's command list: each line marked ``[extra]``, as (arguments, extra)."""
    import re
    import shlex

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    found = []
    for line in readme.splitlines():
        m = re.match(r"detente (.*?)\s+#.*\[([a-z,]+)\]\s*$", line)
        if m:
            found.append((shlex.split(m.group(1)), m.group(2)))
    return found


README_EXTRAS = _readme_commands_with_extras()


def test_the_readme_marks_the_commands_that_need_an_extra():
    marked = {" ".join(args[:1]) for args, _ in README_EXTRAS}
    assert {"report", "sweep", "sensitivity", "discover", "serve", "score", "forecast"} <= marked


@pytest.mark.parametrize(
    "command,extra",
    [*README_EXTRAS, (["crises", "score", "--crises", "c.csv", "--actors", "a.csv"], "crises")],
    ids=lambda v: " ".join(v) if isinstance(v, list) else v,
)
def test_each_readme_command_needing_an_extra_names_it_before_work(
    command, extra, monkeypatch, tmp_path
):
    """Every README line marked [extra], with nothing optional installed: one
    line naming that extra, exit 2, nothing written; and ``crises score``
    (not in the README), which failed after fitting without scikit-learn."""
    import detente.extras
    import detente.model.compiled

    monkeypatch.setattr(detente.extras, "_installed", lambda m: False)
    monkeypatch.setattr(detente.model.compiled, "available", lambda: False)  # --backend jax
    monkeypatch.chdir(tmp_path)
    (tmp_path / "holdout").mkdir()
    (tmp_path / "holdout" / "calibration.json").write_text("{}")
    (tmp_path / "war2022").mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    res = runner.invoke(app, command)
    assert res.exit_code == 2, res.output
    wanted = extra.split(",")[0] if command[0] != "discover" else extra
    assert f"pip install 'detente[{wanted}" in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1, res.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_probabilities_and_counts_read_as_people_write_them():
    from detente.report.reading import count, prob

    assert prob(0.5467) == "54.7%"
    assert prob(0.004) == "0.40%"
    assert prob(0.00012) == "0.012%"
    assert prob(0.0) == "0%" and prob(1.0) == "100.0%"
    assert count(42_850.0) == "42,800" and count(3_730_000.0) == "3.73 million"
    assert count(712.4) == "712"


def test_the_report_speaks_in_words_and_explains_settlement_and_its_price(tmp_path):
    pytest.importorskip("altair")
    out = tmp_path / "r"
    res = runner.invoke(
        app, ["run", "two-state-textbook", "--runs", "60", "--out", str(out), "--report"]
    )
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text()
    assert "How to read this" in html and "The price of peace" in html
    assert "P(war), 95% interval" in html and "p_war_ci" not in html
    assert "e+0" not in html.split("<script>")[0]  # no 4.285e+04 in the text


def test_each_posterior_panel_is_binned_on_its_own_range():
    pytest.importorskip("altair")
    import numpy as np
    import pandas as pd

    from detente.report.calibration import posterior_marginals

    rng = np.random.default_rng(1)
    post = pd.DataFrame(
        {
            "generation": np.repeat([0, 3], 100),
            "small": rng.uniform(0, 1e-4, 200),
            "large": rng.uniform(0, 20, 200),
        }
    )
    spec = posterior_marginals(post, ["small", "large"])
    rows = pd.DataFrame(next(iter(spec["datasets"].values())))
    small = rows[rows["parameter"] == "small"]
    assert small["hi"].max() <= 1e-4 * 1.001  # not one bar on the 0-20 axis
    assert len(small) == 2 * small["lo"].nunique() and small["lo"].nunique() >= 5


def test_the_crisis_commands_use_the_shipped_icb_record_from_any_folder(tmp_path, monkeypatch):
    """README's `detente crises predict --json` names no file: a pip user has no
    data/ folder, so the shipped ICB files are the default (fails if --crises
    is required again or the shipped files are not found)."""
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["crises", "scenario", "1"])
    assert res.exit_code == 0, res.output
    assert "ICB crisis 1" in res.output
