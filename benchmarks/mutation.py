"""Mutation testing of one module against a fast, targeted test selection.

A mutant is the module with one small change (``>`` for ``>=``, ``+`` for
``-``, a constant altered, an argument dropped); a good test suite fails on
it ("kills" it). The score is the share of mutants killed, and every
survivor is either a gap in the tests or a change that cannot alter
behaviour (an equivalent mutant), to be explained (model-spec V2.8,
property 13).

The mutants are made and run by mutmut (``pip install 'detente[mutation]'``;
Hovmöller, mutmut 3). This script runs it on a scratch copy of ``src/`` and
``tests/`` under ``build/mutation/`` (the work tree is never mutated), with
only the named module mutated and only the named tests run, then writes the
score and each surviving mutant with its location (file, line, function, the
changed line) to JSON and Markdown.

    python benchmarks/mutation.py --module src/detente/model/policies.py
    python benchmarks/mutation.py --module src/detente/theory/powell.py
    python benchmarks/mutation.py --module src/detente/model/bargaining.py \\
        --tests tests/test_bargaining.py --tests tests/test_required_properties.py

Known modules have a default selection (``SELECTIONS``); pick tests that run
in seconds: mutmut runs them once per mutant (forking after one import), and
a run should stay within about ten minutes on two shared cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# Fast test selections for the modules mutated so far.
SELECTIONS: dict[str, list[str]] = {
    "src/detente/model/policies.py": ["tests/test_policy_scripts.py"],
    "src/detente/theory/powell.py": ["tests/test_powell.py"],
    "src/detente/model/bargaining.py": ["tests/test_bargaining.py"],
    "src/detente/model/agreements.py": ["tests/test_bargaining.py"],
    "src/detente/model/optimism.py": ["tests/test_optimism.py"],
}
# The interventions (a package since issue 14): their scripted tests and the
# engine-level properties of the peacemaking ones.
for _module in ("base", "peacemaking", "pressure"):
    SELECTIONS[f"src/detente/model/interventions/{_module}.py"] = [
        "tests/test_intervention_scripts.py",
        "tests/test_earned_answers.py",
    ]

# mutmut's exit codes by outcome (mutmut.stats.status_by_exit_code, 3.8).
KILLED = {1, 3, 37}
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {24, -24, 36, 152, 255}


def _status(code: int | None) -> str:
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    if code in TIMEOUT:
        return "timeout"
    return "not checked" if code is None else "suspicious"


def _scratch(module: str, tests: list[str], workdir: Path) -> Path:
    """A copy of src/ and tests/ with a pyproject.toml that configures mutmut."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    shutil.copytree(ROOT / "src", workdir / "src", ignore=ignore)
    shutil.copytree(ROOT / "tests", workdir / "tests", ignore=ignore)
    pyproject = (ROOT / "pyproject.toml").read_text()
    pyproject = pyproject.split("\n[tool.mutmut]")[0]  # ours wins over any section there
    config = {
        "source_paths": ["src"],
        "only_mutate": [module],
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q", "-x"],
        "use_git_change_detection": False,
    }
    lines = [f"{k} = {json.dumps(v)}" for k, v in config.items()]
    (workdir / "pyproject.toml").write_text(pyproject + "\n[tool.mutmut]\n" + "\n".join(lines))
    return workdir


def _changed_line(diff: str) -> tuple[str, str]:
    """The first removed and added lines of a mutant's diff."""
    minus = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and ln[1:2] != "-"]
    plus = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and ln[1:2] != "+"]
    return (minus[0] if minus else "", plus[0] if plus else "")


def _locate(source: list[str], function: str, before: str) -> int | None:
    """The line number (1-based) of ``before`` inside ``function`` of the module."""
    name = function.split("ǁ")[-1] if "ǁ" in function else function.removeprefix("x_")
    owner = function.split("ǁ")[1] if "ǁ" in function else None
    start = 0
    if owner:
        start = next((i for i, ln in enumerate(source) if re.match(rf"class {owner}\b", ln)), 0)
    start = next(
        (i for i in range(start, len(source)) if re.match(rf"\s*def {name}\b", source[i])), start
    )
    for i in range(start, len(source)):
        if before and source[i].strip() == before:
            return i + 1
    return None


def _mutants(workdir: Path, module: str, env: dict[str, str]) -> list[dict[str, Any]]:
    meta = json.loads((workdir / "mutants" / f"{module}.meta").read_text())
    source = (workdir / module).read_text().splitlines()
    out = []
    for key, code in sorted(meta["exit_code_by_key"].items()):
        entry: dict[str, Any] = {"mutant": key, "status": _status(code), "exit_code": code}
        if entry["status"] != "killed":
            diff = subprocess.run(
                ["mutmut", "show", key], cwd=workdir, env=env, capture_output=True, text=True
            ).stdout
            function = key.rsplit(".", 1)[-1].split("__mutmut_")[0]
            before, after = _changed_line(diff)
            entry.update(
                function=function.replace("ǁ", ".").removeprefix("x."),
                line=_locate(source, function, before),
                before=before,
                after=after,
            )
        out.append(entry)
    return out


def _markdown(summary: dict[str, Any]) -> str:
    rows = [
        f"# Mutation run: `{summary['module']}`",
        "",
        f"Tests: {', '.join(f'`{t}`' for t in summary['tests'])}. mutmut {summary['mutmut']}, "
        f"{summary['seconds']:.0f} s.",
        "",
        f"**Score {summary['score']:.1%}**: {summary['counts']['killed']} of "
        f"{summary['total']} mutants killed. Counts: "
        + ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
        + ".",
        "",
        "| mutant | status | line | original | mutant |",
        "|---|---|---|---|---|",
    ]
    for m in summary["mutants"]:
        if m["status"] != "killed":
            rows.append(
                f"| `{m['mutant'].rsplit('.', 1)[-1]}` | {m['status']} | {m['line']} "
                f"| `{m['before']}` | `{m['after']}` |"
            )
    return "\n".join(rows) + "\n"


def run(module: str, tests: list[str], out: Path, workdir: Path, jobs: int) -> dict[str, Any]:
    """Mutate ``module``, run ``tests`` on every mutant, write ``out``.json and .md."""
    import mutmut

    workdir = _scratch(module, tests, workdir)
    env = {**os.environ, "PYTHONPATH": str(workdir / "src")}
    t0 = time.perf_counter()
    subprocess.run(
        ["nice", "-n", "10", "mutmut", "run", "--max-children", str(jobs)],
        cwd=workdir,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - t0
    mutants = _mutants(workdir, module, env)
    counts: dict[str, int] = {}
    for m in mutants:
        counts[m["status"]] = counts.get(m["status"], 0) + 1
    summary = {
        "module": module,
        "tests": tests,
        "mutmut": getattr(mutmut, "__version__", "3"),
        "seconds": seconds,
        "total": len(mutants),
        "counts": counts,
        "score": counts.get("killed", 0) / max(len(mutants), 1),
        "mutants": mutants,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(_markdown(summary))
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--module", required=True, help="the module to mutate, e.g. src/detente/...")
    ap.add_argument("--tests", action="append", help="a test file or node id (repeatable)")
    ap.add_argument("--out", type=Path, help="results path without suffix (.json and .md)")
    ap.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    args = ap.parse_args(argv)
    module = Path(args.module).as_posix()
    if not (ROOT / module).is_file():
        print(f"--module: no such file under {ROOT}: {module}", file=sys.stderr)
        return 2
    tests = args.tests or SELECTIONS.get(module)
    if not tests:
        print(f"--tests: no default selection for {module}; name the tests", file=sys.stderr)
        return 2
    stem = Path(module).stem
    out = args.out or ROOT / "benchmarks" / "results" / f"mutation-{stem}"
    try:
        summary = run(module, tests, out, ROOT / "build" / "mutation" / stem, args.jobs)
    except ModuleNotFoundError:
        print("mutmut is not installed: pip install 'detente[mutation]'", file=sys.stderr)
        return 2
    print(
        f"{module}: score {summary['score']:.1%} ({summary['counts']}); "
        f"{out.with_suffix('.md').relative_to(ROOT) if out.is_relative_to(ROOT) else out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
