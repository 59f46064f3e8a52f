"""Quick figures from Python: ``Result.plot()`` and ``Comparison.plot()``.

Matplotlib (``pip install 'detente[plot]'``), imported only when a figure
is asked for; each function returns the ``matplotlib.figure.Figure`` so a
notebook shows it and a script can ``savefig`` it. The HTML report
(:mod:`detente.report`) has the full set of figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.extras import require
from detente.outcomes import title

__all__ = ["plot_comparison", "plot_result"]

_NOTE = "Conditional on the scenario's assumptions; not forecasts."


def _plt() -> Any:
    require("plotting", "plot")
    import matplotlib.pyplot as plt

    return plt


def plot_result(result: Any) -> Any:
    """One package: deaths and displaced per run (log scale), and, if the result
    has series, the share of runs at war and settled week by week."""
    plt = _plt()
    o = result.outcomes
    ncols = 3 if result.series is not None else 2
    fig, axes = plt.subplots(1, ncols, figsize=(4.2 * ncols, 3.4), layout="constrained")
    for ax, key in zip(axes, ("deaths", "displaced"), strict=False):
        label = f"{title(key)} per run"  # as detente.outcomes declares it
        values = np.asarray(o[key], dtype=float)
        bins = np.logspace(0, max(1.0, np.log10(values.max() + 1.0)), 30)
        ax.hist(values + 1.0, bins=bins, color="#2874a6")
        ax.set_xscale("log")
        ax.set_xlabel(f"1 + {label} (log scale)")
        ax.set_ylabel("runs")
        zero = float(np.mean(values == 0.0))
        ax.set_title(f"{label}: mean {values.mean():,.0f}; none in {zero:.0%}", fontsize=9)
    if result.series is not None:
        s, n = result.series, result.runs
        ax = axes[2]
        ax.plot(s["at_war"] / n, color="#c0392b", label="at war")
        ax.plot(s["rung_counts"][:, 0] / n, color="#2874a6", label="settled")
        ax.set_ylim(0, 1)
        ax.set_xlabel("week")
        ax.set_ylabel("share of runs")
        ax.legend(frameon=False)
    fig.suptitle(f"{result.scenario}: {result.package}, {result.runs:,} runs. {_NOTE}", fontsize=9)
    return fig


def plot_comparison(comparison: Any) -> Any:
    """Every package: P(war) with its 95% interval, P(settled), and the change in
    P(war) against the status quo with its paired 95% interval."""
    plt = _plt()
    rows = comparison.rows()
    names = [r["name"] for r in rows]
    y = np.arange(len(rows))[::-1]
    fig, (a, b, c) = plt.subplots(
        1, 3, figsize=(12, 0.45 * len(rows) + 1.6), sharey=True, layout="constrained"
    )
    p = np.array([r["p_war"] for r in rows])
    ci = np.array([r["p_war_ci"] for r in rows])
    a.barh(y, p, color="#c0392b")
    a.errorbar(p, y, xerr=[p - ci[:, 0], ci[:, 1] - p], fmt="none", color="black")
    a.set_xlim(0, 1)
    a.set_xlabel("P(war), 95% interval")
    a.set_yticks(y, names)
    b.barh(y, [r["p_settlement"] for r in rows], color="#2874a6")
    b.set_xlim(0, 1)
    b.set_xlabel("P(settled): every dispute ended")
    for yi, r in zip(y, rows, strict=True):
        d, dci = r["delta_p_war_vs_status_quo"], r["delta_p_war_ci"]
        if d is None or r["name"] == comparison.baseline:
            continue
        c.errorbar([d], [yi], xerr=[[d - dci[0]], [dci[1] - d]], fmt="o", color="black")
    c.axvline(0, linestyle="--", color="grey")
    c.set_xlabel("change in P(war) vs status quo")
    fig.suptitle(f"{comparison.scenario}: packages on common random numbers. {_NOTE}", fontsize=9)
    return fig
