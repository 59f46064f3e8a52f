"""Markdown tables for docs/model.md from the JSON of policy_answers.py (before and after).

    python benchmarks/policy_tables.py benchmarks/results/policy-answers-v1.json \\
        benchmarks/results/policy-answers-v2.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _f(x, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def main() -> None:
    v1, v2 = (json.loads(Path(p).read_text()) for p in sys.argv[1:3])
    disputes = [k for k in next(iter(v2["packages"].values())) if k != "p_war"]
    print("| package | P(war) v1 | P(war) v2 | runs with an agreement v1 | v2 "
          "| challenger's terms, mean (5-95%) v1 | v2 | weeks to agreement v2 "
          "| breakdowns per run v2 | runs ended by a concession v2 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for pkg in v2["packages"]:
        a, b = v1["packages"][pkg], v2["packages"][pkg]
        cells = [pkg, f"{a['p_war']:.3f}", f"{b['p_war']:.3f}"]
        cells.append(" / ".join(f"{a[d]['agreement']:.2f}" for d in disputes))
        cells.append(" / ".join(f"{b[d]['agreement']:.2f}" for d in disputes))
        for r in (a, b):
            cells.append(" / ".join(
                f"{_f(r[d]['terms_any']['mean'])} ({_f(r[d]['terms_any']['q05'])}-"
                f"{_f(r[d]['terms_any']['q95'])})" for d in disputes))
        cells.append(" / ".join(_f(b[d].get("agreement_week", {}).get("mean"), "{:.1f}")
                                for d in disputes))
        cells.append(" / ".join(_f(b[d].get("breakdowns", {}).get("mean"), "{:.2f}")
                                for d in disputes))
        cells.append(" / ".join(
            f"{b[d]['concession']:.2f}" for d in disputes))
        print("| " + " | ".join(cells) + " |")
    print(f"\nDisputes in each cell: {' / '.join(disputes)}.")


if __name__ == "__main__":
    main()
