"""Round 2 of the bad-input catalogue (issue 18): numbers, names, integer
strings, posterior files, design points, CSV designs, output folders and
damaged results. Called by make.py; each case names the field and the words
of its error.

A case may carry ``setup`` (made in the test's temporary folder, since git
cannot store them: ``fifo``, ``devzero`` (a link to /dev/zero), ``dir``,
``outfile`` (``--out`` is a file)), ``with`` (sibling files to copy), ``out``
(another ``--out``) and ``absent`` (text the message must not hold).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from conftest import scenario_dict

INF = float("inf")
DIGITS = "9" * 100_000  # past Python's integer-string limit (4,300 digits)


def _text(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _sc(fn) -> str:
    data = scenario_dict()
    fn(data)
    return _text(data)


def _pkg(kind: str, **params) -> dict:
    return {"packages": {"p": [{"type": kind, **params}]}}


def round2_scenarios(scen, bomb: str) -> None:
    """Numbers (point 11), names (16), integer strings (12), posteriors (6)."""
    numbers = [
        ("lookahead-inf", lambda d: d["settings"].update(lookahead=INF), "settings.lookahead"),
        ("lookahead-huge", lambda d: d["settings"].update(lookahead=1e300), "settings.lookahead"),
        ("step-weeks-inf", lambda d: d["settings"].update(step_weeks=INF), "settings.step_weeks"),
        (
            "sanctions-cost-inf",
            lambda d: d.update(_pkg("sanctions", target="B", cost_increase=INF)),
            "packages.p[0].cost_increase",
        ),
        (
            "sanctions-cost-huge",
            lambda d: d.update(_pkg("sanctions", target="B", cost_increase=1e300)),
            "packages.p[0].cost_increase",
        ),
        (
            "aid-effectiveness-inf",
            lambda d: d.update(_pkg("military_aid", target="B", effectiveness=INF)),
            "packages.p[0].effectiveness",
        ),
        (
            "aid-forces-huge",
            lambda d: d.update(_pkg("military_aid", target="B", forces=1e13)),
            "packages.p[0].forces",
        ),
        (
            "noise-inf",
            lambda d: d.update(_pkg("information_campaign", source="A", noise=INF)),
            "packages.p[0].noise",
        ),
        ("forces-minus-inf", lambda d: d["actors"][0].update(forces=-INF), "actors[0].forces"),
        ("deployed-huge", lambda d: d["actors"][0].update(deployed=1e300), "actors[0].deployed"),
        (
            "uniform-low-minus-inf",
            lambda d: d["actors"][0].update(war_cost={"dist": "uniform", "low": -INF, "high": 0.3}),
            "actors[0].war_cost.low",
        ),
        (
            "beta-a-inf",
            lambda d: d["actors"][0].update(resolve={"dist": "beta", "a": INF, "b": 2}),
            "actors[0].resolve.a",
        ),
        (
            "rationality-huge-int",
            lambda d: d["actors"][0].update(rationality=10**15),
            "actors[0].rationality",
        ),
        (
            "war-death-share-nan",
            lambda d: d.update(war={"death_share": float("nan")}),
            "war.death_share",
        ),
    ]
    for name, fn, field in numbers:
        words = "magnitude at most" if "huge" in name else "finite"
        scen(f"num-{name}", _sc(fn), field, words)

    def rename_package(name: str):
        return lambda d: d.update(packages={"status-quo": [], name: []})

    names = [
        ("zero-width-space", "status\u200b-quo"),
        ("right-to-left-override", "\u202eouq-sutats"),
        ("left-to-right-mark", "status-quo\u200e"),
        ("byte-order-mark", "\ufeffstatus-quo"),
        ("no-break-space", "status\u00a0quo"),
        ("tab", "status\tquo"),
        ("bell", "status\x07quo"),
        ("private-use", "status\ue000quo"),
        ("line-separator", "status\u2028quo"),
        ("trailing-space", "status-quo "),
    ]
    for name, pkg in names:
        words = "visible characters" if name != "trailing-space" else "trailing spaces"
        field = "packages." + "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in pkg)
        scen(f"name-package-{name}", _sc(rename_package(pkg)), field, words)
    scen(
        "name-scenario-newline", _sc(lambda d: d.update(name="a\nb")), "name", "visible characters"
    )
    scen(
        "name-actor-rlo",
        _sc(lambda d: d["actors"][0].update(name="Ru\u202essia")),
        "actors[0].name",
        "visible characters",
    )
    scen(
        "name-dispute-zwj",
        _sc(lambda d: d["disputes"][0].update(name="a\u200db")),
        "disputes[0].name",
        "visible characters",
    )

    scen(
        "int-steps-100k-digits",
        f"name: x\nsettings:\n  steps: {DIGITS}\n",
        "(top level)",
        "at most 4300 digits",
    )
    scen(
        "int-in-list-100k-digits",
        f"name: x\nactors:\n  - {DIGITS}\n",
        "(top level)",
        "at most 4300 digits",
    )

    def posterior(fname: str):
        return lambda d: d["actors"][0].update(
            resolve={"dist": "posterior", "file": fname, "parameter": "r"}
        )

    field = "actors[0].resolve"
    folder = Path(__file__).parent / "scenarios"
    (folder / "posterior-bomb.data").write_text(bomb)
    scen(
        "posterior-alias-bomb",
        _sc(posterior("posterior-bomb.data")),
        field,
        "aliases are expanded",
        **{"with": ["posterior-bomb.data"]},
    )
    (folder / "posterior-huge.data").write_text(_text({"samples": {"r": [0.5, 1e300]}}))
    scen(
        "posterior-huge-value",
        _sc(posterior("posterior-huge.data")),
        field,
        "magnitude at most",
        **{"with": ["posterior-huge.data"]},
    )
    (folder / "posterior-binary.data").write_bytes(b"\xff\xfe" * 100)
    scen(
        "posterior-not-utf8",
        _sc(posterior("posterior-binary.data")),
        field,
        "UTF-8",
        **{"with": ["posterior-binary.data"]},
    )
    for kind, words in (("fifo", "FIFO"), ("devzero", "a device"), ("dir", "a directory")):
        scen(
            f"posterior-{kind}",
            _sc(posterior(f"post-{kind}.yaml")),
            field,
            words,
            setup={kind: f"post-{kind}.yaml"},
        )


def round2_experiments(exp, mutated, edir: Path) -> None:
    """Design points (point 10), numbers and names in specs, CSV designs and
    output folders (point 15)."""
    exp(
        "point-resolve-above-one",
        mutated(uncertainties={"actors.A.resolve": [0.2, 5]}),
        "uncertainties.actors.A.resolve",
        "values the scenario accepts",
    )
    exp(
        "point-hazard-negative",
        mutated(uncertainties={"ladder.4.hazard": [-7, 0.5]}),
        "uncertainties.ladder.4.hazard",
        "values the scenario accepts",
    )
    exp(
        "point-forces-too-big",
        mutated(uncertainties={"actors.A.forces": [1, 1e13]}),
        "uncertainties.actors.A.forces[1]",
        "magnitude at most",
    )
    exp(
        "point-start-after-horizon",
        mutated(uncertainties={}, levers={"packages.withdrawal[0].start": [0, 500]}),
        "levers.packages.withdrawal[0].start",
        "values the scenario accepts",
    )
    exp(
        "point-deployed-above-forces",
        mutated(
            uncertainties={"actors.A.deployed": [0, 100], "actors.A.forces": [60, 200]},
            design={"method": "lhs", "samples": 40},
        ),
        "design point",
        "deployed <= forces",
    )
    exp("spec-chunk-seconds-inf", mutated(chunk_seconds=INF), "chunk_seconds", "finite")
    exp("spec-seed-huge", mutated(seed=10**30), "seed", "magnitude at most")
    exp(
        "spec-runs-100k-digits",
        f"name: x\nscenario: two-state-textbook\nruns: {DIGITS}\n",
        "(top level)",
        "at most 4300 digits",
    )
    exp(
        "spec-levels-outside-range",
        mutated(
            uncertainties={"actors.A.resolve": {"low": 0.2, "high": 0.9, "levels": [0.5, 3]}},
            design={"method": "factorial"},
        ),
        "uncertainties.actors.A.resolve",
        "levels in [low, high]",
    )
    exp("spec-name-zero-width", mutated(name="bad\u200binput"), "name", "visible characters")
    exp(
        "spec-package-rlo",
        mutated(packages=["status-quo", "\u202ewithdrawal"]),
        "packages",
        "visible characters",
    )
    exp(
        "spec-packages-twice",
        mutated(packages=["status-quo", "status-quo"]),
        "packages",
        "each name once",
    )

    def csv_case(name: str, content: str | bytes, field: str, words: str, spec=None, **extra):
        path = edir / f"design-{name}.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        over = spec or {}
        exp(
            f"csv-{name}",
            mutated(design={"method": "csv", "file": path.name}, **over),
            field,
            words,
            **extra,
        )

    col = "actors.A.resolve"
    csv_case(
        "bom-bad-value",
        "\ufeff" + f"{col}\n0.3\nlots\n",
        f"row 3.{col}",
        "expected a number",
        absent="\ufeff",
    )
    csv_case("duplicate-column", f"{col},{col}\n0.3,0.4\n", col, "each column once")
    csv_case(
        "missing-column",
        f"{col}\n0.3\n",
        "ladder.4.hazard",
        "it is missing",
        spec={"uncertainties": {col: [0.2, 0.9], "ladder.4.hazard": [0, 0.01]}},
    )
    csv_case("empty-header", f"{col},\n0.3,1\n", "column 2", "expected a column name")
    csv_case(
        "short-row",
        f"{col},ladder.4.hazard\n0.3,0.001\n0.4\n",
        "row 3",
        "expected 2 values",
        spec={"uncertainties": {col: [0.2, 0.9], "ladder.4.hazard": [0, 0.01]}},
    )
    csv_case("outside-declared-range", f"{col}\n0.3\n5\n", f"row 3.{col}", "factor's range")
    csv_case(
        "scenario-refuses",
        f"{col}\n0.3\n3\n",
        f"uncertainties.{col}",
        "values the scenario accepts",
        spec={"uncertainties": {col: [0, 5]}},
    )
    csv_case(
        "integer-not-whole",
        "packages.withdrawal[0].start\n2.5\n",
        "row 2.packages.withdrawal[0].start",
        "whole number",
        spec={
            "uncertainties": {},
            "levers": {"packages.withdrawal[0].start": {"low": 0, "high": 20, "integer": True}},
        },
    )
    csv_case("infinity", f"{col}\n0.3\ninf\n", f"row 3.{col}", "finite")
    csv_case("not-utf8", b"actors.A.resolve\n0.3\n\xff\xfe\n", "(top level)", "UTF-8")
    csv_case("empty", "", "(top level)", "empty file")
    csv_case("header-only", f"{col}\n", "(top level)", "at least one row")
    for kind, words in (("dir", "a directory"), ("fifo", "FIFO"), ("devzero", "a device")):
        exp(
            f"csv-is-{kind}",
            mutated(design={"method": "csv", "file": f"design-{kind}.csv"}),
            "(top level)",
            words,
            setup={kind: f"design-{kind}.csv"},
        )
    exp("out-is-a-file", mutated(), "(top level)", "got a file", setup={"outfile": "out"})
    exp(
        "out-unwritable",
        mutated(),
        "(top level)",
        "folder detente can write to",
        out="/proc/detente-cannot-write-here",
    )


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 8] = bytes(b ^ 0xFF for b in data[mid : mid + 8])
    path.write_bytes(bytes(data))


def _swap(folder: Path) -> None:
    a, b = folder / "chunks" / "chunk-000000.parquet", folder / "chunks" / "chunk-000001.parquet"
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)


def _crafted(folder: Path) -> None:
    """A chunk whose column name is SQL: it must be refused (its checksum), and
    were it read, the name is a quoted identifier."""
    path = folder / "chunks" / "chunk-000000.parquet"
    t = pq.read_table(path)
    evil = "war\") from runs; copy (select 1) to 'pwned.csv'; --"
    buf = io.BytesIO()
    pq.write_table(t.rename_columns([evil if c == "war" else c for c in t.column_names]), buf)
    path.write_bytes(buf.getvalue())


def _manifest(fn):
    def apply(folder: Path) -> None:
        m = json.loads((folder / "manifest.json").read_text())
        fn(m)
        (folder / "manifest.json").write_text(json.dumps(m))

    return apply


def _tamper_design(folder: Path) -> None:
    path = folder / "design.parquet"
    t = pq.read_table(path)
    col = t.column_names[1]
    t = t.set_column(1, col, pa.array([0.5] * t.num_rows))
    buf = io.BytesIO()
    pq.write_table(t, buf)
    path.write_bytes(buf.getvalue())


def round2_results(damaged) -> None:
    """Results folders (points 8, 9): the manifest is the truth."""
    chunk0 = "chunk-000000.parquet"
    for command in ("report", "discover"):
        damaged(
            f"chunk-flipped-bytes-{command}",
            lambda f: _flip(f / "chunks" / chunk0),
            "(top level)",
            "SHA-256 differs",
            command=command,
        )
    damaged(
        "chunk-missing",
        lambda f: (f / "chunks" / chunk0).unlink(),
        "(top level)",
        "expected a readable results chunk",
        command="report",
    )
    damaged("chunks-swapped", _swap, "(top level)", "SHA-256 differs", command="report")
    damaged("chunk-crafted-column", _crafted, "(top level)", "SHA-256 differs", command="report")
    damaged(
        "complete-twice",
        _manifest(lambda m: m.update(complete=[0, 0])),
        "complete[1]",
        "each chunk once",
        command="report",
    )
    damaged(
        "complete-out-of-range",
        _manifest(lambda m: m.update(complete=[0, 99])),
        "complete[1]",
        "a chunk index",
        command="report",
    )
    damaged(
        "checksum-missing",
        _manifest(lambda m: m["checksums"].pop("1")),
        "checksums.1",
        "SHA-256 of chunk 1",
        command="report",
    )
    damaged(
        "sweep-incomplete",
        _manifest(lambda m: m.update(complete=[0])),
        "(top level)",
        "expected a complete sweep",
        command="report",
    )
    damaged(
        "manifest-huge-integer",
        lambda f: (f / "manifest.json").write_text('{"format": 2, "points": ' + DIGITS + "}"),
        "(top level)",
        "JSON manifest",
        command="discover",
    )
    damaged(
        "manifest-format-1",
        _manifest(lambda m: m.update(format=1)),
        "format",
        "expected 2",
        command="report",
    )
    damaged(
        "manifest-plan-gap",
        _manifest(lambda m: m.update(chunks=[[0, 1], [2, m["points"]]])),
        "chunks[1]",
        "following on from 1",
        command="report",
    )
    damaged(
        "design-tampered", _tamper_design, "(top level)", "design the sweep wrote", command="report"
    )
    damaged("design-tampered-resume", _tamper_design, "(top level)", "design the sweep wrote")
    damaged(
        "scenario-changed",
        _manifest(lambda m: m["provenance"].update(scenario_sha256="0" * 64)),
        "provenance.scenario_sha256",
        "changed since the sweep started",
    )
    damaged(
        "version-changed",
        _manifest(lambda m: m.update(version="0.0.1")),
        "version",
        "changed since the sweep started",
    )
    damaged(
        "report-out-is-a-folder",
        lambda f: None,
        "(top level)",
        "got a folder",
        command="report",
        setup={"dir": "report.html"},
    )
    damaged(
        "report-out-unwritable",
        lambda f: None,
        "(top level)",
        "expected a writable path",
        command="report",
        out="/proc/detente-cannot-write-here/report.html",
    )
