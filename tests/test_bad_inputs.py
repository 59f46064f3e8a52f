"""The bad-input catalogue (tests/bad_inputs/cases.yaml): every file gives a clear
one-line error naming the file, the field and what was expected, exits with
status 2, prints no traceback, stays within bounded time and memory, and
leaves what was already written untouched."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from detente.cli import app

HERE = Path(__file__).parent / "bad_inputs"
CASES = yaml.safe_load((HERE / "cases.yaml").read_text())
runner = CliRunner()


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def command(case: dict, target: Path, tmp: Path) -> list[str]:
    kind = case["command"]
    arg = str(tmp / case["arg"]) if "arg" in case else str(target)
    if kind == "validate":
        return ["validate", str(target)]
    if kind == "sweep":
        out = case.get("out", str(tmp / "out"))
        return ["sweep", str(target), "--out", out, "--workers", "1"]
    if kind == "sweep-resume":
        return ["sweep", str(tmp / "base.yaml"), "--out", str(target), "--resume", "--workers", "1"]
    if kind == "report":
        return ["report", str(target), "--out", case.get("out", str(tmp / "report.html"))]
    if kind == "discover":
        return ["discover", str(target), "--outcome", "p_war > 0.5"]
    if kind == "score":
        return ["score", str(target)]
    if kind == "crises-priors":
        return ["crises", "priors", "--fit", arg]
    if kind == "crises-scenario":
        return ["crises", "scenario", "1", "--crises", arg, "--actors", arg]
    if kind == "calibrate":
        out = str(tmp / "calibration")
        return ["calibrate", "donbas-2014", "--targets", arg, "--out", out, "--no-report"]
    raise AssertionError(kind)


def test_the_catalogue_holds_at_least_forty_cases_of_every_kind():
    assert len(CASES) >= 40
    # docs/reliability.md quotes the catalogue's size: keep the two in step.
    docs = (HERE.parent.parent / "docs" / "reliability.md").read_text()
    assert f"{len(CASES)} cases" in docs
    kinds = {c["command"] for c in CASES}
    assert {"validate", "sweep", "sweep-resume", "report", "discover"} <= kinds
    # Every reader of a folder or file detente opens (round 3: report, score,
    # crisis fits and ICB files, targets).
    assert {"score", "crises-priors", "crises-scenario", "calibrate"} <= kinds
    assert any(c["file"].endswith(".csv") or "csv" in c["file"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.get("arg", c["file"]) for c in CASES])
def test_each_bad_input_gives_its_error(case, tmp_path):
    source = HERE / case["file"]
    target = tmp_path / source.name
    if source.is_dir():
        shutil.copytree(source, target)
        shutil.copy(HERE / "results" / "base.yaml", tmp_path / "base.yaml")
    else:
        shutil.copy(source, target)
        for csv in source.parent.glob("*.csv"):
            shutil.copy(csv, tmp_path / csv.name)
        for name in case.get("with", []):
            shutil.copy(source.parent / name, tmp_path / name)
    make_special(case.get("setup", {}), tmp_path)
    before = snapshot(tmp_path)
    start = time.perf_counter()
    result = runner.invoke(app, command(case, target, tmp_path))
    elapsed = time.perf_counter() - start
    message = result.stderr.strip()
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(message.splitlines()) == 1, message
    assert case.get("out", str(tmp_path)) in message, message
    assert f": {case['field']}" in message, message
    assert case["expect"].lower() in message.lower(), message
    if "absent" in case:
        assert case["absent"] not in message, message
    assert elapsed < 20, f"took {elapsed:.1f} s"
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before, "something was damaged"


def make_special(setup: dict, tmp: Path) -> None:
    """What git cannot store: FIFOs, links to devices, empty folders, a file
    where a folder should be."""
    for kind, name in setup.items():
        path = tmp / name
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "devzero":
            path.symlink_to("/dev/zero")
        elif kind == "dir":
            path.mkdir()
        elif kind == "outfile":
            path.write_text("a file, not a folder\n")
        else:
            raise AssertionError(kind)


def _limited(mb: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mb * 2**20, mb * 2**20))

    return apply


@pytest.mark.parametrize("before", ["# it's a comment\n", "note: don't\n"])
def test_deep_nesting_after_an_apostrophe_is_refused_without_a_crash(before, tmp_path):
    # An apostrophe outside quotes blinds the quote-aware estimate of nesting,
    # and libyaml's composer recurses on the C stack: 200,000 brackets crashed
    # the process (signal 11) until such documents went to the Python parser.
    path = tmp_path / "deep.yaml"
    path.write_text(before + "name: x\nactors: " + "[" * 200_000 + "]" * 200_000 + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "detente.cli", "validate", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-300:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nesting at most" in lines[0] and str(path) in lines[0]


@pytest.mark.parametrize("name", ["alias-bomb", "deep-nesting", "binary-junk"])
def test_hostile_files_fail_fast_in_bounded_memory(name, tmp_path):
    path = HERE / "scenarios" / f"{name}.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "detente.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limited(1024),
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr


def test_a_100_mb_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "huge.yaml"
    with big.open("wb") as fh:
        fh.write(b"name: huge\n")
        fh.truncate(100 * 2**20)
    start = time.perf_counter()
    result = runner.invoke(app, ["validate", str(big)])
    assert result.exit_code == 2 and "MiB" in result.stderr
    assert time.perf_counter() - start < 5
    result = runner.invoke(app, ["sweep", str(big), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "MiB" in result.stderr
