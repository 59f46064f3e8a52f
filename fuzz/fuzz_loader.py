"""Coverage-guided fuzzing of the scenario loader with atheris (libFuzzer).

Usage (CI runs it for about 60 s)::

    python fuzz/fuzz_loader.py -max_total_time=60 -rss_limit_mb=2048 fuzz/corpus

Every input must either load as a scenario or raise ScenarioError: any other
exception, a hang or runaway memory is a finding. The seed corpus is the
built-in scenarios and the bad-input catalogue.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from detente.scenario.loading import ScenarioError, parse_scenario, parse_yaml_text


def test_one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # the file reader reports this before parsing (tested elsewhere)
    try:
        doc = parse_yaml_text(text, "fuzz.yaml")
        if isinstance(doc, dict):
            parse_scenario(doc, file="fuzz.yaml")
    except ScenarioError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
