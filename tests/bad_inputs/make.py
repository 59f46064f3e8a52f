"""Regenerate the bad-input catalogue in this folder: python tests/bad_inputs/make.py

Each file is paired with the error it must give in ``cases.yaml``. The 100 MB
file is not stored; the test makes it in a temporary folder.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from round2 import round2_experiments, round2_results, round2_scenarios  # noqa: E402
from round3 import round3_readers  # noqa: E402

from conftest import scenario_dict  # noqa: E402
from test_bad_scenarios import CASES  # noqa: E402

GOOD_EXPERIMENT = {
    "name": "bad-input-base",
    "scenario": "two-state-textbook",
    "runs": 5,
    "packages": ["status-quo"],
    "uncertainties": {"actors.A.resolve": [0.2, 0.9]},
    "design": {"method": "lhs", "samples": 4},
    "chunk_seconds": 0.01,
}


def scenario_text(**over) -> str:
    data = scenario_dict()
    for path, value in over.items():
        node = data
        keys = path.split("/")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[int(keys[-1]) if isinstance(node, list) else keys[-1]] = value
    return yaml.safe_dump(data, sort_keys=False)


def main() -> None:
    cases: list[dict] = []
    sdir, edir, rdir = HERE / "scenarios", HERE / "experiments", HERE / "results"
    for d in (sdir, edir, rdir):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()

    def scen(name: str, content: str | bytes, field: str, words: str, **extra) -> None:
        path = sdir / f"{name}.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        cases.append(
            {
                "file": f"scenarios/{path.name}",
                "command": "validate",
                "field": field,
                "expect": words,
                **extra,
            }
        )

    for case, content, field, words in CASES:
        scen(case, content, field, words)
    bomb = (
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "\n".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]"
            for i in range(8)
        )
        + "\n"
    )
    scen("alias-bomb", bomb, "(top level)", "aliases are expanded")
    scen(
        "deep-nesting",
        "name: x\nactors: " + "[" * 3000 + "]" * 3000 + "\n",
        "(top level)",
        "nesting at most",
    )
    scen(
        "huge-number-overflows",
        scenario_text(**{"actors/0/forces": 1e400}).replace("forces: .inf", "forces: 1.0e+400"),
        "actors[0].forces",
        "finite",
    )
    scen(
        "huge-magnitude",
        scenario_text(**{"actors/0/population_at_risk": 1e20}),
        "actors[0].population_at_risk",
        "magnitude at most",
    )
    scen(
        "nan-yaml",
        scenario_text().replace("arsenal: 10", "arsenal: .nan", 1),
        "actors[0].arsenal",
        "finite",
    )
    scen("binary-junk", bytes(range(256)) * 8, "(top level)", "UTF-8")
    scen("junk-with-nul", b"name: x\x00\x00\nactors: []\n", "(top level)", "expected valid YAML")
    scen(
        "huge-integer-steps",
        scenario_text(**{"settings/steps": 10**30}),
        "settings.steps",
        "magnitude at most",
    )
    scen(
        "nonexistent-actor-in-package",
        scenario_text(**{"packages": {"p": [{"type": "sanctions", "target": "Ghost"}]}}),
        "packages.p[0].target",
        "one of the actors",
    )
    scen("complex-mapping-key", "name: x\n? {a: 1}\n: 2\n", "(top level)", "expected a plain key")
    scen(
        "start-after-horizon",
        scenario_text(**{"packages": {"p": [{"type": "ceasefire", "start": 500}]}}),
        "packages.p[0].start",
        "before settings.steps",
    )

    round2_scenarios(scen, bomb)

    def exp(name: str, data: dict | str | bytes, field: str, words: str, **extra) -> None:
        path = edir / f"{name}.yaml"
        if isinstance(data, dict):
            path.write_text(yaml.safe_dump(data))
        else:
            path.write_bytes(data if isinstance(data, bytes) else data.encode())
        cases.append(
            {
                "file": f"experiments/{path.name}",
                "command": "sweep",
                "field": field,
                "expect": words,
                **extra,
            }
        )

    def mutated(**over) -> dict:
        d = copy.deepcopy(GOOD_EXPERIMENT)
        d.update(over)
        return d

    exp(
        "unknown-uncertainty-path",
        mutated(uncertainties={"actors.Z.resolve": [0, 1]}),
        "uncertainties.actors.Z.resolve",
        "parameter path",
    )
    exp(
        "reversed-range",
        mutated(uncertainties={"actors.A.resolve": [0.9, 0.2]}),
        "uncertainties.actors.A.resolve",
        "low < high",
    )
    exp("unknown-design", mutated(design={"method": "magic"}), "design.method", "expected")
    exp("unknown-model", mutated(model="oracle"), "model", "registered model")
    exp(
        "missing-scenario-file",
        mutated(scenario="no/such/file.yaml"),
        "scenario",
        "built-in scenario name",
    )
    exp("zero-runs", mutated(runs=0), "runs", "greater than or equal")
    exp(
        "unknown-lever",
        mutated(levers={"packages.nope[0].fraction": [0, 1]}),
        "levers.packages.nope[0].fraction",
        "expected",
    )
    exp("unknown-package", mutated(packages=["status-quo", "magic"]), "packages", "magic")
    exp("nothing-varies", mutated(uncertainties={}), "(top level)", "at least one uncertainty")
    exp("alias-bomb-spec", bomb, "(top level)", "aliases are expanded")
    exp("binary-spec", b"\xff\xfe\x00junk" * 50, "(top level)", "UTF-8")
    exp("extra-field", mutated(colour="red"), "colour", "no such field")
    exp(
        "csv-missing",
        mutated(design={"method": "csv", "file": "nowhere.csv"}),
        "design.file",
        "CSV file",
    )
    (edir / "design-bad-number.csv").write_text("actors.A.resolve\n0.3\nlots\n")
    exp(
        "csv-not-a-number",
        mutated(design={"method": "csv", "file": "design-bad-number.csv"}),
        "row 3.actors.A.resolve",
        "expected a number",
    )
    (edir / "design-unknown-column.csv").write_text("actors.B.colour\n0.3\n")
    exp(
        "csv-unknown-column",
        mutated(design={"method": "csv", "file": "design-unknown-column.csv"}),
        "actors.B.colour",
        "column named as an uncertainty",
    )
    (edir / "design-nan.csv").write_text("actors.A.resolve\n0.3\nnan\n")
    exp(
        "csv-nan",
        mutated(design={"method": "csv", "file": "design-nan.csv"}),
        "row 3.actors.A.resolve",
        "finite",
    )

    round2_experiments(exp, mutated, edir)

    # Damaged results folders, made from a real small sweep.
    good = rdir / "_good"
    spec = rdir / "base.yaml"
    spec.write_text(yaml.safe_dump(GOOD_EXPERIMENT))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "detente.cli",
            "sweep",
            str(spec),
            "--out",
            str(good),
            "--workers",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    (good / "results.duckdb").unlink(missing_ok=True)

    def damaged(
        name: str, how, field: str, words: str, command: str = "sweep-resume", **extra
    ) -> None:
        folder = rdir / name
        shutil.copytree(good, folder)
        how(folder)
        cases.append(
            {
                "file": f"results/{name}",
                "command": command,
                "field": field,
                "expect": words,
                **extra,
            }
        )

    damaged(
        "corrupt-manifest",
        lambda f: (f / "manifest.json").write_text("{not json"),
        "(top level)",
        "JSON manifest",
    )
    damaged(
        "manifest-not-object",
        lambda f: (f / "manifest.json").write_text("[1, 2]"),
        "(top level)",
        "JSON object",
    )
    damaged(
        "manifest-missing-key",
        lambda f: (f / "manifest.json").write_text(
            json.dumps(
                {
                    k: v
                    for k, v in json.loads((f / "manifest.json").read_text()).items()
                    if k != "chunks"
                }
            )
        ),
        "chunks",
        "expected a list",
    )
    damaged(
        "design-missing",
        lambda f: (f / "design.parquet").unlink(),
        "(top level)",
        "readable design file",
    )
    damaged(
        "design-truncated",
        lambda f: (f / "design.parquet").write_bytes((f / "design.parquet").read_bytes()[:40]),
        "(top level)",
        "complete Parquet",
    )
    damaged(
        "chunk-truncated-report",
        lambda f: next((f / "chunks").glob("*.parquet")).write_bytes(b"PAR1garbage"),
        "(top level)",
        "SHA-256 differs",
        command="report",
    )
    damaged(
        "chunk-truncated-discover",
        lambda f: next((f / "chunks").glob("*.parquet")).write_bytes(b"PAR1"),
        "(top level)",
        "SHA-256 differs",
        command="discover",
    )
    damaged(
        "spec-changed",  # now named by the difference: the manifest's spec differs too
        lambda f: (f / "manifest.json").write_text(
            json.dumps(
                {
                    **(m := json.loads((f / "manifest.json").read_text())),
                    "spec_sha256": "0" * 64,
                    "spec": {**m["spec"], "runs": 7},
                }
            )
        ),
        "spec_sha256",
        "runs was 7, is now 5",
    )
    damaged(
        "summary-corrupt-run",
        lambda f: (f / "manifest.json").unlink() or (f / "summary.json").write_text("{oops"),
        "(top level)",
        "JSON run summary",
        command="report",
    )
    round2_results(damaged)
    round3_readers(HERE / "readers", good, cases.append)
    shutil.rmtree(good)
    (HERE / "cases.yaml").write_text(yaml.safe_dump(cases, sort_keys=False, width=100))
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
