"""Where model version 2's time goes: the default job against version 1, with and without the
talks that `ukraine-2022`'s baseline opens.

Issue 15 asks that the default `detente run` take no more than 1.3x version
1's time. This measures what part of version 2's extra time is the talks of
30 January 2022 (the Normandy format, the Trilateral Contact Group, the
US-Russia dialogue: a `negotiate` item in the scenario's baseline, which
makes every run with an open dispute negotiate every week) and what part is
the rest of the model (values of rejecting, peace values and breakdown
hazards, compliance, the war threat in every decision). For each case, in a
fresh process (benchmarks/ab_cpu.py's job): every package of `ukraine-2022`,
one chunk of ``--runs`` runs, seed 0, ``time.process_time()`` around the
simulation only:

* version 1 (``--v1``, a source tree of commit 1939211), the scenario as it
  shipped then;
* this tree, the scenario as shipped;
* this tree, the scenario without its baseline's `negotiate` item (a
  counterfactual world without those talks: not a fix, a decomposition).

Interleaved, best of N, load recorded (benchmarks/harness.py). Checked: each
case computes the same outcomes in every round. Writes
``benchmarks/results/v2_cost.json``.

    git archive 1939211 src | tar -x -C /tmp/v1
    python benchmarks/v2_cost.py --v1 /tmp/v1/src
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ab_cpu import measure
from harness import ROOT, Report, arguments, interleave, rounds_of


def main() -> None:
    ap = arguments(__doc__, rounds=2)
    ap.add_argument("--v1", type=Path, required=True, help="src of version 1 (1939211)")
    ap.add_argument("--runs", type=int, default=None, help="runs per package (default 2,500)")
    a = ap.parse_args()
    runs = a.runs or (300 if a.quick else 2500)
    report = Report("v2_cost", a)
    here = ROOT / "src"
    cases = {
        "version 1": lambda: measure(a.v1, runs),
        "version 2": lambda: measure(here, runs),
        "version 2 without the baseline's talks": lambda: measure(here, runs, "negotiate"),
    }
    t = interleave(cases, rounds_of(a))
    digests = {k: sorted({i["outcomes"] for i in v.info}) for k, v in t.items()}
    report.check("each case computed the same outcomes in every round",
                 all(len(d) == 1 for d in digests.values()), outcomes=digests)
    report.check("the counterfactual dropped exactly one baseline item",
                 t["version 2"].info[0]["baseline"]
                 == t["version 2 without the baseline's talks"].info[0]["baseline"] + 1)
    v1 = t["version 1"].best
    report.put("x_version_1", {k: round(v.best / v1, 3) for k, v in t.items()})
    report.table(
        f"ukraine-2022, every package, {runs:,} runs in one chunk: CPU s, best of "
        f"{rounds_of(a)} interleaved",
        ["case", "best CPU s", "median CPU s", "x version 1"],
        [[k, v.best, v.median, round(v.best / v1, 2)] for k, v in t.items()],
    )
    report.write()


if __name__ == "__main__":
    main()
