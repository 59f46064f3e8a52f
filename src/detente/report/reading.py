"""Numbers and words for people: the report's summary table, the price of
peace, and the note on how to read them.

Labels carry their units; probabilities are printed as percentages with as
many digits as a small one needs; counts get thousands separators or
"million"; every interval sits beside its estimate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from detente.outcomes import label

__all__ = ["HOW_TO_READ", "count", "pp", "price_of_peace", "prob", "summary_rows"]

HOW_TO_READ = """
<h2>How to read this</h2>
<ul>
<li><b>Same draws for every package.</b> Each package is simulated on the same random
numbers as the status quo, run by run, so a difference between packages comes from
the package, not from chance. The change in P(war) is measured run by run, with a 95%
interval.</li>
<li><b>War and settlement are not opposites.</b> P(war) is the share of runs in which a
dispute reached war (rung 6) at any time in the horizon. P(settled) is the share in
which <i>every</i> dispute ended: by agreement (a bargain struck while a negotiating
channel was open), by a concession, or by a war's end when one side was defeated. A
run can settle after a war, and a run can end with neither (the crisis still open).
So P(settled) 100% beside P(war) 0.4% (1.000 and 0.004 in the terminal) means: almost
every run ended in a settlement, almost none passed through war on the way.</li>
<li><b>The price of peace.</b> A settlement has terms: the challenger's share of the
disputed stake, between the status quo (what it held) and its demand. A package can
make war rare by making a bargain certain, and the bargain may give the challenger much
of what it asked. The table <i>The price of peace</i> shows, per package and dispute,
how disputes ended and the terms: read it beside P(war) before calling a package
better.</li>
<li><b>Deaths and displaced</b> are counts over the horizon in the contested zone
(displaced: the peak number of people displaced at once); the mean is pulled up by rare
large wars, so the 5-95% range is shown beside it.</li>
</ul>
"""


def prob(p: float | None) -> str:
    """A probability as a percentage, readable when small: 54.5%, 0.40%, 0.012%, 0%."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    pct = 100.0 * p
    if pct == 0.0:
        return "0%"
    if pct >= 10.0 or pct == 100.0:
        return f"{pct:.1f}%"
    digits = max(1, 1 - math.floor(math.log10(abs(pct))))  # two significant digits
    return f"{pct:.{digits}f}%"


def pp(d: float | None) -> str:
    """A change in probability in percentage points: -26.5 pts."""
    if d is None:
        return ""
    return f"{100.0 * d:+.1f} pts"


def count(x: float | None) -> str:
    """A count of people: 712, 45,800, 3.73 million (three significant digits)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if abs(x) >= 1e6:
        return f"{x / 1e6:.3g} million"
    if abs(x) >= 1e3:
        return f"{float(f'{x:.3g}'):,.0f}"
    return f"{x:.0f}"


def summary_rows(packages: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[str]]:
    """The run summary with human labels and units: (rows, column names)."""
    cols = [
        "Package",
        label("p_war_ci"),
        f"Change in {label('p_war')} vs status quo, 95% interval",
        label("p_settlement"),
        label("p_nuclear"),
        label("deaths_mean").replace(", mean", ", mean (5-95%)"),
        label("displaced_mean").replace(", mean", ", mean (5-95%)"),
    ]
    rows = []
    for r in packages:
        lo, hi = r["p_war_ci"]
        d = r.get("delta_p_war_vs_status_quo")
        if d is None or r["name"] == "status-quo":
            change = "baseline"
        else:
            d_lo, d_hi = r["delta_p_war_ci"]
            change = f"{pp(d)} ({pp(d_lo)} to {pp(d_hi)})"
        rows.append(
            {
                cols[0]: r["name"],
                cols[1]: f"{prob(r['p_war'])} ({prob(lo)}-{prob(hi)})",
                cols[2]: change,
                cols[3]: prob(r["p_settlement"]),
                cols[4]: prob(r["p_nuclear"]),
                cols[5]: f"{count(r['deaths_mean'])} ({count(r['deaths_q05'])}-"
                f"{count(r['deaths_q95'])})",
                cols[6]: f"{count(r['displaced_mean'])} ({count(r.get('displaced_q05'))}-"
                f"{count(r.get('displaced_q95'))})",
            }
        )
    return rows, cols


_HOW = {1: "concession", 2: "agreement", 3: "defeat in war"}


def price_of_peace(runs: Any) -> tuple[list[dict[str, str]], list[str]]:
    """Per package and dispute: how disputes ended, and the terms of settlement.

    ``runs`` is runs.parquet as a DataFrame (columns ``settled_by.<dispute>``,
    ``settlement.<dispute>``, ``territory_change.<dispute>``).
    """
    disputes = [c.split(".", 1)[1] for c in runs.columns if c.startswith("settled_by.")]
    cols = [
        "Package",
        "Dispute",
        "Ended by agreement",
        "by concession",
        "by defeat in war",
        "Still open",
        "Terms: challenger's share of the stake (mean if settled)",
        "Change in territory held (mean)",
    ]
    rows = []
    for pkg, grp in runs.groupby("package", sort=False):
        for d in disputes:
            how = grp[f"settled_by.{d}"].to_numpy()
            terms = grp[f"settlement.{d}"].to_numpy(dtype=float)
            moved = grp.get(f"territory_change.{d}")
            rows.append(
                {
                    cols[0]: str(pkg),
                    cols[1]: d,
                    cols[2]: prob(float(np.mean(how == 2))),
                    cols[3]: prob(float(np.mean(how == 1))),
                    cols[4]: prob(float(np.mean(how == 3))),
                    cols[5]: prob(float(np.mean(how == 0))),
                    cols[6]: f"{np.nanmean(terms):.2f}" if np.isfinite(terms).any() else "-",
                    cols[7]: "" if moved is None else f"{float(moved.mean()):+.3f}",
                }
            )
    return rows, cols
