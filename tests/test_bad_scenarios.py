"""Malformed scenarios: each gives one line naming the file, the field path and
what was expected; exit status 2; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import scenario_dict
from detente.cli import app

runner = CliRunner()


def mutate(fn) -> str:
    data = scenario_dict()
    fn(data)
    return yaml.safe_dump(data, sort_keys=False)


def set_in(path: list, value):
    def apply(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def delete(path: list):
    def apply(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return apply


# (id, file content as text or bytes, field path expected in the message, words expected)
CASES = [
    (
        "unknown-actor-in-dispute",
        mutate(set_in(["disputes", 0, "defender"], "Z")),
        "disputes[0].defender",
        "expected one of the actors",
    ),
    (
        "unknown-alliance-member",
        mutate(lambda d: d.update(alliances=[{"id": "x", "members": ["A", "Q"], "cohesion": 0.5}])),
        "alliances[0].members[1]",
        "expected one of the actors",
    ),
    (
        "negative-forces",
        mutate(set_in(["actors", 0, "forces"], -5)),
        "actors[0].forces",
        "expected values in [0.0, infinity]",
    ),
    (
        "probability-above-one",
        mutate(set_in(["actors", 1, "resolve"], 1.5)),
        "actors[1].resolve",
        "expected values in [0.0, 1.0]",
    ),
    (
        "distribution-outside-range",
        mutate(set_in(["actors", 0, "resolve"], {"dist": "uniform", "low": 0.5, "high": 1.2})),
        "actors[0].resolve",
        "expected values in [0.0, 1.0]",
    ),
    ("missing-field", mutate(delete(["actors", 0, "war_cost"])), "actors[0].war_cost", "missing"),
    ("missing-disputes", mutate(delete(["disputes"])), "disputes", "missing"),
    ("wrong-type", mutate(set_in(["settings", "steps"], "many")), "settings.steps", "expected"),
    ("wrong-type-list", mutate(set_in(["actors"], "A and B")), "actors", "expected"),
    (
        "unknown-policy",
        mutate(set_in(["actors", 0, "policy"], {"name": "nuke-first"})),
        "actors[0].policy.name",
        "expected a registered policy",
    ),
    (
        "bad-policy-param",
        mutate(
            set_in(["actors", 0, "policy"], {"name": "brinkmanship", "params": {"threshold": 3}})
        ),
        "actors[0].policy.params.threshold",
        "expected",
    ),
    (
        "unknown-intervention",
        mutate(set_in(["packages"], {"x": [{"type": "teleport"}]})),
        "packages.x[0].type",
        "expected a registered intervention",
    ),
    (
        "intervention-unknown-actor",
        mutate(set_in(["packages"], {"x": [{"type": "withdraw", "actor": "Z"}]})),
        "packages.x[0].actor",
        "expected one of the actors",
    ),
    (
        "intervention-bad-fraction",
        mutate(set_in(["packages"], {"x": [{"type": "withdraw", "actor": "A", "fraction": 2}]})),
        "packages.x[0].fraction",
        "expected",
    ),
    (
        "intervention-end-before-start",
        mutate(set_in(["packages"], {"x": [{"type": "ceasefire", "start": 10, "end": 5}]})),
        "packages.x[0]",
        "end > start",
    ),
    (
        "same-actor-both-sides",
        mutate(set_in(["disputes", 0, "defender"], "A")),
        "disputes[0]",
        "two different actors",
    ),
    ("duplicate-actor-id", mutate(set_in(["actors", 1, "id"], "A")), "actors[1].id", "unique id"),
    (
        "deployed-above-forces",
        mutate(set_in(["actors", 0, "deployed"], 500)),
        "actors[0].deployed",
        "deployed <= forces",
    ),
    (
        "demand-below-status-quo",
        mutate(set_in(["disputes", 0, "status_quo"], 0.8))
        and mutate(lambda d: d["disputes"][0].update(status_quo=0.8, demand=0.5)),
        "disputes[0]",
        "demand >= status_quo",
    ),
    (
        "unknown-field",
        mutate(set_in(["actors", 0, "forcez"], 5)),
        "actors[0].forcez",
        "no such field",
    ),
    (
        "unknown-distribution",
        mutate(set_in(["actors", 0, "forces"], {"dist": "cauchy"})),
        "actors[0].forces",
        "expected",
    ),
    (
        "nan-value",
        mutate(set_in(["actors", 0, "arsenal"], float("nan"))),
        "actors[0].arsenal",
        "finite",
    ),
    (
        "infinite-value",
        mutate(set_in(["actors", 0, "arsenal"], float("inf"))),
        "actors[0].arsenal",
        "finite",
    ),
    (
        "posture-out-of-ladder",
        mutate(set_in(["disputes", 0, "challenger_posture"], 7)),
        "disputes[0].challenger_posture",
        "expected",
    ),
    (
        "short-ladder",
        mutate(set_in(["ladder"], [{"name": "only", "hazard": 0, "cost": 0, "violence": 0}])),
        "ladder",
        "expected 10 rungs",
    ),
    ("yaml-syntax-error", "name: x\nactors: [\n  - id: A\n", "(top level)", "expected valid YAML"),
    ("duplicate-key", "name: a\nname: b\n", "(top level)", "duplicate key"),
    ("empty-file", "", "(top level)", "empty file"),
    ("only-whitespace", "   \n\n", "(top level)", "empty file"),
    ("not-a-mapping", "- just\n- a list\n", "(top level)", "mapping"),
    ("non-utf8", b"name: caf\xe9\n", "(top level)", "expected UTF-8"),
    (
        "python-object-tag",
        "name: !!python/object/apply:os.system ['echo hi']\n",
        "(top level)",
        "expected valid YAML",
    ),
]


@pytest.mark.parametrize(("case", "content", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_malformed_scenario_gives_one_clear_line_and_exit_status_2(
    tmp_path: Path, case, content, field, words
):
    path = tmp_path / f"{case}.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "Traceback" not in result.output
    assert len(message.splitlines()) == 1, message
    assert str(path) in message
    assert f": {field}" in message, message
    assert words.lower() in message.lower(), message


def test_at_least_twenty_distinct_malformed_cases_are_covered():
    assert len({c[0] for c in CASES}) >= 20


def test_a_missing_file_is_named_with_what_was_expected():
    result = runner.invoke(app, ["validate", "/no/such/file.yaml"])
    assert result.exit_code == 2
    assert "/no/such/file.yaml" in result.stderr and "expected" in result.stderr


def test_run_refuses_an_unknown_package_cleanly():
    result = runner.invoke(
        app, ["run", "two-state-textbook", "--packages", "magic", "--runs", "10"]
    )
    assert result.exit_code == 2
    assert "--packages" in result.stderr and "magic" in result.stderr


def test_in_a_real_process_the_error_is_one_line_with_no_traceback(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(mutate(set_in(["actors", 0, "forces"], -5)))
    proc = subprocess.run(
        [sys.executable, "-m", "detente.cli", "run", str(bad), "--runs", "10"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip().count("\n") == 0
    assert "actors[0].forces" in proc.stderr


def test_a_bad_run_loses_nothing_already_written(tmp_path: Path):
    out = tmp_path / "out"
    ok = runner.invoke(
        app,
        [
            "run",
            "two-state-textbook",
            "--runs",
            "50",
            "--out",
            str(out),
            "--json",
            "--workers",
            "1",
        ],
    )
    assert ok.exit_code == 0, ok.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    result = runner.invoke(app, ["run", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
