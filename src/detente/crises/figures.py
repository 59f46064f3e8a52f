"""Reliability diagram of held-out viol forecasts (matplotlib; ``detente[crises]``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from detente.crises.score import BINS, CVResult

__all__ = ["figure_from_forecasts", "reliability_figure"]

LABELS = ("1 no violence", "2 minor clashes", "3 serious clashes", "4 full-scale war")
# Drawn forecasters: the cut-points alone and the trigger's link lie on top of the
# base rate and the model, so they are left to the scores table.
SHOWN = ("model", "model_raw", "base_rate", "logistic")


def reliability_figure(cv: CVResult, path: Path) -> None:
    """Observed frequency against mean forecast, per viol category and forecaster."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), sharey=True)
    for k, ax in enumerate(axes):
        ax.plot([0, 1], [0, 1], color="0.7", lw=1)
        for name in (n for n in SHOWN if n in cv.forecasts):
            p = cv.forecasts[name]
            f, o = p[:, k], (cv.viol == k + 1)
            b = np.clip(np.digitize(f, BINS[1:-1]), 0, len(BINS) - 2)
            xs, ys, ns = [], [], []
            for j in range(len(BINS) - 1):
                m = b == j
                if m.any():
                    xs.append(f[m].mean())
                    ys.append(o[m].mean())
                    ns.append(m.sum())
            ax.plot(xs, ys, marker="o", label=name.replace("_", " "))
        ax.set_title(f"viol {LABELS[k]}", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("mean forecast")
    axes[0].set_ylabel("observed frequency")
    axes[-1].legend(fontsize=8)
    fig.suptitle("ICB 1918-1989, each decade held out in turn", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def figure_from_forecasts(forecasts_json: Path, path: Path) -> None:
    """Redraw the figure from the ``forecasts.json`` that ``detente crises score`` writes."""
    from detente.io import read_json

    doc = read_json(forecasts_json, "forecasts")
    fc = {k: np.asarray(doc[k]) for k in SHOWN if k in doc}
    cv = CVResult(np.asarray(doc["crisno"]), np.asarray(doc["viol"]), np.asarray(doc["decade"]), fc)
    reliability_figure(cv, path)
