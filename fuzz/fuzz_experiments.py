"""Coverage-guided fuzzing of the experiment spec and CSV design readers with
atheris (libFuzzer), beside fuzz_loader.py's scenario loader.

Usage (CI runs a bounded, seeded job)::

    python fuzz/make_corpus.py fuzz/corpus-experiments experiments
    python fuzz/fuzz_experiments.py -seed=1 -runs=4000 fuzz/corpus-experiments

The first byte of an input chooses the reader: even, the rest is an
experiment spec (YAML, validated as ``detente sweep`` validates it, and a
small design sampled from it); odd, the rest is a CSV design read for a
fixed three-factor experiment. Every input must be accepted or raise the
project's one error type (ScenarioError, a detente.io.InputError): any other
exception, a hang or runaway memory is a finding.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris
from pydantic import ValidationError

# Only detente's own code is instrumented: the readers under test, not NumPy.
with atheris.instrument_imports(include=["detente"]):
    from detente.run.design import read_design_csv, sample
    from detente.run.spec import ExperimentSpec
    from detente.scenario.loading import (
        ScenarioError,
        check_numbers,
        parse_yaml_text,
        pydantic_error,
    )

CSV_SPEC = ExperimentSpec.model_validate(
    {
        "name": "fuzz",
        "model": "ishigami",
        "uncertainties": {"x1": [-3.2, 3.2], "x2": [-3.2, 3.2]},
        "levers": {"x3": {"low": 0, "high": 10, "integer": True}},
        "design": {"method": "csv", "file": "design.csv"},
    }
)
FOLDER = Path(tempfile.mkdtemp(prefix="detente-fuzz-"))


def spec_from(text: str) -> None:
    doc = parse_yaml_text(text, "fuzz.yaml")
    if not isinstance(doc, dict):
        return
    check_numbers(doc, "fuzz.yaml")
    try:
        spec = ExperimentSpec.model_validate(doc)
    except ValidationError as e:
        raise pydantic_error("fuzz.yaml", e) from None
    small = spec.design.samples <= 32 and spec.design.levels ** len(spec.factors) <= 4096
    if spec.design.method != "csv" and small and len(spec.factors) <= 6:
        sample(spec, FOLDER)


def csv_from(data: bytes) -> None:
    path = FOLDER / "design.csv"
    path.write_bytes(data)
    read_design_csv(CSV_SPEC, path)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    try:
        if data[0] % 2:
            csv_from(data[1:])
        else:
            try:
                text = data[1:].decode("utf-8")
            except UnicodeDecodeError:
                return  # the file reader reports this before parsing (tested elsewhere)
            spec_from(text)
    except ScenarioError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    try:
        atheris.Fuzz()
    finally:
        for p in FOLDER.iterdir():
            os.unlink(p)
        FOLDER.rmdir()


if __name__ == "__main__":
    main()
