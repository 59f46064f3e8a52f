"""benchmarks/harness.py and benchmarks/render_performance.py: the parts that
decide whether a benchmark's figures can be believed. No wall time is asserted:
the tests check what is recorded, compared and rendered, not how fast."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


harness = _load("harness")
render = _load("render_performance")


def test_fingerprint_tells_a_last_bit_apart_and_ignores_key_order():
    a = {"war": np.array([True, False]), "deaths": np.array([1.0, 2.0])}
    b = {"deaths": np.array([1.0, 2.0]), "war": np.array([True, False])}
    assert harness.fingerprint(a) == harness.fingerprint(b)
    c = {**a, "deaths": np.array([1.0, np.nextafter(2.0, 3.0)])}
    assert harness.fingerprint(a) != harness.fingerprint(c)
    # the same bytes under another dtype or shape are other numbers
    assert harness.fingerprint({"x": np.zeros(2, np.int64)}) != harness.fingerprint(
        {"x": np.zeros(2, np.float64)}
    )
    assert harness.fingerprint({"x": np.zeros(4)}) != harness.fingerprint({"x": np.zeros((2, 2))})
    # strings read back as objects (a Parquet column): equal text, equal fingerprint
    left = np.array(["".join(["status-", "quo"]), "".join(["pea", "ce"])], dtype=object)
    right = np.array(["status-quo", "peace"], dtype=object)
    assert harness.fingerprint({"p": left}) == harness.fingerprint({"p": right})
    assert harness.fingerprint({"p": left}) != harness.fingerprint({"p": right[::-1].copy()})


def test_close_finds_every_difference_beyond_the_tolerance():
    a = {"p": [0.5, 1.0], "name": "x", "n": 3}
    assert harness.close(a, {"p": [0.5, 1.0 + 1e-12], "name": "x", "n": 3}, rtol=1e-9) == []
    diff = harness.close(a, {"p": [0.5, 1.001], "name": "y", "n": 3}, rtol=1e-9)
    assert diff == [".p[1]: 1.0 and 1.001", ".name: 'x' and 'y'"]
    assert harness.close(a, {"p": [0.5], "name": "x", "n": 3})  # a length
    assert harness.close(a, {"p": [0.5, 1.0], "name": "x"})  # a key
    assert harness.close({"x": True}, {"x": 1.0})  # a flag is not a number


def test_outcomes_agree_shares_runs_equal_exactly_or_to_the_tolerance():
    a = {"war": np.array([1, 0, 1, 1]), "deaths": np.array([1.0, 2.0, 3.0, 4.0])}
    b = {"war": np.array([1, 0, 0, 1]), "deaths": np.array([1.0, 2.0 * (1 + 1e-12), 3.0, 5.0])}
    assert harness.outcomes_agree(a, b, ("war", "deaths"), rtol=1e-9) == {
        "war": 0.75,
        "deaths": 0.75,
    }


def test_interleave_alternates_the_order_and_records_load_and_self_timing():
    calls = []
    cases = {
        "a": lambda: calls.append("a"),
        "b": lambda: calls.append("b"),
        "c": lambda: harness.Measured(0.25, {"note": calls.append("c")}),
    }
    t = harness.interleave(cases, 3, echo=False)
    assert calls == ["a", "b", "c", "c", "b", "a", "a", "b", "c"]
    assert t["c"].seconds == [0.25] * 3 and t["c"].best == 0.25
    for timing in t.values():
        assert len(timing.seconds) == len(timing.load_before) == len(timing.load_after) == 3
    record = t["a"].record()
    assert record["best_s"] == round(min(t["a"].seconds), 6)
    assert record["median_s"] == round(float(np.median(t["a"].seconds)), 6)


def test_a_failed_check_stops_before_timing_and_leaves_its_record(tmp_path):
    args = harness.arguments("x", rounds=5).parse_args(["--out", str(tmp_path / "r.json")])
    report = harness.Report("demo", args)
    report.check("one side equals the other", True)
    with pytest.raises(SystemExit, match="check failed, nothing timed"):
        report.check("the sides agree", False, share=0.5)
    doc = json.loads((tmp_path / "r.json").read_text())
    assert [c["ok"] for c in doc["checks"]] == [True, False]
    assert doc["stopped"].endswith("the sides agree")
    assert doc["timings"] == {}
    for key in ("cpu", "logical_cpus", "memory_gib", "python", "numpy", "commit"):
        assert key in doc["machine"]


def test_quick_runs_go_apart_and_rounds_default_per_mode():
    ap = harness.arguments("x", rounds=5)
    full, quick = ap.parse_args([]), ap.parse_args(["--quick"])
    assert harness.rounds_of(full) == 5 and harness.rounds_of(quick) == 2
    assert harness.rounds_of(ap.parse_args(["--quick", "--rounds", "4"])) == 4
    assert harness.Report("demo", full).path() == harness.RESULTS / "demo.json"
    assert harness.Report("demo", quick).path() == harness.RESULTS / "quick" / "demo.json"


def test_docs_performance_is_generated_from_the_results_as_they_are():
    """Re-measure a benchmark without re-rendering the page and this fails:
    run python benchmarks/render_performance.py."""
    assert render.main(["--check"]) == 0


def test_the_render_check_finds_a_stale_section_and_a_missing_file(tmp_path, capsys):
    page = render.DOC.read_text()
    spec = render.SECTION.search(page)["spec"]
    stale = tmp_path / "stale.md"
    stale.write_text(f"<!-- generated: {spec} -->\nold figures\n<!-- end generated -->\n")
    assert render.main(["--check", "--doc", str(stale)]) == 1
    assert "stale" in capsys.readouterr().err
    assert render.main(["--doc", str(stale)]) == 0
    assert render.main(["--check", "--doc", str(stale)]) == 0
    missing = tmp_path / "missing.md"
    missing.write_text("<!-- generated: tables no-such-results -->\n<!-- end generated -->\n")
    assert render.main(["--check", "--doc", str(missing)]) == 1
    assert "no such file" in capsys.readouterr().err
