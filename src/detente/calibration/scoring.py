"""Score a calibration's predictive distribution on held-out observations.

As the ViEWS evaluation does (Hegre et al. 2019; Vesco et al. 2022): the
continuous ranked probability score of the predictive ensemble, the Brier
score of the probability that a month reaches a threshold, and the coverage
of the central 50% and 90% intervals, each beside two reference forecasts:

- no change: the last observed value before the holdout, for every month;
- climatology: the observed values of the calibration period, as an
  ensemble, for every month.

Lower CRPS and Brier are better; a forecast that beats neither reference has
no skill on these data, and the report says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from detente.analysis.metrics import (
    brier,
    climatology_forecast,
    coverage,
    crps,
    no_change_forecast,
)

__all__ = ["score"]


def _window_end(kind: str, label: str) -> dt.date:
    from detente.calibration.targets import observation_window

    return observation_window(kind, label)[1]


def score(
    manifest: dict[str, Any],
    predictive: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    target: str | None = None,
    after: dt.date | None = None,
    threshold: float = 25.0,
) -> dict[str, Any]:
    """Scores of the model and both references on the observations after ``after``.

    ``after`` defaults to the calibration's ``until``; the target defaults to
    the first monthly target that the observation model records.
    """
    if after is None:
        if manifest.get("until") is None:
            raise ValueError(
                "expected a calibration with a holdout (--until) or a date to score after"
            )
        after = dt.date.fromisoformat(manifest["until"])
    targets = list(dict.fromkeys(observed["target"]))
    if target is None:
        monthly = [t for t in targets if _is_monthly(observed, t)]
        if not monthly:
            raise ValueError("expected a monthly target to score")
        target = monthly[0]
    if target not in targets:
        raise ValueError(f"expected one of the targets {targets}, got {target!r}")
    obs = observed[observed["target"] == target].reset_index(drop=True)
    kind = "monthly" if _is_monthly(observed, target) else "yearly"
    ends = np.array([_window_end(kind, lab) for lab in obs["label"]])
    hold = ends > after
    if not hold.any():
        raise ValueError(f"expected observations of {target!r} after {after.isoformat()}")
    if hold.all():
        raise ValueError(f"expected observations of {target!r} up to {after.isoformat()}")
    history = obs.loc[~hold, "value"].to_numpy(dtype=np.float64)
    y = obs.loc[hold, "value"].to_numpy(dtype=np.float64)
    labels = obs.loc[hold, "label"].tolist()
    pred = predictive[predictive["target"] == target]
    wide = pred.pivot(index="label", columns="draw", values="value").loc[labels].to_numpy()
    h = len(y)
    forecasts = {
        "model": wide,
        "no-change": no_change_forecast(history, h),
        "climatology": climatology_forecast(history, h),
    }
    event = (y >= threshold).astype(np.float64)
    rows: list[dict[str, Any]] = []
    for name, ens in forecasts.items():
        one = ens.shape[1] == 1
        rows.append(
            {
                "forecast": name,
                "crps": float(np.mean(crps(y, ens))),
                "brier": brier(np.mean(ens >= threshold, axis=1), event),
                "coverage_50": None if one else coverage(y, ens, 0.5),
                "coverage_90": None if one else coverage(y, ens, 0.9),
            }
        )
    model = rows[0]
    best_ref = min(rows[1:], key=lambda r: r["crps"])
    if model["crps"] < min(r["crps"] for r in rows[1:]):
        verdict = (
            f"The model's CRPS ({model['crps']:.2f}) is lower than both references "
            f"(best: {best_ref['forecast']}, {best_ref['crps']:.2f}): it has skill here."
        )
    else:
        verdict = (
            f"The model's CRPS ({model['crps']:.2f}) does not beat the {best_ref['forecast']} "
            f"reference ({best_ref['crps']:.2f}): on these months it has no skill over it."
        )
    return {
        "target": target,
        "after": after.isoformat(),
        "first": labels[0],
        "last": labels[-1],
        "observations": h,
        "threshold": threshold,
        "event_rate": float(event.mean()),
        "scores": rows,
        "verdict": verdict,
    }


def _is_monthly(observed: pd.DataFrame, target: str) -> bool:
    labels = observed.loc[observed["target"] == target, "label"]
    return bool(len(labels)) and all(len(str(x)) == 7 and str(x)[4] == "-" for x in labels)
