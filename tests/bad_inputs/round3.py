"""Round 3 of the bad-input catalogue (issue 18, point 6): the readers of the
folders detente writes (run, sweep, calibration, world), of crisis fits and
ICB files, and of targets files. Every one goes through ``detente.io``; a
FIFO, a device, a folder, a truncated or corrupt file in their place is one
line naming it, never a hang or a traceback. Called by make.py.

A case with ``arg`` names the file handed to the command (relative to the
test's temporary folder) when it is not the stored file itself (a FIFO
cannot be stored: ``setup`` makes it at test time).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

DIGITS = "9" * 100_000  # past Python's integer-string limit (4,300 digits)
SPECIAL = (("fifo", "FIFO"), ("devzero", "a device"), ("dir", "a directory"))


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "detente.cli", *args], check=True, capture_output=True)


def good_folders(tmp: Path) -> dict[str, Path]:
    """A small run, calibration and world folder, written by detente itself."""
    run, cal, world = tmp / "run", tmp / "cal", tmp / "world"
    _cli("run", "two-state-textbook", "--runs", "5", "--out", str(run))
    _cli(
        "calibrate", "donbas-2014", "--particles", "8", "--generations", "1",
        "--workers", "1", "--no-report", "--out", str(cal),
    )  # fmt: skip
    (cal / "calibrated.yaml").unlink()  # not read by any reader
    _cli("world", "--runs", "4", "--years", "3", "--workers", "1", "--out", str(world))
    (world / "report.html").unlink()
    return {"run": run, "cal": cal, "world": world}


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def round3_readers(rdir: Path, sweep: Path, add) -> None:
    """Cases for every reader of a detente folder, stored under ``rdir``."""
    if rdir.exists():
        shutil.rmtree(rdir)
    rdir.mkdir()
    tmp = rdir / "_good"
    good = good_folders(tmp)
    good["sweep"] = sweep

    def case(name, kind, command, damage, field, words, file=None, **extra) -> None:
        folder = rdir / name
        shutil.copytree(good[kind], folder)
        (folder / "results.duckdb").unlink(missing_ok=True)
        if file is not None:
            (folder / file).unlink()
        damage(folder)
        add(
            {
                "file": f"readers/{name}",
                "command": command,
                "field": field,
                "expect": words,
                **extra,
            }
        )

    def nothing(folder: Path) -> None:
        pass

    def special(name, kind, command, file) -> None:
        for how, words in SPECIAL:
            case(f"{name}-{how}", kind, command, nothing, "(top level)", words, file=file,
                 setup={how: f"{name}-{how}/{file}"})  # fmt: skip

    # Run folders (detente report).
    special("run-summary", "run", "report", "summary.json")
    special("run-runs", "run", "report", "runs.parquet")
    for how, words in SPECIAL[:2]:
        case(f"run-series-{how}", "run", "report", nothing, "(top level)", words,
             file="series.parquet", setup={how: f"run-series-{how}/series.parquet"})  # fmt: skip
        case(f"run-scenario-{how}", "run", "report", nothing, "(top level)", words,
             file="scenario.yaml", setup={how: f"run-scenario-{how}/scenario.yaml"})  # fmt: skip
    case("run-runs-truncated", "run", "report", lambda f: _truncate(f / "runs.parquet"),
         "(top level)", "complete Parquet")  # fmt: skip
    case("run-series-truncated", "run", "report", lambda f: _truncate(f / "series.parquet"),
         "(top level)", "complete Parquet")  # fmt: skip
    case("run-summary-huge-integer", "run", "report",
         lambda f: (f / "summary.json").write_text('{"runs": ' + DIGITS + "}"),
         "(top level)", "JSON run summary")  # fmt: skip
    case("run-scenario-alias-bomb", "run", "report",
         lambda f: (f / "scenario.yaml").write_text(_BOMB), "(top level)",
         "aliases are expanded")  # fmt: skip
    # Sweep folders: the optional tables beside the checksummed results.
    for file, words in (("manifest.json", "FIFO"), ("sensitivity.json", "FIFO")):
        stem = file.split(".")[0]
        case(f"sweep-{stem}-fifo", "sweep", "report", nothing, "(top level)", words,
             file=file if file == "manifest.json" else None,
             setup={"fifo": f"sweep-{stem}-fifo/{file}"})  # fmt: skip
    case("sweep-prim-devzero", "sweep", "report", nothing, "(top level)", "a device",
         setup={"devzero": "sweep-prim-devzero/prim.json"})  # fmt: skip
    # Calibration folders (detente report, detente score).
    special("cal-manifest", "cal", "report", "calibration.json")
    special("cal-posterior", "cal", "report", "posterior.parquet")
    case("cal-manifest-fifo-score", "cal", "score", nothing, "(top level)", "FIFO",
         file="calibration.json",
         setup={"fifo": "cal-manifest-fifo-score/calibration.json"})  # fmt: skip
    case("cal-predictive-devzero-score", "cal", "score", nothing, "(top level)", "a device",
         file="predictive.parquet",
         setup={"devzero": "cal-predictive-devzero-score/predictive.parquet"})  # fmt: skip
    case("cal-observed-truncated-score", "cal", "score",
         lambda f: _truncate(f / "observed.parquet"),
         "(top level)", "complete Parquet")  # fmt: skip
    case("cal-forecast-fifo", "cal", "report", nothing, "(top level)", "FIFO",
         setup={"fifo": "cal-forecast-fifo/forecast.parquet"})  # fmt: skip
    case("cal-manifest-not-json", "cal", "report",
         lambda f: (f / "calibration.json").write_text("{oops"), "(top level)",
         "JSON calibration manifest")  # fmt: skip
    case("cal-manifest-list", "cal", "report",
         lambda f: (f / "calibration.json").write_text("[1, 2]"), "(top level)",
         "JSON object")  # fmt: skip

    def drop_parameters(folder: Path) -> None:
        m = json.loads((folder / "calibration.json").read_text())
        del m["parameters"]
        (folder / "calibration.json").write_text(json.dumps(m))

    case("cal-manifest-missing-key", "cal", "report", drop_parameters, "(top level)",
         "complete calibration (KeyError")  # fmt: skip
    # World folders.
    special("world-summary", "world", "report", "world.json")
    case("world-summary-corrupt", "world", "report",
         lambda f: (f / "world.json").write_text('{"presets": '), "(top level)",
         "JSON world summary")  # fmt: skip
    # Crisis fits and ICB files (detente crises), targets files (detente calibrate).
    files = rdir / "files"
    files.mkdir()
    (files / "README.md").write_text(
        "Placeholder: the file each case names (a FIFO, a link to /dev/zero, a folder)\n"
        "is made in the test's temporary folder, as git cannot store it.\n"
    )
    for how, words in SPECIAL:
        # A folder as --fit is a fit folder: its posterior.yaml is then missing.
        fit_words = "no such file" if how == "dir" else words
        add({"file": "readers/files", "command": "crises-priors", "field": "(top level)",
             "expect": fit_words, "arg": f"files/fit-{how}.yaml",
             "setup": {how: f"files/fit-{how}.yaml"}})  # fmt: skip
        add({"file": "readers/files", "command": "crises-scenario", "field": "(top level)",
             "expect": words, "arg": f"files/icb1-{how}.csv",
             "setup": {how: f"files/icb1-{how}.csv"}})  # fmt: skip
        add({"file": "readers/files", "command": "calibrate", "field": "(top level)",
             "expect": words, "arg": f"files/targets-{how}.yaml",
             "setup": {how: f"files/targets-{how}.yaml"}})  # fmt: skip
    shutil.rmtree(tmp)


_BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)}]\n"
        for i in range(8)
    )
)
